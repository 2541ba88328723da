"""Bracket groups, argument lists and operator scopes of printed LaTeX (for ``checks.step_sides``)."""
from __future__ import annotations

import re


class Unreadable(ValueError):
    """Printed text the step reader cannot give a meaning (``str()`` is the reason)."""


def group(text: str, start: int) -> int:
    """Index past the bracket group opening at ``start`` (``(``, ``{``, ``[``, ``\\left(``)."""
    depth, i = 0, start
    while i < len(text):
        if text.startswith(r"\left", i) or text.startswith(r"\right", i):
            i += 5 if text.startswith(r"\left", i) else 6
            continue
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] in "{}":
            i += 2
            continue
        if c in "({[":
            depth += 1
        elif c in ")}]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise Unreadable(f"unbalanced brackets after character {start}")


def inner(text: str, start: int) -> tuple[str, int]:
    """The text inside the bracket group opening at ``start`` and the index past it."""
    end = group(text, start)
    body = text[start:end]
    if body.startswith(r"\left"):
        body = re.sub(r"\\right\s*\\?.$", "", re.sub(r"^\\left\s*\\?.", "", body))
    else:
        body = body[1:-1]
    return body.strip(), end


def split_args(text: str) -> list[str]:
    out, depth, buf = [], 0, ""
    for ch in text:
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(buf.strip())
            buf = ""
        else:
            buf += ch
    if buf.strip():
        out.append(buf.strip())
    return out


def scope(text: str, i: int) -> int:
    """End of the body of a big operator starting at ``i``: the next +, -, = at depth 0 (after the
    first token), or the end of the enclosing group."""
    depth, seen, j = 0, False, i
    while j < len(text):
        c = text[j]
        if c in "{([":
            depth += 1
        elif c in "})]":
            if depth == 0:
                return j
            depth -= 1
        elif depth == 0 and seen and c in "+-=" or depth == 0 and seen and (text.startswith(r"\int", j) or text.startswith(r"\right", j)):
            return j
        if not c.isspace():
            seen = True
        j += 1
    return j


def strip_parens(text: str) -> str:
    text = text.strip()
    text = re.sub(r"^\\left\s*", "", text)
    text = re.sub(r"\\right\s*\)$", ")", text)
    if text.startswith("(") and text.endswith(")"):
        return text[1:-1]
    return text
