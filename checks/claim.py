"""The claim model: what the checker is asked to decide.

A :class:`Claim` is one "=" of a derivation (or one mathematical statement made
in its prose), together with the rule that is supposed to justify it.  It knows
how to build itself for a concrete size ``k`` (:class:`Instance`) and, where it
has one, in a general form for symbolic ``k``.

    Claim ──build(k)──▶ Instance(pairs lhs = rhs, sampler, substitutions)
          ──general()─▶ Instance (Sum / Product with symbolic bounds)

The checker (``checks.decide``) knows nothing about any particular note.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import sympy as sp

#: Rules a claim may cite.  The rule names the step; the checker uses it to
#: choose the method (an integral rule is checked as an integral).
RULES = {
    "definition": "restates a definition (checked against the reference definition)",
    "algebra": "algebraic identity",
    "substitution": "substitution of a defined quantity",
    "change of variables": "change of variables in an integral (limits and Jacobian sign)",
    "gamma integral": "Gamma integral: int_0^oo x^(z-1) e^(-a x) dx = a^(-z) Gamma(z), a > 0, z > 0",
    "gumbel location shift": "a shifted Gumbel variable is Gumbel with shifted location",
    "conditional independence": "given g_k, the u_i are independent",
    "marginalization": "law of total probability for densities",
    "derivative": "differentiation",
    "inverse map": "inverse of a map, checked both ways",
    "jacobian": "partial derivatives of the inverse map",
    "determinant lemma": "matrix determinant lemma det(D + c 11^T) = det(D)(1 + c sum 1/d_i)",
    "density transformation": "change of variables for densities",
    "expectation": "expected value as an integral against the density",
    "rewrite": "a verified rewrite on the way to generated code",
}

@dataclass(frozen=True)
class Instance:
    """A claim made concrete: every ``lhs == rhs`` in ``pairs`` must hold.

    ``sample(rng)`` returns a point {symbol: float} inside the assumptions
    (``rng`` is a ``numpy.random.Generator``).
    ``where`` maps dependent symbols to their definitions (e.g. y_k = 1 - sum);
    the symbolic check may ignore it (an identity that holds for free y_k holds
    under the constraint), the numeric check always applies it.
    ``substitution`` names a change of variables (old_expr, new_symbol) that an
    integral claim uses: v = e^{-g_k} is given as (exp(-g_k), v).
    """

    pairs: Sequence[tuple[sp.Basic, sp.Basic]]
    sample: Callable[[object], dict]
    where: Mapping[sp.Symbol, sp.Expr] = field(default_factory=dict)
    substitution: tuple[sp.Expr, sp.Symbol] | None = None
    #: closed forms the integral check may use; the Gamma rule is off where it is being proved (eq. (6))
    closed_forms: tuple[str, ...] = ("gamma", "sympy")


@dataclass(frozen=True)
class Claim:
    """One checkable statement of a note.

    ``equation`` is the note's number as a string ("5", "J25"); ``source`` is
    "display" for a numbered display equation and "text" for the prose.
    ``printed`` is the exact LaTeX the claim was read from (its "=" segment).
    """

    id: str
    equation: str
    rule: str
    statement: str
    printed: str
    build: Callable[[int], Instance] | None
    source: str = "display"
    ks: tuple[int, ...] = tuple(range(2, 9))
    general: Callable[[], Instance] | None = None
    correction: Claim | None = None  # the corrected claim, for a known erratum

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"rule: unknown rule {self.rule!r} for claim {self.id}")
        if self.source not in ("display", "text"):
            raise ValueError(f"source: must be 'display' or 'text', got {self.source!r}")
