"""LaTeX of a checked expression, as a reader of the report wants it: SymPy's LaTeX printer with the
constructs it prints by their class name written in the notation of the field.

* ``FunctionMatrix(n, m, (r, c) -> f(r, c))``: ``[f(i, j)]_{i, j = 1}^{n}`` (entries indexed from 1);
* ``Determinant(A)``: ``\\det(A)`` (SymPy prints ``|A|``, which reads as an absolute value);
* ``loggamma(x)``: ``\\log\\Gamma(x)``.

Everything else is SymPy's own ``LatexPrinter``.  ``checks.report.latex_mathml`` typesets the result.
"""
from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter


class ReportLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer, with matrices given by a formula and a few functions in standard notation."""

    printmethod = "_report_latex"

    def _print_FunctionMatrix(self, expr):
        rows, cols, lamda = expr.args
        r, c = lamda.variables
        taken = {s.name for s in lamda.expr.free_symbols} - {r.name, c.name}
        i, j = next(((sp.Symbol(a, integer=True), sp.Symbol(b, integer=True))
                     for a, b in (("i", "j"), ("r", "c"), ("a", "b"), ("p", "q"))
                     if a not in taken and b not in taken))
        entry = lamda.expr.xreplace({r: i - 1, c: j - 1})
        ranges = (f"{self._print(i)}, {self._print(j)} = 1}}^{{{self._print(rows)}}}" if rows == cols else
                  f"{self._print(i)} \\le {self._print(rows)},\\, {self._print(j)} \\le {self._print(cols)}}}")
        return f"\\left[ {self._print(entry)} \\right]_{{{ranges}"

    def _print_Determinant(self, expr):
        return f"\\det\\left({self._print(expr.arg)}\\right)"

    def _print_loggamma(self, expr, exp=None):
        tex = f"\\log\\Gamma\\left({self._print(expr.args[0])}\\right)"
        return f"\\left({tex}\\right)^{{{exp}}}" if exp else tex


def latex(expr) -> str:
    """The report's LaTeX of a SymPy expression (see the module docstring)."""
    return ReportLatexPrinter().doprint(expr)
