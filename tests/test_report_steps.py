"""The input's own steps (``report["steps"]``) in the Markdown, HTML and JUnit reports (fast: hand-made dict)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from checks.report import WRITERS, html, junit, markdown, views
from checks.report import model as M

MATHML = "{http://www.w3.org/1998/Math/MathML}"


def _step(n, verdict, printed, equation=None, kind="display", **extra) -> dict:
    rec = {"step": n, "equation": equation, "kind": kind, "printed": printed, "qualifier": None,
           "verdict": verdict, "reason": f"reason of step {n}", "counterexample": None, "method": None,
           "normalizations": [], "matched_claim": None, "erratum": None, "ks": [2, 3]}
    rec.update(extra)
    return rec


def steps_result() -> dict:
    steps = [
        _step(1, "verified", r"y_i = \frac{\exp(x_i / \tau)}{\sum_{j=1}^k \exp(x_j / \tau)}", "1",
              method="same factored form", normalizations=["\\exp read as exp"], matched_claim="eq1"),
        _step(2, "refuted", r"\int_{-\infty}^0 (-dv) e^{-v} = 1", "5", reason="the sides differ at a point",
              counterexample={"k": 2, "indices": {"i": 1}, "point": {"x_1": "0.5", "tau": "0.25"},
                              "lhs": "-1.0", "rhs": "1"}),
        _step(3, "refuted", r"p(u) = \prod_{i=1}^{k-1} e^{x_i - u_i}", "7",
              counterexample={"k": 3, "indices": [1, 2], "point": {"u_1": "0.1"}, "lhs": "2.5", "rhs": "2.25",
                              "entry": [0, 1]},
              erratum="the note drops a factor exp(-v), as the subject lists", matched_claim="eq7"),
        _step(4, "unchecked", r"\frac{a}{", None, kind="inline", reason="the step does not parse", ks=[]),
        _step(5, "inconclusive", r"\det J = \Gamma(k) \tau^{k-1}", None, reason="timed out", ks=[]),
        _step(6, "verified", "so the mean of $u_i$ is $x_i - (x_k + g_k) + \\gamma$ <here>", None, kind="prose",
              qualifier="in expectation", ks=[2]),
    ]
    return {"steps": steps, "notation": [{"text": "i = 1, \\dots, k", "why": "an index range", "equation": "3"},
                                         {"text": "k = 2", "why": "a size", "equation": None}],
            "counts": {"verified": 2, "refuted": 2, "inconclusive": 1, "unchecked": 1},
            "decided_fraction": 0.6667, "acknowledged": 1, "seconds": 2.5, "failed": True}


def write_up_report(steps=None) -> dict:
    """A run given ``--note FILE``: no claims of its own, no fidelity; the steps are the verdict."""
    return {"subject": "tests.nosuchsubject", "title": "A write-up", "sympy": "1.13", "mpmath": "1.3.0",
            "seconds": 3.0, "counts": {}, "passed": False, "claims": [], "fidelity": {}, "by_equation": {},
            "checker_bugs": [], "note": {"file": "notes/write-up.md", "sha256": "cd" * 32},
            "steps": steps_result() if steps is None else steps, "figures": [], "figures_skipped": "none"}


def claims_report() -> dict:
    """A run on the subject's own copy: two claims of its own (one refuted), and the steps after them."""
    claims = [{"id": "eq1", "equation": "1", "rule": "algebra", "verdict": "verified", "k": [2, 3],
               "printed": "y = x", "statement": "y is x"},
              {"id": "eq5", "equation": "5", "rule": "algebra", "verdict": "refuted", "k": [2],
               "printed": "a = b", "statement": "a is b",
               "counterexample": {"k": 2, "point": {"a": "1"}, "lhs": "1", "rhs": "2"}}]
    return {**write_up_report(), "title": "The subject's copy", "claims": claims,
            "counts": {"verified": 1, "refuted": 1}}


def test_model_of_the_steps():
    m = M.build(write_up_report(), Path("unused"))
    v = m.steps
    assert [s.number for s in v.steps] == ["1", "5", "7", "inline", "unnumbered", "prose"]
    assert [s.status for s in v.steps] == ["pass", "fail", "acknowledged", "unchecked", "fail", "pass"]
    assert v.steps[1].label == "step 2 (5)" and v.steps[3].label == "step 4 (inline)"
    assert v.steps[1].counterexample == "k = 2; i = 1: at x_1 = 0.5, tau = 0.25: lhs = -1, rhs = 1"
    assert "entry [0, 1]" in v.steps[2].counterexample
    assert v.line == ("6 steps: 2 verified, 2 refuted (1 acknowledged errata), 1 inconclusive, 1 unchecked; "
                      "67 % decided")
    assert m.verdict_line == v.line   # no claims: the steps are the verdict
    assert v.notation == ["i = 1, \\dots, k (eq. (3)): an index range", "k = 2: a size"]
    for s in v.steps:                  # every printed step typesets to well-formed markup, or shows its source
        if s.printed_html is not None:
            ET.fromstring(f"<p>{s.printed_html}</p>")
    assert "&lt;here&gt;" in v.steps[5].printed_html and v.steps[5].printed_html.count("<math") == 2


def test_markdown_lists_the_steps_first_without_claims(tmp_path: Path):
    text = markdown.write(write_up_report(), tmp_path).read_text()
    section = text.split("## Steps of the input, in its own order")[1].split("\n## ")[0]
    assert text.index("## Steps of the input") < text.index("| total time |")
    assert "6 steps: 2 verified, 2 refuted (1 acknowledged errata), 1 inconclusive, 1 unchecked; 67 % decided" \
        in section
    for needle in (r"\int_{-\infty}^0 (-dv) e^{-v} = 1", "### Step 2 — eq. (5) — ❌ refuted",
                   "**Counterexample:** k = 2; i = 1: at x_1 = 0.5, tau = 0.25: lhs = -1, rhs = 1",
                   "acknowledged erratum:** the note drops a factor", "**Matched claim:** `eq7`",
                   "### Step 4 — inline — ➖ unchecked", "the step does not parse", "### Step 5 — unnumbered",
                   "⚠️ inconclusive — timed out", "### Step 6 — prose", "> so the mean of $u_i$",
                   "Not steps", "`i = 1, \\dots, k (eq. (3)): an index range`", "in expectation"):
        assert needle in section, needle
    assert text.count("$$") % 2 == 0
    assert "served only as hints" in text and "the input's refuted steps are listed" in text


def test_markdown_steps_after_the_summary_with_claims(tmp_path: Path):
    text = markdown.write(claims_report(), tmp_path).read_text()
    assert text.index("| subject |") < text.index("## Steps of the input") < text.index("## Errata")
    assert "2 claims: 1 verified, 1 refuted" in text  # the claims keep the verdict line
    page = html.write(claims_report(), tmp_path).read_text()
    assert page.index('id="summary"') < page.index('id="steps"') < page.index('id="errata"')


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def test_html_lists_the_steps(tmp_path: Path):
    text = html.write(write_up_report(), tmp_path).read_text()
    assert text.index('id="steps"') < text.index('id="summary"')
    section = text.split('id="steps"')[1].split('<h2 id="summary"')[0]
    parser = _Collect()
    parser.feed(section)
    assert parser.tags.count("tr") == 7 and parser.tags.count("math") >= 5 and "mfrac" in parser.tags
    assert "<code>\\frac{a}{</code>" in section or "\\frac{a}{" in section
    for needle in ("6 steps: 2 verified, 2 refuted (1 acknowledged errata)", "67 % decided",
                   "k = 2; i = 1: at x_1 = 0.5, tau = 0.25: lhs = -1, rhs = 1", "acknowledged erratum",
                   "the note drops a factor", "<code>eq7</code>", "the step does not parse", "timed out",
                   "Not steps", "an index range", 'class="verdict inconclusive"', 'id="step-4"'):
        assert needle in section, needle
    assert "<script" not in text


def test_html_falls_back_to_the_source(tmp_path: Path, monkeypatch):
    """A formula that does not typeset shows as code; the report is still written."""
    def broken(latex, display=True):
        raise RuntimeError("no typesetting today")
    monkeypatch.setattr(views, "to_mathml", broken)
    m = M.build(write_up_report(), tmp_path)
    assert all(s.printed_html is None for s in m.steps.steps if s.kind != "prose")
    page = html.render(m)
    assert "<code>\\int_{-\\infty}^0 (-dv) e^{-v} = 1</code>" in page
    assert "```latex" in markdown.render(m, tmp_path)


def test_junit_steps_next_to_claims(tmp_path: Path):
    suite = ET.parse(junit.write(claims_report(), tmp_path)).getroot().find("testsuite")
    # the acknowledged step is an expected failure: skipped, like the unchecked one
    assert suite.get("tests") == "8" and suite.get("failures") == "3" and suite.get("skipped") == "2"


def test_junit_one_case_per_step(tmp_path: Path):
    root = ET.parse(junit.write(write_up_report(), tmp_path)).getroot()
    suite = root.find("testsuite")
    cases = [c for c in suite.findall("testcase") if c.get("classname") == "steps"]
    assert [c.get("name") for c in cases] == ["step 1 (1)", "step 2 (5)", "step 3 (7)", "step 4 (inline)",
                                              "step 5 (unnumbered)", "step 6 (prose)"]
    by = {c.get("name"): c for c in cases}
    assert suite.get("tests") == "6" and suite.get("failures") == "2" and suite.get("skipped") == "2"
    assert by["step 2 (5)"].find("failure").get("type") == "refuted"
    assert "lhs = -1, rhs = 1" in by["step 2 (5)"].find("failure").text
    assert by["step 5 (unnumbered)"].find("failure").get("type") == "inconclusive"
    ack = by["step 3 (7)"]
    assert ack.find("failure") is None and ack.find("skipped").get("type") == "pytest.xfail"
    assert "acknowledged erratum" in ack.find("skipped").get("message")
    assert by["step 4 (inline)"].find("skipped").get("message") == "unchecked: the step does not parse"
    assert by["step 1 (1)"].find("failure") is None and by["step 6 (prose)"].find("failure") is None


@pytest.mark.parametrize("steps", [None, {"steps": [], "notation": [], "counts": {}}, "absent"])
def test_older_runs_and_empty_steps_render(tmp_path: Path, steps):
    """``"steps": null`` (an older run), no key at all, or no steps: every writer still writes."""
    report = claims_report()
    del report["steps"]
    if steps != "absent":
        report["steps"] = steps
    for writer in WRITERS:
        writer(report, tmp_path)
    md = (tmp_path / "derivation.md").read_text()
    assert ("## Steps of the input" in md) == isinstance(steps, dict)
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    empty = write_up_report(steps={"steps": []})
    for writer in WRITERS:
        writer(empty, tmp_path)
    assert "0 steps: 0 verified" in (tmp_path / "derivation.md").read_text()
