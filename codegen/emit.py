"""Print the general forms (``codegen.forms``) as a standalone numpy module.

Every formula in the output comes from a SymPy expression through :class:`RowPrinter`:
``Sum`` over the category index becomes a reduction along the category axis ``axis``
(``keepdims=True``; the kernels run with the categories first when k is small, last
otherwise), ``RowMax`` / ``RowArgMax`` a max / argmax along it, ``Take`` a gather at the
pivot, ``y[i]`` the array ``y``.  Inside ``Exact(...)`` the printer switches to
double-double arithmetic: sums, products and sums over the category axis become calls
to the template's error-free helpers (``_dd_add``, ``_dd_mul``, ``_dd_sum``), the log of a
per-row quantity ``_dd_log``; elementwise functions (log y_i, exp) stay float64 on a rounded
argument.  float64 arithmetic prints as ufunc calls (``numpy.add``...), not operators; a quotient a / b
as ``numpy.divide`` (``Quotient``), the log of one as the template's ``_log_ratio``.
A form with a per-row result is printed in two phases (:class:`Kernel`): the reductions
of each chunk, then their per-row combination.  CSE is SymPy's ``cse`` in its canonical
order; the output is deterministic byte for byte for a pinned SymPy.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from . import forms

TARGET = Path("generated") / "gumbel_softmax_numpy.py"
COMMAND = "python -m codegen"


def _elementwise(expr: sp.Expr, names=frozenset()) -> bool:
    """Does ``expr`` vary along the category axis (a free category index, or a CSE name in ``names``)?"""
    if isinstance(expr, (sp.Sum, forms.Take, forms.Last, forms.RowMax, forms.RowArgMax)):
        return False  # one value per row
    if isinstance(expr, sp.Symbol):
        return expr == forms.i or expr in names
    return any(_elementwise(a, names) for a in expr.args)


def _elementwise_names(replacements) -> set:
    names = set()
    for sym, sub in replacements:
        if _elementwise(sub, names):
            names.add(sym)
    return names


class RowPrinter(NumPyPrinter):
    """NumPy printer for expressions over the category axis of arrays, float64 or double-double."""

    def __init__(self, last=(), pairs=frozenset(), elementwise=frozenset()):
        super().__init__({"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": False})
        #: names that CSE gave to k - 1, the upper limit of a full sum
        self.last = {forms.K - 1, *last}
        #: CSE symbols whose values may be double-double pairs (hi, lo): _hi() of them in float64 code
        self.pairs = set(pairs)
        #: CSE symbols that vary along the category axis
        self.elementwise = set(elementwise)
        self.exact = False

    def in_mode(self, expr, exact: bool) -> str:
        """``expr`` printed in double-double (``exact``) or float64 arithmetic."""
        saved, self.exact = self.exact, exact
        try:
            return self._print(expr)
        finally:
            self.exact = saved

    def _argument(self, expr) -> str:
        """The float64 argument of a float64 function (exp, or log of an elementwise value).

        Elementwise arguments are float64 unless marked ``Exact``; a per-row argument inside
        an exact context is evaluated exactly, then rounded.
        """
        if isinstance(expr, forms.Exact):
            inner = expr.args[0]
            if isinstance(inner, sp.Add) and not inner.is_integer:
                # sum of the high parts plus sum of the low parts: within 2 ulp of the exact sum,
                # and exact where it cancels (Sterbenz)
                terms = ", ".join(self.in_mode(a, True) for a in self._as_ordered_terms(inner))
                return f"_add_rounded({terms})"
            return f"_hi({self.in_mode(inner, True)})"
        if self.exact and not _elementwise(expr, self.elementwise):
            return f"_hi({self.in_mode(expr, True)})"
        return self.in_mode(expr, False)

    def _print_Symbol(self, expr):
        name = super()._print_Symbol(expr)
        return f"_hi({name})" if expr in self.pairs and not self.exact else name

    def _print_Exact(self, expr):
        code = self.in_mode(expr.args[0], True)
        return code if self.exact else f"_hi({code})"

    # float64 arithmetic prints as ufunc calls, not operators: numpy's elision of temporaries
    # (operators only) walks the C stack for every array of 256 KiB or more
    def _print_Add(self, expr):
        if expr.is_integer:
            return super()._print_Add(expr)
        terms = self._as_ordered_terms(expr)
        if self.exact:
            return f"_dd_add({', '.join(self._print(a) for a in terms)})"
        # positive terms first (in SymPy's order), so that x - x_j - tau (l - l_j) is evaluated
        # as (x - x_j) - tau (l - l_j): exact where x is close to x_j
        terms = sorted(terms, key=lambda t: bool(t.as_coeff_Mul()[0].is_negative))
        code = None
        for term in terms:
            negative = bool(term.as_coeff_Mul()[0].is_negative)
            part = self._print(-term if negative else term)
            if code is None:
                code = f"numpy.negative({part})" if negative else part
            else:
                code = f"numpy.{'subtract' if negative else 'add'}({code}, {part})"
        return code

    def _print_Mul(self, expr):
        if expr.is_integer:
            return super()._print_Mul(expr)
        coeff, rest = expr.as_coeff_Mul()
        factors = [self._print(f) for f in rest.as_ordered_factors()]
        if self.exact:
            if coeff != 1:
                factors.insert(0, self._print(coeff))
            return f"_dd_mul({', '.join(factors)})"
        if coeff not in (1, -1):
            factors.insert(0, self._print(coeff))
        code = factors[0]
        for f in factors[1:]:
            code = f"numpy.multiply({code}, {f})"
        return f"numpy.negative({code})" if coeff == -1 else code

    def _print_Pow(self, expr, rational=False):
        if expr.is_integer:
            return super()._print_Pow(expr, rational=rational)
        if self.exact:
            raise ValueError(f"Exact: powers are not printable in double-double, got {expr}")
        base, power = expr.args
        if power == -1:
            return f"numpy.reciprocal({self._print(base)})"
        return f"numpy.power({self._print(base)}, {self._print(power)})"

    def _print_Rational(self, expr):
        if self.exact:
            raise ValueError(f"Exact: {expr} is not a float64 number")
        return super()._print_Rational(expr)

    def _print_Indexed(self, expr):
        if expr.indices != (forms.i,):
            raise ValueError(f"index: only the category index {forms.i} is printable, got {expr}")
        return self._print(expr.base.label)

    def _print_Sum(self, expr):
        (var, lo, hi), = expr.limits
        if var != forms.i or lo != 0 or hi not in self.last:
            raise ValueError(f"Sum: only sums over the full category axis are printable, got {expr.limits}")
        if self.exact:
            return f"_dd_sum({self._print(expr.function)}, axis)"
        return f"numpy.sum({self._print(expr.function)}, axis=axis, keepdims=True)"

    def _print_RowMax(self, expr):
        return f"numpy.max({self.in_mode(expr.args[0], False)}, axis=axis, keepdims=True)"

    def _print_RowArgMax(self, expr):
        return f"_argmax({self.in_mode(expr.args[0], False)}, axis)"

    def _print_Take(self, expr):
        value, index = expr.args
        return f"_take({self.in_mode(value, False)}, {self.in_mode(index, False)}, axis)"

    def _print_Last(self, expr):
        return f"_last({self.in_mode(expr.args[0], False)}, axis)"

    def _print_exp(self, expr):
        return f"numpy.exp({self._argument(expr.args[0])})"

    def _print_log(self, expr):
        arg = expr.args[0]
        # log Gamma(k): SymPy writes loggamma(k) of a positive integer as log(gamma(k)); print it
        # as lgamma so that it does not overflow for k > 171.
        if isinstance(arg, sp.gamma):
            k = self.in_mode(arg.args[0], False)
            return f"_dd_lgamma({k})" if self.exact else f"math.lgamma({k})"
        if self.exact and not _elementwise(arg, self.elementwise):
            return f"_dd_log({self._print(arg)})"  # one per row: cheap, and k log(...) needs it
        if isinstance(arg, Quotient):  # log(a / b) to a few ulp of itself, also where a is close to b
            return f"_log_ratio({self.in_mode(arg.args[0], False)}, {self.in_mode(arg.args[1], False)})"
        return f"numpy.log({self._argument(arg)})"

    def _print_Quotient(self, expr):
        if self.exact:
            raise ValueError(f"Exact: quotients are not printable in double-double, got {expr}")
        return f"numpy.divide({self._print(expr.args[0])}, {self._print(expr.args[1])})"


def _printing_modes(replacements, roots, names) -> tuple[set, set]:
    """(CSE symbols printed in double-double, those of them whose value may be a (hi, lo) pair).

    ``roots`` are (reduced expression, printed exactly?).  A symbol is printed in double-double
    when a use of it lies inside ``Exact`` or an exact root (so CSE cannot move arithmetic out
    of an exact context) or its definition is ``Exact(...)``.  ``names``: the elementwise CSE symbols.
    """
    exact = set()

    def uses(expr, in_exact):
        if isinstance(expr, sp.Symbol):
            if in_exact:
                exact.add(expr)
            return
        if isinstance(expr, forms.Exact):
            in_exact = True
        elif isinstance(expr, (forms.RowMax, forms.RowArgMax)):
            in_exact = False  # max and argmax look at float64 values
        elif isinstance(expr, (sp.exp, sp.log)) and _elementwise(expr, names):
            in_exact = False  # float64 functions of float64 arguments, unless marked Exact
        for a in expr.args:
            uses(a, in_exact)

    for root, in_exact in roots:
        uses(root, in_exact)
    for sym, sub in reversed(replacements):
        if isinstance(sub, forms.Exact):
            exact.add(sym)
        uses(sub, sym in exact)
    pairs = set()
    for sym, sub in replacements:
        inner = sub.args[0] if isinstance(sub, forms.Exact) else sub
        if sym in exact and not inner.is_integer and (
                isinstance(inner, (sp.Add, sp.Mul, sp.Sum)) or inner in pairs
                or (isinstance(inner, sp.log) and not _elementwise(inner, names))):
            pairs.add(sym)
    return exact, pairs


class Quotient(sp.Function):
    """a / b kept whole through CSE and printed as a division: (v - max v) / tau is 0 at the max for a
    subnormal tau, where (v - max v) * (1 / tau) is 0 * inf = NaN."""


def _quotients(e: sp.Expr) -> sp.Expr:
    def whole(m):
        den = [f for f in m.args if f.is_Pow and f.exp == -1 and not f.base.is_number]
        if not den:
            return m
        return Quotient(sp.Mul(*[f for f in m.args if f not in den]), sp.Mul(*[f.base for f in den]))
    return e.replace(lambda a: a.is_Mul, whole)


def _cse(exprs):
    exprs = [_quotients(e) for e in exprs]
    replacements, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("t"), order="canonical")
    # SymPy's CSE names negations (t = -x) that the rest then negates back: put them back inline
    negations = {sym: sub for sym, sub in replacements
                 if isinstance(sub, sp.Mul) and sub.args[0] == -1 and len(sub.args) == 2
                 and (sub.args[1].is_Atom or isinstance(sub.args[1], sp.Indexed))}
    replacements = [(sym, sub.xreplace(negations)) for sym, sub in replacements if sym not in negations]
    return replacements, [r.xreplace(negations) for r in reduced]


def _statements(exprs, flags, pairs=()):
    """CSE of ``exprs`` printed as assignments: (lines, printed results)."""
    replacements, reduced = _cse(list(exprs))
    names = _elementwise_names(replacements)
    exact, new_pairs = _printing_modes(replacements, list(zip(reduced, flags)), names)
    printer = RowPrinter((sym for sym, sub in replacements if sub == forms.K - 1), pairs={*pairs, *new_pairs},
                         elementwise=names)
    lines = [(sym, f"    {sym} = {printer.in_mode(sub, sym in exact)}") for sym, sub in replacements]
    results = [printer.in_mode(r, flag) for r, flag in zip(reduced, flags)]
    text = "\n".join([line for _, line in lines] + results)
    # k - 1 is CSE'd for the limits of the sums, which print without it: drop the unused name
    used = [line for sym, line in lines
            if len(re.findall(rf"\b{sym}\b", text)) > 1 or not line.endswith(" = k - 1")]
    return used, results


class Kernel:
    """A form as printed: one elementwise function, or, for a per-row result, two phases.

    Phase 1 (``_rows_<name>``, on each chunk) computes the reductions over the categories
    (``Sum``, ``Take``, ``RowMax`` in per-row position: the *atoms* a0, a1, ...); phase 2
    (``_combine_<name>``, on blocks of rows) combines them.  Printing the per-row arithmetic
    once per block instead of once per chunk keeps numpy's per-call cost off the hot path.
    """

    def __init__(self, name: str, expr: sp.Expr, args: tuple[str, ...]):
        self.name, self.expr, self.args = name, expr, args
        self.atoms: dict = {}  # reduction -> [symbol, summed exactly?]
        self.combine = None if _elementwise(expr) else self._lift(expr, False)
        if self.combine is not None and _elementwise(self.combine):
            raise ValueError(f"{name}: an elementwise term outside a reduction")

    def _lift(self, e, exact):
        if isinstance(e, (sp.Sum, forms.Take, forms.Last, forms.RowMax)):
            entry = self.atoms.setdefault(e, [sp.Symbol(f"a{len(self.atoms)}"), False])
            entry[1] |= exact and isinstance(e, sp.Sum)
            return entry[0]
        if isinstance(e, forms.Exact):
            exact = True
        if not e.args:
            return e
        return e.func(*[self._lift(a, exact) for a in e.args])

    def source(self) -> str:
        if self.combine is None:
            lines, (result,) = _statements([self.expr], [False])
            return "\n".join([f"def _kernel_{self.name}({', '.join(self.args)}):", *lines,
                              f"    return {result}"]) + "\n"
        reductions = list(self.atoms)
        flags = [self.atoms[e][1] for e in reductions]
        symbols = [self.atoms[e][0] for e in reductions]
        lines, results = _statements(reductions, flags)
        rows = [f"def _rows_{self.name}({', '.join(self.args)}):", *lines, f"    return {', '.join(results)},"]
        extra = [a for a in ("tau", "k") if a in self.args]
        pairs = [sym for sym, flag in zip(symbols, flags) if flag]
        lines, (result,) = _statements([self.combine], [False], pairs)
        combine = [f"def _combine_{self.name}({', '.join(map(str, symbols + extra))}):", *lines,
                   f"    return {result}"]
        return "\n".join(rows) + "\n\n\n" + "\n".join(combine) + "\n"

    def printed(self) -> sp.Expr:
        """What the printed code computes: the CSE outputs recombined, the atoms put back."""
        if self.combine is None:
            return recombined(self.expr)
        return recombined(self.combine).xreplace({sym: recombined(e) for e, (sym, _) in self.atoms.items()})


def recombined(expr: sp.Expr) -> sp.Expr:
    """The CSE output with its replacements substituted back."""
    replacements, (reduced,) = _cse([expr])
    for sym, sub in reversed(replacements):
        reduced = reduced.xreplace({sym: sub})
    return reduced.replace(lambda a: isinstance(a, Quotient), lambda a: a.args[0] / a.args[1])


_Y, _LOG_Y = ("y", "logits", "tau", "k", "axis"), ("log_y", "logits", "tau", "k", "axis")
KERNEL_ARGS = {**dict.fromkeys(("log_prob", "log_prob_careful", "log_prob_ratio"), _Y),
               **dict.fromkeys(("log_prob_from_log", "log_prob_from_log_careful", "log_prob_exp",
                                "log_prob_exp_careful"), _LOG_Y),
               "log_prob_u": ("u", "logits", "k", "axis"), "sample_log": ("logits", "gumbel", "tau", "k", "axis")}

#: the claims (``codegen.claims``) that check the printed forms and the steps to them
CLAIM_IDS = ("cg.logits", "cg.log", "cg.lse", "cg.log_prob", "cg.log_prob_from_log", "cg.log_prob_exp",
             "cg.log_prob_u", "cg.sample_log", "cg.lgamma", "cg.dd_log", "cg.cse")


def kernel(name: str) -> Kernel:
    return Kernel(name, forms.FORMS[name], KERNEL_ARGS[name])


def expressions_hash() -> str:
    text = "\n".join(f"{name}: {sp.srepr(forms.FORMS[name])}" for name in sorted(forms.FORMS))
    return hashlib.sha256(text.encode()).hexdigest()


def _template_part(name: str) -> str:
    """The hand-written template file ``name`` after its start marker."""
    return (Path(__file__).with_name(name)).read_text().split("# --- template start ---\n", 1)[1]


def render() -> str:
    header = (
        f'"""GENERATED FILE - do not edit.  Written by `{COMMAND}` (codegen/emit.py, SymPy {sp.__version__}).\n\n'
        f"Printed from the general forms in codegen/forms.py, checked by `make verify` against the\n"
        f"verified expressions (J28), (8), (1) and the log-space (5) in the claims {', '.join(CLAIM_IDS)}.\n"
        f"sha256 of the expressions: {expressions_hash()}\n"
        f'"""\n'
    )
    kernels = "\n\n".join(kernel(name).source() for name in forms.FORMS)
    body = _template_part("template.py").replace("# @@DOUBLE_DOUBLE@@\n", _template_part("template_dd.py"))
    body = body.replace("# @@KERNELS@@\n", _template_part("template_exp.py") + "# @@KERNELS@@\n")
    return header + body.replace("# @@KERNELS@@\n", "# Kernels: printed by codegen.emit.RowPrinter.\n\n" + kernels)


def write(root: Path = Path(".")) -> Path:
    path = root / TARGET
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render())
    return path


def check(root: Path = Path(".")) -> list[str]:
    """Differences between ``generated/`` and what :func:`write` would produce (empty when fresh)."""
    problems = []
    gen = root / TARGET.parent
    expected = {TARGET.name}
    present = set()
    if gen.is_dir():
        for p in sorted(gen.rglob("*")):
            rel = p.relative_to(gen)
            if "__pycache__" in rel.parts or p.is_dir():
                continue
            present.add(str(rel))
    for extra in sorted(present - expected):
        problems.append(f"generated/{extra}: not written by `{COMMAND}` (remove it)")
    path = root / TARGET
    if not path.exists():
        problems.append(f"{TARGET}: missing; run `{COMMAND}`")
    elif path.read_text() != render():
        problems.append(f"{TARGET}: differs from what `{COMMAND}` writes; run `{COMMAND}`")
    return problems
