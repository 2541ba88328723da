"""Read one printed side of a step into an expression in the world's quantities at size k.

Before the LaTeX parser (``checks.latex``) sees a side, the notations whose meaning comes from the
model are replaced by placeholders and resolved through the world (``checks.world``):
``p(a_1, \\dots, a_n | b)`` (a density), ``h_i(…)`` / ``h_i^{-1}(…)`` (maps the subject defines,
and maps the write-up defines itself, ``f(z, \\mu) = …``), ``\\frac{\\partial A}{\\partial B}`` and
``\\frac{dA}{dB}`` (a derivative in the chart that holds B), ``\\det`` of a Jacobian
``\\frac{\\partial(…)}{\\partial(…)}``, and differentials ``dv`` outside integrals (in a step
``dv = -e^{-g_k} dg_k``, read as derivatives along one variable).  An integration variable is bound:
it never takes the world's value of the quantity of the same name.

Anything the reader cannot give a meaning raises :class:`Unreadable` with the reason.
"""
from __future__ import annotations

import re

import sympy as sp

from . import latex, matrices
from .step_text import Unreadable, split_args
from .step_text import inner as _inner
from .step_text import scope as _scope
from .step_text import strip_parens as _strip_parens
from .world import World

_NAME = re.compile(r"^\s*(\\?[A-Za-z]+)\s*_\s*\{?\s*([^{}]+?)\s*\}?\s*$")
_BOLD = re.compile(r"^\s*\\(?:mathbf|boldsymbol|vec|bm)\{\s*([A-Za-z]+)\s*\}\s*$")
DIFF = sp.Symbol("d_ref")          # the differential of the reference variable of a step


MAX_NOTATIONS = 64


def _guard():
    """At most MAX_NOTATIONS notations of one kind in a side: a loop that would not end is unreadable."""
    yield from range(MAX_NOTATIONS)
    raise Unreadable(f"more than {MAX_NOTATIONS} notations of one kind in one side")


class Reader:
    """Reads sides at one size with one assignment of the free indices."""

    def __init__(self, world: World, free: dict[str, int], user_functions: dict | None = None,
                 user_symbols: dict | None = None, ref: str | None = None):
        self.world, self.k, self.free = world, world.k, dict(free)
        self.user_functions = user_functions or {}
        self.user_symbols = user_symbols or {}
        self.ref = ref                      # the reference variable of differentials
        self.holes: dict[str, sp.Basic] = {}
        self.fired: set[str] = set()
        self.bound_names: dict[str, str] = {}   # one-letter integration variable -> printed name

    # ------------------------------------------------------------------ names and lists
    def index(self, text: str) -> int:
        env = {sp.Symbol(n): v for n, v in self.free.items()}
        env[sp.Symbol("k")] = self.k
        try:
            value = sp.sympify(text.replace("{", "").replace("}", ""), locals={c: sp.Symbol(c) for c in "ijklmnabcdrst"})
        except (sp.SympifyError, SyntaxError, TypeError) as exc:
            raise Unreadable(f"index '{text}' cannot be read") from exc
        value = value.subs(env)
        if not value.is_Integer:
            raise Unreadable(f"index '{text}' has no value (free indices {sorted(self.free)})")
        return int(value)

    def name(self, text: str) -> str | None:
        """'u_{k-1}' -> 'u_2' at k = 3; '\\pi_i' -> 'pi_1'; 'g_k' -> 'g_3'; '\\tau' -> 'tau'."""
        text = text.strip()
        m = _NAME.match(text)
        if m:
            return f"{m.group(1).lstrip(chr(92))}_{self.index(m.group(2))}"
        m = re.match(r"^\\?([A-Za-z]+)$", text)
        return m.group(1) if m else None

    def expand(self, items: list[str]) -> list[str]:
        """``a_1, \\dots, a_{k-1}`` -> the items for each index (the pattern must fit both ends)."""
        out = []
        for n, item in enumerate(items):
            if re.fullmatch(r"\\(l|c)?dots|\\dotsc|\.\.\.|\\ldots", item.strip()):
                if not out or n + 1 >= len(items):
                    raise Unreadable("an ellipsis without both ends")
                first, last = out[-1], items[n + 1]
                out.extend(self._between(first, last))
            else:
                out.append(item)
        return out

    def _between(self, first: str, last: str) -> list[str]:
        pat = re.compile(r"_\s*(\{[^{}]*\}|[0-9A-Za-z])")
        fa, la = pat.search(first), pat.search(last)
        if not fa or not la:
            raise Unreadable(f"an ellipsis between '{first}' and '{last}' has no index to count")
        if first[: fa.start()] != last[: la.start()] or first[fa.end():] != last[la.end():]:
            raise Unreadable(f"the ends of '{first}, \\dots, {last}' differ beyond their index")
        lo, hi = self.index(fa.group(1)), self.index(la.group(1))
        return [first[: fa.start()] + "_{" + str(n) + "}" + first[fa.end():] for n in range(lo + 1, hi)]

    # ------------------------------------------------------------------ placeholders
    def hole(self, value: sp.Basic) -> str:
        key = f"{901 + len(self.holes)}"
        self.holes[f"Theta_{key}"] = value
        return r" \Theta_{" + key + "} "

    def read(self, text: str) -> sp.Basic:
        """The side as an expression in the world's quantities (bound variables as Dummies)."""
        if matrices.has_matrix(text):
            try:
                return matrices.read(text, self.k, self.read_nested)
            except matrices.MatrixUnreadable as exc:
                raise Unreadable(f"matrix: {exc}") from None
        t = self._prepare(text)
        expr, fired = latex.parse(t)
        self.fired.update(fired)
        names = dict(self.world.names)
        names.update(self.holes)
        expr = latex.concretize(expr, self.k, names, free=self.free, defined={})
        expr = self._bind(expr)
        if self.user_symbols:
            expr = expr.xreplace({sp.Symbol(n): v for n, v in self.user_symbols.items()})
        undefined = expr.atoms(sp.core.function.AppliedUndef)
        if undefined:
            raise Unreadable(f"undefined function {min(map(str, undefined))}")
        return expr

    def _prepare(self, text: str) -> str:
        t = re.sub(r"\\(mathrm|operatorname|text|rm)\s*\{\s*d\s*\}", "d", text)
        t = re.sub(r"\{\\rm\s+d\}", "d", t)
        t = re.sub(r"\\(displaystyle|textstyle)\b", " ", t)
        # "\partial y_k / \partial y_j": a derivative written with a slash
        t = re.sub(r"\\partial\s*([A-Za-z]_?\{?[A-Za-z0-9+-]*\}?)\s*/\s*\\partial\s*([A-Za-z]_?\{?[A-Za-z0-9+-]*\}?)",
                   r"\\frac{\\partial \1}{\\partial \2}", t)
        # an integral closed by "(-dv)": the sign in front, the differential last
        tail = re.search(r"(?:\\[,;]|\s)*\(\s*-\s*(d\s*[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?)\s*\)\s*$", t)
        if tail and r"\int" in t:
            last = t.rfind(r"\int")
            t = t[:last] + r"\left(-1\right) " + t[last:tail.start()] + " \\, " + tail.group(1)
            self.fired.add("integral-differential")
        if r"\int" in t:
            t = self._integration_variables(t)
        elif self.ref is not None:
            t = self._differentials(t)
        t = self._jacobians(t)
        t = self._derivatives(t)
        t = self._expand_operators(t)
        t = self._densities(t)
        t = self._functions(t)
        # a placeholder is a value: one before a parenthesis multiplies it (never a function call)
        return re.sub(r"(\\Theta_\{\d+\})\s*(?=\\left\s*\(|\(|\\left\s*\[)", r"\1 \\cdot ", t)

    def _integration_variables(self, t: str) -> str:
        """``dg_k`` as an integration variable: renamed to one letter throughout the integral."""
        for m in list(re.finditer(r"(?<![A-Za-z\\])d\s*(\\?[A-Za-z]+\s*_\s*(?:\{[^{}]*\}|[0-9A-Za-z]))", t)):
            var = m.group(1)
            letter = next(c for c in "wstqr" if not re.search(rf"(?<![A-Za-z\\]){c}(?![A-Za-z])", t))
            start = t.rfind(r"\int", 0, m.start())
            start = max(start, 0)
            body = re.sub(re.escape(var).replace(r"\ ", r"\s*") + r"(?![0-9A-Za-z])", letter, t[start:])
            t = t[:start] + body
            self.fired.add("integral-variable")
            self.bound_names[letter] = var
        return t

    def _differentials(self, t: str) -> str:
        def repl(m):
            name = self.name(m.group(1))
            sym = self.world.symbol(name) if name else None
            if sym is None:
                return m.group(0)
            return self.hole(self.differential(sym))
        out = re.sub(r"(?<![A-Za-z\\])d\s*((?:\\[A-Za-z]+|[A-Za-z])(?:\s*_\s*(?:\{[^{}]*\}|[0-9A-Za-z]))?)(?![A-Za-z])", repl, t)
        if out != t:
            self.fired.add("differential")
        return out

    def differential(self, sym: sp.Symbol) -> sp.Basic:
        ref = self.world.symbol(self.ref)
        if sym == ref:
            return DIFF
        table = self.world.chart_of(ref)
        return sp.diff(sp.sympify(sym).xreplace(table), ref) * DIFF

    def derivative(self, num: sp.Basic, var: sp.Symbol) -> sp.Basic:
        table = self.world.chart_of(var)
        for _ in range(3):
            num = sp.sympify(num).xreplace(table)
        return sp.diff(num, var)

    def _var(self, text: str) -> sp.Symbol:
        name = self.name(text)
        sym = self.world.symbol(name) if name else None
        if not isinstance(sym, sp.Symbol):
            raise Unreadable(f"derivative by '{text}', not a quantity of the model")
        return sym

    def _derivatives(self, t: str) -> str:
        pat = re.compile(r"\\frac\s*\{\s*(\\partial|d)")
        pos = 0
        for _ in _guard():
            m = pat.search(t, pos)
            if not m:
                return t
            num, end = _inner(t, m.start() + len(r"\frac"))
            den, end2 = _inner(t, end)
            dm = re.match(r"^(\\partial|d)(?![A-Za-z]{2})\s*(.+)$", den.strip())
            if not dm or (m.group(1) == r"\partial") != (dm.group(1) == r"\partial"):
                pos = m.end()
                continue
            num = re.sub(r"^(\\partial|d)\s*", "", num.strip())
            var = self._var(dm.group(2))
            value = self.derivative(self.read_nested(num), var)
            self.fired.add("derivative")
            t = t[: m.start()] + self.hole(value) + t[end2:]

    def _jacobians(self, t: str) -> str:
        pat = re.compile(r"\\frac\s*\{\s*\\partial\s*(\\left)?\s*\(")
        for _ in _guard():
            m = pat.search(t)
            if not m:
                return t
            num, end = _inner(t, m.start() + len(r"\frac"))
            den, end2 = _inner(t, end)
            num = re.sub(r"^\\partial\s*", "", num).strip()
            den = re.sub(r"^\\partial\s*", "", den).strip()
            fs = self.expand(split_args(_strip_parens(num)))
            vs = [self._var(a) for a in self.expand(split_args(_strip_parens(den)))]
            rows = [[self.derivative(self.read_nested(f), v) for v in vs] for f in fs]
            if len(rows) != len(vs):
                raise Unreadable(f"a Jacobian of {len(rows)} functions by {len(vs)} variables")
            self.fired.add("jacobian")
            t = t[: m.start()] + self.hole(sp.Matrix(rows)) + t[end2:]
            t = re.sub(r"\\det\s*(\\left)?\s*\(\s*(\\Theta_\{\d+\})\s*(\\right)?\s*\)", r"\\det_jac \2", t)
            t = re.sub(r"\\det_jac\s*\\Theta_\{(\d+)\}", lambda q: self._det(q.group(1)), t)
            t = re.sub(r"\\det\s*\\Theta_\{(\d+)\}", lambda q: self._det(q.group(1)), t)

    def _expand_operators(self, t: str) -> str:
        """``\\prod_{i=1}^{k-1} p(u_i | g_k)``: a product or sum whose body uses a density or a map is
        written out term by term at this size (the density of u_i needs the value of i)."""
        pat = re.compile(r"\\(prod|sum)\s*_\s*\{\s*([a-z])\s*=\s*([^{}]+?)\s*\}\s*\^\s*(\{[^{}]*\}|[0-9A-Za-z])")
        pos = 0
        for _ in _guard():
            m = pat.search(t, pos)
            if not m:
                return t
            body_end = _scope(t, m.end())
            body = t[m.end():body_end]
            trailing = re.search(r"(?:\\[,;]|\s)+d\s*[a-z]\s*$", body)   # an integral's differential
            if trailing and r"\int" in t[:m.start()]:
                body_end -= len(body) - trailing.start()
                body = body[:trailing.start()]
            if not re.search(r"(?<![A-Za-z\\])(p|h)\s*(_|\(|\\left)", body):
                pos = m.end()
                continue
            var, lo, hi = m.group(2), self.index(m.group(3)), self.index(m.group(4).strip("{}"))
            terms = [re.sub(r"_\s*(\{\s*" + var + r"\s*\}|" + var + r"(?![A-Za-z]))", "_{" + str(n) + "}", body)
                     for n in range(lo, hi + 1)]
            op = " " if m.group(1) == "prod" else " + "
            joined = op.join(r"\left(" + b + r"\right)" for b in terms) or ("1" if m.group(1) == "prod" else "0")
            t = t[: m.start()] + r" \left(" + joined + r"\right) " + t[body_end:]
            self.fired.add("big-operator-expanded")

    def _det(self, key: str) -> str:
        matrix = self.holes[f"Theta_{key}"]
        return self.hole(sp.Matrix(matrix).det())

    def _densities(self, t: str) -> str:
        # p(…), and p_{u}(…) / p_U(…): the subscript only labels the quantity the arguments name
        pat = re.compile(r"(?<![A-Za-z\\])p\s*(?:_\s*(?:\{(?:[^{}]|\{[^{}]*\})*\}|[A-Za-z]))?\s*(?=\\left\s*\(|\()")
        for _ in _guard():
            m = pat.search(t)
            if not m:
                return t
            body, end = _inner(t, m.end())
            t = t[: m.start()] + self.hole(self.density(body)) + t[end:]
            self.fired.add("density")

    def density(self, body: str) -> sp.Basic:
        parts = re.split(r"\\mid|\|", body)
        if len(parts) > 2:
            raise Unreadable(f"p({body}): more than one '|'")
        of_items = self.expand(split_args(parts[0]))
        given_items = self.expand(split_args(parts[1])) if len(parts) == 2 else []
        of, args = self._quantities(of_items)
        given, gargs = self._quantities(given_items)
        d = self.world.density(tuple(of), tuple(given))
        if d is None:
            raise Unreadable(f"p({body}): the model has no density of {', '.join(of)}"
                             + (f" given {', '.join(given)}" if given else ""))
        return d.expr(args + gargs)

    def _quantities(self, items: list[str]) -> tuple[list[str], list[sp.Basic]]:
        names, args = [], []
        for item in items:
            bold = _BOLD.match(item)
            if bold and bold.group(1) in self.world.vectors:
                names.append(bold.group(1))
                args.extend(self.world.vectors[bold.group(1)])
                continue
            inv = re.match(r"^\\(?:mathbf|boldsymbol)\{h\}\s*(\^\s*\{\s*-\s*1\s*\})?\s*(\\left)?\s*\(", item)
            if inv:        # p(h^{-1}(y)): the density of u at h^{-1}(y) (and p(h(y)) at h(y))
                inner, _ = _inner(item, inv.end() - 1)
                ys = self.expand(split_args(inner))
                f = self.world.function("h", bool(inv.group(1)))
                vals = [self.read_nested(y) for y in ys]
                for n in range(1, len(ys) + 1):
                    names.append(f"u_{n}")
                    args.append(f.expr(n, vals))
                continue
            called = re.match(r"^(\\?[A-Za-z]+\s*_\s*(?:\{[^{}]*\}|[0-9A-Za-z]))\s*(?:\\left)?\(.*\)$", item)
            name = self.name(called.group(1) if called else item)   # u_1(\mathbf{y}): u_1 as a function of y
            if name is not None and name in self.world.names:
                names.append(name)
                args.append(self.world.names[name])
            elif name is not None and len(name) == 1:   # a bound variable (inside an integral)
                original = self.bound_names.get(name)
                if original is None:
                    raise Unreadable(f"p(…): '{item}' is not a quantity of the model")
                names.append(self.name(original))
                args.append(sp.Symbol(name))
            else:
                raise Unreadable(f"p(…): '{item}' is not a quantity of the model")
        return names, args

    def read_nested(self, text: str) -> sp.Basic:
        inner = Reader(self.world, self.free, self.user_functions, self.user_symbols)
        inner.holes = self.holes
        return inner.read(text)

    def _functions(self, t: str) -> str:
        pat = re.compile(r"(?<![A-Za-z\\])h\s*(?:_\s*(\{[^{}]*\}|[0-9A-Za-z]))?\s*(\^\s*\{\s*-\s*1\s*\}|\^\s*-1)?"
                         r"\s*(?:_\s*(\{[^{}]*\}|[0-9A-Za-z]))?\s*(?=\\left\s*\(|\()")
        for _ in _guard():
            m = pat.search(t)
            if not m:
                break
            idx = m.group(1) or m.group(3)
            f = self.world.function("h", bool(m.group(2)))
            if f is None or idx is None:
                raise Unreadable(f"'{m.group(0).strip()}(…)' is not a map of the model")
            body, end = _inner(t, m.end())
            args = [self.read_nested(a) for a in self.expand(split_args(body))]
            t = t[: m.start()] + self.hole(f.expr(self.index(idx), args)) + t[end:]
            self.fired.add("map")
        for name, (params, rhs) in self.user_functions.items():
            fp = re.compile(rf"(?<![A-Za-z\\]){re.escape(name)}\s*(?=\\left\s*\(|\()")
            for _ in _guard():
                m = fp.search(t)
                if not m:
                    break
                body, end = _inner(t, m.end())
                args = [self.read_nested(a) for a in split_args(body)]
                if len(args) != len(params):
                    raise Unreadable(f"{name}(…) with {len(args)} arguments, defined with {len(params)}")
                value = sp.sympify(rhs).xreplace(dict(zip(params, args)))
                t = t[: m.start()] + self.hole(value) + t[end:]
        return t

    def _bind(self, expr: sp.Basic) -> sp.Basic:
        """Each integration variable a Dummy named as printed (never the world's quantity)."""
        bound = self.bound_names

        def one(i):
            var, *lims = i.limits[0]
            name = bound.get(var.name, var.name)
            try:
                name = self.name(name) or name
            except Unreadable:
                pass
            d = sp.Dummy(name, positive=True) if lims and lims[0].is_nonnegative else sp.Dummy(name, real=True)
            return sp.Integral(i.function.xreplace({var: d}), (d, *lims))
        return sp.sympify(expr).replace(lambda e: isinstance(e, sp.Integral), one)


