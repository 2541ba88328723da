# ruff: noqa
"""The helpers the printed kernels call, in torch, inserted into the torch template at its marker by
codegen.emit (split from it to keep each file short): double-double error-free arithmetic, the
log-ratio, the pivot and layout helpers, the support masks and the per-row checks.  Gradients flow
through the float64 (high) parts only; the low parts (rounding errors, whose derivative is 0 almost
everywhere) are computed from detached values without autograd.  Hand-written; no density formula
lives here."""
import functools
import math

import torch

# --- template start ---
# Double-double arithmetic for the printed ``Exact(...)`` parts of the kernels: a value is a float64
# tensor or Python number, or a pair (hi, lo) standing for hi + lo with |lo| a few ulp of hi at most;
# lo None means 0.  Error-free transformations (Knuth's two-sum, Dekker's product) keep ~106 bits, so
# terms of the log-density that cancel (sum_i x_i against k x_j, k log y_j against sum_i log y_i) do
# so exactly.  The high part of each result is the float64 operation on the high parts, recorded by
# autograd; the low part is detached (no graph, no backward pass over it).
_SPLITTER = 134217729.0  # 2**27 + 1
# log 2 in two parts, the first with 21 trailing zero bits: e * _LN2_HI is exact for |e| < 2**11
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_SQRT_HALF = 0.7071067811865476


def _pair(v):
    return v if isinstance(v, tuple) else (v, None)


def _hi(v):
    """The float64 value of a double-double (its gradient: that of the high part)."""
    if isinstance(v, tuple):
        return v[0] if v[1] is None else v[0] + v[1]
    return v


def _is_number(v):
    return isinstance(v, (int, float))


def _d(v):
    """``v`` without its graph (arithmetic on it records none)."""
    return v.detach() if isinstance(v, torch.Tensor) and v.requires_grad else v


def _two_sum(a, b):
    """(a + b with its gradient, the rounding error detached)."""
    s = a + b
    a, b, sd = _d(a), _d(b), _d(s)
    v = sd - a
    return s, (a - (sd - v)) + (b - v)


def _quick_two_sum(a, b):
    """For |a| >= |b| (or a == 0); ``b`` is detached."""
    s = a + b
    return s, b - (_d(s) - _d(a))


def _split(a):
    """a = hi + lo, each with at most 26 significant bits (Veltkamp; scaled above 2**995, where
    _SPLITTER * a would overflow).  Detached values only."""
    t = _SPLITTER * a
    hi = t - (t - a)
    if _is_number(a):
        if abs(a) > 2.0 ** 995 and math.isfinite(a):
            hi = _split(a * 2.0 ** -28)[0] * 2.0 ** 28
    elif bool(torch.isinf(t).any()) and bool(torch.any(torch.isinf(t) & torch.isfinite(a))):
        scaled = _split(a * 2.0 ** -28)[0] * 2.0 ** 28
        hi = torch.where(torch.abs(a) > 2.0 ** 995, scaled, hi)
    return hi, a - hi


def _two_prod(a, b):
    """(a b with its gradient, the rounding error detached: Dekker); ``a`` may be a Python number."""
    p = a * b
    if _is_number(a) and math.frexp(a)[0] in (0.5, -0.5):
        return p, None  # a power of 2: exact
    a, b = _d(a), _d(b)
    ah, al = _split(a)
    bh, bl = _split(b)
    e = ah * bh - _d(p)
    e = e + ah * bl
    if al != 0 if _is_number(a) else True:
        e = e + al * bh
        e = e + al * bl
    return p, e


def _numel(v):
    return v.numel() if isinstance(v, torch.Tensor) else 1


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
            e = lo * _d(fh) if e is None else e + lo * _d(fh)
        if fl is not None:
            e = _d(hi) * fl if e is None else e + _d(hi) * fl
        hi, lo = p, e
    return hi, lo


def _dd_sum(v, axis):
    """Sum along ``axis`` (kept, length 1) as an unnormalised double-double (total, exact - total): error
    below 4 k^3 2^-105 max|v| (_normal makes it a pair with |lo| <= ulp(hi) / 2 before the combination).

    The high part is torch.sum's value and gradient; the exact sum comes from Rump, Ogita and Oishi's
    extraction (detached): with sigma a power of 2 above k max|v|, the parts q = (sigma + v) - sigma
    are multiples of ulp(sigma) and sum exactly; the rests v - q are exact and below ulp(sigma).  One
    sigma serves all rows where 2 k^3 eps^2 max|v| (the error of the rests' float64 sum) stays below
    2**-8 eps, else each row has its own.
    """
    hi, lo = _pair(v)
    total = _row_sum(hi, axis)
    h = _d(hi)
    n = h.shape[axis]
    bits = (n - 1).bit_length() + 1
    low, top = (float(m) for m in torch.aminmax(h)) if h.numel() else (0.0, 0.0)
    top = max(top, -low)
    if top <= 2.0 ** 43 / n ** 3:   # (False for NaN)
        sigma = math.ldexp(1.0, math.frexp(top)[1] + bits)
    else:
        _, e = torch.frexp(torch.amax(torch.abs(h), dim=axis, keepdim=True))
        sigma = torch.pow(2.0, e.to(torch.float64).add_(bits))   # exact powers of 2
    q = torch.add(h, sigma)
    q.sub_(sigma)
    exact = _row_sum(q, axis)   # exact in any order: multiples of ulp(sigma), partial sums below sigma
    q.sub_(h)  # -(the rests)
    rest = _row_sum(q, axis).neg_()
    if lo is not None:
        rest.add_(_row_sum(lo, axis))
    return total, exact.sub_(_d(total)).add_(rest)


_ONES = {}


def _row_sum(v, axis):
    """Sum along ``axis`` (kept): a product with a vector of ones along the last axis (BLAS, twice as fast as
    torch.sum over a short last axis on the CPU), torch.sum otherwise."""
    if v.device.type != "cpu" or (axis != -1 and v.ndim != 1) or v.dtype != torch.float64:
        return torch.sum(v, dim=axis, keepdim=True)
    n = v.shape[-1]
    if n not in _ONES:
        with torch.inference_mode(False):   # a normal tensor, usable later with autograd on
            _ONES[n] = torch.ones(n, dtype=torch.float64)
    return torch.matmul(v, _ONES[n]).unsqueeze(-1)


def _normal(v):
    """A double-double with |lo| <= ulp(hi) / 2 (an atom from _dd_sum, before the combination)."""
    return _two_sum(*v) if isinstance(v, tuple) and v[1] is not None else v


def _dd_log(v):
    """log of a positive value: e log 2 + log m with m in [sqrt(1/2), sqrt(2)), |log m| < 0.35 (the
    one rounding left, of log m, below 2**-54), as a correction to torch.log's value and gradient."""
    hi, lo = _pair(v)
    plain = torch.log(hi)
    h = _d(hi)
    mant, expo = torch.frexp(h)
    low = mant < _SQRT_HALF
    mant = torch.where(low, mant + mant, mant)
    expo = expo - low.to(expo.dtype)
    e = expo.to(torch.float64)
    s, err = _two_sum(e * _LN2_HI, torch.log(mant))
    err = err + e * _LN2_LO
    if lo is not None:
        err = err + lo / h  # log(m + d) = log m + d / m + O(d^2), d / m = lo / hi
    s, err = _quick_two_sum(s, err)
    correction = (s - _d(plain)) + err
    return _two_sum(plain, correction)


@functools.lru_cache(maxsize=64)
def _dd_lgamma(k):
    """log Gamma(k) = log 2 + log 3 + ... + log(k - 1) for an integer k >= 2, in double-double
    (Python floats).  (A float64 lgamma is off by 2.3e-15 at k = 10, more than the whole error
    budget of a log-density near 0.)"""
    if k <= 2:
        return 0.0, None
    with torch.no_grad():
        hi, lo = _normal(_dd_sum(_dd_log(torch.arange(2.0, k, dtype=torch.float64)), 0))
    return float(hi[0]), float(lo[0])


def _log_ratio(a, b):
    """log(a / b) for a, b > 0 to a few ulp of itself: log1p((a - b) / b) where a / b is in (1/2, 2)
    (a - b is exact there, Sterbenz), log(a / b) elsewhere.  Both branches are finite for positive
    a, b, so torch.where passes no NaN into the gradient."""
    q = torch.divide(a, b)
    near = torch.abs(torch.subtract(q.detach(), 1.0)) < 0.5
    return torch.where(near, torch.log1p(torch.divide(torch.subtract(a, b), b)), torch.log(q))


def _argmax(z, axis):
    """A category where ``z`` is largest in its row (kept axis, for _take): torch.max's index, the first of
    any ties (every pivot gives the same density: the forms hold for every value of Take)."""
    return torch.max(z.detach(), dim=axis, keepdim=True).indices


def _take(v, index, axis):
    """``v`` at the pivot ``index`` of each row (``v`` broadcast to the rows of ``index``)."""
    return torch.gather(v.expand(*index.shape[:-1], v.shape[-1]), axis, index)


def _last(v, axis):
    """The last category of ``v`` (kept axis): log y_k of the log-space density (a Last(...) of the forms)."""
    return v[..., -1:]


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


def _per_row(a):
    """A reduction's value without its (kept) category axis; a pair stays a pair."""
    if isinstance(a, tuple):
        return tuple(None if part is None else part[..., 0] for part in a)
    return a[..., 0]


def _off_simplex(y, tol):
    """Rows off the open simplex: a y_i <= 0 (or NaN), or |sum y - 1| > tol."""
    return ~((torch.min(y, -1).values > 0) & (torch.abs(_row_sum(y, -1)[..., 0] - 1) <= tol))


def _off_simplex_log(log_y, tol):
    """Rows whose log point is off the simplex: a log_y_i = -inf (or NaN), or |logsumexp(log_y)| > tol.
    No shift is needed: a log_y_i above 709 overflows to inf, all of them far below 0 underflow to
    log 0 = -inf, both rightly off the simplex."""
    return ~((torch.min(log_y, -1).values > -math.inf) & (torch.abs(torch.log(_row_sum(torch.exp(log_y), -1)[..., 0])) <= tol))


def _off_domain(u, tol):
    """Rows of eq. (8)'s coordinates with an infinite (or NaN) u_i: off R^{k-1}."""
    return ~torch.isfinite(u).all(-1)


def _lost(atoms, value, k):
    """Rows whose double-double combination may have lost digits: terms up to k max|atom| cancelling to
    max(1, |value|) < 2**-46 k max|atom| (106 bits then leave less than 2**-56 of it).  None where no
    atom is that large (a few reductions)."""
    with torch.no_grad():
        his = [a[0].detach() for a in atoms if isinstance(a, tuple)]
        if not his or not k * max(float(torch.max(torch.abs(h))) for h in his) > 2.0 ** 46:
            return None
        scale = functools.reduce(torch.maximum, [torch.abs(h) for h in his])
        return k * scale > 2.0 ** 46 * torch.clamp(torch.abs(value.detach()), min=1.0)


def _wide(x):
    """Rows of finite logits beyond _SPREAD or _OFFSET (see there)."""
    low, top = torch.aminmax(x, dim=-1)
    return (top - low > _SPREAD) | (torch.maximum(top, -low) > _OFFSET)


def _spread(x):
    """max - min of the finite logits of each row (-inf for a row without any)."""
    finite = torch.isfinite(x)
    return (torch.amax(torch.where(finite, x, -math.inf), dim=-1)
            - torch.amin(torch.where(finite, x, math.inf), dim=-1))
