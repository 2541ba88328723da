r"""Matrices printed in a write-up (the Jacobian of the inverse softmax map), read at one concrete k.

Read: ``pmatrix`` / ``bmatrix`` / ``Bmatrix`` / ``matrix`` / ``smallmatrix`` / ``array``
(also in ``\left[ … \right]``); determinants ``vmatrix``, ``\det``, ``|…|``; ``\mathrm{diag}(…)``,
``\operatorname{diag}(…)``; ``\mathbf{1}\mathbf{1}^\top`` / ``\mathbf{e}\mathbf{e}^T``; ``I``,
``I_{k-1}``, ``\mathbf{I}``; sums and products of these with scalars.  A matrix side has size
n = k − 1.  Ellipses are generalised from the printed entries: rows and columns get labels
1, 2, … before the ellipsis and …, k − 2, k − 1 after it (symbolic in k); each subscript index
is affine in k (``i`` / ``j``: the entry's row / column, ``n`` = k − 1).  Per class of entries
(all; else diagonal / off-diagonal; else diagonal / above / below) one pattern must reproduce
every printed entry for every k: the same text, each index the row or the column plus a fixed
offset, or a fixed value.  Anything else raises :class:`MatrixUnreadable` (nothing is guessed).
"""
from __future__ import annotations

import re

import sympy as sp

K = sp.Symbol("k")
_LAST = K - 1                                   # the last label: the size n = k - 1
_GENERIC = sp.Symbol("i")                       # the position of diag(1/y_i)
_ENVS = {"pmatrix", "bmatrix", "Bmatrix", "matrix", "smallmatrix", "array", "vmatrix"}
_HDOTS = {r"\dots", r"\cdots", r"\ldots"}
_DOTS = _HDOTS | {r"\vdots", r"\ddots", r"\iddots", ""}


class MatrixUnreadable(ValueError):
    """The side uses matrix notation this module does not read; the message says why, in one line."""


_VEC = r"(?:\\(?:mathbf|boldsymbol|bm|vec|mathbb)\s*\{\s*[1e]\s*\}|\\(?:mathbf|boldsymbol|bm)\s+[1e](?![a-zA-Z]))"
_SIZE = r"(?:_\{([^{}]*)\}|_([0-9kn]))?"
_TOP = r"\^\s*(?:\\top|\\intercal|T|\{\s*(?:\\top|\\intercal|T|\\mathsf\{T\}|\\mathrm\{T\})\s*\})|'"
_OUTER = re.compile(_VEC + _SIZE + r"\s*" + _VEC + r"(?:_\{[^{}]*\}|_[0-9kn])?\s*(?:" + _TOP + ")")
_BOLD_I = re.compile(r"\\(?:mathbf|mathbb|mathrm|boldsymbol|bm)\s*\{\s*I\s*\}" + _SIZE)
_PLAIN_I = re.compile(r"(?<![\\a-zA-Z])I(?![a-zA-Z])" + _SIZE)
_DIAG = re.compile(r"(?:\\(?:mathrm|operatorname\*?|text|textrm|rm|mathit)\s*\{\s*diag\s*\}|\\diag(?![a-zA-Z]))\s*")
_ENV = re.compile(r"\\begin\{(?:[pbBv]?matrix|smallmatrix|array)\}")
_SUB_I = re.compile(r"(?<![\\a-zA-Z])I_(?:\{[^{}]*\}|[0-9kn])")
_ATOMS = re.compile(r"\\begin\{|\\gs(?:diag|outer|ident)")
_LEFTOVER = re.compile(r"\\gs|\\[cl]?dots|\\[vd]dots|\\top\b|\\intercal|\\(?:mathbf|boldsymbol|bm|vec)\s*\{?\s*[1e]|&|\\\\")
_INDEX = re.compile(r"[0-9ijkn+\-*() ]+")
_SUB = re.compile(r"_(?:\{([^{}]*)\}|([0-9a-zA-Z]))")
_CMD = re.compile(r"\\[a-zA-Z]+")
_BEGIN = re.compile(r"\\begin\{(\w+\*?)\}")


def has_matrix(text: str) -> bool:
    """The side prints matrix notation this module reads (a plain ``I`` alone does not count)."""
    return any(p.search(text) for p in (_ENV, _DIAG, _OUTER, _BOLD_I, _SUB_I))


def read(text: str, k: int, parse_scalar):
    """The side at size k: a (k-1)x(k-1) ``sympy.Matrix``, or a scalar (a determinant).
    ``parse_scalar(latex) -> sympy.Expr`` reads the scalar pieces: the entries (their indices made
    concrete: ``y_{3}``) and the scalars around the matrices (which may still say ``y_k``, ``k``)."""
    if re.search(r"\\\||\\[lr]?Vert", text) or k < 2:
        raise MatrixUnreadable(f"k = {k}: no matrix of size k - 1" if k < 2 else r"a norm \| … \| is not read")
    try:
        out = _Reader(k, parse_scalar).expr(_normalize(text))
    except MatrixUnreadable:
        raise
    except Exception as exc:  # noqa: BLE001 - sympy raises several types (ShapeError, TypeError, …)
        first = (str(exc).strip().splitlines() or [""])[0]
        raise MatrixUnreadable(f"{type(exc).__name__}: {first}") from None
    if isinstance(out, sp.MatrixBase) and out.shape != (k - 1, k - 1):
        raise MatrixUnreadable(f"the side is a {out.rows}x{out.cols} matrix, not (k-1)x(k-1) = {k - 1}x{k - 1}")
    return out


def _normalize(text: str) -> str:
    s = re.sub(r"\\(?:left|right)\.", "", text.strip().strip("$"))
    s = re.sub(r"\\(?:left|right|[bB]igg?[lr]?)(?![a-zA-Z])", "", s)
    s = re.sub(r"\\(?:[lr]?vert|mid)(?![a-zA-Z])", "|", s)
    s = re.sub(r"\\(?:displaystyle|quad|qquad)(?![a-zA-Z])|\\[,;:!]|~", " ", s)
    s = s.replace(r"\{", "(").replace(r"\}", ")").replace(r"\lbrack", "[").replace(r"\rbrack", "]")
    s = re.sub(r"\\[dt]frac(?![a-zA-Z])", r"\\frac", s)
    s = re.sub(r"\\(?:operatorname|mathrm)\s*\{\s*det\s*\}", r"\\det ", s)
    s = _OUTER.sub(lambda m: r"\gsouter{%s}" % (m.group(1) or m.group(2) or ""), _DIAG.sub(r"\\gsdiag", s))
    for pat in (_BOLD_I, _PLAIN_I):
        s = pat.sub(lambda m: r"\gsident{%s}" % (m.group(1) or m.group(2) or ""), s)
    return s


def _close(s: str, i: int) -> int:
    """Index just past the bracket group opening at ``s[i]`` (( [ { share one depth)."""
    depth = 0
    for j in range(i, len(s)):
        depth += (s[j] in "([{") - (s[j] in ")]}")
        if depth == 0:
            return j + 1
    raise MatrixUnreadable("unbalanced brackets")


def _env_end(s: str, i: int, name: str) -> tuple[int, int]:
    depth = 0
    for m in re.finditer(r"\\(begin|end)\{" + re.escape(name) + r"\}", s[i:]):
        depth += 1 if m.group(1) == "begin" else -1
        if depth == 0:
            return i + m.start(), i + m.end()
    raise MatrixUnreadable(f"\\begin{{{name}}} without \\end{{{name}}}")


def _items(s: str) -> list[tuple]:
    """Top-level pieces (kind, printed text, …): text, op, mul, det, env (name, body), group / bars /
    diag (inner text), outer / ident (size)."""
    items, buf, i = [], "", 0
    while i < len(s):
        m = _BEGIN.match(s, i) or _CMD.match(s, i)
        word, j, extra = m.group(0) if m else s[i], i + 1, ()
        if word.startswith(r"\begin"):
            a, j = _env_end(s, i, m.group(1))
            kind, extra = "env", (m.group(1), s[m.end():a])
        elif word in (r"\gsdiag", r"\gsouter", r"\gsident") and s[m.end():m.end() + 1] in ("(", "[", "{"):
            j = _close(s, m.end())
            kind, extra = word[3:], (s[m.end() + 1:j - 1],)
        elif word in (r"\det", r"\cdot", r"\times"):
            kind, j = ("det" if word == r"\det" else "mul"), m.end()
        elif word in ("(", "[", "|"):
            j = _close(s, i) if word != "|" else s.find("|", i + 1) + 1   # |…| holds no inner |
            if j == 0:
                raise MatrixUnreadable("a | without its closing |")
            kind, extra = ("group" if word != "|" else "bars"), (s[i + 1:j - 1],)
        elif word in ("+", "-") and not buf.rstrip().endswith(("^", "_")):
            kind = "op"
        else:
            j = _close(s, i) if word == "{" else m.end() if m else j
            if word == "{" and _ATOMS.search(s[i:j]):
                raise MatrixUnreadable("matrix notation inside braces { } (e.g. a fraction of matrices)")
            buf, i = buf + s[i:j], j
            continue
        items += [("text", buf)] if buf.strip() else []
        items.append((kind, s[i:j], *extra))
        buf, i = "", j
    return items + ([("text", buf)] if buf.strip() else [])


def _matrixish(it: tuple) -> bool:
    return it[0] in ("env", "diag", "outer", "ident") or it[0] in ("group", "bars") and bool(_ATOMS.search(it[2]))


def _split(s: str, sep: str) -> list[str]:
    """Split at ``sep`` outside braces and brackets."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(s):
        if depth == 0 and s.startswith(sep, i):
            out.append(s[start:i])
            i = start = i + len(sep)
            continue
        depth += (s[i] in "([{") - (s[i] in ")]}")
        i += 1
    return out + [s[start:]]


def _squash(s: str) -> str:
    """Whitespace dropped except between letters (``\\tau y``)."""
    return re.sub(r"\s+", " ", re.sub(r"(?<![a-zA-Z])\s+|\s+(?![a-zA-Z])", "", s.strip()))


def _affine(text: str, env: dict):
    """An index (``1``, ``k-1``, ``i+1``, ``2k``) as a SymPy value, or None when it is not one."""
    if not _INDEX.fullmatch(text) or not text.strip():
        return None
    try:
        value = sp.sympify(re.sub(r"(\d)\s*([a-z(])", r"\1*\2", text), locals=env)
    except (sp.SympifyError, SyntaxError, TypeError):
        return None
    return sp.expand(value) if isinstance(value, sp.Expr) and not value.free_symbols - {K, _GENERIC} else None


def _analyse(text: str, R, C):
    """(key, pieces, values) of a printed entry at labels (R, C): every subscript index becomes a slot."""
    bound = set(re.findall(r"_\{?\s*([a-z])\s*=", text))
    env = {"i": R, "j": C, "k": K, "n": _LAST}
    whole = None if bound else _affine(text, env)
    if whole is not None:
        return "<num>", [("num", False, 1)], [whole]
    key, pieces, vals, pos = [], [], [], 0
    for m in _SUB.finditer(text):
        content = (m.group(1) if m.group(1) is not None else m.group(2)).strip()
        parts = content.split(",") if "," in content else (
            list(content) if re.fullmatch(r"[0-9ijkn]{2}", content) else [content])
        vs = [None if bound & set(p) else _affine(p, env) for p in parts]
        if None in vs:
            continue
        lit, kind = text[pos:m.start()], "sub"
        if lit.endswith(r"\delta") and len(vs) == 2:
            lit, kind = lit[:-len(r"\delta")], "delta"
        key += [lit, f"<{kind}{len(vs)}>"]
        pieces += [lit, (kind, "," in content, len(vs))]
        vals += vs
        pos = m.end()
    return "".join(key + [text[pos:]]), pieces + [text[pos:]], vals


def _render(pieces: list, vals: list[int]) -> str:
    out, it = [], iter(vals)
    for p in pieces:
        vs = [] if isinstance(p, str) else [next(it) for _ in range(p[2])]
        if isinstance(p, str) or p[0] == "num":
            out.append(p if isinstance(p, str) else str(vs[0]) if vs[0] >= 0 else f"({vs[0]})")
        elif p[0] == "delta":
            out.append("(1)" if len(set(vs)) == 1 else "(0)")
        else:
            glue = "," if p[1] or len(vs) == 1 or any(not 0 <= v <= 9 for v in vs) else ""
            out.append("_{" + glue.join(str(v) for v in vs) + "}")
    return "".join(out)


def _candidates(v, R, C) -> list[tuple]:
    """How one index of the first entry of a class may depend on the position: (axis, offset) or const."""
    out = [(axis, sp.expand(v - lab)) for axis, lab in (("r", R), ("c", C)) if sp.expand(v - lab).is_number]
    return out + ([("const", v)] if _GENERIC not in v.free_symbols else [])


def _target(role: tuple, R, C):
    return {"r": R + role[1], "c": C + role[1]}.get(role[0], role[1])


def _sign(x) -> int:
    v = sp.sympify(x).subs(K, 10 ** 6)          # labels are affine in k: order them for k large
    return int(bool(v > 0)) - int(bool(v < 0))


# Partitions of the entries into classes, coarsest first; a class is a key of (row, column).
_ALL = (lambda R, C: 0,)
_PARTITIONS = (_ALL[0], lambda R, C: int(_sign(C - R) != 0), lambda R, C: _sign(C - R))
_EACH = (lambda R, C: (R, C),)


def _infer(cells: list[tuple], classify) -> dict:
    """One pattern per class that reproduces every printed entry of the class, for every k."""
    groups: dict = {}
    for R, C, t in cells:
        groups.setdefault(classify(R, C), []).append((R, C, t))
    out = {}
    for cid, ((R0, C0, t0), *rest) in groups.items():
        key0, pieces, vals0 = _analyse(t0, R0, C0)
        cands = [_candidates(v, R0, C0) for v in vals0]
        for R, C, t in rest:
            key, _, vals = _analyse(t, R, C)
            if key != key0:
                raise MatrixUnreadable(f"entry ({R}, {C}) '{t}' is not printed like entry ({R0}, {C0}) '{t0}'")
            cands = [[r for r in cs if sp.expand(v - _target(r, R, C)) == 0] for cs, v in zip(cands, vals)]
            if not all(cands):
                raise MatrixUnreadable(f"index {[bool(c) for c in cands].index(False) + 1} of entry ({R}, {C}) "
                                       f"'{t}' follows neither its row, its column nor entry ({R0}, {C0}) '{t0}'")
        out[cid] = (pieces, cands, t0)
    return out


def _labels(count: int, gap: int | None) -> list:
    """Labels of the printed rows (columns): 1, 2, … before the ellipsis, …, k-2, k-1 after it."""
    if gap in (0, count):
        raise MatrixUnreadable("an ellipsis opens or closes the matrix: its first or last row/column is not printed")
    gap = count if gap is None else gap
    return [sp.Integer(r + 1) for r in range(gap)] + [_LAST - (count - 1 - r) for r in range(gap, count)]


def _det(v):
    if not isinstance(v, sp.MatrixBase) or v.rows != v.cols:
        raise MatrixUnreadable("the determinant of a scalar or of a non-square matrix")
    return v.det(method="berkowitz")


class _Reader:
    def __init__(self, k: int, parse_scalar):
        self.k, self.n, self.parse, self.cache = k, k - 1, parse_scalar, {}

    def scalar(self, text: str) -> sp.Expr:
        if _LEFTOVER.search(text):
            shown = text.replace(r"\gs", "\\")
            raise MatrixUnreadable(f"'{shown}': an ellipsis, vector, transpose or diag outside what is read")
        if text not in self.cache:
            try:
                self.cache[text] = sp.sympify(self.parse(text))
            except Exception as exc:  # noqa: BLE001 - the caller's parser may raise anything
                raise MatrixUnreadable(f"'{text}' could not be parsed ({type(exc).__name__}: {exc})") from None
        if not isinstance(self.cache[text], sp.Expr):
            raise MatrixUnreadable(f"the scalar '{text}' did not parse to a scalar")
        return self.cache[text]

    def expr(self, s: str):
        items, terms, cur, sign = _items(s), [], [], 1
        if not items or items[-1][0] == "op":
            raise MatrixUnreadable("an empty side or a sum with an empty term")
        for it in items + [("op", "+")]:
            if it[0] != "op":
                cur.append(it)
                continue
            terms, cur, sign = (terms + [(sign, cur)], [], 1) if cur else (terms, cur, sign)
            sign *= -1 if it[1] == "-" else 1
        vals = [self.product(factors) * sgn for sgn, factors in terms]
        if len({isinstance(v, sp.MatrixBase) for v in vals}) > 1:
            raise MatrixUnreadable("a scalar added to a matrix")
        return sum(vals[1:], vals[0])

    def product(self, items: list[tuple]):
        vals, buf = [], ""
        for i, it in enumerate(items + [("end", "")]):
            det = i > 0 and items[i - 1][0] == "det"
            if det and not _matrixish(it):
                raise MatrixUnreadable(f"\\det of '{it[1].strip()}', which is not matrix notation this module reads")
            if it[0] in ("text", "group", "bars") and not _matrixish(it):
                buf += it[1]
                continue
            vals, buf = vals + ([self.scalar(buf.strip())] if buf.strip() else []), ""
            if _matrixish(it):
                vals.append(_det(self.atom(it)) if det else self.atom(it))
                if i + 1 < len(items) and items[i + 1][1].lstrip()[:1] in ("^", "_", "'"):
                    raise MatrixUnreadable("a power, index or transpose of a matrix or determinant is not read")
        out = sp.Integer(1)
        for v in vals:
            out = v * out if isinstance(out, sp.Expr) else out * v
        return out

    def atom(self, it: tuple):
        if it[0] == "env":
            return self.env(it[2], it[3])
        if it[0] in ("group", "bars"):
            v = self.expr(it[2])
            return v if it[0] == "group" else _det(v) if isinstance(v, sp.MatrixBase) else sp.Abs(v)
        if it[0] == "diag":
            return self.diag(it[2])
        size = sp.sympify(self.n if not it[2].strip() else _affine(it[2], {"k": K, "n": _LAST})).subs(K, self.k)
        if not size.is_Integer or size < 1:
            raise MatrixUnreadable(f"the size '{it[2]}' of {'I' if it[0] == 'ident' else '11^T'} is not read")
        return sp.eye(int(size)) if it[0] == "ident" else sp.ones(int(size), int(size))

    def env(self, name: str, body: str):
        if name not in _ENVS or r"\begin{" in body:
            raise MatrixUnreadable(f"environment {name} is not a matrix this module reads" if name not in _ENVS
                                   else "a matrix printed inside a matrix (block matrix) is not read")
        body = re.sub(r"\\hline|\\cline\{[^{}]*\}", "", body)
        body = re.sub(r"^\s*(\[[^\]]*\])?\s*\{[^{}]*\}", "", body, count=1) if name == "array" else body
        rows = [[_squash(c) for c in _split(re.sub(r"^\s*\[[^\]]*\]", "", r), "&")] for r in _split(body, r"\\")]
        while rows and all(c == "" for c in rows[-1]):
            rows.pop()
        gaps = [r for r, row in enumerate(rows) if all(c in _DOTS for c in row)]
        printed = [row for row in rows if not all(c in _DOTS for c in row)]
        ok = printed and len({len(row) for row in printed}) == 1
        gapc = [c for c in range(len(printed[0])) if all(row[c] in _HDOTS for row in printed)] if ok else []
        if len(gaps) > 1 or len(gapc) > 1 or not ok:
            raise MatrixUnreadable("an empty matrix, ellipses twice, or rows of different lengths")
        cells = []
        for r, row in enumerate(printed):
            for c, t in enumerate(row):
                if t in _DOTS and c not in gapc:
                    raise MatrixUnreadable(f"entry {r + 1},{c + 1} is '{t}' where the other rows print entries")
                cells += [] if c in gapc else [(r, c - (1 if gapc and c > gapc[0] else 0), t)]
        m = self.generalise(cells, (len(printed), (gaps or [None])[0]),
                            (len(printed[0]) - len(gapc), (gapc or [None])[0]))
        return _det(m) if name == "vmatrix" else m

    def diag(self, inner: str):
        entries = [_squash(e) for e in _split(inner, ",")]
        gaps = [r for r, e in enumerate(entries) if e in _DOTS]
        printed = [e for e in entries if e not in _DOTS]
        if len(gaps) > 1 or not printed:
            raise MatrixUnreadable(r"\mathrm{diag}(…) with more than one ellipsis or no entries")
        if len(entries) > 1:
            return self.generalise([(r, r, t) for r, t in enumerate(printed)], (len(printed), (gaps or [None])[0]))
        if not any(_GENERIC in v.free_symbols for v in _analyse(entries[0], _GENERIC, _GENERIC)[2]):
            raise MatrixUnreadable(r"\mathrm{diag} of one entry without the index i: its size is not printed")
        return self.build(_infer([(_GENERIC, _GENERIC, entries[0])], _ALL[0]), _ALL[0], self.n, self.n, True)

    def generalise(self, cells: list[tuple], rows: tuple, cols: tuple | None = None):
        """The matrix of the printed ``cells`` (row, column, text); ``rows``/``cols``: (printed count,
        position of the ellipsis or None); ``cols`` None: the entries of a diagonal matrix."""
        rl = _labels(*rows)
        cl = rl if cols is None else _labels(*cols)
        explicit = rows[1] is None and (cols is None or cols[1] is None)
        reason = ""
        for classify in _EACH if explicit else _ALL if cols is None else _PARTITIONS:
            try:
                classes = _infer([(rl[r], cl[c], t) for r, c, t in cells], classify)
            except MatrixUnreadable as exc:
                reason = str(exc)
                continue
            nr = self.n if rows[1] is not None else rows[0]
            nc = nr if cols is None else self.n if cols[1] is not None else cols[0]
            return self.build(classes, classify, nr, nc, cols is None)
        raise MatrixUnreadable(reason)

    def build(self, classes: dict, classify, nr: int, nc: int, diagonal: bool) -> sp.Matrix:
        m = sp.zeros(nr, nc)
        for r in range(1, nr + 1):
            for c in [r] if diagonal else range(1, nc + 1):
                if classify(sp.Integer(r), sp.Integer(c)) not in classes:
                    raise MatrixUnreadable(f"no printed entry shows what entry ({r}, {c}) is")
                pieces, cands, t0 = classes[classify(sp.Integer(r), sp.Integer(c))]
                vals = [{sp.sympify(_target(role, r, c)).subs(K, self.k) for role in cs} for cs in cands]
                if any(len(v) > 1 or not next(iter(v)).is_Integer for v in vals):
                    raise MatrixUnreadable(f"an index of '{t0}' at entry ({r}, {c}) is ambiguous (it may follow "
                                           "the row, the column or stay fixed) or not an integer")
                m[r - 1, c - 1] = self.scalar(_render(pieces, [int(v.pop()) for v in vals]))
        return m
