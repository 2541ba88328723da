# ruff: noqa
"""The hand-written part of generated/gumbel_softmax_numpy.py for the log-space density and the KL estimate,
inserted by codegen.emit before the printed kernels (split from codegen/template.py to keep each file short):
log_prob_exp (the printed ``_rows_log_prob_exp*`` / ``_combine_log_prob_exp*`` kernels, run by the same
machinery as log_prob_from_log), kl_divergence_mc, and numpy.random's ``size`` / ``rng`` conventions shared
with the samplers.  No density formula lives here."""
import math
import operator

import numpy

# --- template start ---
__all__ += ["log_prob_exp", "kl_divergence_mc"]


def _size(size):
    """numpy.random's ``size``: None (as ()), an integer n (as (n,)) or a sequence of integers."""
    def dim(d):
        return operator.index(d) if not isinstance(d, (bool, numpy.bool_)) else operator.index(None)
    try:
        dims = () if size is None else (dim(size),) if numpy.ndim(size) == 0 else tuple(map(dim, size))
    except (TypeError, ValueError):
        raise ValueError(f"size: need None, an integer or a sequence of integers, got {size!r}") from None
    if any(d < 0 for d in dims):
        raise ValueError(f"size: negative dimensions are not allowed, got {size!r}")
    return dims


def _gumbel(rng, shape):
    """Standard Gumbel draws of ``shape``; a shape numpy cannot allocate is a ValueError naming ``size``."""
    try:
        return rng.gumbel(size=shape)
    except (MemoryError, ValueError) as exc:
        raise ValueError(f"size: {shape} draws cannot be allocated ({type(exc).__name__}: {exc})") from None


def _rng(rng):
    """numpy.random's ``rng``: a Generator, or what numpy.random.default_rng takes."""
    if isinstance(rng, numpy.random.Generator):
        return rng
    try:
        return numpy.random.default_rng(rng)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"rng: need None, a seed, a SeedSequence, a BitGenerator or a Generator ({exc})") from None


def _last(v, axis):
    """The last category of ``v`` (kept axis): log y_k of the log-space density (a Last(...) of the forms)."""
    return v[-1:] if axis == 0 else v[..., -1:]


def log_prob_exp(log_y, logits, tau):
    """log p_X(x | logits, tau), x = log y: the log-space (ExpConcrete) density, eq. (5) of the log-space
    write-up, log Gamma(k) + (k-1) log tau + sum_i (logits_i - tau x_i) - k logsumexp_i(logits_i - tau x_i) - x_k.

    Base measure: Lebesgue measure on (x_1, ..., x_{k-1}) = (log y_1, ..., log y_{k-1}) (x_k = log(1 - sum of
    the others' e^x)).  Conversions: log_prob_exp = log_prob + sum_{i<k} log y_i (log_prob: Lebesgue on
    y_1..y_{k-1}); the libraries' log-space log_prob (torch ExpRelaxedCategorical, TFP
    ExpRelaxedOneHotCategorical), a density w.r.t. e^{-x_k} dx, = log_prob_exp + log y_k = log_prob +
    sum_i log y_i.  ``log_y`` (..., k) as for log_prob_from_log (e.g. from sample_log); support, shapes,
    dtypes, infinite and NaN input, errors: as log_prob_from_log (off the support: -inf)."""
    return _from_log(log_y, logits, tau, {_PLAIN: (_rows_log_prob_exp, _combine_log_prob_exp),
                                          _CAREFUL: (_rows_log_prob_exp_careful, _combine_log_prob_exp_careful)})


def _renamed(name, call, *args):
    """call(*args), its ValueError's leading argument name (``logits: ...``, ``tau: ...``) made ``name``."""
    try:
        return call(*args)
    except ValueError as exc:
        message = str(exc)
        raise ValueError(name + message[message.index(":"):] if ":" in message else f"{name}: {message}") from None


def _samples(n):
    if isinstance(n, (bool, numpy.bool_)):
        raise ValueError(f"n: need an integer >= 2 (samples), got {n!r}")
    try:
        n = operator.index(n)
    except TypeError:
        raise ValueError(f"n: need an integer >= 2 (samples), got {n!r}") from None
    if n < 2:
        raise ValueError(f"n: need n >= 2 samples (one for the mean, one more for its standard error), got {n}")
    return n


def kl_divergence_mc(logits_q, tau_q, logits_p, tau_p, n, rng=None):
    """Monte Carlo estimate of KL(q || p) = E_q[log q(x) - log p(x)] between GumbelSoftmax(logits_q, tau_q)
    and GumbelSoftmax(logits_p, tau_p) (no closed form is known): (estimate, standard error).

    Computed in log space: n reparameterised draws x = sample_log(logits_q, tau_q), the mean of
    log_prob_exp_q(x) - log_prob_exp_p(x) and its standard error std(ddof=1) / sqrt(n).  The ratio of two
    densities w.r.t. the same base measure does not depend on it: log_prob (simplex), log_prob_exp or the
    libraries' log-space form give the same differences; log_prob_exp is the one without underflow.
    ``logits_q``, ``logits_p`` (..., k) finite, the same k; ``tau_q``, ``tau_p`` > 0 scalars or arrays; the
    batch shapes broadcast, and the two results (float64) have that shape.  ``n``: an integer >= 2;
    ``rng`` as sample_log's.  q = p gives exactly (0, 0).  A draw of q whose log-density is beyond float64's
    range (tau_q near 0, logits spread near the float range) makes the estimate +inf, never NaN.  Raises
    ValueError naming the argument, also for an ``n`` whose draws cannot be allocated.
    """
    xq, xp = _renamed("logits_q", _logits, logits_q), _renamed("logits_p", _logits, logits_p)
    tq, tp = _renamed("tau_q", _tau, tau_q), _renamed("tau_p", _tau, tau_p)
    if xp.shape[-1] != xq.shape[-1]:
        raise ValueError(f"logits_p: last axis has length {xp.shape[-1]}, but logits_q has k = {xq.shape[-1]}")
    for name, x in (("logits_q", xq), ("logits_p", xp)):
        with numpy.errstate(all="ignore"):
            if not numpy.all(numpy.isfinite(_float64(x, logits=True))):
                raise ValueError(f"{name}: need finite logits (a masked or infinite category has no density "
                                 "on the open simplex)")
    n, rng = _samples(n), _rng(rng)
    batch = _batch("logits_q, tau_q, logits_p, tau_p", xq.shape[:-1], tq.shape, xp.shape[:-1], tp.shape)
    shape = batch + xq.shape[-1:]
    # both densities from arrays of the same shapes: q = p then runs the same arithmetic on both sides
    xq, xp = (numpy.broadcast_to(_float64(x, logits=True), shape) for x in (xq, xp))
    tq, tp = numpy.broadcast_to(tq, batch), numpy.broadcast_to(tp, batch)
    try:
        x, _ = _sample_log(xq, tq, (n,), rng)
    except ValueError as exc:
        if str(exc).startswith("size:"):
            raise ValueError(f"n: {n} samples cannot be allocated") from None
        raise
    with numpy.errstate(all="ignore"):
        lq, lp = log_prob_exp(x, xq, tq).astype(numpy.float64), log_prob_exp(x, xp, tp).astype(numpy.float64)
        # q's own draw has q > 0: a -inf there is a value beyond float64's range (a draw that underflowed
        # at a tiny tau_q or widely spread logits), so the difference is +inf, not -inf - -inf = NaN
        d = numpy.where(numpy.isneginf(lq) & numpy.isneginf(lp), numpy.inf, lq - lp)
        estimate = numpy.mean(d, axis=0)
        # the standard error scaled by the largest |d| first: its squares would overflow for |d| > 1e154
        scale = numpy.max(numpy.abs(d), axis=0)
        finite = numpy.isfinite(scale) & (scale > 0)
        unit = numpy.where(finite, scale, 1.0)
        error = numpy.where(finite, numpy.std(d / unit, axis=0, ddof=1) * unit / math.sqrt(n),
                            numpy.where(scale == 0, 0.0, numpy.inf))
    return estimate[()], error[()]


