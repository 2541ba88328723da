"""General-k forms of the verified densities, as SymPy expressions over indexed arrays.

The emitter prints these (``codegen.emit``); ``codegen.claims`` checks each of them,
instantiated at concrete k, equal to the verified expressions (J28) and (8).

Conventions: the category index ``i`` runs over 0..k-1 (the category axis of the arrays);
``IndexedBase`` objects are arrays with that axis; plain symbols (``tau``, ``k``) are
per-batch-row quantities.  Four markers carry what the algebra leaves open:

* ``RowMax(e)``: max_i e_i.  The identities hold for *every* real shift, so a claim
  replaces it by a free real symbol ``m``; the code uses the row maximum for stability.
* ``RowArgMax(e)``: a category j where e_j = max_i e_i (the pivot), and ``Take(f, j)``:
  f_j there.  The identities hold for *every* real value of each ``Take`` (they enter only
  through a shift, as m does), so a claim replaces each by its own free real symbol; the
  code takes the values at the row maximum, where the shifted exponents are <= 0.
* ``Exact(e)``: e itself.  It tells the printer to evaluate e in double-double arithmetic
  (about 106 bits), so that the large terms of the log-density that cancel
  (k tau log y_j against (tau+1) sum_i log y_i) do so without rounding.
"""
from __future__ import annotations

import sympy as sp

from derive.symbols import Vars, tau

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


class Exact(sp.Function):
    """Exact(e) = e, printed in double-double arithmetic (functions inside take a rounded argument)."""


def _sum(e: sp.Expr) -> sp.Sum:
    return sp.Sum(e, (i, 0, K - 1))


def _pivot_log_density(x: sp.Expr, log_point: sp.Expr) -> sp.Expr:
    """(J28) in log space about the pivot j = argmax_i z_i, z_i = x_i - tau log y_i:

    log Gamma(k) + (k-1) log tau + sum_i x_i - (tau+1) sum_i log y_i - k z_j
    - k log sum_i exp((x_i - x_j) - tau (log y_i - log y_j)).

    The per-row combination is double-double, so the O(k tau |log y_j|) terms cancel
    exactly; the exponents are float64 (their errors are weighted by e^{z_i - z_j} <= 1).
    """
    z = x - tau * log_point
    j = RowArgMax(z)
    xj, lj = Take(x, j), Take(log_point, j)
    return Exact(sp.loggamma(K) + (K - 1) * sp.log(tau) + _sum(x) - (tau + 1) * _sum(log_point)
                 - K * (xj - tau * lj) - K * sp.log(_sum(sp.exp((x - xj) - tau * (log_point - lj)))))


def _shifted_log_density(z: sp.Expr) -> sp.Expr:
    """log Gamma(k) + sum_i (z_i - M) - k log sum_i exp(z_i - M), M = max_i z_i (eq. (8)),
    combined in double-double like (J28)."""
    shift = RowMax(z)
    return Exact(sp.loggamma(K) + _sum(z - shift) - K * sp.log(_sum(sp.exp(z - shift))))


#: log p(y) of (J28), from y, as printed.
LOG_PROB = _pivot_log_density(logits[i], sp.log(y[i]))
#: the same density from log y (exact where y underflows).
LOG_PROB_FROM_LOG = _pivot_log_density(logits[i], log_y[i])
#: log p(u) of eq. (8): z_i = x_i - u_i, u_k = 0.
LOG_PROB_U = _shifted_log_density(logits[i] - u[i])
#: log y_i of Jang et al. (1): w_i - max w - log sum_j exp(w_j - max w), w = (x + g)/tau.
_W = (logits[i] + gumbel[i]) / tau
SAMPLE_LOG = _W - RowMax(_W) - sp.log(_sum(sp.exp(_W - RowMax(_W))))

#: name -> general expression
FORMS = {
    "log_prob": LOG_PROB,
    "log_prob_from_log": LOG_PROB_FROM_LOG,
    "log_prob_u": LOG_PROB_U,
    "sample_log": SAMPLE_LOG,
}


def pivot_symbol(take: Take) -> sp.Symbol:
    """The free real that a claim puts for ``take``: ``p_logits``, ``p_log_y`` (also for log y_j)."""
    (base,) = {a.base for a in take.args[0].atoms(sp.Indexed)}
    name = "log_y" if base == y else str(base)
    return sp.Symbol(f"p_{name}", real=True)


def instantiate(expr: sp.Expr, s: Vars, arrays: dict, index: int | None = None) -> sp.Expr:
    """``expr`` at k = s.k: markers removed, sums expanded, ``base[j]`` -> ``arrays[base][j]``.

    ``RowMax(...)`` becomes the free shift ``m``, each ``Take(...)`` its free real
    (:func:`pivot_symbol`), ``Exact(e)`` is e.  ``index`` fixes the free category index of
    an elementwise form (the sampler).
    """
    e = expr.replace(lambda a: isinstance(a, RowMax), lambda a: m)
    e = e.replace(lambda a: isinstance(a, Take), pivot_symbol)
    e = e.replace(lambda a: isinstance(a, Exact), lambda a: a.args[0])
    e = e.subs(K, s.k)
    if index is not None:
        e = e.subs(i, index)
    e = e.doit()
    return e.replace(lambda a: isinstance(a, sp.Indexed), lambda a: arrays[a.base][int(a.indices[0])])
