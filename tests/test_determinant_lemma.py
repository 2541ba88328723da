"""The matrix determinant lemma for symbolic size (checks.determinant_lemma)."""
import sympy as sp

from checks import determinant_lemma as lemma
from checks.structural import K


def test_elimination_proof_for_every_n():
    steps = lemma.elimination_proof()
    assert len(steps) == 4 and all(steps.values())


def test_concrete_up_to_12():
    assert lemma.concrete_checks(12) == {n: True for n in range(1, 13)}


def test_a_wrong_lemma_fails_concretely():
    # det(D + c 11^T) = det(D) (1 + c sum d_i) (d_i instead of 1/d_i) must fail for some n
    ds = sp.symbols("d1:4", nonzero=True)
    c = lemma.c
    m = sp.diag(*ds) + c * sp.ones(3, 3)
    wrong = sp.Mul(*ds) * (1 + c * sp.Add(*ds))
    assert sp.cancel(m.det() - wrong) != 0


def test_apply_matches_only_diag_plus_rank_one():
    a, b = sp.symbols("a b", integer=True, positive=True)
    y = sp.IndexedBase("y", positive=True)
    tau = sp.Symbol("tau", positive=True)
    out = lemma.apply(tau * (sp.KroneckerDelta(a, b) / y[a] + 1 / y[K]), a, b, K - 1)
    assert out is not None and out.has(sp.Product) and out.has(sp.Sum)
    # c depending on the row index: not D + c 11^T
    assert lemma.apply(sp.KroneckerDelta(a, b) / y[a] + 1 / y[a], a, b, K - 1) is None
    assert lemma.apply(1 / y[a] + 1 / y[b], a, b, K - 1) is None


def test_record_lists_cited_facts():
    rec = lemma.record()
    assert rec["cited"] and rec["concrete"]["12"] is True
