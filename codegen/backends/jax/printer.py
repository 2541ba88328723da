"""The JAX backend's printer: :class:`codegen.rows.RowPrinter` on SymPy's ``JaxPrinter``.

float64 (or float32) arithmetic prints as ``jax.numpy`` calls (``jax.numpy.add``...), log as the template's
``_log`` (subnormal arguments); reductions along the category axis keep it, as the template's
``_row_sum`` / ``_row_max`` (``jax.numpy.sum(..., keepdims=True)``, unrolled over a short row).  The module imports ``jax`` and ``jax.numpy``, so the printed
names resolve there.
"""
from __future__ import annotations

from typing import ClassVar

from sympy.printing.numpy import JaxPrinter

from ...rows import RowPrinter


class JaxRowPrinter(RowPrinter, JaxPrinter):
    """Kernels as ``jax.numpy`` calls; reductions keep the category axis (``_row_sum``, ``_row_max``)."""

    #: log is the template's ``_log``: XLA on CPU flushes subnormal inputs to 0, so a subnormal y is
    #: read from its bits there (log y of a y below 2**-1022, or 2**-126 in float32, stays finite)
    ops: ClassVar[dict[str, str]] = {**{op: f"jax.numpy.{op}" for op in RowPrinter.OPS}, "log": "_log"}

    def _reduce(self, kind: str, code: str) -> str:
        # the template's _row_sum / _row_max: unrolled over the slices of a short row (XLA fuses them)
        return f"_row_{kind}({code}, axis)"
