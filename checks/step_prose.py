"""Prose claims the model knows how to check: "u_i is a Gumbel whose mean is M".

The mean of a Gumbel with location L and scale 1 is L + gamma (Euler's constant).  A sentence that
names the mean of a Gumbel-distributed quantity is checked against the model's location of that
quantity (``World.locations``); a mean printed as a new symbol (mu) that the write-up uses as the
Gumbel's parameter is checked as "mean = location".
"""
from __future__ import annotations

import re

import mpmath
import numpy as np
import sympy as sp

from .step_sides import Reader
from .step_text import Unreadable
from .steps import Step

_SAYS = r"\bmean\b(?:\s+of\s+\$[^$]+\$)?(?:\s+(?:is|equals|therefore|thus|hence|then))*\s*=?\s*\$([^$]+)\$"
_MEAN = re.compile(r"Gumbel[^.]*?" + _SAYS + r"|" + _SAYS + r"[^.]*Gumbel", re.IGNORECASE)
_QUANTITY = re.compile(r"\$\s*([a-z])_\{?([a-z0-9])\}?\s*\$")


def prose_steps(sentences: list[tuple[int, str]]) -> list[tuple[int, Step]]:
    """(position, step) for each sentence that states a Gumbel's mean."""
    out = []
    for pos, sentence in sentences:
        m = _MEAN.search(sentence)
        if m:
            mean = (m.group(1) or m.group(2)).split("=")[0].strip()   # "$\\mu = x_i - ...$": the mean is mu
            out.append((pos, Step(0, "prose", None, "mean", mean, context=sentence, sentence=sentence)))
    return out


def decide_mean(step: Step, world) -> tuple[str, str, dict | None, str | None]:
    """(verdict, reason, counterexample, corrected claim) of a printed Gumbel mean."""
    gamma = sp.EulerGamma
    found = [(a, b) for a, b in _QUANTITY.findall(step.sentence) if a in ("u", "g")]
    # the quantity described, not the one conditioned on ("when $g_k$ is given, $u_i$ is ..."): u first
    quantities = [f"{a}_{b}" for a, b in sorted(found, key=lambda q: q[0] != "u")]
    free = {}
    for q in quantities:
        idx = q.split("_")[1]
        if idx.isalpha() and idx != "k":
            free.setdefault(idx, len(free) + 1)
    reader = Reader(world, free)
    try:
        mean = reader.read(step.rhs).xreplace({sp.Symbol("gamma"): gamma})   # \\gamma: Euler's constant
    except (Unreadable, ValueError) as exc:
        return "unchecked", f"unreadable: {exc}", None, None
    known = set(world.chart) | set(world.derived)
    unknown = [s for s in mean.free_symbols if s not in known]
    if unknown:                         # the write-up's own parameter: it is the location
        location, corrected = mean.subs(gamma, 0), f"{step.rhs} + \\gamma"
        quantity = "a Gumbel with location " + sp.latex(location)
    else:
        names = [reader.name(q) for q in quantities]
        loc = next((world.locations[n] for n in names if n in world.locations), None)
        if loc is None:
            return "unchecked", "the sentence names no quantity whose distribution the model knows", None, None
        location, corrected = loc, f"{sp.latex(loc)} + \\gamma"
        quantity = f"{quantities[0]} given g_k (location {sp.latex(loc)}, scale 1)"
    diff = sp.simplify(mean - (location + gamma))
    if diff == 0:
        return "verified", f"the mean of {quantity} is its location plus Euler's gamma", None, None
    value = {str(s): v for s, v in world.sample(np.random.default_rng(7)).items()}
    lhs = mpmath.mpf(str(sp.N(mean.subs({s: value.get(str(s), 1) for s in mean.free_symbols}), 20)))
    rhs = mpmath.mpf(str(sp.N((location + gamma).subs({s: value.get(str(s), 1) for s in (location + gamma).free_symbols}), 20)))
    cex = {"k": world.k, "point": {str(s): str(value.get(str(s), 1)) for s in mean.free_symbols},
           "lhs": mpmath.nstr(lhs, 12), "rhs": mpmath.nstr(rhs, 12)}
    reason = (f"the mean of {quantity} is the location plus Euler's gamma (0.5772...), not "
              f"{step.rhs}: printed {cex['lhs']}, true {cex['rhs']}")
    return "refuted", reason, cex, corrected

