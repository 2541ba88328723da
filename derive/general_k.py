"""Every claim of (1)-(15) and J24-J28 for a symbolic size k (k a positive integer, k >= 2).

The general forms use indexed symbols (``IndexedBase`` with the note's assumptions),
``Sum`` / ``Product`` with symbolic bounds and free indices i, j (1 <= i, j <= k - 1
unless a claim says otherwise).  A general claim is proved by the structural rules of
``checks.structural`` (each application checked for sizes 1..6), then a canonical form
(``checks.canonical`` / ``checks.integrals``) on what is left; the determinant (J25)
rests on ``checks.determinant_lemma``.  Its numeric cross-check instantiates the
general form at a concrete k (``NUMERIC_K``), so a refutation names that k.

Each general claim has id "<concrete id>.general", the same equation and printed text
as the concrete claim, ``ks=()`` and a ``general`` builder.  ``cross_check`` compares
the general form at k = 2..8 with the concrete claim's own sides.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from checks import determinant_lemma as lemma_mod
from checks import structural as st
from checks.canonical import prove_equal
from checks.claim import Claim, Instance
from checks.integrals import prove_integral_equal

from . import density, gumbel_shift, jacobian, marginal_u, softmax_map
from .symbols import symbols_for, tau, v

K = st.K
X = sp.IndexedBase("x", real=True)
G = sp.IndexedBase("g", real=True)
U = sp.IndexedBase("u", real=True)
Y = sp.IndexedBase("y", positive=True)
PI = sp.IndexedBase("pi", positive=True)
i, j, m, L = sp.symbols("i j m l", integer=True, positive=True)
GK = sp.Symbol("g_k", real=True)        # the integration variable g_k of eqs. (4), (5)
T = sp.Symbol("t", real=True)           # the integration variable of text4.mean

NUMERIC_K = 4                           # the concrete k of the numeric cross-check
INDEX_VALUES = {i: 2, j: 1}             # free indices at NUMERIC_K (i != j: eq. (15))


@dataclass(frozen=True)
class GeneralInstance(Instance):
    """A general-k instance: its own prover, and a map to a concrete k for the numeric check."""
    prove: Callable | None = None
    concrete: Callable | None = None
    numeric_k: int | None = None


@dataclass(frozen=True)
class GeneralClaim(Claim):
    #: a lemma the proof rests on (reported as "verified (by lemma: ...)")
    lemma: str | None = None
    #: the concrete claim this is the general form of
    concrete_id: str | None = None


# ---------------------------------------------------------------- instantiation

def _indexed_map(s, e: sp.Indexed):
    n = int(e.indices[0])
    table = {X: s.x, G: s.g, U: s.u, Y: s.y, PI: s.pi}
    return table[e.base][n - 1]


def to_concrete(expr: sp.Basic, k: int, indices: dict | None = None) -> sp.Basic:
    """The general form at size ``k`` in the concrete claims' symbols (x_1.., u_k = 0)."""
    s = symbols_for(k)
    values = {K: k, **(indices if indices is not None else INDEX_VALUES)}
    values = {sym: val for sym, val in values.items() if sp.sympify(expr).has(sym)}  # i, j are never bound
    e = st.instantiate(expr, values)
    e = e.replace(lambda a: isinstance(a, sp.Indexed) and a.indices[0].is_Integer,
                  lambda a: _indexed_map(s, a))
    return e.xreplace({GK: s.g[-1]})


# ---------------------------------------------------------------- the prover

def _facts(expr, facts):
    for f in facts:
        expr = f(expr) if callable(f) else expr.xreplace(f)
    return expr


def prove_general(lhs, rhs, facts=(), substitution=None, index_range=None, lemma=None, closed=("gamma",)):
    """Normalise both sides by the structural rules, then a canonical form on what is left."""
    used: list[str] = []
    st.INDEX_RANGE.clear()
    st.INDEX_RANGE.update(index_range or {})
    try:
        sides, pre = [], []
        for side in (lhs, rhs):
            e = sp.sympify(side)
            if lemma is not None:
                e = lemma(e, used)
            e = _facts(e, facts)
            e = e.replace(lambda a: isinstance(a, sp.Derivative), lambda a: a.doit())
            e = st.normalise(e, used=used)
            e = _facts(e, facts)
            e = st.normalise(e, used=used)
            pre.append(e)
            if e.has(sp.Integral) and substitution is not None and e.has(substitution[0]):
                e = e.replace(lambda a: isinstance(a, sp.Integral) and a.has(substitution[0]),
                              lambda a: st.change_of_variables(a, *substitution))
                used.append("change_of_variables")
                e = st.normalise(e, used=used)
            if e.has(sp.Integral):
                new = st.normalise(e, rules=(st.GAMMA,), used=used)
                e = new
            sides.append(e)
    except st.RuleFailed as exc:
        return None, f"structural rule failed its concrete check: {exc}"
    finally:
        st.INDEX_RANGE.clear()
    pair, _ = st.canonical_atoms(sp.Tuple(*sides))
    a, b = pair
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


def _instance(pairs, facts=(), substitution=None, index_range=None, lemma=None, where=None, indices=None,
              closed=("gamma",)):
    """A general instance; ``where`` (a function of the concrete Vars) is the numeric side's constraint."""
    s = symbols_for(NUMERIC_K)

    def concrete(expr):
        e = to_concrete(expr, NUMERIC_K, indices)
        return e.xreplace(where(s)) if where else e

    def prove(lhs, rhs):
        return prove_general(lhs, rhs, facts, substitution, index_range, lemma, closed)
    return GeneralInstance(pairs=list(pairs), sample=s.sample, prove=prove, concrete=concrete,
                           numeric_k=NUMERIC_K)


# ---------------------------------------------------------------- the note's expressions, general k

def S(f, idx=m, lo=1, hi=K):
    return sp.Sum(f(idx), (idx, lo, hi))


def P(f, idx=m, lo=1, hi=K):
    return sp.Product(f(idx), (idx, lo, hi))


def gumbel(z):
    return sp.exp(-(z + sp.exp(-z)))


def eq1(a):
    return sp.exp((sp.log(PI[a]) + G[a]) / tau) / S(lambda b: sp.exp((sp.log(PI[b]) + G[b]) / tau))


def eq2(a):
    return sp.exp((X[a] + G[a]) / tau) / S(lambda b: sp.exp((X[b] + G[b]) / tau))


def eq3(a):
    sh = X[K] + G[K]
    return sp.exp((X[a] + G[a] - sh) / tau) / S(lambda b: sp.exp((X[b] + G[b] - sh) / tau))


def pi_is_exp_x(e):
    return e.replace(lambda a: isinstance(a, sp.Indexed) and a.base == PI, lambda a: sp.exp(X[a.indices[0]]))


U_LAST = {U[K]: sp.Integer(0)}


def x_from_u(e):
    """x_m = u_m - g_m + x_k + g_k for every m (for m = k it is x_k, as u_k = 0)."""
    return e.xreplace({X[K]: sp.Symbol("_xk", real=True)}).replace(
        lambda a: isinstance(a, sp.Indexed) and a.base == X,
        lambda a: U[a.indices[0]] - G[a.indices[0]] + X[K] + G[K]).xreplace(
        {sp.Symbol("_xk", real=True): U[K] - G[K] + X[K] + G[K]})


def _c(a):
    return sp.exp(X[a] - U[a] - X[K])


def printed_cond(a, gk=GK):
    z = U[a] - X[a] + (X[K] + gk)
    return sp.exp(-(z + sp.exp(-z)))


def eq4_line3():
    return sp.Integral(sp.exp(-GK - sp.exp(-GK)) * P(lambda a: sp.exp(X[a] - U[a] - X[K] - GK
                                                                     - sp.exp(X[a] - U[a] - X[K] - GK)), hi=K - 1),
                       (GK, -sp.oo, sp.oo))


def model_marginal():
    return sp.Integral(gumbel(GK) * P(lambda a: gumbel(U[a] - X[a] + X[K] + GK), hi=K - 1), (GK, -sp.oo, sp.oo))


def conditional_joint():
    return sp.Integral(P(printed_cond, hi=K - 1) * gumbel(GK), (GK, -sp.oo, sp.oo))


def conditional_product():
    return sp.Integral(gumbel(GK) * P(printed_cond, hi=K - 1), (GK, -sp.oo, sp.oo))


def eq5_line1(lower=-sp.oo, upper=0):
    prod = P(lambda a: v * sp.exp(X[a] - U[a] - X[K] - v * _c(a)), hi=K - 1)
    return sp.Integral(-sp.exp(-v) * prod, (v, lower, upper))


def eq5_line2():
    inner = sp.exp(-v) * v ** (K - 1) * P(lambda a: sp.exp(-v * _c(a)), hi=K - 1)
    return P(_c, hi=K - 1) * sp.Integral(inner, (v, 0, sp.oo))


def _bracket():
    return 1 + sp.exp(-X[K]) * S(lambda a: sp.exp(X[a] - U[a]), hi=K - 1)


def _prod_e():
    return P(lambda a: sp.exp(X[a] - U[a]), hi=K - 1)


def _sum_e():
    return S(lambda a: sp.exp(X[a] - U[a]), hi=K - 1)


def eq5_line3():
    integral = sp.Integral(v ** (K - 1) * sp.exp(-v * _bracket()), (v, 0, sp.oo))
    return sp.exp(-(K - 1) * X[K]) * _prod_e() * integral


def eq7_line2():
    return sp.exp(-K * X[K]) * sp.exp(X[K]) * _prod_e() * _bracket() ** (-K) * sp.gamma(K)


def eq7_line3():
    return sp.exp(X[K]) * _prod_e() * (sp.exp(X[K]) + _sum_e()) ** (-K) * sp.gamma(K)


def eq7_line4():
    return sp.exp(X[K] + S(lambda a: X[a] - U[a], hi=K - 1)) * (sp.exp(X[K]) + _sum_e()) ** (-K) * sp.gamma(K)


def eq8():
    return sp.gamma(K) * P(lambda a: sp.exp(X[a] - U[a])) * S(lambda a: sp.exp(X[a] - U[a])) ** (-K)


def _den_u():
    return 1 + S(lambda b: sp.exp(U[b] / tau), hi=K - 1)


def h(a):
    return sp.exp(U[a] / tau) / _den_u()


def y_last_u():
    return 1 / _den_u()


def y_last():
    """y_k = 1 - sum_{j<k} y_j (eq. (11))."""
    return 1 - S(lambda b: Y[b], hi=K - 1)


def h_inverse(a, last=None):
    return tau * (sp.log(Y[a]) - sp.log(y_last() if last is None else last))


def on_graph(e):
    """y = h(u): y_m = h_m(u) for m < k, y_k = 1/(1 + sum)."""
    e = e.xreplace({Y[K]: y_last_u()})
    return e.replace(lambda a: isinstance(a, sp.Indexed) and a.base == Y and a.indices[0] != K,
                     lambda a: h(a.indices[0]))


ON_SIMPLEX = {Y[K]: y_last()}


def j_entry(a, b):
    """(J24): tau (delta_ab / y_a + 1 / y_k), y_k free."""
    return tau * (sp.KroneckerDelta(a, b) / Y[a] + 1 / Y[K])


def jacobian_det():
    """det of the (k-1) x (k-1) matrix (J24), symbolic size (FunctionMatrix, 0-based)."""
    r, c = sp.symbols("r c", integer=True, nonnegative=True)
    return sp.Determinant(sp.FunctionMatrix(K - 1, K - 1, sp.Lambda((r, c), j_entry(r + 1, c + 1))))


def lemma_form():
    return tau ** (K - 1) * P(lambda a: 1 / Y[a], hi=K - 1) * (1 + S(lambda a: Y[a], hi=K - 1) / Y[K])


def j25():
    return tau ** (K - 1) * (1 + (1 - Y[K]) / Y[K]) * P(lambda a: 1 / Y[a], hi=K - 1)


def j26():
    return tau ** (K - 1) * P(lambda a: 1 / Y[a])


def u_of_y(e):
    """u_m = tau (log y_m - log y_k) for every m (also m = k, where it gives u_k = 0)."""
    return e.replace(lambda a: isinstance(a, sp.Indexed) and a.base == U,
                     lambda a: tau * (sp.log(Y[a.indices[0]]) - sp.log(Y[K])))


def x_of_pi(e):
    return e.replace(lambda a: isinstance(a, sp.Indexed) and a.base == X, lambda a: sp.log(PI[a.indices[0]]))


def j27():
    return sp.gamma(K) * P(lambda a: PI[a] * Y[a] ** (-tau)) * S(lambda a: PI[a] * Y[a] ** (-tau)) ** (-K)


def final_density():
    return (sp.gamma(K) * tau ** (K - 1) * S(lambda a: PI[a] * Y[a] ** (-tau)) ** (-K)
            * P(lambda a: PI[a] * Y[a] ** (-tau - 1)))


# ---------------------------------------------------------------- the lemma step (J25)

def _by_lemma(expr, used):
    """Replace det of the symbolic-size matrix (J24) by the determinant lemma's right side."""
    def rewrite(det):
        fm = det.arg
        r, c = fm.lamda.variables
        a, b = sp.symbols("a b", integer=True, positive=True)
        entry = fm.lamda.expr.xreplace({r: a - 1, c: b - 1})
        out = lemma_mod.apply(entry, a, b, fm.shape[0])
        if out is None:
            raise st.RuleFailed("the matrix is not of the form diag(d) + c 11^T")
        used.append("determinant lemma")
        return out
    return expr.replace(lambda e: isinstance(e, sp.Determinant), rewrite)


LEMMA = lemma_mod.NAME + " (proved by elimination for every n; concrete n = 1..12)"


# ---------------------------------------------------------------- the claims

def _pair(lhs, rhs, **kw):
    return lambda: _instance([(lhs, rhs)], **kw)


def _lazy(f, **kw):
    return lambda: _instance(f(), **kw)


_RANGE_I = {i: K - 1}
_RANGE_J = {j: K - 1}
_RANGE_IK = {i: K}

#: id of the concrete claim -> (builder of the general instance, lemma or None)
FORMS: dict[str, tuple[Callable[[], Instance], str | None]] = {
    "eq1.definition": (lambda: _instance([(eq1(i), eq1(i))], indices={i: 2}), None),
    "eq1.simplex": (lambda: _instance([(S(lambda a: eq1(a), idx=L), sp.Integer(1))]), None),
    "eq2.log_pi": (lambda: _instance([(eq1(i), eq2(i))], facts=(pi_is_exp_x,),
                                     where=lambda s: gumbel_shift.log_pi_is_x(s)), None),
    "eq3.divide": (lambda: _instance([(eq2(i), eq3(i))]), None),
    "text4.g_i": (lambda: _instance([(G[i], (U[i] - X[i] + (X[K] + G[K])).xreplace(
        {U[i]: X[i] + G[i] - (X[K] + G[K])}))]), None),
    "text4.conditional_density": (lambda: _instance([(
        gumbel(U[i] - X[i] + X[K] + G[K]) * sp.Abs(sp.diff(U[i] - X[i] + X[K] + G[K], U[i])),
        printed_cond(i, G[K]))]), None),
    "eq4.1": (lambda: _instance([(model_marginal(), conditional_joint())]), None),
    "eq4.2": (lambda: _instance([(conditional_joint(), conditional_product())]), None),
    "eq4.3": (lambda: _instance([(conditional_product(), eq4_line3())]), None),
    "eq5.1": (lambda: _instance([(eq4_line3(), eq5_line1())], substitution=(sp.exp(-GK), v)), None),
    "eq5.1.corrected": (lambda: _instance([(eq4_line3(), eq5_line1(sp.oo, 0))], substitution=(sp.exp(-GK), v)),
                        None),
    "eq5.2": (lambda: _instance([(eq5_line1(), eq5_line2())]), None),
    "eq5.2.corrected": (lambda: _instance([(eq5_line1(sp.oo, 0), eq5_line2())]), None),
    "eq5.3": (lambda: _instance([(eq5_line2(), eq5_line3())]), None),
    "eq7.1": (lambda: _instance([(eq5_line3(), eq5_line3())]), None),
    "eq7.2": (lambda: _instance([(eq5_line3(), eq7_line2())]), None),
    "eq7.3": (lambda: _instance([(eq7_line2(), eq7_line3())]), None),
    "eq7.4": (lambda: _instance([(eq7_line3(), eq7_line4())]), None),
    "eq8": (lambda: _instance([(eq7_line4(), eq8())], facts=(U_LAST,)), None),
    "eq9": (lambda: _instance([(x_from_u(eq3(i)), h(i))], facts=(U_LAST,)), None),
    "eq10": (lambda: _instance([(x_from_u(eq2(i)), h(i))], facts=(U_LAST,)), None),
    "eq11.1": (lambda: _instance([(x_from_u(eq3(K)), y_last_u())], facts=(U_LAST,)), None),
    "eq11.2": (lambda: _instance([(y_last_u(), 1 - S(h, hi=K - 1))]), None),
    "eq13.1": (lambda: _instance([(on_graph(Y[i]), on_graph(sp.exp(U[i] / tau) / _den_u()))]), None),
    "eq13.2": (lambda: _instance([(on_graph(Y[i]), on_graph(Y[K] * sp.exp(U[i] / tau)))]), None),
    "eq13.3": (lambda: _instance([(on_graph(sp.log(Y[i])), on_graph(sp.log(Y[K]) + U[i] / tau))]), None),
    "eq13.4": (lambda: _instance([(on_graph(U[i]), on_graph(tau * (sp.log(Y[i]) - sp.log(Y[K]))))]), None),
    "eq13.5": (lambda: _instance([(tau * (sp.log(Y[i]) - sp.log(Y[K])), h_inverse(i))], facts=(ON_SIMPLEX,),
                                 where=lambda s: s.on_simplex), None),
    "eq13.both_ways": (lambda: _instance([
        (h(i).xreplace({U[i]: h_inverse(i)}).replace(
            lambda a: isinstance(a, sp.Indexed) and a.base == U, lambda a: h_inverse(a.indices[0])), Y[i]),
        (tau * (sp.log(h(i)) - sp.log(1 - S(h, hi=K - 1))), U[i])]), None),
    "eq14.1": (lambda: _instance([(sp.Derivative(h_inverse(i), Y[i]),
                                   tau * (1 / Y[i] - sp.Derivative(y_last(), Y[i]) / y_last()))],
                                 index_range=_RANGE_I), None),
    "eq14.2": (lambda: _instance([(tau * (1 / Y[i] - sp.Derivative(y_last(), Y[i]) / y_last()),
                                   tau * (1 / Y[i] + 1 / y_last()))], index_range=_RANGE_I), None),
    "eq15.1": (lambda: _instance([(sp.Derivative(h_inverse(i), Y[j]),
                                   tau * (-sp.Derivative(y_last(), Y[j]) / y_last()))],
                                 facts=({sp.KroneckerDelta(i, j): 0},), index_range={**_RANGE_I, **_RANGE_J}),
               None),
    "eq15.2": (lambda: _instance([(tau * (-sp.Derivative(y_last(), Y[j]) / y_last()), tau / y_last())],
                                 index_range=_RANGE_J), None),
    "J24": (lambda: _instance([(sp.Derivative(h_inverse(i), Y[j]), j_entry(i, j).xreplace(ON_SIMPLEX))],
                              index_range={**_RANGE_I, **_RANGE_J}), None),
    "J25.1": (lambda: _instance([(jacobian_det(), lemma_form())], lemma=_by_lemma), LEMMA),
    "J25.2": (lambda: _instance([(lemma_form(), j25())], facts=(ON_SIMPLEX,), where=lambda s: s.on_simplex), None),
    "J26": (lambda: _instance([(j25(), j26())]), None),
    "eq12.abs": (lambda: _instance([(sp.Abs(jacobian_det()), jacobian_det())], lemma=_by_lemma), LEMMA),
    "J27": (lambda: _instance([(x_of_pi(u_of_y(eq8())), j27())]), None),
    "J28": (lambda: _instance([(j27() * j26(), final_density())]), None),
}

_CONCRETE = {c.id: c for c in [*gumbel_shift.CLAIMS, *marginal_u.CLAIMS, *softmax_map.CLAIMS,
                               *jacobian.CLAIMS, *density.CLAIMS]}
for _c0 in list(_CONCRETE.values()):
    if _c0.correction is not None:
        _CONCRETE[_c0.correction.id] = _c0.correction


def general_claim(concrete_id: str) -> GeneralClaim:
    c = _CONCRETE[concrete_id]
    builder, lemma = FORMS[concrete_id]
    correction = None
    if c.correction is not None and c.correction.id in FORMS:
        correction = general_claim(c.correction.id)
    return GeneralClaim(f"{c.id}.general", c.equation, c.rule, c.statement + " (for symbolic k)", c.printed,
                        build=None, source=c.source, ks=(), general=builder, correction=correction,
                        lemma=lemma, concrete_id=c.id)


#: claims of the note with no general form here, and why
NOT_GENERAL = {
    "text4.mean": "a statement about one Gumbel variable (the mean of u_i | g_k), independent of k",
    "text5.dv": "a one-variable derivative, independent of k (decided at k = 2)",
    "text5.dg": "a one-variable derivative, independent of k (decided at k = 2)",
    "eq12": "the CDF argument is made for k = 2 (a one-dimensional density)",
}

CLAIMS = [general_claim(cid) for cid in FORMS if not cid.endswith(".corrected")]


def _general_pairs(inst, k: int, concrete_id: str, hi_i: int) -> list:
    free = sorted({t for lhs, rhs in inst.pairs for t in sp.Tuple(lhs, rhs).atoms(sp.Symbol) if t in (i, j)},
                  key=str)
    out = []
    for lhs, rhs in inst.pairs:
        combos = [{}]
        for idx in free:
            hi = hi_i if idx == i else k - 1
            combos = [{**cmb, idx: n} for cmb in combos for n in range(1, hi + 1)]
        if i in free and j in free and concrete_id.startswith("eq15"):
            combos = [cmb for cmb in combos if cmb[i] != cmb[j]]
        out += [(to_concrete(lhs, k, cmb), to_concrete(rhs, k, cmb)) for cmb in combos]
    return out


def _values(pairs, where, point):
    from checks.numeric import Pair
    vals = []
    for a, b in pairs:
        a, b = (sp.sympify(t).xreplace(where) for t in (a, b))
        a, b = (t.replace(lambda e: isinstance(e, sp.Derivative), lambda e: e.doit()) for t in (a, b))
        cmp = Pair(a, b).compare(point, 20)
        vals.append((complex(cmp.lhs), complex(cmp.rhs)))
    key = (lambda z: (z.real, z.imag))
    return sorted((x[0] for x in vals), key=key), sorted((x[1] for x in vals), key=key)


def cross_check(concrete_id: str, ks=range(2, 9), points: int = 2, seed: int = 0) -> list[str]:
    """The general form at each k against the concrete claim's sides; returns the disagreements.

    The general pairs, instantiated at k (each free index over its range: i up to k - 1,
    or up to k where the concrete claim has a pair for every i), must agree numerically,
    left sides with left sides and right with right, with the concrete claim's pairs at k."""
    import numpy as np
    concrete = _CONCRETE[concrete_id]
    inst = FORMS[concrete_id][0]()
    rng = np.random.default_rng(seed)
    bad = []
    for k in ks:
        if concrete.ks and k not in concrete.ks:
            continue
        c_inst = concrete.build(k)
        general = _general_pairs(inst, k, concrete_id, k - 1)
        if len(general) != len(c_inst.pairs):
            general = _general_pairs(inst, k, concrete_id, k)
        # a general form free of an index the concrete claim repeats over (eq. (15): per i, j != i)
        repeated = len(general) != len(c_inst.pairs)
        if repeated and not c_inst.pairs:
            continue   # no pair at this k (eq. (15) at k = 2: no j != i)
        for _ in range(points):
            point = c_inst.sample(rng)
            g_vals = _values(general, c_inst.where, point)
            c_vals = _values(c_inst.pairs, c_inst.where, point)
            if repeated:   # compare the sets of values
                g_vals, c_vals = ([sorted({complex(round(z.real, 12), round(z.imag, 12)) for z in side},
                                         key=lambda z: (z.real, z.imag)) for side in vals]
                                  for vals in (g_vals, c_vals))
            for side, gv, cv in zip(("left", "right"), g_vals, c_vals):
                if any(abs(p - q) > 1e-9 * max(1, abs(p)) for p, q in zip(gv, cv)):
                    bad.append(f"k={k}: {side} sides differ: general {gv[:2]} vs concrete {cv[:2]}")
    return bad


#: the general claim of each concrete claim id
BY_CONCRETE = {c.concrete_id: c for c in CLAIMS}


if __name__ == "__main__":   # python -m derive.general_k: the cross-check of every general form, k = 2..8
    import time
    failed = 0
    for _cid in FORMS:
        _t = time.perf_counter()
        _bad = cross_check(_cid, points=1)
        failed += bool(_bad)
        print(f"{_cid:26s} {'agrees for k = 2..8' if not _bad else _bad[:2]} ({time.perf_counter() - _t:.1f} s)")
    raise SystemExit(1 if failed else 0)
