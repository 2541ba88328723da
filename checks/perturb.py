"""The checker's recall: every claim made false on purpose must come out refuted.

Three perturbations, each applied to either side of a claim at one concrete size:

* ``scale``   the side times 1 + 1/7;
* ``term``    one term of a sum in the side changed (doubled), the first sum found in the side;
* ``k+1``     k replaced by k + 1 in every exponent of the claim's form that has k (before
              instantiation); not applicable to a side with no such exponent.

A perturbation that leaves the side unchanged (a sum with no term to change) is "not applicable".
``recall(subject)`` decides every applicable perturbed claim; each must be refuted.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import numpy as np
import sympy as sp

from . import instances
from .claim import Claim, Form, Instance, Model
from .decide import Outcome, decide_instance

KINDS = ("scale", "term", "k+1")


def _first_sum(expr: sp.Basic) -> sp.Add | None:
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Add):
            return node
    return None


def change_one_term(expr: sp.Basic) -> sp.Basic | None:
    """``expr`` with the first term of its first sum doubled; None when it has no sum."""
    add = _first_sum(expr)
    if add is None:
        return None
    first = add.args[0]
    return expr.xreplace({add: sp.Add(2 * first, *add.args[1:], evaluate=False)})


def shift_exponents(expr: sp.Basic, size: sp.Symbol) -> sp.Basic | None:
    """Every exponent that has the size k, with k + 1 for k; None when there is none."""
    hits = [p for p in sp.sympify(expr).atoms(sp.Pow) if p.exp.has(size)]
    if not hits:
        return None
    return expr.replace(lambda e: isinstance(e, sp.Pow) and e.exp.has(size),
                        lambda e: sp.Pow(e.base, e.exp.xreplace({size: size + 1})))


def perturbed(claim: Claim, model: Model, base: Instance) -> Iterator[tuple[str, int, Instance | None]]:
    """(kind, side, the perturbed instance or None when not applicable) for each kind and side."""
    form: Form | None = claim.form() if claim.form is not None else None
    for side in (0, 1):
        for kind in KINDS:
            if kind == "k+1":
                if form is None or not form.sized or claim.kind == "restatement":
                    yield kind, side, None
                    continue
                new_pairs = []
                for pair in form.pairs:
                    p = list(pair)
                    p[side] = shift_exponents(p[side], model.size) if p[side] is not None else None
                    new_pairs.append(tuple(p))
                if any(p[side] is None for p in new_pairs):
                    yield kind, side, None
                    continue
                changed = dataclasses.replace(claim, form=lambda f=form, n=new_pairs: dataclasses.replace(f, pairs=n))
                yield kind, side, instances.concrete(changed, model, instances.probe_k(claim))
                continue
            pairs = []
            for pair in base.pairs:
                p = list(pair)
                p[side] = p[side] * sp.Rational(8, 7) if kind == "scale" else change_one_term(p[side])
                pairs.append(tuple(p))
            if any(p[side] is None for p in pairs):
                yield kind, side, None
                continue
            yield kind, side, dataclasses.replace(base, pairs=pairs)


def recall(claims, model: Model, base_instance) -> dict:
    """Decide every applicable perturbation of every claim.  ``base_instance(claim)`` is the claim's
    instance at its perturbation size (a restatement's comes from the printed text).

    Returns {"applicable", "refuted", "recall", "missed": [(claim id, kind, side, verdict)],
    "not_applicable"}."""
    missed, total, refuted, na = [], 0, 0, 0
    for claim in claims:
        base = base_instance(claim)
        if base is None:
            continue
        for kind, side, inst in perturbed(claim, model, base):
            if inst is None:
                na += 1
                continue
            total += 1
            k = instances.probe_k(claim)
            outcome = Outcome(claim, "verified", [k], 0.0)
            verdict = decide_instance(claim, inst, k, np.random.default_rng(7), outcome)
            if verdict == "refuted":
                refuted += 1
            else:
                missed.append((claim.id, kind, side, verdict))
    return {"applicable": total, "refuted": refuted, "recall": refuted / total if total else 1.0,
            "missed": missed, "not_applicable": na}
