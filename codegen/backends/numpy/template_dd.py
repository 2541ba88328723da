# ruff: noqa
"""The helpers the printed kernels call, inserted into codegen/template.py at its marker by codegen.emit
(split from the template to keep each file short): double-double error-free arithmetic, the
log-ratio, the pivot and layout helpers, the support masks, and the exact rational arithmetic the
same printed kernels run in for the rows float64 and double-double cannot carry (_settle, _exactly).
Hand-written; no density formula lives here."""
import decimal
import fractions
import functools
import math

import numpy

# --- template start ---
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
