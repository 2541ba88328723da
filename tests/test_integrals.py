"""Integral claims: the log-Gamma closed form (the Gumbel mean mu + EulerGamma), refusals of
false values, and SymPy's integrate bounded by the size of the integrand, never by a clock."""
import mpmath
import pytest
import sympy as sp

from checks import integrals
from checks.integrals import (
    INTEGRATE_MAX_OPS,
    close_integrals,
    gamma_integral,
    log_gamma_integral,
    prove_integral_equal,
    sympy_closed_form,
)

t = sp.Symbol("t", real=True)
mu = sp.Symbol("mu", real=True)
w = sp.Symbol("w", positive=True)
v = sp.Symbol("v", positive=True)
a = sp.Symbol("a", positive=True)
z = sp.Symbol("z", positive=True)
r = sp.Symbol("r", real=True)

GUMBEL_MEAN = sp.Integral(t * sp.exp(-(t - mu) - sp.exp(-(t - mu))), (t, -sp.oo, sp.oo))
SUBSTITUTION = (sp.exp(-(t - mu)), w)


@pytest.fixture
def no_sympy_integrate(monkeypatch):
    """Any call of SymPy's own integration fails the test."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("SymPy's integrate was called")
    monkeypatch.setattr(sp.Integral, "doit", refuse)
    monkeypatch.setattr(sp, "integrate", refuse)


def _quad(f, lo=0, hi=mpmath.inf):
    with mpmath.workdps(40):
        return mpmath.quad(sp.lambdify(v, f, "mpmath"), [lo, 1, hi])


def test_gumbel_mean_is_mu_plus_euler_gamma(no_sympy_integrate):
    ok, how = prove_integral_equal(GUMBEL_MEAN, mu + sp.EulerGamma, SUBSTITUTION, closed_forms=("gamma",))
    assert ok is True
    assert "log-Gamma integral" in how and "Integral.transform" in how


@pytest.mark.parametrize("wrong", [mu, mu + 2 * sp.EulerGamma, mu - sp.EulerGamma, sp.EulerGamma])
def test_wrong_gumbel_means_are_not_proved(wrong, no_sympy_integrate):
    ok, why = prove_integral_equal(GUMBEL_MEAN, wrong, SUBSTITUTION, closed_forms=("gamma",))
    assert ok is None
    assert "closed forms not shown equal" in why


def test_gumbel_mean_needs_the_gamma_rules(no_sympy_integrate):
    ok, _ = prove_integral_equal(GUMBEL_MEAN, mu + sp.EulerGamma, SUBSTITUTION, closed_forms=())
    assert ok is None


def test_log_gamma_rule_log_v_exp_minus_v(no_sympy_integrate):
    value = log_gamma_integral(sp.Integral(sp.log(v) * sp.exp(-v), (v, 0, sp.oo)))
    assert value == -sp.EulerGamma
    assert value != sp.EulerGamma


def test_log_gamma_rule_v_log_v_exp_minus_2v(no_sympy_integrate):
    f = v * sp.log(v) * sp.exp(-2 * v)
    value = log_gamma_integral(sp.Integral(f, (v, 0, sp.oo)))
    # a = 2, z = 2: 2^-2 Gamma(2) (psi(2) - log 2) = (1 - EulerGamma - log 2) / 4
    assert sp.expand(value - (1 - sp.EulerGamma - sp.log(2)) / 4) == 0
    assert sp.expand(value - (1 - sp.EulerGamma + sp.log(2)) / 4) != 0
    assert abs(sp.N(value, 30) - _quad(f)) < 1e-12


def test_log_gamma_rule_symbolic_a_and_z(no_sympy_integrate):
    f = v ** (z - 1) * sp.log(v) * sp.exp(-a * v)
    value = log_gamma_integral(sp.Integral(f, (v, 0, sp.oo)))
    assert sp.expand(value - a ** (-z) * sp.gamma(z) * (sp.polygamma(0, z) - sp.log(a))) == 0
    point = {a: sp.Rational(3, 2), z: sp.Rational(5, 2)}
    assert abs(sp.N(value.subs(point), 30) - _quad(f.subs(point))) < 1e-12


def test_log_gamma_rule_is_linear_over_a_sum(no_sympy_integrate):
    f = (3 - 2 * sp.log(v) + v) * sp.exp(-v)  # 3 - 2(-EulerGamma) + 1
    assert sp.expand(log_gamma_integral(sp.Integral(f, (v, 0, sp.oo))) - (4 + 2 * sp.EulerGamma)) == 0


@pytest.mark.parametrize("integral", [
    sp.Integral(sp.log(v) ** 2 * sp.exp(-v), (v, 0, sp.oo)),                 # n = 2: not this rule
    sp.Integral(sp.log(v) * sp.exp(-r * v), (v, 0, sp.oo)),                  # a > 0 not provable
    sp.Integral(sp.log(v) / v * sp.exp(-v), (v, 0, sp.oo)),                  # z = 0: diverges
    sp.Integral(sp.log(v) * sp.exp(-v), (v, 1, sp.oo)),                      # not from 0
    sp.Integral((sp.log(v) + sp.exp(-v ** 2)) * sp.exp(-v), (v, 0, sp.oo)),  # one term unmatched
    sp.Integral(sp.log(1 + v) * sp.exp(-v), (v, 0, sp.oo)),                  # log of something else
])
def test_log_gamma_rule_refuses(integral, no_sympy_integrate):
    assert log_gamma_integral(integral) is None


def test_reversed_limits_are_oriented(no_sympy_integrate):
    closed, how = close_integrals(sp.Integral(-sp.log(v) * sp.exp(-v), (v, sp.oo, 0)), closed_forms=("gamma",))
    assert closed == -sp.EulerGamma
    assert "log-Gamma" in how


def test_gamma_rule_still_first(no_sympy_integrate):
    integral = sp.Integral(v ** (z - 1) * sp.exp(-a * v), (v, 0, sp.oo))
    assert gamma_integral(integral) == a ** (-z) * sp.gamma(z)
    closed, how = close_integrals(integral, closed_forms=("gamma",))
    assert closed == a ** (-z) * sp.gamma(z) and how == "Gamma integral (a > 0, z > 0 shown)"


def test_sympy_integrate_is_used_within_the_limit():
    ok, how = prove_integral_equal(sp.Integral(sp.exp(-2 * v), (v, 0, sp.oo)), sp.Rational(1, 2),
                                   closed_forms=("sympy",))
    assert ok is True and "SymPy integrate" in how
    ok, _ = prove_integral_equal(sp.Integral(sp.exp(-2 * v), (v, 0, sp.oo)), sp.Integer(1), closed_forms=("sympy",))
    assert ok is None


def test_sympy_integrate_over_the_limit_is_refused_with_the_same_reason(no_sympy_integrate):
    f = sp.exp(-v) * sp.Add(*[sp.cos(k * v) ** 2 for k in range(1, 6)])
    ops = sp.count_ops(f)
    assert ops > INTEGRATE_MAX_OPS
    integral = sp.Integral(f, (v, 0, sp.oo))
    assert sympy_closed_form(integral) is None
    answers = {prove_integral_equal(integral, sp.Integer(1), closed_forms=("sympy",)) for _ in range(3)}
    assert len(answers) == 1
    (ok, why), = answers
    assert ok is None
    assert f"integrand too large for SymPy integrate ({ops} ops > {INTEGRATE_MAX_OPS})" in why


def test_the_limit_is_measured_after_the_substitution(monkeypatch):
    seen = []
    monkeypatch.setattr(integrals.sp.Integral, "doit", lambda self, **kw: seen.append(self) or sp.Integer(0))
    sympy_closed_form(GUMBEL_MEAN, SUBSTITUTION)
    assert [i.limits[0][0] for i in seen] == [w]
