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

GENERATED FILE - do not edit.  Written by `python -m codegen` (codegen/emit.py, SymPy 1.14.0).
Printed from the general forms in codegen/forms.py, checked by `make verify` against the
verified expressions (J28), (8), (1) and the log-space (5) in the claims cg.logits, cg.log, cg.lse, cg.log_prob, cg.log_prob_from_log, cg.log_prob_exp, cg.log_prob_u, cg.sample_log, cg.lgamma, cg.vexp, cg.vlog, cg.dd_log, cg.grad_logits, cg.grad_tau, cg.grad_y, cg.grad_log_y, cg.kernel_gradients, cg.cse.
sha256 of the expressions: 32edc134a5179cc2f8beb4d3ad385b0685b178c56f8f95a2ba02a79f7f9ba417
"""
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
# Double-double arithmetic for the printed ``Exact(...)`` parts of the kernels: a value is an array (or a
# Python int) or a pair (hi, lo) standing for hi + lo; lo None means 0.  Knuth's two-sum and Dekker's
# product keep twice the bits of the compute dtype (~106 in float64, ~48 in float32), so the terms of
# the log-density that cancel do so exactly.  XLA keeps these as written: it does not reassociate float
# arithmetic (no fast-math on CPU; tests/test_backend_jax.py checks the two-sum and the product bit for bit).


def _f32(v):
    """``v`` rounded to float32, as a Python float."""
    return struct.unpack("f", struct.pack("f", v))[0]


def _bits(dtype):
    return 53 if jax.numpy.dtype(dtype) == jax.numpy.float64 else 24


@functools.lru_cache(maxsize=8)
def _constants(bits):
    """(splitter, |a| above which the splitter's product overflows, ln 2 high part with trailing zeros
    so that e * it is exact for any binary exponent e, ln 2 low part, sqrt(1/2)) for a mantissa of ``bits``."""
    half = (bits + 1) // 2
    top = 1024 if bits == 53 else 128
    ln2 = decimal.Decimal(2).ln(decimal.Context(prec=50))
    hi_bits = bits - 12 if bits == 53 else bits - 9
    hi = round(float(ln2) * 2.0 ** hi_bits) / 2.0 ** hi_bits
    lo = float(ln2 - decimal.Decimal(hi))
    if bits == 24:
        lo = _f32(lo)
    return 2.0 ** half + 1.0, 2.0 ** (top - half - 2), hi, lo, 0.7071067811865476


def _pair(v):
    if isinstance(v, tuple):
        return v
    return v, None


def _hi(v):
    """The rounded value of a double-double."""
    return v[0] + v[1] if isinstance(v, tuple) and v[1] is not None else _pair(v)[0]


def _is_number(v):
    return isinstance(v, (int, float))


def _numel(v):
    return 1 if _is_number(v) else v.size


# The error terms have a zero derivative: computed on stop_gradient values, so that autodiff carries
# (and XLA computes) only the derivative of the rounded results.
_stop = jax.lax.stop_gradient


def _two_sum(a, b):
    s = a + b
    a, b, t = _stop(a), _stop(b), _stop(s)
    v = t - a
    return s, (a - (t - v)) + (b - v)


def _quick_two_sum(a, b):
    """For |a| >= |b| (or a == 0)."""
    s = a + b
    return s, _stop(b) - (_stop(s) - _stop(a))


def _split(a):
    """a = hi + lo, each with at most half the mantissa's bits (Veltkamp; scaled by a power of 2 where
    the splitter's product would overflow)."""
    splitter, big, *_ = _constants(_bits(a.dtype))
    scale = 2.0 ** ((_bits(a.dtype) + 3) // 2)
    s = jax.numpy.where(jax.numpy.abs(a) > big, 1.0 / scale, 1.0)
    b = _stop(a) * s
    t = splitter * b
    lo = _stop(a) - (t - (t - b)) / s
    return a - lo, lo


def _split_number(a, bits):
    """A Python integer or float split in Python (exactly) into parts of at most half of ``bits`` bits."""
    if a == 0 or not math.isfinite(a):
        return a, 0
    m, e = math.frexp(a)
    half = (bits + 1) // 2
    hi = math.ldexp(round(m * 2 ** half), e - half)
    return hi, a - hi


def _two_prod(a, b):
    """(p, e) with p + e = a b exactly (Dekker); ``a`` may be a Python number, ``b`` an array."""
    if _is_number(a) and _is_number(b):
        return a * b, None
    p = a * b
    if _is_number(a) and (a == 0 or math.frexp(a)[0] in (0.5, -0.5)):
        return p, None  # a power of 2: exact
    bh, bl = _split(_stop(b))
    if _is_number(a):
        ah, al = _split_number(a, _bits(b.dtype))
    else:
        ah, al = _split(_stop(a))
    e = ah * bh - _stop(p)
    e = e + ah * bl
    if not (_is_number(al) and al == 0):
        e = e + al * bh
        e = e + al * bl
    return p, e


def _dd_add(*terms):
    """Sum of double-double terms: the high parts by two-sums, their errors with the low parts."""
    terms = sorted(terms, key=lambda t: _numel(_pair(t)[0]))  # numbers first: cheap
    hi, err = _pair(terms[0])
    for term in terms[1:]:
        th, tl = _pair(term)
        hi, e = _two_sum(hi, th)
        err = e if err is None else err + e
        if tl is not None:
            err = err + tl
    return (hi, None) if err is None else _quick_two_sum(hi, err)


def _dd_mul(*factors):
    factors = sorted(factors, key=lambda f: _numel(_pair(f)[0]))
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


#: up to this many categories the reductions over a row are unrolled over its k slices: XLA then fuses a
#: whole kernel into one loop over the rows (its reductions along a short axis are ~10x slower)
_UNROLL_UP_TO = 32


def _slices(v, axis):
    """The k slices of ``v`` along ``axis``; ``v`` materialised first (XLA would recompute each element of
    an expensive ``v`` (log, exp) once per use, unvectorised)."""
    v = jax.lax.optimization_barrier(v)
    return [jax.lax.index_in_dim(v, j, axis % v.ndim, keepdims=True) for j in range(v.shape[axis])]


# The unrolled reductions get the derivatives of XLA's own (custom_jvp): the transpose of k slices would
# be k padded copies of the row.
@functools.partial(jax.custom_jvp, nondiff_argnums=(1,))
def _unrolled_sum(v, axis):
    return functools.reduce(jax.numpy.add, _slices(v, axis))


@_unrolled_sum.defjvp
def _unrolled_sum_jvp(axis, primals, tangents):
    return _unrolled_sum(primals[0], axis), jax.numpy.sum(tangents[0], axis=axis, keepdims=True)


@functools.partial(jax.custom_jvp, nondiff_argnums=(1,))
def _unrolled_max(v, axis):
    return functools.reduce(jax.numpy.maximum, _slices(v, axis))


@_unrolled_max.defjvp
def _unrolled_max_jvp(axis, primals, tangents):
    (v,), (t,) = primals, tangents
    top = _unrolled_max(v, axis)
    at = v == top  # ties share the derivative, as jax.numpy.max's
    count = jax.numpy.sum(at, axis=axis, keepdims=True).astype(v.dtype)
    return top, jax.numpy.sum(jax.numpy.where(at, t, 0.0), axis=axis, keepdims=True) / count


@functools.partial(jax.custom_jvp, nondiff_argnums=(1,))
def _cascade(v, axis):
    """Sum2: the two-sum cascade over the slices, (sum, its error); the error's derivative is 0."""
    parts = _slices(v, axis)
    s, err = parts[0], None
    for part in parts[1:]:
        s, e = _two_sum(s, part)
        err = e if err is None else err + e
    return s, err


@_cascade.defjvp
def _cascade_jvp(axis, primals, tangents):
    s, err = _cascade(primals[0], axis)
    return (s, err), (jax.numpy.sum(tangents[0], axis=axis, keepdims=True), jax.numpy.zeros_like(err))


def _row_sum(v, axis):
    if v.shape[axis] > _UNROLL_UP_TO:
        return jax.numpy.sum(v, axis=axis, keepdims=True)
    return _unrolled_sum(v, axis)


def _row_max(v, axis):
    if v.shape[axis] > _UNROLL_UP_TO:
        return jax.numpy.max(v, axis=axis, keepdims=True)
    return _unrolled_max(v, axis)


def _dd_sum(v, axis):
    """Sum along ``axis`` (kept, length 1) as a double-double: for a short row a cascade of two-sums
    (Ogita, Rump and Oishi's Sum2, as accurate as a sum in twice the precision), else Rump, Ogita and
    Oishi's extraction, as the NumPy module (the parts q = (sigma + v) - sigma sum exactly, the rests
    v - q are exact)."""
    hi, lo = _pair(v)
    n = hi.shape[axis]
    if n <= _UNROLL_UP_TO:
        s, err = _cascade(hi, axis)
        if lo is not None:
            err = err + _row_sum(lo, axis)
        return _two_sum(s, err)
    stop = jax.lax.stop_gradient(hi)
    top = jax.numpy.maximum(jax.numpy.max(stop, axis=axis, keepdims=True),
                            -jax.numpy.min(stop, axis=axis, keepdims=True))
    _, e = jax.numpy.frexp(top)
    sigma = jax.numpy.ldexp(jax.numpy.ones((), hi.dtype), e + ((n - 1).bit_length() + 1))
    q = (sigma + hi) - sigma
    rest = jax.numpy.sum(stop - _stop(q), axis=axis, keepdims=True)
    if lo is not None:
        rest = rest + jax.numpy.sum(lo, axis=axis, keepdims=True)
    return _two_sum(jax.numpy.sum(q, axis=axis, keepdims=True), rest)


def _dd_log(v):
    """log of a positive value: e log 2 + log m with m in [sqrt(1/2), sqrt(2)); its derivative 1 / v."""
    hi, lo = _pair(v)
    _, _, ln2_hi, ln2_lo, sqrt_half = _constants(_bits(hi.dtype))
    stop = jax.lax.stop_gradient(hi)
    mant, expo = jax.numpy.frexp(stop)
    low = mant < sqrt_half
    mant = jax.numpy.where(low, mant + mant, mant)
    e = (expo - low).astype(hi.dtype)
    s, err = _two_sum(e * ln2_hi, jax.numpy.log(mant))
    err = err + e * ln2_lo
    # lo / v, and 0 whose derivative is 1 / v (the value above is a constant to autodiff)
    delta = jax.numpy.where(jax.numpy.isfinite(stop), hi - stop, 0.0)
    err = err + ((delta if lo is None else lo + delta) / stop)
    return _quick_two_sum(s, err)


@functools.lru_cache(maxsize=64)
def _dd_lgamma(k):
    """log Gamma(k) = log 2 + ... + log(k - 1) for an integer k >= 2, in decimal at 40 digits, as the pair
    (float32-exact high part, float64 rest): a double-double in either compute dtype."""
    ctx = decimal.Context(prec=40)
    total = sum((decimal.Decimal(j).ln(ctx) for j in range(2, k)), decimal.Decimal(0))
    hi = _f32(float(total))
    return hi, float(total - decimal.Decimal(hi))


def _normal(y):
    """|y| >= the smallest normal number (or NaN, inf): XLA on CPU reads a subnormal input as 0."""
    return ~(jax.numpy.abs(y) < jax.numpy.finfo(y.dtype).tiny)


def _log(y):
    """log y, also of a subnormal y: from its bits, (integer significand) * 2**-1074 (2**-149 in float32)."""
    itype, scale = (jax.numpy.int64, 1074) if _bits(y.dtype) == 53 else (jax.numpy.int32, 149)
    normal = _normal(y)
    m = jax.lax.bitcast_convert_type(jax.lax.stop_gradient(y), itype).astype(y.dtype)
    return jax.numpy.log(jax.numpy.where(normal, y, m)) - jax.numpy.where(normal, 0.0, scale * math.log(2.0))


def _positive(y):
    """y > 0 (subnormals included), from the bits."""
    itype = jax.numpy.int64 if _bits(y.dtype) == 53 else jax.numpy.int32
    return jax.lax.bitcast_convert_type(y, itype) > 0


def _log_ratio(a, b):
    """log(a / b) for a, b > 0 to a few ulp of itself: log1p((a - b) / b) where a / b is in (1/2, 2)
    (a - b is exact there, Sterbenz), log(a / b) elsewhere; a subnormal a or b read from its bits and
    scaled by 2**64 first."""
    itype, scale = (jax.numpy.int64, 1074) if _bits(a.dtype) == 53 else (jax.numpy.int32, 149)

    def scaled(v):
        normal = _normal(v)
        m = jax.lax.bitcast_convert_type(jax.lax.stop_gradient(v), itype).astype(v.dtype) * 2.0 ** (64 - scale)
        return jax.numpy.where(normal, v, m), jax.numpy.where(normal, 0.0, 64.0)

    (a, ea), (b, eb) = scaled(a), scaled(b)
    q = jax.numpy.divide(a, b)
    near = (jax.numpy.abs(q - 1.0) < 0.5) & (ea == eb)
    out = jax.numpy.where(near, jax.numpy.log1p(jax.numpy.divide(a - b, b)), jax.numpy.log(q))
    return out - (ea - eb) * math.log(2.0)


def _argmax(z, axis):
    """The last category where ``z`` is largest in its row (kept axis, for _take)."""
    k = z.shape[axis]
    if k <= _UNROLL_UP_TO:
        parts = _slices(z, axis)
        best, index = parts[0], jax.numpy.zeros(parts[0].shape, jax.numpy.int32)
        for j, part in enumerate(parts[1:], 1):
            better = ~(part < best)  # the last of equal values (a NaN takes the place, as NumPy's -1 does)
            best, index = jax.numpy.where(better, part, best), jax.numpy.where(better, j, index)
        return index
    index = jax.lax.broadcasted_iota(jax.numpy.int32, z.shape, axis % z.ndim)
    top = z == jax.numpy.max(z, axis=axis, keepdims=True)
    return jax.numpy.max(jax.numpy.where(top, index, -1), axis=axis, keepdims=True) % k


def _take(v, index, axis):
    """``v`` at ``index`` along ``axis`` (kept): selects (or a masked sum), which XLA fuses (a gather it does not)."""
    if v.shape[axis] <= _UNROLL_UP_TO:
        return _unrolled_take(v, index, axis)
    return _masked_take(v, index, axis)


def _masked_take(v, index, axis):
    shape = jax.numpy.broadcast_shapes(v.shape, index.shape)
    iota = jax.lax.broadcasted_iota(jax.numpy.int32, shape, axis % len(shape))
    return jax.numpy.sum(jax.numpy.where(iota == index, v, 0.0), axis=axis, keepdims=True)


@functools.partial(jax.custom_jvp, nondiff_argnums=(2,))
def _unrolled_take(v, index, axis):
    parts = _slices(v, axis)
    out = parts[0]
    for j, part in enumerate(parts[1:], 1):
        out = jax.numpy.where(index == j, part, out)
    return jax.numpy.broadcast_to(out, jax.numpy.broadcast_shapes(out.shape, index.shape))


@_unrolled_take.defjvp
def _unrolled_take_jvp(axis, primals, tangents):
    (v, index), (t, _) = primals, tangents
    return _unrolled_take(v, index, axis), _masked_take(t, index, axis)


def _last(v, axis):
    """The last category of ``v`` (kept axis)."""
    return jax.lax.slice_in_dim(v, v.shape[axis] - 1, v.shape[axis], axis=axis % v.ndim)


def _add_rounded(*terms):
    """round(sum of terms): the high parts summed, then the low parts."""
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
#: A density row takes the plain printed forms while its logits lie within +-offset, spread over at most
#: spread, and tau <= tau_y (from y) or tau_pivot (from log y); beyond, the careful forms (double-double
#: exponents), from y at a large tau the log-ratio form; from y with both, the NumPy module (exact
#: arithmetic), as are the rows whose value is not finite inside the support and those whose double-double
#: combination may have lost digits (terms up to k max|atom| cancelling below max(1, |value|) / lost).
#: Per compute dtype (mantissa bits): float64's are the NumPy module's.  float32's (no x64) by measurement
#: against the mpmath reference on bench/accuracy.py's rows: its plain exponents lose 2**-24 |x_i - x_j|,
#: within the bound for a spread up to 16 (the careful kernels beyond); offset: k |x| 2**-48 in the
#: double-double sums; tau_pivot: a pivot of rounded z, 2**-24 tau |log y|.
_LIMITS = {53: dict(spread=_SPREAD, offset=_OFFSET, tau_y=_TAU_Y, tau_pivot=_TAU_PIVOT, lost=2.0 ** 46),
           24: dict(spread=16.0, offset=2.0 ** 16, tau_y=32.0, tau_pivot=2.0 ** 8, lost=2.0 ** 20)}
_PLAIN, _CAREFUL, _RATIO = range(3)
#: per form: (points must be > 0 (y), the limit of tau for the plain kernel)
_FORMS = {"log_prob": (True, "tau_y"), "log_prob_from_log": (False, "tau_pivot"),
          "log_prob_exp": (False, "tau_pivot"), "log_prob_u": (False, None)}


def support_tolerance(dtype):
    """|sum(y) - 1| (or |logsumexp(log_y)|) beyond sqrt(eps(dtype)) is off the simplex: -inf.

    ``dtype``: the point's (y or log_y); integers and booleans count as float64 (as in the NumPy module).
    bfloat16: 8.84e-02; float16: 3.13e-02; float32: 3.45e-04; float64: 1.49e-08.
    """
    dtype = jax.numpy.dtype(dtype)
    floating = jax.numpy.issubdtype(dtype, jax.numpy.floating)
    return math.sqrt(float(jax.numpy.finfo(dtype).eps) if floating else 2.0 ** -52)


def _compute_dtype():
    """float64 under x64 (jax_enable_x64), float32 otherwise."""
    return jax.numpy.dtype(jax.dtypes.canonicalize_dtype(jax.numpy.float64))


def _out_dtype(*arrays):
    """JAX's result type of the inputs when it is a float (bfloat16 to float64), else the default float."""
    dtype = jax.numpy.result_type(*arrays)
    return jax.numpy.dtype(dtype) if jax.numpy.issubdtype(dtype, jax.numpy.floating) else _compute_dtype()


def _widen(a, dtype):
    """``a`` in ``dtype``; float32 to float64 from the bits where a is subnormal (XLA on CPU reads a
    subnormal input as 0, also in a conversion)."""
    if a.dtype != jax.numpy.float32 or dtype != jax.numpy.float64:
        return a.astype(dtype)
    bits = jax.lax.bitcast_convert_type(a, jax.numpy.int32)
    tiny = ((bits & 0x7F800000) == 0) & ((bits & 0x7FFFFF) != 0)
    value = (bits & 0x7FFFFF).astype(dtype) * 2.0 ** -149
    return jax.numpy.where(tiny, jax.numpy.where(bits < 0, -value, value), a.astype(dtype))


def _concrete(*arrays):
    return not any(isinstance(a, jax.core.Tracer) for a in arrays)


def _array(name, value):
    if isinstance(value, jax.Array) or isinstance(value, jax.core.Tracer):
        a = value
    else:
        try:
            a = jax.numpy.asarray(value)
        except Exception as exc:  # ragged lists, objects
            raise ValueError(f"{name}: not an array ({exc})") from None
    if a.dtype == bool or not (jax.numpy.issubdtype(a.dtype, jax.numpy.integer)
                               or jax.numpy.issubdtype(a.dtype, jax.numpy.floating)):
        if a.dtype != bool:
            raise ValueError(f"{name}: need a real numeric array, got dtype {a.dtype}")
    return a


def _eager(fn, *arrays):
    """fn(*arrays) (Python bools) evaluated now, also inside a caller's jit for arrays the caller closed
    over; None where an array is traced: a value check that cannot be decided at trace time."""
    if not _concrete(*arrays):
        return None
    with jax.ensure_compile_time_eval():
        return fn(*arrays)


def _tau(tau):
    t = _array("tau", tau).astype(_compute_dtype())
    good = _eager(lambda a: bool(_good_tau(a)), t)
    if good is not None and not bool(good):
        raise ValueError(f"tau: the temperature must be finite and > 0 (in {t.dtype}, the compute dtype)")
    return t


@jax.jit
def _good_tau(t):
    return jax.numpy.all((t > 0) & (t < jax.numpy.inf))


def _logits(logits):
    return _categories(_array("logits", logits))


@jax.jit
def _logit_rows(x):
    """(rows with a NaN, rows that define no distribution: every logit -inf or two +inf)."""
    nan = jax.numpy.isnan(x).any(-1)
    plus = jax.numpy.isposinf(x).sum(-1)
    return nan, ~nan & ((plus >= 2) | jax.numpy.isneginf(x).all(-1))


def _check_logits(x, sampler=False):
    rows = _eager(lambda a: tuple(bool(r.any()) for r in _logit_rows(a)), x)
    if rows is None:
        return
    nan, undefined = rows
    if undefined:
        raise ValueError("logits: a row with every logit -inf (no category has positive probability) or "
                         "with two or more +inf (their shares are undefined) defines no distribution")
    if sampler and nan:
        raise ValueError("logits: NaN (no distribution to sample)")


def _batch(names, *shapes):
    try:
        return jax.numpy.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"{names}: batch shapes {', '.join(map(str, shapes))} do not broadcast") from None


def _per_row(a):
    if isinstance(a, tuple):
        return tuple(None if part is None else _per_row(part) for part in a)
    return a[..., 0]


def _run(kernel, p, x, t, k):
    """The printed (rows, combine) kernel on per-row arrays: (value, rows where digits may be lost)."""
    rows, combine = kernel
    if t is None:
        atoms = [_per_row(a) for a in rows(p, x, k, -1)]
        value = combine(*atoms, k)
    else:
        atoms = [_per_row(a) for a in rows(p, x, t[..., None], k, -1)]
        value = combine(*atoms, t, k)
    his = [jax.numpy.abs(a[0]) for a in atoms if isinstance(a, tuple)]
    scale = functools.reduce(jax.numpy.maximum, his)
    lost = k * scale > _LIMITS[_bits(value.dtype)]["lost"] * jax.numpy.maximum(1.0, jax.numpy.abs(value))
    return value, lost


def _kernels(form):
    names = {_PLAIN: form, _CAREFUL: form + "_careful", _RATIO: form + "_ratio"}
    found = {c: (globals().get(f"_rows_{n}"), globals().get(f"_combine_{n}")) for c, n in names.items()}
    return {c: kern for c, kern in found.items() if kern[0] is not None}


@functools.lru_cache(maxsize=1)
def _libm():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
    except OSError:
        return None


@contextlib.contextmanager
def _default_fp_environment():
    """XLA on CPU runs with subnormals flushed to zero (MXCSR FTZ / DAZ), also in a callback: the NumPy
    module runs with glibc's default floating-point environment there (Linux; elsewhere as it is)."""
    libm = _libm()
    if libm is None:
        yield
        return
    saved = ctypes.create_string_buffer(128)
    libm.fegetenv(saved)
    libm.fesetenv(ctypes.c_void_p(-1))  # FE_DFL_ENV
    try:
        yield
    finally:
        libm.fesetenv(saved)


def _numpy_rows(form, with_tau, point, x, *tau):
    """The NumPy module's value of the rare rows (the whole batch, float64 inside), in the compute dtype."""
    from .numpy import log_prob, log_prob_exp, log_prob_from_log, log_prob_u
    function = {"log_prob": log_prob, "log_prob_from_log": log_prob_from_log, "log_prob_exp": log_prob_exp,
                "log_prob_u": log_prob_u}[form]
    with _default_fp_environment():
        out = function(point, x, *tau)
        return out.astype(point.dtype).reshape(out.shape)


#: a chunk holds about this many elements: its temporaries stay in the cache (XLA materialises whole
#: arrays between its fusions, and writing fresh memory costs more than the arithmetic)
_CHUNK = 1 << 14


@functools.partial(jax.jit, static_argnames=("form", "tol", "odtype"))
def _density_core(point, x, t, form, tol, odtype):
    """The batch in chunks of rows (jax.lax.map: a loop XLA compiles once, and whose gradient is one)."""
    k = x.shape[-1]
    batch = jax.numpy.broadcast_shapes(point.shape[:-1], x.shape[:-1], () if t is None else t.shape)
    rows = math.prod(batch)
    size = max(1, _CHUNK // k)
    if rows < 2 * size:
        return _density_rows(point, x, t, form, tol).astype(odtype)
    flat = [jax.numpy.broadcast_to(a, batch + (k,)).reshape(rows, k) for a in (point, x)]
    if t is not None:
        flat.append(jax.numpy.broadcast_to(t, batch).reshape(rows))
    # chunks of equal size (a divisor of the rows near the target, else the last padded with row 0)
    size = next((d for d in range(size, size // 2, -1) if rows % d == 0), size)
    n = -(-rows // size)
    if n * size != rows:
        flat = [jax.numpy.concatenate([a, jax.numpy.broadcast_to(a[:1], (n * size - rows,) + a.shape[1:])]) for a in flat]
    chunks = [a.reshape((n, size) + a.shape[1:]) for a in flat]

    def chunk(parts):
        return _density_rows(*parts, *([None] if t is None else []), form, tol)

    out = jax.lax.map(chunk, chunks)
    return out.reshape(-1)[:rows].reshape(batch).astype(odtype)


def _density_rows(point, x, t, form, tol):
    positive, limit_key = _FORMS[form]
    kernels, k = _kernels(form), x.shape[-1]
    lim = _LIMITS[_bits(point.dtype)]
    inf = jax.numpy.inf
    batch = jax.numpy.broadcast_shapes(point.shape[:-1], x.shape[:-1], () if t is None else t.shape)
    # the logits: NaN rows NaN, a zero in pi -inf, undefined rows (under jit only) NaN
    xnan, undefined = _logit_rows(x)
    finite = jax.numpy.isfinite(x)
    zero = ~xnan & ~finite.all(-1)
    xs = jax.numpy.where(finite, x, 0.0)
    bad = undefined
    if t is not None:
        tbad = ~((t > 0) & (t < inf))
        ts, bad = jax.numpy.where(tbad, 1.0, t), bad | tbad
    else:
        ts = None
    # the point: NaN in, off the support (the double-where: such rows are evaluated at a safe point)
    pnan = jax.numpy.isnan(point).any(-1)
    inside = (jax.numpy.isfinite(point) & _positive(point) if positive else jax.numpy.isfinite(point)).all(-1)
    if form == "log_prob":
        inside &= ~(jax.numpy.abs(jax.numpy.sum(point, -1) - 1) > tol)
    elif form != "log_prob_u":
        inside &= jax.numpy.abs(jax.numpy.log(jax.numpy.sum(jax.numpy.exp(point), -1))) <= tol
    good = ~pnan & inside
    safe = 1.0 / k if positive else (0.0 if form == "log_prob_u" else -math.log(k))
    ps = jax.numpy.where(good[..., None], point, safe)
    # which kernel: plain unless the logits are wide or tau beyond the plain kernel's limit
    wide = (jnp_spread(xs) > lim["spread"]) | (jax.numpy.max(jax.numpy.abs(xs), -1) > lim["offset"])
    big = False if limit_key is None else ts > lim[limit_key]
    other = (wide | big) if _CAREFUL in kernels else jax.numpy.zeros((), bool)
    exact = (wide & big) if _RATIO in kernels else jax.numpy.zeros((), bool)

    def plain():
        return tuple(jax.numpy.broadcast_to(v, batch) for v in _run(kernels[_PLAIN], ps, xs, ts, k))

    def careful():
        # every row by the careful kernel (from y at a large tau the log-ratio one): within the bounds of
        # the plain one where both apply, so one kernel serves a batch with any rare row
        v1, l1 = _run(kernels[_CAREFUL], ps, xs, ts, k)
        if _RATIO in kernels:
            v2, l2 = _run(kernels[_RATIO], *at(big), k)
            v1, l1 = jax.numpy.where(big, v2, v1), jax.numpy.where(big, l2, l1)
        return tuple(jax.numpy.broadcast_to(v, batch) for v in (v1, l1))

    def at(rows):
        """The inputs where ``rows``, a safe point elsewhere (no NaN in a gradient that where discards)."""
        rows = jax.numpy.broadcast_to(rows, batch)
        pb, xb = (jax.numpy.broadcast_to(a, batch + (k,)) for a in (ps, xs))
        return (jax.numpy.where(rows[..., None], pb, safe), jax.numpy.where(rows[..., None], xb, 0.0),
                jax.numpy.where(rows, jax.numpy.broadcast_to(ts, batch), 1.0))

    if _CAREFUL not in kernels:
        value, lost = plain()
    else:
        value, lost = jax.lax.cond(jax.numpy.any(other), careful, plain)
    rare = good & ~zero & ~xnan & ~bad & (exact | lost | ~jax.numpy.isfinite(value))
    stop = jax.lax.stop_gradient

    def callback():
        pc = point[..., :-1] if form == "log_prob_u" else point  # NumPy's log_prob_u takes u (..., k-1)
        args = [jax.numpy.broadcast_to(stop(pc), batch + pc.shape[-1:]),
                jax.numpy.broadcast_to(stop(jax.numpy.where(undefined[..., None], 0.0, x)), batch + (k,))]
        if t is not None:
            args.append(jax.numpy.broadcast_to(stop(ts), batch))
        return jax.pure_callback(functools.partial(_numpy_rows, form, t is not None),
                                 jax.ShapeDtypeStruct(batch, value.dtype), *args, vmap_method="broadcast_all")

    slow = jax.lax.cond(jax.numpy.any(rare), callback, lambda: jax.numpy.zeros(batch, value.dtype))
    # the value from NumPy, the gradient from the JAX kernel
    vf = jax.numpy.where(jax.numpy.isfinite(value), value, 0.0)
    value = jax.numpy.where(rare, stop(slow) + (vf - stop(vf)), value)
    out = jax.numpy.where(good, value, -inf)
    out = jax.numpy.where(zero, -inf, out)
    return jax.numpy.where(xnan | pnan | bad, jax.numpy.nan, out)


def jnp_spread(x):
    return jax.numpy.max(x, -1) - jax.numpy.min(x, -1)


def _density(form, name, point, logits, tau, what="k"):
    """Validation, dtypes and the jitted evaluation of one density."""
    x = _logits(logits)
    p = _array(name, point)
    _last_axis(name, p, x.shape[-1] - (1 if what == "k-1" else 0), what)
    t = None if tau is None else _tau(tau)
    names = f"{name}, logits" + ("" if t is None else ", tau")
    _batch(names, p.shape[:-1], x.shape[:-1], *(() if t is None else (t.shape,)))
    _check_logits(x)
    odtype, cd = _out_dtype(p, x), _compute_dtype()
    tol = support_tolerance(p.dtype)
    fast = None if t is None else _density_compiled(p, x, t, form, tol, odtype)
    if fast is not None:
        return fast
    p, x = _widen(p, cd), x.astype(cd)
    if form == "log_prob_u":  # u_k = 0
        shape = jax.numpy.broadcast_shapes(p.shape[:-1], x.shape[:-1])
        p = jax.numpy.concatenate([jax.numpy.broadcast_to(p, shape + p.shape[-1:]), jax.numpy.zeros(shape + (1,), cd)], -1)
    return _density_core(p, x, t, form=form, tol=tol, odtype=odtype)
try:  # XLA's buffers in place: no copy of the inputs or the results (JAX 0.7 and later)
    from jax.experimental.buffer_callback import buffer_callback as _buffer_callback
except ImportError:  # jax.pure_callback copies them
    _buffer_callback = None


def use_compiled(mode):
    """Whether large CPU inputs run on the compiled kernels (gumbel_softmax.numba, pip install
    'gsverify[compiled]'): the one switch of every backend, gumbel_softmax.numpy.use_compiled ("auto", the
    default, or "never"; also the environment variable GUMBEL_SOFTMAX_COMPILED).  Returns the previous
    mode; raises ValueError naming ``mode`` for anything else."""
    from . import numpy as _np
    return _np.use_compiled(mode)


def _compiled_module(size):
    """gumbel_softmax.numba where it takes an input of ``size`` elements: the CPU backend and the NumPy
    module's _compiled_for (its mode, threshold and numba), else None."""
    from . import numpy as _np
    return _np._compiled_for(size) if jax.default_backend() == "cpu" else None


def _compiled_rows(form, wanted, tol, limit, point, x, t):
    """The host side for jax.pure_callback (numpy arrays, any leading batch axes): new arrays of the values,
    the flagged rows NaN, then with ``wanted`` the gradients d/dpoint, d/dlogits (batch + (k,)), d/dtau
    (batch), 0 on the flagged rows."""
    import numpy
    point, x, t = (numpy.asarray(a) for a in (point, x, t))
    batch = numpy.broadcast_shapes(point.shape[:-1], x.shape[:-1], t.shape)
    k = x.shape[-1]
    dtypes = (point.dtype, point.dtype, x.dtype, t.dtype)[:4 if wanted else 1]
    shapes = (batch, batch + (k,), batch + (k,), batch)
    outs = tuple(numpy.empty(shape, dtype) for shape, dtype in zip(shapes, dtypes))
    _compiled_fill(form, wanted, tol, limit, point, x, t, outs)
    return outs


def _compiled_buffers(form, wanted, tol, limit, ctx, outs, point, x, t):
    """The host side for jax.experimental.buffer_callback: the same, written into XLA's own buffers (no copy
    of the inputs or the results)."""
    import numpy
    _compiled_fill(form, wanted, tol, limit, *(numpy.asarray(a) for a in (point, x, t)),
                   tuple(numpy.asarray(o) for o in outs))


def _compiled_fill(form, wanted, tol, limit, point, x, t, outs):
    """The compiled kernels write the values (the flagged rows NaN) and gradients (0 there) into ``outs``."""
    import numpy
    from . import numpy as _np
    module = _np._compiled_module()
    p, xs, ts, batch = module.flat_rows(point, x, t)
    rows = p.shape[0]
    # the kernels write into the outputs (rows flattened: views of the C-contiguous buffers)
    flat = [o.reshape((rows,) + o.shape[len(batch):]) for o in outs]
    if not all(f.flags.c_contiguous and numpy.shares_memory(f, o) for f, o in zip(flat, outs)):
        raise AssertionError("compiled path: an output buffer is not C-contiguous")
    with _default_fp_environment():
        _, again, _ = module.run(form, p, xs, ts, tol, limit, gradients=wanted, outputs=flat)
    if again.any():
        flat[0][again] = numpy.nan
        for g in flat[1:]:
            g[again] = 0.0


@functools.partial(jax.custom_jvp, nondiff_argnums=(0, 1, 2))
def _compiled_call(form, tol, limit, point, x, t):
    """log p (batch) from the compiled kernel; the rows it flags from _density_core (the whole batch, in a
    lax.cond: only when a row is flagged).  Its derivative (jvp, so jax.grad, jax.jvp, jacrev and jacfwd
    all work, first order): the kernel's gradients, _density_core's on the flagged rows."""
    value = _compiled_callback(form, False, tol, limit, point, x, t)[0]
    again = jax.numpy.isnan(value)
    core = lambda: jax.numpy.where(again, _core_widened(point, x, t, form, tol, value.dtype), value)
    return jax.lax.cond(jax.numpy.any(again), core, lambda: value)


@_compiled_call.defjvp
def _compiled_jvp(form, tol, limit, primals, tangents):
    value, gp, gx, gt = _compiled_gradients(form, tol, limit, *primals)
    dp, dx, dt = tangents
    tangent = jax.numpy.sum(gp * dp, -1) + jax.numpy.sum(gx * dx, -1) + gt * dt
    return value, tangent.astype(value.dtype)


@functools.partial(jax.custom_jvp, nondiff_argnums=(0, 1, 2))
def _compiled_gradients(form, tol, limit, point, x, t):
    """(log p (batch), d/dpoint, d/dlogits (batch + (k,)), d/dtau (batch)) from the compiled kernel; the rows
    it flags from _core_gradients (in a lax.cond: only when a row is flagged).  Its own derivative (second
    order: jax.hessian) is _core_gradients': this module's kernels, differentiable to any order."""
    value, *grads = _compiled_callback(form, True, tol, limit, point, x, t)
    again = jax.numpy.isnan(value)

    def core():
        fixed = _core_gradients(form, tol, value.dtype, tuple(g.shape for g in grads), point, x, t)
        return tuple(jax.numpy.where(again.reshape(again.shape + (1,) * (g.ndim - again.ndim)), f, g).astype(g.dtype)
                     for f, g in zip(fixed, (value, *grads)))

    return jax.lax.cond(jax.numpy.any(again), core, lambda: (value, *grads))


@_compiled_gradients.defjvp
def _compiled_gradients_jvp(form, tol, limit, primals, tangents):
    out = _compiled_gradients(form, tol, limit, *primals)
    shapes = tuple(g.shape for g in out[1:])
    _, moved = jax.jvp(functools.partial(_core_gradients, form, tol, out[0].dtype, shapes), primals, tangents)
    return out, tuple(m.astype(o.dtype) for m, o in zip(moved, out))


def _core_gradients(form, tol, odtype, shapes, point, x, t):
    """Each row's value and gradients from _density_core: the inputs broadcast to the gradients' ``shapes``,
    so that the pullback of ones gives each row its own (the rows are independent)."""
    wide = [jax.numpy.broadcast_to(a, shape) for a, shape in zip((point, x, t), shapes)]
    v, pull = jax.vjp(lambda *a: _core_widened(*a, form, tol, odtype), *wide)
    return (v, *pull(jax.numpy.ones_like(v)))


def _compiled_callback(form, wanted, tol, limit, point, x, t):
    """The host's _compiled_rows through jax.pure_callback; each input given the batch's rank first (ones in
    front), so that the axes vmap puts in front of all of them (broadcast_all) line up on the host."""
    batch = jax.numpy.broadcast_shapes(point.shape[:-1], x.shape[:-1], t.shape)
    point, x = (a.reshape((1,) * (len(batch) + 1 - a.ndim) + a.shape) for a in (point, x))
    t = t.reshape((1,) * (len(batch) - t.ndim) + t.shape)
    shapes = [jax.ShapeDtypeStruct(batch, point.dtype)]
    if wanted:
        shapes += [jax.ShapeDtypeStruct(batch + x.shape[-1:], a.dtype) for a in (point, x)]
        shapes.append(jax.ShapeDtypeStruct(batch, t.dtype))
    if _buffer_callback is not None:
        call = _buffer_callback(functools.partial(_compiled_buffers, form, wanted, tol, limit), tuple(shapes),
                                vmap_method="broadcast_all")
        return call(point, x, t)
    return jax.pure_callback(functools.partial(_compiled_rows, form, wanted, tol, limit), tuple(shapes),
                             point, x, t, vmap_method="broadcast_all")


def _core_widened(point, x, t, form, tol, odtype):
    """_density_core on the inputs as _density hands them to it (in the compute dtype)."""
    cd = _compute_dtype()
    return _density_core(_widen(point, cd), x.astype(cd), t, form=form, tol=tol, odtype=odtype)


def _density_compiled(point, x, t, form, tol, odtype):
    """log_prob or log_prob_from_log on the compiled kernels where they take the input (_compiled_module;
    float32 or float64, read as they are: a float32 input is not widened first), else None.  log_prob_exp stays on this module's kernels: a trace cannot tell
    whether its gradient will be wanted, and the kernels have none for it."""
    k = x.shape[-1]
    batch = jax.numpy.broadcast_shapes(point.shape[:-1], x.shape[:-1], t.shape)
    floats = (jax.numpy.float32, jax.numpy.float64)
    if form not in ("log_prob", "log_prob_from_log") or point.dtype not in floats or x.dtype not in floats:
        return None
    if _compiled_module(math.prod(batch) * k) is None:
        return None
    limit = float(_LIMITS[53][_FORMS[form][1]])  # the kernels compute in float64
    if point.dtype != x.dtype:
        point, x = (a.astype(jax.numpy.promote_types(point.dtype, x.dtype)) for a in (point, x))
    return _compiled_call(form, float(tol), limit, point, x, t).astype(odtype)
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


def _size(size):
    """numpy.random's ``size``: None (as ()), an integer n (as (n,)) or a sequence of integers."""
    def dim(d):
        if isinstance(d, bool) or getattr(d, "dtype", None) == bool:
            raise TypeError
        return operator.index(d)
    try:
        if size is None:
            dims = ()
        elif getattr(size, "ndim", None) == 0 or not hasattr(size, "__len__") and not hasattr(size, "__iter__"):
            dims = (dim(size),)
        else:
            dims = tuple(dim(d) for d in size)
    except (TypeError, ValueError):
        raise ValueError(f"size: need None, an integer or a sequence of integers, got {size!r}") from None
    if any(d < 0 for d in dims):
        raise ValueError(f"size: negative dimensions are not allowed, got {size!r}")
    return dims


def _key(rng):
    """A JAX PRNG key from ``rng``: a key (jax.random.key, or a legacy uint32[2] jax.random.PRNGKey) or an
    integer seed >= 0."""
    if rng is None:
        raise ValueError("rng: JAX has no global random state: pass a key (jax.random.key(seed)) or an "
                         "integer seed")
    dtype = getattr(rng, "dtype", None)
    if dtype is not None and jax.numpy.issubdtype(dtype, jax.dtypes.prng_key):
        if rng.shape != ():
            raise ValueError(f"rng: need a single key, got an array of keys of shape {rng.shape}")
        return rng
    if dtype is not None and dtype == jax.numpy.uint32 and getattr(rng, "shape", None) == (2,):
        return rng  # a legacy raw key
    if not isinstance(rng, bool) and dtype != bool:
        try:
            seed = operator.index(rng)
        except TypeError:
            seed = None
        if seed is not None and seed >= 0:
            return jax.random.key(seed)
    raise ValueError(f"rng: need a JAX PRNG key (jax.random.key(seed), or a uint32[2] PRNGKey) or an "
                     f"integer seed >= 0, got {rng!r}")


@functools.partial(jax.jit, static_argnames=("shape", "odtype", "exp"))
def _sample_core(key, x, t, shape, odtype, exp):
    k = x.shape[-1]
    inf = jax.numpy.inf
    nan, undefined = _logit_rows(x)
    pos = jax.numpy.isposinf(x)
    one = pos.sum(-1) == 1
    # a single +inf logit: the degenerate sample, its vertex (the same pi as 0 there, -inf elsewhere)
    x = jax.numpy.where(one[..., None], jax.numpy.where(pos, 0.0, -inf), x)
    g = jax.random.gumbel(key, shape, x.dtype)
    tb = jax.numpy.broadcast_to(t, shape[:-1])
    # logits spread beyond the range (v - max v may overflow where (v - max v) / tau does not, tau > 1):
    # logits, noise and tau halved, exact in binary, the same quotient
    finite = jax.numpy.isfinite(x)
    spread = (jax.numpy.max(jax.numpy.where(finite, x, -inf), -1)
              - jax.numpy.min(jax.numpy.where(finite, x, inf), -1))
    top = jax.numpy.finfo(x.dtype).maxexp - 2
    half = jax.numpy.where((spread >= 2.0 ** top) & (tb > 1), 0.5, 1.0)[..., None]
    out = _kernel_sample_log(x * half, g * half, tb[..., None] * half, k, -1)
    # a subnormal tau (XLA on CPU reads it as 0): the NumPy module's printed kernel on the same draws
    tiny = _positive(tb) & ~_normal(tb)

    def callback():
        args = [jax.lax.stop_gradient(jax.numpy.broadcast_to(a, s)) for a, s in ((x, shape), (g, shape), (tb, shape[:-1]))]
        return jax.pure_callback(_numpy_sample, jax.ShapeDtypeStruct(shape, x.dtype), *args, vmap_method="broadcast_all")

    slow = jax.lax.cond(jax.numpy.any(tiny), callback, lambda: jax.numpy.zeros(shape, x.dtype))
    finite = jax.numpy.where(jax.numpy.isfinite(out), out, 0.0)
    out = jax.numpy.where(tiny[..., None], jax.lax.stop_gradient(slow) + (finite - jax.lax.stop_gradient(finite)), out)
    # rows with no distribution, or a tau that is not finite and > 0 (traced: a check that could not raise)
    bad = (nan | undefined | ~(_positive(tb) & (tb < inf)))[..., None]
    out = jax.numpy.exp(out) if exp else out
    return jax.numpy.where(bad, jax.numpy.nan, out).astype(odtype)   # after exp: XLA's float32 exp(NaN) is not NaN


def _numpy_sample(x, g, t):
    from .numpy import _kernel_sample_log, numpy
    with _default_fp_environment(), numpy.errstate(all="ignore"):
        return _kernel_sample_log(x, g, t[..., None], x.shape[-1], -1).astype(x.dtype)


def _sample(logits, tau, size, rng, exp):
    x = _logits(logits)
    t = _tau(tau)
    shape, key = _size(size), _key(rng)
    batch = _batch("logits, tau", x.shape[:-1], t.shape)
    _check_logits(x, sampler=True)
    odtype, cd = _out_dtype(x), _compute_dtype()
    return _sample_core(key, x.astype(cd), t, shape=shape + batch + x.shape[-1:], odtype=odtype, exp=exp)


def rsample_log(logits, tau, size=None, rng=None):
    """log y for y ~ GumbelSoftmax(logits, tau), Jang et al. (1): log softmax((logits + g) / tau), g
    standard Gumbel, evaluated as (v - max v) / tau - log sum exp(...), v = logits + g; reparameterised:
    differentiable w.r.t. logits and tau (jax.grad), the noise g held fixed.

    ``logits`` (..., k), ``tau`` > 0 a scalar or an array; batch = broadcast(logits.shape[:-1], tau.shape).
    ``size``: None or () (one draw per distribution), an int n, or a tuple; the result has shape size +
    batch + (k,).  ``rng``: a JAX PRNG key (jax.random.key(seed), or a legacy uint32[2]
    jax.random.PRNGKey(seed)) or an integer seed; JAX has no global random state, so None raises.  The
    same key gives the same draws.  dtype: that of logits if a float (bfloat16 to float64), else the
    default float; computed in float64 under x64, else float32.  Values: log-probabilities of the
    categories, a point of the simplex (exp of them may underflow to 0 at a low tau: use
    log_prob_from_log).  A -inf logit (masked) gives -inf there; a single +inf logit the degenerate sample
    (0 there, -inf elsewhere), a vertex.  Raises ValueError naming the argument for tau <= 0 or not finite,
    NaN logits, a row of logits all -inf or with two +inf, k < 2, batch shapes that do not broadcast, a
    size numpy.random would not take, and an rng that is neither a key nor a seed; under jax.jit such
    value checks cannot raise: the row is NaN.  Works under jax.jit and jax.vmap.
    """
    return _sample(logits, tau, size, rng, False)


def rsample(logits, tau, size=None, rng=None):
    """y ~ GumbelSoftmax(logits, tau) on the simplex: exp(rsample_log(...)), the same arguments, shape and
    dtype (exp taken in the compute dtype, then rounded), reparameterised (differentiable w.r.t. logits
    and tau).  At a low tau entries may underflow to exactly 0 (off the open simplex, so log_prob gives
    -inf there); rsample_log with log_prob_from_log avoids that.
    """
    return _sample(logits, tau, size, rng, True)


def sample_log(logits, tau, size=None, rng=None):
    """rsample_log's draws without their gradient (jax.lax.stop_gradient: as torch's sample); the same
    arguments, shapes, dtypes, values and errors."""
    return jax.lax.stop_gradient(rsample_log(logits, tau, size, rng))


def sample(logits, tau, size=None, rng=None):
    """rsample's draws without their gradient (jax.lax.stop_gradient); the same arguments, shapes,
    dtypes, values and errors."""
    return jax.lax.stop_gradient(rsample(logits, tau, size, rng))


# Kernels: printed by codegen.backends.jax.printer.JaxRowPrinter.

def _rows_log_prob(y, logits, tau, k, axis):
    t0 = _log(y)
    t3 = _argmax(jax.numpy.subtract(logits, jax.numpy.multiply(t0, tau)), axis)
    t4 = _take(t0, t3, axis)
    t5 = _take(logits, t3, axis)
    return _dd_sum(t0, axis), t4, t5, _dd_sum(jax.numpy.exp(jax.numpy.subtract(jax.numpy.subtract(logits, t5), jax.numpy.multiply(tau, jax.numpy.subtract(t0, t4)))), axis), _dd_sum(logits, axis),


def _combine_log_prob(a0, a1, a2, a3, a4, tau, k):
    return _hi(_dd_add(_dd_mul(-1, a0), _dd_mul(-1, a2, k), a4, _dd_mul(-1, k, _dd_log(a3)), _dd_mul(tau, _dd_add(_dd_mul(-1, a0), _dd_mul(a1, k))), _dd_mul(k - 1, _dd_log(tau)), _dd_lgamma(k)))


def _rows_log_prob_from_log(log_y, logits, tau, k, axis):
    t2 = _argmax(jax.numpy.subtract(logits, jax.numpy.multiply(tau, log_y)), axis)
    t3 = _take(log_y, t2, axis)
    t4 = _take(logits, t2, axis)
    return _dd_sum(log_y, axis), t3, t4, _dd_sum(jax.numpy.exp(jax.numpy.subtract(jax.numpy.subtract(logits, t4), jax.numpy.multiply(tau, jax.numpy.subtract(log_y, t3)))), axis), _dd_sum(logits, axis),


def _combine_log_prob_from_log(a0, a1, a2, a3, a4, tau, k):
    return _hi(_dd_add(_dd_mul(-1, a0), _dd_mul(-1, a2, k), a4, _dd_mul(-1, k, _dd_log(a3)), _dd_mul(tau, _dd_add(_dd_mul(-1, a0), _dd_mul(a1, k))), _dd_mul(k - 1, _dd_log(tau)), _dd_lgamma(k)))


def _rows_log_prob_u(u, logits, k, axis):
    t0 = _dd_add(_dd_mul(-1, _row_max(jax.numpy.subtract(logits, u), axis)), logits, _dd_mul(-1, u))
    return _dd_sum(jax.numpy.exp(_hi(t0)), axis), _dd_sum(t0, axis),


def _combine_log_prob_u(a0, a1, k):
    return _hi(_dd_add(a1, _dd_mul(-1, k, _dd_log(a0)), _dd_lgamma(k)))


def _kernel_sample_log(logits, gumbel, tau, k, axis):
    t0 = jax.numpy.add(gumbel, logits)
    t1 = jax.numpy.divide(jax.numpy.subtract(t0, _row_max(t0, axis)), tau)
    return jax.numpy.subtract(t1, _log(_row_sum(jax.numpy.exp(t1), axis)))


def _rows_log_prob_careful(y, logits, tau, k, axis):
    t0 = _log(y)
    t3 = _argmax(jax.numpy.subtract(logits, jax.numpy.multiply(t0, tau)), axis)
    t4 = _dd_add(_dd_mul(-1, tau, _dd_add(t0, _dd_mul(-1, _take(t0, t3, axis)))), _dd_mul(-1, _take(logits, t3, axis)), logits)
    t5 = _row_max(_hi(t4), axis)
    return _dd_sum(t0, axis), t5, _dd_sum(jax.numpy.exp(jax.numpy.subtract(_hi(t4), t5)), axis), _dd_sum(t4, axis),


def _combine_log_prob_careful(a0, a1, a2, a3, tau, k):
    return _hi(_dd_add(_dd_mul(-1, a0), a3, _dd_mul(-1, k, _dd_add(a1, _dd_log(a2))), _dd_mul(k - 1, _dd_log(tau)), _dd_lgamma(k)))


def _rows_log_prob_from_log_careful(log_y, logits, tau, k, axis):
    t2 = _argmax(jax.numpy.subtract(logits, jax.numpy.multiply(tau, log_y)), axis)
    t3 = _dd_add(_dd_mul(-1, tau, _dd_add(_dd_mul(-1, _take(log_y, t2, axis)), log_y)), _dd_mul(-1, _take(logits, t2, axis)), logits)
    t4 = _row_max(_hi(t3), axis)
    return _dd_sum(log_y, axis), t4, _dd_sum(jax.numpy.exp(jax.numpy.subtract(_hi(t3), t4)), axis), _dd_sum(t3, axis),


def _combine_log_prob_from_log_careful(a0, a1, a2, a3, tau, k):
    return _hi(_dd_add(_dd_mul(-1, a0), a3, _dd_mul(-1, k, _dd_add(a1, _dd_log(a2))), _dd_mul(k - 1, _dd_log(tau)), _dd_lgamma(k)))


def _rows_log_prob_ratio(y, logits, tau, k, axis):
    t0 = _log(y)
    t3 = _argmax(jax.numpy.subtract(logits, jax.numpy.multiply(t0, tau)), axis)
    t4 = _dd_add(_dd_mul(-1, tau, _log_ratio(y, _take(y, t3, axis))), _dd_mul(-1, _take(logits, t3, axis)), logits)
    t5 = _row_max(_hi(t4), axis)
    return _dd_sum(t0, axis), t5, _dd_sum(jax.numpy.exp(jax.numpy.subtract(_hi(t4), t5)), axis), _dd_sum(t4, axis),


def _combine_log_prob_ratio(a0, a1, a2, a3, tau, k):
    return _hi(_dd_add(_dd_mul(-1, a0), a3, _dd_mul(-1, k, _dd_add(a1, _dd_log(a2))), _dd_mul(k - 1, _dd_log(tau)), _dd_lgamma(k)))


def _rows_log_prob_exp(log_y, logits, tau, k, axis):
    t2 = _argmax(jax.numpy.subtract(logits, jax.numpy.multiply(tau, log_y)), axis)
    t3 = _take(log_y, t2, axis)
    t4 = _take(logits, t2, axis)
    return _last(log_y, axis), _dd_sum(log_y, axis), t3, t4, _dd_sum(jax.numpy.exp(jax.numpy.subtract(jax.numpy.subtract(logits, t4), jax.numpy.multiply(tau, jax.numpy.subtract(log_y, t3)))), axis), _dd_sum(logits, axis),


def _combine_log_prob_exp(a0, a1, a2, a3, a4, a5, tau, k):
    return _hi(_dd_add(_dd_mul(-1, a0), _dd_mul(-1, a3, k), a5, _dd_mul(-1, k, _dd_log(a4)), _dd_mul(tau, _dd_add(_dd_mul(-1, a1), _dd_mul(a2, k))), _dd_mul(k - 1, _dd_log(tau)), _dd_lgamma(k)))


def _rows_log_prob_exp_careful(log_y, logits, tau, k, axis):
    t1 = _argmax(jax.numpy.subtract(logits, jax.numpy.multiply(tau, log_y)), axis)
    t2 = _dd_add(_dd_mul(-1, tau, _dd_add(_dd_mul(-1, _take(log_y, t1, axis)), log_y)), _dd_mul(-1, _take(logits, t1, axis)), logits)
    t3 = _row_max(_hi(t2), axis)
    return _last(log_y, axis), t3, _dd_sum(jax.numpy.exp(jax.numpy.subtract(_hi(t2), t3)), axis), _dd_sum(t2, axis),


def _combine_log_prob_exp_careful(a0, a1, a2, a3, tau, k):
    return _hi(_dd_add(_dd_mul(-1, a0), a3, _dd_mul(-1, k, _dd_add(a1, _dd_log(a2))), _dd_mul(k - 1, _dd_log(tau)), _dd_lgamma(k)))
