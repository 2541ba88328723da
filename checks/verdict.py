"""One decision per claim: the proof outcome and the findings of the note's reading, settled in one
function (:func:`settle`) into a typed :class:`Decision`, turned into JSON only when written.

Inputs:

* ``Outcome`` (``checks.decide``): the claim's form decided at its sizes (proof, numerics);
* ``Findings`` (``checks.fidelity``): what the note prints at the claim's anchor, how it was read,
  and, where the printed text differs from the project's copy, the printed claim checked as
  printed (``PrintedCheck``), also for a justification printed beside the step.

What is decided: for an unchanged text, the outcome; for an edited text, the printed claim (its
sides as read, the point, both values), with the project's claim as the correction, decided like
any claim; for a text that is gone, inconclusive.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import general as general_summary
from .claim import Claim
from .decide import DPS, Outcome
from .printing import latex


@dataclass
class PrintedCheck:
    """A printed claim checked as printed (its sides read, compared at the evaluator's points)."""

    verdict: str
    k: int
    sides: list[dict]                      # each printed side: text, how it was read
    ks: list[int] = field(default_factory=list)   # every size it was checked at (k the last)
    points: int = 0
    max_difference: float = 0.0
    counterexample: dict | None = None
    note: str = ""
    shown: tuple | None = None             # the first pair of values as checked (SymPy expressions)
    digits: int = 20                       # the precision of the comparison


@dataclass
class Findings:
    """What reading the note found for one claim.

    ``status``: "not printed", "prose", "prose changed", "missing", "missing, maybe renumbered",
    "confirmed", "unparseable",
    "differs", "indirect", "edited" or "error".  ``printed``: the text as printed in the note verified
    (None where not printed).  ``edited``: the printed claim checked as printed.  ``remark``: the
    justification printed beside the step, when it differs from the project's copy.
    """

    status: str
    printed: str | None = None
    anchor: dict | None = None
    note: str = ""
    sides: list[dict] = field(default_factory=list)
    k: int | None = None
    pair: int | None = None
    indirect: str = ""
    edited: PrintedCheck | None = None
    remark: dict | None = None             # {printed, reference} of the justification
    remark_check: PrintedCheck | None = None

    def to_json(self) -> dict:
        out = {"status": self.status, "location": self.anchor}
        if self.note:
            out["note"] = self.note
        if self.sides:
            out["sides"] = self.sides
        if self.k is not None:
            out["k"] = self.k
        if self.pair is not None:
            out["pair"] = self.pair
        if self.indirect:
            out["indirect"] = self.indirect
        if self.remark is not None:
            rc = self.remark_check
            out["remark"] = {"printed": self.remark.get("printed"), "note": (rc.note if rc else self.remark.get("note")),
                             "verdict": rc.verdict if rc else None, "sides": rc.sides if rc else []}
        return out


@dataclass
class Check:
    """How a verdict was reached: sizes, methods, numeric points, the pair shown."""

    k: list[int] | str
    methods: list[str]
    points: int
    max_difference: float
    seconds: float
    shown: tuple | None = None
    digits: int = DPS


@dataclass
class Decision:
    """The one verdict of one record (a claim at its sizes, or for symbolic k)."""

    id: str
    claim: Claim
    printed: str
    verdict: str
    check: Check
    note: str = ""
    counterexample: dict | None = None
    correction: Decision | None = None
    correction_statement: str = ""
    findings: Findings | None = None
    erratum: str | None = None

    def to_json(self) -> dict:
        c, chk = self.claim, self.check
        shown = chk.shown
        out = {
            "id": self.id, "equation": c.equation, "rule": c.rule, "kind": c.kind, "verdict": self.verdict,
            "verdict_text": general_summary.verdict_text({"verdict": self.verdict, "lemma": c.lemma}),
            "k": chk.k, "seconds": round(chk.seconds, 3), "source": c.source, "statement": c.statement,
            "printed": self.printed, "anchor": c.anchor.as_dict() if c.anchor is not None else None,
            "methods": sorted(set(chk.methods)), "points": chk.points, "max_difference": chk.max_difference,
            "counterexample": self.counterexample, "note": self.note,
            "checked_latex": [latex(side) for side in shown] if shown else None,
            "digits": chk.digits, "lemma": c.lemma, "erratum": self.erratum, "checked_as": c.indirect or None,
        }
        if self.correction is not None:
            out["correction"] = self.correction.to_json()
            if self.correction_statement:
                out["correction"]["statement"] = self.correction_statement
        if self.findings is not None:
            out["fidelity"] = self.findings.to_json()
        return out


def _check_of(o: Outcome) -> Check:
    return Check(o.k, list(o.methods), o.points, o.max_difference, o.seconds, o.shown)


def decision_of(outcome: Outcome, record_id: str, printed: str) -> Decision:
    """A claim decided on its own (no reading of the note): a correction, a rewrite."""
    return Decision(record_id, outcome.claim, printed, outcome.verdict, _check_of(outcome), outcome.note,
                    outcome.counterexample)


def _printed_check(pc: PrintedCheck, seconds: float) -> Check:
    return Check(pc.ks or [pc.k], ["the printed form as read: numerics, then a proof at each k"], pc.points,
                 pc.max_difference, seconds, pc.shown, pc.digits)


def settle(record_id: str, outcome: Outcome, findings: Findings, reference_printed: str,
           correction: Decision | None = None) -> Decision:
    """The verdict, the counterexample and the note of one record: set here and nowhere else.

    ``outcome``: the claim's form decided; ``findings``: the reading of the note at the claim's anchor;
    ``reference_printed``: the text of the project's copy at that anchor; ``correction``: the decided
    corrected claim of a known erratum (used when the outcome is refuted)."""
    claim = outcome.claim
    project = decision_of(outcome, record_id, reference_printed)
    printed = findings.printed if findings.printed is not None else reference_printed
    if findings.status == "error":
        verdict = "inconclusive" if outcome.verdict == "verified" else outcome.verdict
        return Decision(record_id, claim, printed, verdict, project.check,
                        f"the reading of the note failed: {findings.note}" if verdict == "inconclusive"
                        else outcome.note, outcome.counterexample if verdict == "refuted" else None,
                        correction if verdict == "refuted" else None, findings=findings)
    if findings.status == "missing, maybe renumbered":
        return Decision(record_id, claim, printed, "inconclusive", project.check,
                        f"{findings.note}; steps are not yet matched by meaning, so it is not checked",
                        findings=findings)
    if findings.status == "missing":
        return Decision(record_id, claim, printed, "unchecked", project.check,
                        f"{findings.note}: the note verified does not print this step", findings=findings)
    if findings.status == "prose changed":
        return Decision(record_id, claim, printed, "unchecked",  project.check,
                        "the sentence this claim was read from is not in the note verified, which no longer "
                        "makes this claim", findings=findings)
    if findings.edited is not None:
        pc = findings.edited
        verdict = "refuted" if pc.counterexample is not None else pc.verdict
        note = pc.note or "the printed text differs from the project's copy; the printed claim was decided as printed"
        if verdict == "verified" and outcome.k == "symbolic":
            # the printed text is read at concrete k only: for symbolic k it rests on the claim's form,
            # proved for every k, which the printed text was proved to equal at each k checked
            verdict = outcome.verdict if outcome.verdict != "refuted" else "inconclusive"
            note += (f"; for symbolic k this rests on the claim's form ({outcome.verdict} for every k), "
                     f"which the printed text equals at the sizes read")
        return Decision(record_id, claim, printed, verdict, _printed_check(pc, outcome.seconds), note,
                        pc.counterexample, project if verdict == "refuted" else None,
                        "the claim as printed in the project's copy of the note", findings)
    rc = findings.remark_check
    if rc is not None and rc.verdict == "refuted" and outcome.verdict != "refuted":
        remark_text = (findings.remark or {}).get("printed")
        step = Decision(record_id, claim, reference_printed + r" \quad \text{from } "
                        + (findings.remark or {}).get("reference", ""), outcome.verdict, project.check,
                        outcome.note)
        return Decision(record_id, claim, printed + r" \quad \text{from } " + str(remark_text), "refuted",
                        _printed_check(rc, outcome.seconds),
                        f"the equation printed beside this step as its justification, {remark_text}, is false"
                        + (f": {rc.note}" if rc.note else ""), rc.counterexample, step,
                        "the step and its justification as in the project's copy", findings)
    if (findings.remark or {}).get("added") and outcome.verdict == "verified":
        return Decision(record_id, claim, printed, "inconclusive", project.check,
                        f"{findings.remark['note']}: {findings.remark['printed']}", findings=findings)
    if rc is not None and rc.verdict == "inconclusive" and outcome.verdict == "verified":
        return Decision(record_id, claim, printed, "inconclusive", project.check,
                        f"the justification printed beside this step changed: {rc.note}", findings=findings)
    return Decision(record_id, claim, printed, outcome.verdict, project.check, outcome.note,
                    outcome.counterexample, correction if outcome.verdict == "refuted" else None,
                    findings=findings)
