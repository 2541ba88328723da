"""The model a write-up is read against, at one concrete size k: what the subject declares.

A :class:`World` names the model's quantities as a write-up prints them (``x_1``, ``g_3``, ``u_2``,
``y_1``, ``pi_2``, ``tau``, ``v``), says which of them are independent (a *chart*: the others are
functions of these), samples consistent values of all of them, and gives the meaning of the notations
a write-up uses for them: ``p(·)`` (the density of that quantity under the model, with its base
measure), the maps the subject defines (``h_i``, ``h_i^{-1}``), and the charts in which a partial
derivative is taken (``∂/∂y_j`` holds the other y_1..y_{k-1} fixed).

The engine never knows what the quantities are; it asks the world.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import sympy as sp


@dataclass(frozen=True)
class Density:
    """``p(of | given)``: the model's density of the quantities ``of`` given ``given``.

    ``of`` / ``given`` are tuples of quantity names at this size ("u_1", "u_2", "g_3", or "y" for the
    vector); ``expr(args)`` is the density evaluated at the argument expressions printed for ``of``
    then ``given`` (in order); ``measure`` names its base measure (shown in the report)."""

    of: tuple[str, ...]
    given: tuple[str, ...]
    expr: Callable[[list], sp.Expr]
    measure: str


@dataclass(frozen=True)
class Function:
    """A map the subject defines by name (``h_i``, ``h_i^{-1}``): ``expr(index, args)``."""

    name: str                 # "h" (its printed base name)
    inverse: bool
    expr: Callable[[int | None, list], sp.Expr]
    arity: int                # number of arguments it takes at this size


@dataclass
class World:
    k: int
    names: dict[str, sp.Basic]                 # printed name at this size -> symbol (or value: u_k -> 0)
    chart: tuple[sp.Symbol, ...]               # independent quantities: the sampled ones
    derived: dict[sp.Symbol, sp.Expr]          # every other quantity in terms of the chart
    sample_chart: Callable[[np.random.Generator], dict]
    densities: list[Density] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    #: for a partial derivative by a quantity: every quantity in terms of a chart that holds it
    chart_of: Callable[[sp.Symbol], dict] | None = None
    #: the vector names the model knows ("y" for \mathbf{y}): name -> its entries
    vectors: dict[str, tuple] = field(default_factory=dict)
    #: quantities with a location printed in prose ("u_i given g_k"): name -> Gumbel location
    locations: dict[str, sp.Expr] = field(default_factory=dict)
    #: changes of variables the subject knows: integration variable -> (its new variable as a function
    #: of it, the new variable's name): "g_3" -> (lambda t: e^{-t}, "v")
    substitutions: dict = field(default_factory=dict)

    def sample(self, rng: np.random.Generator) -> dict:
        """Values of every quantity at one point (chart sampled, the rest computed from it)."""
        point = dict(self.sample_chart(rng))
        for sym, expr in self.derived.items():
            point[sym] = sp.N(sp.sympify(expr).xreplace(point), 30)
        return point

    def in_chart(self, expr: sp.Basic) -> sp.Basic:
        """``expr`` with every derived quantity written in the chart."""
        return sp.sympify(expr).xreplace(self.derived)

    def density(self, of: tuple[str, ...], given: tuple[str, ...]) -> Density | None:
        for d in self.densities:
            if d.of == of and d.given == given:
                return d
        return None

    def function(self, name: str, inverse: bool) -> Function | None:
        for f in self.functions:
            if f.name == name and f.inverse == inverse:
                return f
        return None

    def symbol(self, name: str) -> sp.Basic | None:
        return self.names.get(name)
