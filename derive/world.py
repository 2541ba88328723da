"""The Gumbel-softmax model as a write-up is read against it (``checks.world.World``), at size k.

Random variables: g_1..g_k i.i.d. Gumbel(0, 1).  Parameters: pi on the simplex, x_i = log pi_i,
the temperature tau > 0.  Derived quantities: u_i = x_i + g_i - (x_k + g_k) (so u_k = 0),
y = softmax((x + g)/tau) = h(u), v = e^{-g_k}.  Every quantity is written in the chart
(x_1..x_k, u_1..u_{k-1}, g_k, tau); derivatives by y_j are taken in the chart (y_1..y_{k-1}, ...),
where y_k = 1 - sum_{j<k} y_j.

Densities (each from the verified expressions of the note's modules, never written again):
p(g_i) = Gumbel(0, 1) (Lebesgue on R); p(u_i | g_k) (Lebesgue on R); p(u_1..u_{k-1} | g_k) and
p(u_1..u_{k-1}) = eq. (8) (Lebesgue on R^{k-1}); p(y) = Jang et al. (28) (Lebesgue on y_1..y_{k-1}).
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from checks.world import Density, Function, World

from .density import final_density
from .gumbel_shift import conditional_density, gumbel_pdf
from .marginal_u import eq8
from .model import GK, at, symbols_for, tau, v
from .softmax_map import h, h_inverse


def _sub(expr, k, table):
    return at(expr, k).xreplace(table)


def world(k: int) -> World:
    """The model at size ``k`` (``ValueError`` naming k for k < 2)."""
    s = symbols_for(k)
    x, g, u, y, pi = s.x, s.g, s.u, s.y, s.pi
    gk = g[-1]
    names: dict = {"tau": tau, "v": v}
    for n in range(k):
        names.update({f"x_{n + 1}": x[n], f"g_{n + 1}": g[n], f"u_{n + 1}": u[n], f"y_{n + 1}": y[n],
                      f"pi_{n + 1}": pi[n]})
    chart = (*x, *u[:-1], gk, tau)
    y_of_u = [at(h(n + 1), k) for n in range(k - 1)] + [1 / (1 + sum(sp.exp(u[n] / tau) for n in range(k - 1)))]
    derived = {pi[n]: sp.exp(x[n]) for n in range(k)}
    derived.update({g[n]: u[n] - x[n] + x[-1] + gk for n in range(k - 1)})
    derived.update({y[n]: y_of_u[n] for n in range(k)})
    derived[v] = sp.exp(-gk)

    def sample_chart(rng: np.random.Generator) -> dict:
        point = dict(zip(x, np.log(rng.dirichlet(np.full(k, 2.0)))))
        point.update(zip(u[:-1], rng.uniform(-1.5, 1.5, k - 1)))
        point[gk] = rng.uniform(-1.2, 1.2)
        point[tau] = rng.uniform(0.4, 2.0)
        return {s_: sp.Float(float(val), 30) for s_, val in point.items()}

    def y_chart() -> dict:
        last = 1 - sum(y[:-1])
        table = {y[-1]: last, pi[0]: pi[0]}
        table.update({u[n]: tau * (sp.log(y[n]) - sp.log(last)) for n in range(k - 1)})
        table.update({pi[n]: sp.exp(x[n]) for n in range(k)})
        table.update({g[n]: table[u[n]] - x[n] + x[-1] + gk for n in range(k - 1)})
        table[v] = sp.exp(-gk)
        return table

    def g_chart() -> dict:
        table = {u[n]: x[n] + g[n] - x[-1] - gk for n in range(k - 1)}
        table.update({pi[n]: sp.exp(x[n]) for n in range(k)})
        table.update({y[n]: derived[y[n]].xreplace(table) for n in range(k)})
        table[v] = sp.exp(-gk)
        return table

    def v_chart() -> dict:
        table = {key: val.xreplace({gk: -sp.log(v)}) for key, val in derived.items() if key != v}
        table[gk] = -sp.log(v)
        return table

    def chart_of(var: sp.Symbol) -> dict:
        if var in y[:-1]:
            return y_chart()
        if var in g[:-1]:
            return g_chart()
        if var == v:
            return v_chart()
        return dict(derived)

    ids_u = tuple(f"u_{n + 1}" for n in range(k - 1))
    ids_y = tuple(f"y_{n + 1}" for n in range(k - 1))
    p_u = at(eq8(), k)

    def marginal(args):
        return p_u.xreplace(dict(zip(u[:-1], args)))

    def conditional_all(args):
        *us, t = args
        return sp.Mul(*[_sub(conditional_density(n + 1, GK), k, {u[n]: us[n], gk: t}) for n in range(k - 1)])

    def p_y(args):
        args = list(args)[: k - 1]
        return at(final_density(), k).xreplace({**dict(zip(y[:-1], args)), y[-1]: 1 - sum(args)})

    densities = [
        Density(ids_u, (), marginal, "Lebesgue measure on (u_1, ..., u_{k-1})"),
        Density(ids_u, (f"g_{k}",), conditional_all, "Lebesgue measure on (u_1, ..., u_{k-1})"),
        Density(("y",), (), p_y, "Lebesgue measure on (y_1, ..., y_{k-1})"),
        Density(ids_y, (), p_y, "Lebesgue measure on (y_1, ..., y_{k-1})"),
    ]
    for n in range(k):
        densities.append(Density((f"g_{n + 1}",), (), lambda a: gumbel_pdf(a[0]), "Lebesgue measure on R"))
    for n in range(k - 1):
        densities.append(Density((f"u_{n + 1}",), (f"g_{k}",),
                                 lambda a, n=n: _sub(conditional_density(n + 1, GK), k, {u[n]: a[0], gk: a[1]}),
                                 "Lebesgue measure on R"))

    def h_expr(index, args):
        table = {**{u[n]: a for n, a in enumerate(args)}}
        if index == k:
            return 1 / (1 + sum(sp.exp(a / tau) for a in args))
        return at(h(index), k).xreplace(table)

    def h_inv_expr(index, args):
        return at(h_inverse(index), k).xreplace(dict(zip(y[:-1], args)))

    functions = [Function("h", False, h_expr, k - 1), Function("h", True, h_inv_expr, k - 1)]
    locations = {f"u_{n + 1}": x[n] - (x[-1] + gk) for n in range(k - 1)}
    locations.update({f"g_{n + 1}": sp.Integer(0) for n in range(k)})
    return World(k, names, chart, derived, sample_chart, densities, functions, chart_of,
                 vectors={"y": tuple(y), "u": tuple(u[:-1]), "g": tuple(g), "x": tuple(x), "pi": tuple(pi)},
                 locations=locations, substitutions={f"g_{k}": (lambda t: sp.exp(-t), "v")})

