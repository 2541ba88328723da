"""The report renderers on a small synthetic report dict (fast: no claim is decided)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sympy as sp
from sympy.printing.mathml import mathml

from checks.report import WRITERS, html, junit, markdown
from checks.report import model as M
from checks.report.latex_mathml import prose_to_html, to_mathml

MATHML = "{http://www.w3.org/1998/Math/MathML}"


def _record(id_, equation, verdict, printed, lhs, rhs, **extra) -> dict:
    rec = {
        "id": id_, "equation": equation, "rule": extra.pop("rule", "algebra"), "verdict": verdict,
        "k": extra.pop("k", [2, 3, 4]), "seconds": 0.25, "source": extra.pop("source", "display"),
        "statement": f"statement of {id_}", "printed": printed, "methods": ["same factored form"],
        "points": 9, "max_difference": 1e-31, "counterexample": None, "note": "", "digits": 30,
        "checked_latex": [sp.latex(lhs), sp.latex(rhs)],
        "checked_mathml": [mathml(lhs, printer="presentation"), mathml(rhs, printer="presentation")],
        "erratum": None,
    }
    rec.update(extra)
    return rec


def synthetic_report(figures: list | None = None, skipped: str | None = "matplotlib is not installed") -> dict:
    x, y, t = sp.symbols("x y tau", positive=True)
    verified = _record("eq1", "1", "verified", r"y_i = \frac{\exp((\log(\pi_i) + g_i)/\tau)}{\sum_{j=1}^k "
                       r"\exp((\log(\pi_j) + g_j)/\tau)}", sp.exp(x / t) / (sp.exp(x / t) + 1),
                       1 / (1 + sp.exp(-x / t)))
    corrected = _record("eq5.corrected", "5", "verified", r"\int_{\infty}^0 (-dv) e^{-v} = 1",
                        sp.Integral(sp.exp(-y), (y, 0, sp.oo)), sp.Integer(1), rule="change of variables")
    refuted = _record("eq5", "5", "refuted", r"\int_{-\infty}^0 (-dv) e^{-v} = 1",
                      sp.Integral(-sp.exp(-y), (y, -sp.oo, 0)), sp.Integer(1), rule="change of variables",
                      max_difference=1.0, erratum="the lower limit should be oo, not -oo",
                      counterexample={"k": 2, "pair": 0, "point": {"x_1": "0.5"}, "lhs": "9.7e+1487600",
                                      "rhs": "1"},
                      correction=corrected)
    prose = _record("text4.mean", "4", "refuted", "u_i is Gumbel whose mean is $x_i - (x_k + g_k)$",
                    x, x + sp.EulerGamma, rule="expectation", source="text", max_difference=0.577,
                    counterexample={"k": 2, "pair": 0, "point": {"x_1": "1.0"}, "lhs": "1.577", "rhs": "1.0"})
    inconclusive = _record("J28", "J28", "inconclusive", r"p(\mathbf{y}) = \Gamma(k) \tau^{k-1}", x, y,
                           rule="density transformation", k="symbolic", note="timed out")
    report = {
        "subject": "tests.nosuchsubject", "title": "A synthetic note", "sympy": sp.__version__,
        "mpmath": "1.3.0", "seconds": 1.5, "counts": {"verified": 1, "refuted": 2, "inconclusive": 1},
        "passed": False, "claims": [verified, prose, refuted, inconclusive], "checker_bugs": [],
        "note": {"file": "notes/synthetic.txt", "sha256": "ab" * 32},
    }
    if figures is not None:
        report["figures"] = figures
        report["figures_skipped"] = skipped
    return report


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_writers_are_registered():
    assert WRITERS == [markdown.write, html.write, junit.write]


def test_markdown(tmp_path: Path):
    path = markdown.write(synthetic_report(figures=[]), tmp_path)
    text = path.read_text()
    assert path == tmp_path / "derivation.md"
    assert "| total time | 1.5 s |" in text and "| SymPy |" in text and "| mpmath | 1.3.0 |" in text
    assert "`notes/synthetic.txt`" in text and "ab" * 32 in text
    errata = text.split("## Errata")[1].split("## Figures")[0]
    assert "eq5" in errata and "text4.mean" in errata and "the lower limit should be oo" in errata
    assert r"\int_{\infty}^0 (-dv) e^{-v} = 1" in errata  # the correction, typeset
    assert "J28" not in errata and "eq1`" not in errata
    assert "Figures skipped: matplotlib is not installed" in text
    assert text.count("$$") % 2 == 0 and "$$\n" in text
    assert "Counterexample** (k = 2)" in text and "Corrected claim" in text
    assert "symbolic k" in text and "30 digits" in text and "change of variables" in text


def test_html_self_contained(tmp_path: Path):
    report = synthetic_report(figures=[{"name": "demo", "caption": "a demo figure", "path": str(tmp_path / "d.svg"),
                                        "svg": '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                                               '<rect width="10" height="10"/></svg>'}])
    path = html.write(report, tmp_path)
    text = path.read_text()
    parser = _Collect()
    parser.feed(text)
    tags = [t for t, _ in parser.tags]
    assert "script" not in tags and "link" not in tags and "img" not in tags
    for _, attrs in parser.tags:
        for name in ("src", "href"):
            assert not str(attrs.get(name, "")).startswith(("http:", "https:", "//")), attrs
    assert tags.count("math") >= 8 and "mfrac" in tags and "svg" in tags
    assert "a demo figure" in text and "acknowledged erratum" in text and "Errata" in text
    assert 'id="eq5"' in text and 'href="#eq5"' in text


def test_junit(tmp_path: Path):
    root = ET.parse(junit.write(synthetic_report(figures=[]), tmp_path)).getroot()
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    names = [c.get("name").split(":")[0] for c in cases]
    assert names == ["eq1", "text4.mean", "eq5", "eq5.corrected", "J28"]
    assert suite.get("tests") == "5" and suite.get("failures") == "3"
    failed = {c.get("name").split(":")[0]: c.find("failure") for c in cases}
    assert failed["eq1"] is None and failed["eq5.corrected"] is None
    assert failed["eq5"].get("message").startswith("refuted (acknowledged erratum)")
    assert failed["text4.mean"].get("message") == "refuted"
    assert failed["J28"].get("type") == "inconclusive"


def test_model_facts():
    m = M.build(synthetic_report(figures=[]), Path("unused"))
    assert [e.id for e in m.errata] == ["text4.mean", "eq5"]
    assert [c.status for c in m.claims] == ["pass", "fail", "acknowledged", "fail"]
    assert m.claims[2].correction.id == "eq5.corrected"
    assert m.claims[0].ks == "k = 2, …, 4" and m.claims[3].ks.startswith("symbolic")
    assert m.note_sha256 == "ab" * 32
    assert "Gamma integral" not in m.claims[2].rule_text and "Jacobian" in m.claims[2].rule_text


def test_figures_skipped_without_a_hook(tmp_path: Path):
    m = M.build(synthetic_report(), tmp_path)
    assert m.figures == [] and "defines no figures" in m.figures_skipped


def test_figures_skipped_without_matplotlib(tmp_path: Path):
    def figures(out_dir):
        raise ImportError("No module named 'matplotlib'")
    m = M.build(synthetic_report(), tmp_path, figures)
    assert m.figures == [] and "matplotlib" in m.figures_skipped
    assert "Figures skipped" in markdown.render(m, tmp_path) and "Figures skipped" in html.render(m)


def test_figures_from_the_callable(tmp_path: Path):
    """The writers take the subject's figures as a callable ``out_dir -> [{name, caption, path, svg}]``,
    called with the output folder; a failing one costs the figures, never the report."""
    calls = []

    def figures(out_dir):
        calls.append(Path(out_dir))
        path = Path(out_dir) / "demo.svg"
        path.write_text('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                        '<rect width="10" height="10"/></svg>')
        return [{"name": "demo", "caption": "a demo figure", "path": path}]

    for writer in WRITERS:
        writer(synthetic_report(), tmp_path, figures)
    assert calls and all(c == tmp_path for c in calls)
    text = (tmp_path / "derivation.html").read_text()
    assert "a demo figure" in text and "<svg" in text and "<?xml" not in text
    assert "a demo figure" in (tmp_path / "derivation.md").read_text()
    m = M.build(synthetic_report(), tmp_path, figures)
    assert [f.name for f in m.figures] == ["demo"] and m.figures_skipped is None

    def broken(out_dir):
        raise RuntimeError("no ink")
    m = M.build(synthetic_report(), tmp_path, broken)
    assert m.figures == [] and "RuntimeError: no ink" in m.figures_skipped
    assert M.build(synthetic_report(), tmp_path, lambda out_dir: []).figures_skipped == "the subject made no figures"


@pytest.mark.parametrize("latex", [
    r"p(u_1, \dots, u_{k-1}) = \int_{-\infty}^0 (-dv) e^{-v} \prod_{i=1}^{k-1} v e^{x_i - u_i}",
    r"\det \left( \frac{\partial(h_1^{-1}, \dots, h_{k-1}^{-1})}{\partial(y_1, \dots, y_{k-1})} \right) > 0",
    r"\mathbb{E}[u_i \mid g_k] = x_i - (x_k + g_k) + \gamma",
    r"e^{-\{(u_i - x_i) + e^{-(u_i)}\}} \operatorname{Gumbel} \times \mathbf{y} \in \Delta^{k-1}",
    r"\frac{a}{", r"\unknown{x} ^ _", "",
])
def test_latex_to_mathml_is_well_formed(latex: str):
    root = ET.fromstring(to_mathml(latex))
    assert root.tag == MATHML + "math"
    assert (root.find(f".//{MATHML}annotation").text or "") == latex


def test_printed_claims_of_the_note_typeset():
    """Every printed equation of the note converts to well-formed MathML without unknown commands."""
    from gsverify.subjects import gumbel_softmax
    subject = gumbel_softmax()
    seen = 0
    for claim in subject.claims:
        for c in (claim, claim.correction) if claim.correction else (claim,):
            printed = subject.printed(c)
            out = prose_to_html(printed) if "$" in printed else to_mathml(printed)
            ET.fromstring(f"<p>{out}</p>")
            assert "<mtext>\\" not in out, (c.id, out)
            seen += 1
    assert seen > len(subject.claims)  # the corrections of the errata too


def test_make_figures(tmp_path: Path):
    pytest.importorskip("matplotlib")
    from derive.figures import make_figures
    figs = make_figures(tmp_path)
    assert [f["name"] for f in figs] == ["k2", "k3"]
    for f in figs:
        assert Path(f["path"]).is_file() and "<svg" in f["svg"]


def test_value_text_summarises_divergent_numbers():
    assert M.value_text("9.6920451176416e+1487600117202881682423587873788677479527115157646867391") == \
        "9.692e+148760… (an exponent of 55 digits)"
    assert M.value_text("0.25") == "0.25" and M.value_text("x" * 50, 10) == "x" * 9 + "…"


def test_note_fidelity_coverage_and_partial_correction(tmp_path: Path):
    """A run with --note: the note's path from the fidelity summary, coverage listed, partial corrections."""
    note = tmp_path / "note.md"
    note.write_text("$$ y = x \\tag{1} $$\n")
    report = synthetic_report(figures=[])
    del report["note"]
    report["fidelity"] = {"note": str(note), "unchecked_equations": ["16"], "missing_equations": [],
                          "segments_without_own_claim": [{"equation": "7", "segment": "a = b"}]}
    first = report["claims"][0]
    first.update(verdict="refuted", fidelity={"status": "edited", "location": {"kind": "display", "equation": "1"},
                                              "note": "the printed text differs"},
                 correction={"id": "eq1", "printed": "y = x", "verdict": "verified",
                             "statement": "the claim as printed in the project's copy"})
    m = M.build(report, tmp_path)
    import hashlib
    assert m.note_file == str(note) and m.note_sha256 == hashlib.sha256(note.read_bytes()).hexdigest()
    assert m.coverage == {"equations without a claim": ["(16)"],
                          "'=' segments without a claim of their own": ["(7): a = b"]}
    assert m.claims[0].correction.rule == "algebra" and m.claims[0].fidelity.startswith("edited (eq. (1)")
    text = markdown.render(m, tmp_path)
    assert "Coverage of the note as printed" in text and "Tied to the note as printed:** edited" in text
    assert "Coverage of the note as printed" in html.render(m)
    ET.fromstring(junit.render(m).split("\n", 1)[1])
