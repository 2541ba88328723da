"""The Gumbel-softmax densities and samplers in NumPy.

Precision: inputs are converted to float64 (float16 / float32 results are rounded back to the input
dtype); the terms of each log-density that cancel are combined in double-double arithmetic (about
106 bits), and the rare rows beyond both (extreme logits and temperatures) in exact rational
arithmetic.  Large inputs run in chunks on a thread pool.  No gradients: see gumbel_softmax.torch
and gumbel_softmax.jax.
"""
from pathlib import Path

from .. import Backend
from .printer import NumPyRowPrinter

BACKEND = Backend("numpy", NumPyRowPrinter, Path(__file__).parent, doc=__doc__,
                  inserts=(("# @@COMPILED@@\n", "template_compiled.py"), ("# @@DOUBLE_DOUBLE@@\n", "template_dd.py"), ("# @@LOG_SPACE@@\n", "template_exp.py")))
