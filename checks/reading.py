"""Reading printed sides: parse them (``checks.latex``), evaluate them at a claim's sample points, tie
them to the claim's form, and check a printed claim as printed.

An :class:`Evaluator` holds one claim at one concrete k: its instance (from the claim's form), sample
points, the names of its symbols and the subject's ``where`` for that claim.  :func:`analyse` ties each
printed side to a side of the claim's form; :func:`decide_printed` checks an edited printed claim.
"""
from __future__ import annotations

import dataclasses
import itertools
import re
from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy as sp

from . import instances, latex
from .claim import Instance
from .numeric import Pair
from .subject import Hints
from .verdict import PrintedCheck

POINTS = 2
DPS = 20
CONFIRM_DPS = 50
AGREE = mpmath.mpf("1e-10")          # relative agreement where a side has an integral (quadrature)
DIFFER = mpmath.mpf("1e-8")          # ... and a difference that large is a counterexample
AGREE_EXACT = mpmath.mpf("1e-15")    # closed forms at 20 digits
DIFFER_EXACT = mpmath.mpf("1e-30")   # closed forms re-evaluated at 50 digits
SEED = 1234


@dataclass
class Side:
    text: str
    status: str                      # parsed | opaque | unparseable
    expr: object = None
    normalizations: list = field(default_factory=list)
    reason: str = ""
    bound: int | None = None         # index of the transcription side it equals


def relative(cmp) -> mpmath.mpf:
    """|a - b| / max(|a|, |b|) of a comparison (0 for two zeros): a change below 1 is not hidden
    behind an absolute floor."""
    if isinstance(cmp.lhs, str) or isinstance(cmp.rhs, str):
        return mpmath.inf
    scale = max(abs(cmp.lhs), abs(cmp.rhs))
    if not mpmath.isfinite(scale):
        return mpmath.mpf(0) if cmp.lhs == cmp.rhs else mpmath.inf
    return abs(cmp.lhs - cmp.rhs) / scale if scale else mpmath.mpf(0)


class Evaluator:
    """One claim at one concrete k: the instance, its sample points, name table and ``where``."""

    def __init__(self, claim, hints: Hints, model, k: int | None = None):
        self.claim = claim
        self.k = k if k is not None else instances.probe_k(claim)
        self.inst = instances.concrete(claim, model, self.k) if claim.form is None or claim.form().sized \
            else instances.symbolic(claim, model)
        self.inst = _restated(self.inst)
        rng = np.random.default_rng(SEED)
        self.points = [self.inst.sample(rng) for _ in range(POINTS)]
        names = {str(s): s for s in self.points[0]}
        for pair in self.inst.pairs:
            for side in pair:
                names.update({str(s): s for s in sp.sympify(side).free_symbols})
        self.names = names
        self.where = dict(self.inst.where)
        if hints.where is not None:
            self.where.update(hints.where(claim.id, self.k) or {})
        self.hints = hints

    def side(self, text: str) -> Side:
        if latex.is_opaque(text):
            return Side(text, "opaque", reason="names a quantity defined in the note")
        try:
            expr, fired = latex.parse(text)
            expr = latex.concretize(expr, self.k, self.names, defined=self.hints.defined)
        except (latex.Unparseable, TypeError, ValueError, AttributeError, IndexError) as exc:
            return Side(text, "unparseable", reason=str(exc) or type(exc).__name__)
        self._extend(expr)
        known = set(self.points[0])
        unknown = [s for s in self._fix(expr).free_symbols if s not in known]
        if unknown or expr.atoms(sp.core.function.AppliedUndef):
            why = f"unknown symbols {sorted(map(str, unknown))}" if unknown else "undefined functions"
            return Side(text, "unparseable", normalizations=fired, reason=why)
        return Side(text, "parsed", expr, fired)

    def _extend(self, expr) -> None:
        """An index outside 1..k (x_4 for k = 3, from a sum printed up to k+1) names a quantity
        the note does not have: it gets a value of its kind (a multiple of x_1's), so that the
        printed formula can still be evaluated (and refuted)."""
        for sym in sp.sympify(expr).free_symbols:
            m = re.match(r"^([A-Za-z]+)_(\d+)$", sym.name)
            if sym in self.points[0] or not m or int(m.group(2)) <= self.k:
                continue
            first = self.names.get(f"{m.group(1)}_1")
            if first is None or first not in self.points[0]:
                continue
            for n, p in enumerate(self.points):
                p[sym] = p[first] * (0.61 + 0.17 * n)

    def _fix(self, expr):
        e = sp.sympify(expr)
        for _ in range(2):
            e = e.xreplace(self.where)
        return e

    def values(self, expr, dps=DPS):
        e = self._fix(expr)
        pair = Pair(e, e)
        return [pair.compare(p, dps).lhs for p in self.points]

    def same_integrands(self, a, b) -> bool:
        """Both sides with every integral replaced by its integrand at a common value of the
        integration variable agree, and the integrals' limits are the same: the integrals agree
        as printed even where the numbers cannot show it (a divergent integral)."""
        ia, ib = sp.sympify(a).atoms(sp.Integral), sp.sympify(b).atoms(sp.Integral)
        if not ia or not ib:
            return False
        lims = lambda atoms: sorted(sp.srepr(i.limits[0][1:]) for i in atoms)
        if lims(ia) != lims(ib):
            return False
        t = sp.Dummy("t")

        def flat(e):
            return sp.sympify(e).replace(lambda x: isinstance(x, sp.Integral),
                                         lambda x: x.function.xreplace({x.limits[0][0]: t}))
        pair = Pair(self._fix(flat(a)), self._fix(flat(b)))
        for n, p in enumerate(self.points):
            q = dict(p)
            q[t] = 0.3 + 0.45 * n
            if pair.compare(q, DPS).difference > AGREE:
                return False
        return True

    def differ(self, a, b):
        """The point where ``a`` and ``b`` differ most, when they differ beyond the agreement; else None."""
        pair = Pair(self._fix(a), self._fix(b))
        worst = max((pair.compare(p, DPS) for p in self.points), key=lambda c: c.difference)
        return worst if worst.difference > AGREE else None


def _restated(inst):
    """A restatement's form has the printed formula (None) on its right: the reference stands for it."""
    if all(b is not None for _, b in inst.pairs):
        return inst
    return dataclasses.replace(inst, pairs=[(a, a if b is None else b) for a, b in inst.pairs])


def _fmt(v) -> str:
    return v if isinstance(v, str) else mpmath.nstr(v, 15)


_ANALYSED: dict = {}


def analyse(claim, texts: list[str], ev: Evaluator) -> tuple[list[Side], int | None, str]:
    """Parse the printed sides and tie them to one transcription pair: (sides, pair index, status).

    Cached per (claim, printed sides, size) within a process: the same text gives the same answer."""
    key = (claim.id, tuple(texts), ev.k, tuple(sorted(map(str, ev.where.items()))))
    if key not in _ANALYSED:
        _ANALYSED[key] = _analyse(claim, texts, ev)
    return _ANALYSED[key]


def _analyse(claim, texts: list[str], ev: Evaluator) -> tuple[list[Side], int | None, str]:
    sides = [ev.side(t) for t in texts]
    parsed = [s for s in sides if s.status == "parsed"]
    if not parsed:
        return sides, None, "unparseable"
    best = (None, -1, None)
    for index, pair in enumerate(ev.inst.pairs):
        bound = []
        for s in sides:
            hit = None
            if s.status == "parsed":
                for t, tside in enumerate(pair):
                    try:
                        if ev.differ(s.expr, tside) is None or ev.same_integrands(s.expr, tside):
                            hit = t
                            break
                    except Exception:  # noqa: BLE001, S110 - a side the evaluator cannot compare stays unbound
                        pass
            bound.append(hit)
        n = sum(b is not None for b in bound)
        if n > best[1]:
            best = (index, n, bound)
        if n == len(parsed):
            break
    index, n, bound = best
    for s, b in zip(sides, bound):
        s.bound = b
    for s in sides:  # a bare name being defined (y_i = …) is not a formula to compare
        if s.status == "parsed" and s.bound is None and isinstance(s.expr, sp.Symbol):
            s.status, s.reason = "opaque", "the name being defined"
    parsed = [s for s in sides if s.status == "parsed"]
    if not parsed:
        return sides, index, "unparseable"
    if all(s.bound is not None for s in parsed):
        return sides, index, "confirmed"
    return sides, index, "indirect" if claim.indirect else "differs"


def _side_record(s: Side) -> dict:
    return {"printed": s.text, "status": s.status, "normalizations": s.normalizations,
            "parsed": sp.sstr(s.expr) if s.expr is not None else None,
            "reason": s.reason or None,
            "transcription_side": s.bound}


def decide_printed(claim, ref_texts: list[str], texts: list[str], ev: Evaluator, bind: bool = True) -> PrintedCheck:
    """Check the printed claim whose text differs from the project's copy, as printed: each changed
    side read, each unchanged side keeping its value, adjacent sides compared at the points."""
    ref_sides, index, _ = analyse(claim, ref_texts, ev)
    pair = ev.inst.pairs[index or 0]
    taken = {s.bound for s in ref_sides if s.bound is not None}
    free_t = [t for t in (0, 1) if t not in taken]
    values, problems, shown = [], [], []
    same_shape = len(texts) == len(ref_texts)
    for n, text in enumerate(texts):
        ref = ref_sides[n] if same_shape else None
        if ref is not None and _same_text(text, ref.text):
            if ref.status == "parsed" or (not bind and ref.expr is not None):
                values.append((text, ref.expr))
            elif free_t:
                values.append((text, pair[free_t.pop(0)]))
            shown.append(_side_record(ref))
            continue
        side = ev.side(text)
        shown.append(_side_record(side))
        if side.status == "parsed":
            values.append((text, side.expr))
        elif ref is not None and ref.status in ("opaque", "parsed") and side.status == "opaque":
            problems.append(f"the printed side '{ref.text}' was changed to '{text}', a name the reading cannot "
                            f"evaluate: the printed claim cannot be checked")
        else:
            problems.append(f"the changed side '{text}' cannot be parsed ({side.reason}); "
                            f"the printed claim cannot be checked")
    check = PrintedCheck("inconclusive", ev.k, shown, digits=DPS)
    if len(values) >= 2:
        check.shown = (ev._fix(values[0][1]), ev._fix(values[1][1]))
    proved = []
    for (ta, a), (tb, b) in itertools.pairwise(values):
        try:
            worst = max((Pair(ev._fix(a), ev._fix(b)).compare(p, DPS) for p in ev.points), key=relative)
        except Exception as exc:  # noqa: BLE001 - a side that cannot be evaluated is reported
            problems.append(f"cannot evaluate '{ta}' = '{tb}': {exc}")
            continue
        quad = sp.sympify(a).has(sp.Integral) or sp.sympify(b).has(sp.Integral)
        agree, differ = (AGREE, DIFFER) if quad else (AGREE_EXACT, DIFFER_EXACT)
        check.points += len(ev.points)
        check.max_difference = max(check.max_difference, float(relative(worst)))
        if relative(worst) <= agree:
            proved.append(_prove(ev, a, b))
            continue
        again = Pair(ev._fix(a), ev._fix(b)).compare(worst.point, CONFIRM_DPS)
        if relative(again) <= differ:
            problems.append(f"'{ta}' and '{tb}' differ below the refutation threshold "
                            f"(relative difference {mpmath.nstr(relative(again), 3)})")
            continue
        check.shown = (ev._fix(a), ev._fix(b))
        check.verdict = "refuted"
        check.counterexample = {
            "k": ev.k, "pair": index or 0, "printed_lhs": ta, "printed_rhs": tb,
            "point": {str(s): mpmath.nstr(v, 12) for s, v in sorted(again.point.items(), key=lambda t: str(t[0]))},
            "lhs": _fmt(again.lhs), "rhs": _fmt(again.rhs)}
        check.max_difference = max(check.max_difference, float(relative(again)))
        return check
    unproved = [why for ok, why in proved if not ok]
    if unproved and not problems:
        problems.append(f"the printed sides agree numerically at k = {ev.k} but no proof was found: {unproved[0]}")
    if problems:
        check.verdict, check.note = "inconclusive", "; ".join(problems)
        return check
    if len(values) < 2:
        check.note = "fewer than two printed sides have values"
        return check
    check.verdict = "verified"
    check.note = (f"the printed text differs from the project's copy; as printed it is proved at k = {ev.k} "
                  f"({'; '.join(sorted({why for _, why in proved}))})")
    return check


def _same_text(a: str, b: str) -> bool:
    """The same printed text up to spacing, thin spaces, \\mathrm{d} for d and braces around one token."""
    def key(t: str) -> str:
        t = re.sub(r"\\[,;!: ]|\s+", "", t)
        t = re.sub(r"\\mathrm\{d\}", "d", t)
        return re.sub(r"\{(\\?[A-Za-z0-9]+)\}", r"\1", t)
    return key(a) == key(b)


def _prove(ev: Evaluator, a, b) -> tuple[bool, str]:
    """A symbolic proof of a printed equation at the evaluator's size (the engine's canonical forms)."""
    from .decide import symbolic
    inst = Instance([(a, b)], ev.inst.sample, ev.where, ev.inst.substitution, ev.inst.closed_forms)
    ok, why = symbolic(ev._fix(a), ev._fix(b), inst)
    return bool(ok), why
