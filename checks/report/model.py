"""The report model: one place that collects the facts every report format renders.

``build(report, out_dir)`` turns the report dict (what ``checks.run`` writes as
``verification.json``) into a :class:`Model`.  Renderers (``markdown``,
``html``, ``junit``) only format the model; they decide nothing.

Figures are the subject's business: if the subject module (``report["subject"]``)
exposes a callable ``FIGURES(out_dir) -> list[Figure-like dict]`` the model calls
it once per report and output folder; without one, or without matplotlib, the
model records why there are no figures.  Nothing here knows any particular note.
"""
from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from ..claim import RULES
from .latex_mathml import has_inline_math, prose_to_html, to_mathml

VERDICTS = ("verified", "refuted", "inconclusive", "unchecked")
MATHML_NS = "http://www.w3.org/1998/Math/MathML"


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
    checked_mathml: str | None      # one <math> element: lhs = rhs
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


@dataclass
class Figure:
    name: str
    caption: str
    path: Path                 # the SVG file written in the output folder
    svg: str                   # the SVG markup (no XML prolog), for inline embedding


@dataclass
class Model:
    title: str
    subject: str
    passed: bool
    counts: dict
    total_claims: int
    seconds: float
    sympy: str
    mpmath: str
    note_file: str | None
    note_sha256: str | None
    claims: list[ClaimView]
    errata: list[ClaimView]    # every refuted claim, in page order
    checker_bugs: list[dict]
    coverage: dict | None = None  # what of the note as printed no claim checks (report["fidelity"])
    figures: list[Figure] = field(default_factory=list)
    figures_skipped: str | None = None  # why there are no figures, when there are none
    steps: StepsView | None = None      # the input's own steps (None: an older run, or none decided)

    @property
    def verdict_line(self) -> str:
        if not self.claims and self.steps is not None:  # a write-up of its own: its steps are the verdict
            return self.steps.line
        c = self.counts
        ack = sum(1 for e in self.errata if e.erratum)
        return (f"{self.total_claims} claims: {c.get('verified', 0)} verified, {c.get('refuted', 0)} refuted "
                f"({ack} acknowledged errata), {c.get('inconclusive', 0)} inconclusive"
                + (f", {c['unchecked']} unchecked" if c.get("unchecked") else ""))


def number_text(x) -> str:
    """A number to 3 significant digits, "—" for none, anything else as its text."""
    if x is None:
        return "—"
    try:
        return f"{float(x):.3g}"
    except (TypeError, ValueError):
        return str(x)


def value_text(value, limit: int = 40) -> str:
    """A number as a reader wants it: huge exponents (a divergent side) summarised, long strings cut."""
    text = str(value)
    m = re.fullmatch(r"\s*([-+]?\d+(?:\.\d+)?)[eE]([-+]?)(\d+)\s*", text)
    if m and len(m.group(3)) > 6:
        mant = f"{float(m.group(1)):.4g}"
        return f"{mant}e{m.group(2) or '+'}{m.group(3)[:6]}… (an exponent of {len(m.group(3))} digits)"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def collapse_methods(methods: list[str]) -> list[str]:
    """Methods that differ only in an index (one per k: ``exp(-g_2)``, ``exp(-g_3)``...) shown once, with k."""
    groups: dict[str, list[str]] = {}
    for method in methods:
        groups.setdefault(re.sub(r"_\d+", "_k", method), []).append(method)
    return [members[0] if len(members) == 1 else f"{key} (each k)" for key, members in groups.items()]


def label(equation: str) -> str:
    return f"Jang et al. ({equation[1:]})" if equation.startswith("J") else f"eq. ({equation})"


def ks_text(k) -> str:
    if isinstance(k, str):
        return "symbolic k (general form)" if k == "symbolic" else k
    ks = list(k or [])
    if len(ks) > 2 and ks == list(range(ks[0], ks[-1] + 1)):
        return f"k = {ks[0]}, …, {ks[-1]}"
    return "k = " + ", ".join(map(str, ks)) if ks else "—"


def _inner(mathml: str) -> str:
    mathml = mathml.strip()
    if mathml.startswith("<math"):
        return mathml[mathml.index(">") + 1: mathml.rindex("</math>")]
    return mathml


def equation_element(lhs: str, rhs: str) -> str:
    """One displayed ``lhs = rhs`` from SymPy's presentation MathML of each side (no <math> element)."""
    return (f'<math xmlns="{MATHML_NS}" display="block"><mrow><mrow>{_inner(lhs)}</mrow><mo>=</mo>'
            f"<mrow>{_inner(rhs)}</mrow></mrow></math>")


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


def claim_view(record: dict, parent: dict | None = None) -> ClaimView:
    """The facts of one record; a partial record (a correction) takes what it lacks from its parent."""
    parent = parent or {}
    record = {**{k: parent.get(k) for k in ("equation", "rule", "source", "k")}, **record}
    record["id"] = str(record.get("id") or "?")
    record["equation"] = str(record.get("equation") or "?")
    record["rule"] = record.get("rule") or "—"
    record["verdict"] = record.get("verdict") or "inconclusive"
    printed = record.get("printed") or ""
    prose = has_inline_math(printed)
    mathml = record.get("checked_mathml")
    correction = record.get("correction")
    return ClaimView(
        id=record["id"], label=label(record["equation"]), equation=record["equation"], rule=record["rule"],
        rule_text=RULES.get(record["rule"], record["rule"]), source=record.get("source", "display"),
        statement=record.get("statement", ""), printed=printed, printed_is_prose=prose,
        printed_html=prose_to_html(printed) if prose else to_mathml(printed),
        checked_latex=record.get("checked_latex"),
        checked_mathml=equation_element(*mathml) if mathml else None,
        methods=collapse_methods(list(record.get("methods") or [])), ks=ks_text(record.get("k")),
        points=int(record.get("points") or 0), digits=record.get("digits"),
        max_difference=record.get("max_difference"), seconds=float(record.get("seconds") or 0.0),
        verdict=record["verdict"], counterexample=record.get("counterexample"), note=record.get("note") or "",
        erratum=record.get("erratum"), lemma=record.get("lemma"),
        correction=claim_view(correction, record) if isinstance(correction, dict) else None,
        fidelity=_fidelity_text(record.get("fidelity")),
    )


def _note_facts(report: dict) -> tuple[str | None, str | None]:
    """The note's file and SHA-256, wherever the report keeps them."""
    note = report.get("note")
    path = sha = None
    if isinstance(note, dict):
        path = note.get("file") or note.get("path")
        sha = note.get("sha256") or note.get("hash")
    elif isinstance(note, str):
        path = note
    fidelity = report.get("fidelity") if isinstance(report.get("fidelity"), dict) else {}
    path = path or report.get("note_file") or report.get("note_path") or fidelity.get("note")
    sha = sha or report.get("note_sha256") or report.get("note_hash")
    if path and not sha and Path(path).is_file():
        sha = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return (str(path) if path else None), sha


def _coverage(fidelity) -> dict | None:
    """Equations and '=' segments of the note that no claim checks, and equations missing from the note."""
    if not isinstance(fidelity, dict):
        return None
    out = {
        "equations without a claim": [f"({n})" for n in fidelity.get("unchecked_equations") or []],
        "equations missing from the note": [f"({n})" for n in fidelity.get("missing_equations") or []],
        "equations not in the project's copy": [f"({n})" for n in fidelity.get("equations_not_in_project_copy") or []],
        "'=' segments without a claim of their own": [
            f"({s.get('equation')}): {s.get('segment')}" for s in fidelity.get("segments_without_own_claim") or []
            if isinstance(s, dict)],
    }
    return {k: v for k, v in out.items() if v}


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
        qualifier=record.get("qualifier") or None, verdict=str(record.get("verdict") or "inconclusive"),
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


_CACHE: dict = {}


def build(report: dict, out_dir: Path, figures=None) -> Model:
    """The model of one report; built once per (report, folder) however many writers ask."""
    key = (id(report), str(out_dir))
    cached = _CACHE.get(key)
    if cached is not None and cached[0] is report:
        return cached[1]
    claims = [claim_view(r) for r in report.get("claims") or []]
    note_file, note_sha = _note_facts(report)
    counts = {v: int(report.get("counts", {}).get(v, sum(c.verdict == v for c in claims))) for v in VERDICTS}
    model = Model(
        title=report.get("title") or report.get("subject", "derivation"), subject=report.get("subject", ""),
        passed=bool(report.get("passed")), counts=counts, total_claims=len(claims),
        seconds=float(report.get("seconds") or 0.0), sympy=str(report.get("sympy", "?")),
        mpmath=str(report.get("mpmath", "?")), note_file=note_file, note_sha256=note_sha, claims=claims,
        errata=[c for c in claims if c.verdict == "refuted"], checker_bugs=list(report.get("checker_bugs") or []),
        coverage=_coverage(report.get("fidelity")), steps=steps_view(report.get("steps")),
    )
    model.figures, model.figures_skipped = _figures(report, Path(out_dir), figures)
    _CACHE.clear()
    _CACHE[key] = (report, model)
    return model


def _figures(report: dict, out_dir: Path, make=None) -> tuple[list[Figure], str | None]:
    """The subject's figures: ``make(out_dir)`` returns records {name, caption, path, svg}."""
    if "figures" in report and isinstance(report["figures"], list):  # given by the caller (tests)
        figs = [Figure(f["name"], f["caption"], Path(f["path"]), f.get("svg", "")) for f in report["figures"]]
        return figs, report.get("figures_skipped")
    if make is None:
        return [], "the subject defines no figures"
    try:
        made = make(out_dir)
    except ImportError as exc:
        return [], f"figures skipped: matplotlib is not installed ({exc}); install the 'report' extra"
    except Exception as exc:  # noqa: BLE001 - a figure must never cost the verification report
        return [], f"figures skipped: {type(exc).__name__}: {exc}"
    figs = []
    for f in made:
        path = Path(f["path"])
        svg = f.get("svg") or path.read_text()
        start = svg.find("<svg")
        figs.append(Figure(f["name"], f["caption"], path, svg[start:] if start >= 0 else svg))
    return figs, (None if figs else "the subject made no figures")
