# ruff: noqa
"""The hand-written part of generated/gumbel_softmax/numba.py: the bit-level and double-double helpers
the printed block kernels call, the layout of a block (rows in SIMD lanes), the support masks and the
threads.  No density formula lives here: the ``_block_*`` functions are printed from SymPy by
codegen.emit (codegen/backends/numba/printer.py) and the polynomials of ``_log`` / ``_exp`` by
codegen/elementary.py, inserted at the markers below."""
# --- template start ---
import math
import os

try:
    import numba
    from llvmlite import ir
    from numba import types
    from numba.extending import intrinsic
except ImportError as error:  # the optional extra is not installed
    raise ImportError("gumbel_softmax.numba needs numba: pip install 'gsverify[compiled]' "
                      "(in the repository: pip install '.[compiled]')") from error

import numpy

from . import numpy as _numpy

__all__ = ["log_prob", "log_prob_from_log", "log_prob_exp", "KERNELS"]
# @@SHARED@@
#: a row whose double-double combination may have lost digits (the NumPy module's _lost): flagged
_LOST = 2.0 ** 46
# log 2 in two parts, the first with 21 trailing zero bits: n * _LN2_HI is exact for |n| < 2**21
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.4426950408889634
_SQRT2 = 1.4142135623730951
_SQRT_HALF = 0.7071067811865476
_TINY = 2.2250738585072014e-308  # the smallest normal float64


@intrinsic
def _bits(typingctx, x):
    """The IEEE bits of a float64 as an int64 (LLVM bitcast: vectorises)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))
    return types.int64(types.float64), codegen


@intrinsic
def _from_bits(typingctx, b):
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.int64), codegen


@intrinsic
def _fma(typingctx, a, b, c):
    """a b + c rounded once (LLVM's fma: the instruction where the CPU has it)."""
    def codegen(context, builder, signature, args):
        double = ir.DoubleType()
        fma = builder.module.declare_intrinsic("llvm.fma", [double], ir.FunctionType(double, [double] * 3))
        return builder.call(fma, args)
    return types.float64(types.float64, types.float64, types.float64), codegen


# @@ELEMENTARY@@


@numba.njit(inline='always')
def _pow2(n):
    """2**n for an integer-valued float n in [-1100, 1100] (_exp clamps it) as two normal factors 2**h,
    2**(n - h): applied one after the other, a result near the float64 limits rounds once."""
    m = numpy.int64(n)
    h = m >> 1
    return _from_bits((h + 1023) << 52), _from_bits((m - h + 1023) << 52)


@numba.njit(inline='always')
def _exp(x):
    """exp(x) in float64, branch-free (see codegen/elementary.py); NaN -> NaN, -inf -> 0, inf -> inf."""
    n = math.floor(x * _INV_LN2 + 0.5)
    n = min(max(n, -1100.0), 1100.0)
    r = (x - n * _LN2_HI) - n * _LN2_LO
    first, second = _pow2(n)
    out = (_exp_polynomial(r) * first) * second
    out = 0.0 if x < -746.0 else out
    out = numpy.inf if x > 710.0 else out
    return x if x != x else out


@numba.njit(inline='always')
def _frexp_sqrt(x):
    """(m, e) with x = m 2**e, m in [sqrt(1/2), sqrt(2)), for a finite x > 0 (subnormals scaled first)."""
    small = x < _TINY
    b = _bits(x * 18014398509481984.0 if small else x)  # 2**54
    e = ((b >> 52) & 0x7ff) - 1023 - (54 if small else 0)
    m = _from_bits((b & 0x000fffffffffffff) | 0x3ff0000000000000)
    big = m > _SQRT2
    return (m * 0.5 if big else m), float(e + 1 if big else e)


@numba.njit(inline='always')
def _log_parts(m):
    """(f, f^2/2, s (f^2/2 + R(s^2))) for m in [sqrt(1/2), sqrt(2)), f = m - 1 (exact), s = f / (2 + f):
    log m = f - (f^2/2 - s (f^2/2 + R(s^2)))."""
    f = m - 1.0
    s = f / (2.0 + f)
    hfsq = 0.5 * f * f
    return f, hfsq, s * (hfsq + _log_polynomial(s * s))


@numba.njit(inline='always')
def _log_mantissa(m):
    """log m for m in [sqrt(1/2), sqrt(2))."""
    f, hfsq, tail = _log_parts(m)
    return f - (hfsq - tail)


@numba.njit(inline='always')
def _log(x):
    """log(x) in float64, branch-free; 0 -> -inf, inf -> inf, x < 0 or NaN -> NaN."""
    m, e = _frexp_sqrt(x)
    f, hfsq, tail = _log_parts(m)
    out = e * _LN2_HI - ((hfsq - (tail + e * _LN2_LO)) - f)
    out = -numpy.inf if x == 0.0 else out
    out = x if not x < numpy.inf else out
    return numpy.nan if x < 0.0 else out


# Double-double arithmetic (pairs (hi, lo), hi + lo to about 106 bits): Knuth's two-sum, the product by fma.
@numba.njit(inline='always')
def _two_sum(a, b):
    s = a + b
    v = s - a
    return s, (a - (s - v)) + (b - v)


@numba.njit(inline='always')
def _two_sum_into(hi, lo, v):
    """The running sum (hi, lo) plus v: hi by a two-sum, its error into lo (error below k^2 2^-106 sum|v|)."""
    s, e = _two_sum(hi, v)
    return s, lo + e


@numba.njit(inline='always')
def _quick_two_sum(a, b):
    s = a + b
    return s, b - (s - a)


@numba.njit(inline='always')
def _hi(a):
    return a[0] + a[1]


@numba.njit(inline='always')
def _dd_neg(a):
    return -a[0], -a[1]


@numba.njit(inline='always')
def _dd_add(a, b):
    s, e = _two_sum(a[0], b[0])
    return _quick_two_sum(s, e + (a[1] + b[1]))


@numba.njit(inline='always')
def _dd_mul(a, b):
    p = a[0] * b[0]
    e = _fma(a[0], b[0], -p) + (a[0] * b[1] + a[1] * b[0])
    return _quick_two_sum(p, e)


@numba.njit(inline='always')
def _dd_log(a):
    """log of a positive pair: e log 2 + log m, m in [sqrt(1/2), sqrt(2)) (|log m| < 0.35, one rounding
    below 2**-54 left), the low part as lo / hi (the NumPy module's _dd_log)."""
    m, e = _frexp_sqrt(a[0])
    s, err = _two_sum(e * _LN2_HI, _log_mantissa(m))
    return _quick_two_sum(s, err + e * _LN2_LO + a[1] / a[0])


# Blocks: up to b rows, categories first, so that each loop over the rows runs in SIMD lanes.
@numba.njit(inline='always')
def _block_size(k):
    """About 4096 elements a block (two of them and the scratch stay in the L2 cache), 16 to 256 rows."""
    return max(16, min(256, (4096 // k) // 8 * 8))


@numba.njit(inline='always')
def _load(src, dst, r0, n):
    """Rows r0 .. r0 + n of src (rows, k) into dst (k, b), as float64; one row of src is every row's.
    src is read through its flat view (a loop without the broadcast test in it: 6-13 % off the kernel)."""
    k = src.shape[1]
    if src.shape[0] == 1:
        for i in range(k):
            v = src[0, i]
            for r in range(n):
                dst[i, r] = v
    else:
        flat = src.reshape(-1)
        base = r0 * k
        for i in range(k):
            for r in range(n):
                dst[i, r] = flat[base + r * k + i]


@numba.njit(inline='always')
def _store(src, dst, r0, n):
    """A block src (k, b) into rows r0 .. r0 + n of dst (rows, k): the inverse of _load."""
    for r in range(n):
        for i in range(src.shape[0]):
            dst[r0 + r, i] = src[i, r]


@numba.njit(inline='always')
def _load_tau(tau, A, r0, n):
    """Each row's tau into A[0] and its log, a pair, into A[1], A[2]; one tau is every row's (its log
    taken once)."""
    if tau.shape[0] == 1:
        hi, lo = _dd_log((tau[0], 0.0))
        for r in range(n):
            A[0, r], A[1, r], A[2, r] = tau[0], hi, lo
    else:
        for r in range(n):
            A[0, r] = tau[r0 + r]
            A[1, r], A[2, r] = _dd_log((A[0, r], 0.0))


@numba.njit(inline='always')
def _off_simplex(y, tol, off, s, n):
    """|sum y - 1| > tol (the NumPy module's _off_simplex; y_i <= 0 makes the value NaN, settled there);
    ``s``: scratch, one per row."""
    for r in range(n):
        s[r] = 0.0
    for i in range(y.shape[0]):
        for r in range(n):
            s[r] += y[i, r]
    for r in range(n):
        off[r] = abs(s[r] - 1.0) > tol


@numba.njit(inline='always')
def _off_simplex_log(log_y, tol, off, s, n):
    """not |log sum exp(log_y)| <= tol (the NumPy module's _off_simplex_log); ``s``: scratch, one per row."""
    for r in range(n):
        s[r] = 0.0
    for i in range(log_y.shape[0]):
        for r in range(n):
            s[r] += _exp(log_y[i, r])
    for r in range(n):
        off[r] = not abs(_log(s[r])) <= tol


@numba.njit(inline='always')
def _beyond_plain(logits, A, limit, off, n):
    """Flag (off[r] = 2) the rows the plain kernels do not take: logits spread over more than _SPREAD or
    beyond +-_OFFSET (or not finite), tau above ``limit`` (see _SPREAD), and tau <= 0 or NaN (a caller
    that could not check it, under a trace, gets its own answer).  The NumPy module takes them."""
    for r in range(n):
        hi, lo = logits[0, r], logits[0, r]
        for i in range(1, logits.shape[0]):
            hi, lo = max(hi, logits[i, r]), min(lo, logits[i, r])
        wide = not (hi - lo <= _SPREAD and max(hi, -lo) <= _OFFSET)
        off[r] = off[r] | (2 if wide or not 0.0 < A[0, r] <= limit else 0)


# @@KERNELS@@

# Kernels with the gradients (codegen.gradients.KERNEL_GRADIENTS): printed by the same printer.

# @@GRADIENTS@@


#: the printed kernel of each density, by the name of its form
KERNELS = {"log_prob": _block_log_prob, "log_prob_from_log": _block_log_prob_from_log,
           "log_prob_exp": _block_log_prob_exp}
#: the printed kernel of each density that also writes d log p / d point, d logits and d tau
GRADIENT_KERNELS = {"log_prob": _block_log_prob_grad, "log_prob_from_log": _block_log_prob_from_log_grad}
#: dtypes the kernels read (others are converted by the NumPy module first)
DTYPES = (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64))


def evaluate(name, point, logits, tau, lgamma_k, tol, limit, threads, pool, gradients=False, outputs=None):
    """Per-row values and flags of the plain kernel ``name`` on 2-d ``point`` (rows, k), ``logits``
    (rows or 1, k), ``tau`` (rows or 1,), float32 or float64, C-contiguous; ``lgamma_k`` log Gamma(k) as
    a double-double pair, ``tol`` the support tolerance, ``limit`` the largest tau of the plain kernel.
    ``flags``: nonzero where the row is off the support, beyond the plain kernel (_beyond_plain) or its
    double-double combination may have lost digits; such rows, and those whose value is not finite, are
    the caller's to evaluate again.  Rows are split over ``threads`` threads of ``pool``.

    With ``gradients`` (``name`` in GRADIENT_KERNELS) also the gradients of each row's value, float64:
    (d/dpoint (rows, k), d/dlogits (rows, k), d/dtau (rows,)), the point's coordinates all free (y, or
    log y for log_prob_from_log); meaningful on the rows not flagged.  ``outputs``: C-contiguous arrays of
    those shapes (float32 or float64) to write the values (and gradients) into, in place of new float64 ones."""
    rows, k = point.shape
    if outputs is None:
        out = numpy.empty(rows)
        grads = (numpy.empty((rows, k)), numpy.empty((rows, k)), numpy.empty(rows)) if gradients else ()
    else:
        out, *grads = outputs
    flags = numpy.empty(rows, numpy.uint8)
    block = GRADIENT_KERNELS[name] if gradients else KERNELS[name]
    parts = max(1, min(threads, rows // 1024))
    bounds = [rows * j // parts for j in range(parts + 1)]
    run = lambda j: block(point, logits, tau, lgamma_k, tol, limit, out, flags, *grads, bounds[j], bounds[j + 1])
    if parts == 1:
        run(0)
    else:
        list(pool.map(run, range(parts)))
    return (out, flags, grads) if gradients else (out, flags)


def flat_rows(point, logits, tau):
    """(point (R, k), logits (R or 1, k), tau (R or 1,) float64, the batch shape) from numpy inputs whose batch
    shapes broadcast: flattened to C-contiguous rows, a logits row or a tau that is every row's kept as one."""
    k = logits.shape[-1]
    batch = numpy.broadcast_shapes(point.shape[:-1], logits.shape[:-1], numpy.shape(tau))
    rows = math.prod(batch)
    p = numpy.ascontiguousarray(numpy.broadcast_to(point, batch + (k,))).reshape(rows, k)
    x = numpy.ascontiguousarray(logits).reshape(1, k) if logits.size == k else numpy.ascontiguousarray(
        numpy.broadcast_to(logits, batch + (k,))).reshape(rows, k)
    t = numpy.asarray(tau, dtype=numpy.float64).reshape(1) if numpy.size(tau) == 1 else numpy.ascontiguousarray(
        numpy.broadcast_to(tau, batch), dtype=numpy.float64).reshape(rows)
    return p, x, t, batch


def run(name, p, x, t, tol, limit, gradients=False, outputs=None):
    """evaluate on rows (as flat_rows gives them) with the NumPy module's log Gamma(k), threads and pool:
    (values (R,), the rows the caller evaluates again (bool (R,): flagged, or a value not finite), the
    gradients (``gradients``; else ())).  ``outputs``: as for evaluate."""
    rows, k = p.shape
    lgamma_k = tuple(0.0 if part is None else float(part) for part in _numpy._dd_lgamma(k))
    threads = _numpy._THREADS if rows * k >= _numpy._PARALLEL_FROM else 1
    values, flags, *grads = evaluate(name, p, x, t, lgamma_k, float(tol), float(limit), threads, _numpy._pool(),
                                     gradients, outputs)
    with numpy.errstate(invalid="ignore"):
        again = flags.view(bool) | ~numpy.isfinite(values)
    return values, again, (grads[0] if grads else ())


def _forced(function):
    def call(*args):
        with _numpy._compiled_always():
            return function(*args)
    call.__name__, call.__qualname__ = function.__name__, function.__name__
    call.__doc__ = (f"gumbel_softmax.numpy.{function.__name__} with its plain rows always on the compiled kernels "
                    "(the NumPy module uses them by itself for large inputs).\n\n" + (function.__doc__ or ""))
    return call


log_prob = _forced(_numpy.log_prob)
log_prob_from_log = _forced(_numpy.log_prob_from_log)
log_prob_exp = _forced(_numpy.log_prob_exp)
