"""A subject: everything the engine needs to verify one derivation, handed to it as data.

The engine (``checks.run.run``) takes a :class:`Subject`; it never imports a derivation or
looks one up by name.  A new derivation is verified by building a new Subject.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .claim import Anchor, Claim, Model
from .note_reader import Note, _split_top, _strip_trailer, read, squash


@dataclass(frozen=True)
class Hints:
    """What the subject tells the reading of the note about its notation.

    ``defined``: values the note defines by name ("u_k" -> 0).
    ``where(claim_id, k)``: substitutions that make a printed side comparable with the claim's
    form at size k (eqs. (10)-(13) of the first subject hold on the graph y = h(u)).
    """

    defined: Mapping[str, object] = field(default_factory=dict)
    where: Callable[[str, int], dict] | None = None


@dataclass(frozen=True)
class Erratum:
    """A refuted claim the project knows about, for the exact printed text at its anchor."""

    claims: tuple[str, ...]
    anchor: Anchor
    printed_sha256: str
    explanation: str


def text_hash(printed: str) -> str:
    return hashlib.sha256(printed.encode("utf-8")).hexdigest()


def load_errata(path: Path) -> tuple[Erratum, ...]:
    """Errata from a JSON file ``{"errata": [{claims, anchor, printed_sha256, explanation}]}``."""
    if not path.exists():
        return ()
    out = []
    for e in json.loads(path.read_text())["errata"]:
        a = e["anchor"]
        out.append(Erratum(tuple(e["claims"]), Anchor(a["kind"], a["equation"], a.get("chain", 0),
                                                      tuple(a.get("sides", (0, 1)))),
                           e["printed_sha256"], e["explanation"]))
    return tuple(out)


def sides_of(printed: str) -> list[str]:
    return [squash(_strip_trailer(s)) for s in _split_top(squash(printed), "=")]


def sentences(prose: str) -> list[str]:
    """The sentences of a prose paragraph (split after a period followed by space)."""
    return [s for s in re.split(r"(?<=\.)\s+", squash(prose)) if s]


def clauses(sentence: str) -> list[str]:
    """The clauses of a sentence joined by "and" (outside math): a prose claim is anchored to one."""
    parts = re.split(r"(\$[^$]*\$)", sentence)
    out, current = [], ""
    for n, part in enumerate(parts):
        if n % 2:           # inline math is never split
            current += part
            continue
        pieces = re.split(r"\s+and\s+", part)
        current += pieces[0]
        for piece in pieces[1:]:
            out.append(current.strip())
            current = piece
    out.append(current.strip())
    return [c for c in out if c]


def prose_units(note: Note, equation: str) -> list[list[str]]:
    """The clauses of each sentence of the prose before display ``equation``."""
    return [clauses(s) for s in sentences(note.prose.get(equation, ""))]


def inline_snippets(note: Note, equation: str) -> list[str]:
    return [m for tag, m in note.inline if tag == equation]


def text_at(note: Note, anchor: Anchor) -> list[str] | None:
    """The sides printed at ``anchor`` in ``note`` (one element for prose), or None when absent."""
    if anchor.kind == "prose":   # sentence ``chain``, its clause ``sides[0]``
        found = prose_units(note, anchor.equation)
        if anchor.chain >= len(found) or anchor.sides[0] >= len(found[anchor.chain]):
            return None
        return [found[anchor.chain][anchor.sides[0]]]
    if anchor.kind == "display":
        eq = note.equations.get(anchor.equation)
        chains = eq.chains if eq is not None else []
    else:
        chains = [sides_of(s) for s in inline_snippets(note, anchor.equation)]
    if anchor.chain >= len(chains) or max(anchor.sides) >= len(chains[anchor.chain]):
        return None
    return [chains[anchor.chain][p] for p in anchor.sides]


def join(sides: Sequence[str], anchor: Anchor) -> str:
    return sides[0] if anchor.kind == "prose" else " = ".join(sides)


@dataclass(frozen=True)
class Subject:
    """One derivation as data.

    ``claims`` in the order of the page; ``model`` its symbols (``checks.claim.Model``);
    ``note_copy`` the project's copy of the note (the reference the anchors point into);
    ``errata`` the acknowledged errata; ``hints`` its notation; ``end_to_end()`` checks of the
    result as a whole (records ``{name, k, tau, method, value, error, passed}``);
    ``figures(out_dir)`` the report's figures; ``lemmas()`` records of the lemmas claims rest on;
    ``sources`` the files whose content fingerprints cached readings of the note; ``world(k)`` the
    model at size k that the steps of any write-up are read against (``checks.world``).
    """

    name: str
    title: str
    claims: tuple[Claim, ...]
    model: Model
    note_copy: Path
    errata: tuple[Erratum, ...] = ()
    hints: Hints = field(default_factory=Hints)
    end_to_end: Callable[[], list[dict]] | None = None
    figures: Callable[[Path], list] | None = None
    lemmas: Callable[[], list[dict]] | None = None
    sources: tuple[Path, ...] = ()
    #: the model a write-up is read against, at a concrete size (``checks.world.World``)
    world: Callable[[int], object] | None = None

    @cached_property
    def reference(self) -> Note:
        return read(self.note_copy)

    def printed(self, claim: Claim) -> str:
        """The claim's printed text: read from the note copy at its anchor (its own latex otherwise)."""
        if claim.anchor is None:
            return claim.latex
        sides = text_at(self.reference, claim.anchor)
        if sides is None:
            raise ValueError(f"anchor: {claim.id}'s anchor {claim.anchor} is not in {self.note_copy}")
        return join(sides, claim.anchor)

    def erratum(self, claim_id: str, anchor: Anchor | None, printed: str) -> Erratum | None:
        """The erratum acknowledged for this claim and this exact printed text at this anchor."""
        h = text_hash(printed)
        for e in self.errata:
            if claim_id in e.claims and e.anchor == anchor and e.printed_sha256 == h:
                return e
        return None
