"""Fidelity: read the note being verified at each claim's anchor and report what it prints, as
:class:`~checks.verdict.Findings` (the decision itself is ``checks.verdict.settle``).

Each claim's anchor (equation, chain, sides) points into the project's copy of the note (the
*reference*); the same place is read in the note being verified (at the anchor when the equation
keeps its shape, else the most similar "=" segment of it).

* Unchanged text: the printed sides are read (``checks.reading``) and compared numerically, at
  the claim's sample points for one concrete k, with the sides of the claim's form:
  ``confirmed`` (every side read equals a side of the form), ``unparseable`` (no side could be
  read: the verdict rests on the form alone), ``differs``, or ``indirect`` (the claim is checked
  another way, and says how).
* Changed text (``edited``): the printed claim is checked as printed: each changed side read,
  each unchanged side keeping its value, adjacent sides compared at the points.
* A justification printed beside a step ("\\quad \\text{from } y_k = …") that changed is checked
  the same way; a claim whose text is gone is ``missing``; a changed sentence ``prose changed``.

An erratum is keyed by the exact text printed at its anchor, so an edited text never inherits an
acknowledgement.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from pathlib import Path

import sympy as sp

from . import instances, latex
from .claim import Anchor, Instance
from .note_reader import Note, squash
from .reading import Evaluator, _side_record, analyse, decide_printed
from .subject import Subject, inline_snippets, prose_units, sides_of, text_at
from .verdict import Findings, PrintedCheck

CACHE = Path("reports") / ".fidelity-cache"
#: the sizes at which an edited printed claim is checked as printed (from 3: the reading sets the free
#: indices i = 1, j = 2, which must lie in 1..k-1)
EDIT_KS = (3, 4, 5)


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
            found = [c for units in prose_units(self.note, loc.equation) for c in units]
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
        anchor in the project's copy, read at the evaluator's size (free indices i = 1, j = 2, as the
        reading takes them); an edited text in the note verified is decided as printed, through the
        findings.  (None, why) when no formula of the text can be read."""
        sides = text_at(self.reference, claim.anchor) if claim.anchor is not None else None
        if sides is None:
            return None, "the restated text is not in the project's copy of the note"
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
        if _shape(self.note, loc) != _shape(self.reference, loc):
            return
        new_rem = eq.remarks.get(loc.chain)
        if ref_rem is None:
            if new_rem is not None and loc.sides[-1] == len(eq.chains[loc.chain]) - 1:
                found.remark = {"printed": " = ".join(new_rem), "reference": None, "added": True,
                                "note": "an equation printed beside this step that the project's copy does not "
                                        "have; it is not checked"}
            return
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

    def _edited(self, claim, ref_texts: list[str], sides: list[str]) -> PrintedCheck:
        """An edited printed claim checked as printed at k = 3, 4, 5 (those the claim has): the first
        check that is not verified decides; verified only when every size is."""
        ks = [k for k in EDIT_KS if k in claim.ks] or [instances.probe_k(claim)]
        done = []
        for k in ks:
            done.append(decide_printed(claim, ref_texts, sides, Evaluator(claim, self.hints, self.model, k)))
            if done[-1].verdict != "verified":
                break
        last = done[-1]
        last.ks = [c.k for c in done]
        last.points = sum(c.points for c in done)
        last.max_difference = max(c.max_difference for c in done)
        if last.verdict == "verified":
            last.note = (f"the printed text differs from the project's copy; as printed it is proved at "
                         f"k = {', '.join(map(str, last.ks))}")
        return last

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
            extra = [n for n in self.note.order if n not in self.reference.equations]
            if extra and loc.kind == "display":   # it may be there under another number
                found.status = "missing, maybe renumbered"
                found.note = (f"{why}, which prints equation(s) {', '.join(f'({n})' for n in extra)} that the "
                              f"project's copy does not have: the step may be there under another number")
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
        found.edited = self._edited(claim, ref_texts, sides)
        found.status, found.k, found.sides = "edited", found.edited.k, found.edited.sides
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
