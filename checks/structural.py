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

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from .sizes import SIZES, K, _one_limit, instantiate, polynomial_det, same_for_sizes  # noqa: F401 (re-exported)

#: canonical summation index used when comparing sums
IDX = sp.Symbol("_i", integer=True, positive=True)


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
