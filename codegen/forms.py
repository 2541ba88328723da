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
from sympy.codegen.cfunctions import expm1

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


class SplitHi(sp.Function):
    """SplitHi(a, t, b, c) + SplitLo(a, t, b, c) = a - t b - c exactly: the rounded value and its error.

    Printed as one error-free transformation (Dekker's product, Knuth's sum); for the claims
    SplitLo is a free real rho_j and SplitHi = a - t b - c - rho_j, so every identity that uses
    the pair holds whatever the rounding error is.
    """


class SplitLo(sp.Function):
    """The rounding error of SplitHi with the same arguments."""


class WideSum(sp.Sum):
    """A sum over the category axis accumulated in extended precision (numpy.longdouble) when
    printed: for the large terms that cancel in the log-density (sum log y_i, sum (z_i - M))."""


def _sum(e: sp.Expr) -> sp.Sum:
    return sp.Sum(e, (i, 0, K - 1))


def _wide(e: sp.Expr) -> sp.Sum:
    return WideSum(e, (i, 0, K - 1))


def _shifted_log_density(z: sp.Expr, jac: sp.Expr, scale: sp.Expr) -> sp.Expr:
    """log Gamma(k) + scale + sum_i (z_i - M) - k log sum_i exp(z_i - M) - jac, M = max_i z_i."""
    shift = RowMax(z)
    return (sp.loggamma(K) + scale + _sum(z - shift) - K * sp.log(_sum(sp.exp(z - shift))) - jac)


def _split_log_density(x: sp.Expr, log_point: sp.Expr) -> sp.Expr:
    """The same with z_i - M = h_i + r_i carried exactly (h rounded, r its error), so that the
    rounding of x_i - tau log y_i (up to |tau log y_i| ulp) does not reach the result:
    log Gamma(k) + (k-1) log tau + sum h + sum r - k log(sum e^h + sum e^h expm1(r)) - sum log y."""
    shift = RowMax(x - tau * log_point)
    h, r = SplitHi(x, tau, log_point, shift), SplitLo(x, tau, log_point, shift)
    return (sp.loggamma(K) + (K - 1) * sp.log(tau) + _wide(h) + _sum(r)
            - K * sp.log(_wide(sp.exp(h)) + _sum(sp.exp(h) * expm1(r))) - _wide(log_point))


#: log p(y) of (J28) before the exact split: z_i = x_i - tau log y_i (checked by cg.log_prob too).
LOG_PROB_SHIFTED = _shifted_log_density(logits[i] - tau * sp.log(y[i]), _sum(sp.log(y[i])),
                                        (K - 1) * sp.log(tau))
#: log p(y) of (J28), from y, as printed.
LOG_PROB = _split_log_density(logits[i], sp.log(y[i]))
#: the same density from log y (exact where y underflows).
LOG_PROB_FROM_LOG = _split_log_density(logits[i], log_y[i])
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
    e = e.replace(lambda a: isinstance(a, expm1), lambda a: sp.exp(a.args[0]) - 1)
    e = e.subs(K, s.k)
    if index is not None:
        e = e.subs(i, index)
    e = e.doit()
    e = e.replace(lambda a: isinstance(a, sp.Indexed), lambda a: arrays[a.base][int(a.indices[0])])
    rho = dict(zip(s.x, rhos(s)))
    e = e.replace(lambda a: isinstance(a, SplitLo), lambda a: rho[a.args[0]])
    return e.replace(lambda a: isinstance(a, SplitHi),
                     lambda a: a.args[0] - a.args[1] * a.args[2] - a.args[3] - rho[a.args[0]])


def rhos(s: Vars) -> tuple:
    """The free rounding errors rho_1..rho_k of the exact split, one per category."""
    return tuple(sp.Symbol(f"rho_{j}", real=True) for j in range(1, s.k + 1))
