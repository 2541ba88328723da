# ruff: noqa
"""The hand-written part of generated/gumbel_softmax/jax.py: the public densities and their docstrings;
the machinery (checks, dtypes, kernel choice, rare rows) is in template_core.py, the double-double helpers
in template_dd.py, the samplers in template_sample.py.  No density formula lives here: the ``_rows_*``,
``_combine_*`` and ``_kernel_*`` functions are printed from SymPy by codegen.emit and inserted at the
marker below."""
# --- template start ---
import contextlib
import ctypes
import ctypes.util
import decimal
import functools
import math
import operator
import struct
import sys

try:
    import jax
    import jax.numpy
except ImportError as error:  # the optional extra is not installed
    raise ImportError("gumbel_softmax.jax needs jax: pip install 'gsverify[jax]' "
                      "(in the repository: pip install '.[jax]')") from error

__all__ = ["log_prob", "log_prob_from_log", "log_prob_u", "log_prob_exp", "sample_log", "sample",
           "rsample_log", "rsample", "support_tolerance"]

# @@SHARED@@
# @@DOUBLE_DOUBLE@@
# @@CORE@@
# @@COMPILED@@
def log_prob(y, logits, tau):
    """log p(y | logits, tau) of the Gumbel-softmax (Concrete) distribution, eq. (J28).

    Base measure: Lebesgue measure on (y_1, ..., y_{k-1}), y_k = 1 - sum of the others.  Conversions:
    log_prob_exp (Lebesgue on log y_1..log y_{k-1}) = log_prob + sum_{i<k} log y_i; the libraries' log-space
    log_prob (torch ExpRelaxedCategorical, TFP ExpRelaxedOneHotCategorical; w.r.t. e^{-x_k} dx, x = log y)
    = log_prob_exp + log y_k = log_prob + sum_i log y_i.  ``y`` (..., k) on the open simplex, ``logits``
    (..., k) unnormalised log pi (a constant added to a row changes nothing), ``tau`` > 0 a scalar or an
    array; their batch shapes broadcast to the result's shape.  dtype: JAX's result type of y and logits
    if a float (bfloat16 in, bfloat16 out), else the default float; computed in float64 under x64, else
    in float32 (double-double where terms cancel); tau is taken in the compute dtype.  Off the support
    (a y_i <= 0, or |sum y - 1| > support_tolerance(y.dtype)): -inf.  A -inf logit (a masked category),
    or a +inf one beside others, puts a zero in pi: the distribution lies on a face of the simplex, with
    no density here: -inf.  NaN in y or logits: NaN.  A value beyond the compute dtype's range: +-inf.
    Raises ValueError naming the argument for tau <= 0 or not finite, k < 2, a row of logits all -inf or
    with two +inf, mismatched last axes, batch shapes that do not broadcast, non-numeric input; under
    jax.jit (traced values) the value checks cannot raise: such a row is NaN.  Differentiable (jax.grad)
    w.r.t. y, logits and tau; works under jax.jit and jax.vmap.  XLA on CPU reads subnormal inputs as 0:
    a y_i below the smallest normal number has its log read from its bits (the value stays exact), but
    its derivative, beyond the float range, comes back as 0.
    """
    return _density("log_prob", "y", y, logits, tau)


def log_prob_from_log(log_y, logits, tau):
    """log p(y | logits, tau) of eq. (J28) evaluated from log y (``log_y`` (..., k)): exact where y
    underflows.  Base measure: Lebesgue measure on (y_1, ..., y_{k-1}), the density of log_prob (not of
    log y: that is log_prob_exp = log_prob_from_log + sum_{i<k} log y_i, Lebesgue on log y_1..log y_{k-1};
    the libraries' log-space log_prob, w.r.t. e^{-x_k} dx, = log_prob_from_log + sum_i log y_i).  Off the
    support (a log_y_i = -inf, or |logsumexp(log_y)| > support_tolerance(log_y.dtype)): -inf.  Shapes,
    dtypes, infinite and NaN input, errors, jit / vmap / grad: as log_prob."""
    return _density("log_prob_from_log", "log_y", log_y, logits, tau)


def log_prob_exp(log_y, logits, tau):
    """log p_X(x | logits, tau), x = log y: the log-space (ExpConcrete) density, eq. (5) of the log-space
    write-up, log Gamma(k) + (k-1) log tau + sum_i (logits_i - tau x_i) - k logsumexp_i(logits_i - tau x_i) - x_k.

    Base measure: Lebesgue measure on (x_1, ..., x_{k-1}) = (log y_1, ..., log y_{k-1}) (x_k = log(1 - sum of
    the others' e^x)).  Conversions: log_prob_exp = log_prob + sum_{i<k} log y_i (log_prob: Lebesgue on
    y_1..y_{k-1}); the libraries' log-space log_prob (torch ExpRelaxedCategorical, TFP
    ExpRelaxedOneHotCategorical), a density w.r.t. e^{-x_k} dx, = log_prob_exp + log y_k = log_prob +
    sum_i log y_i.  ``log_y`` (..., k) as for log_prob_from_log (e.g. from sample_log); support, shapes,
    dtypes, infinite and NaN input, errors, jit / vmap / grad: as log_prob_from_log (off the support: -inf)."""
    return _density("log_prob_exp", "log_y", log_y, logits, tau)


def log_prob_u(u, logits):
    """log p(u_1, ..., u_{k-1} | logits) of eq. (8), u_i = tau (log y_i - log y_k).

    Base measure: Lebesgue measure on R^{k-1}, on u, not y: log_prob(y) = log_prob_u(u) + (k-1) log tau
    - sum_i log y_i (u_i = tau (log y_i - log y_k)); then log_prob_exp = log_prob + sum_{i<k} log y_i, and
    the libraries' log-space form (w.r.t. e^{-x_k} dx) = log_prob + sum_i log y_i.  ``u`` (..., k-1),
    ``logits`` (..., k); the batch shapes broadcast.  A u_i = +-inf is off R^{k-1}: -inf; a zero in pi
    (infinite logits, as in log_prob): -inf; NaN in: NaN; beyond the compute dtype's range: +-inf.
    dtypes, errors, jit / vmap / grad as log_prob.
    """
    return _density("log_prob_u", "u", u, logits, None, what="k-1")


# @@SAMPLE@@
# @@KERNELS@@
