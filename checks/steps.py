"""Every statement of an input note as a *step*: each "=" of each display (numbered or not,
``aligned``/``align`` chains, a chain continued in the next display, chains numbered line by line),
each equation in inline math in the prose, and each prose sentence (the subject decides which
sentences it can check).

A step is tied to the input by its place (its order, the display it is in, the number printed there),
never by the number of an equation of some other copy.  Text that holds an "=" but is not a claim
(an index range such as ``i = 1, \\dots, k``) is kept as a *qualifier* of the step beside it and
listed, never silently dropped.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

_ENV = re.compile(r"\\(begin|end)\{(aligned|align\*?|split|gathered|gather\*?|equation\*?|eqnarray\*?|multline\*?)\}")
_TAG = re.compile(r"\\tag\*?\{\s*([^}]*?)\s*\}|\\label\{[^}]*\}")
_PAREN_NUMBER = re.compile(r"(?:\\quad|\\qquad|\\,|\\;|~|\s)*\(\s*([0-9]+[a-z]?|[A-Z]?[0-9]+(?:\.[0-9]+)?)\s*\)\s*[.,]?\s*$")
_QUALIFIER = re.compile(r"\\q?quad|\\text\{|\\mbox\{|\\textrm\{|\\hbox\{|,?\s*\\forall")
_RANGE = re.compile(r"^\s*[a-z]\s*$")
_ROW = "\x00ROW\x00"
_ABBREVIATION = re.compile(r"\b(e\.g|i\.e|i\.i\.d|cf|resp|Eq|Eqs|eq|eqs|Fig|vs)\.$")
_AMP = "\x00AMP\x00"


@dataclass
class Step:
    """One "=" of the input: ``lhs = rhs`` as printed (whitespace squashed)."""

    index: int                       # order in the input, from 1
    kind: str                        # display | inline | prose
    equation: str | None             # the number printed at this display or row, if any
    lhs: str
    rhs: str
    qualifier: str = ""              # trailing prose: "for i = 1, ..., k", "for j \neq i"
    context: str = ""                # the prose before the step (its paragraph)
    display: int | None = None       # which display (0-based) for a display step
    row: int = 0                     # row of the display
    sentence: str = ""               # for a prose step: the sentence

    @property
    def printed(self) -> str:
        return self.sentence if self.kind == "prose" else f"{self.lhs} = {self.rhs}"

    @property
    def label(self) -> str:
        where = f"({self.equation})" if self.equation else ("inline" if self.kind == "inline" else
                                                             "prose" if self.kind == "prose" else "unnumbered")
        return f"step {self.index} {where}"


@dataclass
class Notation:
    """An "=" that is not a claim (an index range, a definition of a symbol's range), kept and listed."""

    text: str
    why: str
    equation: str | None = None


@dataclass
class Reading:
    steps: list[Step] = field(default_factory=list)
    notation: list[Notation] = field(default_factory=list)
    #: prose sentences in order, each with the number of steps before it
    sentences: list[tuple[int, str]] = field(default_factory=list)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def split_top(text: str, sep: str) -> list[str]:
    """Split at ``sep`` outside braces / parentheses / brackets (``\\{`` ``\\}`` count too)."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] in "{}":
            depth += 1 if text[i + 1] == "{" else -1
            i += 2
            continue
        if c == "\\":                      # a command: never part of a separator (\neq, \leq)
            m = re.match(r"\\[A-Za-z]+", text[i:])
            i += m.end() if m else 2
            continue
        if c in "{([":
            depth += 1
        elif c in "})]":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i) and not _relation_around(text, i, sep):
            out.append(text[start:i])
            start = i + len(sep)
            i = start
            continue
        i += 1
    out.append(text[start:])
    return out


def _relation_around(text: str, i: int, sep: str) -> bool:
    """'=' that is part of '<=', '>=', '!=', ':=' ... is not a split point (':=' is handled as '=')."""
    if sep != "=":
        return False
    before = text[i - 1] if i else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    return before in "<>!" or after == "="


def cut_qualifier(side: str) -> tuple[str, str]:
    """A side and the prose after it (``\\quad \\text{for } i = 1, \\dots, k``)."""
    depth = 0
    for m in _QUALIFIER.finditer(side):
        depth = side[: m.start()].count("{") - side[: m.start()].count("}")
        if depth == 0:
            return side[: m.start()].strip(), squash(side[m.start():])
    return side.strip(), ""


def _clean_side(side: str) -> str:
    side = re.sub(r"^\s*(\\therefore|\\Rightarrow|\\implies|\\Longrightarrow|\\iff)\s*", "", side)
    side = side.replace(":=", "=")
    keep = re.sub(r"\\begin\{([pbvBV]?matrix|smallmatrix|array)\}.*?\\end\{\1\}",
                  lambda m: m.group(0).replace("&", _AMP), side, flags=re.DOTALL)
    side = keep.replace("&", " ").replace(_AMP, "&")
    side = re.sub(r"\\(nonumber|notag)\b", "", side)
    return squash(side).rstrip(".,;:").strip()


def _is_range(lhs: str, rhs: str) -> bool:
    """``i = 1, \\dots, k`` or ``j = 1..k-1``: an index range, not a claim."""
    return bool(_RANGE.match(lhs)) and ("\\dots" in rhs or "\\ldots" in rhs or "\\cdots" in rhs or ".." in rhs) \
        and "," in rhs


def _rows(math: str) -> list[tuple[str, str | None]]:
    """Rows of a display with the number printed on each (a \\tag per row, or one for the display)."""
    body = _ENV.sub(" ", math)
    # a matrix keeps its rows: its \\ are not rows of the display
    body = re.sub(r"\\begin\{([pbvBV]?matrix|smallmatrix|array)\}.*?\\end\{\1\}",
                  lambda m: m.group(0).replace("\\\\", _ROW), body, flags=re.DOTALL)
    rows = [r.replace(_ROW, "\\\\") for r in re.split(r"\\\\(?:\[[^\]]*\])?", body)]
    out = []
    for row in rows:
        numbers = [m.group(1) for m in _TAG.finditer(row) if m.group(1)]
        row = _TAG.sub(" ", row)
        if not numbers:
            m = _PAREN_NUMBER.search(row)
            if m and "=" in row[: m.start()]:
                numbers = [m.group(1)]
                row = row[: m.start()]
        out.append((row, numbers[0] if numbers else None))
    # one number printed on the last row of a multi-row display numbers the whole display
    numbered = [n for _, n in out if n is not None]
    if len(numbered) == 1 and out and out[-1][1] is not None and len([r for r, _ in out if r.strip()]) > 1:
        out = [(r, numbered[0]) for r, _ in out]
    return out


class _Builder:
    def __init__(self):
        self.reading = Reading()
        self.last_side: str | None = None   # the last side of the previous display (a chain continued)
        self.last_number: str | None = None

    def add_chain(self, sides: list[str], kind: str, number, context: str, display, row) -> None:
        qualifier = ""
        cleaned = []
        for n, side in enumerate(sides):
            math, qual = cut_qualifier(side)
            cleaned.append(_clean_side(math))
            if qual:
                rest = " = ".join([qual, *sides[n + 1:]])
                qualifier = squash(rest)
                break
        # a range printed as a qualifier's own "=" (i = 1, \dots, k) belongs to the qualifier
        while len(cleaned) >= 2 and _is_range(cleaned[-2], cleaned[-1]):
            self.reading.notation.append(Notation(f"{cleaned[-2]} = {cleaned[-1]}", "an index range", number))
            cleaned = cleaned[:-1]
        if len(cleaned) >= 2 and _is_range(cleaned[0], " = ".join(cleaned[1:])):
            self.reading.notation.append(Notation(" = ".join(cleaned), "an index range", number))
            return
        justification = re.match(r"^(?:\\q?quad\s*)?\\text\{\s*(?:from|since|using|by)\s*\}\s*(.+)$", qualifier)
        if justification and "=" in justification.group(1):
            qualifier = ""          # "\quad \text{from } y_k = ...": a claim of the note too, after this step
        if kind == "display" and cleaned and not cleaned[0] and self.last_side is not None:
            cleaned[0] = self.last_side           # "= ..." continues the chain above
        for a, b in itertools.pairwise(cleaned):
            if not a or not b:
                self.reading.notation.append(Notation(f"{a} = {b}", "an '=' with an empty side", number))
                continue
            self.reading.steps.append(Step(len(self.reading.steps) + 1, kind, number, a, b, qualifier,
                                           context, display, row))
        if kind == "display" and cleaned and cleaned[-1]:
            self.last_side = cleaned[-1]
        if justification and "=" in justification.group(1):
            last = self.last_side
            self.add_chain(split_top(justification.group(1), "="), "display", number, context, display, row)
            self.last_side = last


def _display(b: _Builder, math: str, context: str, display: int) -> None:
    chain: list[str] | None = None
    chain_number = None
    for r, (row, number) in enumerate(_rows(math)):
        if not row.strip():
            continue
        left, amp, right = row.partition("&")
        sides = split_top(row, "=")
        continues = amp and not left.strip() and right.lstrip().startswith("=")
        if continues and chain is not None and chain_number == number:
            chain.extend(sides[1:])
            continue
        if chain is not None:
            b.add_chain(chain, "display", chain_number, context, display, r)
        if continues and chain is not None or continues:      # a new number on a continued row: its own step
            chain = [b.last_side or ""] + sides[1:]
        else:
            chain = sides
        chain_number = number
    if chain is not None:
        b.add_chain(chain, "display", chain_number, context, display, 0)


def sentences_of(prose: str) -> list[str]:
    """Sentences of prose (math kept in place), split after '.', '?' or '!' outside math."""
    out, buf, in_math = [], "", False
    for n, ch in enumerate(prose):
        buf += ch
        if ch == "$":
            in_math = not in_math
        elif ch in ".?!" and not in_math and (n + 1 == len(prose) or prose[n + 1].isspace()) \
                and not _ABBREVIATION.search(buf.strip()):
            out.append(squash(buf))
            buf = ""
    if buf.strip():
        out.append(squash(buf))
    return [s for s in out if s]


def _prose(b: _Builder, prose: str) -> None:
    for sentence in sentences_of(prose):
        b.reading.sentences.append((len(b.reading.steps), sentence))
        for m in re.finditer(r"\$([^$]+)\$|\\\((.+?)\\\)", sentence):
            math = m.group(1) or m.group(2)
            if "=" not in math.replace("\\neq", "").replace("\\leq", "").replace("\\geq", ""):
                continue
            sides = split_top(math, "=")
            if len(sides) >= 2:
                b.add_chain(sides, "inline", None, sentence, None, 0)


_DISPLAY = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|(\\begin\{(equation|align|gather|eqnarray|multline)\*?\}.+?"
                      r"\\end\{\4\*?\})", re.DOTALL)


def read(text: str) -> Reading:
    """The steps of ``text`` (Markdown with $…$ / \\(…\\) inline and $$…$$ / \\[…\\] display math)."""
    b = _Builder()
    pos = 0
    for display, m in enumerate(_DISPLAY.finditer(text)):
        prose = text[pos:m.start()]
        _prose(b, prose)
        math = m.group(1) or m.group(2) or m.group(3)
        paragraph = squash(prose.strip().split("\n\n")[-1]) if prose.strip() else ""
        _display(b, math, paragraph, display)
        pos = m.end()
    _prose(b, text[pos:])
    # the sentences are kept: the prose claims the subject can check are steps too (checks.step_prose)
    return b.reading
