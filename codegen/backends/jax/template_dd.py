# ruff: noqa
"""The helpers the printed kernels call, inserted into codegen/backends/jax/template.py at its marker by
codegen.emit: double-double error-free arithmetic in JAX (float64 under x64, float32 otherwise), the
log-ratio and the pivot helpers.  Hand-written; no density formula lives here.  No Python branch looks at
a value: they work under jax.jit, jax.vmap and jax.grad (the error terms of the error-free transformations
have a zero derivative, so autodiff sees the derivative of the exact sum or product)."""
import decimal
import functools
import math
import struct

import jax
import jax.numpy

# --- template start ---
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
