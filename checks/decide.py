"""Deciding a claim: symbolic proof, numeric cross-check, one of three verdicts.

    verified      a canonical form proved every pair for every k, and mpmath agrees
    refuted       mpmath found a point where the sides differ (confirmed at higher precision)
    inconclusive  neither: no proof was found and no counterexample either

A symbolic proof that the numerics contradict raises :class:`CheckerBug`: the
checker itself is wrong and the run must fail.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy as sp

from . import instances as instances_mod
from .canonical import prove_equal
from .claim import Claim, Instance, Model
from .integrals import prove_integral_equal
from .numeric import Comparison, Pair

VERDICTS = ("verified", "refuted", "inconclusive", "unchecked")

DPS = 30            # digits of the cross-check
CONFIRM_DPS = 50    # a counterexample is re-evaluated at this precision
POINTS = 3          # random points per pair and k
POINTS_QUAD = 2     # ... where each evaluation is a quadrature
MANY_PAIRS = 8      # beyond this many pairs in one instance, one point per pair
AGREE = mpmath.mpf("1e-18")       # relative agreement, closed forms
AGREE_QUAD = mpmath.mpf("1e-12")  # relative agreement where quadrature is involved
DIFFER = mpmath.mpf("1e-8")       # a difference this large is a counterexample


class CheckerBug(AssertionError):
    """A symbolic 'verified' that the numeric cross-check contradicts."""


@dataclass
class Outcome:
    claim: Claim
    verdict: str
    k: list[int] | str
    seconds: float
    methods: list[str] = field(default_factory=list)
    points: int = 0
    max_difference: float = 0.0
    counterexample: dict | None = None
    note: str = ""
    #: the first pair as checked (smallest k), for reports to typeset
    shown: tuple | None = None


def _has_integral(*exprs: sp.Basic) -> bool:
    return any(sp.sympify(e).has(sp.Integral) for e in exprs)


def symbolic(lhs: sp.Basic, rhs: sp.Basic, inst: Instance, cheap: bool = False) -> tuple[bool | None, str]:
    """Prove one pair; also with the dependent definitions (``where``) substituted.

    Targeted canonical forms are tried on every form before ``simplify`` is tried on any.
    ``cheap`` skips ``simplify`` and SymPy's ``integrate`` (used where numerics already refute:
    any proof found then is a checker bug, and the cheap forms are the ones that could err).
    """
    if inst.prove is not None:  # an instance for symbolic size brings its own prover
        return inst.prove(lhs, rhs)
    attempts = [(lhs, rhs)]
    if inst.where:  # the defined quantities substituted first: usually the direct route
        attempts.insert(0, (sp.sympify(lhs).xreplace(inst.where), sp.sympify(rhs).xreplace(inst.where)))
    why = ""
    for last_resort in (False,) if cheap else (False, True):
        for a, b in attempts:
            if _has_integral(a, b):
                if last_resort:
                    continue
                closed = tuple(c for c in inst.closed_forms if not (cheap and c == "sympy"))
                ok, why = prove_integral_equal(a, b, inst.substitution, closed)
            else:
                ok, why = prove_equal(a, b, last_resort=last_resort)
            if ok:
                return True, why
    return None, why


def _sides(lhs, rhs, inst: Instance):
    if inst.numeric is not None:  # symbolic size: evaluated at a concrete k
        return inst.numeric(lhs), inst.numeric(rhs)
    if not inst.where:
        return lhs, rhs
    return sp.sympify(lhs).xreplace(inst.where), sp.sympify(rhs).xreplace(inst.where)


def _numeric(pair: Pair, inst: Instance, rng: np.random.Generator, points: int = POINTS) -> list[Comparison]:
    return [pair.compare(inst.sample(rng), DPS) for _ in range(points)]


def _confirmed(pair: Pair, cmp: Comparison) -> Comparison | None:
    again = pair.compare(cmp.point, CONFIRM_DPS)
    return again if again.difference > DIFFER else None


def _counterexample(k, index: int, cmp: Comparison) -> dict:
    return {
        "k": k,
        "pair": index,
        "point": {str(s): mpmath.nstr(v, 12) for s, v in sorted(cmp.point.items(), key=lambda t: str(t[0]))},
        "lhs": mpmath.nstr(cmp.lhs, 15) if not isinstance(cmp.lhs, str) else cmp.lhs,
        "rhs": mpmath.nstr(cmp.rhs, 15) if not isinstance(cmp.rhs, str) else cmp.rhs,
    }


def decide_instance(claim: Claim, inst: Instance, k, rng, outcome: Outcome) -> str:
    """Verdict of one instance ('verified' / 'refuted' / 'inconclusive'); fills ``outcome``."""
    if not inst.pairs:
        outcome.note = f"nothing to check at k = {k}: the claim has no instance there"
        return "inconclusive"
    verdict = "verified"
    if outcome.shown is None and inst.pairs:
        outcome.shown = tuple(inst.pairs[0])
    for index, (lhs, rhs) in enumerate(inst.pairs):
        # Numerics first: a confirmed counterexample spares the slow proof attempts.
        pair = Pair(*_sides(lhs, rhs, inst))
        quad = _has_integral(lhs, rhs)
        # Quadrature at 30 digits is the expensive part: beyond k = 4, one point per pair and k.  An
        # instance with many pairs (one per free index value) gets one point per pair: every pair is
        # still evaluated, and proved.
        checks = _numeric(pair, inst, rng, (POINTS_QUAD if not isinstance(k, int) or k <= 4 else 1)
                          if quad else POINTS if len(inst.pairs) <= MANY_PAIRS else 1)
        outcome.points += len(checks)
        tol = AGREE_QUAD if _has_integral(lhs, rhs) else AGREE
        worst = max(checks, key=lambda c: c.difference)
        outcome.max_difference = max(outcome.max_difference, float(worst.difference))
        confirmed = _confirmed(pair, worst) if worst.difference > DIFFER else None
        ok, why = symbolic(lhs, rhs, inst, cheap=confirmed is not None)
        outcome.methods.append(why)
        if worst.difference > tol:
            if ok and confirmed is not None:
                raise CheckerBug(f"{claim.id} (k={k}): symbolic '{why}' but numerics differ: {worst}")
            if confirmed is not None:
                outcome.counterexample = _counterexample(inst.numeric_k or k, index, confirmed)
                return "refuted"
            verdict = "inconclusive"
            outcome.note = f"numeric difference {mpmath.nstr(worst.difference, 3)} below the refutation threshold"
        elif not ok:
            verdict = "inconclusive"
            outcome.note = f"numerics agree but no proof: {why}"
    return verdict


def decide(claim: Claim, model: Model, ks=None, seed: int = 0, general: bool = False) -> Outcome:
    """Decide ``claim`` for each concrete k (or, with ``general``, for symbolic k); the worst
    verdict wins.  A claim with no concrete ks is decided for symbolic k."""
    general = general or not claim.ks
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    ks = list(claim.ks if ks is None else ks)
    outcome = Outcome(claim, "verified", "symbolic" if general else ks, 0.0)
    instances = ([("symbolic", instances_mod.symbolic(claim, model))] if general
                 else [(k, instances_mod.concrete(claim, model, k)) for k in ks])
    for k, inst in instances:
        verdict = decide_instance(claim, inst, k, rng, outcome)
        if verdict == "refuted":
            outcome.verdict = "refuted"
            break
        if verdict == "inconclusive":
            outcome.verdict = "inconclusive"
    outcome.seconds = time.perf_counter() - start
    return outcome
