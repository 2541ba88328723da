"""The report renderers on a small synthetic report dict (fast: no claim is decided)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sympy as sp

from checks.printing import latex
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
        "checked_latex": [latex(lhs), latex(rhs)],
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
    assert "**Counterexample:** k = 2: at x_1 = 0.5" in text and "Corrected claim" in text
    assert "symbolic k" in text and "30 digits" in text and "change of variables" in text
    # collapsed claim details under a one-line summary, a table of contents whose links resolve
    assert text.count("<details>") >= 4 and "<summary>❌ refuted (acknowledged erratum) — <b>eq. (5)</b>" in text
    targets = set(re.findall(r'<a id="([^"]+)"></a>', text))
    links = set(re.findall(r"\]\(#([^)]+)\)", text))
    assert {"eq-5", "eq5", "text4.mean"} <= links
    assert links <= targets, links - targets
    for heading in ("## Summary", "## Errata of the note as given", "## End-to-end checks",
                    "## Coverage by equation", "## Figures", "## Claims, by equation"):
        assert heading + "\n" in text
    assert "**Failing claims:** [`text4.mean`](#text4.mean), [`J28`](#J28)" in text


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
    ids = {attrs["id"] for _, attrs in parser.tags if "id" in attrs}
    hrefs = {attrs["href"][1:] for _, attrs in parser.tags if str(attrs.get("href", "")).startswith("#")}
    assert hrefs and hrefs <= ids, hrefs - ids
    assert tags.count("details") >= 4 and tags.count("summary") >= tags.count("details")


def test_junit(tmp_path: Path):
    root = ET.parse(junit.write(synthetic_report(figures=[]), tmp_path)).getroot()
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    names = [c.get("name").split(":")[0] for c in cases]
    assert names == ["eq1", "text4.mean", "eq5", "eq5.corrected", "J28"]
    # the acknowledged erratum is an expected failure (skipped, as pytest reports an xfail)
    assert suite.get("tests") == "5" and suite.get("failures") == "2" and suite.get("skipped") == "1"
    failed = {c.get("name").split(":")[0]: c.find("failure") for c in cases}
    assert failed["eq1"] is None and failed["eq5.corrected"] is None and failed["eq5"] is None
    skipped = {c.get("name").split(":")[0]: c.find("skipped") for c in cases}
    assert skipped["eq5"].get("type") == "pytest.xfail"
    assert skipped["eq5"].get("message").startswith("refuted, an acknowledged erratum: the lower limit")
    assert failed["text4.mean"].get("message") == "refuted"
    assert failed["J28"].get("type") == "inconclusive"


def test_junit_of_a_passing_run_has_no_failures(tmp_path: Path):
    """Acknowledged errata and a correction that is not verified do not turn a passing run red."""
    report = synthetic_report(figures=[])
    prose = report["claims"][1]
    prose["erratum"] = "the mean is the location plus gamma"
    prose["correction"] = _record("text4.mean.corrected", "4", "inconclusive", "E[u] = x + \\gamma", sp.Integer(1),
                                  sp.Integer(1), note="no closed form")
    report["claims"] = report["claims"][:3]
    report["passed"] = True
    suite = ET.parse(junit.write(report, tmp_path)).getroot().find("testsuite")
    assert suite.get("failures") == "0" and suite.get("errors") == "0"
    assert suite.get("skipped") == "3" and suite.get("tests") == "5"


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
        "10^(1.488e+54)"
    assert M.value_text("0.25") == "0.25" and M.value_text("x" * 50, 10) == "x" * 9 + "…"
    assert M.value_text("3.97980501701775") == "3.98" and M.number_text(6.16e-33) == "6.16e-33"


def test_numbers_of_a_claim_agree_with_its_counterexample():
    """The numeric cross-check names its measure, and the counterexample shows the same measure at its point:
    0.577 apart (Euler's gamma) on values near 4 is a scaled difference of 0.145."""
    report = synthetic_report(figures=[])
    prose = report["claims"][1]
    prose.update(max_difference=0.1450361669562562, counterexample={
        "k": 2, "pair": 0, "point": {"g_2": "-1.93388945788588"}, "lhs": "3.97980501701775",
        "rhs": "3.40258935211622"})
    c = M.build(report, Path("unused")).claims[1]
    assert c.numeric == "9 points at 30 digits; largest |lhs − rhs| / max(1, |lhs|, |rhs|) = 0.145"
    assert c.counterexample_line.endswith("lhs = 3.98, rhs = 3.403; |lhs − rhs| = 0.5772, "
                                          "|lhs − rhs| / max(1, |lhs|, |rhs|) = 0.145")


def test_labels_follow_the_one_record():
    """A claim the note does not print says so (never "as printed from a display"); the caption of what was
    checked names the size of the record; identical sides are shown once, said to be identical."""
    report = synthetic_report(figures=[])
    completion = _record("J27", "J27", "verified", r"p(\mathbf{h}^{-1}(y)) = \Gamma(k)", sp.Integer(1),
                         sp.Integer(1), anchor=None, fidelity={"status": "not printed", "location": None})
    report["claims"].append(completion)
    m = M.build(report, Path("unused"))
    done = {c.id: c for c in m.claims}
    assert not done["J27"].is_printed and done["J27"].tie.startswith("not printed in the note")
    assert "shown once" in done["J27"].checked_caption and "at k = 2" in done["J27"].checked_caption
    assert done["J28"].checked_caption == "SymPy, for symbolic k"
    text = markdown.render(m, Path("unused"))
    assert "**Not printed**: a completion the project adds" in text
    assert "not printed: a completion the project adds" in html.render(m)


def test_checked_expressions_typeset_without_sympy_names():
    """Sum, Product, FunctionMatrix, KroneckerDelta, Piecewise, loggamma, Derivative and matrices: the report's
    LaTeX printer and the MathML converter show them in the field's notation, never by SymPy's names."""
    k = sp.Symbol("k", integer=True, positive=True)
    r, c, m = sp.symbols("r c m", integer=True)
    y, tau = sp.IndexedBase("y"), sp.Symbol("tau", positive=True)
    exprs = [
        sp.Product(y[m], (m, 1, k - 1)), sp.Sum(y[m], (m, 1, k)),
        sp.Determinant(sp.FunctionMatrix(k - 1, k - 1, sp.Lambda((r, c), tau * (
            sp.KroneckerDelta(c + 1, r + 1) / y[r + 1] + 1 / y[k])))),
        sp.Piecewise((1, sp.Symbol("x") > 0), (0, True)), sp.loggamma(sp.Symbol("z", positive=True)),
        sp.Derivative(y[m] ** 2, y[m]), sp.Matrix([[1, tau], [tau, 1]]),
        sp.Integral(sp.exp(-sp.Symbol("v")), (sp.Symbol("v"), 0, sp.oo)) * sp.exp(tau / k),
    ]
    names = re.compile(r"product|functionmatrix|kroneckerdelta|piecewise|loggamma|derivative|operatorname|"
                       r"ExponentialE|ⅇ", re.IGNORECASE)
    for expr in exprs:
        out = to_mathml(latex(expr))
        root = ET.fromstring(out)
        shown = "".join(t for e in root.iter() if not e.tag.endswith("annotation") for t in [e.text or ""])
        assert not names.search(shown) and "\\" not in shown, (expr, shown)
    assert "<mfrac>" not in to_mathml(r"e^{\frac{g_1}{\tau}}")   # a fraction in an exponent reads a/b
    assert "<mtable" in to_mathml(latex(sp.Matrix([[1, 2], [3, 4]])))


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
    assert "Of the note as printed" in text and "Tied to the note:** the printed text differs" in text
    assert "Of the note as printed" in html.render(m)
    ET.fromstring(junit.render(m).split("\n", 1)[1])


def test_end_to_end_and_coverage_sections(tmp_path: Path):
    """The end-to-end checks and the per-equation coverage are in the Markdown and the HTML, not only the JSON."""
    report = synthetic_report(figures=[])
    report["end_to_end"] = [
        {"name": "integrates to 1", "k": 2, "pi": [0.5, 0.5], "tau": 0.5, "method": "mpmath.quad, 15 digits",
         "value": 0.9999999996248583, "error": 3.751416954855813e-10, "passed": True},
        {"name": "samples of eq. (1) follow the density", "k": 3, "pi": [0.2, 0.3, 0.5], "tau": 0.7,
         "method": "binned chi-square, 64 cells; value = p-value, error = chi-square statistic",
         "value": 0.0001, "error": 120.5, "passed": False}]
    report["by_equation"] = {"5": {"status": "partly symbolic k", "symbolic_k": ["eq5"], "by_lemma": [],
                                   "concrete_only": ["text5.dv"], "restatements": []}}
    m = M.build(report, tmp_path)
    md, page = markdown.render(m, tmp_path), html.render(m)
    assert "| integrates to 1 | 2 | 0.5 | (0.5, 0.5) | mpmath.quad, 15 digits | 1 | 3.751e-10 | ✅ passed |" in md
    assert "❌ FAILED" in md and "FAILED</span>" in page
    assert "| eq. (5) | partly symbolic k | [`eq5`](#eq5) | — | [`text5.dv`](#text5.dv) | — |" in md
    assert 'href="#eq-5">eq. (5)</a></td><td>partly symbolic k</td>' in page


def test_a_further_derivation_is_a_section_of_its_own(tmp_path: Path):
    """A run of several subjects: each further derivation is a section of the one report, its ids and links in
    a namespace of their own, so that two derivations with the same claim ids never share an anchor."""
    report = synthetic_report(figures=[])
    other = synthetic_report(figures=[])
    other.update(subject="exp-concrete", title="The log-space density", passed=True)
    report["derivations"] = [other]
    page = html.write(report, tmp_path).read_text()
    parser = _Collect()
    parser.feed(page)
    ids = [attrs["id"] for _, attrs in parser.tags if "id" in attrs]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    hrefs = {attrs["href"][1:] for _, attrs in parser.tags if str(attrs.get("href", "")).startswith("#")}
    assert hrefs <= set(ids) and {"exp-concrete-derivation", "exp-concrete-eq5", "eq5"} <= hrefs
    assert page.count("The log-space density: step-by-step verification") == 1
    text = markdown.write(report, tmp_path).read_text()
    targets = re.findall(r'<a id="([^"]+)"></a>', text)
    assert len(targets) == len(set(targets))
    assert set(re.findall(r"\]\(#([^)]+)\)", text)) <= set(targets)
    assert "# The log-space density: step-by-step verification" in text
    suites = ET.parse(junit.write(report, tmp_path)).getroot().findall("testsuite")
    assert [s.get("name") for s in suites] == ["tests.nosuchsubject", "exp-concrete"]


def test_every_formula_of_the_notes_and_writeups_typesets():
    """The math of the seed note, the subjects' copies and the test write-ups converts without a LaTeX command
    left as source text (an unknown command would show as "\\name" in the report)."""
    root = Path(__file__).resolve().parents[1]
    files = [*root.glob("tests/writeups/*.md"), *root.glob("derive/**/*.md"),
             *root.parent.glob("shared/seed/*.txt")]
    seen = 0
    for f in files:
        for display, inline in re.findall(r"\$\$(.*?)\$\$|\$([^$]+)\$", f.read_text(encoding="utf-8"), re.DOTALL):
            out = to_mathml(display or inline)
            ET.fromstring(out)
            assert "<mtext>\\" not in out, (f.name, display or inline)
            seen += 1
    assert seen > 200
