# ruff: noqa
"""The double-double helpers of generated/gumbel_softmax_numpy.py, inserted into codegen/template.py at
its marker by codegen.emit (split from the template to keep each file short).  Hand-written
error-free arithmetic; no density formula lives here."""
import numpy

# --- template start ---
# Double-double arithmetic for the printed ``Exact(...)`` parts of the kernels: a value is
# a float64 number or array, or a pair (hi, lo) standing for hi + lo with |lo| a few ulp of
# hi at most; lo None means 0.  Error-free transformations (Knuth's two-sum, Dekker's
# product) keep ~106 bits, so terms of the log-density that cancel (k tau log y_j against
# (tau+1) sum log y_i) do so exactly.  Python numbers (a scalar tau, k) stay Python numbers.
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


