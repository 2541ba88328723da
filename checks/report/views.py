"""The views of a report's claims and steps: what each one printed, how it was tied to the note, what was
checked and how, and its verdict, as text and typeset markup the renderers only format.

The numbers shown come from one place (:func:`number_text`), so that the numeric cross-check and a
counterexample state the same measure of disagreement in the same notation.
"""
from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html import escape

import mpmath

from ..claim import RULES
from .latex_mathml import has_inline_math, prose_to_html, to_mathml

VERDICTS = ("verified", "refuted", "inconclusive", "unchecked")

@dataclass
class ClaimView:
    id: str
    label: str                 # "eq. (5)" or "Jang et al. (25)"
    equation: str
    rule: str
    rule_text: str             # the rule and its side conditions
    source: str                # "display" or "text"
    statement: str
    printed: str               # LaTeX (or prose with $...$) as printed in the note
    printed_is_prose: bool
    printed_html: str          # typeset (MathML) printed form
    checked_latex: list[str] | None
    methods: list[str]
    ks: str                    # "2, 3, ..., 8" or "symbolic k"
    points: int
    digits: int | None
    max_difference: float | None
    seconds: float
    verdict: str
    counterexample: dict | None
    note: str
    erratum: str | None
    correction: ClaimView | None = None
    fidelity: str | None = None  # how the claim is tied to the note as printed, when checked
    lemma: str | None = None     # a lemma the verdict rests on: shown as "verified (by lemma: ...)"
    printed_where: str = ""      # "display (5)", "inline math of eq. (5)", "prose of eq. (4)", or "" (not printed)
    tie: str = ""                # how it was tied to the note, and what that means for the verdict
    checked_as: str | None = None        # how the check differs from the printed statement
    checked_caption: str = ""            # "at k = 2" / "for symbolic k", and whether both sides coincide
    checked_html: str | None = None      # MathML of what was checked (from checked_latex)
    numeric: str = ""                    # the numeric cross-check, its measure named
    counterexample_line: str | None = None   # the point, both values, |lhs - rhs| and the scaled difference
    normalizations: list[tuple[str, str]] = field(default_factory=list)   # (name, what it does)
    erratum_html: str | None = None      # the erratum's prose typeset

    @property
    def is_printed(self) -> bool:
        return bool(self.printed_where)

    @property
    def status(self) -> str:
        """pass / acknowledged (a refuted claim listed as an erratum of its printed text) / fail."""
        if self.verdict == "verified":
            return "pass"
        if self.verdict == "unchecked":
            return "unchecked"
        if self.verdict == "refuted" and self.erratum:
            return "acknowledged"
        return "fail"


@dataclass
class StepView:
    """One step of the input, in its own order: what it printed and what the checker found."""
    step: int                  # its place in the input, from 1
    number: str                # the equation number printed there, or "inline" / "prose" / "unnumbered"
    kind: str                  # "display", "inline" or "prose"
    printed: str               # LaTeX "lhs = rhs", or the sentence (prose)
    printed_html: str | None   # typeset (MathML, or prose with inline MathML); None: show the source
    qualifier: str | None
    verdict: str
    reason: str
    counterexample: str | None  # the point and both values, as text
    method: str | None
    normalizations: list[str]
    matched_claim: str | None
    erratum: str | None        # why the subject lists a refuted step as an erratum of its own
    ks: str
    qualifier_html: str | None = None   # the qualifier typeset ("for i = 1, …, k")

    label = property(lambda self: f"step {self.step} ({self.number})")
    where = property(lambda self: self.number if self.number in ("inline", "prose", "unnumbered")
                     else f"eq. ({self.number})")
    status = ClaimView.status   # pass / acknowledged / unchecked / fail, as for a claim


@dataclass
class StepsView:
    """The steps of the input (``report["steps"]``), their counts and the "=" that are notation."""
    steps: list[StepView]
    counts: dict
    decided_fraction: float
    acknowledged: int
    seconds: float
    failed: bool
    notation: list[str]

    @property
    def line(self) -> str:
        c = self.counts
        return (f"{len(self.steps)} steps: {c.get('verified', 0)} verified, {c.get('refuted', 0)} refuted "
                f"({self.acknowledged} acknowledged errata), {c.get('inconclusive', 0)} inconclusive, "
                f"{c.get('unchecked', 0)} unchecked; {100 * self.decided_fraction:.0f} % decided")


def number_text(x) -> str:
    """A number in scientific notation to 4 significant digits ("6.16e-33", "0.2471"), "—" for none, and a
    number too large for a float (a divergent side, "9.69e+148760…" with a 55-digit exponent) as a power of
    ten; anything else as its text."""
    if x is None:
        return "—"
    text = str(x).strip()
    m = re.fullmatch(r"([-+]?)(\d+(?:\.\d*)?)[eE]([-+]?\d+)", text)
    if m and len(m.group(3).lstrip("+-")) > 4:
        exponent = int(m.group(3)) + math.log10(float(m.group(2))) if float(m.group(2)) else 0.0
        return f"{m.group(1)}10^({exponent:.4g})"
    try:
        value = float(x)
    except (TypeError, ValueError):
        return text
    return f"{value:.4g}"


def value_text(value, limit: int = 40) -> str:
    """A value as a reader wants it: a number as :func:`number_text`, any other text cut to ``limit``."""
    text = str(value)
    shown = number_text(text) if re.fullmatch(r"\s*[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?\s*", text) else text
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


#: the numeric cross-check's measure of disagreement (checks.numeric.Comparison.difference)
SCALED = "|lhs − rhs| / max(1, |lhs|, |rhs|)"


def _differences(lhs, rhs) -> tuple[str, str] | None:
    """|lhs − rhs| and the scaled difference of a counterexample's two values (None: not two numbers)."""
    try:
        a, b = mpmath.mpf(str(lhs)), mpmath.mpf(str(rhs))
    except (TypeError, ValueError):
        return None
    diff = abs(a - b)
    scaled = diff / max(mpmath.mpf(1), abs(a), abs(b))
    return number_text(mpmath.nstr(diff, 6)), number_text(mpmath.nstr(scaled, 6))


def collapse_methods(methods: list[str]) -> list[str]:
    """Methods that differ only in an index (one per k: ``exp(-g_2)``, ``exp(-g_3)``...) shown once, with k."""
    groups: dict[str, list[str]] = {}
    for method in methods:
        groups.setdefault(re.sub(r"_\d+", "_k", method), []).append(method)
    return [members[0] if len(members) == 1 else f"{key} (each k)" for key, members in groups.items()]


def equation_anchor(equation: str) -> str:
    """The id of an equation's section: ``eq-5``, ``eq-J25``."""
    return "eq-" + re.sub(r"[^A-Za-z0-9]+", "-", str(equation)).strip("-")


def label(equation: str) -> str:
    return f"Jang et al. ({equation[1:]})" if equation.startswith("J") else f"eq. ({equation})"


def ks_text(k) -> str:
    if isinstance(k, str):
        return "symbolic k (general form)" if k == "symbolic" else k
    ks = list(k or [])
    if len(ks) > 2 and ks == list(range(ks[0], ks[-1] + 1)):
        return f"k = {ks[0]}, …, {ks[-1]}"
    return "k = " + ", ".join(map(str, ks)) if ks else "—"


def _fidelity_text(fid) -> str | None:
    """How the claim is tied to the note as printed (``record["fidelity"]``, when the run had a note)."""
    if not isinstance(fid, dict):
        return None
    text = str(fid.get("status") or "—")
    loc = fid.get("location")
    if isinstance(loc, dict) and loc.get("equation"):
        text += f" (eq. ({loc['equation']}), {loc.get('kind', '')})".replace(", )", ")")
    if fid.get("note"):
        text += f": {fid['note']}"
    return text


#: what a tie to the note means for the verdict, by the fidelity status (checks.verdict.Findings)
TIES = {
    "confirmed": "read from the note and matched to the project's claim by meaning: the verdict is the "
                 "printed claim's",
    "not printed": "not printed in the note: a completion the project adds; the verdict is about the "
                   "project's statement shown here",
    "prose": "a claim the prose makes in words: checked in the form shown under “As checked”; the verdict "
             "is the prose claim's",
    "indirect": "read from the note; checked in another form than the printed sides (see “Checked as”): the "
                "verdict is the printed claim's",
    "unparseable": "the printed text was found but could not be read as mathematics (a side names a quantity "
                   "or uses notation the reader cannot evaluate): the verdict is about the project's "
                   "transcription of this step, not confirmed against the printed text",
    "edited": "the printed text differs from the project's copy: the printed claim was checked as printed, "
              "and the verdict is the printed claim's",
    "differs": "the printed text differs from the project's copy: the verdict is the printed claim's",
    "missing": "not found in the note verified: nothing printed to decide",
    "missing, maybe renumbered": "not found where expected in the note verified: nothing printed to decide",
}


def _where(anchor) -> str:
    """Where the note prints a claim, from its anchor ("" when it does not)."""
    if not isinstance(anchor, dict) or not anchor.get("equation"):
        return ""
    eq = label(str(anchor["equation"]))
    kind = anchor.get("kind")
    return {"display": f"display {eq.removeprefix('eq. ')}", "inline": f"inline math by {eq}",
            "prose": f"the prose by {eq}"}.get(kind, eq)


def _tie(record: dict, printed_where: str) -> str:
    fid = record.get("fidelity") if isinstance(record.get("fidelity"), dict) else {}
    status = str(fid.get("status") or ("confirmed" if printed_where else "not printed"))
    text = TIES.get(status, f"{status}: {fid.get('note') or ''}".rstrip(": "))
    if status == "unparseable":
        reasons = [f"“{side.get('printed')}”: {side.get('reason')}" for side in fid.get("sides") or []
                   if isinstance(side, dict) and side.get("reason") and side.get("status") != "parsed"]
        text += (" (" + "; ".join(reasons) + ")") if reasons else ""
    return text


def _checked_caption(record: dict) -> str:
    k = record.get("k")
    at = "for symbolic k" if k == "symbolic" else (f"at k = {k[0]}" if isinstance(k, list) and k else "")
    sides = record.get("checked_latex") or []
    same = len(sides) == 2 and sides[0] == sides[1]
    text = f"SymPy, {at}" if at else "SymPy"
    if same:
        text += (": with the note's definitions substituted, SymPy builds both sides as the same expression, "
                 "shown once")
    return text


def _checked_html(sides) -> str | None:
    if not sides or len(sides) != 2:
        return None
    latex = sides[0] if sides[0] == sides[1] else f"{sides[0]} = {sides[1]}"
    return typeset(latex)


def _numeric(record: dict) -> str:
    points, digits = int(record.get("points") or 0), record.get("digits")
    if not points:
        return "no numeric points"
    return (f"{points} points" + (f" at {digits} digits" if digits else "")
            + f"; largest {SCALED} = {number_text(record.get('max_difference'))}")


def _counterexample_line(ce) -> str | None:
    if not isinstance(ce, dict):
        return None
    line = counterexample_text(ce)
    diffs = _differences(ce.get("lhs"), ce.get("rhs"))
    if diffs:
        line += f"; |lhs − rhs| = {diffs[0]}, {SCALED} = {diffs[1]}"
    return line


def _normalizations(record: dict, glossary: dict) -> list[tuple[str, str]]:
    fid = record.get("fidelity") if isinstance(record.get("fidelity"), dict) else {}
    names = sorted({n for side in fid.get("sides") or [] if isinstance(side, dict)
                    for n in side.get("normalizations") or []})
    return [(n, str(glossary.get(n, ""))) for n in names]


def claim_view(record: dict, parent: dict | None = None, glossary: dict | None = None) -> ClaimView:
    """The facts of one record; a partial record (a correction) takes what it lacks from its parent."""
    parent = parent or {}
    record = {**{k: parent.get(k) for k in ("equation", "rule", "source", "k")}, **record}
    record["id"] = str(record.get("id") or "?")
    record["equation"] = str(record.get("equation") or "?")
    record["rule"] = record.get("rule") or "—"
    record["verdict"] = record.get("verdict") or "inconclusive"
    printed = record.get("printed") or ""
    prose = has_inline_math(printed)
    correction = record.get("correction")
    fid = record.get("fidelity") if isinstance(record.get("fidelity"), dict) else {}
    where = "" if fid.get("status") == "not printed" else _where(record.get("anchor") or fid.get("location"))
    checked_as = record.get("checked_as") or fid.get("indirect") or None
    erratum = record.get("erratum")
    return ClaimView(
        id=record["id"], label=label(record["equation"]), equation=record["equation"], rule=record["rule"],
        rule_text=RULES.get(record["rule"], record["rule"]), source=record.get("source", "display"),
        statement=record.get("statement", ""), printed=printed, printed_is_prose=prose,
        printed_html=prose_to_html(printed) if prose else to_mathml(printed),
        checked_latex=record.get("checked_latex"),
        methods=collapse_methods(list(record.get("methods") or [])), ks=ks_text(record.get("k")),
        points=int(record.get("points") or 0), digits=record.get("digits"),
        max_difference=record.get("max_difference"), seconds=float(record.get("seconds") or 0.0),
        verdict=record["verdict"], counterexample=record.get("counterexample"), note=record.get("note") or "",
        erratum=erratum, lemma=record.get("lemma"),
        correction=claim_view(correction, record, glossary) if isinstance(correction, dict) else None,
        fidelity=_fidelity_text(record.get("fidelity")),
        printed_where=where, tie=_tie(record, where), checked_as=checked_as,
        checked_caption=_checked_caption(record), checked_html=_checked_html(record.get("checked_latex")),
        numeric=_numeric(record), counterexample_line=_counterexample_line(record.get("counterexample")),
        normalizations=_normalizations(record, glossary or {}),
        erratum_html=typeset(erratum, prose=True) if erratum else None,
    )


def typeset(latex: str, prose: bool = False) -> str | None:
    """MathML of a printed formula (or prose with inline math); None when it does not typeset."""
    try:
        out = prose_to_html(latex) if prose else to_mathml(latex)
        ET.fromstring(f"<p>{out}</p>")
    except Exception:  # noqa: BLE001 - a formula that does not typeset is shown as its source
        return None
    return out


def counterexample_text(ce) -> str | None:
    """A step's counterexample as a reader wants it: k, the indices, the point and both values."""
    if not isinstance(ce, dict):
        return None
    head = [f"k = {ce.get('k')}"] if ce.get("k") is not None else []
    indices = ce.get("indices")
    if isinstance(indices, dict) and indices:
        head.append(", ".join(f"{k} = {v}" for k, v in indices.items()))
    elif indices:
        head.append(f"indices {indices}")
    head += [f"entry {ce['entry']}"] if ce.get("entry") is not None else []
    point = ce.get("point")
    where = (", ".join(f"{k} = {value_text(v, 22)}" for k, v in point.items()) if isinstance(point, dict)
             else str(point or "—"))
    return (f"{'; '.join(head)}: at " if head else "at ") + \
        f"{where}: lhs = {value_text(ce.get('lhs'), 60)}, rhs = {value_text(ce.get('rhs'), 60)}"


def step_view(record: dict) -> StepView:
    kind = str(record.get("kind") or "display")
    equation = record.get("equation")
    number = str(equation) if equation else (kind if kind in ("inline", "prose") else "unnumbered")
    printed = str(record.get("printed") or "")
    if kind == "prose":
        html = typeset(printed, prose=True) if has_inline_math(printed) else escape(printed)
    else:
        html = typeset(printed)
    ks = record.get("ks")
    return StepView(
        step=int(record.get("step") or 0), number=number, kind=kind, printed=printed, printed_html=html,
        qualifier=record.get("qualifier") or None,
        qualifier_html=typeset(f"${record['qualifier']}$", prose=True) if record.get("qualifier") else None, verdict=str(record.get("verdict") or "inconclusive"),
        reason=str(record.get("reason") or ""), counterexample=counterexample_text(record.get("counterexample")),
        method=record.get("method") or None, normalizations=[str(n) for n in record.get("normalizations") or []],
        matched_claim=record.get("matched_claim") or None, erratum=record.get("erratum") or None,
        ks=ks_text(ks) if ks else "—",
    )


def _notation_text(n) -> str:
    if not isinstance(n, dict):
        return str(n)
    where = f" (eq. ({n['equation']}))" if n.get("equation") else ""
    return f"{n.get('text', '')}{where}" + (f": {n['why']}" if n.get("why") else "")


def steps_view(result) -> StepsView | None:
    """The view of ``report["steps"]``; None for an older run (no key) or a run that decided no steps."""
    if not isinstance(result, dict):
        return None
    views = [step_view(r) for r in result.get("steps") or [] if isinstance(r, dict)]
    given = result.get("counts") if isinstance(result.get("counts"), dict) else {}
    counts = {v: int(given.get(v, sum(s.verdict == v for s in views))) for v in VERDICTS}
    decided = result.get("decided_fraction")
    if decided is None:
        decided = (counts["verified"] + counts["refuted"]) / len(views) if views else 0.0
    ack = result.get("acknowledged")
    return StepsView(
        steps=views, counts=counts, decided_fraction=float(decided),
        acknowledged=int(ack if ack is not None else sum(s.status == "acknowledged" for s in views)),
        seconds=float(result.get("seconds") or 0.0), failed=bool(result.get("failed")),
        notation=[_notation_text(n) for n in result.get("notation") or []],
    )
