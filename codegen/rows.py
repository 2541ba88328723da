"""The row printer: SymPy expressions over the category axis of arrays, printed as array code.

``Sum`` over the category index becomes a reduction along the category axis ``axis`` (kept; the
numpy kernels run with the categories first when k is small, last otherwise), ``RowMax`` /
``RowArgMax`` a max / argmax along it, ``Take`` a gather at the pivot, ``y[i]`` the array ``y``.
Inside ``Exact(...)`` the printer switches to double-double arithmetic: sums, products and sums
over the category axis become calls to the template's error-free helpers (``_dd_add``,
``_dd_mul``, ``_dd_sum``), the log of a per-row quantity ``_dd_log``; elementwise functions
(log y_i, exp) stay float64 on a rounded argument.  float64 arithmetic prints as function calls
(``numpy.add``...), not operators; a quotient a / b as a division (``Quotient``), the log of one
as the template's ``_log_ratio``.  Each backend (``codegen/backends/<name>/printer.py``) mixes
:class:`RowPrinter` into its SymPy printer and names its operations.
"""
from __future__ import annotations

from typing import ClassVar

import sympy as sp

from . import forms


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


class RowPrinter:
    """Mixin for a SymPy array printer (NumPyPrinter, TorchPrinter, JaxPrinter...): expressions over
    the category axis of arrays, in float64 or double-double.

    A backend subclasses it together with its SymPy printer and sets :attr:`ops`, the printed name
    of each float64 operation, and :meth:`_reduce`, a reduction along the category axis ``axis``
    keeping it.  The double-double and pivot helpers (``_dd_add``, ``_dd_mul``, ``_dd_sum``,
    ``_dd_log``, ``_dd_lgamma``, ``_hi``, ``_add_rounded``, ``_argmax``, ``_take``, ``_last``,
    ``_log_ratio``) are printed by name: each backend's template defines them.
    """

    #: printed name of each float64 operation of the kernels
    ops: ClassVar[dict[str, str]] = {}
    #: the operations every backend names
    OPS: ClassVar[tuple] = ("add", "subtract", "multiply", "negative", "reciprocal", "power", "divide", "exp", "log")
    #: the SymPy printer's settings
    settings: ClassVar[dict] = {"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": False}

    def __init__(self, last=(), pairs=frozenset(), elementwise=frozenset()):
        super().__init__(dict(self.settings))
        #: names that CSE gave to k - 1, the upper limit of a full sum
        self.last = {forms.K - 1, *last}
        #: CSE symbols whose values may be double-double pairs (hi, lo): _hi() of them in float64 code
        self.pairs = set(pairs)
        #: CSE symbols that vary along the category axis
        self.elementwise = set(elementwise)
        self.exact = False

    def _reduce(self, kind: str, code: str) -> str:
        """``kind`` ("sum" or "max") of ``code`` along the category axis ``axis``, the axis kept."""
        raise NotImplementedError(f"{type(self).__name__}: no {kind} reduction")

    def _call(self, op: str, *args: str) -> str:
        return f"{self.ops[op]}({', '.join(args)})"

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

    # float64 arithmetic prints as function calls, not operators (numpy's elision of temporaries,
    # operators only, walks the C stack for every array of 256 KiB or more)
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
                code = self._call("negative", part) if negative else part
            else:
                code = self._call("subtract" if negative else "add", code, part)
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
            code = self._call("multiply", code, f)
        return self._call("negative", code) if coeff == -1 else code

    def _print_Pow(self, expr, rational=False):
        if expr.is_integer:
            return super()._print_Pow(expr, rational=rational)
        if self.exact:
            raise ValueError(f"Exact: powers are not printable in double-double, got {expr}")
        base, power = expr.args
        if power == -1:
            return self._call("reciprocal", self._print(base))
        return self._call("power", self._print(base), self._print(power))

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
        return self._reduce("sum", self._print(expr.function))

    def _print_RowMax(self, expr):
        return self._reduce("max", self.in_mode(expr.args[0], False))

    def _print_RowArgMax(self, expr):
        return f"_argmax({self.in_mode(expr.args[0], False)}, axis)"

    def _print_Take(self, expr):
        value, index = expr.args
        return f"_take({self.in_mode(value, False)}, {self.in_mode(index, False)}, axis)"

    def _print_Last(self, expr):
        return f"_last({self.in_mode(expr.args[0], False)}, axis)"

    def _print_exp(self, expr):
        return self._call("exp", self._argument(expr.args[0]))

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
        return self._call("log", self._argument(arg))

    def _print_Quotient(self, expr):
        if self.exact:
            raise ValueError(f"Exact: quotients are not printable in double-double, got {expr}")
        return self._call("divide", self._print(expr.args[0]), self._print(expr.args[1]))



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
