"""The Gumbel-softmax (Concrete) distribution of Jang, Gu & Poole (2017) and Maddison et al. (2017):
its densities and samplers, printed from the verified derivation.

GENERATED FILE - do not edit.  Written by `python -m codegen` (codegen/emit.py, SymPy 1.14.0).
Printed from the general forms in codegen/forms.py, checked by `make verify` against the
verified expressions (J28), (8), (1) and the log-space (5) in the claims cg.logits, cg.log, cg.lse, cg.log_prob, cg.log_prob_from_log, cg.log_prob_exp, cg.log_prob_u, cg.sample_log, cg.lgamma, cg.vexp, cg.vlog, cg.dd_log, cg.grad_logits, cg.grad_tau, cg.grad_y, cg.grad_log_y, cg.kernel_gradients, cg.cse.
sha256 of the expressions: 32edc134a5179cc2f8beb4d3ad385b0685b178c56f8f95a2ba02a79f7f9ba417

The same functions and signatures in each backend module:

  gumbel_softmax.jax    pip install '.[jax]'
  gumbel_softmax.numba  pip install '.[compiled]'
  gumbel_softmax.numpy  numpy only
  gumbel_softmax.torch  pip install '.[torch]'

This package re-exports the NumPy module: ``import gumbel_softmax`` needs only numpy.
"""
from .numpy import *  # noqa: F401,F403
from .numpy import __all__  # noqa: F401
