"""Integral claims, decided as integrals.

Two integrals are shown equal only by one of:

* the same variable range after orienting both (a > b becomes -int_b^a) and equal
  integrands -- after applying the claim's declared change of variables to the
  left side with ``Integral.transform``, which carries the limits and the sign
  of dv/dg into the new integral;
* closed forms: the Gamma integral ``int_0^oo v^(z-1) e^(-a v) dv = a^(-z) Gamma(z)``,
  applied only when a > 0 and z > 0 are provable from the assumptions.

Comparing integrands while ignoring the limits is never done.
"""
from __future__ import annotations

import sympy as sp

from .canonical import prove_equal
from .limits import OutOfTime, time_limit

SYMPY_SECONDS = 3  # SymPy's integrate gets this long before the step counts as "not shown"


def split_integral(side: sp.Expr) -> tuple[sp.Expr, sp.Integral] | None:
    """``side`` as ``factor * Integral`` with ``factor`` free of the integration variable."""
    integrals = list(side.atoms(sp.Integral))
    if len(integrals) != 1:
        return None
    (integral,) = integrals
    factor = sp.cancel(side / integral)
    if factor.has(sp.Integral):
        return None
    return factor, integral


def absorb(side: sp.Expr) -> sp.Integral | None:
    """``c * int f`` as ``int c f``; None when the side is not a multiple of one integral."""
    parts = split_integral(side)
    if parts is None:
        return None
    factor, integral = parts
    (var, lo, hi), = integral.limits
    if var in factor.free_symbols:
        return None
    return sp.Integral(factor * integral.function, (var, lo, hi))


def orient(integral: sp.Integral) -> sp.Integral:
    """Limits in increasing order: int_b^a f = int_a^b (-f)."""
    (var, lo, hi), = integral.limits
    if (hi - lo).is_negative or (hi == -sp.oo) or (lo == sp.oo):
        return sp.Integral(-integral.function, (var, hi, lo))
    return integral


def _positive_variable(integral: sp.Integral) -> sp.Integral:
    """On a range inside [0, oo) the variable may be taken positive (lets powsimp combine powers)."""
    (var, lo, hi), = integral.limits
    if (lo.is_nonnegative or lo == 0) and not var.is_positive:
        t = sp.Dummy(var.name, positive=True)
        return sp.Integral(integral.function.xreplace({var: t}), (t, lo, hi))
    return integral


def gamma_integral(integral: sp.Integral) -> sp.Expr | None:
    """Closed form of ``int_0^oo C v^(z-1) e^(E0 - a v) dv`` when a > 0 and z > 0 are provable."""
    (var, lo, hi), = integral.limits
    if lo != 0 or hi != sp.oo:
        return None
    t = sp.Dummy("t", positive=True)
    f = sp.powsimp(sp.expand_power_exp(integral.function.xreplace({var: t})), combine="exp")
    const, dep = f.as_independent(t, as_Add=False)
    exp_args = [fac.args[0] for fac in sp.Mul.make_args(dep) if isinstance(fac, sp.exp)]
    rest = sp.Mul(*[fac for fac in sp.Mul.make_args(dep) if not isinstance(fac, sp.exp)])
    exponent = sp.expand(sp.Add(*exp_args))
    a = -sp.diff(exponent, t)
    if a.has(t) or not a.is_positive:
        return None
    e0 = sp.expand(exponent + a * t)
    if e0.has(t):
        return None
    rest = sp.powsimp(rest, force=False)
    if rest == 1:
        z = sp.Integer(1)
    elif rest == t:
        z = sp.Integer(2)
    elif rest.is_Pow and rest.base == t and not rest.exp.has(t):
        z = rest.exp + 1
    else:
        return None
    if not z.is_positive:
        return None
    return const * sp.exp(e0) * a ** (-z) * sp.gamma(z)


def sympy_closed_form(integral: sp.Integral, substitution=None) -> sp.Expr | None:
    """SymPy's own evaluation (after the declared substitution), accepted only when unconditional."""
    if substitution is not None and substitution[0].has(integral.limits[0][0]):
        integral = integral.transform(*substitution)
    try:
        with time_limit(SYMPY_SECONDS):
            value = integral.doit(conds="piecewise")
    except OutOfTime:
        return None
    if value.has(sp.Integral, sp.Piecewise, sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    return value


def close_integrals(side: sp.Expr, substitution=None, closed_forms=("gamma", "sympy")):
    """Every integral of ``side`` in closed form (Gamma rule first, then SymPy), or None."""
    replaced, how = {}, set()
    for integral in side.atoms(sp.Integral):
        closed, method = None, ""
        if "gamma" in closed_forms:
            closed, method = gamma_integral(orient(integral)), "Gamma integral (a > 0, z > 0 shown)"
            if closed is None and substitution is not None and substitution[0].has(integral.limits[0][0]):
                closed = gamma_integral(orient(integral.transform(*substitution)))
                method = f"Integral.transform({substitution[0]} -> {substitution[1]}), then Gamma integral"
        if closed is None and "sympy" in closed_forms:
            closed, method = sympy_closed_form(integral, substitution), "SymPy integrate, unconditional"
        if closed is None:
            return None
        how.add(method)
        replaced[integral] = closed
    return side.xreplace(replaced), ", ".join(sorted(how))


def prove_integral_equal(
    lhs: sp.Expr, rhs: sp.Expr, substitution: tuple[sp.Expr, sp.Symbol] | None = None,
    closed_forms: tuple[str, ...] = ("gamma", "sympy"),
) -> tuple[bool | None, str]:
    """Decide ``lhs == rhs`` where either side holds an integral; (None, why) when not shown."""
    left, right = absorb(lhs), absorb(rhs)
    why = "no integral form"
    if left is not None and right is not None:
        lvar, rvar = left.limits[0][0], right.limits[0][0]
        method = "same range, equal integrands"
        if substitution is not None and lvar != rvar:
            old, new = substitution
            left = left.transform(old, new)
            method = f"Integral.transform({old} -> {new}), then same range, equal integrands"
            lvar = left.limits[0][0]
        left, right = orient(left), orient(right)
        if lvar != rvar:
            right = right.xreplace({rvar: lvar})
        if left.limits == right.limits:
            left, right = _positive_variable(left), _positive_variable(right)
            ok, how = prove_equal(left.function, right.function.xreplace(
                {right.limits[0][0]: left.limits[0][0]}))
            if ok:
                return True, f"{method} ({how})"
            why = f"{method}: integrands not shown equal"
        else:
            why = f"limits differ after orienting: {left.limits[0][1:]} vs {right.limits[0][1:]}"
    closed_l = close_integrals(lhs, substitution, closed_forms)
    closed_r = close_integrals(rhs, substitution, closed_forms)
    if closed_l is not None and closed_r is not None:
        ok, how = prove_equal(closed_l[0], closed_r[0])
        methods = "; ".join(m for m in (closed_l[1], closed_r[1]) if m)
        if ok:
            return True, f"closed form by {methods}, then {how}"
        why += "; closed forms not shown equal"
    return None, why
