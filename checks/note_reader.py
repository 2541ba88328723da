"""Read a note in the seed's format: Markdown prose, ``$$ … $$`` display math, inline ``$ … $`` math.

Equation numbers are written as ``\\tag{N}`` or as a trailing ``(N)`` / ``\\quad (N)``.
``\\begin{aligned} … \\end{aligned}`` chains are split at ``&=`` into rows; a row
with an empty left side continues the chain above it.  Every display equation is
turned into *chains* (lists of sides joined by "="); trailing prose such as
``\\quad \\text{for } i = 1, \\dots, k`` is cut off.

Bad input raises :class:`NoteError` with one line naming the file and the problem.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path


class NoteError(ValueError):
    """A file that is not a readable note; ``str()`` is one line naming file and problem."""


@dataclass
class Equation:
    number: str
    latex: str                         # the math between $$ and $$, number removed
    chains: list[list[str]]            # each chain: sides joined by "="
    #: chain index -> sides of an equation printed beside it as a justification
    #: ("\quad \text{from } y_k = …"): not a step of the chain, but a claim of the note too
    remarks: dict = field(default_factory=dict)
    prose_before: str = ""             # prose between the previous display and this one


@dataclass
class Note:
    path: str
    equations: dict[str, Equation] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    unnumbered: list[str] = field(default_factory=list)
    #: inline math in the prose, each tagged with the number of the next display equation
    inline: list[tuple[str, str]] = field(default_factory=list)
    prose: dict[str, str] = field(default_factory=dict)  # number -> prose before it
    trailing_prose: str = ""


_TAG = re.compile(r"\\tag\{\s*([^}]*?)\s*\}\s*$")
_PAREN = re.compile(r"(?:\\quad|\\qquad|\\,|\s)*\(\s*(\d+[a-z]?)\s*\)\s*$")


def squash(text: str) -> str:
    """Whitespace-normalized text (what fidelity compares)."""
    return re.sub(r"\s+", " ", text).strip()


def _split_top(text: str, sep: str) -> list[str]:
    """Split at ``sep`` outside braces / parentheses / brackets / \\left…\\right."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if text.startswith(r"\left", i) or text.startswith(r"\right", i):
            # \left( / \right) count as brackets via the following character anyway
            i += 5 if text.startswith(r"\left", i) else 6
            continue
        if c in "{([":
            depth += 1
        elif c in "})]":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            out.append(text[start:i])
            start = i + len(sep)
            i = start
            continue
        i += 1
    out.append(text[start:])
    return out


def _strip_trailer(side: str) -> str:
    """Cut trailing prose: ``\\quad \\text{…}`` and what follows, a trailing comma."""
    parts = re.split(r"\\q?quad", side, maxsplit=1)
    side = parts[0]
    side = re.sub(r"^\s*\\therefore\s*", "", side)
    return side.strip().rstrip(",").strip()


def _chains(math: str) -> list[list[str]]:
    return _chains_and_remarks(math)[0]


def _remark(rest: str) -> list[str] | None:
    """Sides of the equation in trailing prose ("\\text{from } A = B"), if it has one."""
    rest = re.sub(r"\\text\{[^}]*\}", " ", rest)
    rest = re.split(r"\\q?quad", rest)[0]
    sides = [squash(s).rstrip(",").strip() for s in _split_top(rest, "=")]
    return sides if len(sides) >= 2 and all(sides) else None


def _chains_and_remarks(math: str) -> tuple[list[list[str]], dict]:
    body = math.strip()
    m = re.search(r"\\begin\{aligned\}(.*)\\end\{aligned\}", body, re.DOTALL)
    rows = re.split(r"\\\\", m.group(1)) if m else [body]
    chains: list[list[str]] = []
    remarks: dict[int, list[str]] = {}
    for row in rows:
        if not row.strip():
            continue
        if m and "&" in row:
            left, _, right = row.partition("&")
            sides = [left] + _split_top("=" + right.lstrip().lstrip("="), "=")[1:] \
                if right.lstrip().startswith("=") else [left + right]
        else:
            left, sides = None, None
            sides = _split_top(row.replace("&", ""), "=")
        first = sides[0]
        # within a row, "\quad \text{from } y_k = …" is prose: cut the chain where a side carries it
        cleaned, remark = [], None
        for n, side in enumerate(sides):
            cut = re.split(r"\\q?quad", side, maxsplit=1)
            cleaned.append(squash(_strip_trailer(cut[0])))
            if len(cut) > 1:
                remark = _remark(" = ".join([cut[1], *sides[n + 1:]]))
                break
        if not first.strip() and chains:
            chains[-1].extend(cleaned[1:])
        else:
            chains.append(cleaned)
        if remark:
            remarks[len(chains) - 1] = remark
    keep = [n for n, c in enumerate(chains) if len(c) >= 2]
    return [chains[n] for n in keep], {keep.index(n): r for n, r in remarks.items() if n in keep}


def _number(math: str) -> tuple[str | None, str]:
    m = _TAG.search(math)
    if m:
        return m.group(1), math[: m.start()]
    m = _PAREN.search(math)
    if m:
        return m.group(1), math[: m.start()]
    return None, math


def read_text(text: str, path: str = "<note>") -> Note:
    if not text.strip():
        raise NoteError(f"{path}: empty file, not a note")
    if "\x00" in text:
        raise NoteError(f"{path}: binary file, not a note")
    if text.count("$$") % 2:
        line = text[: text.rfind("$$")].count("\n") + 1
        raise NoteError(f"{path}: unbalanced $$ (an odd number of $$ delimiters; the last one is on line {line})")
    pieces = text.split("$$")
    note = Note(path)
    prose_buf = ""
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            prose_buf += piece
            continue
        number, math = _number(piece.strip())
        if number is None:
            note.unnumbered.append(piece.strip())
            prose_buf += " $$" + piece + "$$ "
            continue
        if number in note.equations:
            raise NoteError(f"{path}: equation ({number}) is numbered twice")
        chains, remarks = _chains_and_remarks(math)
        eq = Equation(number, squash(math), chains, remarks=remarks, prose_before=squash(prose_buf))
        note.equations[number] = eq
        note.order.append(number)
        note.prose[number] = eq.prose_before
        for m in re.finditer(r"\$([^$]+)\$", prose_buf):
            note.inline.append((number, squash(m.group(1))))
        prose_buf = ""
    note.trailing_prose = squash(prose_buf)
    if not note.equations:
        raise NoteError(f"{path}: no numbered equations ($$ … \\tag{{N}} $$ or $$ … (N) $$) found")
    return note


def read(path: str | Path) -> Note:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise NoteError(f"{p}: cannot read: {exc.strerror or exc}") from None
    if b"\x00" in raw:
        raise NoteError(f"{p}: binary file, not a note")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NoteError(f"{p}: not UTF-8 text, not a note") from None
    return read_text(text, str(p))
