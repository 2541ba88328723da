"""The compiled CPU path of the NumPy module's densities, in numba.

Precision: as the NumPy module's plain kernels, float64 with the cancelling terms in double-double
arithmetic (float32 inputs are read as float64); log and exp are the module's own vectorisable
float64 functions (codegen/elementary.py) and the sums run in another order, so values differ from the
NumPy module's own kernels by at most 4e-15 max(1, |value|) (each is within 2e-15 of mpmath), not bit
for bit.  Only the plain rows run here: rows off the support, rows whose
value is not finite or may have lost digits, and rows with extreme logits or temperatures are
evaluated by the NumPy module.  Compiled by numba on first use (cached on disk), rows of a block in
SIMD lanes, large inputs on the NumPy module's threads.
"""
from pathlib import Path

from ... import elementary
from .. import Backend
from .printer import NumbaRowPrinter

BACKEND = Backend("numba", NumbaRowPrinter, Path(__file__).parent, extra="compiled", doc=__doc__,
                  forms=("log_prob", "log_prob_from_log", "log_prob_exp"),
                  printed=(("# @@ELEMENTARY@@\n", elementary.printed),))
