"""The note's symbols for a concrete size k, with the assumptions the note makes.

x_i = log pi_i and the Gumbel draws g_i are real; tau > 0; u_i real; the
simplex coordinates y_i positive; the Gamma-integral variable v positive.
Samplers draw points inside those assumptions (y on the open simplex).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp

tau = sp.Symbol("tau", positive=True)
v = sp.Symbol("v", positive=True)


@dataclass(frozen=True)
class Vars:
    k: int
    x: tuple          # x_1..x_k, x_i = log pi_i
    g: tuple          # g_1..g_k
    u: tuple          # u_1..u_{k-1}, and u_k = 0 appended as u[k-1]
    y: tuple          # y_1..y_k as free positive symbols
    pi: tuple         # pi_1..pi_k

    @property
    def y_last(self) -> sp.Expr:
        """y_k as a function of y_1..y_{k-1} (eq. (11))."""
        return 1 - sp.Add(*self.y[:-1])

    @property
    def on_simplex(self) -> dict:
        """``where`` for claims in y-space: y_k is 1 - sum_{j<k} y_j."""
        return {self.y[-1]: self.y_last}

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
    if k < 2:
        raise ValueError(f"k: need k >= 2, got {k}")
    rng = range(1, k + 1)
    return Vars(
        k=k,
        x=tuple(sp.Symbol(f"x_{i}", real=True) for i in rng),
        g=tuple(sp.Symbol(f"g_{i}", real=True) for i in rng),
        u=tuple(sp.Symbol(f"u_{i}", real=True) for i in range(1, k)) + (sp.Integer(0),),
        y=tuple(sp.Symbol(f"y_{i}", positive=True) for i in rng),
        pi=tuple(sp.Symbol(f"pi_{i}", positive=True) for i in rng),
    )
