"""The PyTorch backend's printer: :class:`codegen.rows.RowPrinter` on SymPy's ``TorchPrinter``.

float64 arithmetic prints as torch function calls (``torch.add``...), reductions along the category
axis ``axis`` keep it (``keepdim=True``: ``torch.sum``, ``torch.amax``).  Every operation printed is
differentiable, so autograd runs through the kernels as printed.
"""
from __future__ import annotations

from typing import ClassVar

from sympy.printing.pytorch import TorchPrinter

from ...rows import RowPrinter


class TorchRowPrinter(RowPrinter, TorchPrinter):
    """Kernels as torch function calls; reductions keep the category axis (``keepdim=True``)."""

    ops: ClassVar[dict[str, str]] = {**{op: f"torch.{op}" for op in RowPrinter.OPS}, "power": "torch.pow"}
    REDUCTIONS: ClassVar[dict[str, str]] = {"sum": "torch.sum", "max": "torch.amax"}

    def _reduce(self, kind: str, code: str) -> str:
        return f"{self.REDUCTIONS[kind]}({code}, dim=axis, keepdim=True)"
