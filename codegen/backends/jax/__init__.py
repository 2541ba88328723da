"""The Gumbel-softmax densities and samplers in JAX: pure functions that work under jax.jit, jax.vmap and
jax.grad.

Precision: with x64 enabled (``jax.config.update("jax_enable_x64", True)``, or the ``jax.enable_x64``
context; the module never changes JAX's configuration) every float input is computed in float64 as in
the NumPy module: the printed plain and careful kernels, the terms of each log-density that cancel
combined in double-double arithmetic (about 106 bits); float32 / float16 / bfloat16 results are rounded
back to the input dtype (within 3e-7 of the mpmath reference for float32, 2e-15 for float64).  Without x64
(JAX's default) inputs are computed in float32, the same printed kernels with float32 double-double
(about 48 bits) where terms cancel and per-dtype thresholds; within 3e-7 on bench/accuracy.py's rows
except log_prob_exp where k tau >= 50 (k log of a float32 sum: up to 1.3e-6 there).  float16
and bfloat16 are computed in float32 (float64 under x64) and returned in their dtype.  Rows beyond the
kernels (extreme logits with a large tau from y, values beyond double-double) take the NumPy module's
value through jax.pure_callback, only when a chunk holds one, with the gradient of the JAX kernel.
Gradients by JAX autodiff of the printed kernels; rsample_log / rsample are the reparameterised samplers.
On the CPU backend, with the ``compiled`` extra (numba), inputs of at least 2**15 elements of float32 or
float64 run log_prob and log_prob_from_log on the compiled kernels of gumbel_softmax.numba through
jax.experimental.buffer_callback, in place on XLA's buffers (jax.pure_callback where it does not exist;
float64 inside, also without x64; float32 read as it is): a jax.custom_jvp takes the
gradients the kernels write beside the values (printed from the verified gradient forms, claim
cg.kernel_gradients), so jax.grad, jax.jvp, jacrev, jacfwd and vmap take the kernels' gradients; the rows
they flag take the JAX kernels.  Derivatives of those gradients (jax.hessian, grad of grad) are the JAX
kernels' own, by autodiff.  The mode is read at trace time: a function jitted earlier keeps the path it
was traced with.  Without x64 the compiled values are
float64 rounded to float32: up to 8e-7 from the float32 kernels' own, and the closer to mpmath.
"""
from pathlib import Path

from .. import Backend
from .printer import JaxRowPrinter

BACKEND = Backend("jax", JaxRowPrinter, Path(__file__).parent, extra="jax", doc=__doc__,
                  inserts=(("# @@DOUBLE_DOUBLE@@\n", "template_dd.py"), ("# @@CORE@@\n", "template_core.py"),
                           ("# @@COMPILED@@\n", "template_compiled.py"),
                           ("# @@SAMPLE@@\n", "template_sample.py")))
