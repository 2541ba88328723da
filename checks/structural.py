"""Structural rewrites over ``Sum`` / ``Product`` with symbolic bounds, each checked before it is trusted.

SymPy does not normalise sums and products whose bounds are symbolic (``k - 1``).
This module knows the few rewrites the derivation needs:

* ``split_last``      sum_{i=a}^{k} f_i = sum_{i=a}^{k-1} f_i + f_k (likewise for products)
* ``linearity``       sum (f_i + g_i) = sum f_i + sum g_i;  prod f_i g_i = prod f_i prod g_i
* ``constant_factor`` sum c f_i = c sum f_i;  sum c = (b - a + 1) c
* ``product_power``   prod c f_i = c^{b-a+1} prod f_i  (e.g. prod v f_i = v^{k-1} prod f_i)
* ``product_exp``     prod e^{a_i} = e^{sum a_i}
* ``expand_term``     e^{a+b} -> e^a e^b inside the summand (a pointwise identity)
* ``sum_delta``       sum_{m=1}^{b} delta_{j m} = 1 for an index 1 <= j <= b
* ``gamma_integral``  int_0^oo v^{z-1} e^{-a v} dv = a^{-z} Gamma(z), z symbolic (a > 0, z > 0)
* ``change_of_variables``  int over g of a product, with v = e^{-g}  (``Integral.transform``)

Every application of a rule is verified on the node it rewrote: both the node before
and after are instantiated for sizes n = 1..6 (the symbolic bound k set to n + 1, free
indices set inside their range), expanded with ``doit`` and compared with mpmath at
random points. A rewrite that fails raises :class:`RuleFailed`: a rule that would turn
a false claim into a true one is a bug of the checker, never a proof.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import mpmath
import sympy as sp
from sympy.polys.matrices import DomainMatrix

#: the size of the note: a positive integer, k >= 2
K = sp.Symbol("k", integer=True, positive=True)
#: canonical summation index used when comparing sums
IDX = sp.Symbol("_i", integer=True, positive=True)

SIZES = tuple(range(1, 7))
TOL = mpmath.mpf("1e-15")
TOL_QUAD = mpmath.mpf("1e-8")


class RuleFailed(AssertionError):
    """A rewrite whose instances for concrete sizes differ: the rule is wrong here."""


@dataclass(frozen=True)
class Rule:
    name: str
    statement: str
    node: Callable[..., sp.Basic | None]  # rewrite one node, or None when it does not apply
    #: the rule also needs the free indices' ranges (``node(node, ranges)``)
    needs_ranges: bool = False


# ---------------------------------------------------------------- concrete instances

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
    names = {a: sp.Dummy(str(a)) for a in e.atoms(sp.Indexed)}
    point = {names[a]: env.value((a.base, tuple(int(t) for t in a.indices))) for a in names}
    e = e.xreplace(names)
    point.update({s: env.value(s) for s in e.free_symbols if s not in point})
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
        if not diff < (TOL_QUAD if quad else TOL):
            return False, (f"size {n} ({ {str(s): int(v) for s, v in ints.items()} }): "
                           f"{mpmath.nstr(va, 10)} != {mpmath.nstr(vb, 10)}")
    return True, f"agrees for sizes {sizes[0]}..{sizes[-1]}"


@lru_cache(maxsize=4096)
def _checked(before: sp.Basic, after: sp.Basic, rule: str) -> None:
    ok, why = same_for_sizes(before, after)
    if not ok:
        raise RuleFailed(f"rule {rule!r} rewrote {before} to {after}, which differs at {why}")


def checked_rewrite(rule: Rule, node: sp.Basic, ranges: dict | None = None) -> sp.Basic | None:
    """The rule's rewrite of ``node``, after it was verified for concrete sizes.

    ``ranges``: free index -> upper end of its range 1..upper, declared by the claim."""
    new = rule.node(node, ranges or {}) if rule.needs_ranges else rule.node(node)
    if new is None or new == node:
        return None
    _checked(node, new, rule.name)
    return new


# ---------------------------------------------------------------- the rules

def _one_limit(node):
    if isinstance(node, (sp.Sum, sp.Product)) and len(node.limits) == 1:
        (i, a, b), = node.limits
        return node.function, i, a, b
    return None


def _split_last(node):
    parts = _one_limit(node)
    if parts is None:
        return None
    f, i, a, b = parts
    if b != K:
        return None
    head = type(node)(f, (i, a, b - 1))
    return head + f.xreplace({i: b}) if isinstance(node, sp.Sum) else head * f.xreplace({i: b})


def _linearity(node):
    parts = _one_limit(node)
    if parts is None:
        return None
    f, i, a, b = parts
    if isinstance(node, sp.Sum) and isinstance(f, sp.Add):
        return sp.Add(*[sp.Sum(t, (i, a, b)) for t in f.args])
    if isinstance(node, sp.Product) and isinstance(f, sp.Mul):
        dep = [t for t in f.args if t.has(i)]
        if len(dep) > 1:
            const = sp.Mul(*[t for t in f.args if not t.has(i)])
            return sp.Mul(*[sp.Product(t, (i, a, b)) for t in dep]) * (
                sp.Product(const, (i, a, b)) if const != 1 else 1)
    return None


def _constant_factor(node):
    parts = _one_limit(node)
    if parts is None or not isinstance(node, sp.Sum):
        return None
    f, i, a, b = parts
    const, dep = f.as_independent(i, as_Add=False)
    if const == 1:
        return None
    return const * (sp.Sum(dep, (i, a, b)) if dep != 1 else (b - a + 1))


def _product_power(node):
    parts = _one_limit(node)
    if parts is None or not isinstance(node, sp.Product):
        return None
    f, i, a, b = parts
    if f == 1:
        return sp.Integer(1)
    const, dep = f.as_independent(i, as_Add=False)
    if const == 1:
        return None
    return sp.expand_power_base(const ** (b - a + 1)) * (sp.Product(dep, (i, a, b)) if dep != 1 else 1)


def _product_exp(node):
    parts = _one_limit(node)
    if parts is None or not isinstance(node, sp.Product):
        return None
    f, i, a, b = parts
    if isinstance(f, sp.exp):
        return sp.exp(sp.Sum(f.args[0], (i, a, b)))
    if isinstance(f, sp.Pow) and isinstance(f.base, sp.exp):
        return sp.exp(sp.Sum(f.base.args[0] * f.exp, (i, a, b)))
    return None


def exp_log(e: sp.Expr) -> sp.Expr:
    """e^{c log b} -> b^c for b > 0; e^{a + b} -> e^a e^b."""
    def one(x):
        arg = sp.expand(x.args[0])
        out = sp.Integer(1)
        for t in sp.Add.make_args(arg):
            c, rest = t.as_independent(sp.log, as_Add=False)
            if isinstance(rest, sp.log) and rest.args[0].is_positive:
                out *= rest.args[0] ** c
            else:
                out *= sp.exp(t)
        return out
    return e.replace(lambda x: isinstance(x, sp.exp), one)


def _expand_term(node):
    parts = _one_limit(node)
    if parts is None:
        return None
    f, i, a, b = parts
    g = sp.expand(sp.powsimp(sp.expand_power_exp(sp.expand(exp_log(f))), combine="base"), power_exp=True)
    return type(node)(g, (i, a, b)) if g != f else None


def _sum_delta(node, ranges: dict):
    parts = _one_limit(node)
    if parts is None or not isinstance(node, sp.Sum):
        return None
    f, i, a, b = parts
    deltas = [t for t in sp.Mul.make_args(f) if isinstance(t, sp.KroneckerDelta) and i in t.args]
    if len(deltas) != 1 or a != 1:
        return None
    (j,) = [t for t in deltas[0].args if t != i]
    # valid only for an index j declared inside 1..b (the claim's ranges)
    if ranges.get(j) != b:
        return None
    rest = sp.Mul(*[t for t in sp.Mul.make_args(f) if t is not deltas[0]])
    return rest.xreplace({i: j})


def _positive_atoms(expr):
    """Sums / products of positive terms (over a nonempty range, k >= 2) as positive dummies."""
    table = {}
    for atom in expr.atoms(sp.Sum, sp.Product):
        if atom.function.is_positive:
            table[atom] = sp.Dummy("S", positive=True)
    return table


def _gamma(node):
    if not isinstance(node, sp.Integral):
        return None
    from .integrals import gamma_integral
    table = _positive_atoms(node)
    closed = gamma_integral(node.xreplace(table))
    if closed is None:
        return None
    return closed.xreplace({d: a for a, d in table.items()})


SPLIT_LAST = Rule("split_last", "sum_{i=a}^{k} f_i = sum_{i=a}^{k-1} f_i + f_k (products alike)", _split_last)
LINEARITY = Rule("linearity", "sum (f + g) = sum f + sum g; prod f g = prod f prod g", _linearity)
CONSTANT_FACTOR = Rule("constant_factor", "sum c f_i = c sum f_i, sum c = (b-a+1) c", _constant_factor)
PRODUCT_POWER = Rule("product_power", "prod c f_i = c^{b-a+1} prod f_i (prod v f_i = v^{k-1} prod f_i)",
                     _product_power)
PRODUCT_EXP = Rule("product_exp", "prod e^{a_i} = e^{sum a_i}", _product_exp)
EXPAND_TERM = Rule("expand_term", "e^{a+b} = e^a e^b inside a summand", _expand_term)
SUM_DELTA = Rule("sum_delta", "sum_{m=1}^{b} delta_{jm} f_m = f_j for 1 <= j <= b", _sum_delta,
                 needs_ranges=True)
GAMMA = Rule("gamma_integral", "int_0^oo v^{z-1} e^{-a v} dv = a^{-z} Gamma(z), a > 0, z > 0 symbolic", _gamma)

NORMALISE = (EXPAND_TERM, SPLIT_LAST, LINEARITY, PRODUCT_EXP, PRODUCT_POWER, CONSTANT_FACTOR, SUM_DELTA)


def change_of_variables(integral: sp.Integral, old: sp.Expr, new: sp.Symbol) -> sp.Integral:
    """``Integral.transform(old, new)`` (limits and sign of the Jacobian), checked for concrete sizes."""
    out = integral.transform(old, new)
    _checked(integral, out, "change_of_variables")
    return out


def _apply_once(expr: sp.Basic, rules, used: list, ranges: dict) -> sp.Basic:
    """One bottom-up pass: each node rewritten by the first rule that applies."""
    if not expr.args or isinstance(expr, (sp.Indexed, sp.Symbol)):
        return expr
    args = [_apply_once(a, rules, used, ranges) for a in expr.args]
    node = expr.func(*args) if args != list(expr.args) else expr
    for rule in rules:
        new = checked_rewrite(rule, node, ranges)
        if new is not None:
            used.append(rule.name)
            return new
    return node


def normalise(expr: sp.Basic, rules=NORMALISE, used: list | None = None, limit: int = 12,
              ranges: dict | None = None) -> sp.Basic:
    """Apply ``rules`` to a fixpoint (every application checked for sizes 1..6).

    ``ranges``: free index -> upper end of its range 1..upper (``sum_delta`` needs it)."""
    used = [] if used is None else used
    e = sp.sympify(expr)
    for _ in range(limit):
        new = _apply_once(e, rules, used, ranges or {})
        if new == e:
            return e
        e = new
    return e


def canonical_atoms(expr: sp.Basic) -> tuple[sp.Basic, dict]:
    """Remaining Sums / Products with one canonical index, replaced by dummies (positive where the
    terms are positive: every range here is 1..k-1 or 1..k, nonempty for k >= 2)."""
    table = {}
    renamed = {}
    for atom in expr.atoms(sp.Sum, sp.Product):
        f, i, a, b = _one_limit(atom)
        canon = type(atom)(sp.expand(f.xreplace({i: IDX})), (IDX, a, b))
        if canon not in table:
            pos = canon.function.is_positive
            table[canon] = sp.Dummy("A", positive=True) if pos else sp.Dummy("A", real=bool(canon.function.is_real))
        renamed[atom] = table[canon]
    return expr.xreplace(renamed), table
