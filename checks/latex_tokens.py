"""The reading of a normalized side by SymPy's ANTLR LaTeX grammar, made strict, and the text helpers
around it (:mod:`checks.latex` holds the normalizations).

SymPy's grammar has no end-of-input at its top rule, so ``parse_latex`` can stop early and return a
*prefix* of its input (``a + b ] c`` reads as ``a + b``).  :func:`read` runs SymPy's own lexer and
parser and then requires the token stream to be at its end; a command the grammar reads as a plain
symbol but that is not a letter (``\\mathrm``, ``\\text``, ``\\top``) is refused too, so that nothing is
read as a product of made-up symbols.  Every failure is :class:`Unparseable` with a one-line reason
naming the token and where reading stopped.
"""
from __future__ import annotations

import contextlib
import io
import re
import warnings

import sympy as sp


class Unparseable(ValueError):
    pass


GREEK = frozenset({"alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta",
    "theta", "vartheta", "iota", "kappa", "varkappa", "lambda", "mu", "nu", "xi", "omicron", "pi",
    "varpi", "rho", "varrho", "sigma", "varsigma", "tau", "upsilon", "phi", "varphi", "chi", "psi",
    "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi",
    "Omega", "ell"})
_COMMANDS = GREEK | {"infty", "partial"}
BOLD = "bold"            # \mathbf{y} is read as the opaque name \boldy (the symbol ``boldy``)


def _excerpt(text: str, pos: int) -> str:
    return (text[max(0, pos - 12):pos] + "\u2038" + text[pos:pos + 12]).replace("\n", " ")


def _stop(text: str, pos: int, what: str) -> Unparseable:
    return Unparseable(f"{what} at character {pos}: '{_excerpt(text, pos)}'")


def balanced(side: str) -> None:
    """Every {, ( and [ is closed in order of its kind, and every \\left has its \\right (a side that is
    not balanced is unreadable text, never a shorter formula)."""
    plain = re.sub(r"\\[{}]", "  ", side)
    for open_, close in ("{}", "()", "[]"):
        opened = []
        for pos, ch in enumerate(plain):
            if ch == open_:
                opened.append(pos)
            elif ch == close:
                if not opened:
                    raise _stop(side, pos, f"unbalanced '{close}' (closes nothing)")
                opened.pop()
        if opened:
            raise _stop(side, opened[-1], f"unbalanced '{open_}' (never closed)")
    lefts, rights = len(re.findall(r"\\left(?![a-zA-Z])", side)), len(re.findall(r"\\right(?![a-zA-Z])", side))
    if lefts != rights:
        raise Unparseable(f"unbalanced \\left / \\right ({lefts} \\left, {rights} \\right)")


_TRANSPOSE = re.compile(r"\^\s*(?:T(?![A-Za-z])|\\top\b|\\intercal\b|\{\s*(?:T|\\top|\\intercal|"
                        r"\\math(?:sf|rm|tt)\s*\{\s*T\s*\}|\\math(?:sf|rm)\s*T)\s*\})")


def no_transpose(text: str) -> None:
    """``^T``, ``^\\top``, ``^{\\mathsf{T}}`` mark a transpose (matrices are read elsewhere): never a power."""
    m = _TRANSPOSE.search(text)
    if m:
        raise _stop(text, m.start(), f"a transpose '{m.group(0)}' (matrices are not read here)")


def read(text: str) -> sp.Expr:
    """SymPy's ANTLR reading of the whole of ``text`` (raises :class:`Unparseable`)."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            return _read(text)
        except Unparseable:
            raise
        except Exception as exc:  # noqa: BLE001 - the grammar's converters raise several types
            lines = str(exc).strip().splitlines()
            raise Unparseable(f"parse_latex: {lines[0] if lines else type(exc).__name__}") from None


def _read(text: str) -> sp.Expr:
    if "&" in text:
        raise _stop(text, text.index("&"), "an alignment '&' (not part of a side)")
    import antlr4
    from antlr4.error.ErrorListener import ErrorListener
    from sympy.parsing.latex._parse_latex_antlr import LaTeXLexer, LaTeXParser, convert_relation

    class Raise(ErrorListener):
        def syntaxError(self, recognizer, offending, line, column, msg, e):
            start = offending.start if offending is not None and offending.start >= 0 else column
            raise _stop(text, start, msg.replace("\n", " "))

    lexer = LaTeXLexer(antlr4.InputStream(text))
    lexer.removeErrorListeners()
    lexer.addErrorListener(Raise())
    tokens = antlr4.CommonTokenStream(lexer)
    tokens.fill()
    for tok in tokens.tokens:
        name = tok.text[1:]
        if tok.type == LaTeXLexer.SYMBOL and name not in _COMMANDS \
                and not (name.startswith(BOLD) and (len(name) == len(BOLD) + 1 or name[len(BOLD):] in GREEK)):
            what = "prose \\text{...} (split it off: split_qualifier)" if name in ("text", "mbox") \
                else "an elided list (\\dots) is not a formula" if name == "dots" \
                else f"unknown command '{tok.text}'"
            raise _stop(text, tok.start, what)
    if all(tok.type == antlr4.Token.EOF for tok in tokens.tokens):
        raise Unparseable("empty side")
    parser = LaTeXParser(tokens)
    parser.removeErrorListeners()
    parser.addErrorListener(Raise())
    relation = parser.math().relation()
    nxt = tokens.LT(1)
    if nxt.type != antlr4.Token.EOF:
        raise _stop(text, nxt.start, f"reading stopped before '{nxt.text}' (the rest is not part of the formula)")
    expr = convert_relation(relation)
    if isinstance(expr, sp.core.relational.Relational):
        raise Unparseable(f"a relation ({type(expr).__name__}), not one side of an equation")
    if any(s.name.startswith("partial") for s in sp.sympify(expr).free_symbols):
        raise Unparseable("a \\partial outside a derivative \\frac{\\partial .}{\\partial .}")
    return expr


# ---- text helpers for callers ---------------------------------------------------------------------

_RANGE = re.compile(r"((?<![A-Za-z\\])[A-Za-z]|\\[A-Za-z]+)_\{\s*([^{}:]+?)\s*:\s*([^{}:]+?)\s*\}")


def expand_ranges(text: str) -> str:
    """Index ranges ``u_{1:k-1}`` written out as ``u_1, \\dots, u_{k-1}``."""
    def one(m):
        sub = [i if len(i) == 1 else "{" + i + "}" for i in (m.group(2), m.group(3))]
        return f"{m.group(1)}_{sub[0]}, \\dots, {m.group(1)}_{sub[1]}"
    return _RANGE.sub(one, text)


_PROSE = re.compile(r"\\(?:text|textrm|textnormal|mbox|mathrm)\s*\{([^{}]*)\}")
_QUAD = re.compile(r"\\q?quad(?![a-zA-Z])")
_CONDITION = re.compile(r"\\(?:text|mbox|textrm|forall|in|notin|neq|ne|leq?|geq?|lt|gt)(?![a-zA-Z])|[=<>]")


def split_qualifier(side: str) -> tuple[str, str | None]:
    """``(math, qualifier)``: the side cut at the first ``\\text{…}``/``\\mbox{…}`` holding prose, or
    the first top-level ``\\quad``/``\\qquad`` followed by a condition (``\\quad i \\neq j``); the
    qualifier is ``None`` when the side has none.  ``\\text{d}``, ``\\mathrm{e}`` are math, not prose."""
    cuts = []
    for m in _PROSE.finditer(side):
        words = m.group(1).strip()
        if m.group(0).startswith(r"\mathrm") and " " not in m.group(1):
            continue
        if words not in ("d", "e", "") and _depth(side, m.start()) == 0:
            cuts.append(m.start())
            break
    for m in _QUAD.finditer(side):
        if _depth(side, m.start()) == 0 and _CONDITION.search(side, m.end()):
            cuts.append(m.start())
            break
    if not cuts:
        return side, None
    cut = min(cuts)
    math = re.sub(r"(?:\s|,|;|\.|\\[,;:! ]|~|\\q?quad)+$", "", side[:cut])
    return math, side[cut:].strip()


def _depth(text: str, pos: int) -> int:
    plain = re.sub(r"\\[{}]", "  ", text[:pos])
    return sum({"{": 1, "}": -1, "(": 1, ")": -1}.get(c, 0) for c in plain)
