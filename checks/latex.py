"""Printed LaTeX to SymPy: a short, explicit list of notational normalizations, then SymPy's LaTeX grammar.

Each normalization is purely notational (it never changes what a formula says);
:func:`normalize` returns the rewritten text and the names of the rules that
fired, which the report shows for each equation.  The grammar must read the whole
normalized side (:func:`checks.latex_tokens.read`): a side it reads only a prefix
of is :class:`Unparseable`, never a shorter formula.  :func:`concretize` then makes a
parsed side concrete for one k: indices inside sums/products become indexed
symbols, the sums/products are expanded, ``x_k`` becomes ``x_3`` for k = 3, the
free indices i, j get values, and symbols are matched by name to the claim's.

A side that names a quantity the note defines (``p(u_1, …)``, ``h_i^{-1}(…)``,
``\\det(…)``, ``\\mathbf{y}``) is *opaque*: it is not parsed.
"""
from __future__ import annotations

import re

import sympy as sp

from .latex_tokens import (
    BOLD,
    GREEK,
    Unparseable,
    balanced,
    expand_ranges,
    no_transpose,
    read,
    split_qualifier,
)

__all__ = [
    "CALLS",
    "RULES",
    "Unparseable",
    "concretize",
    "expand_ranges",
    "is_opaque",
    "normalize",
    "parse",
    "split_qualifier",
]

# (name, description) of every normalization; the report lists the ones that fired.
RULES = {
    "index-range": r"an index range u_{1:k-1} read as u_1, \dots, u_{k-1}",
    "spacing": r"spacing commands \, \; \! \: \quad \qquad \ (backslash-space) and ~ dropped",
    "style": r"\displaystyle, \textstyle, \scriptstyle dropped",
    "frac-style": r"\dfrac, \tfrac read as \frac",
    "dots": r"\cdots, \ldots read as \dots",
    "operatorname": r"\operatorname{exp}, \mathrm{log}, … read as \exp, \log, \ln",
    "differential-roman": r"an upright d (\mathrm{d}v, \operatorname{d}v, \text{d}v, {\rm d}v) read as the differential dv",
    "euler-roman": r"an upright e (\mathrm{e}) read as e, Euler's number",
    "bold": r"\mathbf{y}, \boldsymbol{y}, \bm{y} read as an opaque bold name (boldy), never as y",
    "delimiters": r"\left, \right are layout; \bigl( \Bigr) \big( \Big[ \bigg … read as \left( \right); \left| \right| as | |",
    "times": r"\times and \cdot read as multiplication",
    "braces": r"\{ \} (grouping braces) read as parentheses",
    "integral-differential": r"a leading differential (\int dv f, \int (-dv) f, \frac{dy}{a}) moved behind the integrand",
    "integral-variable": r"the integration variable g_k renamed to a bound dummy w (the parser needs a one-letter differential)",
    "big-operator-body": r"\prod / \sum and their body bracketed up to the next \int, \prod, \sum, \left(, \Gamma, + or - (the printed scope)",
    "implicit-product": r"a symbol before a parenthesis (v(…), \tau(…), x_k(…), \pi_i \left(…\right)) read as a product, "
                        r"not a function call (p, h and declared functions stay calls)",
    "partial-y_k": r"\frac{\partial y_k}{\partial y_j} read as the derivative of y_k = 1 - \sum_{j<k} y_j",
    "e-as-exp": r"e^{…} read as exp(…) (e is Euler's number)",
    "exp-log": r"\exp as the exponential, \log and \ln as the natural logarithm",
    "Gamma": r"\Gamma(z) read as the Gamma function",
}

CALLS = frozenset({"p", "h"})   # names that are always function calls (the note's densities and maps)

_OPAQUE = re.compile(r"(^|[^\\a-zA-Z])p\s*(\\left\s*)?\(|\bh_|\\mathbf\{h\}|\\det|\\(?:mathbf|boldsymbol|bm)\{y\}"
                     r"|\\partial h|\\partial\(|\\(?:[lc]?dots|dots[cbmoi])(?![a-zA-Z])|_\{[^{}:]*:")


def is_opaque(side: str) -> bool:
    """A side that names a quantity defined by the note rather than giving a formula."""
    return bool(_OPAQUE.search(side))


def _match(text: str, start: int) -> int:
    """Index just past the group opening at ``start`` ({ or ( or [)."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] in "{([":
            depth += 1
        elif text[i] in "})]":
            depth -= 1
            if depth == 0:
                return i + 1
    raise Unparseable("unbalanced brackets")


def _limits_end(text: str, i: int) -> int:
    """Skip ``_{…}^{…}`` / ``_a^b`` after a big operator starting at ``i``."""
    for _ in range(2):
        while i < len(text) and text[i] == " ":
            i += 1
        if i < len(text) and text[i] in "_^":
            i += 1
            while i < len(text) and text[i] == " ":
                i += 1
            if text[i] == "{":
                i = _match(text, i)
            elif text[i] == "\\":
                m = re.match(r"\\[A-Za-z]+", text[i:])
                i += m.end()
            else:
                i += 1
    return i


_STOP = (r"\int", r"\prod", r"\sum", r"\left(", r"\Gamma", r"\right")


def _argument_of_function(text: str, j: int) -> bool:
    """``\\left(`` right after ``\\exp`` / ``\\log`` / ``\\ln`` opens that function's argument, not a new factor."""
    return text.startswith(r"\left(", j) and bool(re.search(r"\\(exp|log|ln)\s*$", text[:j]))


def _body_end(text: str, i: int, var: str | None = None) -> int:
    """End of a \\prod / \\sum body starting at ``i``: the printed scope.  A bracket ``\\left(…\\right)``
    ends it, unless the bracket uses the operator's index ``var`` itself (not re-bound by an inner
    sum or product): ``\\sum_b \\pi_b \\left(y_b/y_k\\right)^{-\\tau}`` is one body."""
    depth, seen = 0, False
    j = i
    while j < len(text):
        c = text[j]
        if depth == 0 and seen and (c in "+-=" or any(text.startswith(s, j) for s in _STOP)) \
                and not _argument_of_function(text, j) and not _uses_index(text, j, var):
            return j
        if depth == 0 and text.startswith(r"\right", j):
            return j
        if depth == 0 and seen and var is not None and text.startswith(r"\cdot", j) \
                and not _INDEX(var).search(text[j:_body_end(text, j + 5, var)]):
            return j          # "\prod_b e^{x_b} \cdot s^{-k}": an explicit product sign before a factor free of b
        if c in "{([":
            depth += 1
        elif c in "})]":
            if depth == 0:
                return j
            depth -= 1
        if not c.isspace():
            seen = True
        j += 1
    return j


def _INDEX(var: str) -> re.Pattern:
    return re.compile(r"_\s*(?:\{\s*" + re.escape(var) + r"\s*\}|" + re.escape(var) + r"(?![A-Za-z]))")


def _uses_index(text: str, j: int, var: str | None) -> bool:
    """The ``\\left(`` group at ``j`` names the free index ``var`` (``y_b`` for ``\\sum_{b=…}``)."""
    if var is None or not text.startswith(r"\left(", j):
        return False
    depth, k = 0, j
    while k < len(text):
        if text.startswith(r"\left", k):
            depth += 1
        elif text.startswith(r"\right", k):
            depth -= 1
            if depth == 0:
                break
        k += 1
    group = text[j:k]
    if re.search(r"\\(?:sum|prod)\s*_\s*\{\s*" + re.escape(var) + r"\s*=", group):
        return False
    return bool(re.search(r"_\s*(?:\{\s*" + re.escape(var) + r"\s*\}|" + re.escape(var) + r"(?![A-Za-z]))", group))


def _bracket_bodies(text: str) -> str:
    out, i = "", 0
    while True:
        m = re.compile(r"\\(prod|sum)").search(text, i)
        if not m:
            return out + text[i:]
        lim = _limits_end(text, m.end())
        index = re.match(r"\s*_\s*\{?\s*([a-z])\s*=", text[m.end():lim])
        end = _body_end(text, lim, index.group(1) if index else None)
        body = _bracket_bodies(text[lim:end])
        out += text[i:m.start()] + r" \left(" + text[m.start():lim] + r" \left(" + body + r"\right) \right) "
        i = end


def _integrals(text: str, fired: set) -> str:
    m = re.search(r"\\int", text)
    if not m:
        return text
    lim = _limits_end(text, m.end())
    head, rest = text[:lim], text[lim:].strip()
    sign = ""
    lead = re.match(r"^\(\s*-\s*d([a-z](?:_[a-z0-9]|_\{[^}]*\})?)\s*\)\s*|^d([a-z](?:_[a-z0-9]|_\{[^}]*\})?)\s+", rest)
    frac = re.search(r"\\frac\{\s*d\s*([a-z])\s*\}\{([^}]*)\}\s*$", rest)
    trail = re.search(r"\s+d([a-z](?:_[a-z0-9]|_\{[^}]*\})?)\s*$", rest)
    if lead:
        var = lead.group(1) or lead.group(2)
        sign = "-" if lead.group(1) else ""
        rest = rest[lead.end():]
        fired.add("integral-differential")
    elif frac:
        var = frac.group(1)
        # the factor 1/a of dy/a goes in front: a \prod or \sum in the integrand must not take it in
        rest = r"\frac{1}{" + frac.group(2) + "} " + rest[: frac.start()]
        fired.add("integral-differential")
    elif trail:
        var = trail.group(1)
        rest = rest[: trail.start()]
    else:
        raise Unparseable("integral without a differential")
    rest = _integrals(rest, fired)
    if "_" in var:
        fired.add("integral-variable")
        base = var.split("_")[0]
        idx = var.split("_", 1)[1].strip("{}")
        pattern = (re.escape(base) + r"_(?:\{" + re.escape(idx) + r"\}|" + re.escape(idx)
                   + r"(?![0-9a-zA-Z]))")
        rest = re.sub(pattern, "w", rest)
        var = "w"
    return head + r" " + sign + r"\left(" + rest + r"\right) \, d" + var


_G = "|".join(sorted(GREEK, key=len, reverse=True))
_G_FACTOR = "|".join(sorted(GREEK - {"Gamma"}, key=len, reverse=True))   # \Gamma(z) is the function
_SIZE = re.compile(r"\\(?:big|Big|bigg|Bigg)([lrm]?)\s*(\\\{|\\\}|\\langle|\\rangle|\\[lr]vert|[()\[\]|])")
_OPENING = ("(", "[", r"\{", r"\langle", r"\lvert")

# (rule, pattern, replacement) of the layout rewrites, in order
_LAYOUT = (
    ("spacing", r"(?<!\\)\\(?:[,;:! ]|(?:thin|med|thick|negthin|negmed|negthick)space(?![a-zA-Z])|q?quad(?![a-zA-Z]))|~", " "),
    ("style", r"\\(?:display|text|script|scriptscript)style(?![a-zA-Z])", " "),
    ("frac-style", r"\\[dt]frac(?![a-zA-Z])", r"\\frac"),
    ("dots", r"\\(?:[lc]dots|dots[cbmoi])(?![a-zA-Z])", r"\\dots"),
    ("operatorname", r"\\(?:operatorname\*?|mathrm|text|textrm)\s*\{\s*(exp|log|ln)\s*\}", r"\\\1 "),
    ("differential-roman", r"(?:\\(?:mathrm|operatorname|text|textrm|mathop)\s*\{\s*d\s*\}|\{\s*\\rm\s+d\s*\}|\\mathrm\s+d(?![a-zA-Z]))"
                           r"\s*(?=[A-Za-z]|\\(?:" + _G + r")(?![a-zA-Z]))", " d"),
    ("euler-roman", r"\\(?:mathrm|operatorname|text|textrm)\s*\{\s*e\s*\}|\{\s*\\rm\s+e\s*\}|\\mathrm\s+e(?![a-zA-Z])", " e"),
    ("bold", r"\\(?:mathbf|boldsymbol|bm)\s*\{\s*(?:([A-Za-z])|\\(" + _G + r"))\s*\}", "\\\\" + BOLD + r"\1\2 "),
    ("delimiters", _SIZE, lambda m: ("\\left" if m.group(1) == "l" or m.group(1) != "r" and m.group(2) in _OPENING
                                     else "\\right") + m.group(2)),
    ("delimiters", r"\\(?:left|right)\s*(?:\||\\[lr]vert(?![a-zA-Z]))|\\[lr]vert(?![a-zA-Z])", "|"),
    ("delimiters", r"\\(?:left|right)(?![a-zA-Z])", lambda m: m.group(0)),
    ("times", r"\\times(?![a-zA-Z])", r"\\cdot"),
    ("times", r"\\cdot(?![a-zA-Z])", r"\\cdot"),
    ("braces", r"\\\{", "("),
    ("braces", r"\\\}", ")"),
)
_SYM_PAREN = re.compile(r"(?:(?<![\\A-Za-z^_])([A-Za-z])|(?<![\\^_])\\(" + _G_FACTOR + r")(?![A-Za-z]))"
                        r"(\s*_\s*(?:\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z0-9]))?(\s*(?:\\left\s*)?)\((?!\s*-\s*d)")


def normalize(side: str, functions: frozenset = frozenset(), skip: frozenset = frozenset()) -> tuple[str, list[str]]:
    """The side rewritten for the grammar and the normalizations that fired.  ``functions``: names
    (besides :data:`CALLS`) that are function calls before a parenthesis; any other symbol there is
    a factor.  ``skip``: rules not to apply (the tests read every formula without each rule)."""
    fired: set = set()
    t = side if "index-range" in skip else expand_ranges(side)
    if t != side:
        fired.add("index-range")
    for rule, pattern, repl in _LAYOUT:
        if rule not in skip:
            t, n = re.subn(pattern, repl, t)
            fired.update([rule] if n else [])
    pd = re.compile(r"\\frac\{\\partial y_k\}\{\\partial y_\{?([a-z0-9])\}?\}")
    if pd.search(t) and "partial-y_k" not in skip:
        t = pd.sub(lambda m: r"\Xi_{" + m.group(1) + "}", t)
        fired.add("partial-y_k")
    if r"\int" in t and not {"integral-differential", "integral-variable"} & skip:
        t = _integrals(t, fired)
    if re.search(r"\\(prod|sum)", t) and "big-operator-body" not in skip:
        t = _bracket_bodies(t)
        fired.add("big-operator-body")
    calls = CALLS | set(functions)

    def product(m):
        if (m.group(1) or m.group(2)) in calls:
            return m.group(0)
        fired.add("implicit-product")
        return m.group(0)[:m.start(4) - m.start(0)] + r" \cdot " + m.group(4) + "("
    t = t if "implicit-product" in skip else _SYM_PAREN.sub(product, t)
    for rule, pattern in (("e-as-exp", r"(?<![\\A-Za-z])e\^"), ("exp-log", r"\\(exp|log|ln)(?![a-zA-Z])"),
                          ("Gamma", r"\\Gamma")):
        fired.update([rule] if re.search(pattern, t) else [])
    return t, sorted(fired)


def parse(side: str, functions: frozenset = frozenset(), skip: frozenset = frozenset()) -> tuple[sp.Expr, list[str]]:
    """Parse one printed side, all of it (raises :class:`Unparseable` with a one-line reason naming
    where reading stopped).  ``functions``: names read as function calls before a parenthesis,
    besides :data:`CALLS`; every other symbol before a parenthesis is a factor."""
    try:
        balanced(side)
        no_transpose(side)
        text, fired = normalize(side, functions, skip)
    except Unparseable:
        raise
    except Exception as exc:  # noqa: BLE001 - a malformed side can trip the rewriting helpers
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise Unparseable(f"unreadable side ({type(exc).__name__}: {first})") from None
    expr = read(text)
    for integral in expr.atoms(sp.Integral):
        outside = {lim[0] for lim in integral.limits} & expr.free_symbols
        if outside:
            raise Unparseable(f"the integration variable {min(map(str, outside))} also stands outside "
                              "its integral (the integrand's scope is misread)")
    expr = expr.xreplace({sp.Symbol("e"): sp.E})
    expr = expr.replace(lambda e: isinstance(e, sp.Function) and type(e).__name__ == "Gamma",
                        lambda e: sp.gamma(*e.args))
    return expr, fired


_NAME = re.compile(r"^([A-Za-z]+)_\{?(.+?)\}?$")


def concretize(expr: sp.Basic, k: int, names: dict, free: dict | None = None,
               defined: dict | None = None) -> sp.Expr:
    """The parsed side for a concrete ``k``.

    ``names``: symbol name -> the claim's symbol; ``free``: values of the free indices
    (default i = 1, j = 2); ``defined``: values the note defines, by base and index
    ("u_k" -> 0 means u with index k is 0).
    """
    free = {"i": 1, "j": 2} if free is None else free
    defined = defined or {}
    K = sp.Symbol("k")
    ivals = {sp.Symbol(n): v for n, v in free.items()}
    ivals[K] = k

    def name_of(base: str, n) -> sp.Basic:
        key = f"{base}_{n}"
        for dname, value in defined.items():
            dbase, _, didx = dname.partition("_")
            if dbase == base and sp.sympify(didx).subs(ivals) == n:
                return sp.sympify(value)
        return names.get(key, sp.Symbol(key))

    def conv(e, bound: frozenset):
        if isinstance(e, (sp.Sum, sp.Product)):
            var, lo, hi = e.limits[0]
            body = conv(e.function, bound | {var})
            return type(e)(body, (var, conv(lo, bound), conv(hi, bound)))
        if isinstance(e, sp.Integral):
            var = e.limits[0][0]
            lims = e.limits[0][1:]
            newvar = conv(var, bound)
            return sp.Integral(conv(e.function, bound), (newvar, *[conv(x, bound) for x in lims]))
        if isinstance(e, sp.Symbol):
            m = _NAME.match(e.name)
            if m:
                base, idx = m.group(1), m.group(2)
                if base == "Xi":  # d y_k / d y_idx, y_k = 1 - sum_{j<k} y_j
                    n = int(sp.sympify(idx).subs(ivals))
                    if n == k:  # d y_k / d y_k
                        return sp.Integer(1)
                    y = [names.get(f"y_{t}", sp.Symbol(f"y_{t}")) for t in range(1, k)]
                    return sp.Derivative(1 - sp.Add(*y), y[n - 1])
                try:
                    index = sp.sympify(idx, locals={s: sp.Symbol(s) for s in "ijklmn"})
                except (sp.SympifyError, SyntaxError, TypeError):
                    return e
                if index.free_symbols & bound:
                    return sp.IndexedBase(base)[index]
                value = index.subs(ivals)
                if value.is_Integer:
                    return name_of(base, int(value))
                return e
            if e in ivals:
                return sp.Integer(ivals[e])
            return names.get(e.name, e)
        if not e.args:
            return e
        return e.func(*[conv(a, bound) for a in e.args])

    out = conv(sp.sympify(expr), frozenset())
    out = out.replace(lambda e: isinstance(e, (sp.Sum, sp.Product)), lambda e: e.doit(deep=False))
    out = out.replace(lambda e: isinstance(e, sp.Indexed),
                      lambda e: name_of(str(e.base), int(e.indices[0])) if e.indices[0].is_Integer else e)
    return out
