"""General-k forms of the verified densities, as SymPy expressions over indexed arrays.

The emitter prints these (``codegen.emit``); ``codegen.claims`` checks each of them,
instantiated at concrete k, equal to the verified expressions (J28) and (8).

Conventions: the category index ``i`` runs over 0..k-1 (the last array axis);
``IndexedBase`` objects are arrays with that last axis; plain symbols (``tau``, ``k``)
are per-batch-row quantities; ``RowMax(e)`` is max_i e_i along the last axis.  The
identities hold for *every* real value of the shift, so a claim replaces ``RowMax(...)``
by a free real symbol ``m``; the code uses the row maximum for stability.
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
    """max over the last axis of its (indexed) argument; a free shift for the claims."""


def _sum(e: sp.Expr) -> sp.Sum:
    return sp.Sum(e, (i, 0, K - 1))


def _shifted_log_density(z: sp.Expr, jac: sp.Expr, scale: sp.Expr) -> sp.Expr:
    """log Gamma(k) + scale + sum_i (z_i - M) - k log sum_i exp(z_i - M) - jac, M = max_i z_i."""
    shift = RowMax(z)
    return (sp.loggamma(K) + scale + _sum(z - shift) - K * sp.log(_sum(sp.exp(z - shift))) - jac)


#: log p(y) of (J28), from y: z_i = x_i - tau log y_i.
LOG_PROB = _shifted_log_density(logits[i] - tau * sp.log(y[i]), _sum(sp.log(y[i])), (K - 1) * sp.log(tau))
#: the same density from log y (exact where y underflows).
LOG_PROB_FROM_LOG = _shifted_log_density(logits[i] - tau * log_y[i], _sum(log_y[i]), (K - 1) * sp.log(tau))
#: log p(u) of eq. (8): z_i = x_i - u_i, u_k = 0.
LOG_PROB_U = _shifted_log_density(logits[i] - u[i], sp.Integer(0), sp.Integer(0))
#: log y_i of Jang et al. (1): w_i - max w - log sum_j exp(w_j - max w), w = (x + g)/tau.
_W = (logits[i] + gumbel[i]) / tau
SAMPLE_LOG = _W - RowMax(_W) - sp.log(_sum(sp.exp(_W - RowMax(_W))))

#: name -> (general expression, indexed bases it reads)
FORMS = {
    "log_prob": LOG_PROB,
    "log_prob_from_log": LOG_PROB_FROM_LOG,
    "log_prob_u": LOG_PROB_U,
    "sample_log": SAMPLE_LOG,
}


def instantiate(expr: sp.Expr, s: Vars, arrays: dict, index: int | None = None) -> sp.Expr:
    """``expr`` at k = s.k: RowMax -> m, sums expanded, ``base[j]`` -> ``arrays[base][j]``.

    ``index`` fixes the free category index of an elementwise form (the sampler).
    """
    e = expr.replace(lambda a: isinstance(a, RowMax), lambda a: m)
    e = e.subs(K, s.k)
    if index is not None:
        e = e.subs(i, index)
    e = e.doit()
    return e.replace(lambda a: isinstance(a, sp.Indexed),
                     lambda a: arrays[a.base][int(a.indices[0])])
