"""The Gumbel-softmax densities, samplers and a torch.distributions.Distribution in PyTorch, with gradients.

Precision: every input is converted to float64 (float16 / bfloat16 / float32 results are rounded back
to the input dtype); the terms of each log-density that cancel are combined in double-double arithmetic
(about 106 bits), the same printed kernels as the NumPy module's.  Rows with extreme logits or
temperatures take the careful and log-ratio kernels; the rare rows beyond both (and those whose float64
value overflows) take their value from the NumPy module's exact rational arithmetic and their gradient
from the careful torch kernel.  Gradients by autograd through the printed kernels: the float64 (high)
parts carry them, the double-double low parts are detached.  Runs on the inputs' device; on the CPU large
inputs run in chunks of rows small enough for one thread each, on a thread pool.  With the ``compiled``
extra (numba), CPU inputs of at least 2**15 elements of float32 or float64 run log_prob and
log_prob_from_log (with their gradients) and log_prob_exp (when no gradient is wanted) on the compiled
kernels of gumbel_softmax.numba instead: the same plain forms in float64 (float32 read as it is), the
gradients from kernels printed from the verified gradient forms (claim cg.kernel_gradients), the rows they
flag by this module's kernels; second derivatives (create_graph) through this module's kernels;
use_compiled("never") turns it off.
"""
from pathlib import Path

from .. import Backend
from .printer import TorchRowPrinter

BACKEND = Backend("torch", TorchRowPrinter, Path(__file__).parent, extra="torch", doc=__doc__,
                  inserts=(("# @@DOUBLE_DOUBLE@@\n", "template_dd.py"), ("# @@COMPILED@@\n", "template_compiled.py"),
                           ("# @@DENSITY@@\n", "template_density.py"),
                           ("# @@LOG_SPACE@@\n", "template_dist.py")))
