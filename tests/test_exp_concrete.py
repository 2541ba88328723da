"""The second subject, the log-space (ExpConcrete) density: every claim verifies (for symbolic k too),
its printed text is read from the note copy, the densities integrate to 1 under the measures the
write-up declares, the libraries' log-space log_prob is caught at 0.659 under Lebesgue measure, and
false statements (edited note copies, false forms) are refuted with counterexamples."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp

from checks import fidelity, note_reader
from checks import run as engine
from checks.claim import Claim, Form
from checks.decide import Outcome, decide
from checks.run import record_id, tasks_of
from checks.subject import join, text_at
from checks.verdict import settle
from derive.exp_concrete import claims as C
from derive.exp_concrete import end_to_end
from derive.exp_concrete.model import MODEL, K, S, X, symbols_for
from gsverify.subjects import SUBJECTS, exp_concrete

sys.path.insert(0, str(Path(__file__).parent))
from note_edits import edit

ROOT = Path(__file__).resolve().parents[1]
SUBJECT = exp_concrete()
CLAIMS = list(SUBJECT.claims)
TEXT = SUBJECT.note_copy.read_text()
#: claims whose printed sides the reader can evaluate (the others print names: p(e^{x_1}, \dots), \partial)
READ = {"eq1.J28", "text2.inverse", "eq2.1", "eq2.2", "eq2.3", "eq3.2", "eq4.2", "eq5", "eq6.library", "eq6.2"}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    """One run of ``python -m gsverify --subject exp-concrete`` (its own working folder: the fidelity
    cache goes there, never into the project's reports/)."""
    work = tmp_path_factory.mktemp("ec")
    out = work / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, "-m", "gsverify", "--subject", "exp-concrete", "--quiet", "--jobs", "2",
                           "--out", str(out)], cwd=work, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return {"stdout": proc.stdout, "out": out, "report": json.loads((out / "verification.json").read_text())}


# ---------------------------------------------------------------- the subject verifies

def test_registered():
    assert SUBJECTS["exp-concrete"]().name == "exp-concrete"
    assert SUBJECT.world is None and SUBJECT.errata == ()


def test_every_claim_verified_for_symbolic_k_too(run):
    report = run["report"]
    records = {r["id"]: r for r in report["claims"]}
    assert sorted(records) == sorted(record_id(t) for t in tasks_of(CLAIMS))
    assert {r["verdict"] for r in records.values()} == {"verified"}, \
        {i: (r["verdict"], r["note"]) for i, r in records.items() if r["verdict"] != "verified"}
    for c in CLAIMS:
        if c.kind == "restatement":     # read at k = 3 against the printed text, as the first subject's
            assert records[c.id]["k"] == [3]
            continue
        assert c.general and records[c.id + ".general"]["k"] == "symbolic"
        assert records[c.id]["k"] == list(range(2, 9))
    lemmas = {r["id"]: r["lemma"] for r in report["claims"] if r["lemma"]}
    assert set(lemmas) == {"eq3.2", "eq3.2.general", "eq4.1", "eq4.1.general", "eq5", "eq5.general",
                           "eq7.2", "eq7.2.general"}
    assert {r["lemma"] for r in report["lemmas"]} == {
        "matrix determinant lemma det(D + c 11^T) = det(D)(1 + c sum 1/d_i)",
        "log of a product of positive factors is the sum of their logs (log prod f_i = sum log f_i, f_i > 0)"}
    assert report["passed"] and not report["checker_bugs"] and report["steps"] is None
    assert "26 claims in" in run["stdout"] and "26 verified" in run["stdout"]
    assert (run["out"] / "exp_concrete_k2.svg").exists() and (run["out"] / "derivation.html").exists()


def test_symbolic_k_methods_name_the_rules(run):
    general = {r["id"]: r["methods"] for r in run["report"]["claims"] if r["k"] == "symbolic"}
    assert all(m.startswith("symbolic k: structural rules") for ms in general.values() for m in ms), general
    assert any("log_product" in m for m in general["eq5.general"])
    assert any("determinant lemma" in m for m in general["eq3.2.general"])


# ---------------------------------------------------------------- anchored in the note copy

def test_each_claims_printed_text_is_read_from_the_note_copy():
    note = SUBJECT.reference
    for c in CLAIMS:
        assert c.anchor is not None, c.id
        sides = text_at(note, c.anchor)
        assert sides is not None, c.id
        printed = SUBJECT.printed(c)
        assert printed == join(sides, c.anchor)
        assert all(s.replace(" ", "") in TEXT.replace(" ", "").replace("\n", "") for s in sides), c.id
    assert SUBJECT.note_copy.parent.name == "exp_concrete"
    assert note.order == [str(n) for n in range(1, 8)]


def test_printed_sides_read_equal_the_forms():
    fid = fidelity.Fidelity(SUBJECT.reference, SUBJECT, CLAIMS)
    status = {c.id: fid.findings(c).status for c in CLAIMS}
    assert {cid for cid, s in status.items() if s == "confirmed"} == READ, status
    assert set(status.values()) <= {"confirmed", "unparseable"}


def test_base_measures_are_stated_in_the_prose():
    note = SUBJECT.reference
    assert "Lebesgue measure on $(y_1, \\dots, y_{k-1})$" in note.prose["1"]
    assert "Lebesgue measure on $(x_1, \\dots, x_{k-1})$" in note.prose["4"]
    assert "$e^{-x_k} dx_1 \\cdots dx_{k-1}$" in note.prose["6"]


# ---------------------------------------------------------------- end to end

def test_end_to_end_checks_pass(run):
    e2e = run["report"]["end_to_end"]
    assert e2e and all(r["passed"] for r in e2e)
    quad = {(r["k"], r["tau"], r["name"].split()[0]) for r in e2e if r["method"].startswith("mpmath.quad, ")}
    assert quad == {(k, t, w) for k, ts in ((2, (0.7, 2.0)), (3, (0.7, 1.5))) for t in ts for w in ("p_X", "q")}
    mc = {(r["k"], r["tau"]) for r in e2e if r["method"].startswith("Monte Carlo")}
    assert mc == {(k, t) for k in (4, 5, 6) for t in (0.7, 2.0)}
    assert all(r["error"] < 1e-8 for r in e2e if r["method"].startswith("mpmath.quad, "))


def test_the_libraries_log_prob_is_flagged_at_0659(run):
    (finding,) = [r for r in run["report"]["end_to_end"] if r["name"] == end_to_end.FINDING_NAME]
    assert "torch" in finding["name"] and "TFP" in finding["name"] and "not a failure of ours" in finding["name"]
    assert (finding["k"], finding["tau"], finding["pi"]) == (2, 0.7, [0.3, 0.7])
    assert abs(finding["value"] - 0.659) < 0.001 and finding["passed"]
    assert f"{finding['value']:.4f}" == "0.6593"
    # an independent route: E[y_2] from the first subject's density (J28) in y, by quadrature in y_1
    from derive.end_to_end import density_function
    f = density_function(2, "mpmath")
    with mpmath.workdps(20):
        mean_y2 = mpmath.quad(lambda a: (1 - a) * f(a, 1 - a, 0.3, 0.7, 0.7), [0, 0.5, 1])
    assert abs(finding["value"] - mean_y2) < 1e-10


def test_the_finding_fails_when_nothing_is_wrong():
    """The finding's record passes only when q differs from 1: under its own measure it would not."""
    rec = end_to_end.normalisation_quadrature((0.3, 0.7), 0.7, "q e^{-x_k}")
    assert abs(rec["value"] - 1) < 1e-12


def test_figure_is_deterministic(tmp_path):
    from derive.exp_concrete.figures import make_figures
    a = make_figures(tmp_path / "a")[0]["svg"]
    b = make_figures(tmp_path / "b")[0]["svg"]
    assert a == b and "<dc:date>" not in a


# ---------------------------------------------------------------- false statements

#: (equation, what is false, old, new, the claim that must be refuted)
EDITS = [
    ("1", "wrong exponent of y_i", r"y_i^{-\tau-1}", r"y_i^{-\tau}", "eq1.J28"),
    ("2", "wrong sign in y_k = e^{x_k}", r"= e^{x_k}", r"= e^{-x_k}", "eq2.3"),
    ("3", "a Jacobian without the e^{x_i}: det 1", r"&= \prod_{i=1}^{k-1} e^{x_i}", r"&= 1", "eq3.2"),
    ("4", "the Jacobian factor dropped", r"e^{-(\tau+1) x_i} \prod_{i=1}^{k-1} e^{x_i}", r"e^{-(\tau+1) x_i}",
     "eq4.2"),
    ("5", "the libraries' form claimed as the Lebesgue density", r"\tau x_i) - x_k", r"\tau x_i)", "eq5"),
    ("5", "wrong sign of x_k", r"\tau x_i) - x_k", r"\tau x_i) + x_k", "eq5"),
    ("6", "the libraries' form with -x_k", r"\tau x_i) = \log p_X", r"\tau x_i) - x_k = \log p_X", "eq6.2"),
]


def _records(text: str) -> dict:
    """Every claim's record after reading the note ``text`` (the project's verdict of each form taken
    as verified, as the run's decision would be: only the reading of the edited text can refute)."""
    fid = fidelity.Fidelity(note_reader.read_text(text, "edited.md"), SUBJECT, CLAIMS)
    out = {}
    for c in CLAIMS:
        outcome = engine._decide_restatement(c, fid) if c.kind == "restatement" else \
            Outcome(c, "verified", list(c.ks), 0.0)
        out[c.id] = settle(c.id, outcome, fid.findings(c), fid.texts[c.id]).to_json()
    return out


@pytest.mark.parametrize("eq,what,old,new,target", EDITS, ids=[f"eq{e[0]}-{e[1][:30].replace(' ', '_')}" for e in EDITS])
def test_edited_note_is_refuted_at_the_edit(eq, what, old, new, target):
    records = _records(edit(TEXT, eq, old, new))
    refuted = {cid for cid, r in records.items() if r["verdict"] == "refuted"}
    assert target in refuted, (what, records[target]["verdict"], records[target]["note"])
    assert all(SUBJECT.reference.equations and c.equation == eq for c in CLAIMS if c.id in refuted), refuted
    cx = records[target]["counterexample"]
    assert cx and cx["point"] and cx["lhs"] != cx["rhs"]


def test_the_unedited_note_refutes_nothing():
    assert {r["verdict"] for r in _records(TEXT).values()} == {"verified"}


def _false(cid: str, pairs, **kw) -> Claim:
    return Claim(cid, "algebra", "a false statement", lambda: Form(pairs, **kw), equation="F", latex="false",
                 ks=(2, 3, 4))


def _last_x_sum(hi):
    return S(lambda a: X[a], hi=hi)


FALSE = [
    # the libraries' q taken as the density of x with respect to Lebesgue measure
    _false("q_as_lebesgue_density", [(C.torch_log_prob(), sp.log(C.density_x()))]),
    # a Jacobian determinant without the e^{x_i}
    _false("det_without_exp", [(C.jacobian_det(), sp.Integer(1))]),
    # (4) with a Jacobian of 1: p(e^x) taken as the density of x
    _false("density_without_jacobian", [(C.p_of_exp_x(), C.density_x())]),
    # wrong sign of x_k in (5) and in the identity (6)
    _false("log_p_x_plus_x_k", [(sp.log(C.density_x()), C.library_form() + X[K])]),
    _false("q_is_p_x_minus_x_k", [(C.torch_log_prob(), C.log_density_x() - X[K])]),
    # the exponential's log-Jacobian over x_1..x_{k-1} only: the libraries' simplex density would be wrong
    _false("exp_jacobian_without_x_k", [(C.torch_log_prob() - _last_x_sum(K - 1), sp.log(C.p_of_exp_x()))]),
]


@pytest.mark.parametrize("claim", FALSE, ids=lambda c: c.id)
def test_false_forms_are_refuted_with_counterexamples(claim):
    for general in (False, True):
        out = decide(claim, MODEL, general=general)
        assert out.verdict == "refuted", (claim.id, general, out.methods, out.note)
        cx = out.counterexample
        assert cx["k"] == (MODEL.numeric_k if general else 2) and cx["lhs"] != cx["rhs"]
        assert any(name.startswith("x_") for name in cx["point"])


def test_a_derivative_by_a_variable_the_expression_lacks_is_zero():
    """The generic change this subject needed in checks/numeric.py: SymPy leaves d e^{x_1}/d x_2
    unevaluated and drops x_2 from its free symbols; the numeric side evaluates it as 0."""
    from checks.numeric import Pair
    x1, x2 = sp.symbols("x_1 x_2", real=True)
    cmp = Pair(sp.Derivative(sp.exp(x1), x2), sp.Integer(0)).compare({x1: 0.3, x2: -1.0}, 30)
    assert cmp.lhs == 0 and cmp.difference == 0
    cmp = Pair(sp.Derivative(sp.exp(x1), x1), sp.exp(x1)).compare({x1: 0.3}, 30)
    assert cmp.difference < 1e-25


# ---------------------------------------------------------------- the model

def test_sampled_points_lie_inside_the_assumptions():
    rng = np.random.default_rng(3)
    for k in (2, 3, 6):
        s = symbols_for(k)
        for _ in range(20):
            p = MODEL.sampler(k)(rng)
            with mpmath.workdps(60):
                head = mpmath.fsum(mpmath.exp(p[a]) for a in s.x[:-1])
                assert head < 1
                assert abs(mpmath.log(1 - head) - p[s.x[-1]]) < mpmath.mpf(10) ** -50   # x_k of (2)
                assert all(abs(mpmath.exp(p[x]) - p[y]) < mpmath.mpf(10) ** -50 for x, y in zip(s.x, s.y))
            assert abs(sum(p[a] for a in s.pi) - 1) < 1e-12 and 0.2 <= p[C.tau] < 3
    with pytest.raises(ValueError, match="k"):
        MODEL.sampler(1)


def test_the_log_space_sampler_is_on_the_simplex():
    x = end_to_end.log_space_samples((0.2, 0.3, 0.5), 0.7, 1000, np.random.default_rng(0))
    assert np.allclose(np.exp(x).sum(axis=1), 1) and (x < 0).all()


def test_the_transcription_matches_torch():
    """Where torch is installed: its ExpRelaxedCategorical.log_prob is (6)'s q, and its
    RelaxedOneHotCategorical.log_prob is (1), as (7) says."""
    torch = pytest.importorskip("torch")
    from derive.end_to_end import density_function
    pi, t = (0.2, 0.3, 0.5), 0.7
    x = end_to_end.log_space_samples(pi, t, 5, np.random.default_rng(1))
    log_q = end_to_end.density(3, "log q", "numpy")(*x.T, *pi, t)
    dist = torch.distributions.relaxed_categorical.ExpRelaxedCategorical(torch.tensor(t, dtype=torch.float64),
                                                     probs=torch.tensor(pi, dtype=torch.float64))
    assert np.allclose(dist.log_prob(torch.tensor(x)).numpy(), log_q, rtol=1e-10)
    simplex = torch.distributions.RelaxedOneHotCategorical(torch.tensor(t, dtype=torch.float64),
                                                           probs=torch.tensor(pi, dtype=torch.float64))
    y = np.exp(x)
    assert np.allclose(simplex.log_prob(torch.tensor(y)).numpy(), np.log(density_function(3)(*y.T, *pi, t)),
                       rtol=1e-8)
