"""The symbols of the log-space derivation, for symbolic k and at a concrete size.

The chart is x_1..x_{k-1} (real, with sum_{i<k} e^{x_i} < 1); x_k = log(1 - sum_{i<k} e^{x_i}) is
defined by them (eq. (2)), and y_i = e^{x_i} for every i (so y is on the open simplex and
y_k = 1 - sum_{i<k} y_i).  The parameters: pi_i > 0 (on the simplex), tau > 0.

The symbols are the first subject's (``derive.model``: x, y, pi, tau and the size k), so the final
density (J28) verified there is reused as it is; what differs is the model: here y is not a
coordinate of its own but e^x (``Model.concrete`` writes y_n as e^{x_n}; the symbolic-k proofs apply
the same rewrite, :func:`y_is_exp_x`), and the sampler draws x inside the domain of the map.
"""
from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from ..model import PI, K, P, S, X, Y, i, j, m, symbols_for, tau
from ..model import Model as _FirstModel

__all__ = ["MODEL", "NUMERIC_K", "PI", "X_LAST", "K", "P", "S", "X", "Y", "e_x", "i", "j", "m", "tau", "x_last",
           "y_is_exp_x"]

NUMERIC_K = 4          # the size of the numeric cross-check of symbolic-k claims
DIGITS = 60            # sampled points are consistent (y = e^x, x_k = log(1 - sum)) to this many digits


def e_x(a):
    """y_a = e^{x_a}: the change of variables (2)."""
    return sp.exp(X[a])


def x_last():
    """x_k = log(1 - sum_{i<k} e^{x_i}) (2)."""
    return sp.log(1 - S(e_x, hi=K - 1))


#: the dependent coordinate x_k, defined by the others
X_LAST = {X[K]: x_last()}


def y_is_exp_x(e):
    """y_a -> e^{x_a} for every a (the model's y: also y_k = e^{x_k}, by (2))."""
    return sp.sympify(e).replace(lambda a: isinstance(a, sp.Indexed) and a.base == Y, lambda a: e_x(a.indices[0]))


def sample(k: int, rng: np.random.Generator) -> dict:
    """A point inside every assumption at size k: y on the open simplex (Dirichlet(1.5)), x = log y
    (so sum_{i<k} e^{x_i} < 1 and x_k = log(1 - sum_{i<k} e^{x_i}), to 60 digits), y_n = e^{x_n},
    pi on the open simplex, tau in (0.2, 3)."""
    s = symbols_for(k)
    draw = rng.dirichlet(np.full(k, 1.5))
    pi = rng.dirichlet(np.ones(k))
    t = rng.uniform(0.2, 3)
    with mpmath.workdps(DIGITS):
        head = [mpmath.mpf(float(a)) for a in draw[:-1]]
        y = [*head, 1 - mpmath.fsum(head)]
        x = [mpmath.log(a) for a in y]
    point = dict(zip(s.x, x))
    point.update(zip(s.y, y))
    point.update(zip(s.pi, (float(a) for a in pi)))
    point[tau] = float(t)
    return point


class Model:
    """The engine's view of this subject's symbols (``checks.claim.Model``)."""

    size = K
    numeric_k = NUMERIC_K

    @staticmethod
    def concrete(expr: sp.Basic, k: int) -> sp.Basic:
        """The first subject's concrete symbols, with y_n written as e^{x_n}."""
        return _FirstModel.concrete(y_is_exp_x(expr), k)

    @staticmethod
    def sampler(k: int):
        if k < 2:
            raise ValueError(f"k: need k >= 2, got {k}")
        return lambda rng: sample(k, rng)


MODEL = Model()


def at(expr: sp.Basic, k: int, **indices: int) -> sp.Basic:
    """A general expression at size ``k`` in the concrete symbols (free indices by name), for the
    end-to-end checks and figures: the verified forms, never written again."""
    from checks.structural import instantiate
    names = {str(s): s for s in sp.sympify(expr).atoms(sp.Symbol)}
    unknown = sorted(set(indices) - set(names))
    if unknown:
        raise ValueError(f"indices: {unknown} do not occur in the expression")
    values = {K: k, **{names[n]: val for n, val in indices.items()}}
    return Model.concrete(instantiate(expr, values), k)
