"""The checker on true and deliberately false identities, integrals with wrong limits or sign,
and an undecidable case: every verdict must be earned."""
import numpy as np
import pytest
import sympy as sp

from checks.claim import Claim, Instance
from checks.decide import CheckerBug, Outcome, decide, decide_instance

x, y = sp.symbols("x y", positive=True)
t = sp.Symbol("t", real=True)
a = sp.Symbol("a", positive=True)


def sample(rng):
    return {x: rng.uniform(0.1, 3), y: rng.uniform(0.1, 3), a: rng.uniform(0.5, 3), t: rng.uniform(-2, 2)}


def claim(lhs, rhs, rule="algebra", substitution=None):
    inst = Instance([(lhs, rhs)], sample, substitution=substitution)
    return Claim("test", "0", rule, "test claim", "", lambda k: inst, ks=(0,))


@pytest.mark.parametrize("lhs, rhs", [
    (sp.exp(x + y), sp.exp(x) * sp.exp(y)),
    ((1 + sp.exp(-x) * y) ** -3, sp.exp(3 * x) * (sp.exp(x) + y) ** -3),
    (sp.log(x * y), sp.log(x) + sp.log(y)),
    (x / (x + y) + y / (x + y), 1),
])
def test_true_identities_are_verified(lhs, rhs):
    assert decide(claim(lhs, rhs)).verdict == "verified"


@pytest.mark.parametrize("lhs, rhs", [
    (sp.exp(x + y), sp.exp(x) + sp.exp(y)),
    ((1 + sp.exp(-x) * y) ** -3, sp.exp(2 * x) * (sp.exp(x) + y) ** -3),
    (sp.log(x * y), sp.log(x) * sp.log(y)),
    (x / (x + y) - y / (x + y), 1),
])
def test_false_identities_are_refuted_with_a_point(lhs, rhs):
    out = decide(claim(lhs, rhs))
    assert out.verdict == "refuted"
    assert out.counterexample["lhs"] != out.counterexample["rhs"]
    assert set(out.counterexample["point"]) <= {"x", "y"}


def test_change_of_variables_with_right_limits_is_verified():
    lhs = sp.Integral(sp.exp(-a * x), (x, 0, sp.oo))
    v = sp.Symbol("v", positive=True)
    rhs = sp.Integral(sp.exp(-v) / a, (v, 0, sp.oo))
    assert decide(claim(lhs, rhs, "change of variables", (a * x, v))).verdict == "verified"


def test_integral_with_wrong_limits_is_refuted():
    g = sp.Symbol("g", real=True)
    v = sp.Symbol("v", real=True)
    lhs = sp.Integral(sp.exp(-g - sp.exp(-g)), (g, -sp.oo, sp.oo))
    rhs = sp.Integral(-sp.exp(-v), (v, -sp.oo, 0))       # should be from oo to 0
    assert decide(claim(lhs, rhs, "change of variables", (sp.exp(-g), v))).verdict == "refuted"


def test_integral_with_wrong_sign_is_refuted():
    g = sp.Symbol("g", real=True)
    v = sp.Symbol("v", positive=True)
    lhs = sp.Integral(sp.exp(-g - sp.exp(-g)), (g, -sp.oo, sp.oo))
    rhs = sp.Integral(sp.exp(-v), (v, sp.oo, 0))         # dg = -dv/v: the minus is missing
    assert decide(claim(lhs, rhs, "change of variables", (sp.exp(-g), v))).verdict == "refuted"


def test_true_but_unprovable_identity_is_inconclusive():
    # atan(x) + atan(1/x) = pi/2 for x > 0: numerics agree everywhere, no canonical form proves it.
    out = decide(claim(sp.atan(x) + sp.atan(1 / x), sp.pi / 2))
    assert out.verdict == "inconclusive"
    assert out.counterexample is None


def test_small_numeric_disagreement_is_not_a_verdict():
    # differs by 1e-12 relative: above agreement, below refutation -> inconclusive, never verified
    out = decide(claim(sp.exp(x) * (1 + sp.Float("1e-12", 40)), sp.exp(x)))
    assert out.verdict == "inconclusive"


def test_symbolic_proof_contradicted_by_numerics_is_a_checker_bug(monkeypatch):
    import checks.decide as d
    monkeypatch.setattr(d, "symbolic", lambda lhs, rhs, inst, **kw: (True, "broken prover"))
    c = claim(sp.exp(x), sp.exp(x) + 1)
    with pytest.raises(CheckerBug):
        decide_instance(c, c.build(0), 0, np.random.default_rng(0), Outcome(c, "", [], 0))
