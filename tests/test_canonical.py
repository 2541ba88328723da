"""prove_equal: true identities proved, false ones not, and ``simplify`` bounded by the size of the
expression (a fixed operation count), never by a clock."""
import signal

import pytest
import sympy as sp

from checks import canonical
from checks.canonical import SIMPLIFY_MAX_OPS, prove_equal

x, y = sp.symbols("x y", positive=True)


def _trig_ones(n):
    """sum_i (sin(x_i)^2 + cos(x_i)^2) and n: equal, but only ``simplify`` shows it."""
    xs = sp.symbols(f"x0:{n}", real=True)
    return sp.Add(*[sp.sin(s) ** 2 + sp.cos(s) ** 2 for s in xs]), sp.Integer(n)


def _largest_within_limit():
    n = 1
    while sp.count_ops(_trig_ones(n + 1)[0] - _trig_ones(n + 1)[1]) <= SIMPLIFY_MAX_OPS:
        n += 1
    return n


def test_targeted_forms_prove_true_identities():
    assert prove_equal(sp.exp(x + y), sp.exp(x) * sp.exp(y))[0] is True
    assert prove_equal(sp.log(x * y), sp.log(x) + sp.log(y))[0] is True
    assert prove_equal(x / (x + y) + y / (x + y), 1)[0] is True


def test_false_identities_are_not_proved():
    assert prove_equal(sp.exp(x + y), sp.exp(x) + sp.exp(y))[0] is None
    assert prove_equal(sp.sin(x) ** 2 - sp.cos(x) ** 2, 1)[0] is None
    lhs, rhs = _trig_ones(_largest_within_limit())
    assert prove_equal(lhs, rhs + 1)[0] is None


def test_simplify_is_the_last_resort_only():
    lhs, rhs = sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1)
    assert prove_equal(lhs, rhs, last_resort=False)[0] is None
    assert prove_equal(lhs, rhs) == (True, "difference: simplify")


def test_simplify_runs_up_to_the_operation_limit():
    n = _largest_within_limit()
    lhs, rhs = _trig_ones(n)
    assert sp.count_ops(lhs - rhs) <= SIMPLIFY_MAX_OPS
    assert prove_equal(lhs, rhs) == (True, "difference: simplify")


def test_over_the_limit_simplify_is_refused_with_the_same_reason_every_time(monkeypatch):
    lhs, rhs = _trig_ones(_largest_within_limit() + 1)
    ops = sp.count_ops(lhs - rhs)
    assert ops > SIMPLIFY_MAX_OPS

    real = sp.simplify

    def bounded(e, *args, **kwargs):
        if sp.count_ops(e) > SIMPLIFY_MAX_OPS:
            raise AssertionError("simplify must not be started over the limit")
        return real(e, *args, **kwargs)
    monkeypatch.setattr(canonical.sp, "simplify", bounded)
    answers = {prove_equal(lhs, rhs) for _ in range(3)}
    assert answers == {(None, (f"not shown: no targeted canonical form reduced the difference to 0, and it is "
                              f"too large for simplify ({ops} ops > {SIMPLIFY_MAX_OPS})"))}


def test_no_wall_clock_limit_is_set(monkeypatch):
    def no_timer(*_args, **_kwargs):
        raise AssertionError("a wall-clock limit was set")
    monkeypatch.setattr(signal, "setitimer", no_timer)
    monkeypatch.setattr(signal, "alarm", no_timer)
    assert prove_equal(sp.sin(x) ** 2 + sp.cos(x) ** 2, 1)[0] is True
    assert prove_equal(sp.atan(x) + sp.atan(1 / x), sp.pi / 2)[0] is None


@pytest.mark.parametrize("module", ["checks.limits"])
def test_the_time_limit_module_is_gone(module):
    import importlib.util
    assert importlib.util.find_spec(module) is None


def test_log_arguments_over_one_denominator():
    # h^{-1}(h(u)) = u for softmax with u_k = 0: tau (log(e^{u_1/tau}/(1 + s)) - log(1 - s/(1 + s))) = u_1
    tau = sp.Symbol("tau", positive=True)
    us = sp.symbols("u1:6", real=True)
    s = sp.Add(*[sp.exp(u / tau) for u in us])
    lhs = tau * (sp.log(sp.exp(us[0] / tau) / (1 + s)) - sp.log(1 - s / (1 + s)))
    assert sp.count_ops(lhs - us[0]) > SIMPLIFY_MAX_OPS   # simplify is not what proves it
    assert prove_equal(lhs, us[0], last_resort=False) == (True, "difference: log arguments cancelled, expand_log")
    assert prove_equal(lhs, us[1])[0] is None
    wrong = tau * (sp.log(sp.exp(us[0] / tau) / (1 + s)) - sp.log(1 + s / (1 + s)))
    assert prove_equal(wrong, us[0])[0] is None
