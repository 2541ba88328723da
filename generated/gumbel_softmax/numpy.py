"""The Gumbel-softmax densities and samplers in NumPy.

Precision: inputs are converted to float64 (float16 / float32 results are rounded back to the input
dtype); the terms of each log-density that cancel are combined in double-double arithmetic (about
106 bits), and the rare rows beyond both (extreme logits and temperatures) in exact rational
arithmetic.  Large inputs run in chunks on a thread pool.  No gradients: see gumbel_softmax.torch
and gumbel_softmax.jax.

GENERATED FILE - do not edit.  Written by `python -m codegen` (codegen/emit.py, SymPy 1.14.0).
Printed from the general forms in codegen/forms.py, checked by `make verify` against the
verified expressions (J28), (8), (1) and the log-space (5) in the claims cg.logits, cg.log, cg.lse, cg.log_prob, cg.log_prob_from_log, cg.log_prob_exp, cg.log_prob_u, cg.sample_log, cg.lgamma, cg.vexp, cg.vlog, cg.dd_log, cg.grad_logits, cg.grad_tau, cg.grad_y, cg.grad_log_y, cg.kernel_gradients, cg.cse.
sha256 of the expressions: 32edc134a5179cc2f8beb4d3ad385b0685b178c56f8f95a2ba02a79f7f9ba417
"""
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
#: A density row takes the plain printed forms while its logits lie within +-_OFFSET, spread over at
#: most _SPREAD, and tau <= _TAU_Y (from y) or _TAU_PIVOT (from log y); beyond, the careful forms
#: (float64 exponents lose 2**-53 |x_i - x_j|, double-double sums 2**-106 k |x|, a pivot of rounded
#: z 2**-53 tau |log y|), from y at a large tau the log-ratio form (a rounded log y_i is off by
#: 2**-53 |log y_i|, times tau), from y with both, exact arithmetic, as are the rows whose float64
#: value is not finite inside the support.
_SPREAD, _OFFSET = 128.0, 2.0 ** 32
_TAU_Y = 32.0
_TAU_PIVOT = 2.0 ** 40


def _last_axis(name, a, k, what="k"):
    if a.ndim < 1:
        raise ValueError(f"{name}: need shape (..., {what}), got a scalar")
    if a.shape[-1] != k:
        raise ValueError(f"{name}: last axis has length {a.shape[-1]}, but logits has k = "
                         f"{k + (1 if what == 'k-1' else 0)} (need {what} = {k})")


def _categories(x):
    """``x``, the logits as an array of the backend: need shape (..., k) with k >= 2."""
    if x.ndim < 1:
        raise ValueError("logits: need shape (..., k), got a scalar")
    if x.shape[-1] < 2:
        raise ValueError(f"logits: need k >= 2 categories, got k = {x.shape[-1]}")
    return x
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


#: inputs of at least this many elements run their plain rows on the compiled kernels when numba is
#: installed (below, numba's call costs more than it gains); see use_compiled
_COMPILED_FROM = 1 << 15


def _mode(mode, name):
    """``mode`` if it is "auto" or "never", else ValueError naming ``name`` (a misspelt switch is not
    taken silently for either)."""
    if mode not in ("auto", "never"):
        raise ValueError(f"{name}: need 'auto' or 'never', got {mode!r}")
    return mode


_COMPILED = {"mode": _mode(os.environ.get("GUMBEL_SOFTMAX_COMPILED", "").strip().lower() or "auto",
                           "GUMBEL_SOFTMAX_COMPILED (environment, or unset)"), "module": None, "error": None}
_COMPILED_FORMS = ("log_prob", "log_prob_from_log", "log_prob_exp")
_FORCED = threading.local()


def use_compiled(mode):
    """Whether log_prob, log_prob_from_log and log_prob_exp run on the compiled kernels of
    gumbel_softmax.numba (numba, pip install 'gsverify[compiled]'; compiled on first use, cached on disk).

    ``mode``: "auto" (the default; the environment variable GUMBEL_SOFTMAX_COMPILED, read at import, any
    case, sets it too, and importing raises ValueError naming it for another value): for inputs of at
    least 2**15 elements (rows x k) of float32 or float64 when numba can be imported; "never": this module's
    numpy kernels only.  Their values agree to the bound documented in gumbel_softmax.numba.  Returns the
    previous mode; raises ValueError naming ``mode`` for anything else.
    """
    previous, _COMPILED["mode"] = _COMPILED["mode"], _mode(mode, "mode")
    return previous


class _compiled_always:
    """Within it (this thread), the compiled kernels run whatever the input's size and the mode."""
    value = True

    def __enter__(self):
        self.saved, _FORCED.on = getattr(_FORCED, "on", False), self.value

    def __exit__(self, *exc):
        _FORCED.on = self.saved


class _compiled_never(_compiled_always):
    """Within it (this thread), this module's own kernels run, whatever the input's size and the mode."""
    value = None


def _compiled_module():
    if _COMPILED["module"] is None and _COMPILED["error"] is None:
        try:
            from . import numba as module
            _COMPILED["module"] = module
        except ImportError as exc:  # numba not installed: this module's kernels
            _COMPILED["error"] = exc
    return _COMPILED["module"]


def _compiled_for(size):
    """gumbel_softmax.numba where the compiled path takes an input of ``size`` elements (rows x k): the mode
    "auto" and at least _COMPILED_FROM elements, or any size within _compiled_always; never within
    _compiled_never; None where numba is absent.  The torch and JAX modules ask it too (one switch)."""
    forced = getattr(_FORCED, "on", False)
    if forced is None or (not forced and (_COMPILED["mode"] != "auto" or size < _COMPILED_FROM)):
        return None
    return _compiled_module()


def _compiled(kernel, point, logits, tau, batch):
    """(the compiled module, the form's name) where the compiled kernels take this input, else None."""
    name = kernel[0].__name__[len("_rows_"):]
    if tau is None or name not in _COMPILED_FORMS or math.prod(batch) == 0:
        return None  # an empty batch: this module checks the logits all the same
    module = _compiled_for(math.prod(batch) * logits.shape[-1])
    if module is None or point.dtype not in module.DTYPES or logits.dtype not in module.DTYPES:
        return None
    return module, name


def _density(kernels, mask, positive, point, logits, tau, batch, dtype, tol, limit):
    """_density_numpy's values, the plain rows of large inputs from the compiled kernels (_compiled)."""
    compiled = _compiled(kernels[_PLAIN], point, logits, tau, batch)
    if compiled is None:
        return _density_numpy(kernels, mask, positive, point, logits, tau, batch, dtype, tol, limit)
    module, name = compiled
    single = not batch
    p, x, t, batch = module.flat_rows(point, logits, tau)
    batch = batch or (1,)
    # the kernels round each float64 value into the result's dtype themselves (float32 or float64: no second
    # array and pass; a value beyond float32's range is inf there and evaluated again below); a longdouble
    # result (from a longdouble point, read as float64) is float64 here, cast at the end
    out = numpy.empty(batch, dtype=dtype if dtype in module.DTYPES else numpy.float64)
    values, again, _ = module.run(name, p, x, t, tol, limit, outputs=(out.reshape(-1),))
    with numpy.errstate(all="ignore"):
        again = numpy.nonzero(again)[0]
        if again.size:  # off the support, beyond the plain kernel, NaN or beyond float64: this module decides
            with _compiled_never():
                values[again] = _density(kernels, mask, positive, p[again], x if x.shape[0] == 1 else x[again],
                                         t if t.shape[0] == 1 else t[again], again.shape, numpy.float64, tol, limit)
    return (out[0] if single else out).astype(dtype, copy=False)


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


# Double-double arithmetic for the printed ``Exact(...)`` parts of the kernels: a value is
# a float64 number or array, or a pair (hi, lo) standing for hi + lo with |lo| a few ulp of
# hi at most; lo None means 0.  Error-free transformations (Knuth's two-sum, Dekker's
# product) keep ~106 bits, so terms of the log-density that cancel (sum_i x_i against k x_j,
# k log y_j against sum_i log y_i) do so exactly.  Python numbers (a scalar tau, k) stay so.
_SPLITTER = 134217729.0  # 2**27 + 1
# log 2 in two parts, the first with 21 trailing zero bits: e * _LN2_HI is exact for |e| < 2**11
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_SQRT_HALF = 0.7071067811865476


def _pair(v):
    if isinstance(v, tuple):
        return v
    return v, None


def _hi(v):
    """The float64 value of a double-double."""
    return v[0] + v[1] if isinstance(v, tuple) and v[1] is not None else _pair(v)[0]


def _is_number(v):
    return isinstance(v, (int, float))


def _is_exact(v):
    """An _Exact number, or an object array of them (the exact evaluation, _exactly)."""
    return isinstance(v, _Exact) or getattr(v, "dtype", None) == object


def _two_sum(a, b):
    s = a + b
    v = s - a
    return s, (a - (s - v)) + (b - v)


def _quick_two_sum(a, b):
    """For |a| >= |b| (or a == 0)."""
    s = a + b
    return s, b - (s - a)


def _split(a):
    """a = hi + lo, each with at most 26 significant bits (Veltkamp; scaled above 2**995,
    where _SPLITTER * a would overflow)."""
    if _is_exact(a):
        return a, 0  # exact arithmetic: nothing to split
    t = _SPLITTER * a
    hi = t - (t - a)
    if _is_number(a):
        if abs(a) > 2.0 ** 995 and math.isfinite(a):
            hi = _split(a * 2.0 ** -28)[0] * 2.0 ** 28
    elif numpy.any(numpy.isinf(t) & numpy.isfinite(a)):
        scaled = _split(a * 2.0 ** -28)[0] * 2.0 ** 28
        hi = numpy.where(numpy.abs(a) > 2.0 ** 995, scaled, hi)
    return hi, a - hi


def _two_prod(a, b):
    """(p, e) with p + e = a b exactly (Dekker); ``a`` may be a Python number."""
    p = a * b
    if _is_number(a) and math.frexp(a)[0] in (0.5, -0.5):
        return p, None  # a power of 2: exact
    ah, al = _split(a)
    bh, bl = _split(b)
    e = ah * bh - p
    e += ah * bl
    if al != 0 if _is_number(a) else True:
        e += al * bh
        e += al * bl
    return p, e


def _dd_add(*terms):
    """Sum of double-double terms: the high parts by two-sums, their errors with the low parts."""
    terms = sorted(terms, key=lambda t: numpy.size(_pair(t)[0]))  # numbers first: cheap
    hi, err = _pair(terms[0])
    for term in terms[1:]:
        th, tl = _pair(term)
        hi, e = _two_sum(hi, th)
        err = e if err is None else err + e
        if tl is not None:
            err = err + tl
    return (hi, None) if err is None else _quick_two_sum(hi, err)


def _dd_mul(*factors):
    # numbers first: their products cost nothing, and an array is then multiplied once
    factors = sorted(factors, key=lambda f: numpy.size(_pair(f)[0]))
    hi, lo = _pair(factors[0])
    for factor in factors[1:]:
        fh, fl = _pair(factor)
        if _is_number(hi) and hi in (1, -1) and lo is None:
            hi, lo = (fh, fl) if hi == 1 else (-fh, None if fl is None else -fl)
            continue
        p, e = _two_prod(hi, fh)
        if lo is not None:
            e = lo * fh if e is None else e + lo * fh
        if fl is not None:
            e = hi * fl if e is None else e + hi * fl
        hi, lo = p, e
    return hi, lo


def _dd_sum(v, axis):
    """Sum along ``axis`` (kept, length 1) as a double-double: error below 4 k^3 2^-105 max|v|.

    Rump, Ogita and Oishi's extraction: with sigma a power of 2 above k max|v|, the parts
    q = (sigma + v) - sigma are multiples of ulp(sigma) and sum exactly; the rests v - q
    are exact and below ulp(sigma), so their float64 sum is the low part.
    """
    hi, lo = _pair(v)
    if _is_exact(hi):
        total = numpy.sum(hi, axis=axis, keepdims=True)
        return (total if lo is None else total + numpy.sum(lo, axis=axis, keepdims=True)), None
    n = hi.shape[axis]
    top = numpy.maximum(numpy.max(hi, axis=axis, keepdims=True), numpy.negative(numpy.min(hi, axis=axis, keepdims=True)))
    _, e = numpy.frexp(top)
    sigma = numpy.ldexp(1.0, e + (n - 1).bit_length() + 1)
    q = numpy.add(sigma, hi)
    numpy.subtract(q, sigma, out=q)
    rest = numpy.sum(numpy.subtract(hi, q), axis=axis, keepdims=True)
    if lo is not None:
        rest = rest + numpy.sum(lo, axis=axis, keepdims=True)
    return _two_sum(numpy.sum(q, axis=axis, keepdims=True), rest)


def _dd_log(v):
    """log of a positive value: e log 2 + log m with m in [sqrt(1/2), sqrt(2)), |log m| < 0.35,
    so that the one rounding left (of log m) is below 2**-54 (and k log S keeps it small)."""
    hi, lo = _pair(v)
    if _is_exact(hi):
        return numpy.log(_hi(v)), None
    mant, expo = numpy.frexp(hi)
    low = mant < _SQRT_HALF
    mant = numpy.where(low, mant + mant, mant)
    expo = expo - low
    e = numpy.asarray(expo, dtype=numpy.float64)
    s, err = _two_sum(e * _LN2_HI, numpy.log(mant))
    err = err + e * _LN2_LO
    if lo is not None:
        err = err + numpy.ldexp(lo, -expo) / mant  # log(m + d) = log m + d / m + O(d^2)
    return _quick_two_sum(s, err)


@functools.lru_cache(maxsize=64)
def _dd_lgamma(k):
    """log Gamma(k) = log 2 + log 3 + ... + log(k - 1) for an integer k >= 2, in double-double.

    (a float64 lgamma is off by 2.3e-15 at k = 10, more than the whole error budget of a
    log-density near 0.)
    """
    if k <= 2:
        return 0.0, None
    hi, lo = _dd_sum(_dd_log(numpy.arange(2.0, k)), 0)
    return float(hi[0]), float(lo[0])




def _log_ratio(a, b):
    """log(a / b) for a, b > 0 to a few ulp of itself: log1p((a - b) / b) where a / b is in (1/2, 2)
    (a - b is exact there, Sterbenz), log(a / b) elsewhere (|log(a / b)| > log 2: the rounding of
    the quotient is an absolute error of one ulp of 1)."""
    if _is_exact(a):
        return numpy.log(numpy.divide(a, b))
    q = numpy.divide(a, b)
    near = numpy.abs(numpy.subtract(q, 1.0)) < 0.5
    return numpy.where(near, numpy.log1p(numpy.divide(numpy.subtract(a, b), b)), numpy.log(q))


class _Exact(fractions.Fraction):
    """A rational number closed under +, -, *, / (a Fraction whose results stay _Exact, floats taken at
    their exact binary value).  exp rounds to float64: in every printed form its argument is <= 0
    and its value is summed with weights e^u <= 1, so that rounding is the one of the float64 kernels;
    log runs in decimal to the digits of the thread's decimal context (set by _exactly)."""
    __slots__ = ()

    def _closed(op):
        def method(a, b):
            r = op(a, b if isinstance(b, fractions.Fraction) else fractions.Fraction(b))
            return r if r is NotImplemented else _Exact(r)
        return method

    __add__, __radd__ = _closed(fractions.Fraction.__add__), _closed(fractions.Fraction.__radd__)
    __sub__, __rsub__ = _closed(fractions.Fraction.__sub__), _closed(fractions.Fraction.__rsub__)
    __mul__, __rmul__ = _closed(fractions.Fraction.__mul__), _closed(fractions.Fraction.__rmul__)
    __truediv__ = _closed(fractions.Fraction.__truediv__)
    __rtruediv__ = _closed(fractions.Fraction.__rtruediv__)

    def __neg__(a):
        return _Exact(-a.numerator, a.denominator)

    def exp(a):
        try:
            return _Exact(math.exp(float(a)))
        except OverflowError:  # float(a) beyond float64: a far below -745 gives 0
            if a < 0:
                return _Exact(0)
            raise

    def log(a):
        d = decimal.Decimal(a.numerator) / decimal.Decimal(a.denominator)
        return _Exact(d.ln())


def _to_exact(a):
    """An object array of _Exact at the values of the float64 array ``a``."""
    out = numpy.empty(a.size, dtype=object)
    out[:] = [_Exact(v) for v in a.ravel().tolist()]
    return out.reshape(a.shape)


def _rounded(values):
    """float64 of each _Exact value, correctly rounded; +-inf beyond float64's range."""
    def one(v):
        try:
            return float(v)
        except OverflowError:
            return math.inf if v > 0 else -math.inf
    return numpy.array([one(v) for v in numpy.ravel(values)], dtype=numpy.float64).reshape(numpy.shape(values))


def _digits(tau):
    """Decimal digits for the logs of _exactly: tau times the error of a log y_i (|log y_i| <= 745)
    stays below 1e-25."""
    return 30 + (0 if tau is None else max(0, int(math.log10(float(numpy.max(tau))))))


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


def _spread(x):
    """max - min of the finite logits of each row (-inf for a row without any)."""
    finite = numpy.isfinite(x)
    return numpy.max(numpy.where(finite, x, -numpy.inf), axis=-1) - numpy.min(numpy.where(finite, x, numpy.inf), axis=-1)


def _lost(atoms, value, k):
    """Rows whose double-double combination may have lost digits: terms up to k max|atom| cancelling to
    max(1, |value|) < 2**-46 k max|atom| (106 bits then leave less than 2**-56 of it).  The sums over
    the categories (the pairs) bound the other atoms (a log y_j <= 0 by the sum of them, the logits of
    the plain forms by _OFFSET).  False where none is that large in the block (a few reductions)."""
    his = [a[0] for a in atoms if isinstance(a, tuple)]
    if not k * max(max(float(numpy.max(h)), -float(numpy.min(h))) for h in his) > 2.0 ** 46:
        return False
    scale = functools.reduce(numpy.maximum, [numpy.abs(h) for h in his])
    return k * scale > 2.0 ** 46 * numpy.maximum(1.0, numpy.abs(value))


def _wide(x):
    """Rows of finite logits beyond _SPREAD or _OFFSET (see there)."""
    return (numpy.max(x, -1) - numpy.min(x, -1) > _SPREAD) | (numpy.max(numpy.abs(x), -1) > _OFFSET)


def _exactly(kernel, p, x, t, k):
    """Rows (n, k) evaluated by the same printed kernels in exact rational arithmetic (_Exact), logs to
    _digits(t) digits: rows whose float64 value overflowed, and rows from y with a large tau and widely
    spread logits (tau log(y_i / y_j) against x_i - x_j would need more than double-double).  A
    one-element ``kernel`` is the sampler's, elementwise: ``p`` is then the Gumbel noise, ``t`` (n, 1)."""
    with decimal.localcontext() as ctx:
        ctx.prec = _digits(t)
        ep, ex = _to_exact(p), _to_exact(numpy.asarray(x, dtype=numpy.float64))
        if len(kernel) == 1:
            return _rounded(kernel[0](ex, ep, _to_exact(t), k, -1))
        rows_kernel, combine = kernel
        if t is None:
            atoms = rows_kernel(ep, ex, k, -1)
        else:
            et = _to_exact(numpy.asarray(t, dtype=numpy.float64))
            atoms = rows_kernel(ep, ex, et[:, None], k, -1)
        atoms = [_per_row(a, -1, ep.shape[:-1]) for a in atoms]
        return _rounded(combine(*atoms, k) if t is None else combine(*atoms, et, k))


def _settle(kernel, positive, p, x, t, value, off):
    """Rows (n, k), float64, whose value is not finite (NaN also where digits were lost, _lost) or that
    lie off the support: NaN in the point gives NaN; off the support or outside the domain of the
    formula (a y_i <= 0, an infinite coordinate) -inf; otherwise float64 or double-double could not
    carry the row: evaluated again exactly."""
    nan = numpy.isnan(p).any(axis=-1)
    inside = (numpy.isfinite(p) & (p > 0) if positive else numpy.isfinite(p)).all(axis=-1)
    outside = ~inside | off
    out = numpy.where(nan, numpy.nan, numpy.where(outside, -numpy.inf, value))
    again = ~(nan | outside | numpy.isfinite(value))
    if again.any():
        out[again] = _exactly(kernel, p[again], x[again], None if t is None else t[again], p.shape[-1])
    return out
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


# Kernels: printed by codegen.backends.numpy.printer.NumPyRowPrinter.

def _rows_log_prob(y, logits, tau, k, axis):
    t0 = numpy.log(y)
    t3 = _argmax(numpy.subtract(logits, numpy.multiply(t0, tau)), axis)
    t4 = _take(t0, t3, axis)
    t5 = _take(logits, t3, axis)
    return _dd_sum(t0, axis), t4, t5, _dd_sum(numpy.exp(numpy.subtract(numpy.subtract(logits, t5), numpy.multiply(tau, numpy.subtract(t0, t4)))), axis), _dd_sum(logits, axis),


def _combine_log_prob(a0, a1, a2, a3, a4, tau, k):
    return _hi(_dd_add(_dd_mul(-1, a0), _dd_mul(-1, a2, k), a4, _dd_mul(-1, k, _dd_log(a3)), _dd_mul(tau, _dd_add(_dd_mul(-1, a0), _dd_mul(a1, k))), _dd_mul(k - 1, _dd_log(tau)), _dd_lgamma(k)))


def _rows_log_prob_from_log(log_y, logits, tau, k, axis):
    t2 = _argmax(numpy.subtract(logits, numpy.multiply(tau, log_y)), axis)
    t3 = _take(log_y, t2, axis)
    t4 = _take(logits, t2, axis)
    return _dd_sum(log_y, axis), t3, t4, _dd_sum(numpy.exp(numpy.subtract(numpy.subtract(logits, t4), numpy.multiply(tau, numpy.subtract(log_y, t3)))), axis), _dd_sum(logits, axis),


def _combine_log_prob_from_log(a0, a1, a2, a3, a4, tau, k):
    return _hi(_dd_add(_dd_mul(-1, a0), _dd_mul(-1, a2, k), a4, _dd_mul(-1, k, _dd_log(a3)), _dd_mul(tau, _dd_add(_dd_mul(-1, a0), _dd_mul(a1, k))), _dd_mul(k - 1, _dd_log(tau)), _dd_lgamma(k)))


def _rows_log_prob_u(u, logits, k, axis):
    t0 = _dd_add(_dd_mul(-1, numpy.max(numpy.subtract(logits, u), axis=axis, keepdims=True)), logits, _dd_mul(-1, u))
    return _dd_sum(numpy.exp(_hi(t0)), axis), _dd_sum(t0, axis),


def _combine_log_prob_u(a0, a1, k):
    return _hi(_dd_add(a1, _dd_mul(-1, k, _dd_log(a0)), _dd_lgamma(k)))


def _kernel_sample_log(logits, gumbel, tau, k, axis):
    t0 = numpy.add(gumbel, logits)
    t1 = numpy.divide(numpy.subtract(t0, numpy.max(t0, axis=axis, keepdims=True)), tau)
    return numpy.subtract(t1, numpy.log(numpy.sum(numpy.exp(t1), axis=axis, keepdims=True)))


def _rows_log_prob_careful(y, logits, tau, k, axis):
    t0 = numpy.log(y)
    t3 = _argmax(numpy.subtract(logits, numpy.multiply(t0, tau)), axis)
    t4 = _dd_add(_dd_mul(-1, tau, _dd_add(t0, _dd_mul(-1, _take(t0, t3, axis)))), _dd_mul(-1, _take(logits, t3, axis)), logits)
    t5 = numpy.max(_hi(t4), axis=axis, keepdims=True)
    return _dd_sum(t0, axis), t5, _dd_sum(numpy.exp(numpy.subtract(_hi(t4), t5)), axis), _dd_sum(t4, axis),


def _combine_log_prob_careful(a0, a1, a2, a3, tau, k):
    return _hi(_dd_add(_dd_mul(-1, a0), a3, _dd_mul(-1, k, _dd_add(a1, _dd_log(a2))), _dd_mul(k - 1, _dd_log(tau)), _dd_lgamma(k)))


def _rows_log_prob_from_log_careful(log_y, logits, tau, k, axis):
    t2 = _argmax(numpy.subtract(logits, numpy.multiply(tau, log_y)), axis)
    t3 = _dd_add(_dd_mul(-1, tau, _dd_add(_dd_mul(-1, _take(log_y, t2, axis)), log_y)), _dd_mul(-1, _take(logits, t2, axis)), logits)
    t4 = numpy.max(_hi(t3), axis=axis, keepdims=True)
    return _dd_sum(log_y, axis), t4, _dd_sum(numpy.exp(numpy.subtract(_hi(t3), t4)), axis), _dd_sum(t3, axis),


def _combine_log_prob_from_log_careful(a0, a1, a2, a3, tau, k):
    return _hi(_dd_add(_dd_mul(-1, a0), a3, _dd_mul(-1, k, _dd_add(a1, _dd_log(a2))), _dd_mul(k - 1, _dd_log(tau)), _dd_lgamma(k)))


def _rows_log_prob_ratio(y, logits, tau, k, axis):
    t0 = numpy.log(y)
    t3 = _argmax(numpy.subtract(logits, numpy.multiply(t0, tau)), axis)
    t4 = _dd_add(_dd_mul(-1, tau, _log_ratio(y, _take(y, t3, axis))), _dd_mul(-1, _take(logits, t3, axis)), logits)
    t5 = numpy.max(_hi(t4), axis=axis, keepdims=True)
    return _dd_sum(t0, axis), t5, _dd_sum(numpy.exp(numpy.subtract(_hi(t4), t5)), axis), _dd_sum(t4, axis),


def _combine_log_prob_ratio(a0, a1, a2, a3, tau, k):
    return _hi(_dd_add(_dd_mul(-1, a0), a3, _dd_mul(-1, k, _dd_add(a1, _dd_log(a2))), _dd_mul(k - 1, _dd_log(tau)), _dd_lgamma(k)))


def _rows_log_prob_exp(log_y, logits, tau, k, axis):
    t2 = _argmax(numpy.subtract(logits, numpy.multiply(tau, log_y)), axis)
    t3 = _take(log_y, t2, axis)
    t4 = _take(logits, t2, axis)
    return _last(log_y, axis), _dd_sum(log_y, axis), t3, t4, _dd_sum(numpy.exp(numpy.subtract(numpy.subtract(logits, t4), numpy.multiply(tau, numpy.subtract(log_y, t3)))), axis), _dd_sum(logits, axis),


def _combine_log_prob_exp(a0, a1, a2, a3, a4, a5, tau, k):
    return _hi(_dd_add(_dd_mul(-1, a0), _dd_mul(-1, a3, k), a5, _dd_mul(-1, k, _dd_log(a4)), _dd_mul(tau, _dd_add(_dd_mul(-1, a1), _dd_mul(a2, k))), _dd_mul(k - 1, _dd_log(tau)), _dd_lgamma(k)))


def _rows_log_prob_exp_careful(log_y, logits, tau, k, axis):
    t1 = _argmax(numpy.subtract(logits, numpy.multiply(tau, log_y)), axis)
    t2 = _dd_add(_dd_mul(-1, tau, _dd_add(_dd_mul(-1, _take(log_y, t1, axis)), log_y)), _dd_mul(-1, _take(logits, t1, axis)), logits)
    t3 = numpy.max(_hi(t2), axis=axis, keepdims=True)
    return _last(log_y, axis), t3, _dd_sum(numpy.exp(numpy.subtract(_hi(t2), t3)), axis), _dd_sum(t2, axis),


def _combine_log_prob_exp_careful(a0, a1, a2, a3, tau, k):
    return _hi(_dd_add(_dd_mul(-1, a0), a3, _dd_mul(-1, k, _dd_add(a1, _dd_log(a2))), _dd_mul(k - 1, _dd_log(tau)), _dd_lgamma(k)))
