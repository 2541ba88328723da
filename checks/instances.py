"""From a claim's :class:`~checks.claim.Form` (written once, for symbolic size) to what is decided.

* :func:`concrete` — the instance at size k: the size set to k, every free index over its range
  (all combinations, ``distinct`` indices kept apart), sums and products expanded
  (``checks.structural.instantiate``), then the subject's symbols at k (``Model.concrete``).
* :func:`symbolic` — the instance for symbolic k: proved by the structural rules of
  ``checks.structural`` (each application checked for sizes 1..6), then a canonical form on
  what is left (:func:`prove_general`); cross-checked numerically at ``Model.numeric_k``.
"""
from __future__ import annotations

import itertools

import sympy as sp

from . import structural as st
from .canonical import prove_equal
from .claim import Claim, Form, Instance, Model
from .integrals import prove_integral_equal


def probe_k(claim: Claim) -> int:
    """The one size at which a claim is read against the note or perturbed: 3 where it is checked at 3."""
    return 3 if 3 in claim.ks or not claim.ks else claim.ks[0]


def index_values(form: Form, model: Model, k: int) -> list[dict]:
    """Every assignment of the free indices at size k (each in 1..upper, ``distinct`` ones apart)."""
    names = sorted(form.indices, key=str)
    ranges = [range(1, int(sp.sympify(form.indices[n]).subs(model.size, k)) + 1) for n in names]
    out = []
    for combo in itertools.product(*ranges):
        values = dict(zip(names, combo))
        if all(values[a] != values[b] for a, b in form.distinct):
            out.append(values)
    return out


def at_values(claim: Claim, model: Model, k: int, values: dict) -> list:
    """The claim's pairs at size k for one assignment of its free indices (``values`` by index name;
    an index it does not name gets the first value of its range)."""
    form = claim.form()
    chosen = next((v for v in index_values(form, model, k)
                   if all(v[s] == values.get(str(s), v[s]) for s in v)), {})
    return [(_at(a, model, k, chosen), None if b is None else _at(b, model, k, chosen)) for a, b in form.pairs]


def _sized(expr, model: Model, k: int) -> sp.Basic:
    """``expr`` at size k, its free indices still symbolic (sums over the size expanded once)."""
    e = sp.sympify(expr)
    return st.instantiate(e, {model.size: k}) if e.has(model.size) else e


def _indexed(expr, model: Model, k: int, values: dict) -> sp.Basic:
    """A sized expression with its free indices set, in the concrete symbols."""
    fixed = {s: v for s, v in values.items() if expr.has(s)}
    return model.concrete(st.instantiate(expr, fixed) if fixed else expr, k)


def _at(expr, model: Model, k: int, values: dict) -> sp.Basic:
    return _indexed(_sized(expr, model, k), model, k, values)


def _where_at(form: Form, model: Model, k: int) -> dict:
    return {_at(a, model, k, {}): _at(b, model, k, {}) for a, b in form.where.items()}


def concrete(claim: Claim, model: Model, k: int) -> Instance:
    """The claim at size ``k``."""
    if claim.build is not None:
        return claim.build(k)
    form = claim.form()
    sized = [tuple(None if side is None else _sized(side, model, k) for side in pair) for pair in form.pairs]
    pairs = [tuple(None if side is None else _indexed(side, model, k, values) for side in pair)
             for values in index_values(form, model, k) for pair in sized]
    substitution = None
    if form.substitution is not None:
        substitution = tuple(_at(t, model, k, {}) for t in form.substitution)
    return Instance(pairs, form.sample or model.sampler(k), _where_at(form, model, k), substitution,
                    form.closed_forms)


def _numeric_values(form: Form, model: Model) -> dict:
    """The free indices at ``numeric_k`` for the numeric side of a symbolic-size claim: the middle
    assignment (deterministic, inside every range)."""
    combos = index_values(form, model, model.numeric_k)
    return combos[len(combos) // 2] if combos else {}


def symbolic(claim: Claim, model: Model) -> Instance:
    """The claim for symbolic size (or, for a form with no size, for its symbolic values)."""
    form = claim.form()
    if not form.sized:
        return Instance(list(form.pairs), form.sample, dict(form.where), form.substitution, form.closed_forms)
    k = model.numeric_k
    values = _numeric_values(form, model)
    where = _where_at(form, model, k)

    def numeric(expr):
        e = _at(expr, model, k, values)
        return e.xreplace(where) if where else e

    def prove(lhs, rhs):
        return prove_general(lhs, rhs, form)
    return Instance(list(form.pairs), form.sample or model.sampler(k), prove=prove, numeric=numeric,
                    numeric_k=k)


# ---------------------------------------------------------------- the prover for symbolic size

def _facts(expr, facts):
    for f in facts:
        expr = f(expr) if callable(f) else expr.xreplace(f)
    return expr


def prove_general(lhs, rhs, form: Form) -> tuple[bool | None, str]:
    """Normalise both sides by the structural rules, then a canonical form on what is left."""
    used: list[str] = []
    ranges = dict(form.indices)
    substitution = form.substitution
    closed = tuple(c for c in form.closed_forms if c != "sympy") or ("gamma",)
    try:
        sides, pre = [], []
        for side in (lhs, rhs):
            e = sp.sympify(side)
            if form.lemma is not None:
                e = form.lemma(e, used)
            e = _facts(e, form.facts)
            e = e.replace(lambda a: isinstance(a, sp.Derivative), lambda a: a.doit())
            e = st.normalise(e, used=used, ranges=ranges)
            e = _facts(e, form.facts)
            e = st.normalise(e, used=used, ranges=ranges)
            pre.append(e)
            if e.has(sp.Integral) and substitution is not None and e.has(substitution[0]):
                e = e.replace(lambda a: isinstance(a, sp.Integral) and a.has(substitution[0]),
                              lambda a: st.change_of_variables(a, *substitution))
                used.append("change_of_variables")
                e = st.normalise(e, used=used, ranges=ranges)
            if e.has(sp.Integral):
                e = st.normalise(e, rules=(st.GAMMA,), used=used, ranges=ranges)
            sides.append(e)
    except st.RuleFailed as exc:
        return None, f"structural rule failed its concrete check: {exc}"
    (a, b), _ = st.canonical_atoms(sp.Tuple(*sides))
    if a.has(sp.Sum, sp.Product) or b.has(sp.Sum, sp.Product):
        return None, "a Sum/Product over the integration variable was left"
    rules = ", ".join(dict.fromkeys(used)) or "none"
    if a.has(sp.Integral) or b.has(sp.Integral):
        ok, why = prove_integral_equal(a, b, None, closed)
        if not ok and substitution is not None:   # the integral check's own change of variables
            (a0, b0), _ = st.canonical_atoms(sp.Tuple(*pre))
            if not (a0.has(sp.Sum, sp.Product) or b0.has(sp.Sum, sp.Product)):
                ok, why = prove_integral_equal(a0, b0, substitution, closed)
    else:
        ok, why = prove_equal(a, b, last_resort=False)
        if not ok:
            ok, why = prove_equal(a, b, last_resort=True)
    if ok:
        return True, f"symbolic k: structural rules ({rules}); {why}"
    return None, f"symbolic k: after structural rules ({rules}): {why}"
