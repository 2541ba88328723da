"""Eqs. (9)-(13): the map h from u to y, the last coordinate y_k, and the inverse of h.

Page 3 of the note: h_i(u) = exp(u_i/tau) / (1 + sum_{j<k} exp(u_j/tau)) (9), y = h(u) (10),
y_k = 1/(1 + sum) = 1 - sum_{j<k} y_j (11), and h^{-1}(y)_i = tau (log y_i - log y_k) (13).
"""
from __future__ import annotations

import sympy as sp

from checks.claim import Anchor, Claim, Form

from .gumbel_shift import eq2, eq3
from .marginal_u import U_LAST
from .model import G, K, S, U, X, Y, i, tau


def _den_u():
    return 1 + S(lambda b: sp.exp(U[b] / tau), hi=K - 1)


def h(a):
    """Eq. (9)."""
    return sp.exp(U[a] / tau) / _den_u()


def y_last_u():
    """y_k = 1 / (1 + sum_{j<k} exp(u_j/tau)), the first form of (11)."""
    return 1 / _den_u()


def y_last():
    """y_k = 1 - sum_{j<k} y_j, the second form of (11)."""
    return 1 - S(lambda b: Y[b], hi=K - 1)


def h_inverse(a, last=None):
    """Eq. (13), last form: tau (log y_a - log(1 - sum_{j<k} y_j))."""
    return tau * (sp.log(Y[a]) - sp.log(y_last() if last is None else last))


def x_from_u(e):
    """x_m = u_m - g_m + x_k + g_k for every m (for m = k it is x_k, as u_k = 0): the definition of u."""
    xk = sp.Symbol("_xk", real=True)
    return e.xreplace({X[K]: xk}).replace(
        lambda a: isinstance(a, sp.Indexed) and a.base == X,
        lambda a: U[a.indices[0]] - G[a.indices[0]] + X[K] + G[K]).xreplace({xk: U[K] - G[K] + X[K] + G[K]})


def on_graph(e):
    """y = h(u): y_m = h_m(u) for m < k, y_k = 1/(1 + sum)."""
    e = e.xreplace({Y[K]: y_last_u()})
    return e.replace(lambda a: isinstance(a, sp.Indexed) and a.base == Y and a.indices[0] != K,
                     lambda a: h(a.indices[0]))


ON_SIMPLEX = {Y[K]: y_last()}
_I1 = {i: K - 1}


def _round_trip():
    """h(h^{-1}(y)) = y on the simplex and h^{-1}(h(u)) = u."""
    back = h(i).xreplace({U[i]: h_inverse(i)}).replace(
        lambda a: isinstance(a, sp.Indexed) and a.base == U, lambda a: h_inverse(a.indices[0]))
    forth = tau * (sp.log(h(i)) - sp.log(1 - S(h, hi=K - 1)))
    return Form([(back, Y[i]), (forth, U[i])], indices=_I1)


def _graph(lhs, rhs):
    """Lines of (13) are equations between y and u: each must hold on the graph y = h(u)."""
    return lambda: Form([(on_graph(lhs), on_graph(rhs))], indices=_I1, facts=(U_LAST,))


CLAIMS = [
    Claim("eq9", "substitution", "h is eq. (3) written in u with u_k = 0",
          lambda: Form([(x_from_u(eq3(i)), h(i))], indices=_I1, facts=(U_LAST,)), Anchor("display", "9")),
    Claim("eq10", "substitution", "the sample y_i of (2) is h_i(u) for i < k",
          lambda: Form([(x_from_u(eq2(i)), h(i))], indices=_I1, facts=(U_LAST,)), Anchor("display", "10"),
          indirect="checked on the graph y = h(u): y_i of (2) with x written through u"),
    Claim("eq11.1", "substitution", "y_k of (3) in terms of u",
          lambda: Form([(x_from_u(eq3(K)), y_last_u())], facts=(U_LAST,)), Anchor("display", "11")),
    Claim("eq11.2", "algebra", "y_k = 1 - sum_{j<k} y_j",
          lambda: Form([(y_last_u(), 1 - S(h, hi=K - 1))]), Anchor("display", "11", sides=(1, 2)),
          indirect="checked on the graph y = h(u)"),
    Claim("eq13.1", "inverse map", "y_i = h_i(u) (restating (9))",
          _graph(Y[i], sp.exp(U[i] / tau) / _den_u()), Anchor("display", "13", chain=0),
          indirect="checked on the graph y = h(u)"),
    Claim("eq13.2", "inverse map", "y_i = y_k exp(u_i/tau), from y_k = 1/(1 + sum)",
          _graph(Y[i], Y[K] * sp.exp(U[i] / tau)), Anchor("display", "13", chain=1),
          indirect="checked on the graph y = h(u)"),
    Claim("eq13.3", "inverse map", "log y_i = log y_k + u_i/tau",
          _graph(sp.log(Y[i]), sp.log(Y[K]) + U[i] / tau), Anchor("display", "13", chain=2),
          indirect="checked on the graph y = h(u)"),
    Claim("eq13.4", "inverse map", "h_i^{-1}(y) = u_i = tau (log y_i - log y_k)",
          _graph(U[i], tau * (sp.log(Y[i]) - sp.log(Y[K]))), Anchor("display", "13", chain=3, sides=(0, 1, 2)),
          indirect="checked on the graph y = h(u)"),
    Claim("eq13.5", "substitution", "log y_k = log(1 - sum_{j<k} y_j) by (11)",
          lambda: Form([(tau * (sp.log(Y[i]) - sp.log(Y[K])), h_inverse(i))], indices=_I1, facts=(ON_SIMPLEX,),
                       where=ON_SIMPLEX), Anchor("display", "13", chain=3, sides=(2, 3))),
    Claim("eq13.both_ways", "inverse map", "h(h^{-1}(y)) = y on the simplex and h^{-1}(h(u)) = u",
          _round_trip, Anchor("display", "13", chain=3, sides=(0, 3)),
          indirect="checked as h(h^{-1}(y)) = y on the simplex and h^{-1}(h(u)) = u"),
]
