"""Independent numeric evaluation with mpmath.

The numeric side never uses SymPy's simplifier: integrals are done by
``mpmath.quad``, derivatives by ``mpmath.diff``, everything else by
``lambdify(..., "mpmath")``, at the precision of a ``workdps`` context.
Each side is compiled once (:func:`compile_expr`) and evaluated at many points.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import mpmath
import sympy as sp


def _exp(x):
    # Quadrature nodes near +-oo make e^{-e^{-g}} ask for exp(-10^30): mpmath would spend
    # ~10^30 bits on it. e^{-10^6} is 0 to any precision used here; e^{10^100} is still a
    # finite mpf (so e^a / (e^a + 1)^2 stays finite), beyond that oo.
    if x < -10**6:
        return mpmath.mpf(0)
    if x > 10**100:
        return mpmath.inf
    return mpmath.exp(x)


def _limit(value: sp.Expr, env: Callable) -> mpmath.mpf:
    if value is sp.oo:
        return mpmath.inf
    if value is -sp.oo:
        return -mpmath.inf
    return env(value)


def compile_expr(expr: sp.Basic, params: tuple) -> Callable:
    """A function of the values of ``params`` (in order) that evaluates ``expr``.

    Integral and Derivative atoms become mpmath.quad / mpmath.diff calls on
    compiled integrands; everything else one ``lambdify``.
    """
    expr = sp.sympify(expr)
    atoms = list(expr.atoms(sp.Integral, sp.Derivative))
    # Outermost atoms only: inner ones are compiled inside their parents.
    outer = [a for a in atoms if not any(a != b and b.has(a) for b in atoms)]
    holders = [sp.Dummy(f"A{n}") for n in range(len(outer))]
    body = sp.lambdify(params + tuple(holders), expr.xreplace(dict(zip(outer, holders))),
                       modules=[{"exp": _exp}, "mpmath"])
    parts = [_compile_atom(a, params) for a in outer]

    def run(*values):
        return body(*values, *[p(*values) for p in parts])
    return run


def _compile_atom(atom: sp.Basic, params: tuple) -> Callable:
    if isinstance(atom, sp.Integral):
        (var, lo, hi), *rest = atom.limits
        if rest:
            raise ValueError("integral: only single integrals are supported")
        inner = compile_expr(atom.function, (var,) + params)
        lo_f, hi_f = compile_expr(lo, params), compile_expr(hi, params)

        def integral(*values):
            a = _limit(lo, lambda _: lo_f(*values))
            b = _limit(hi, lambda _: hi_f(*values))
            # Split at -1, 0, 1 so tanh-sinh sees the bulk of e^{-v}-like integrands.
            cuts = [mpmath.mpf(c) for c in (-1, 0, 1) if min(a, b) < c < max(a, b)]
            nodes = [a, *(cuts if a <= b else cuts[::-1]), b]
            return mpmath.quad(lambda t: inner(t, *values), nodes)
        return integral
    (var, order), = atom.variable_count
    if var not in params:
        # no side has var as a free symbol, so this expression does not depend on it: d/dvar = 0
        # (SymPy leaves Derivative(e^{x_1}, x_2) unevaluated and drops x_2 from its free symbols)
        return lambda *values: mpmath.mpf(0)
    inner = compile_expr(atom.expr, params)
    position = params.index(var)

    def derivative(*values):
        def f(t):
            vals = list(values)
            vals[position] = t
            return inner(*vals)
        return mpmath.diff(f, values[position], int(order))
    return derivative


def evaluate(expr: sp.Basic, point: Mapping[sp.Symbol, object]):
    """Value of ``expr`` at ``point`` (one-off; see :func:`compile_expr` for repeated use)."""
    params = tuple(sorted(sp.sympify(expr).free_symbols, key=str))
    missing = [s for s in params if s not in point]
    if missing:
        raise ValueError(f"point: no value for {missing}")
    return compile_expr(expr, params)(*[mpmath.mpf(point[s]) for s in params])


@dataclass(frozen=True)
class Comparison:
    point: dict
    lhs: object
    rhs: object
    difference: object  # |lhs - rhs| / max(1, |lhs|, |rhs|)


class Pair:
    """Both sides of a claim compiled once; ``compare(point, dps)`` evaluates them."""

    def __init__(self, lhs: sp.Basic, rhs: sp.Basic):
        lhs, rhs = sp.sympify(lhs), sp.sympify(rhs)
        self.params = tuple(sorted(lhs.free_symbols | rhs.free_symbols, key=str))
        self.lhs = compile_expr(lhs, self.params)
        # Identical sides have identical values: evaluate once (quadrature is the expensive part).
        self.rhs = self.lhs if lhs == rhs else compile_expr(rhs, self.params)

    def compare(self, point: Mapping[sp.Symbol, object], dps: int) -> Comparison:
        with mpmath.workdps(dps):
            values = [mpmath.mpf(point[s]) for s in self.params]
            try:
                a = mpmath.mpmathify(self.lhs(*values))
                b = a if self.rhs is self.lhs else mpmath.mpmathify(self.rhs(*values))
            except (ZeroDivisionError, OverflowError, ValueError) as exc:
                return Comparison(dict(point), f"error: {exc}", f"error: {exc}", mpmath.inf)
            if not (mpmath.isfinite(a) and mpmath.isfinite(b)):
                diff = mpmath.mpf(0) if a == b else mpmath.inf
            else:
                diff = abs(a - b) / max(1, abs(a), abs(b))
            return Comparison({s: point[s] for s in self.params}, a, b, diff)

