"""Decide each step of an input note against the model (``checks.world``), at k = 3 and 4.

For each step: its sides are read (``checks.step_sides``) with the free indices given values
(i = 1, j = 2, ... in order of appearance, whatever letters the write-up uses), evaluated at sampled
points of the model, and compared.  A confirmed difference (re-evaluated at 50 digits) refutes the
step, with the point and both values.  Sides that agree are proved symbolically with the engine's
canonical forms (every derived quantity written in the model's chart; integrals by the engine's
integral rules, with the change of variables the text announces); failing that, a claim of the
subject whose sides equal the step's sides at the points (matched by meaning, never by number) and
that is itself proved verifies it.  Otherwise the step is inconclusive, with the reason; a step that
cannot be read is unchecked, with the reason.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy as sp

from .canonical import prove_equal
from .decide import CheckerBug  # noqa: F401 - re-exported for the runner
from .integrals import prove_integral_equal
from .latex_tokens import Unparseable
from .numeric import Pair
from .reading import relative
from .step_sides import DIFF, Reader
from .step_text import Unreadable
from .steps import Step

KS = (3, 4)
POINTS = 2
DPS, CONFIRM_DPS = 20, 50
AGREE, DIFFER = mpmath.mpf("1e-12"), mpmath.mpf("1e-9")
AGREE_QUAD = mpmath.mpf("1e-9")
SEED = 20261130
PROOF_MAX_OPS = 150          # sides larger than this are left to the subject's claims (hints)
LAST_RESORT_MAX_OPS = 120    # ... and to simplify() only below this
CANCEL_MAX_OPS = 60          # together/cancel only below this (checks.canonical.prove_equal)
CANCEL_SYMBOLIC_POWERS = 20  # ... and below this where a power has a symbolic exponent


@dataclass
class StepDecision:
    step: Step
    verdict: str = "unchecked"
    reason: str = ""
    counterexample: dict | None = None
    method: str = ""
    normalizations: list = field(default_factory=list)
    matched: str | None = None
    erratum: str | None = None
    ks: list = field(default_factory=list)

    def to_json(self) -> dict:
        s = self.step
        return {"step": s.index, "equation": s.equation, "kind": s.kind, "printed": s.printed,
                "qualifier": s.qualifier or None, "verdict": self.verdict, "reason": self.reason,
                "counterexample": self.counterexample, "method": self.method or None,
                "normalizations": sorted(self.normalizations), "matched_claim": self.matched,
                "erratum": self.erratum, "ks": self.ks}


@dataclass
class Context:
    """What the input defines as it goes: maps (f(z, mu) = ...), new symbols (w = ...), and the change
    of variables announced in the prose."""

    world: object                                  # k -> World
    #: name -> {step index: (params, latex rhs)}; a step sees the latest definition before it
    user_functions: dict = field(default_factory=dict)
    #: name -> {step index: latex rhs}
    user_symbols: dict = field(default_factory=dict)
    hints: object = None                           # (step sides at k, reader) -> (claim id, verdict) | None


_SUM_INDEX = re.compile(r"\\(?:sum|prod)\s*_\s*\{\s*([a-z])\s*=")
_SUBSCRIPT = re.compile(r"_\s*\{?\s*([a-z])(?![A-Za-z])")


def free_indices(step: Step) -> dict[str, int]:
    """Index letters of the step not bound by a sum or product (k is the size), valued 1, 2, ..."""
    text = f"{step.lhs} {step.rhs}"
    bound = set(_SUM_INDEX.findall(text))
    letters = []
    for m in _SUBSCRIPT.finditer(text):
        c = m.group(1)
        if c != "k" and c not in bound and c not in letters:
            letters.append(c)
    # a letter both bound somewhere and free elsewhere (\sum_{j} ... y_j beside a free j) stays free
    return {c: n for n, c in enumerate(letters, 1)}


def differential_names(text: str) -> list[str]:
    if r"\int" in text:
        return []
    t = re.sub(r"\\(mathrm|operatorname|text|rm)\s*\{\s*d\s*\}", "d", text)
    t = re.sub(r"\\frac\s*\{\s*d[^}]*\}\s*\{\s*d[^}]*\}", " ", t)
    return re.findall(r"(?<![A-Za-z\\])d\s*((?:\\[A-Za-z]+|[A-Za-z])(?:\s*_\s*(?:\{[^{}]*\}|[0-9A-Za-z]))?)(?![A-Za-z])", t)


def definition(step: Step, ctx: Context, world) -> str | None:
    """A definition of a new symbol or map (recorded in the context): the reason, or None."""
    lhs = step.lhs.strip()
    fm = re.match(r"^([a-zA-Z])\s*(?:\\left)?\(([^()]*?)(?:\\right)?\)$", lhs)
    if fm and fm.group(1) not in ("p", "h"):
        params = [a.strip() for a in fm.group(2).split(",")]
        reader = Reader(world, {})
        syms = []
        for a in params:
            try:
                syms.append(reader.read(a))
            except Exception as exc:
                raise Unreadable(f"parameter '{a}' of {fm.group(1)}") from exc
        ctx.user_functions.setdefault(fm.group(1), {})[step.index] = (syms, step.rhs)
        return f"defines the map {fm.group(1)}({', '.join(params)}) used below"
    bare = re.fullmatch(r"\\?([A-Za-z]+)", lhs)
    earlier = ctx.user_symbols.get(bare.group(1), {}) if bare else {}
    if bare and any(n < step.index for n in earlier):
        return None           # a symbol defined above, stated again: a claim about it, checked
    if bare and world.symbol(bare.group(1)) is None and bare.group(1) not in ("k", "d", "e"):
        ctx.user_symbols.setdefault(bare.group(1), {})[step.index] = step.rhs
        return f"defines the symbol {lhs} used below"
    return None


def _notation(step: Step) -> str | None:
    if re.fullmatch(r"[a-z]", step.lhs.strip()) and re.fullmatch(r"[0-9k+\- ]+", step.rhs.strip()):
        return "an index value (which term is meant), not an equation between quantities"
    if re.search(r"\\in\b|\\subset|\\sim\b", step.rhs) or re.search(r"\\in\b", step.lhs):
        return "names the entries of a vector or a set membership, not an equation between quantities"
    if re.fullmatch(r"\s*\\left\s*\(.*\\right\s*\)\s*|\s*\(.*,.*\)\s*", step.rhs) and "," in step.rhs \
            and re.search(r"\\mathbf|\\boldsymbol", step.lhs):
        return "names the entries of a vector, not an equation between quantities"
    return None


def _read_pair(step: Step, ctx: Context, world, free: dict, ref: str | None):
    functions = {n: _latest(d, step.index) for n, d in ctx.user_functions.items()}
    symbols = {n: _latest(d, step.index) for n, d in ctx.user_symbols.items()}
    reader = Reader(world, free, {n: (p, _parse_rhs(r, world, free, ctx)) for n, (p, r) in functions.items() if p},
                    {n: _parse_rhs(r, world, free, ctx) for n, r in symbols.items() if r}, ref)
    a, b = reader.read(step.lhs), reader.read(step.rhs)
    if ref is not None:
        a, b = sp.expand(a / DIFF), sp.expand(b / DIFF)
        if a.has(DIFF) or b.has(DIFF):
            raise Unreadable("the differentials do not reduce to one variable")
    return a, b, reader.fired


def _latest(definitions: dict, index: int):
    """The definition in force at step ``index``: the latest before it (None before the first)."""
    before = [n for n in definitions if n < index]
    value = definitions[max(before)] if before else None
    return (None, None) if value is None and isinstance(next(iter(definitions.values())), tuple) else value


def _parse_rhs(text, world, free, ctx):
    return Reader(world, free).read(text)


def _parameters(world, exprs) -> list[sp.Symbol]:
    """Symbols neither the model nor the write-up defines.  A plain letter (a, z in a Gamma integral
    stated for its own variables) is a free parameter, taken over the positive reals; an indexed name
    (z_i, s_1) or one of the model's names out of range (x_4 at k = 3) has no meaning: unreadable."""
    known = set(world.chart) | set(world.derived)
    out = set()
    for e in exprs:
        out |= {s for s in sp.sympify(e).free_symbols if s not in known and not isinstance(s, sp.Dummy)}
    for s in sorted(out, key=str):
        base = s.name.split("_")[0]
        if "_" in s.name or base in world.vectors:
            where = " (an index outside 1..k)" if base in world.vectors else ""
            raise Unreadable(f"undefined symbol {s.name}{where}: neither the model nor the write-up defines it")
    return sorted(out, key=str)


def _point(world, params, rng):
    point = world.sample(rng)
    for p in params:
        point[p] = sp.Float(rng.uniform(0.5, 2.0), 30)
    return point


def _fmt(v) -> str:
    """A value for the report; a quadrature that ran away (an integral that diverges) is said so."""
    if isinstance(v, str):
        return v
    if not mpmath.isfinite(v) or abs(v) > mpmath.mpf("1e50"):
        return "diverges (the quadrature does not settle: |value| > 1e50)"
    return mpmath.nstr(v, 12)


def _substitutions(step: Step, world, a, b) -> list:
    """Changes of variables to try between the sides' integrals: the model's (v = e^{-g_k} for an
    integral over g_k), as the text announces them."""
    out = [None]
    for integral in sp.sympify(a).atoms(sp.Integral) | sp.sympify(b).atoms(sp.Integral):
        var = integral.limits[0][0]
        for name, (old, new) in world.substitutions.items():
            if var.name == name:
                out.append((old(var), sp.Dummy(new, positive=True)))
    return out


def _positive(params, *exprs):
    table = {p: sp.Symbol(p.name, positive=True) for p in params}
    return [sp.sympify(e).xreplace(table) for e in exprs]


def _cancel_bound(x, y) -> int:
    """Rational normal forms of powers with symbolic exponents ((y_l/y_k)^{-tau}) grow without bound:
    a tighter size bound for them (deterministic, never a clock)."""
    symbolic = any(not p.exp.is_Number for p in (sp.sympify(x) - sp.sympify(y)).atoms(sp.Pow))
    return CANCEL_SYMBOLIC_POWERS if symbolic else CANCEL_MAX_OPS


def _prove(step, world, a, b, params) -> tuple[bool, str]:
    a, b = _positive(params, a, b)
    a2, b2 = world.in_chart(a), world.in_chart(b)
    why = ""
    for x, y in ((a, b), (a2, b2)):
        if sp.count_ops(x) + sp.count_ops(y) > PROOF_MAX_OPS:   # a size bound, never a clock
            why = f"the sides are too large for the canonical forms (> {PROOF_MAX_OPS} operations)"
            continue
        if x.has(sp.Integral) or y.has(sp.Integral):
            for sub in _substitutions(step, world, x, y):
                ok, why = prove_integral_equal(x, y, sub, ("gamma", "sympy"))
                if ok:
                    return True, why
        else:
            ok, why = prove_equal(x, y, last_resort=False, cancel_max_ops=_cancel_bound(x, y))
            if ok:
                return True, why
    if not (a2.has(sp.Integral) or b2.has(sp.Integral)) and sp.count_ops(a2) + sp.count_ops(b2) <= LAST_RESORT_MAX_OPS:
        return prove_equal(a2, b2, last_resort=True, cancel_max_ops=_cancel_bound(a2, b2))
    return False, why


def decide_step(step: Step, ctx: Context) -> StepDecision:
    out = StepDecision(step)
    why = _notation(step)
    if why:
        out.reason = why
        return out
    world3 = ctx.world(KS[0])
    diffs = differential_names(f"{step.lhs} {step.rhs}")
    try:
        why = None if diffs else definition(step, ctx, world3)
    except Unreadable as exc:
        out.reason = f"unreadable: {exc}"
        return out
    if why:
        out.reason = why
        return out
    free = _free_beside_sums(step, ctx, free_indices(step))
    rng = np.random.default_rng(SEED)
    proofs: list = []
    for k in sizes(step):
        world = ctx.world(k)
        ref = None
        if diffs:
            reader = Reader(world, free)
            names = [reader.name(d) for d in diffs]
            in_chart = [n for n in names if n in world.names and world.names[n] in world.chart]
            ref = (in_chart or names)[0]
        try:
            a, b, fired = _read_pair(step, ctx, world, free, ref)
        except (Unreadable, Unparseable) as exc:
            out.reason = f"unreadable: {exc}"
            return out
        except Exception as exc:  # noqa: BLE001 - a notation the reader has no meaning for
            out.reason = f"unreadable: {type(exc).__name__}: {exc}"
            return out
        out.normalizations = sorted(set(out.normalizations) | set(fired))
        try:
            entries = _entries(a, b)
        except Unreadable as exc:
            out.reason = f"unreadable: {exc}"
            return out
        done = _decide_at(step, ctx, world, entries, free, rng, out, proofs)
        if done:
            return out
    out.verdict = "verified"
    out.method = "; ".join(sorted({h for _, h in proofs}))
    out.reason = f"proved at k = {', '.join(map(str, out.ks))}"
    return out


_FOR_K = re.compile(r"(?:for|with|when|if|at)\s*\$\s*k\s*=\s*(\d+)\s*\$|k\s*=\s*(\d+)", re.IGNORECASE)


def sizes(step: Step) -> tuple[int, ...]:
    """The sizes a step is checked at: k = 3, 4, or the one size its sentence states ("for $k = 2$")."""
    around = f"{step.qualifier} " + (step.context if step.kind == "inline" else "")
    m = _FOR_K.search(around)
    if m and (m.group(1) or (step.kind != "inline" and m.group(2))):
        k = int(m.group(1) or m.group(2))
        return (k,) if k >= 2 else KS
    return KS


def _free_beside_sums(step, ctx, free: dict) -> dict:
    """A letter bound by a sum on one side and used outside it (pi_j beside sum_j): free there too."""
    world = ctx.world(KS[0])
    try:
        a, b, _ = _read_pair(step, ctx, world, free, None)
    except Exception:  # noqa: BLE001 - the reading below reports it
        return free
    known = set(world.chart) | set(world.derived)
    out = dict(free)
    for sym in sorted(sp.sympify(a).free_symbols | sp.sympify(b).free_symbols, key=str) if not (
            isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase)) else []:
        m = re.fullmatch(r"([A-Za-z]+)_\{?([a-z])\}?", sym.name)
        if sym not in known and m and m.group(2) != "k" and m.group(2) not in out:
            out[m.group(2)] = len(out) + 1
    return out


def _entries(a, b) -> list[tuple]:
    """The pairs to compare: the two sides, or the entries of two matrices of one shape."""
    ma, mb = isinstance(a, sp.MatrixBase), isinstance(b, sp.MatrixBase)
    if not (ma or mb):
        return [(a, b)]
    if not (ma and mb) or a.shape != b.shape:
        raise Unreadable(f"a matrix equated with {'a scalar' if not (ma and mb) else 'a matrix of another shape'}")
    return [(a[n], b[n]) for n in range(len(a))]


def _decide_at(step, ctx, world, entries, free, rng, out, proofs) -> bool:
    """Numerics then proof at one size, over every entry; True when the step is decided (not verified)."""
    k = world.k
    try:
        params = _parameters(world, [e for pair in entries for e in pair])
    except Unreadable as exc:
        out.reason = f"unreadable: {exc}"
        return True
    points = [_point(world, params, rng) for _ in range(POINTS)]
    worst_rel = mpmath.mpf(-1)
    for a, b in entries:
        a, b = sp.sympify(a), sp.sympify(b)
        pair = Pair(a, b)
        quad = a.has(sp.Integral) or b.has(sp.Integral)
        cmps = [pair.compare(p, DPS) for p in points]
        worst = max(cmps, key=relative)
        if relative(worst) > (AGREE_QUAD if quad else AGREE):
            again = pair.compare(worst.point, CONFIRM_DPS)
            if relative(again) > DIFFER:
                out.ks.append(k)
                out.verdict = "refuted"
                out.counterexample = {
                    "k": k, "indices": free,
                    "point": {str(s): mpmath.nstr(v, 12) for s, v in sorted(again.point.items(), key=lambda t: str(t[0]))},
                    "lhs": _fmt(again.lhs), "rhs": _fmt(again.rhs)}
                if len(entries) > 1:
                    out.counterexample["entry"] = entries.index((a, b)) if (a, b) in entries else None
                out.reason = (f"the sides differ at k = {k}: {_fmt(again.lhs)} vs {_fmt(again.rhs)}"
                              + (" (an entry of the matrices)" if len(entries) > 1 else "")
                              + (f" (free symbols {', '.join(map(str, params))} taken as positive reals)"
                                 if params else ""))
                if ctx.hints is not None and len(entries) == 1:
                    out.matched, out.erratum = ctx.hints.erratum(step, world, a, b, points)
                return True
            out.ks.append(k)
            out.verdict, out.reason = "inconclusive", (f"the sides differ by a relative "
                                                       f"{mpmath.nstr(relative(again), 3)} at k = {k}, below "
                                                       f"the refutation threshold")
            return True
        worst_rel = max(worst_rel, relative(worst))
    out.ks.append(k)
    for a, b in entries:
        ok, how = _prove(step, world, sp.sympify(a), sp.sympify(b), params)
        ok = bool(ok)
        if not ok and ctx.hints is not None and len(entries) == 1:
            hit = ctx.hints.verify(step, world, a, b, points)
            if hit is not None:
                ok, how = True, hit[1]
                out.matched = hit[0]
        proofs.append((ok, how))
        if not ok:
            out.verdict = "inconclusive"
            out.reason = (f"the sides agree at k = {k} (relative difference {mpmath.nstr(worst_rel, 3)}) "
                          f"but no proof was found: {how}")
            return True
    return False
