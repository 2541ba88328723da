"""Integral claims, decided as integrals.

Two integrals are shown equal only by one of:

* the same variable range after orienting both (a > b becomes -int_b^a) and equal
  integrands -- after applying the claim's declared change of variables to the
  left side with ``Integral.transform``, which carries the limits and the sign
  of dv/dg into the new integral;
* closed forms: the Gamma integral ``int_0^oo v^(z-1) e^(-a v) dv = a^(-z) Gamma(z)``
  and its log-Gamma companion ``int_0^oo v^(z-1) log(v) e^(-a v) dv
  = a^(-z) Gamma(z) (polygamma(0, z) - log a)`` (termwise over a sum), applied only
  when a > 0 and z > 0 are provable from the assumptions; then SymPy's own
  ``integrate``, accepted only when unconditional.

Comparing integrands while ignoring the limits is never done.

No step runs under a wall-clock limit (a verdict must not depend on the machine's
load): SymPy's ``integrate`` is attempted only on an integrand of at most
``INTEGRATE_MAX_OPS`` operations; a larger one is refused with a reason naming its
size, the same on every run.
"""
from __future__ import annotations

import sympy as sp

from .canonical import prove_equal

#: SymPy's ``integrate`` is tried only on an integrand (after the declared substitution) of at most
#: this many operations (``sympy.count_ops``). Measured on the integrals the derivation's claims hold:
#: all of at most 12 operations finish within 3 s; from 18 up (the symbolic-k integrands) some take
#: 20 s or do not finish in 30 s. The Gamma rules, which are cheap, are not bounded.
INTEGRATE_MAX_OPS = 12


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


def _linear_rate(exponent: sp.Expr, t: sp.Symbol) -> tuple[sp.Expr, sp.Expr] | None:
    """``exponent`` as E0 - a t with a > 0 provable: (a, E0); None otherwise."""
    exponent = sp.expand(exponent)
    a = -sp.diff(exponent, t)
    if a.has(t) or not a.is_positive:
        return None
    e0 = sp.expand(exponent + a * t)
    return None if e0.has(t) else (a, e0)


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
    rate = _linear_rate(sp.Add(*exp_args), t)
    if rate is None:
        return None
    a, e0 = rate
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


def _log_gamma_term(term: sp.Expr, t: sp.Symbol) -> sp.Expr | None:
    """``int_0^oo term dt`` for ``term = C t^(z-1) log(t)^n e^(E0 - a t)``, n in {0, 1}, a > 0, z > 0 shown."""
    const, dep = term.as_independent(t, as_Add=False)
    exponent, power, n = sp.Integer(0), sp.Integer(0), 0
    for fac in sp.Mul.make_args(dep):
        if isinstance(fac, sp.exp):
            exponent += fac.args[0]
        elif fac == t:
            power += 1
        elif fac.is_Pow and fac.base == t and not fac.exp.has(t):
            power += fac.exp
        elif fac == sp.log(t):
            n += 1
        elif fac.is_Pow and fac.base == sp.log(t) and fac.exp.is_Integer and fac.exp > 0:
            n += int(fac.exp)
        else:
            return None
    if n > 1:
        return None
    rate = _linear_rate(exponent, t)
    if rate is None:
        return None
    a, e0 = rate
    z = power + 1
    if not z.is_positive:
        return None
    value = const * sp.exp(e0) * a ** (-z) * sp.gamma(z)
    return value * (sp.polygamma(0, z) - sp.log(a)) if n == 1 else value


def log_gamma_integral(integral: sp.Integral) -> sp.Expr | None:
    """Closed form of ``int_0^oo f dv`` where the expanded ``f`` is a sum of terms
    ``C v^(z-1) log(v)^n e^(E0 - a v)``, n in {0, 1}, each with a > 0 and z > 0 provable:

        n = 0:  a^(-z) Gamma(z),        n = 1:  a^(-z) Gamma(z) (polygamma(0, z) - log a)

    (the second is d/dz of the first). Every term must match (linearity), else None.
    """
    (var, lo, hi), = integral.limits
    if lo != 0 or hi != sp.oo:
        return None
    t = sp.Dummy("t", positive=True)
    f = sp.expand(sp.expand_log(integral.function.xreplace({var: t}), force=False))
    values = []
    for term in sp.Add.make_args(f):
        value = _log_gamma_term(term, t)
        if value is None:
            return None
        values.append(value)
    return sp.Add(*values)


def _sympy_closed_form(integral: sp.Integral, substitution=None) -> tuple[sp.Expr | None, str]:
    """SymPy's evaluation, or (None, why); refused on an integrand over ``INTEGRATE_MAX_OPS`` ops."""
    if substitution is not None and substitution[0].has(integral.limits[0][0]):
        integral = integral.transform(*substitution)
    ops = sp.count_ops(integral.function)
    if ops > INTEGRATE_MAX_OPS:
        return None, f"integrand too large for SymPy integrate ({ops} ops > {INTEGRATE_MAX_OPS})"
    value = integral.doit(conds="piecewise")
    if value.has(sp.Integral, sp.Piecewise, sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None, "SymPy integrate gave no unconditional closed form"
    return value, "SymPy integrate, unconditional"


def sympy_closed_form(integral: sp.Integral, substitution=None) -> sp.Expr | None:
    """SymPy's own evaluation (after the declared substitution), accepted only when unconditional.

    None also when the integrand has more than ``INTEGRATE_MAX_OPS`` operations (not attempted).
    """
    return _sympy_closed_form(integral, substitution)[0]


_GAMMA_RULES = (
    (gamma_integral, "Gamma integral (a > 0, z > 0 shown)"),
    (log_gamma_integral, "log-Gamma integral, termwise (a > 0, z > 0 shown)"),
)


def _close_one(integral: sp.Integral, substitution, closed_forms) -> tuple[sp.Expr | None, str]:
    """One integral in closed form: the Gamma rules (also after the substitution), then SymPy."""
    why = []
    if "gamma" in closed_forms:
        candidates = [(orient(integral), "")]
        if substitution is not None and substitution[0].has(integral.limits[0][0]):
            candidates.append((orient(integral.transform(*substitution)),
                               f"Integral.transform({substitution[0]} -> {substitution[1]}), then "))
        for candidate, prefix in candidates:
            for rule, name in _GAMMA_RULES:
                closed = rule(candidate)
                if closed is not None:
                    return closed, prefix + name
        why.append("no Gamma rule matched")
    if "sympy" in closed_forms:
        closed, how = _sympy_closed_form(integral, substitution)
        if closed is not None:
            return closed, how
        why.append(how)
    return None, "; ".join(why) or "no closed form allowed"


def _close_integrals(side: sp.Expr, substitution=None, closed_forms=("gamma", "sympy")):
    """(side with every integral closed, methods) or (None, why not)."""
    replaced, how = {}, set()
    for integral in sorted(side.atoms(sp.Integral), key=sp.default_sort_key):  # a fixed order: a fixed reason
        closed, method = _close_one(integral, substitution, closed_forms)
        if closed is None:
            return None, method
        how.add(method)
        replaced[integral] = closed
    return side.xreplace(replaced), ", ".join(sorted(how))


def close_integrals(side: sp.Expr, substitution=None, closed_forms=("gamma", "sympy")):
    """Every integral of ``side`` in closed form (Gamma rules first, then SymPy), or None."""
    closed, how = _close_integrals(side, substitution, closed_forms)
    return None if closed is None else (closed, how)


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
    closed_l = _close_integrals(lhs, substitution, closed_forms)
    closed_r = _close_integrals(rhs, substitution, closed_forms)
    if closed_l[0] is not None and closed_r[0] is not None:
        ok, how = prove_equal(closed_l[0], closed_r[0])
        methods = "; ".join(m for m in (closed_l[1], closed_r[1]) if m)
        if ok:
            return True, f"closed form by {methods}, then {how}"
        why += f"; closed forms not shown equal ({how})"
    else:
        why += "; no closed form (" + "; ".join(f"{name}: {h}" for name, (c, h) in
                                               (("left", closed_l), ("right", closed_r)) if c is None) + ")"
    return None, why
