"""Expressions of symbolic size made concrete, and compared for sizes 1..6.

``instantiate`` sets the size and the free indices and expands every Sum / Product (and the
determinant of a matrix of concrete size, :func:`polynomial_det`); ``same_for_sizes`` evaluates
two expressions with mpmath at random points for each size: how every structural rewrite is
checked before it is trusted (``checks.structural``).
"""
from __future__ import annotations

import random

import mpmath
import sympy as sp
from sympy.polys.matrices import DomainMatrix

#: the size symbol: a positive integer (the subject's size k)
K = sp.Symbol("k", integer=True, positive=True)

SIZES = tuple(range(1, 7))
TOL = mpmath.mpf("1e-15")
TOL_QUAD = mpmath.mpf("1e-8")


def _one_limit(node):
    if isinstance(node, (sp.Sum, sp.Product)) and len(node.limits) == 1:
        (i, a, b), = node.limits
        return node.function, i, a, b
    return None


def _bound_symbols(expr: sp.Basic) -> set:
    out = set()
    for atom in expr.atoms(sp.Sum, sp.Product):
        for _, lo, hi in atom.limits:
            out |= {s for s in (lo.free_symbols | hi.free_symbols) if s.is_integer}
    return out | ({K} & expr.free_symbols)


def _index_symbols(expr: sp.Basic) -> set:
    """Free integer symbols used as indices (x[i], delta_{ij}), other than the bounds."""
    return {s for s in expr.free_symbols if isinstance(s, sp.Symbol) and s.is_integer}


def instantiate(expr: sp.Basic, values: dict) -> sp.Basic:
    """``expr`` with integer symbols set and every Sum / Product / FunctionMatrix expanded."""
    e = sp.sympify(expr).xreplace({s: sp.Integer(v) for s, v in values.items()})
    e = e.replace(lambda a: isinstance(a, sp.Determinant), lambda a: polynomial_det(a.arg.as_explicit()))
    # only the sums / products are expanded (an Integral or Derivative stays as it is)
    return e.replace(lambda a: isinstance(a, (sp.Sum, sp.Product)), lambda a: a.doit(deep=False))


def polynomial_det(matrix: sp.Matrix) -> sp.Expr:
    """det by fraction-free elimination on a polynomial matrix: every reciprocal of a symbol in the
    entries (1/y) is a fresh symbol during the elimination (det commutes with substitution)."""
    recips = sorted({p for p in matrix.atoms(sp.Pow) if p.exp == -1 and isinstance(p.base, (sp.Symbol, sp.Indexed))},
                    key=str)
    fresh = {p: sp.Dummy(f"r_{p.base}") for p in recips}
    dm = DomainMatrix.from_Matrix(matrix.xreplace(fresh))   # exact, over a polynomial ring
    det = sp.expand(dm.domain.to_sympy(dm.det()))
    return det.xreplace({d: p for p, d in fresh.items()})


class _Env:
    """Values for an evaluation: integer symbols exact, everything else random in (0.3, 1.6)."""

    def __init__(self, ints: dict, rnd: random.Random):
        self.ints, self.rnd, self.vals = dict(ints), rnd, {}

    def value(self, key):
        if key not in self.vals:
            self.vals[key] = mpmath.mpf(self.rnd.uniform(0.3, 1.6))
        return self.vals[key]


def _ev(e: sp.Basic, env: _Env):
    """Direct mpmath evaluation; Sum / Product with concrete bounds by loops (no doit, no lambdify)."""
    if e.is_Integer or e.is_Rational:
        return mpmath.mpf(e.p) / e.q
    if e.is_Number:
        return mpmath.mpmathify(sp.N(e, mpmath.mp.dps))
    if isinstance(e, sp.Symbol):
        if e in env.ints:
            return env.ints[e]
        return env.value(e)
    if isinstance(e, sp.Indexed):
        idx = tuple(int(_ev(t, env)) for t in e.indices)
        return env.value((e.base, idx))
    if e.is_Add:
        return mpmath.fsum(_ev(a, env) for a in e.args)
    if e.is_Mul:
        out = mpmath.mpf(1)
        for a in e.args:
            out *= _ev(a, env)
        return out
    if e.is_Pow:
        return mpmath.power(_ev(e.base, env), _ev(e.exp, env))
    if isinstance(e, (sp.Sum, sp.Product)):
        f, i, a, b = _one_limit(e)
        lo, hi = int(_ev(a, env)), int(_ev(b, env))
        terms, saved = [], env.ints.get(i)
        for n in range(lo, hi + 1):
            env.ints[i] = mpmath.mpf(n)
            terms.append(_ev(f, env))
        env.ints.pop(i, None)
        if saved is not None:      # an outer variable of the same name
            env.ints[i] = saved
        if isinstance(e, sp.Sum):
            return mpmath.fsum(terms)
        out = mpmath.mpf(1)
        for t in terms:
            out *= t
        return out
    if isinstance(e, sp.Integral):
        (var, lo, hi), = e.limits
        a, b = (mpmath.inf if lo is sp.oo else -mpmath.inf if lo is -sp.oo else _ev(lo, env),
                mpmath.inf if hi is sp.oo else -mpmath.inf if hi is -sp.oo else _ev(hi, env))

        saved = env.ints.get(var)

        def f(t):
            env.ints[var] = t
            return _ev(e.function, env)
        cuts = [mpmath.mpf(c) for c in (-1, 0, 1) if min(a, b) < c < max(a, b)]
        out = mpmath.quad(f, [a, *(cuts if a <= b else cuts[::-1]), b])
        env.ints.pop(var, None)
        if saved is not None:
            env.ints[var] = saved
        return out
    if isinstance(e, sp.KroneckerDelta):
        return mpmath.mpf(int(_ev(e.args[0], env) == _ev(e.args[1], env)))
    fn = {sp.exp: lambda x: mpmath.mpf(0) if x < -10**6 else mpmath.exp(x), sp.log: mpmath.log,
          sp.gamma: mpmath.gamma, sp.Abs: abs}.get(e.func)
    if fn is not None:
        return fn(_ev(e.args[0], env))
    raise TypeError(f"cannot evaluate {e.func.__name__}")


def _compiled(expr: sp.Basic, env: _Env):
    """Value by ``checks.numeric`` (lambdify + mpmath.quad) after expanding the sums at this size."""
    from .numeric import evaluate
    e = instantiate(expr, {s: int(v) for s, v in env.ints.items()})
    # values are drawn in a fixed order (sorted by name), never in the order of a set, whose iteration
    # order changes with Python's hash seed: the same expression gets the same point in every process
    names = {a: sp.Dummy(str(a)) for a in sorted(e.atoms(sp.Indexed), key=str)}
    point = {names[a]: env.value((a.base, tuple(int(t) for t in a.indices))) for a in names}
    e = e.xreplace(names)
    point.update({s: env.value(s) for s in sorted(e.free_symbols, key=str) if s not in point})
    return evaluate(e, point)


def same_for_sizes(before: sp.Basic, after: sp.Basic, sizes=SIZES, seed: int = 0,
                   ranges: dict | None = None) -> tuple[bool, str]:
    """Do ``before`` and ``after`` agree for every size in ``sizes`` (mpmath, random points)?

    The bound symbols are set to n + 1 (so a product to k - 1 has n factors); index
    symbols to a value in 1..n (or ``ranges[s](n)``).  Other symbols and indexed
    atoms get random values in (0.3, 1.6), inside every assumption of the note.
    """
    rnd = random.Random(seed)
    both = sp.Tuple(before, after)
    bounds, indices = _bound_symbols(both), _index_symbols(both) - _bound_symbols(both)
    if not bounds:       # nothing depends on the size: one instance decides it
        sizes = tuple(sizes)[-1:]
    for n in sizes:
        ints = {b: mpmath.mpf(n + 1) for b in bounds}
        for s in sorted(indices, key=str):
            lo, hi = (ranges or {}).get(s, lambda n: (1, n))(n)
            ints[s] = mpmath.mpf(rnd.randint(lo, hi))
        env = _Env(ints, rnd)
        quad = both.has(sp.Integral)        # quadrature: 12 digits, agreement to 1e-8
        with mpmath.workdps(12 if quad else 30):
            try:
                if quad:   # compiled (lambdify) once per size: quadrature calls the integrand often
                    va, vb = _compiled(before, env), _compiled(after, env)
                else:
                    va, vb = _ev(before, env), _ev(after, env)
            except (TypeError, ValueError, ZeroDivisionError) as exc:
                return False, f"size {n}: cannot evaluate ({exc})"
            diff = abs(va - vb) / max(1, abs(va), abs(vb))
        if quad and not diff < TOL_QUAD:   # quadrature at 12 digits can miss a narrow peak: once more at 25
            with mpmath.workdps(25):
                va, vb = _compiled(before, env), _compiled(after, env)
                diff = abs(va - vb) / max(1, abs(va), abs(vb))
        if not diff < (TOL_QUAD if quad else TOL):
            return False, (f"size {n} ({ {str(s): int(v) for s, v in ints.items()} }): "
                           f"{mpmath.nstr(va, 10)} != {mpmath.nstr(vb, 10)}")
    return True, f"agrees for sizes {sizes[0]}..{sizes[-1]}"
