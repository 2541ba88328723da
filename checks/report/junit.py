"""``reports/junit.xml``: one test case per claim, for CI dashboards.

* verified: a passing test case;
* refuted: a ``<failure type="refuted">``, also when the claim is an acknowledged erratum
  of the note (the printed claim *is* wrong; the message says it is acknowledged, and
  ``make verify`` still exits 0 for it).  Its corrected claim, when there is one, is a
  test case of its own (``<id>.corrected``) that passes when the correction is verified;
* inconclusive: a ``<failure type="inconclusive">``;
* unchecked (the note verified does not print the claim): a ``<skipped>`` test case with the reason;
* a checker bug: an ``<error>`` test case;
* each step of the input (``report["steps"]``), classname ``steps``, named ``step N (eq)``: it fails
  when refuted (unless an acknowledged erratum, which passes with a note) or inconclusive, and an
  unchecked step is skipped with its reason.

The test suite's ``failures`` counts refuted and inconclusive claims and failing steps; its properties record
the SymPy and mpmath versions and the note's hash.
"""
from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

from . import model as M


def _case(suite: ET.Element, m: M.Model, c: M.ClaimView) -> tuple[int, int]:
    case = ET.SubElement(suite, "testcase", {
        "classname": f"{m.subject}.eq{c.equation}", "name": f"{c.id}: {c.label} {c.rule}",
        "time": f"{c.seconds:.3f}", "file": m.note_file or m.subject,
    })
    detail = (f"statement: {c.statement}\nprinted: {c.printed}\nrule: {c.rule} ({c.rule_text})\n"
              f"decided by: {'; '.join(c.methods)}\nk: {c.ks}\nnumeric: {c.points} points, "
              f"largest difference {c.max_difference}\nverdict: {c.verdict}\n")
    if c.checked_latex:
        detail += f"checked: {c.checked_latex[0]} = {c.checked_latex[1]}\n"
    failures = 0
    if c.verdict == "refuted":
        ce = c.counterexample or {}
        message = ("refuted (acknowledged erratum): " + c.erratum) if c.erratum else "refuted"
        text = detail + (f"counterexample: k = {ce.get('k')}, point {ce.get('point')}, lhs {ce.get('lhs')}, "
                         f"rhs {ce.get('rhs')}\n" if ce else "")
        if c.correction is not None:
            text += f"correction {c.correction.id} ({c.correction.verdict}): {c.correction.printed}\n"
        ET.SubElement(case, "failure", {"type": "refuted", "message": message}).text = text
        failures = 1
    elif c.verdict == "unchecked":   # the note verified does not make this claim: skipped, with the reason
        ET.SubElement(case, "skipped", {"message": f"unchecked: {c.note}"}).text = detail
    elif c.verdict != "verified":
        ET.SubElement(case, "failure", {"type": c.verdict, "message": f"{c.verdict}: {c.note or c.statement}"}).text = detail
        failures = 1
    else:
        ET.SubElement(case, "system-out").text = detail
    return 1, failures


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
    note = f"refuted, an acknowledged erratum: {s.erratum}\n" if s.status == "acknowledged" else ""
    ET.SubElement(case, "system-out").text = note + detail
    return 1, 0, 0


def render(m: M.Model) -> str:
    suites = ET.Element("testsuites", {"name": m.title})
    suite = ET.SubElement(suites, "testsuite", {"name": m.subject or m.title, "time": f"{m.seconds:.3f}"})
    props = ET.SubElement(suite, "properties")
    for name, value in (("sympy", m.sympy), ("mpmath", m.mpmath), ("note_file", m.note_file),
                        ("note_sha256", m.note_sha256), ("passed", str(m.passed).lower())):
        if value:
            ET.SubElement(props, "property", {"name": name, "value": value})
    tests = failures = 0
    for c in m.claims:
        t, f = _case(suite, m, c)
        tests, failures = tests + t, failures + f
        if c.correction is not None:
            t, f = _case(suite, m, c.correction)
            tests, failures = tests + t, failures + f
    skipped = sum(c.verdict == "unchecked" for cl in m.claims for c in (cl, cl.correction) if c is not None)
    for s in m.steps.steps if m.steps is not None else []:
        t, f, k = _step_case(suite, m, s)
        tests, failures, skipped = tests + t, failures + f, skipped + k
    for bug in m.checker_bugs:
        case = ET.SubElement(suite, "testcase", {"classname": f"{m.subject}.checker", "name": str(bug.get("id"))})
        ET.SubElement(case, "error", {"type": "checker bug", "message": str(bug.get("checker_bug"))})
        tests += 1
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", str(len(m.checker_bugs)))
    suite.set("skipped", str(skipped))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def write(report: dict, out_dir: Path, figures=None) -> Path:
    out_dir = Path(out_dir)
    m = M.build(report, out_dir, figures)
    path = out_dir / "junit.xml"
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".xml.tmp")
    tmp.write_text(render(m), encoding="utf-8")
    os.replace(tmp, path)
    return path
