# ruff: noqa
"""The hand-written part of generated/gumbel_softmax_numpy.py: argument checks, dtypes, broadcasting,
chunking, the support mask and which printed kernel each row takes; the arithmetic the printed code
calls is in codegen/template_dd.py, the log-space density, the KL estimate and numpy.random's conventions in
codegen/template_exp.py.  No density formula lives here: the ``_rows_*``, ``_combine_*``
and ``_kernel_*`` functions are printed from SymPy by codegen.emit and inserted at the marker below."""
# --- template start ---
import concurrent.futures
import decimal
import fractions
import functools
import math
import operator
import os
import threading

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
# @@SHARED@@
_PLAIN, _CAREFUL, _RATIO, _EXACT, _SPECIAL = range(5)


def _pool():
    # one pool per process: a child forked from a process that had a pool has none of its threads
    if not _POOL or _POOL[0][0] != os.getpid():
        _POOL[:] = [(os.getpid(), concurrent.futures.ThreadPoolExecutor(_THREADS))]
    return _POOL[0][1]


def support_tolerance(dtype):
    """|sum(y) - 1| (or |logsumexp(log_y)|) beyond sqrt(eps(dtype)) is off the simplex: -inf.

    ``dtype``: the point's (y or log_y); integers and booleans count as float64.  float16: 3.13e-02;
    float32: 3.45e-04; float64: 1.49e-08; longdouble: 3.29e-10 for x86's 80-bit format.
    """
    dtype = numpy.dtype(dtype)
    return float(numpy.sqrt(numpy.finfo(dtype if dtype.kind == "f" else numpy.float64).eps))


def _out_dtype(*arrays):
    """numpy's result type of the inputs when it is a float (float16 to longdouble), else float64."""
    dtype = numpy.result_type(*arrays)
    return dtype if dtype.kind == "f" else numpy.dtype(numpy.float64)


def _array(name, value):
    try:
        a = numpy.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name}: not an array ({exc})") from None
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{name}: need a real numeric array, got dtype {a.dtype}")
    return a


def _float64(a, logits=False):
    """longdouble rounded to float64, the compute dtype (others convert chunk by chunk), beyond its range to
    0 or +-inf without astype's warning; logits shifted first by their row's max (no density changes)."""
    if a.dtype.kind != "f" or a.dtype.itemsize <= 8:
        return a.astype(numpy.float64) if logits and a.dtype.kind != "f" else a
    with numpy.errstate(all="ignore"):
        finite = numpy.isfinite(a)
        if logits and numpy.any(finite & (numpy.abs(a) > numpy.finfo(numpy.float64).max)):
            top = numpy.max(numpy.where(finite, a, -numpy.inf), axis=-1, keepdims=True)
            a = numpy.where(numpy.isfinite(top), a - top, a)
        return a.astype(numpy.float64)


def _tau(tau):
    t = _array("tau", tau)
    with numpy.errstate(all="ignore"):
        t = t.astype(numpy.float64)
        if not numpy.all((t > 0) & (t < numpy.inf)):
            raise ValueError("tau: the temperature must be finite and > 0 (in float64, the compute dtype)")
    return t


def _logits(logits):
    return _categories(_array("logits", logits))


def _parameters(x, sampler=False):
    """(logits to compute with, each row's value where no formula applies, rows beyond _SPREAD or _OFFSET).

    softmax extends to infinite logits: a -inf category has pi_i = 0, one +inf takes all of pi.  Every
    logit -inf, two +inf, or (sampling) a NaN: no distribution, ValueError.  A density row with a NaN
    is NaN, one where pi has a zero -inf: the distribution lies on a face of the simplex, without a
    density on the open simplex (None: all finite).  A sampler's row with one +inf becomes 0 there,
    -inf elsewhere (the same pi).  The rows beyond: None when the whole array is within both."""
    x = _float64(x, logits=True)
    with numpy.errstate(all="ignore"):
        lo, hi = (float(numpy.min(x)), float(numpy.max(x))) if x.size else (0.0, 0.0)
        if math.isfinite(lo) and math.isfinite(hi):
            if sampler:  # rows whose v - max v may overflow (tau > 1 then takes them exactly)
                return x, None, None if hi - lo < 2.0 ** 1022 else _spread(x) >= 2.0 ** 1022
            return x, None, None if hi - lo <= _SPREAD and max(-lo, hi) <= _OFFSET else _wide(x)
        nan = numpy.isnan(x).any(axis=-1)
        if sampler and nan.any():
            raise ValueError("logits: NaN (no distribution to sample)")
        plus = (pos := numpy.isposinf(x)).sum(axis=-1)
        if numpy.any(~nan & ((plus >= 2) | numpy.isneginf(x).all(axis=-1))):
            raise ValueError("logits: a row with every logit -inf (no category has positive probability) or "
                             "with two or more +inf (their shares are undefined) defines no distribution")
        if sampler:
            x = numpy.where((plus == 1)[..., None], numpy.where(pos, 0.0, -numpy.inf), x)
            return x, None, _spread(x) >= 2.0 ** 1022
        finite = numpy.isfinite(x)
        special = numpy.where(nan, numpy.nan, numpy.where(finite.all(axis=-1), 0.0, -numpy.inf))
        x = numpy.where(finite, x, 0.0)
        return x, special, _wide(x)


def _batch(names, *shapes):
    try:
        return numpy.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"{names}: batch shapes {', '.join(map(str, shapes))} do not broadcast") from None


def _lead(a, ndim):
    """``a`` with leading axes of length 1 up to ``ndim`` axes (broadcasting, without copying)."""
    return a.reshape((1,) * (ndim - a.ndim) + a.shape)


# @@COMPILED@@


def _density_numpy(kernels, mask, positive, point, logits, tau, batch, dtype, tol, limit):
    """log p for the batch, each row by the kernel its parameters call for (see _SPREAD): ``kernels``
    maps _PLAIN, _CAREFUL and (from y) _RATIO to pairs (rows, combine); ``limit`` the largest tau of
    _PLAIN (None: no tau).  A single kind of row (the usual case) runs on the arrays as they are."""
    x, special, wide = _parameters(logits)
    if special is None and wide is None and (limit is None or not tau.size or numpy.max(tau) <= limit):
        return _evaluate(kernels[_PLAIN], mask, positive, point, x, tau, batch, dtype, tol)
    kind = numpy.where(wide := False if wide is None else wide, _CAREFUL if _CAREFUL in kernels else _PLAIN, _PLAIN)
    if limit is not None:
        kind = numpy.where(tau > limit, numpy.where(wide, _EXACT, _RATIO) if _RATIO in kernels else _CAREFUL, kind)
    if special is not None:
        kind = numpy.where(special != 0, _SPECIAL, kind)
    kind = numpy.broadcast_to(kind, rows := batch or (1,))
    present = numpy.unique(kind)
    if len(present) == 1 and present[0] in (_PLAIN, _CAREFUL, _RATIO):
        return _evaluate(kernels[int(present[0])], mask, positive, point, x, tau, batch, dtype, tol)
    out = numpy.empty(rows, dtype=dtype)
    point = numpy.broadcast_to(point, rows + point.shape[-1:])
    x = numpy.broadcast_to(x, rows + x.shape[-1:])
    tau = None if tau is None else numpy.broadcast_to(tau, rows)
    with numpy.errstate(all="ignore"):
        for c in present:
            idx = numpy.nonzero(kind == c)
            p, t = numpy.asarray(point[idx], dtype=numpy.float64), None if tau is None else tau[idx]
            if c == _SPECIAL:
                out[idx] = numpy.where(numpy.isnan(p).any(axis=-1), numpy.nan, numpy.broadcast_to(special, rows)[idx])
            elif c == _EXACT:
                off = mask(p, tol, -1) if mask is not None else False
                out[idx] = _settle(kernels[_RATIO], positive, p, x[idx], t, numpy.full(len(p), numpy.nan), off)
            else:
                out[idx] = _evaluate(kernels[int(c)], mask, positive, p, x[idx], t, p.shape[:1], numpy.float64, tol)
    return out if batch else out[0]


def _evaluate(kernel, mask, positive, point, logits, tau, batch, dtype, tol):
    """Chunk, lay out, evaluate in float64, settle rows off the support or not finite, cast to ``dtype``.

    ``kernel``: printed (rows, combine); ``rows`` reduces chunks of about _CHUNK elements to per-row
    values, ``combine`` joins those for blocks of about _BLOCK rows.  ``logits`` and ``tau`` keep their
    own batch shapes (broadcast inside the kernels): a sum over one row of logits is not repeated."""
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
                off = False if mask is None else numpy.concatenate([p[1] for p in parts])
                lost = _lost(atoms, value, k)
                check = ~numpy.isfinite(value) | off | lost
                if numpy.any(check):  # off the support, NaN in, beyond float64 or double-double: _settle
                    idx, value = numpy.nonzero(check), numpy.where(lost, numpy.nan, value)  # lost: again, exactly
                    x = numpy.broadcast_to(rows_of(logits, rows), check.shape + (k,))[idx]
                    t = None if tau is None else numpy.broadcast_to(tau if scalar else rows_of(tau, rows), check.shape)[idx]
                    value[idx] = _settle(kernel, positive, numpy.asarray(point[rows][idx], dtype=numpy.float64),
                                         numpy.asarray(x, dtype=numpy.float64), t, value[idx], off if mask is None else off[idx])
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


# @@DOUBLE_DOUBLE@@
def log_prob(y, logits, tau):
    """log p(y | logits, tau) of the Gumbel-softmax (Concrete) distribution, eq. (J28).

    Base measure: Lebesgue measure on (y_1, ..., y_{k-1}), y_k = 1 - sum of the others.  Conversions:
    log_prob_exp (Lebesgue on log y_1..log y_{k-1}) = log_prob + sum_{i<k} log y_i; the libraries' log-space
    log_prob (torch ExpRelaxedCategorical, TFP ExpRelaxedOneHotCategorical; w.r.t. e^{-x_k} dx, x = log y)
    = log_prob_exp + log y_k = log_prob + sum_i log y_i.  ``y`` (..., k)
    on the open simplex, ``logits`` (..., k) unnormalised log pi (a constant added to a row changes
    nothing), ``tau`` > 0 a scalar or an array; their batch shapes broadcast to the result's shape.
    dtype: numpy's result type of y and logits if a float (float16 in, float16 out), else float64;
    computed in float64 (longdouble rounded to it).  Off the support (a y_i <= 0, or |sum y - 1| >
    support_tolerance(y.dtype)): -inf.  A -inf logit (a masked category), or a +inf one beside others,
    puts a zero in pi: the distribution lies on a face of the simplex, with no density here: -inf.
    NaN in y or logits: NaN.  A value beyond float64's range: +-inf.  Raises ValueError naming the
    argument for tau <= 0 or not finite, k < 2, a row of logits all -inf or with two +inf,
    mismatched last axes, batch shapes that do not broadcast, non-numeric input.
    """
    x = _logits(logits)
    y = _array("y", y)
    _last_axis("y", y, x.shape[-1])
    t = _tau(tau)
    batch = _batch("y, logits, tau", y.shape[:-1], x.shape[:-1], t.shape)
    kernels = {_PLAIN: (_rows_log_prob, _combine_log_prob), _CAREFUL: (_rows_log_prob_careful, _combine_log_prob_careful),
               _RATIO: (_rows_log_prob_ratio, _combine_log_prob_ratio)}
    return _density(kernels, _off_simplex, True, _float64(y), x, t, batch, _out_dtype(y, x),
                    support_tolerance(y.dtype), _TAU_Y)


def log_prob_from_log(log_y, logits, tau):
    """log p(y | logits, tau) of eq. (J28) evaluated from log y (``log_y`` (..., k)): exact where y
    underflows.  Base measure: Lebesgue measure on (y_1, ..., y_{k-1}), the density of log_prob (not of
    log y: that is log_prob_exp = log_prob_from_log + sum_{i<k} log y_i, Lebesgue on log y_1..log y_{k-1};
    the libraries' log-space log_prob, w.r.t. e^{-x_k} dx, = log_prob_from_log + sum_i log y_i).  Off the support (a log_y_i = -inf, or |logsumexp(log_y)| > support_tolerance(log_y.dtype)):
    -inf.  Shapes, dtypes, infinite and NaN input, errors: as log_prob."""
    return _from_log(log_y, logits, tau, {_PLAIN: (_rows_log_prob_from_log, _combine_log_prob_from_log),
                                          _CAREFUL: (_rows_log_prob_from_log_careful,
                                                     _combine_log_prob_from_log_careful)})


def _from_log(log_y, logits, tau, kernels):
    """A density evaluated from ``log_y`` by the printed ``kernels``: validation, support and dtypes of
    log_prob_from_log (log_prob_exp differs from it only in its kernels)."""
    x = _logits(logits)
    log_y = _array("log_y", log_y)
    _last_axis("log_y", log_y, x.shape[-1])
    t = _tau(tau)
    batch = _batch("log_y, logits, tau", log_y.shape[:-1], x.shape[:-1], t.shape)
    return _density(kernels, _off_simplex_log, False, _float64(log_y), x, t, batch, _out_dtype(log_y, x),
                    support_tolerance(log_y.dtype), _TAU_PIVOT)


def log_prob_u(u, logits):
    """log p(u_1, ..., u_{k-1} | logits) of eq. (8), u_i = tau (log y_i - log y_k).

    Base measure: Lebesgue measure on R^{k-1}, on u, not y: log_prob(y) = log_prob_u(u) + (k-1) log tau
    - sum_i log y_i (u_i = tau (log y_i - log y_k)); then log_prob_exp = log_prob + sum_{i<k} log y_i, and the
    libraries' log-space form (w.r.t. e^{-x_k} dx) = log_prob + sum_i log y_i.  ``u`` (..., k-1), ``logits`` (..., k); the batch
    shapes broadcast.  A u_i = +-inf is off R^{k-1}: -inf; a zero in pi (infinite logits, as in
    log_prob): -inf; NaN in: NaN; beyond float64's range: +-inf.  dtypes and errors as log_prob.
    """
    x = _logits(logits)
    u = _array("u", u)
    _last_axis("u", u, x.shape[-1] - 1, what="k-1")
    batch = _batch("u, logits", u.shape[:-1], x.shape[:-1])
    dtype = _out_dtype(u, x)
    u = _float64(u)
    full = numpy.concatenate([numpy.broadcast_to(u, batch + u.shape[-1:]),
                              numpy.zeros(batch + (1,), dtype=u.dtype)], axis=-1)  # u_k = 0
    return _density({_PLAIN: (_rows_log_prob_u, _combine_log_prob_u)}, None, False, full, x, None, batch, dtype, 0.0, None)


def _sample_log(logits, tau, size, rng):
    """(float64 log y, the output dtype) of sample_log."""
    x = _logits(logits)
    t = _tau(tau)
    size, rng = _size(size), _rng(rng)
    dtype = _out_dtype(x)
    x, _, wide = _parameters(x, sampler=True)
    k = x.shape[-1]
    batch = _batch("logits, tau", x.shape[:-1], t.shape)
    shape = size + batch + (k,)
    g = _gumbel(rng, shape)
    with numpy.errstate(all="ignore"):
        x, t = numpy.broadcast_to(x, shape), numpy.broadcast_to(t, size + batch)[..., None]
        out = _kernel_sample_log(x, g, t, k, -1)
        # logits spread beyond 2**1022: v - max v may overflow where (v - max v) / tau (tau > 1) does not
        if wide is not None and numpy.any(wide := numpy.broadcast_to(wide, size + batch) & (t[..., 0] > 1)):
            for idx in zip(*numpy.nonzero(wide)) if wide.ndim else [()]:   # rare rows, one at a time
                live = numpy.isfinite(x[idx])   # a masked category stays -inf and takes no part
                out[idx][live] = _exactly((_kernel_sample_log,), g[idx][live], x[idx][live], t[idx],
                                          int(live.sum()))
    return out, dtype


def sample_log(logits, tau, size=None, rng=None):
    """log y for y ~ GumbelSoftmax(logits, tau), Jang et al. (1): log softmax((logits + g) / tau), g
    standard Gumbel, evaluated as (v - max v) / tau - log sum exp(...), v = logits + g.

    ``logits`` (..., k), ``tau`` > 0 a scalar or an array; batch = broadcast(logits.shape[:-1], tau.shape).
    ``size``: None or () (one draw per distribution), an int n, or a tuple; the result has shape size +
    batch + (k,).  ``rng``: a numpy Generator, or what numpy.random.default_rng takes (None, a seed, a
    SeedSequence, a BitGenerator).  dtype: that of logits if a float (float16 to longdouble), else
    float64; computed in float64.  Values: log-probabilities of the categories, a point of the simplex
    (exp of them may underflow to 0 at a low tau: use log_prob_from_log).  A -inf logit (masked) gives
    -inf there; a single +inf logit the degenerate sample (0 there, -inf elsewhere), a vertex, which
    every draw approaches as tau -> 0.  Raises ValueError naming the argument for tau <= 0 or not finite, NaN logits, a
    row of logits all -inf or with two +inf, k < 2, batch shapes that do not broadcast, and a size or
    rng that numpy.random would not take.
    """
    out, dtype = _sample_log(logits, tau, size, rng)
    with numpy.errstate(all="ignore"):
        return out.astype(dtype, copy=False)


def sample(logits, tau, size=None, rng=None):
    """y ~ GumbelSoftmax(logits, tau) on the simplex: exp(sample_log(...)), the same arguments,
    shape and dtype (exp taken in float64, then rounded).  At a low tau entries may underflow to
    exactly 0 (off the open simplex, so log_prob gives -inf there); sample_log with
    log_prob_from_log avoids that.
    """
    out, dtype = _sample_log(logits, tau, size, rng)
    with numpy.errstate(all="ignore"):
        return numpy.exp(out).astype(dtype, copy=False)


# @@LOG_SPACE@@
# @@KERNELS@@
