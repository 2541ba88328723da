"""The claim model: what the checker is asked to decide.

A :class:`Claim` is one "=" of a derivation (or one mathematical statement made
in its prose), the rule that is supposed to justify it, and where the note prints
it (:class:`Anchor`).  Its statement is written once, for a symbolic size k, as a
:class:`Form`; the engine makes every concrete-k :class:`Instance` from it by
instantiation (``checks.instances``) through the subject's :class:`Model`.

    Claim ──form()──▶ Form (pairs over Sum / Product with symbolic bounds, free indices)
          ──checks.instances──▶ Instance at k = 2..8, and an Instance for symbolic k

The checker knows nothing about any particular note: the subject hands it claims,
a model (how its symbols look at a concrete k, and where to sample them) and the
note copy (``checks.subject.Subject``).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import sympy as sp

#: Rules a claim may cite.  The rule names the step; the checker uses it to
#: choose the method (an integral rule is checked as an integral).
RULES = {
    "restatement": "restates a definition or an earlier line; checked against the printed text, "
                   "counted apart from derivation steps",
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

#: How a claim counts: a derivation step, a restatement, a completion the note skips, a code rewrite.
KINDS = ("step", "restatement", "completion", "rewrite")


@dataclass(frozen=True)
class Anchor:
    """Where a claim is printed in the note.

    ``kind`` "display": display equation ``equation``, its chain ``chain`` (0 for a single
    chain), the sides at positions ``sides`` of that chain (``(0, 1)`` is the first "=").
    ``kind`` "inline": the ``chain``-th inline math snippet of the prose before display
    ``equation``, sides as above.  ``kind`` "prose": the ``chain``-th sentence of that prose, its clause
    ``sides[0]`` (clauses are joined by "and").
    """

    kind: str
    equation: str
    chain: int = 0
    sides: tuple[int, ...] = (0, 1)

    def __post_init__(self) -> None:
        if self.kind not in ("display", "inline", "prose"):
            raise ValueError(f"kind: must be 'display', 'inline' or 'prose', got {self.kind!r}")

    def as_dict(self) -> dict:
        return {"kind": self.kind, "equation": self.equation, "chain": self.chain, "sides": list(self.sides)}


@dataclass(frozen=True)
class Form:
    """A claim for symbolic size: every ``lhs == rhs`` of ``pairs`` holds for every value of the
    free indices.

    ``indices``: free index -> the upper end of its range 1..upper (an expression in the size).
    ``distinct``: pairs of free indices that must differ (eq. (15): j != i).
    ``where``: dependent symbols -> their definitions (y_k = 1 - sum_{j<k} y_j); the symbolic
    check may ignore it (an identity for free y_k holds under the constraint), the numeric
    check always applies it.
    ``facts``: rewrites (dicts or functions) the symbolic-k proof applies to both sides.
    ``substitution``: a change of variables (old_expr, new_symbol) an integral claim uses.
    ``closed_forms``: closed forms the integral check may use (the Gamma rule is off where it is
    being proved, eq. (6)).
    ``lemma``: a rewrite of the symbolic-k proof that rests on a cited lemma.
    ``sized``: False for a statement with no size (eq. (6)): decided once, for symbolic values.
    ``sample``: a sampler of its own (for a form with its own variables); default the model's.
    """

    pairs: Sequence[tuple[sp.Basic, sp.Basic]]
    indices: Mapping[sp.Symbol, sp.Expr] = field(default_factory=dict)
    distinct: tuple[tuple[sp.Symbol, sp.Symbol], ...] = ()
    where: Mapping[sp.Basic, sp.Expr] = field(default_factory=dict)
    facts: tuple = ()
    substitution: tuple[sp.Expr, sp.Symbol] | None = None
    closed_forms: tuple[str, ...] = ("gamma", "sympy")
    lemma: Callable | None = None
    sized: bool = True
    sample: Callable | None = None


@dataclass(frozen=True)
class Instance:
    """A claim made checkable: every ``lhs == rhs`` in ``pairs`` must hold.

    ``sample(rng)`` returns a point {symbol: float} inside the assumptions
    (``rng`` is a ``numpy.random.Generator``).  ``where``, ``substitution`` and
    ``closed_forms`` as in :class:`Form`.  An instance for symbolic size brings its own
    prover (``prove``) and a map of its sides to a concrete size for the numeric check
    (``numeric``, at size ``numeric_k``).
    """

    pairs: Sequence[tuple[sp.Basic, sp.Basic]]
    sample: Callable[[object], dict]
    where: Mapping[sp.Symbol, sp.Expr] = field(default_factory=dict)
    substitution: tuple[sp.Expr, sp.Symbol] | None = None
    closed_forms: tuple[str, ...] = ("gamma", "sympy")
    prove: Callable | None = None
    numeric: Callable | None = None
    numeric_k: int | None = None


class Model(Protocol):
    """What the subject tells the engine about its symbols.

    ``size`` is the symbolic size (k); ``numeric_k`` the size at which a symbolic-size claim
    is cross-checked numerically.  ``concrete(expr, k)`` maps an expression whose size and
    indices are already integers to the concrete symbols (x[2] -> x_2); ``sampler(k)`` draws
    points inside the assumptions at size k.
    """

    size: sp.Symbol
    numeric_k: int

    def concrete(self, expr: sp.Basic, k: int) -> sp.Basic: ...

    def sampler(self, k: int) -> Callable[[object], dict]: ...


@dataclass(frozen=True)
class Claim:
    """One checkable statement of a note.

    ``anchor`` says where the note prints it; its printed text is read from the note copy
    there (``Subject.printed``).  A claim the note does not print (a completion, a rewrite
    for generated code) has no anchor and carries its own ``latex`` instead.
    ``ks`` are the concrete sizes decided; with ``general`` the form is also decided for
    symbolic k (a second record, id ``<id>.general``).  ``lemma`` names a lemma the
    symbolic-k proof rests on.  ``correction`` is the corrected claim of a known erratum.
    ``indirect`` says how the check differs from a direct reading of the printed sides.
    """

    id: str
    rule: str
    statement: str
    form: Callable[[], Form] | None
    anchor: Anchor | None = None
    equation: str = ""
    latex: str = ""
    kind: str = "step"
    ks: tuple[int, ...] = tuple(range(2, 9))
    general: bool = True
    lemma: str | None = None
    correction: Claim | None = None
    indirect: str = ""
    #: an instance the subject builds itself at size k, for a claim with no form (a code rewrite
    #: whose printed expressions have their own instantiation)
    build: Callable[[int], Instance] | None = None

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"rule: unknown rule {self.rule!r} for claim {self.id}")
        if self.kind not in KINDS:
            raise ValueError(f"kind: must be one of {KINDS}, got {self.kind!r} for claim {self.id}")
        if (self.form is None) == (self.build is None):
            raise ValueError(f"form: claim {self.id} needs exactly one of form and build")
        if self.anchor is None and not self.latex:
            raise ValueError(f"latex: claim {self.id} has no anchor in the note, so it needs its own latex")
        if not self.equation:
            if self.anchor is None:
                raise ValueError(f"equation: claim {self.id} needs an equation label or an anchor")
            object.__setattr__(self, "equation", self.anchor.equation)

    @property
    def source(self) -> str:
        """'display' for a display equation (or a completion), 'text' for the prose."""
        return "text" if self.anchor is not None and self.anchor.kind != "display" or \
            self.kind == "rewrite" else "display"
