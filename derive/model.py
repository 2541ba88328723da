"""The note's symbols and assumptions: for a symbolic size k (each equation is written once, in
these), and at a concrete size (what the engine instantiates them to, and samples).

x_i = log pi_i and the Gumbel draws g_i are real; tau > 0; u_i real with u_k = 0; the
simplex coordinates y_i positive; pi_i positive; the Gamma-integral variable v positive.
Indices are 1-based as in the note: X[1]..X[K].  Samplers draw points inside those
assumptions (y on the open simplex).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp

#: the size of the note: a positive integer, k >= 2 (the engine's size symbol)
K = sp.Symbol("k", integer=True, positive=True)
tau = sp.Symbol("tau", positive=True)
v = sp.Symbol("v", positive=True)

X = sp.IndexedBase("x", real=True)      # x_i = log pi_i
G = sp.IndexedBase("g", real=True)      # Gumbel(0, 1) draws
U = sp.IndexedBase("u", real=True)      # u_i = x_i + g_i - (x_k + g_k), u_k = 0
Y = sp.IndexedBase("y", positive=True)  # the sample on the simplex
PI = sp.IndexedBase("pi", positive=True)
#: free indices of the claims (1 <= i, j <= k) and summation indices
i, j, m, L = sp.symbols("i j m l", integer=True, positive=True)
GK = sp.Symbol("g_k", real=True)        # the integration variable g_k of eqs. (4), (5)

NUMERIC_K = 4                           # the size of the numeric cross-check of symbolic-k claims


def S(f, idx=m, lo=1, hi=K):
    """sum_{idx=lo}^{hi} f(idx)."""
    return sp.Sum(f(idx), (idx, lo, hi))


def P(f, idx=m, lo=1, hi=K):
    """prod_{idx=lo}^{hi} f(idx)."""
    return sp.Product(f(idx), (idx, lo, hi))


@dataclass(frozen=True)
class Vars:
    """The note's symbols at a concrete size k (0-based tuples: x[0] is x_1)."""

    k: int
    x: tuple          # x_1..x_k, x_i = log pi_i
    g: tuple          # g_1..g_k
    u: tuple          # u_1..u_{k-1}, and u_k = 0 appended as u[k-1]
    y: tuple          # y_1..y_k as free positive symbols
    pi: tuple         # pi_1..pi_k

    def sample(self, rng: np.random.Generator) -> dict:
        """A point inside every assumption: reals in (-2, 2), tau in (0.2, 3), y on the open simplex."""
        k = self.k
        point = {}
        point.update(zip(self.x, rng.uniform(-2, 2, k)))
        point.update(zip(self.g, rng.uniform(-2, 2, k)))
        point.update(zip(self.u[:-1], rng.uniform(-2, 2, k - 1)))
        point.update(zip(self.y, rng.dirichlet(np.full(k, 2.0))))
        point.update(zip(self.pi, rng.dirichlet(np.ones(k))))
        point[tau] = rng.uniform(0.2, 3)
        point[v] = rng.uniform(0.1, 4)
        return point


@cache
def symbols_for(k: int) -> Vars:
    """The concrete symbols at size ``k`` (``ValueError`` naming k for k < 2)."""
    if k < 2:
        raise ValueError(f"k: need k >= 2, got {k}")
    rng = range(1, k + 1)
    return Vars(
        k=k,
        x=tuple(sp.Symbol(f"x_{n}", real=True) for n in rng),
        g=tuple(sp.Symbol(f"g_{n}", real=True) for n in rng),
        u=tuple(sp.Symbol(f"u_{n}", real=True) for n in range(1, k)) + (sp.Integer(0),),
        y=tuple(sp.Symbol(f"y_{n}", positive=True) for n in rng),
        pi=tuple(sp.Symbol(f"pi_{n}", positive=True) for n in rng),
    )


class Model:
    """The engine's view of these symbols (``checks.claim.Model``)."""

    size = K
    numeric_k = NUMERIC_K

    @staticmethod
    def concrete(expr: sp.Basic, k: int) -> sp.Basic:
        """An expression whose size and indices are integers, in the symbols of size ``k``."""
        s = symbols_for(k)
        table = {X: s.x, G: s.g, U: s.u, Y: s.y, PI: s.pi}

        def one(a: sp.Indexed):
            n = int(a.indices[0])
            if not 1 <= n <= k:
                raise ValueError(f"index: {a} is outside 1..{k}")
            return table[a.base][n - 1]
        e = sp.sympify(expr).replace(lambda a: isinstance(a, sp.Indexed) and a.indices[0].is_Integer, one)
        return e.xreplace({GK: s.g[-1]})

    @staticmethod
    def sampler(k: int):
        return symbols_for(k).sample


MODEL = Model()


def at(expr: sp.Basic, k: int, **indices: int) -> sp.Basic:
    """A general expression at size ``k`` (free indices given by name, e.g. ``i=2``), in the
    concrete symbols: for code and references derived from the verified forms."""
    from checks.structural import instantiate
    names = {str(s): s for s in sp.sympify(expr).atoms(sp.Symbol)}   # also an index only differentiated by
    unknown = sorted(set(indices) - set(names))
    if unknown:
        raise ValueError(f"indices: {unknown} do not occur in the expression")
    values = {K: k, **{names[n]: val for n, val in indices.items()}}
    return Model.concrete(instantiate(expr, values), k)
