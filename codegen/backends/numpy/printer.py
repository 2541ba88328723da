"""The NumPy backend's printer: :class:`codegen.rows.RowPrinter` on SymPy's ``NumPyPrinter``.

float64 arithmetic prints as ufunc calls (``numpy.add``...), not operators: numpy's elision of
temporaries (operators only) walks the C stack for every array of 256 KiB or more.
"""
from __future__ import annotations

from typing import ClassVar

from sympy.printing.numpy import NumPyPrinter

from ...rows import RowPrinter


class NumPyRowPrinter(RowPrinter, NumPyPrinter):
    """Kernels as numpy ufunc calls; reductions keep the category axis (``keepdims=True``)."""

    ops: ClassVar[dict[str, str]] = {op: f"numpy.{op}" for op in RowPrinter.OPS}

    def _reduce(self, kind: str, code: str) -> str:
        return f"numpy.{kind}({code}, axis=axis, keepdims=True)"
