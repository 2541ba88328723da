"""Printed LaTeX to SymPy: a short, explicit list of notational normalizations, then ``parse_latex``.

Each normalization is purely notational (it never changes what a formula says);
:func:`normalize` returns the rewritten text and the names of the rules that
fired, which the report shows for each equation.  :func:`concretize` then makes a
parsed side concrete for one k: indices inside sums/products become indexed
symbols, the sums/products are expanded, ``x_k`` becomes ``x_3`` for k = 3, the
free indices i, j get values, and symbols are matched by name to the claim's.

A side that names a quantity the note defines (``p(u_1, …)``, ``h_i^{-1}(…)``,
``\\det(…)``, ``\\mathbf{y}``) is *opaque*: it is not parsed.
"""
from __future__ import annotations

import re

import sympy as sp

# (name, description) of every normalization; the report lists the ones that fired.
RULES = {
    "spacing": r"spacing commands \, \; \! dropped",
    "times": r"\times read as multiplication (\cdot)",
    "braces": r"\{ \} (grouping braces) read as parentheses",
    "integral-differential": r"a leading differential (\int dv f, \int (-dv) f, \frac{dy}{a}) moved behind the integrand",
    "integral-variable": r"the integration variable g_k renamed to a bound dummy w (the parser needs a one-letter differential)",
    "big-operator-body": r"\prod / \sum and their body bracketed up to the next \int, \prod, \sum, \left(, \Gamma, + or - (the printed scope)",
    "implicit-product": r"v(…) read as v·(…), not as a function call",
    "partial-y_k": r"\frac{\partial y_k}{\partial y_j} read as the derivative of y_k = 1 - \sum_{j<k} y_j",
    "e-as-exp": r"e^{…} read as exp(…) (e is Euler's number)",
    "Gamma": r"\Gamma(z) read as the Gamma function",
}

_OPAQUE = re.compile(r"(^|[^\\a-zA-Z])p\(|\bh_|\\mathbf\{h\}|\\det|\\mathbf\{y\}|\\partial h|\\partial\(|\\dots")


class Unparseable(ValueError):
    pass


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


def _body_end(text: str, i: int) -> int:
    """End of a \\prod / \\sum body starting at ``i``: the printed scope."""
    depth, seen = 0, False
    j = i
    while j < len(text):
        c = text[j]
        if depth == 0 and seen and (c in "+-=" or any(text.startswith(s, j) for s in _STOP)):
            return j
        if depth == 0 and text.startswith(r"\right", j):
            return j
        if c in "{([":
            depth += 1
        elif c in "})]":
            if depth == 0:
                return j
            depth -= 1
        if not c.isspace():
            seen = True
        if text.startswith(r"\left(", j) and depth >= 0 and j != i:
            pass
        j += 1
    return j


def _bracket_bodies(text: str) -> str:
    out, i = "", 0
    while True:
        m = re.compile(r"\\(prod|sum)").search(text, i)
        if not m:
            return out + text[i:]
        lim = _limits_end(text, m.end())
        end = _body_end(text, lim)
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
    frac = re.search(r"\\frac\{d([a-z])\}\{([^}]*)\}\s*$", rest)
    trail = re.search(r"\s+d([a-z](?:_[a-z0-9]|_\{[^}]*\})?)\s*$", rest)
    if lead:
        var = lead.group(1) or lead.group(2)
        sign = "-" if lead.group(1) else ""
        rest = rest[lead.end():]
        fired.add("integral-differential")
    elif frac:
        var = frac.group(1)
        rest = rest[: frac.start()] + r" \frac{1}{" + frac.group(2) + "}"
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


def normalize(side: str) -> tuple[str, list[str]]:
    """The side rewritten for ``parse_latex`` and the normalizations that fired."""
    fired: set = set()
    t = side
    if re.search(r"\\[,;!]", t):
        t = re.sub(r"\\[,;!]", " ", t)
        fired.add("spacing")
    if r"\times" in t:
        t = t.replace(r"\times", r"\cdot")
        fired.add("times")
    if r"\{" in t:
        t = t.replace(r"\{", "(").replace(r"\}", ")")
        fired.add("braces")
    pd = re.compile(r"\\frac\{\\partial y_k\}\{\\partial y_\{?([a-z0-9])\}?\}")
    if pd.search(t):
        t = pd.sub(lambda m: r"\Xi_{" + m.group(1) + "}", t)
        fired.add("partial-y_k")
    if r"\int" in t:
        t = _integrals(t, fired)
    if re.search(r"\\(prod|sum)", t):
        t = _bracket_bodies(t)
        fired.add("big-operator-body")
    ip = re.compile(r"(?<![\\A-Za-z])([a-gi-oq-zA-Z])\s*\((?!\s*-\s*d)")
    if ip.search(t):
        t = ip.sub(lambda m: m.group(1) + r" \cdot (", t)
        fired.add("implicit-product")
    if re.search(r"(?<![\\A-Za-z])e\^", t):
        fired.add("e-as-exp")
    if r"\Gamma" in t:
        fired.add("Gamma")
    return t, sorted(fired)


def _balanced(side: str) -> None:
    """Unbalanced braces or \\left/\\right make SymPy's parser stop early and return a prefix of the
    side: that is unreadable text, never a shorter formula (``Unparseable`` with the position)."""
    depth = 0
    plain = re.sub(r"\\[{}]", "  ", side)
    for pos, ch in enumerate(plain):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            raise Unparseable(f"unbalanced braces: '}}' at character {pos} closes nothing")
    if depth:
        raise Unparseable(f"unbalanced braces: {depth} '{{' never closed")
    if plain.count("(") != plain.count(")"):
        raise Unparseable(f"unbalanced parentheses ({plain.count('(')} '(', {plain.count(')')} ')')")
    lefts, rights = len(re.findall(r"\\left\b", side)), len(re.findall(r"\\right\b", side))
    if lefts != rights:
        raise Unparseable(f"unbalanced \\left / \\right ({lefts} \\left, {rights} \\right)")


def parse(side: str) -> tuple[sp.Expr, list[str]]:
    """Parse one printed side (raises :class:`Unparseable` with the reason)."""
    from sympy.parsing.latex import parse_latex

    _balanced(side)
    text, fired = normalize(side)
    try:
        expr = parse_latex(text)
    except Exception as exc:  # noqa: BLE001 - the parser raises several types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise Unparseable(f"parse_latex: {first}") from None
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
