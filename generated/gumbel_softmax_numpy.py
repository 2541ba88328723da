"""GENERATED FILE - do not edit.  Written by `python -m codegen` (codegen/emit.py, SymPy 1.14.0).

Printed from the general forms in codegen/forms.py, checked by `make verify` against the
verified expressions (J28) and (8) in the claims cg.logits, cg.log, cg.lse, cg.log_prob, cg.log_prob_from_log, cg.log_prob_u, cg.sample_log, cg.cse.
sha256 of the expressions: 3ab05ff4a02b0395480e13e4eb63b0e7df4832eb84cbc69db6a3b89aedab2afc
"""
import concurrent.futures
import math
import os

import numpy

__all__ = ["log_prob", "log_prob_from_log", "log_prob_u", "sample_log", "sample", "support_tolerance"]

#: rows of at most this many elements are evaluated at a time (cache-sized; bounds extra memory)
_CHUNK = 1 << 15
#: inputs of at least this many elements are split over _THREADS threads
_PARALLEL_FROM = 1 << 16
_THREADS = min(4, os.cpu_count() or 1)
_POOL = []


def _pool():
    if not _POOL:
        _POOL.append(concurrent.futures.ThreadPoolExecutor(_THREADS))
    return _POOL[0]


def support_tolerance(dtype):
    """|sum(y) - 1| (or |logsumexp(log_y)|) beyond sqrt(eps(dtype)) is off the simplex: -inf.

    float64: 1.49e-08; float32: 3.45e-04.
    """
    return float(numpy.sqrt(numpy.finfo(dtype).eps))


def _floating(*arrays):
    dtype = numpy.result_type(*arrays)
    return dtype if dtype in (numpy.float32, numpy.float64) else numpy.dtype(numpy.float64)


def _array(name, value):
    try:
        a = numpy.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name}: not an array ({exc})") from None
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{name}: need a real numeric array, got dtype {a.dtype}")
    return a


def _tau(tau):
    t = _array("tau", tau).astype(numpy.float64)
    with numpy.errstate(invalid="ignore"):
        if not numpy.all(numpy.isfinite(t)) or not numpy.all(t > 0):
            raise ValueError("tau: the temperature must be finite and > 0")
    return t


def _last_axis(name, a, k, what="k"):
    if a.ndim < 1:
        raise ValueError(f"{name}: need shape (..., {what}), got a scalar")
    if a.shape[-1] != k:
        raise ValueError(f"{name}: last axis has length {a.shape[-1]}, but logits has k = "
                         f"{k + (1 if what == 'k-1' else 0)} (need {what} = {k})")


def _logits(logits):
    x = _array("logits", logits)
    if x.ndim < 1:
        raise ValueError("logits: need shape (..., k), got a scalar")
    if x.shape[-1] < 2:
        raise ValueError(f"logits: need k >= 2 categories, got k = {x.shape[-1]}")
    return x


def _batch(names, *shapes):
    try:
        return numpy.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"{names}: batch shapes {', '.join(map(str, shapes))} do not broadcast") from None


def _rows(batch, k):
    """Slices of the first batch axis, each about _CHUNK elements."""
    if not batch:
        return [Ellipsis]
    inner = k * math.prod(batch[1:])
    step = max(1, _CHUNK // max(1, inner))
    return [slice(s, s + step) for s in range(0, batch[0], step)]


def _evaluate(kernel, mask, point, logits, tau, batch, dtype):
    """Broadcast, chunk, evaluate in float64, mask off-support rows, cast back to ``dtype``."""
    k = logits.shape[-1]
    point = numpy.broadcast_to(point, batch + point.shape[-1:])
    logits = numpy.broadcast_to(logits, batch + (k,))
    # a scalar tau stays a scalar: arrays of shape (rows, 1) would make numpy loop row by row
    scalar = tau is not None and tau.ndim == 0
    tau = tau if tau is None or scalar else numpy.broadcast_to(tau, batch)[..., None]
    out = numpy.empty(batch, dtype=dtype)
    tol = support_tolerance(dtype)

    def work(chunks):
        with numpy.errstate(all="ignore"):  # errstate is per thread: set it in each worker
            for rows in chunks:
                p = numpy.asarray(point[rows], dtype=numpy.float64)
                x = numpy.asarray(logits[rows], dtype=numpy.float64)
                args = (p, x, k) if tau is None else (p, x, tau if scalar else tau[rows], k)
                value = kernel(*args)[..., 0]
                if mask is not None:
                    # a y_i <= 0 (log_y_i = -inf) makes the value NaN: off the support unless a NaN came in
                    off = mask(p, tol) | numpy.isnan(value)
                    if numpy.any(off & numpy.isnan(value)):  # NaN in stays NaN; NaN made by log 0: off support
                        off &= ~(numpy.isnan(p).any(axis=-1) | numpy.isnan(x).any(axis=-1))
                    value = numpy.where(off, -numpy.inf, value)
                out[rows] = value

    chunks = _rows(batch, k)
    threads = min(_THREADS, len(chunks)) if out.size * k >= _PARALLEL_FROM else 1
    if threads <= 1:
        work(chunks)
    else:
        # numpy releases the GIL inside its loops: contiguous runs of chunks, one per core
        step = -(-len(chunks) // threads)
        parts = [chunks[i:i + step] for i in range(0, len(chunks), step)]
        list(_pool().map(work, parts))
    return out[()] if out.ndim == 0 else out


def _split_fms(a, t, b, c):
    """(h, r) with h + r = a - t*b - c exactly up to rounding of r: h is the float64 value, r its error.

    Dekker's splitting gives t*b = p + pe exactly, Knuth's two-sum the errors of the two subtractions.
    Non-finite parts make r NaN, and so the value: _evaluate then returns -inf (off the support)
    unless a NaN came in.
    """
    p = t * b
    ts = 134217729.0 * t
    th = ts - (ts - t)
    tl = t - th
    bs = 134217729.0 * b
    bh = bs - (bs - b)
    bl = b - bh
    pe = ((th * bh - p) + th * bl + tl * bh) + tl * bl
    s = a - p
    v = s - a
    se = (a - (s - v)) - (p + v)
    h = s - c
    w = h - s
    he = (s - (h - w)) - (c + w)
    return h, (se - pe) + he


def _off_simplex(y, tol):
    """|sum y - 1| > tol (y_i <= 0 is caught by the NaN it makes in the kernel)."""
    return numpy.abs(numpy.sum(y, axis=-1) - 1) > tol


def _off_simplex_log(log_y, tol):
    top = numpy.max(log_y, axis=-1, keepdims=True)
    lse = top[..., 0] + numpy.log(numpy.sum(numpy.exp(log_y - top), axis=-1))
    return ~(numpy.abs(lse) <= tol)


def log_prob(y, logits, tau):
    """log p(y | logits, tau) of the Gumbel-softmax (Concrete) distribution, eq. (J28).

    Base measure: Lebesgue measure on (y_1, ..., y_{k-1}), y_k = 1 - sum of the others.
    ``y`` (..., k) on the open simplex; ``logits`` (..., k) unnormalised log pi (the
    density is invariant to adding a constant to all logits); ``tau`` > 0, a scalar or
    an array broadcasting against the batch shape.  Returns the broadcast batch shape,
    float32 for float32 inputs and float64 otherwise (computed in float64).
    Off the support (any y_i <= 0, or |sum y - 1| > support_tolerance(dtype)): -inf.
    An infinite logit (a degenerate distribution, not a density on the open simplex) gives -inf.
    NaN in y or logits gives NaN.  Raises ValueError naming the argument for
    tau <= 0 or not finite, k < 2, mismatched last axes, batch shapes that do not broadcast.
    """
    x = _logits(logits)
    y = _array("y", y)
    _last_axis("y", y, x.shape[-1])
    t = _tau(tau)
    batch = _batch("y, logits, tau", y.shape[:-1], x.shape[:-1], t.shape)
    return _evaluate(_kernel_log_prob, _off_simplex, y, x, t, batch, _floating(y, x))


def log_prob_from_log(log_y, logits, tau):
    """log p(y | logits, tau) of eq. (J28) evaluated from log y: exact where y underflows.

    Base measure: Lebesgue measure on (y_1, ..., y_{k-1}) (the same density as
    log_prob, not a density of log y).  Off the support (any log_y_i = -inf, or
    |logsumexp(log_y)| > support_tolerance(dtype)): -inf.  Otherwise as log_prob.
    """
    x = _logits(logits)
    log_y = _array("log_y", log_y)
    _last_axis("log_y", log_y, x.shape[-1])
    t = _tau(tau)
    batch = _batch("log_y, logits, tau", log_y.shape[:-1], x.shape[:-1], t.shape)
    return _evaluate(_kernel_log_prob_from_log, _off_simplex_log, log_y, x, t, batch, _floating(log_y, x))


def log_prob_u(u, logits):
    """log p(u_1, ..., u_{k-1} | logits) of eq. (8), u_i = tau (log y_i - log y_k).

    Base measure: Lebesgue measure on R^{k-1}.  ``u`` (..., k-1), ``logits`` (..., k).
    NaN in gives NaN; otherwise finite for finite input.
    """
    x = _logits(logits)
    u = _array("u", u)
    _last_axis("u", u, x.shape[-1] - 1, what="k-1")
    batch = _batch("u, logits", u.shape[:-1], x.shape[:-1])
    dtype = _floating(u, x)
    full = numpy.concatenate([numpy.broadcast_to(u, batch + u.shape[-1:]),
                              numpy.zeros(batch + (1,), dtype=u.dtype)], axis=-1)  # u_k = 0
    return _evaluate(_kernel_log_prob_u, None, full, x, None, batch, dtype)


def sample_log(logits, tau, size=(), rng=None):
    """log y for y ~ GumbelSoftmax(logits, tau): log softmax((logits + g) / tau), g standard Gumbel.

    Returns shape size + batch + (k,), batch = broadcast(logits.shape[:-1], tau.shape);
    dtype float32 for float32 logits, float64 otherwise.  ``rng``: a numpy Generator or a
    seed.  Values are log-probabilities (base measure: counting measure over categories of
    the point y on the simplex); exp of them is a point of the simplex, which may underflow
    to 0 at low tau - use log_prob_from_log on these.
    """
    x = _logits(logits)
    t = _tau(tau)
    rng = rng if isinstance(rng, numpy.random.Generator) else numpy.random.default_rng(rng)
    size = (size,) if isinstance(size, (int, numpy.integer)) else tuple(size)
    k = x.shape[-1]
    batch = _batch("logits, tau", x.shape[:-1], t.shape)
    shape = size + batch + (k,)
    g = rng.gumbel(size=shape)
    with numpy.errstate(all="ignore"):
        out = _kernel_sample_log(numpy.broadcast_to(x, shape).astype(numpy.float64, copy=False), g,
                                 numpy.broadcast_to(t, size + batch)[..., None], k)
    return out.astype(_floating(x), copy=False)


def sample(logits, tau, size=(), rng=None):
    """y ~ GumbelSoftmax(logits, tau) on the simplex: exp(sample_log(...)); same arguments.

    At low tau entries may underflow to exactly 0 (off the open simplex, so log_prob gives
    -inf there); sample_log with log_prob_from_log avoids that.
    """
    with numpy.errstate(under="ignore"):
        return numpy.exp(sample_log(logits, tau, size=size, rng=rng))


# Kernels: printed by codegen.emit.RowPrinter.

def _kernel_log_prob(y, logits, tau, k):
    t0 = k - 1
    t1 = numpy.log(y)
    t2 = numpy.max(-t1*tau + logits, axis=-1, keepdims=True)
    t4, t3 = _split_fms(logits, tau, t1, t2)
    t5 = numpy.exp(t4)
    return -k*numpy.log(numpy.sum(t5*numpy.expm1(t3), axis=-1, keepdims=True) + numpy.sum(t5, axis=-1, keepdims=True, dtype=numpy.longdouble)) + t0*numpy.log(tau) + math.lgamma(k) + numpy.sum(t3, axis=-1, keepdims=True) - numpy.sum(t1, axis=-1, keepdims=True, dtype=numpy.longdouble) + numpy.sum(t4, axis=-1, keepdims=True, dtype=numpy.longdouble)


def _kernel_log_prob_from_log(log_y, logits, tau, k):
    t0 = k - 1
    t1 = numpy.max(-tau*log_y + logits, axis=-1, keepdims=True)
    t3, t2 = _split_fms(logits, tau, log_y, t1)
    t4 = numpy.exp(t3)
    return -k*numpy.log(numpy.sum(t4*numpy.expm1(t2), axis=-1, keepdims=True) + numpy.sum(t4, axis=-1, keepdims=True, dtype=numpy.longdouble)) + t0*numpy.log(tau) + math.lgamma(k) + numpy.sum(t2, axis=-1, keepdims=True) + numpy.sum(t3, axis=-1, keepdims=True, dtype=numpy.longdouble) - numpy.sum(log_y, axis=-1, keepdims=True, dtype=numpy.longdouble)


def _kernel_log_prob_u(u, logits, k):
    t0 = -numpy.max(logits - u, axis=-1, keepdims=True) + logits - u
    t1 = k - 1
    return -k*numpy.log(numpy.sum(numpy.exp(t0), axis=-1, keepdims=True)) + math.lgamma(k) + numpy.sum(t0, axis=-1, keepdims=True)


def _kernel_sample_log(logits, gumbel, tau, k):
    t0 = tau**(-1.0)
    t1 = gumbel + logits
    t2 = -t0*t1 + numpy.max(t0*t1, axis=-1, keepdims=True)
    return -t2 - numpy.log(numpy.sum(numpy.exp(-t2), axis=-1, keepdims=True))
