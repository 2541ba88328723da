"""Eqs. (9)-(13): the map h from u to y, the last coordinate y_k, and the inverse of h.

Page 3 of the note: h_i(u) = exp(u_i/tau) / (1 + sum_{j<k} exp(u_j/tau)) (9), y = h(u) (10),
y_k = 1/(1 + sum) = 1 - sum_{j<k} y_j (11), and h^{-1}(y)_i = tau (log y_i - log y_k) (13).
"""
from __future__ import annotations

import sympy as sp

from checks.claim import Claim, Instance

from .gumbel_shift import eq2, eq3
from .symbols import Vars, symbols_for, tau


def h(s: Vars, i: int, u=None) -> sp.Expr:
    """Eq. (9); ``i`` = k-1 (0-based) gives y_k of eq. (11)."""
    u = s.u if u is None else u
    den = 1 + sp.Add(*[sp.exp(u[j] / tau) for j in range(s.k - 1)])
    return (sp.exp(u[i] / tau) if i < s.k - 1 else sp.Integer(1)) / den


def h_inverse(s: Vars, i: int, y_last=None) -> sp.Expr:
    """Eq. (13), last form: tau (log y_i - log(1 - sum_{j<k} y_j))."""
    return tau * (sp.log(s.y[i]) - sp.log(s.y_last if y_last is None else y_last))


def u_in_terms_of_x(s: Vars) -> dict:
    """x_i = u_i - g_i + x_k + g_k, i.e. u_i = x_i + g_i - (x_k + g_k), for i < k."""
    return {s.x[i]: s.u[i] - s.g[i] + s.x[-1] + s.g[-1] for i in range(s.k - 1)}


def on_graph(s: Vars) -> dict:
    """y = h(u): every y_i (y_k included) as its value under eq. (9)/(11)."""
    return {s.y[i]: h(s, i) for i in range(s.k)}


def _instance(s: Vars, pairs, where=None) -> Instance:
    return Instance(pairs, s.sample, where=where or {})


def _each_i(f, upto_last=False):
    def build(k: int) -> Instance:
        s = symbols_for(k)
        n = k if upto_last else k - 1
        return _instance(s, [f(s, i) for i in range(n)])
    return build


def _graph_pairs(line):
    """Eq. (13) lines are equations between y and u; each must hold on the graph y = h(u)."""
    def build(k: int) -> Instance:
        s = symbols_for(k)
        pairs = [tuple(sp.sympify(side).xreplace(on_graph(s)) for side in line(s, i)) for i in range(k - 1)]
        return _instance(s, pairs)
    return build


def _round_trip(k: int) -> Instance:
    s = symbols_for(k)
    inverse = [h_inverse(s, i) for i in range(k - 1)]
    pairs = [(h(s, i, u=inverse), s.y[i]) for i in range(k - 1)]          # h(h^{-1}(y)) = y
    # h^{-1}(h(u)) = u, with y_k = h_k(u): 1 - sum h_j(u) = h_k(u) is eq. (11), checked there
    on_h = {s.y[j]: h(s, j) for j in range(k - 1)}
    pairs += [(h_inverse(s, i, y_last=h(s, k - 1)).xreplace(on_h), s.u[i]) for i in range(k - 1)]
    return _instance(s, pairs)


CLAIMS = [
    Claim("eq9", "9", "definition", "h is eq. (3) written in u with u_k = 0",
          r"h_i(u_1, \dots, u_{k-1}) = \frac{\exp(u_i/\tau)}{1 + \sum_{j=1}^{k-1} \exp(u_j/\tau)}",
          lambda k: _instance(symbols_for(k), [
              (eq3(symbols_for(k), i).xreplace(u_in_terms_of_x(symbols_for(k))), h(symbols_for(k), i))
              for i in range(k - 1)])),
    Claim("eq10", "10", "substitution", "the sample y_i of (2) is h_i(u) for i < k",
          r"y_i = h_i(u_1, \dots, u_{k-1})",
          lambda k: _instance(symbols_for(k), [
              (eq2(symbols_for(k), i).xreplace(u_in_terms_of_x(symbols_for(k))), h(symbols_for(k), i))
              for i in range(k - 1)])),
    Claim("eq11.1", "11", "substitution", "y_k of (3) in terms of u",
          r"y_k = \frac{1}{1 + \sum_{j=1}^{k-1} \exp(u_j/\tau)}",
          lambda k: _instance(symbols_for(k), [
              (eq3(symbols_for(k), k - 1).xreplace(u_in_terms_of_x(symbols_for(k))),
               1 / (1 + sp.Add(*[sp.exp(symbols_for(k).u[j] / tau) for j in range(k - 1)])))])),
    Claim("eq11.2", "11", "algebra", "y_k = 1 - sum_{j<k} y_j",
          r"\frac{1}{1 + \sum_{j=1}^{k-1} \exp(u_j/\tau)} = 1 - \sum_{j=1}^{k-1} y_j",
          lambda k: _instance(symbols_for(k), [
              (1 / (1 + sp.Add(*[sp.exp(symbols_for(k).u[j] / tau) for j in range(k - 1)])),
               1 - sp.Add(*[h(symbols_for(k), j) for j in range(k - 1)]))])),
    Claim("eq13.1", "13", "inverse map", "y_i = h_i(u) (restating (9))",
          r"y_i = \frac{\exp(u_i/\tau)}{1 + \sum_{j=1}^{k-1} \exp(u_j/\tau)}",
          _graph_pairs(lambda s, i: (s.y[i], sp.exp(s.u[i] / tau) /
                                     (1 + sp.Add(*[sp.exp(s.u[j] / tau) for j in range(s.k - 1)]))))),
    Claim("eq13.2", "13", "inverse map", "y_i = y_k exp(u_i/tau), from y_k = 1/(1 + sum)",
          r"y_i = y_k \exp(u_i/\tau)",
          _graph_pairs(lambda s, i: (s.y[i], s.y[-1] * sp.exp(s.u[i] / tau)))),
    Claim("eq13.3", "13", "inverse map", "log y_i = log y_k + u_i/tau",
          r"\log y_i = \log y_k + u_i/\tau",
          _graph_pairs(lambda s, i: (sp.log(s.y[i]), sp.log(s.y[-1]) + s.u[i] / tau))),
    Claim("eq13.4", "13", "inverse map", "h_i^{-1}(y) = u_i = tau (log y_i - log y_k)",
          r"h_i^{-1}(y_1, \dots, y_{k-1}) = u_i = \tau \times (\log y_i - \log y_k)",
          _graph_pairs(lambda s, i: (s.u[i], tau * (sp.log(s.y[i]) - sp.log(s.y[-1]))))),
    Claim("eq13.5", "13", "substitution", "log y_k = log(1 - sum_{j<k} y_j) by (11)",
          r"\tau \times (\log y_i - \log y_k) = \tau \times \left( \log y_i - \log \left( 1 - \sum_{j=1}^{k-1} y_j "
          r"\right) \right)",
          lambda k: Instance([(tau * (sp.log(symbols_for(k).y[i]) - sp.log(symbols_for(k).y[-1])),
                               h_inverse(symbols_for(k), i)) for i in range(k - 1)],
                             symbols_for(k).sample, where=symbols_for(k).on_simplex)),
    Claim("eq13.both_ways", "13", "inverse map", "h(h^{-1}(y)) = y on the simplex and h^{-1}(h(u)) = u",
          r"h_i^{-1}(y_1, \dots, y_{k-1}) = \tau \times \left( \log y_i - \log \left( 1 - \sum_{j=1}^{k-1} y_j "
          r"\right) \right)", _round_trip),
]
