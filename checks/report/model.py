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
from dataclasses import dataclass, field
from pathlib import Path

from .views import (  # noqa: F401 - the renderers read these through the model module
    SCALED,
    VERDICTS,
    ClaimView,
    StepsView,
    StepView,
    claim_view,
    collapse_methods,
    counterexample_text,
    equation_anchor,
    ks_text,
    label,
    number_text,
    step_view,
    steps_view,
    typeset,
    value_text,
)


@dataclass
class Figure:
    name: str
    caption: str
    path: Path                 # the SVG file written in the output folder
    svg: str                   # the SVG markup (no XML prolog), for inline embedding


#: what the end-to-end section says of its checks (the subject declares them; nothing here knows which)
END_TO_END = ("The derivation's result checked as a whole, by the checks its subject declares: each density "
              "integrated under its declared base measure (quadrature for small k, importance sampling with a "
              "standard error beyond), samples against the density (Kolmogorov–Smirnov, binned chi-square), and "
              "findings about other libraries. Value and error are what the method column says; for quadrature, "
              "the integral and its distance from 1.")


#: what the coverage section, the errata section and the claims section say of themselves (both formats)
COVERAGE = ("How strongly each equation is checked: symbolic k (proved for every size), by lemma (for every "
            "size, resting on a cited lemma), concrete k only (proved at the sizes listed in each claim), "
            "restatements (a definition compared with its source, not a derivation step).")
CLAIMS = ("Each claim in one line; open it for what was printed, how it was tied to the note, what was checked "
          "and how.")
HINTS_ONLY = "No claim of the subject was checked on its own here; its claims served only as hints."
NO_ERRATA = "No claim of the note was refuted."


def errata_intro(note_file: str | None) -> str:
    """What the errata section lists: errata of the note as given in the file verified."""
    return ("Claims that are false as printed in the file verified" + (f" ({note_file})" if note_file else "")
            + ". They are errata of the note as given there: another version of the note (the published PDF, "
            "say) may print them differently.")


def tally(claims: list[ClaimView]) -> tuple[int, int, int]:
    """(passing, acknowledged errata, failing) among ``claims``."""
    return tuple(sum(c.status == s for c in claims) for s in ("pass", "acknowledged", "fail"))  # type: ignore[return-value]


@dataclass
class EndToEnd:
    """One end-to-end check of the subject (normalisation, samples against the density)."""
    name: str
    k: str
    tau: str
    pi: str
    method: str
    value: str
    error: str
    passed: bool


@dataclass
class EquationCoverage:
    """How one equation of the note is covered: its claims by the strength of their check."""
    equation: str
    label: str
    status: str                # "symbolic k", "partly symbolic k", "concrete k only", ...
    symbolic_k: list[str]
    by_lemma: list[str]
    concrete_only: list[str]
    restatements: list[str]


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
    end_to_end: list[EndToEnd] = field(default_factory=list)
    by_equation: list[EquationCoverage] = field(default_factory=list)
    glossary: dict = field(default_factory=dict)   # normalization name -> what it does
    #: further derivations verified in the same run (``report["derivations"]``: their own report dicts),
    #: each shown as a section of this report
    derivations: list[Model] = field(default_factory=list)
    ns: str = ""               # the prefix of this derivation's element ids ("" for the run's first subject)

    @property
    def failing(self) -> list[ClaimView]:
        """Claims that fail the run: refuted without an acknowledged erratum, or inconclusive."""
        return [c for c in self.claims if c.status == "fail"]

    @property
    def equations(self) -> list[tuple[str, str, list[ClaimView]]]:
        """(anchor id, label, claims) per equation, in the order of the claims."""
        groups: dict[str, list[ClaimView]] = {}
        for c in self.claims:
            groups.setdefault(c.equation, []).append(c)
        return [(equation_anchor(eq), cs[0].label, cs) for eq, cs in groups.items()]

    @property
    def verdict_line(self) -> str:
        if not self.claims and self.steps is not None:  # a write-up of its own: its steps are the verdict
            return self.steps.line
        c = self.counts
        ack = sum(1 for e in self.errata if e.erratum)
        return (f"{self.total_claims} claims: {c.get('verified', 0)} verified, {c.get('refuted', 0)} refuted "
                f"({ack} acknowledged errata), {c.get('inconclusive', 0)} inconclusive"
                + (f", {c['unchecked']} unchecked" if c.get("unchecked") else ""))


def erratum_consequence(e: ClaimView) -> str:
    """What follows from a refuted claim, from its correction's verdict."""
    corr = e.correction
    if corr is None:
        return ("The step is false as given, and no corrected claim is known: what the note derives from it is "
                "not supported by this step.")
    if corr.verdict == "verified":
        return (f"The step is false as given; the corrected claim ({corr.id}) is verified, so the derivation "
                "goes through from the corrected form.")
    return f"The step is false as given; its proposed correction ({corr.id}) is {corr.verdict}."


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


def _end_to_end(e: dict) -> EndToEnd:
    pi = e.get("pi")
    return EndToEnd(
        name=str(e.get("name", "")), k=str(e.get("k", "—")), tau=number_text(e.get("tau")),
        pi="(" + ", ".join(number_text(p) for p in pi) + ")" if isinstance(pi, list) else "—",
        method=str(e.get("method", "")), value=number_text(e.get("value")), error=number_text(e.get("error")),
        passed=bool(e.get("passed")))


def _by_equation(by_eq) -> list[EquationCoverage]:
    if not isinstance(by_eq, dict):
        return []
    out = []
    for eq, row in by_eq.items():
        if isinstance(row, dict):
            out.append(EquationCoverage(str(eq), label(str(eq)), str(row.get("status", "")),
                                        *[list(row.get(key) or []) for key in
                                          ("symbolic_k", "by_lemma", "concrete_only", "restatements")]))
    return out


_CACHE: dict = {}


def build(report: dict, out_dir: Path, figures=None) -> Model:
    """The model of one report; built once per (report, folder) however many writers ask."""
    key = (id(report), str(out_dir))
    cached = _CACHE.get(key)
    if cached is not None and cached[0] is report:
        return cached[1]
    model = _model(report, Path(out_dir), figures)
    for sub in report.get("derivations") or []:
        if isinstance(sub, dict):
            name = re.sub(r"[^A-Za-z0-9]+", "-", str(sub.get("subject") or "derivation")).strip("-")
            model.derivations.append(_model(sub, Path(out_dir), ns=f"{name}-"))
    _CACHE.clear()
    _CACHE[key] = (report, model)
    return model


def _model(report: dict, out_dir: Path, figures=None, ns: str = "") -> Model:
    fidelity = report.get("fidelity") if isinstance(report.get("fidelity"), dict) else {}
    glossary = fidelity.get("normalizations") if isinstance(fidelity.get("normalizations"), dict) else {}
    claims = [claim_view(r, glossary=glossary) for r in report.get("claims") or []]
    note_file, note_sha = _note_facts(report)
    counts = {v: int(report.get("counts", {}).get(v, sum(c.verdict == v for c in claims))) for v in VERDICTS}
    model = Model(
        title=report.get("title") or report.get("subject", "derivation"), subject=report.get("subject", ""),
        passed=bool(report.get("passed")), counts=counts, total_claims=len(claims),
        seconds=float(report.get("seconds") or 0.0), sympy=str(report.get("sympy", "?")),
        mpmath=str(report.get("mpmath", "?")), note_file=note_file, note_sha256=note_sha, claims=claims,
        errata=[c for c in claims if c.verdict == "refuted"], checker_bugs=list(report.get("checker_bugs") or []),
        coverage=_coverage(report.get("fidelity")), steps=steps_view(report.get("steps")),
        end_to_end=[_end_to_end(e) for e in report.get("end_to_end") or [] if isinstance(e, dict)],
        by_equation=_by_equation(report.get("by_equation")), glossary=dict(glossary), ns=ns,
    )
    model.figures, model.figures_skipped = _figures(report, Path(out_dir), figures)
    return model


def _figures(report: dict, out_dir: Path, make=None) -> tuple[list[Figure], str | None]:
    """The subject's figures: ``make(out_dir)`` returns records {name, caption, path, svg}."""
    if "figures" in report and isinstance(report["figures"], list):  # given by the caller (run, tests)
        figs = [Figure(f["name"], f["caption"], Path(f["path"]), f.get("svg", "")) for f in report["figures"]]
        return figs, report.get("figures_skipped")
    return make_figures(out_dir, make)


def make_figures(out_dir: Path, make=None) -> tuple[list[Figure], str | None]:
    """The figures ``make(out_dir)`` draws (records {name, caption, path, svg}), or why there are none."""
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
