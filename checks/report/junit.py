"""``reports/junit.xml``: one test case per claim, for CI dashboards; one test suite per derivation of the run.

* verified: a passing test case;
* refuted and not acknowledged: a ``<failure type="refuted">`` with the counterexample;
* refuted and an acknowledged erratum of the note: an expected failure, reported as pytest
  reports an xfail: ``<skipped type="pytest.xfail">`` with the erratum as its message
  (``make verify`` exits 0 for it, so a CI dashboard stays green);
* its corrected claim, when there is one, is a test case of its own (``<id>.corrected``)
  that passes when the correction is verified and is skipped, with its verdict, otherwise
  (a correction is the project's proposal: it does not decide the run);
* inconclusive: a ``<failure type="inconclusive">``;
* unchecked (the note verified does not print the claim): a ``<skipped>`` test case with the reason;
* each end-to-end check of the subject: a test case that fails when the check fails;
* a checker bug: an ``<error>`` test case;
* each step of the input (``report["steps"]``), classname ``steps``, named ``step N (eq)``: it fails
  when refuted (unless an acknowledged erratum: an expected failure, skipped as above) or inconclusive,
  and an unchecked step is skipped with its reason.

The test suite's ``failures`` counts what fails the run (refuted unacknowledged and inconclusive claims,
failing steps): a passing run has 0 failures.  Its properties record the SymPy and mpmath versions and the
note's hash.
"""
from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

from . import model as M


def _case(suite: ET.Element, m: M.Model, c: M.ClaimView, correction: bool = False) -> tuple[int, int, int]:
    """One claim: (tests, failures, skipped)."""
    case = ET.SubElement(suite, "testcase", {
        "classname": f"{m.subject}.eq{c.equation}", "name": f"{c.id}: {c.label} {c.rule}",
        "time": f"{c.seconds:.3f}", "file": m.note_file or m.subject,
    })
    detail = (f"statement: {c.statement}\nprinted: {c.printed}\nrule: {c.rule} ({c.rule_text})\n"
              f"decided by: {'; '.join(c.methods)}\nk: {c.ks}\nnumeric: {c.numeric}\nverdict: {c.verdict}\n")
    if c.fidelity:
        detail += f"tied to the note: {c.fidelity}\n"
    if c.checked_latex:
        detail += f"checked: {c.checked_latex[0]} = {c.checked_latex[1]}\n"
    if c.counterexample_line:
        detail += f"counterexample: {c.counterexample_line}\n"
    if c.correction is not None:
        detail += f"correction {c.correction.id} ({c.correction.verdict}): {c.correction.printed}\n"
    if c.verdict == "verified":
        ET.SubElement(case, "system-out").text = detail
        return 1, 0, 0
    if correction:   # the project's proposed correction: reported, never a failure of the run
        ET.SubElement(case, "skipped", {"message": f"the proposed correction is {c.verdict}: {c.note}".rstrip(": ")}
                      ).text = detail
        return 1, 0, 1
    if c.status == "acknowledged":   # an expected failure, as pytest reports an xfail
        ET.SubElement(case, "skipped", {"type": "pytest.xfail",
                                        "message": f"refuted, an acknowledged erratum: {c.erratum}"}).text = detail
        return 1, 0, 1
    if c.verdict == "unchecked":   # the note verified does not make this claim: skipped, with the reason
        ET.SubElement(case, "skipped", {"message": f"unchecked: {c.note}"}).text = detail
        return 1, 0, 1
    message = "refuted" if c.verdict == "refuted" else f"{c.verdict}: {c.note or c.statement}"
    ET.SubElement(case, "failure", {"type": c.verdict, "message": message}).text = detail
    return 1, 1, 0


def _step_case(suite: ET.Element, m: M.Model, s: M.StepView) -> tuple[int, int, int]:
    """One step of the input: (tests, failures, skipped).  It fails only when refuted without being an
    acknowledged erratum, or inconclusive; an unchecked step is skipped with its reason."""
    case = ET.SubElement(suite, "testcase", {"classname": "steps", "name": s.label,
                                             "file": m.note_file or m.subject})
    where = s.where if s.where == s.kind else f"{s.where}, {s.kind}"
    detail = f"step {s.step} ({where})\nprinted: {s.printed}\nverdict: {s.verdict}\nreason: {s.reason}\n"
    detail += "".join(f"{k}: {v}\n" for k, v in (
        ("qualifier", s.qualifier), ("decided by", s.method), ("read as", "; ".join(s.normalizations)),
        ("k", s.ks if s.ks != "—" else None), ("counterexample", s.counterexample),
        ("acknowledged erratum", s.erratum), ("matched claim", s.matched_claim)) if v)
    if s.status == "fail":
        message = f"{s.verdict}: {s.reason}" if s.reason else s.verdict
        ET.SubElement(case, "failure", {"type": s.verdict, "message": message}).text = detail
        return 1, 1, 0
    if s.status == "unchecked":
        ET.SubElement(case, "skipped", {"message": f"unchecked: {s.reason}"}).text = detail
        return 1, 0, 1
    if s.status == "acknowledged":
        ET.SubElement(case, "skipped", {"type": "pytest.xfail",
                                        "message": f"refuted, an acknowledged erratum: {s.erratum}"}).text = detail
        return 1, 0, 1
    ET.SubElement(case, "system-out").text = detail
    return 1, 0, 0


def render(m: M.Model) -> str:
    """One test suite per derivation of the run (the subject's first, then each further one)."""
    suites = ET.Element("testsuites", {"name": m.title})
    for model in (m, *m.derivations):
        _suite(suites, model)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _suite(suites: ET.Element, m: M.Model) -> None:
    suite = ET.SubElement(suites, "testsuite", {"name": m.subject or m.title, "time": f"{m.seconds:.3f}"})
    props = ET.SubElement(suite, "properties")
    for name, value in (("sympy", m.sympy), ("mpmath", m.mpmath), ("note_file", m.note_file),
                        ("note_sha256", m.note_sha256), ("passed", str(m.passed).lower())):
        if value:
            ET.SubElement(props, "property", {"name": name, "value": value})
    tests = failures = skipped = 0
    for c in m.claims:
        for claim, correction in ((c, False), (c.correction, True)):
            if claim is not None:
                t, f, k = _case(suite, m, claim, correction)
                tests, failures, skipped = tests + t, failures + f, skipped + k
    for s in m.steps.steps if m.steps is not None else []:
        t, f, k = _step_case(suite, m, s)
        tests, failures, skipped = tests + t, failures + f, skipped + k
    for e in m.end_to_end:
        case = ET.SubElement(suite, "testcase", {"classname": f"{m.subject}.end_to_end",
                                                 "name": f"{e.name}, k = {e.k}, tau = {e.tau}"})
        detail = f"{e.method}: value {e.value}, error {e.error}, pi {e.pi}\n"
        if e.passed:
            ET.SubElement(case, "system-out").text = detail
        else:
            ET.SubElement(case, "failure", {"type": "end-to-end", "message": f"failed: {detail.strip()}"}).text = detail
            failures += 1
        tests += 1
    for bug in m.checker_bugs:
        case = ET.SubElement(suite, "testcase", {"classname": f"{m.subject}.checker", "name": str(bug.get("id"))})
        ET.SubElement(case, "error", {"type": "checker bug", "message": str(bug.get("checker_bug"))})
        tests += 1
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", str(len(m.checker_bugs)))
    suite.set("skipped", str(skipped))


def write(report: dict, out_dir: Path, figures=None) -> Path:
    out_dir = Path(out_dir)
    m = M.build(report, out_dir, figures)
    path = out_dir / "junit.xml"
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".xml.tmp")
    tmp.write_text(render(m), encoding="utf-8")
    os.replace(tmp, path)
    return path
