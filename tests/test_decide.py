"""The checker on true and deliberately false identities, integrals with wrong limits or sign,
and an undecidable case: every verdict must be earned.  Also claims written as a Form (for symbolic
k): every free index value is checked, distinct indices are kept apart, and a claim true only at
small k is refuted for symbolic k."""
import numpy as np
import pytest
import sympy as sp

from checks.claim import Anchor, Claim, Form, Instance
from checks.decide import CheckerBug, Outcome, decide, decide_instance
from derive.model import MODEL, K, S, X, Y, i, j

x, y = sp.symbols("x y", positive=True)
t = sp.Symbol("t", real=True)
a = sp.Symbol("a", positive=True)


def sample(rng):
    return {x: rng.uniform(0.1, 3), y: rng.uniform(0.1, 3), a: rng.uniform(0.5, 3), t: rng.uniform(-2, 2)}


def claim(lhs, rhs, rule="algebra", substitution=None):
    """A claim that builds its one instance itself (no form, no size)."""
    inst = Instance([(lhs, rhs)], sample, substitution=substitution)
    return Claim("test", rule, "test claim", None, equation="0", latex="test", ks=(0,), general=False,
                 build=lambda k: inst)


def form_claim(form, ks=(2, 3), general=True):
    return Claim("test.form", "algebra", "test claim", lambda: form, equation="0", latex="test", ks=ks,
                 general=general)


@pytest.mark.parametrize("lhs, rhs", [
    (sp.exp(x + y), sp.exp(x) * sp.exp(y)),
    ((1 + sp.exp(-x) * y) ** -3, sp.exp(3 * x) * (sp.exp(x) + y) ** -3),
    (sp.log(x * y), sp.log(x) + sp.log(y)),
    (x / (x + y) + y / (x + y), 1),
])
def test_true_identities_are_verified(lhs, rhs):
    assert decide(claim(lhs, rhs), MODEL).verdict == "verified"


@pytest.mark.parametrize("lhs, rhs", [
    (sp.exp(x + y), sp.exp(x) + sp.exp(y)),
    ((1 + sp.exp(-x) * y) ** -3, sp.exp(2 * x) * (sp.exp(x) + y) ** -3),
    (sp.log(x * y), sp.log(x) * sp.log(y)),
    (x / (x + y) - y / (x + y), 1),
])
def test_false_identities_are_refuted_with_a_point(lhs, rhs):
    out = decide(claim(lhs, rhs), MODEL)
    assert out.verdict == "refuted"
    assert out.counterexample["lhs"] != out.counterexample["rhs"]
    assert set(out.counterexample["point"]) <= {"x", "y"}


def test_change_of_variables_with_right_limits_is_verified():
    lhs = sp.Integral(sp.exp(-a * x), (x, 0, sp.oo))
    v = sp.Symbol("v", positive=True)
    rhs = sp.Integral(sp.exp(-v) / a, (v, 0, sp.oo))
    assert decide(claim(lhs, rhs, "change of variables", (a * x, v)), MODEL).verdict == "verified"


def test_integral_with_wrong_limits_is_refuted():
    g = sp.Symbol("g", real=True)
    v = sp.Symbol("v", real=True)
    lhs = sp.Integral(sp.exp(-g - sp.exp(-g)), (g, -sp.oo, sp.oo))
    rhs = sp.Integral(-sp.exp(-v), (v, -sp.oo, 0))       # should be from oo to 0
    assert decide(claim(lhs, rhs, "change of variables", (sp.exp(-g), v)), MODEL).verdict == "refuted"


def test_integral_with_wrong_sign_is_refuted():
    g = sp.Symbol("g", real=True)
    v = sp.Symbol("v", positive=True)
    lhs = sp.Integral(sp.exp(-g - sp.exp(-g)), (g, -sp.oo, sp.oo))
    rhs = sp.Integral(sp.exp(-v), (v, sp.oo, 0))         # dg = -dv/v: the minus is missing
    assert decide(claim(lhs, rhs, "change of variables", (sp.exp(-g), v)), MODEL).verdict == "refuted"


def test_true_but_unprovable_identity_is_inconclusive():
    # atan(x) + atan(1/x) = pi/2 for x > 0: numerics agree everywhere, no canonical form proves it.
    out = decide(claim(sp.atan(x) + sp.atan(1 / x), sp.pi / 2), MODEL)
    assert out.verdict == "inconclusive"
    assert out.counterexample is None


def test_small_numeric_disagreement_is_not_a_verdict():
    # differs by 1e-12 relative: above agreement, below refutation -> inconclusive, never verified
    out = decide(claim(sp.exp(x) * (1 + sp.Float("1e-12", 40)), sp.exp(x)), MODEL)
    assert out.verdict == "inconclusive"


def test_symbolic_proof_contradicted_by_numerics_is_a_checker_bug(monkeypatch):
    import checks.decide as d
    monkeypatch.setattr(d, "symbolic", lambda lhs, rhs, inst, **kw: (True, "broken prover"))
    c = claim(sp.exp(x), sp.exp(x) + 1)
    with pytest.raises(CheckerBug):
        decide_instance(c, c.build(0), 0, np.random.default_rng(0), Outcome(c, "", [], 0))


# ---------------------------------------------------------------- claims written as a Form

def test_form_true_for_every_k_is_verified_concrete_and_symbolic():
    form = Form([(S(lambda n: X[n]), S(lambda n: X[n], hi=K - 1) + X[K])])
    c = form_claim(form)
    concrete = decide(c, MODEL)
    assert concrete.verdict == "verified" and concrete.k == [2, 3]
    general = decide(c, MODEL, general=True)
    assert general.verdict == "verified" and general.k == "symbolic"
    assert general.methods[0].startswith("symbolic k")


def test_form_true_only_for_small_k_is_refuted_for_symbolic_k():
    """(k - 2)(k - 3) x_1 = 0 holds at k = 2, 3 only: the concrete records verify, the symbolic one
    is refuted at the numeric cross-check's k."""
    c = form_claim(Form([((K - 2) * (K - 3) * X[1], sp.Integer(0))]))
    assert decide(c, MODEL).verdict == "verified"
    out = decide(c, MODEL, general=True)
    assert out.verdict == "refuted"
    assert out.counterexample["k"] == MODEL.numeric_k
    assert decide(c, MODEL, ks=[4]).verdict == "refuted"


def test_every_value_of_a_free_index_is_checked():
    """x_i = x_1 holds for i = 1 only: refuted, because i = 2 is one of the instances at k = 2."""
    out = decide(form_claim(Form([(X[i], X[1])], indices={i: K})), MODEL, ks=[2])
    assert out.verdict == "refuted"
    # the same claim restricted to i <= k - 1 is true at k = 2 (i = 1 only) and false at k = 3
    restricted = form_claim(Form([(X[i], X[1])], indices={i: K - 1}))
    assert decide(restricted, MODEL, ks=[2]).verdict == "verified"
    assert decide(restricted, MODEL, ks=[3]).verdict == "refuted"


def test_distinct_indices_are_kept_apart():
    delta = Form([(sp.KroneckerDelta(i, j) * Y[i], sp.Integer(0))], indices={i: K, j: K}, distinct=((i, j),))
    assert decide(form_claim(delta), MODEL).verdict == "verified"
    same = Form([(sp.KroneckerDelta(i, j) * Y[i], sp.Integer(0))], indices={i: K, j: K})
    assert decide(form_claim(same), MODEL).verdict == "refuted"


def test_claim_with_no_concrete_size_is_decided_for_symbolic_k():
    c = form_claim(Form([(S(lambda n: Y[n]), S(lambda n: Y[n], hi=K - 1) + Y[K])]), ks=())
    out = decide(c, MODEL)
    assert out.verdict == "verified" and out.k == "symbolic"


@pytest.mark.parametrize("kwargs, field", [
    ({"rule": "no such rule"}, "rule"),
    ({"kind": "no such kind"}, "kind"),
    ({"build": lambda k: None}, "form"),            # both a form and a build
    ({"form": None}, "form"),                       # neither
    ({"latex": ""}, "latex"),                       # no anchor and no printed text of its own
    ({"latex": "x", "equation": ""}, "equation"),   # no anchor and no equation label
])
def test_claim_rejects_incomplete_definitions(kwargs, field):
    base = {"id": "c", "rule": "algebra", "statement": "s", "form": lambda: Form([(x, x)]), "equation": "1",
            "latex": "x"}
    with pytest.raises(ValueError, match=f"^{field}:"):
        Claim(**{**base, **kwargs})


def test_claim_takes_its_equation_from_its_anchor():
    c = Claim("c", "algebra", "s", lambda: Form([(x, x)]), Anchor("display", "7", sides=(1, 2)))
    assert c.equation == "7" and c.source == "display"
    assert Claim("c", "algebra", "s", lambda: Form([(x, x)]), Anchor("prose", "4")).source == "text"
