"""The structural rules of checks.structural: each on true and on false inputs.

A rule must rewrite only where its identity holds, every application is checked for
sizes 1..6, and a rule that would turn a false claim into a true one is a bug.
"""
import pytest
import sympy as sp

from checks import structural as st
from checks.claim import Form
from checks.instances import prove_general
from checks.structural import K

x = sp.IndexedBase("x", real=True)
y = sp.IndexedBase("y", positive=True)
i, j = sp.symbols("i j", integer=True, positive=True)
c = sp.Symbol("c", positive=True)
v = sp.Symbol("v", positive=True)
g = sp.Symbol("g", real=True)


def rewrite(rule, node):
    return st.checked_rewrite(rule, node)


def test_split_last_true_and_not_applicable():
    s = sp.Sum(x[i], (i, 1, K))
    assert rewrite(st.SPLIT_LAST, s) == sp.Sum(x[i], (i, 1, K - 1)) + x[K]
    p = sp.Product(y[i], (i, 1, K))
    assert rewrite(st.SPLIT_LAST, p) == sp.Product(y[i], (i, 1, K - 1)) * y[K]
    assert rewrite(st.SPLIT_LAST, sp.Sum(x[i], (i, 1, K - 1))) is None   # only the bound k is split


def test_constant_factor_and_product_power():
    assert rewrite(st.CONSTANT_FACTOR, sp.Sum(c * x[i], (i, 1, K - 1))) == c * sp.Sum(x[i], (i, 1, K - 1))
    assert rewrite(st.CONSTANT_FACTOR, sp.Sum(c, (i, 1, K - 1))) == c * (K - 1)
    assert rewrite(st.CONSTANT_FACTOR, sp.Sum(x[i] * y[i], (i, 1, K - 1))) is None   # nothing constant
    out = rewrite(st.PRODUCT_POWER, sp.Product(v * y[i], (i, 1, K - 1)))
    assert out == v ** (K - 1) * sp.Product(y[i], (i, 1, K - 1))      # prod v f_i = v^{k-1} prod f_i
    # a factor that depends on the index is never pulled out
    assert rewrite(st.PRODUCT_POWER, sp.Product(i * y[i], (i, 1, K - 1))) is None


def test_product_exp_and_linearity():
    p = sp.Product(sp.exp(x[i]), (i, 1, K - 1))
    assert rewrite(st.PRODUCT_EXP, p) == sp.exp(sp.Sum(x[i], (i, 1, K - 1)))
    s = sp.Sum(x[i] + y[i], (i, 1, K - 1))
    assert rewrite(st.LINEARITY, s) == sp.Sum(x[i], (i, 1, K - 1)) + sp.Sum(y[i], (i, 1, K - 1))
    assert rewrite(st.PRODUCT_EXP, sp.Product(x[i], (i, 1, K - 1))) is None


def test_sum_delta_needs_the_index_range():
    s = sp.Sum(sp.KroneckerDelta(j, i) * x[i], (i, 1, K - 1))
    assert rewrite(st.SUM_DELTA, s) is None          # 1 <= j <= k - 1 not declared: no rewrite
    assert st.checked_rewrite(st.SUM_DELTA, s, {j: K - 1}) == x[j]
    assert st.checked_rewrite(st.SUM_DELTA, s, {j: K}) is None   # a range other than the sum's: no rewrite


def test_gamma_integral_symbolic_exponent():
    a = sp.Symbol("a", positive=True)
    out = rewrite(st.GAMMA, sp.Integral(v ** (K - 1) * sp.exp(-a * v), (v, 0, sp.oo)))
    assert sp.simplify(out - a ** (-K) * sp.gamma(K)) == 0
    # no closed form where the rule's conditions fail (range not (0, oo))
    assert rewrite(st.GAMMA, sp.Integral(v ** (K - 1) * sp.exp(-a * v), (v, 1, sp.oo))) is None


def test_change_of_variables_inside_product_integral():
    integrand = sp.exp(-g - sp.exp(-g)) * sp.exp(-(K - 1) * g - sp.exp(-g) * c)
    out = st.change_of_variables(sp.Integral(integrand, (g, -sp.oo, sp.oo)), sp.exp(-g), v)
    assert out.limits[0][0] == v


def test_a_wrong_rule_is_caught_for_concrete_sizes():
    # prod c f_i = c prod f_i (power forgotten): true only for size 1; the check must reject it
    wrong = st.Rule("wrong_power", "prod c f_i = c prod f_i", lambda n: (
        n.function.as_independent(n.limits[0][0], as_Add=False)[0]
        * sp.Product(n.function.as_independent(n.limits[0][0], as_Add=False)[1], n.limits[0])
        if isinstance(n, sp.Product) else None))
    with pytest.raises(st.RuleFailed):
        rewrite(wrong, sp.Product(c * y[i], (i, 1, K - 1)))
    # a split that drops the last term
    drop = st.Rule("drop_last", "sum_1^k = sum_1^{k-1}", lambda n: (
        sp.Sum(n.function, (n.limits[0][0], 1, K - 1)) if isinstance(n, sp.Sum) and n.limits[0][2] == K else None))
    with pytest.raises(st.RuleFailed):
        rewrite(drop, sp.Sum(x[i], (i, 1, K)))
    # a wrong change of variables (sign of dv/dg lost) is caught by the same check
    integrand = sp.exp(-g - sp.exp(-g))
    bad = sp.Integral(sp.exp(-v), (v, 0, sp.oo)) * 2
    with pytest.raises(st.RuleFailed):
        st._checked(sp.Integral(integrand * sp.exp(-(K - 1) * g), (g, -sp.oo, sp.oo)), bad, "bad_change")


def _prove(lhs, rhs, **form):
    return prove_general(lhs, rhs, Form([(lhs, rhs)], **form))


def test_normalise_keeps_false_claims_false():
    # prod 2 x_i = 2 prod x_i is false for k >= 3: the rules must not make it provable
    ok, _ = _prove(sp.Product(2 * y[i], (i, 1, K - 1)), 2 * sp.Product(y[i], (i, 1, K - 1)))
    assert not ok
    ok, _ = _prove(sp.Sum(c * y[i], (i, 1, K)), c * sp.Sum(y[i], (i, 1, K - 1)))
    assert not ok
    ok, why = _prove(sp.Product(sp.exp(x[i]), (i, 1, K)), sp.exp(sp.Sum(x[i], (i, 1, K))))
    assert ok and "product_exp" in why


def test_ranges_are_the_claims_own():
    """sum_{m<k} delta_{jm} x_m = x_j needs 1 <= j <= k - 1, passed as the form's indices (no global state)."""
    m = sp.Symbol("m", integer=True, positive=True)
    s = sp.Sum(sp.KroneckerDelta(j, m) * x[m], (m, 1, K - 1))
    used = []
    assert st.normalise(s, used=used, ranges={j: K - 1}) == x[j] and "sum_delta" in used
    assert st.normalise(s) != x[j]                       # no range declared: not rewritten
    assert st.normalise(s, ranges={j: K}) != x[j]        # j may be k, where the sum is 0
    assert st.normalise(s) != x[j]                       # and nothing was left behind by the calls above
    ok, _ = _prove(s, x[j], indices={j: K - 1})
    assert ok
    ok, _ = _prove(s, x[j], indices={j: K})
    assert not ok


def test_same_for_sizes_reports_the_size():
    ok, why = st.same_for_sizes(sp.Product(c * y[i], (i, 1, K - 1)), c * sp.Product(y[i], (i, 1, K - 1)))
    assert not ok and "size 2" in why
