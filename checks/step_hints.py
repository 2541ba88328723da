"""The subject's own claims as hints for the steps of an input, matched by meaning, never by number.

A claim *matches* a step when each side of the step equals a side of the claim at the step's sample
points (numerically, 20 digits; an integral that cannot be evaluated, such as a divergent one, matches
an integral with the same limits and the same integrand).  A matched claim that the engine proves
verifies a step the canonical forms could not prove directly; a matched claim that is an acknowledged
erratum of the subject acknowledges a refuted step that prints the same wrong statement.
"""
from __future__ import annotations

import mpmath
import sympy as sp

from . import instances
from .decide import decide
from .numeric import compile_expr

MATCH = mpmath.mpf("1e-9")
_PROBE = mpmath.mpf("0.37")


def _value(expr, point_by_name: dict, dps: int = 20):
    expr = sp.sympify(expr)
    params = tuple(sorted(expr.free_symbols, key=str))
    try:
        with mpmath.workdps(dps):
            return mpmath.mpmathify(compile_expr(expr, params)(*[mpmath.mpf(point_by_name[str(s)]) for s in params]))
    except (KeyError, ZeroDivisionError, OverflowError, ValueError, TypeError):
        return None


def _flat(expr):
    """Every integral replaced by its integrand at a fixed value of its variable, with its limits."""
    integrals = sorted(sp.sympify(expr).atoms(sp.Integral), key=sp.srepr)
    limits = [tuple(str(x) for x in i.limits[0][1:]) for i in integrals]
    flat = sp.sympify(expr).replace(lambda e: isinstance(e, sp.Integral),
                                    lambda e: e.function.xreplace({e.limits[0][0]: _PROBE}))
    return flat, sorted(limits)


def same(x, y, points: list[dict]) -> bool:
    """``x`` and ``y`` equal at every point (or, where a value is not finite, equal as printed integrals)."""
    for p in points:
        a, b = _value(x, p), _value(y, p)
        if a is None or b is None or not (mpmath.isfinite(a) and mpmath.isfinite(b)) \
                or max(abs(a), abs(b)) > mpmath.mpf("1e50"):
            fx, lx = _flat(x)
            fy, ly = _flat(y)
            if not lx or lx != ly:
                return False
            a, b = _value(fx, p), _value(fy, p)
            if a is None or b is None:
                return False
        scale = max(abs(a), abs(b), mpmath.mpf(1e-300))
        if abs(a - b) / scale > MATCH:
            return False
    return True


class Hints:
    """The subject's claims, instantiated per size, with the decision of each (cached)."""

    def __init__(self, claims, model, where, errata: dict[str, str]):
        self.claims = [c for c in claims if c.form is not None and c.kind != "restatement"]
        self.model, self.where, self.errata = model, where, errata
        self._pairs: dict = {}
        self._verdicts: dict = {}

    def pairs(self, claim, k: int) -> list:
        key = (claim.id, k)
        if key not in self._pairs:
            try:
                form_where = instances.concrete(claim, self.model, k).where if k in claim.ks else {}
                where = {**form_where, **(self.where(claim.id, k) or {})} if self.where else dict(form_where)
                raw = instances.at_values(claim, self.model, k, {"i": 1, "j": 2})
                fix = (lambda e: sp.sympify(e).xreplace(where).xreplace(where))
                self._pairs[key] = [(fix(a), fix(b)) for a, b in raw if b is not None]
            except Exception:  # noqa: BLE001 - a claim with no instance at this size is no hint
                self._pairs[key] = []
        return self._pairs[key]

    def verdict(self, claim, k: int) -> str:
        key = (claim.id, k)
        if key not in self._verdicts:
            ks = [k] if k in claim.ks else None
            self._verdicts[key] = decide(claim, self.model, ks=ks).verdict
        return self._verdicts[key]

    def _matches(self, claims, k, a, b, points):
        byname = [{str(s): v for s, v in p.items()} for p in points]
        for claim in claims:
            if k not in claim.ks:
                continue
            for c, d in self.pairs(claim, k):
                if (same(a, c, byname) and same(b, d, byname)) or (same(a, d, byname) and same(b, c, byname)):
                    yield claim

    def verify(self, step, world, a, b, points) -> tuple[str, str] | None:
        """(claim id, method) of a proved claim whose sides are the step's, or None."""
        plain = [c for c in self.claims if c.id.split(".")[0] not in self.errata and c.id not in self.errata]
        for claim in self._matches(plain, world.k, a, b, points):
            if self.verdict(claim, world.k) == "verified":
                return claim.id, (f"each side equals a side of the subject's claim {claim.id} at the points "
                                  f"(matched by meaning), and {claim.id} is proved at k = {world.k}")
        return None

    def erratum(self, step, world, a, b, points) -> tuple[str | None, str | None]:
        """(claim id, explanation) of an acknowledged erratum that prints the step's statement."""
        known = [c for c in self.claims if c.id in self.errata]
        for claim in self._matches(known, world.k, a, b, points):
            return claim.id, self.errata[claim.id]
        return None, None

    def prose_erratum(self, step, world) -> tuple[str | None, str | None]:
        """A printed Gumbel mean that is the subject's acknowledged erratum: the claim "mean = M" of an
        erratum claim whose sides are (the mean, M) at the step's point."""
        import numpy as np

        from .step_sides import Reader
        known = [c for c in self.claims if c.id in self.errata]
        rng = np.random.default_rng(11)
        points = [world.sample(rng) for _ in range(2)]
        try:
            from .step_decide import free_indices
            printed = Reader(world, free_indices(step)).read(step.rhs)
        except Exception:  # noqa: BLE001
            return None, None
        byname = [{str(s): v for s, v in p.items()} for p in points]
        for claim in known:
            if world.k not in claim.ks:
                continue
            for c, d in self.pairs(claim, world.k):
                if same(printed, d, byname):
                    return claim.id, self.errata[claim.id]
        return None, None
