"""Fidelity: tie each printed equation of a note to the claim that checks it, and check what is printed.

For every claim the printed text it was transcribed from (read at the claim's anchor) is
located in the project's copy of the note (the *reference*); the same place is
then read in the note being verified.

* Unchanged text: the printed sides are parsed (``checks.latex``) and compared
  numerically, at random points of the claim's sampler for one concrete k, with
  the sides of the claim's transcription.  ``confirmed``: every parsed side equals
  a transcription side; ``unparseable``: no side could be parsed, the transcription
  is **unconfirmed**; ``differs``: a parsed side equals no transcription side.
  The claim's own verdict stands.
* Changed text: the printed claim is decided as printed: each changed side is
  parsed, each unchanged side keeps its value (its parse, or the transcription side
  it is tied to), and adjacent sides are compared at the sampler's points.  A
  difference is a counterexample: the verdict is ``refuted``, with the point, both
  values and the claim of the project's copy as the corrected claim.  Equal values:
  ``verified`` (numerically, the printed text differs but says the same).
* An equation of the note that no claim covers is reported as unchecked; a claim
  whose equation is missing from the note is ``inconclusive``.

The record's ``printed`` becomes the text as printed in the verified note, so an
erratum (keyed by the exact printed text) is never acknowledged for an edited text.
"""
from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import mpmath
import numpy as np
import sympy as sp

from . import instances, latex
from .claim import Anchor, Instance
from .note_reader import Note, squash
from .numeric import Pair
from .subject import Hints, Subject, inline_snippets, sentences, sides_of, text_at
from .verdict import Findings, PrintedCheck

POINTS = 2
DPS = 20
CONFIRM_DPS = 50
AGREE = mpmath.mpf("1e-10")
DIFFER = mpmath.mpf("1e-8")
SEED = 1234
CACHE = Path("reports") / ".fidelity-cache"


def _plain(text: str) -> str:
    """Prose compared without the $ delimiters and with whitespace squashed."""
    return squash(text.replace("$", ""))


# ---------------------------------------------------------------- locating claims in a note

def _windows(chains: list[list[str]], n: int):
    for c, chain in enumerate(chains):
        for start in range(len(chain) - n + 1):
            yield c, tuple(range(start, start + n))
        if n == 2:  # first and a later side (a chain's conclusion)
            for a in range(len(chain)):
                for b in range(a + 2, len(chain)):
                    yield c, (a, b)


def _best(chains: list[list[str]], want: list[str]):
    best, score = None, -1.0
    for c, pos in _windows(chains, len(want)):
        got = [chains[c][p] for p in pos]
        sc = difflib.SequenceMatcher(None, " = ".join(got), " = ".join(want)).ratio()
        if got == want:
            sc = 2.0 - 0.01 * (pos[-1] - pos[0] - len(pos) + 1)
        if sc > score:
            best, score = (c, pos), sc
    return best, score


def _shape(note: Note, anchor: Anchor) -> tuple:
    if anchor.kind == "display":
        eq = note.equations.get(anchor.equation)
        return tuple(len(c) for c in eq.chains) if eq is not None else ()
    return (len(inline_snippets(note, anchor.equation)),)


def read_at(loc: Anchor, ref_sides: list[str], note: Note, reference: Note) -> tuple[list[str] | None, str]:
    """The sides at ``loc`` in ``note`` (None when absent) and a reason when not found: at the anchor
    when the equation keeps the reference's shape, else the most similar segment of it."""
    if loc.kind == "display":
        if loc.equation not in note.equations:
            return None, f"equation ({loc.equation}) is not in the note"
        chains = note.equations[loc.equation].chains
    else:
        chains = [sides_of(t) for t in inline_snippets(note, loc.equation)]
        if not chains:
            return None, f"the inline math before equation ({loc.equation}) is not in the note"
    if _shape(note, loc) == _shape(reference, loc):
        got = text_at(note, loc)
        if got is not None:
            return got, ""
    found, _ = _best(chains, ref_sides)
    if found is None:
        return None, f"equation ({loc.equation}) has no '=' segment like the one checked"
    return [chains[found[0]][p] for p in found[1]], ""


# ---------------------------------------------------------------- parsing and comparing sides

@dataclass
class Side:
    text: str
    status: str                      # parsed | opaque | unparseable
    expr: object = None
    normalizations: list = field(default_factory=list)
    reason: str = ""
    bound: int | None = None         # index of the transcription side it equals


class Evaluator:
    """One claim at one concrete k: the instance, its sample points, name table and ``where``."""

    def __init__(self, claim, hints: Hints, model):
        self.claim = claim
        self.k = 3 if 3 in claim.ks or not claim.ks else claim.ks[0]
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

    def worst(self, a, b):
        """The comparison of ``a`` and ``b`` with the largest difference over the points."""
        pair = Pair(self._fix(a), self._fix(b))
        return max((pair.compare(p, DPS) for p in self.points), key=lambda c: c.difference)

    def confirm(self, a, b, cmp):
        """``cmp`` re-evaluated at higher precision: the comparison when it still differs, else None."""
        again = Pair(self._fix(a), self._fix(b)).compare(cmp.point, CONFIRM_DPS)
        return again if again.difference > DIFFER else None

    def differ(self, a, b):
        """The point where ``a`` and ``b`` differ most, when they differ beyond the agreement; else None."""
        worst = self.worst(a, b)
        return worst if worst.difference > AGREE else None


def _restated(inst):
    """A restatement's form has the printed formula (None) on its right: the reference stands for it."""
    if all(b is not None for _, b in inst.pairs):
        return inst
    import dataclasses
    return dataclasses.replace(inst, pairs=[(a, a if b is None else b) for a, b in inst.pairs])


def _fmt(v) -> str:
    return v if isinstance(v, str) else mpmath.nstr(v, 15)


_ANALYSED: dict = {}


def analyse(claim, texts: list[str], ev: Evaluator) -> tuple[list[Side], int | None, str]:
    """Parse the printed sides and tie them to one transcription pair: (sides, pair index, status).

    Cached per (claim, printed sides) within a process: the same text gives the same answer."""
    key = (claim.id, tuple(texts))
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
    renamed = False
    same_shape = len(texts) == len(ref_texts)
    for n, text in enumerate(texts):
        ref = ref_sides[n] if same_shape else None
        if ref is not None and re.sub(r"\s+", "", text) == re.sub(r"\s+", "", ref.text):
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
            renamed = True
            problems.append(f"the printed side '{ref.text}' was changed to '{text}', "
                            f"which no longer names the quantity this step is about")
        else:
            problems.append(f"the changed side '{text}' cannot be parsed ({side.reason}); "
                            f"the printed claim cannot be checked")
    check = PrintedCheck("inconclusive", ev.k, shown, renamed=renamed)
    if len(values) >= 2:
        check.shown = (ev._fix(values[0][1]), ev._fix(values[1][1]))
    for (ta, a), (tb, b) in itertools.pairwise(values):
        try:
            worst = ev.worst(a, b)
        except Exception as exc:  # noqa: BLE001 - a side that cannot be evaluated is reported
            problems.append(f"cannot evaluate '{ta}' = '{tb}': {exc}")
            continue
        check.points += len(ev.points)
        check.max_difference = max(check.max_difference, float(worst.difference))
        if worst.difference <= AGREE:
            continue
        again = ev.confirm(a, b, worst)
        if again is None:
            problems.append(f"'{ta}' and '{tb}' differ below the refutation threshold")
            continue
        check.shown = (ev._fix(a), ev._fix(b))
        check.verdict = "refuted"
        check.counterexample = {
            "k": ev.k, "pair": index or 0, "printed_lhs": ta, "printed_rhs": tb,
            "point": {str(s): mpmath.nstr(v, 12) for s, v in sorted(again.point.items(), key=lambda t: str(t[0]))},
            "lhs": _fmt(again.lhs), "rhs": _fmt(again.rhs)}
        check.max_difference = max(check.max_difference, float(again.difference))
        return check
    if problems:
        check.verdict, check.note = ("refuted" if renamed else "inconclusive"), "; ".join(problems)
        return check
    if len(values) < 2:
        check.note = "fewer than two printed sides have values"
        return check
    check.verdict = "verified"
    check.note = "the printed text differs from the project's copy but is numerically equal at every point"
    return check


# ---------------------------------------------------------------- the run's view

class Fidelity:
    """Built once per run (before the worker pool forks); ``apply`` is called per claim record."""

    def __init__(self, note: Note, subject: Subject, claims: list, cache: Cache | None = None):
        self.note, self.reference, self.hints = note, subject.reference, subject.hints
        self.model = subject.model
        self.cache = cache or Cache(None)
        self.locations = {c.id: c.anchor for c in claims}
        self.claims = {c.id: c for c in claims}
        self.texts = {c.id: subject.printed(c) for c in claims}

    def printed_in_note(self, claim) -> tuple[list[str] | None, str, str | None]:
        """(sides as printed in the note or None, reason, the printed text for the record)."""
        loc = self.locations.get(claim.id)
        printed = self.texts[claim.id]
        if loc is None:
            return None, "not printed in the note (a completion or a check the project adds)", None
        if loc.kind == "prose":
            found = sentences(self.note.prose.get(loc.equation, ""))
            if printed in found:
                return None, "prose", printed
            best = max(found, key=lambda t: difflib.SequenceMatcher(None, t, printed).ratio(), default="")
            return None, "prose changed", best
        ref_sides = sides_of(printed)
        sides, why = read_at(loc, ref_sides, self.note, self.reference)
        if sides is None:
            return None, why, None
        text = printed if [squash(t) for t in sides] == ref_sides else " = ".join(sides)
        return sides, "", text

    def restatement(self, claim) -> tuple[Instance | None, str]:
        """A restatement made checkable: the reference it restates against each formula printed at its
        anchor, read at the evaluator's size (free indices i = 1, j = 2, as the reading takes them).
        (None, why) when the printed text is absent or no formula in it can be read."""
        sides, why, _ = self.printed_in_note(claim)
        if sides is None:
            return None, why or "the restated text is not in the note"
        ev = Evaluator(claim, self.hints, self.model)
        read = [ev.side(t) for t in sides]
        exprs = [r.expr for r in read if r.status == "parsed" and not isinstance(r.expr, sp.Symbol)]
        if not exprs:
            reasons = "; ".join(f"'{r.text}': {r.reason or r.status}" for r in read)
            return None, f"no printed formula of the restatement could be read ({reasons})"
        refs = [a for a, _ in instances.at_values(claim, self.model, ev.k, {"i": 1, "j": 2})]
        pairs = [(ref, e) for ref in refs for e in exprs]
        return Instance(pairs, ev.inst.sample, {**ev.inst.where, **ev.where}), ""

    def findings(self, claim) -> Findings:
        """What the note prints at the claim's anchor and how it reads; a failure of the reading is a
        finding too (status "error"), never a silent confirmation."""
        try:
            found = self._findings(claim)
            self._remark(claim, found)
            return found
        except Exception as exc:  # noqa: BLE001 - reported in the findings, and the verdict is not "verified"
            return Findings("error", anchor=_loc_record(claim.anchor), note=f"{type(exc).__name__}: {exc}")

    def _remark(self, claim, found: Findings) -> None:
        """An equation printed beside the step as its justification ("\\quad \\text{from } y_k = …"):
        checked as printed when its text differs from the project's copy."""
        loc = self.locations.get(claim.id)
        if loc is None or loc.kind != "display" or loc.equation not in self.note.equations:
            return
        ref_eq, eq = self.reference.equations[loc.equation], self.note.equations[loc.equation]
        ref_rem = ref_eq.remarks.get(loc.chain)
        if ref_rem is None or _shape(self.note, loc) != _shape(self.reference, loc):
            return
        new_rem = eq.remarks.get(loc.chain)
        if new_rem is not None and [re.sub(r"\s+", "", t) for t in new_rem] == \
                [re.sub(r"\s+", "", t) for t in ref_rem]:
            return
        if new_rem is None:
            found.remark = {"printed": None, "reference": " = ".join(ref_rem),
                            "note": "the justification printed beside this step is gone"}
            return
        found.remark = {"printed": " = ".join(new_rem), "reference": " = ".join(ref_rem)}
        found.remark_check = decide_printed(claim, ref_rem, new_rem, Evaluator(claim, self.hints, self.model),
                                            bind=False)

    def _findings(self, claim) -> Findings:
        loc = self.locations.get(claim.id)
        sides, why, text = self.printed_in_note(claim)
        found = Findings("", anchor=_loc_record(loc), indirect=claim.indirect)
        if loc is None:
            found.status, found.note = "not printed", why
            return found
        if why == "prose":
            found.status, found.printed = "prose", text
            return found
        if why == "prose changed":
            found.status, found.printed = "prose changed", text
            found.note = "the sentence this claim was read from is not in the note as printed; closest: " + text
            return found
        if sides is None:
            found.status, found.note = "missing", why
            return found
        found.printed = text
        printed = self.texts[claim.id]
        ref_texts = sides_of(printed)
        if text == printed:
            cached = self.cache.get(claim, text)
            if cached is None:
                ev = Evaluator(claim, self.hints, self.model)
                parsed, index, status = analyse(claim, ref_texts, ev)
                cached = {"status": status, "k": ev.k, "pair": index, "sides": [_side_record(t) for t in parsed]}
                if status == "unparseable":
                    cached["note"] = ("the printed form could not be read; the verdict rests on the claim's "
                                      "form alone, not confirmed against the printed text")
                elif status == "differs":
                    cached["note"] = "a printed side as read equals no side of the claim's form"
                self.cache.put(claim, text, cached)
            found.status, found.k, found.pair = cached["status"], cached["k"], cached["pair"]
            found.sides, found.note = cached["sides"], cached.get("note", "")
            return found
        ev = Evaluator(claim, self.hints, self.model)
        found.edited = decide_printed(claim, ref_texts, sides, ev)
        found.status, found.k, found.sides = "edited", ev.k, found.edited.sides
        found.note = "the printed text differs from the project's copy; the printed claim was decided as printed"
        return found

    def warnings(self) -> list[str]:
        out = []
        for number in self.reference.order:
            if number not in self.note.equations:
                n = sum(1 for c in self.claims.values() if c.equation == number)
                out.append(f"{self.note.path}: equation ({number}) is not in the note; "
                           f"{n} claim(s) of it cannot be tied to the note")
        for number in self.note.order:
            if number not in self.reference.equations:
                out.append(f"{self.note.path}: equation ({number}) is not in the project's copy; "
                           "no claim checks it")
        return out

    def summary(self) -> dict:
        covered: dict[str, set] = {}
        for loc in self.locations.values():
            if loc is not None and loc.kind == "display":
                covered.setdefault(loc.equation, set()).update(
                    (loc.chain, p) for p in loc.sides)
        unchecked, segments = [], []
        for number in self.note.order:
            eq = self.note.equations[number]
            if number not in covered:
                unchecked.append(number)
                continue
            for c, chain in enumerate(eq.chains):
                for p in range(len(chain) - 1):
                    if (c, p) not in covered[number] or (c, p + 1) not in covered[number]:
                        segments.append({"equation": number, "segment": f"{chain[p]} = {chain[p + 1]}"})
        missing = [n for n in self.reference.order if n not in self.note.equations]
        extra = [n for n in self.note.order if n not in self.reference.equations]
        return {"note": self.note.path, "reference": self.reference.path,
                "normalizations": latex.RULES, "unchecked_equations": unchecked,
                "missing_equations": missing, "equations_not_in_project_copy": extra,
                "segments_without_own_claim": segments}


class Cache:
    """Fidelity results of unchanged printed texts, one small JSON file each, keyed by the claim,
    its printed text and a fingerprint of the checker's and the subject's sources: an edited
    text or an edited transcription is never served from the cache."""

    def __init__(self, folder: Path | None, fingerprint: str = ""):
        self.folder, self.fingerprint = folder, fingerprint

    @staticmethod
    def fingerprint_of(sources) -> str:
        h = hashlib.sha256(sp.__version__.encode())
        for f in sources:
            h.update(Path(f).name.encode())
            h.update(Path(f).read_bytes())
        return h.hexdigest()

    def _path(self, claim, text: str) -> Path | None:
        if self.folder is None:
            return None
        key = hashlib.sha256(f"{self.fingerprint}\x00{claim.id}\x00{text}".encode()).hexdigest()
        return self.folder / f"{key}.json"

    def get(self, claim, text: str) -> dict | None:
        path = self._path(claim, text)
        try:
            return json.loads(path.read_text()) if path is not None and path.exists() else None
        except (OSError, ValueError):
            return None

    def put(self, claim, text: str, value: dict) -> None:
        path = self._path(claim, text)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(value, default=str))
            os.replace(tmp, path)
        except OSError:
            pass


def _loc_record(loc: Anchor | None):
    return None if loc is None else loc.as_dict()


def load(note_path: str | Path | None, subject: Subject, claims: list, cache_dir: Path | None = CACHE) -> Fidelity:
    """The fidelity context for ``note_path`` (None: the subject's own copy)."""
    from . import note_reader

    note = note_reader.read(note_path) if note_path else subject.reference
    cache = None
    if cache_dir is not None:
        cache = Cache(Path(cache_dir), Cache.fingerprint_of(subject.sources))
    return Fidelity(note, subject, claims, cache)
