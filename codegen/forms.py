"""General-k forms of the verified densities, as SymPy expressions over indexed arrays.

The single source is the derivation's own general-k expressions: (J28) ``final_density()``,
eq. (8) ``eq8()``, Jang et al. (1) ``jang_sample(a)`` (here ``eq1``) and the second subject's
log-space density (5) ``log_density_x()`` (derive/exp_concrete), in the 1-based
``IndexedBase`` x, g, u, y, pi and the symbolic size k.  Each printed form is made from one of
them by mechanical steps:

1. the log, taken through products, powers and ``Product`` (:func:`log_of`);
2. log coordinates: pi_m = e^{x_m}, y_m^p = e^{p log y_m}, exponentials merged
   (:func:`log_coordinates`) -- :func:`log_final_density`, :func:`log_eq8`, :func:`log_eq1`;
3. the arrays of the code: the index m = 1..k becomes the category axis i = 0..k-1 and
   x_m, log y_m, ... become ``logits[i]``, ``log_y[i]``, ... (:func:`on_arrays`);
4. linear sums split, sum_i (a_i + c b_i) = sum_i a_i + c sum_i b_i (:func:`split_sums`);
5. a shift for stability: the pivot in the log-sum-exp of (J28) (:func:`pivot_lse`), or
   w -> w - max w in a form that does not change under it (eq. (8), (1));
6. for (J28), the terms with the factor tau gathered (:func:`gather_temperature`), and two careful
   variants for extreme parameters (:func:`careful`, :func:`log_ratios`).

The emitter prints these (``codegen.emit``); ``codegen.claims`` checks each of them,
instantiated at concrete k, equal to the verified expressions (J28), (8) and (1) instantiated
at the same k, so a wrong step above is refuted there.

Conventions: the category index ``i`` runs over 0..k-1 (the category axis of the arrays);
``IndexedBase`` objects are arrays with that axis; plain symbols (``tau``, ``k``) are
per-batch-row quantities.  Five markers carry what the algebra leaves open:

* ``RowMax(e)``: max_i e_i.  The identities hold for *every* real shift, so a claim
  replaces it by a free real symbol ``m``; the code uses the row maximum for stability.
* ``RowArgMax(e)``: a category j where e_j = max_i e_i (the pivot), and ``Take(f, j)``:
  f_j there.  The identities hold for *every* real value of each ``Take`` (they enter only
  through a shift, as m does), so a claim replaces each by its own free real symbol; the
  code takes the values at the row maximum, where the shifted exponents are <= 0.
* ``Last(f)``: f at the last category (log y_k of the log-space density (5)), exactly that.
* ``Exact(e)``: e itself.  It tells the printer to evaluate e in double-double arithmetic
  (about 106 bits), so that the large terms of the log-density that cancel
  (k tau log y_j against (tau+1) sum_i log y_i) do so without rounding.
"""
from __future__ import annotations

import sympy as sp

from derive.density import final_density
from derive.exp_concrete.claims import log_density_x  # note_copy.md (5): log p_X, x_i = log y_i
from derive.gumbel_shift import jang_sample as eq1  # Jang et al. (1)
from derive.marginal_u import eq8
from derive.model import PI, G, U, Vars, X, Y, at, tau

__all__ = ["PI", "G", "U", "X", "Y", "at", "eq1", "eq8", "final_density", "tau"]

K = sp.Symbol("k", integer=True, positive=True)
i = sp.Symbol("i", integer=True, nonnegative=True)
m = sp.Symbol("m", real=True)

y = sp.IndexedBase("y")            # (..., k) point on the open simplex
log_y = sp.IndexedBase("log_y")    # (..., k) log of that point
logits = sp.IndexedBase("logits")  # (..., k) unnormalised log pi
u = sp.IndexedBase("u")            # (..., k) u_1..u_{k-1} with u_k = 0 appended
gumbel = sp.IndexedBase("gumbel")  # (..., k) standard Gumbel draws


class RowMax(sp.Function):
    """max over the category axis of its (indexed) argument; a free shift for the claims."""


class RowArgMax(sp.Function):
    """The category at which its (indexed) argument is largest (the last of any ties)."""


class Take(sp.Function):
    """Take(f, j): the elementwise expression f at the pivot j (one value per batch row)."""


class Last(sp.Function):
    """Last(f): the elementwise expression f at the last category i = k-1 (one value per batch row)."""


class Exact(sp.Function):
    """Exact(e) = e, printed in double-double arithmetic (functions inside take a rounded argument)."""


def _sum(e: sp.Expr) -> sp.Sum:
    return sp.Sum(e, (i, 0, K - 1))


# ---------------------------------------------------------------- log space, general k (1-based)

def log_of(e: sp.Expr) -> sp.Expr:
    """log e, taken through products, powers and ``Product`` (every base is positive)."""
    return sp.expand_log(sp.log(e), force=True)


def log_coordinates(e: sp.Expr) -> sp.Expr:
    """pi_m = e^{x_m} (unnormalised logits, cg.logits), y_m^p = e^{p log y_m}, exponentials merged."""
    e = e.replace(lambda a: isinstance(a, sp.Indexed) and a.base == PI, lambda a: sp.exp(X[a.indices[0]]))
    e = e.replace(lambda a: a.is_Pow and isinstance(a.base, sp.Indexed) and a.base.base == Y,
                  lambda a: sp.exp(a.exp * sp.log(a.base)))
    return sp.powsimp(sp.expand_log(e, force=True), combine="exp", deep=True)


def log_final_density() -> sp.Expr:
    """log (J28) in logits x and log y (general k):
    log Gamma(k) + (k-1) log tau + sum_m (x_m - (tau+1) log y_m) - k log sum_m e^{x_m - tau log y_m}."""
    return log_coordinates(log_of(final_density()))


def log_eq8() -> sp.Expr:
    """log eq. (8): log Gamma(k) + sum_m (x_m - u_m) - k log sum_m e^{x_m - u_m}."""
    return log_coordinates(log_of(eq8()))


def log_eq1(a: sp.Expr) -> sp.Expr:
    """log of Jang et al. (1) at category a: w_a - log sum_m e^{w_m}, w_m = (x_m + g_m)/tau."""
    return log_coordinates(log_of(eq1(a)))


# ---------------------------------------------------------------- to the code's arrays

def on_arrays(e: sp.Expr, table, free: dict | None = None) -> sp.Expr:
    """Each ``Sum`` over m = 1..b becomes a sum over the category axis i = 0..b-1, its summand
    relabelled by ``table(m)`` (x_m -> logits[i], ...); ``free`` relabels the rest (a free index)."""
    def relabel(s):
        ((var, lo, hi),) = s.limits
        if lo != 1:
            raise ValueError(f"on_arrays: expected a sum from 1, got {s}")
        return sp.Sum(s.function.xreplace(table(var)), (i, 0, hi - 1))
    e = e.replace(lambda a: isinstance(a, sp.Sum), relabel)
    return e.xreplace(free) if free else e


def split_sums(e: sp.Expr) -> sp.Expr:
    """sum_i (a_i + c b_i) = sum_i a_i + c sum_i b_i for c free of i (its sign pulled out)."""
    def split(s):
        ((var, lo, hi),) = s.limits
        terms = []
        for t in sp.Add.make_args(s.function):
            c, f = t.as_independent(var, as_Add=False)
            terms.append(sp.factor_terms(c) * sp.Sum(f, (var, lo, hi)))
        return sp.Add(*terms)
    return e.replace(lambda a: isinstance(a, sp.Sum) and a.function.is_Add, split)


def _lse_exponent(e: sp.Expr) -> sp.Expr:
    """w of the one log-sum-exp term log sum_i e^{w_i} of ``e``."""
    (lse,) = [a for a in e.atoms(sp.log) if isinstance(a.args[0], sp.Sum)]
    summand = lse.args[0].function
    if not isinstance(summand, sp.exp):
        raise TypeError(f"not a log-sum-exp: {lse}")
    return summand.args[0]


def pivot_lse(e: sp.Expr, x: sp.Expr, log_point: sp.Expr) -> sp.Expr:
    """c log sum_i e^{w(x_i, l_i)} = c w(x_j, l_j) + c log sum_i e^{w(x_i - x_j, l_i - l_j)}, j the pivot
    argmax_i w_i (w is linear in x and l = log y)."""
    w = _lse_exponent(e)
    j = RowArgMax(w)
    xj, lj = Take(x, j), Take(log_point, j)

    def shift(term):
        c, lse = term.as_independent(sp.Sum, as_Add=False)
        if not (isinstance(lse, sp.log) and isinstance(lse.args[0], sp.Sum)):
            return term
        s = lse.args[0]
        shifted = sp.exp(w.xreplace({x: x - xj, log_point: log_point - lj}))
        return c * w.xreplace({x: xj, log_point: lj}) + c * sp.log(sp.Sum(shifted, *s.limits))
    return sp.Add(*[shift(t) for t in sp.Add.make_args(e)])


def shift_by_max(e: sp.Expr) -> sp.Expr:
    """w -> w - max w wherever the log-sum-exp exponent w occurs (for a form unchanged by it).

    For w = v / c (c free of the category index, positive) the numerator is shifted before the
    division, w -> (v - max v) / c: the same kind of shift (by max v / c), and a subnormal c then
    divides differences <= 0 (0 / c = 0), where v / c - max(v / c) would be inf - inf."""
    w = _lse_exponent(e)
    v, c = sp.fraction(w)
    if c != 1 and not c.has(i):
        return e.xreplace({w: (v - RowMax(v)) / c})
    return e.xreplace({w: w - RowMax(w)})


def gather_temperature(e: sp.Expr) -> sp.Expr:
    """The per-row terms multiplied out and those with the factor tau gathered:
    sum x - (tau+1) sum l - k (x_j - tau l_j) = (sum x - k x_j) + tau (k l_j - sum l) - sum l.
    Printed in double-double, k l_j - sum l cancels before the product with tau, so a large tau
    does not leave the O(tau |log y|) terms to cancel each other (the logs stay as they are)."""
    terms = [t if any(isinstance(f, sp.log) for f in sp.Mul.make_args(t))
             else sp.expand(t, deep=False, log=False, power_exp=False, power_base=False, multinomial=False)
             for t in sp.Add.make_args(e)]
    return sp.collect(sp.Add(*terms), tau)


def careful(e: sp.Expr, x: sp.Expr) -> sp.Expr:
    """For extreme parameters: the exponents about the pivot u_i = (x_i - x_j) - tau (l_i - l_j) in
    double-double (``Exact``), the terms linear in x and l but -sum_i l_i gathered into their sum
    sum_i u_i (sum_i x_i - k x_j + tau (k l_j - sum_i l_i)), which cancels x_j, l_j term by term however
    large they are, and c log sum_i e^{u_i} = c M + c log sum_i e^{u_i - M}, M = max_i u_i (any real M:
    a pivot taken from rounded z need not be the max)."""
    (lse,) = [a for a in e.atoms(sp.log) if isinstance(a.args[0], sp.Sum)]
    s = lse.args[0]
    u = Exact(s.function.args[0])
    linear = [t for t in sp.Add.make_args(e) if t == _sum(x) or (t.has(Take) and not t.has(lse))]
    rest = sp.Add(*[t for t in sp.Add.make_args(e) if t not in linear])
    return rest.xreplace({lse: RowMax(u) + sp.log(sp.Sum(sp.exp(u - RowMax(u)), *s.limits))}) + sp.Sum(u, *s.limits)


def log_ratios(e: sp.Expr) -> sp.Expr:
    """log y_i - log y_j = log(y_i / y_j) about the pivot j (positive y): printed as a log-ratio of a
    few ulp of itself, where the difference of rounded logs is off by ulp(log y) (times tau)."""
    (take,) = {t for t in e.atoms(Take) if t.args[0] == sp.log(y[i])}
    ratio = sp.log(y[i] / Take(y[i], take.args[1]))
    return e.replace(lambda a: a.is_Add and set(sp.Add.make_args(a)) == {sp.log(y[i]), -take}, lambda a: ratio)


def _pivot_log_density(x: sp.Expr, log_point: sp.Expr) -> sp.Expr:
    """(J28) in log space about the pivot j = argmax_i z_i, z_i = x_i - tau log y_i:

    log Gamma(k) + (k-1) log tau + (sum_i x_i - k x_j) + tau (k log y_j - sum_i log y_i) - sum_i log y_i
    - k log sum_i exp((x_i - x_j) - tau (log y_i - log y_j)).

    Made from ``final_density()`` (J28): :func:`log_final_density`, :func:`on_arrays`,
    :func:`split_sums`, :func:`pivot_lse`, :func:`gather_temperature`; checked against (J28) by cg.log_prob and
    cg.log_prob_from_log.  The per-row combination is double-double, so the O(k tau |log y_j|)
    terms cancel exactly; the exponents are float64 (their errors are weighted by
    e^{z_i - z_j} <= 1).
    """
    e = on_arrays(log_final_density(), lambda n: {X[n]: x, sp.log(Y[n]): log_point})
    return Exact(gather_temperature(pivot_lse(split_sums(e), x, log_point)))


def _log_space_density() -> sp.Expr:
    """log p_X(x), x_i = log y_i, w.r.t. Lebesgue measure on (x_1, .., x_{k-1}), about the pivot j:

    log Gamma(k) + (k-1) log tau + (sum_i x_i - k x_j) + tau (k l_j - sum_i l_i) - l_k
    - k log sum_i exp((x_i - x_j) - tau (l_i - l_j)),   l_i = log y_i, x_i the logits.

    Made from ``log_density_x()``, eq. (5) of the second subject (derive/exp_concrete, verified there:
    (J28) times the Jacobian prod_{i<k} e^{l_i}): pi_m = e^{x_m} (unnormalised logits), the chart's
    x_m -> log_y[i] and its x_k -> ``Last(log_y[i])`` (:func:`on_arrays`), the logs of the exponentials
    taken, then as (J28) (:func:`split_sums`, :func:`pivot_lse`, :func:`gather_temperature`).  The
    -(tau+1) sum l_i + sum_{i<k} l_i of (J28) times the Jacobian is already -tau sum l_i - l_k in (5): no
    cancellation is left to the code.  Checked against (5) by cg.log_prob_exp."""
    e = on_arrays(log_density_x(), lambda n: {PI[n]: sp.exp(logits[i]), X[n]: log_y[i]},
                  free={X[K]: Last(log_y[i])})
    e = sp.powsimp(sp.expand_log(e, force=True), combine="exp", deep=True)
    return Exact(gather_temperature(pivot_lse(split_sums(e), logits[i], log_y[i])))


def _shifted_log_density() -> sp.Expr:
    """log Gamma(k) + sum_i (z_i - M) - k log sum_i exp(z_i - M), z_i = x_i - u_i, M = max_i z_i:
    ``eq8()`` (8) by :func:`log_eq8`, :func:`on_arrays`, :func:`shift_by_max` (p(u) is unchanged by
    z -> z - M: the k M of the sum and of the log-sum-exp cancel); checked by cg.log_prob_u.
    Combined in double-double like (J28)."""
    e = on_arrays(log_eq8(), lambda n: {X[n]: logits[i], U[n]: u[i]})
    return Exact(shift_by_max(e))


def _sample_log() -> sp.Expr:
    """log y_i = (v_i - max v)/tau - log sum_j exp((v_j - max v)/tau), v = x + g: ``eq1(a)`` (1) by
    :func:`log_eq1`, :func:`on_arrays` (a -> i), :func:`shift_by_max`; checked by cg.sample_log."""
    a = sp.Symbol("a", integer=True, positive=True)
    e = on_arrays(log_eq1(a), lambda n: {X[n]: logits[i], G[n]: gumbel[i]},
                  free={X[a]: logits[i], G[a]: gumbel[i]})
    return shift_by_max(e)


#: log p(y) of (J28), from y, as printed.
LOG_PROB = _pivot_log_density(logits[i], sp.log(y[i]))
#: the same density from log y (exact where y underflows).
LOG_PROB_FROM_LOG = _pivot_log_density(logits[i], log_y[i])
#: log p_X(log y) of the second subject's (5), w.r.t. Lebesgue measure on (log y_1, .., log y_{k-1})
LOG_PROB_EXP = _log_space_density()
#: log p(u) of eq. (8): z_i = x_i - u_i, u_k = 0.
LOG_PROB_U = _shifted_log_density()
#: log y_i of Jang et al. (1): (v_i - max v)/tau - log sum_j exp((v_j - max v)/tau), v = x + g.
SAMPLE_LOG = _sample_log()
#: the careful variants of (J28), for extreme parameters (the template picks them per row): the
#: exponents in double-double, their sum for the linear terms, shifted by their max ...
LOG_PROB_FROM_LOG_CAREFUL = Exact(careful(LOG_PROB_FROM_LOG.args[0], logits[i]))
LOG_PROB_CAREFUL = Exact(careful(LOG_PROB.args[0], logits[i]))
LOG_PROB_EXP_CAREFUL = Exact(careful(LOG_PROB_EXP.args[0], logits[i]))
#: ... and from y at a large tau, with log(y_i / y_j) for log y_i - log y_j
LOG_PROB_RATIO = Exact(log_ratios(LOG_PROB_CAREFUL.args[0]))

#: name -> general expression
FORMS = {
    "log_prob": LOG_PROB,
    "log_prob_from_log": LOG_PROB_FROM_LOG,
    "log_prob_u": LOG_PROB_U,
    "sample_log": SAMPLE_LOG,
    "log_prob_careful": LOG_PROB_CAREFUL,
    "log_prob_from_log_careful": LOG_PROB_FROM_LOG_CAREFUL,
    "log_prob_ratio": LOG_PROB_RATIO,
    "log_prob_exp": LOG_PROB_EXP,
    "log_prob_exp_careful": LOG_PROB_EXP_CAREFUL,
}


def pivot_symbol(take: Take) -> sp.Symbol:
    """The free value that a claim puts for ``take``: ``p_logits``, ``p_log_y`` (also for log y_j), and
    ``p_y`` (positive) for y_j itself."""
    if take.args[0] == y[i]:
        return sp.Symbol("p_y", positive=True)
    (base,) = {a.base for a in take.args[0].atoms(sp.Indexed)}
    name = "log_y" if base == y else str(base)
    return sp.Symbol(f"p_{name}", real=True)


def instantiate(expr: sp.Expr, s: Vars, arrays: dict, index: int | None = None) -> sp.Expr:
    """``expr`` at k = s.k: markers removed, sums expanded, ``base[j]`` -> ``arrays[base][j]``.

    ``Last(f)`` becomes f at i = k-1, ``RowMax(...)`` the free shift ``m``, each ``Take(...)`` its free real
    (:func:`pivot_symbol`), ``Exact(e)`` is e.  ``index`` fixes the free category index of
    an elementwise form (the sampler).
    """
    e = expr.replace(lambda a: isinstance(a, Last), lambda a: a.args[0].xreplace({i: K - 1}))
    e = e.replace(lambda a: isinstance(a, RowMax), lambda a: m)
    e = e.replace(lambda a: isinstance(a, Take), pivot_symbol)
    e = e.replace(lambda a: isinstance(a, Exact), lambda a: a.args[0])
    e = e.subs(K, s.k)
    if index is not None:
        e = e.subs(i, index)
    e = e.doit()
    return e.replace(lambda a: isinstance(a, sp.Indexed), lambda a: arrays[a.base][int(a.indices[0])])
