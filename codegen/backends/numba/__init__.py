"""The compiled CPU path of the NumPy module's densities, in numba.

Precision: as the NumPy module's plain kernels, float64 with the cancelling terms in double-double
arithmetic (float32 inputs are read as float64); log and exp are the module's own vectorisable
float64 functions (codegen/elementary.py) and the sums run in another order, so values differ from the
NumPy module's own kernels, not bit for bit: by at most 4e-15 max(1, |value|) on the rows of the accuracy
table (1.7e-15 measured; each within 2e-15 of mpmath there).  Where k tau is in the thousands both carry
k times the rounding of the log of a sum (log_prob_exp at k = 1000, tau = 5: up to 3e-14 from mpmath,
1e-14 apart, measured on more rows); and on rows of y that are not the distribution's samples (a break-it
fuzz: k = 8, tau up to 10) the rounding of log y_i, times (tau + 1) k, leaves both up to 7e-15 from mpmath,
1.3e-14 apart (24 rows in 12,000).  Only the plain rows run here: rows off the support, rows whose
value is not finite or may have lost digits, and rows with extreme logits or temperatures are
evaluated by the NumPy module.  Compiled by numba on first use (cached on disk), rows of a block in
SIMD lanes, large inputs on the NumPy module's threads.  log_prob and log_prob_from_log also have
kernels that write their gradients (d/dpoint, d/dlogits, d/dtau, float64) beside the values, printed in one
CSE with the density from the gradient forms of codegen/gradients.py (claim cg.kernel_gradients): the
torch and JAX modules' CPU path (evaluate(..., gradients=True)).
"""
from pathlib import Path

from ... import elementary
from .. import Backend
from .printer import NumbaRowPrinter


def gradient_kernels() -> str:
    """``_block_<name>_grad`` of each form whose gradients are printed (codegen.gradients.KERNEL_GRADIENTS):
    the density and its gradients in one kernel, checked by the claim cg.kernel_gradients."""
    from ... import emit, gradients
    return "\n\n".join(NumbaRowPrinter.kernel_source(emit.kernel(name, NumbaRowPrinter), grads)
                       for name, grads in gradients.KERNEL_GRADIENTS.items())


BACKEND = Backend("numba", NumbaRowPrinter, Path(__file__).parent, extra="compiled", doc=__doc__,
                  forms=("log_prob", "log_prob_from_log", "log_prob_exp"),
                  printed=(("# @@ELEMENTARY@@\n", elementary.printed), ("# @@GRADIENTS@@\n", gradient_kernels)))
