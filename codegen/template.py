# ruff: noqa
"""The hand-written part of generated/gumbel_softmax_numpy.py: argument checks, broadcasting,
chunking, the support mask, and the double-double arithmetic the printed code calls.  No
density formula lives here: the ``_rows_*``, ``_combine_*`` and ``_kernel_*`` functions are
printed from SymPy by codegen.emit and inserted at the marker below."""
# --- template start ---
import concurrent.futures
import functools
import math
import os

import numpy

__all__ = ["log_prob", "log_prob_from_log", "log_prob_u", "sample_log", "sample", "support_tolerance"]

#: a chunk holds about this many elements (2 MiB of float64): numpy's cost per call is then
#: small against the work, and a chunk's temporaries stay in the cache
_CHUNK = 1 << 18
#: the per-row combination runs on blocks of about this many rows (whole chunks)
_BLOCK = 1 << 14
#: inputs of at least this many elements are split over _THREADS threads
_PARALLEL_FROM = 1 << 16
_THREADS = min(4, os.cpu_count() or 1)
_POOL = []
#: up to this many categories a chunk is laid out categories-first, (k, rows...): a reduction
#: over the categories is then k - 1 vectorised operations on contiguous rows, where numpy's
#: reduction along a short last axis costs ~10 ns a row.  Larger k keeps the categories last.
_CATEGORIES_FIRST_UP_TO = 32


def _pool():
    # one pool per process: a child forked from a process that had a pool has none of its threads
    if not _POOL or _POOL[0][0] != os.getpid():
        _POOL[:] = [(os.getpid(), concurrent.futures.ThreadPoolExecutor(_THREADS))]
    return _POOL[0][1]


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


def _lead(a, ndim):
    """``a`` with leading axes of length 1 up to ``ndim`` axes (broadcasting, without copying)."""
    return a.reshape((1,) * (ndim - a.ndim) + a.shape)


def _evaluate(kernel, mask, point, logits, tau, batch, dtype):
    """Chunk, lay out, evaluate in float64, mask off-support rows, cast back to ``dtype``.

    ``kernel`` is a pair (rows, combine) of printed functions: ``rows`` reduces each chunk
    of about _CHUNK elements to per-row values, ``combine`` joins those for a block of about
    _BLOCK rows.  ``logits`` and ``tau`` keep their own batch shapes (broadcast inside the
    kernels), so a sum over the logits of one distribution is not repeated per sample.
    """
    rows_kernel, combine = kernel
    single = not batch  # one row runs as a batch of one: the same arithmetic, bit for bit
    batch = batch or (1,)
    k = logits.shape[-1]
    axis = 0 if k <= _CATEGORIES_FIRST_UP_TO else -1
    point = numpy.broadcast_to(point, batch + point.shape[-1:])
    logits = _lead(logits, len(batch) + 1)
    scalar = tau is None or tau.ndim == 0
    tau = None if tau is None else float(tau) if scalar else _lead(tau, len(batch))
    out = numpy.empty(batch, dtype=dtype)
    tol = support_tolerance(dtype)
    if out.size == 0:
        return out
    inner = math.prod(batch[1:])
    chunk = max(1, _CHUNK // (k * inner))  # first-axis indices per chunk
    block = max(1, _BLOCK // (inner * chunk)) * chunk  # ... per block: whole chunks

    def rows_of(a, rows):
        return a[rows] if a.shape[0] != 1 else a

    def laid_out(a):
        if axis == 0:
            return numpy.ascontiguousarray(numpy.moveaxis(a, -1, 0), dtype=numpy.float64)
        return numpy.asarray(a, dtype=numpy.float64)

    def reduce(rows):
        """The per-row values of one chunk (category axis dropped, broadcast to the chunk's rows)."""
        p = laid_out(point[rows])
        x = laid_out(rows_of(logits, rows))
        shape = p.shape[1:] if axis == 0 else p.shape[:-1]
        if tau is None:
            atoms = rows_kernel(p, x, k, axis)
        else:
            atoms = rows_kernel(p, x, tau if scalar else numpy.expand_dims(rows_of(tau, rows), axis), k, axis)
        atoms = [_per_row(a, axis, shape) for a in atoms]
        return atoms, (None if mask is None else mask(p, tol, axis))

    def work(blocks):
        with numpy.errstate(all="ignore"):  # errstate is per thread: set it in each worker
            for rows in blocks:
                parts = [reduce(slice(s, min(s + chunk, rows.stop))) for s in range(rows.start, rows.stop, chunk)]
                atoms = [_joined([p[0][j] for p in parts]) for j in range(len(parts[0][0]))]
                value = combine(*atoms, k) if tau is None else combine(*atoms, tau if scalar else rows_of(tau, rows), k)
                if mask is not None:
                    # a y_i <= 0 (log y_i = -inf or NaN) makes the value NaN: off the support
                    # unless a NaN came in, which stays NaN
                    nan = numpy.isnan(value)
                    off = numpy.concatenate([p[1] for p in parts]) | nan
                    if numpy.any(nan):
                        off &= ~(numpy.isnan(point[rows]).any(axis=-1) | numpy.isnan(rows_of(logits, rows)).any(axis=-1))
                    value = numpy.where(off, -numpy.inf, value)
                out[rows] = value

    blocks = [slice(s, min(s + block, batch[0])) for s in range(0, batch[0], block)]
    if out.size * k < _PARALLEL_FROM:
        work(blocks)
    else:
        # numpy releases the GIL inside its loops: contiguous runs of blocks, one per core.  Even
        # one run goes to the pool: glibc serves a worker thread's 256 KiB+ temporaries from
        # its own arena, several times faster than the main thread's mmap-backed ones.
        step = -(-len(blocks) // min(_THREADS, len(blocks)))
        list(_pool().map(work, [blocks[i:i + step] for i in range(0, len(blocks), step)]))
    return out[0] if single else out


def _per_row(a, axis, shape):
    """A reduction's value without its category axis, on every row of the chunk (a pair stays a pair)."""
    if isinstance(a, tuple):
        return tuple(None if part is None else _per_row(part, axis, shape) for part in a)
    return numpy.broadcast_to(a[0] if axis == 0 else a[..., 0], shape)


def _joined(parts):
    if isinstance(parts[0], tuple):
        return tuple(_joined([p[j] for p in parts]) for j in range(2))
    return parts[0] if len(parts) == 1 else numpy.concatenate(parts)


def _off_simplex(y, tol, axis):
    """|sum y - 1| > tol (y_i <= 0 is caught by the NaN it makes in the kernel)."""
    return numpy.abs(numpy.sum(y, axis=axis) - 1) > tol


def _off_simplex_log(log_y, tol, axis):
    """|logsumexp(log_y)| > tol.  No shift is needed: a log_y_i above 709 overflows to inf and
    all of them far below 0 underflow to log 0 = -inf, both rightly off the simplex."""
    return ~(numpy.abs(numpy.log(numpy.sum(numpy.exp(log_y), axis=axis))) <= tol)


# @@DOUBLE_DOUBLE@@
def _argmax(z, axis):
    """The last category where ``z`` is largest in its row (kept axis, for _take)."""
    k = z.shape[axis]
    index = numpy.arange(k).reshape((k,) + (1,) * (z.ndim - 1)) if axis == 0 else numpy.arange(k)
    top = numpy.equal(z, numpy.max(z, axis=axis, keepdims=True))
    return numpy.max(numpy.where(top, index, -1), axis=axis, keepdims=True)


def _take(v, index, axis):
    return numpy.take_along_axis(v, index, axis)


def _add_rounded(*terms):
    """round(sum of terms): the high parts summed, then the low parts; exact where they cancel."""
    pairs = [_pair(t) for t in terms]
    hi = pairs[0][0]
    for th, _ in pairs[1:]:
        hi = hi + th
    lows = [tl for _, tl in pairs if tl is not None]
    if not lows:
        return hi
    lo = lows[0]
    for tl in lows[1:]:
        lo = lo + tl
    return hi + lo


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
    return _evaluate((_rows_log_prob, _combine_log_prob), _off_simplex, y, x, t, batch, _floating(y, x))


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
    return _evaluate((_rows_log_prob_from_log, _combine_log_prob_from_log), _off_simplex_log, log_y, x, t, batch, _floating(log_y, x))


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
    return _evaluate((_rows_log_prob_u, _combine_log_prob_u), None, full, x, None, batch, dtype)


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
                                 numpy.broadcast_to(t, size + batch)[..., None], k, -1)
    return out.astype(_floating(x), copy=False)


def sample(logits, tau, size=(), rng=None):
    """y ~ GumbelSoftmax(logits, tau) on the simplex: exp(sample_log(...)); same arguments.

    At low tau entries may underflow to exactly 0 (off the open simplex, so log_prob gives
    -inf there); sample_log with log_prob_from_log avoids that.
    """
    with numpy.errstate(under="ignore"):
        return numpy.exp(sample_log(logits, tau, size=size, rng=rng))


# @@KERNELS@@
