"""The Gumbel-softmax densities, samplers and a torch.distributions.Distribution in PyTorch, with gradients.

Precision: every input is converted to float64 (float16 / bfloat16 / float32 results are rounded back
to the input dtype); the terms of each log-density that cancel are combined in double-double arithmetic
(about 106 bits), the same printed kernels as the NumPy module's.  Rows with extreme logits or
temperatures take the careful and log-ratio kernels; the rare rows beyond both (and those whose float64
value overflows) take their value from the NumPy module's exact rational arithmetic and their gradient
from the careful torch kernel.  Gradients by autograd through the printed kernels: the float64 (high)
parts carry them, the double-double low parts are detached.  Runs on the inputs' device; on the CPU large
inputs run in chunks of rows small enough for one thread each, on a thread pool.  With the ``compiled``
extra (numba), CPU inputs of at least 2**15 elements of float32 or float64 run log_prob and
log_prob_from_log (with their gradients) and log_prob_exp (when no gradient is wanted) on the compiled
kernels of gumbel_softmax.numba instead: the same plain forms in float64 (float32 read as it is), the
gradients from kernels printed from the verified gradient forms (claim cg.kernel_gradients), the rows they
flag by this module's kernels; second derivatives (create_graph) through this module's kernels;
use_compiled("never") turns it off.

GENERATED FILE - do not edit.  Written by `python -m codegen` (codegen/emit.py, SymPy 1.14.0).
Printed from the general forms in codegen/forms.py, checked by `make verify` against the
verified expressions (J28), (8), (1) and the log-space (5) in the claims cg.logits, cg.log, cg.lse, cg.log_prob, cg.log_prob_from_log, cg.log_prob_exp, cg.log_prob_u, cg.sample_log, cg.lgamma, cg.vexp, cg.vlog, cg.dd_log, cg.grad_logits, cg.grad_tau, cg.grad_y, cg.grad_log_y, cg.kernel_gradients, cg.cse.
sha256 of the expressions: 32edc134a5179cc2f8beb4d3ad385b0685b178c56f8f95a2ba02a79f7f9ba417
"""
import concurrent.futures
import functools
import math
import operator
import os
import sys

try:
    import torch
except ImportError as error:  # the optional extra is not installed
    raise ImportError("gumbel_softmax.torch needs torch: pip install 'gsverify[torch]' "
                      "(in the repository: pip install '.[torch]')") from error

__all__ = ["log_prob", "log_prob_from_log", "log_prob_u", "log_prob_exp", "sample_log", "sample",
           "rsample_log", "rsample", "support_tolerance", "GumbelSoftmax"]

_F64 = torch.float64
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
#: Rows beyond the careful forms (and rows whose double-double combination lost digits) take the
#: NumPy module's exact arithmetic (_EXACT).
_PLAIN, _CAREFUL, _RATIO, _EXACT, _SPECIAL = range(5)


def support_tolerance(dtype):
    """|sum(y) - 1| (or |logsumexp(log_y)|) beyond sqrt(eps(dtype)) is off the simplex: -inf.

    ``dtype``: the point's (y or log_y), a torch dtype (or a tensor, or a dtype's name); integers and
    booleans count as float64.  float16: 3.13e-02; bfloat16: 8.84e-02; float32: 3.45e-04; float64: 1.49e-08.
    """
    if isinstance(dtype, torch.Tensor):
        dtype = dtype.dtype
    if not isinstance(dtype, torch.dtype):
        name = getattr(dtype, "name", None) or getattr(dtype, "__name__", None) or str(dtype)
        dtype = getattr(torch, str(name), None)
        if not isinstance(dtype, torch.dtype):
            raise ValueError(f"dtype: not a torch dtype: {name!r}")
    return math.sqrt(torch.finfo(dtype if dtype.is_floating_point else _F64).eps)


_REAL = {torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.float16,
         torch.bfloat16, torch.float32, torch.float64}


def _tensor(name, value, device=None):
    """``value`` as a tensor: tensors as they are, array-likes through torch.as_tensor (Python numbers
    and lists of them as float64, as in the NumPy module, not torch's default dtype)."""
    if isinstance(value, torch.Tensor):
        t = value
    else:
        if not getattr(getattr(value, "flags", None), "writeable", True):
            value = value.copy()   # torch warns about read-only NumPy arrays (np.broadcast_to...)
        try:
            t = torch.as_tensor(value, device=device)
            if t.is_floating_point() and not hasattr(value, "dtype"):
                t = torch.as_tensor(value, dtype=_F64, device=device)
        except Exception as exc:  # ragged lists, strings, object arrays and the like
            raise ValueError(f"{name}: not an array ({type(exc).__name__}: {exc})") from None
    if t.dtype not in _REAL:
        raise ValueError(f"{name}: need a real numeric array, got dtype {t.dtype}")
    return t


def _device(*values):
    """The device of the first tensor among ``values`` (CPU if none)."""
    for v in values:
        if isinstance(v, torch.Tensor):
            return v.device
    return torch.device("cpu")


def _out_dtype(*tensors):
    """torch's promoted dtype of the inputs when it is a float (float16 in, float16 out), else float64."""
    dtype = functools.reduce(torch.promote_types, [t.dtype for t in tensors])
    return dtype if dtype.is_floating_point else _F64


def _tau(tau, device=None):
    t = _tensor("tau", tau, device).to(_F64)
    with torch.no_grad():
        if not bool(torch.all((t > 0) & (t < math.inf))):
            raise ValueError("tau: the temperature must be finite and > 0 (in float64, the compute dtype)")
    return t


def _logits(logits, device=None):
    return _categories(_tensor("logits", logits, device))


def _batch(names, *shapes):
    try:
        return tuple(torch.broadcast_shapes(*shapes))
    except RuntimeError:
        raise ValueError(f"{names}: batch shapes {', '.join(str(tuple(s)) for s in shapes)} do not broadcast") from None


def _parameters(x, sampler=False):
    """(float64 logits to compute with, each row's value where no formula applies, rows beyond _SPREAD
    or _OFFSET).  As the NumPy module: a -inf category has pi_i = 0, one +inf takes all of pi; every
    logit -inf, two +inf, or (sampling) a NaN: ValueError.  A density row with a NaN is NaN, one where pi
    has a zero -inf (None: all finite).  A sampler's row with one +inf becomes 0 there, -inf elsewhere.
    The rows beyond: None when the whole tensor is within both."""
    x = x.to(_F64)
    with torch.no_grad():
        xd = x.detach()
        lo, hi = (float(v) for v in torch.aminmax(xd)) if xd.numel() else (0.0, 0.0)
        if math.isfinite(lo) and math.isfinite(hi):
            if sampler:
                return x, None, None if hi - lo < 2.0 ** 1022 else _spread(xd) >= 2.0 ** 1022
            return x, None, None if hi - lo <= _SPREAD and max(-lo, hi) <= _OFFSET else _wide(xd)
        nan = torch.isnan(xd).any(-1)
        if sampler and bool(nan.any()):
            raise ValueError("logits: NaN (no distribution to sample)")
        pos = torch.isposinf(xd)
        plus = pos.sum(-1)
        if bool(torch.any(~nan & ((plus >= 2) | torch.isneginf(xd).all(-1)))):
            raise ValueError("logits: a row with every logit -inf (no category has positive probability) or "
                             "with two or more +inf (their shares are undefined) defines no distribution")
        finite = torch.isfinite(xd)
    if sampler:
        x = torch.where((plus == 1)[..., None], torch.where(pos, 0.0, -math.inf).to(_F64), x)
        return x, None, _spread(x.detach()) >= 2.0 ** 1022
    special = torch.where(nan, math.nan, torch.where(finite.all(-1), 0.0, -math.inf)).to(_F64)
    x = torch.where(finite, x, 0.0)
    return x, special, _wide(x.detach())


_KINDS = {}


def _kernels(name):
    """The printed (rows, combine) pairs of the density ``name``, by kind of row."""
    if name not in _KINDS:
        found = {}
        for kind, suffix in ((_PLAIN, ""), (_CAREFUL, "_careful"), (_RATIO, "_ratio")):
            if f"_rows_{name}{suffix}" in globals():
                found[kind] = tuple(globals()[f"_{part}_{name}{suffix}"] for part in ("rows", "combine"))
        _KINDS[name] = found
    return _KINDS[name]


def _exactly(name, kind, p, x, t, k):
    """Rows (n, k) evaluated by the NumPy module's copy of the same printed kernel in exact rational
    arithmetic (its _exactly), as a float64 tensor on the device of ``p``: no gradient."""
    from .numpy import _exactly as exact_arithmetic
    reference = sys.modules[exact_arithmetic.__module__]
    suffix = {_PLAIN: "", _CAREFUL: "_careful", _RATIO: "_ratio"}[kind]
    kernel = tuple(getattr(reference, f"_{part}_{name}{suffix}") for part in ("rows", "combine"))
    host = [None if a is None else a.detach().to("cpu", _F64).numpy() for a in (p, x, t)]
    value = reference._exactly(kernel, host[0], host[1], host[2], k)
    return torch.as_tensor(value, dtype=_F64).to(p.device)


def _evaluate(kernel, p, x, t, k, batch=None, mask=None, tol=None):
    """(log p per row, the rows it leaves unsettled (_unsettled), the rows off the support by ``mask``
    (None without one)): the printed ``kernel`` (rows, combine) on tensors that keep their own batch shapes
    (broadcast inside the kernels), the point converted to float64.  On the CPU a large ``batch`` runs in
    blocks of rows (_blocked)."""
    if batch is not None and p.device.type == "cpu" and math.prod(batch) * k > _CHUNK:
        return _blocked(kernel, p, x, t, k, batch, mask, tol)
    rows_kernel, combine = kernel
    p = p.to(_F64)
    off = None if mask is None else mask(p.detach(), tol)
    if t is None:
        atoms = [_normal(_per_row(a)) for a in rows_kernel(p, x, k, -1)]
        value = combine(*atoms, k)
    else:
        atoms = [_normal(_per_row(a)) for a in rows_kernel(p, x, t[..., None], k, -1)]
        value = combine(*atoms, t, k)
    return value, _unsettled(value, atoms, k), off


#: elements per operation on the CPU (2 MiB of float64, as the NumPy module's chunks): the per-call cost of
#: a torch operation is then small against its work.  Measured (N = 10^6, k = 10, forward, float64, torch's
#: own time / ours, make bench's bench.backends): 2^15: 0.55, 2^16: 0.60, 2^18: 0.81, 2^20: 0.44
_CHUNK = 1 << 18


def _flat(a, batch, width):
    """``a`` as rows (R, width) (or (R,)), a view where its batch shape is the whole batch; one shared row
    (or a scalar tau) stays as it is."""
    if a is None or a.ndim == (0 if width is None else 1):
        return a
    return _rows(a, batch, width)


def _blocked(kernel, p, x, t, k, batch, mask, tol):
    """_evaluate on blocks of about _CHUNK rows (on a thread pool: torch releases the GIL inside its
    operations), each block's reductions in chunks of about _CHUNK elements, then its per-row combination;
    (value (batch), unsettled rows or None, rows off the support or None)."""
    rows_kernel, combine = kernel
    n = math.prod(batch)
    step = max(1, _CHUNK // k)                 # rows per chunk of the reductions
    size = max(1, _CHUNK // step) * step       # rows per block of the combination: whole chunks
    p, x, t = _flat(p, batch, p.shape[-1]), _flat(x, batch, k), _flat(t, batch, None)
    count = -(-n // size)
    pb = torch.split(p, size)
    xb = [x] * count if x.ndim == 1 else torch.split(x, size)
    tb = [t] * count if t is None or t.ndim == 0 else torch.split(t, size)
    grad, inference = torch.is_grad_enabled(), torch.is_inference_mode_enabled()   # thread-local: to the workers

    def work(i):
        with torch.inference_mode(inference), torch.set_grad_enabled(grad):
            ps = torch.split(pb[i].to(_F64), step)
            xs = [xb[i]] * len(ps) if xb[i].ndim == 1 else torch.split(xb[i], step)
            ts = [tb[i]] * len(ps) if tb[i] is None or tb[i].ndim == 0 else torch.split(tb[i], step)
            parts = []
            for pc, xc, tc in zip(ps, xs, ts):
                atoms = rows_kernel(pc, xc, k, -1) if t is None else rows_kernel(pc, xc, tc[..., None], k, -1)
                parts.append([_per_row(_spread_to(a, pc.shape[0])) for a in atoms])
            atoms = [_normal(_joined([part[j] for part in parts])) for j in range(len(parts[0]))]
            value = combine(*atoms, k) if t is None else combine(*atoms, tb[i], k)
            off = None if mask is None else torch.cat([mask(pc.detach(), tol) for pc in ps])
            return value, _unsettled(value, atoms, k), off
    results = list(_map(work, range(count)))
    value = torch.cat([r[0] for r in results]).reshape(batch)
    bad = None
    if any(r[1] is not None for r in results):
        bad = torch.cat([torch.zeros_like(r[0], dtype=torch.bool) if r[1] is None else r[1] for r in results]).reshape(batch)
    off = None if mask is None else torch.cat([r[2] for r in results]).reshape(batch)
    return value, bad, off


_POOL = []


def _map(fn, items):
    """fn over items, on a thread pool of torch.get_num_threads() workers (one per process) when there
    are several chunks per worker; in order."""
    items = list(items)
    workers = torch.get_num_threads()
    if workers < 2 or len(items) < workers:
        return map(fn, items)
    if not _POOL or _POOL[0][0] != (os.getpid(), workers):
        _POOL[:] = [((os.getpid(), workers), concurrent.futures.ThreadPoolExecutor(workers))]
    return _POOL[0][1].map(fn, items)


def _spread_to(a, n):
    """A reduction of one chunk, its shared rows (a row of logits for all) broadcast to the chunk's n rows."""
    if isinstance(a, tuple):
        return tuple(None if h is None else h.expand(n, 1) for h in a)
    return a.expand(n, 1)


def _joined(parts):
    if isinstance(parts[0], tuple):
        return tuple(None if parts[0][j] is None else torch.cat([p[j] for p in parts]) for j in range(2))
    return torch.cat(parts)


def _unsettled(value, atoms, k):
    """Rows whose float64 value is not finite or whose double-double combination lost digits (None: none)."""
    with torch.no_grad():
        bad = ~torch.isfinite(value.detach())
        lost = _lost(atoms, value, k)
        bad = bad if lost is None else bad | lost
        return bad if bool(bad.any()) else None


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
def use_compiled(mode):
    """Whether large CPU inputs run on the compiled kernels (gumbel_softmax.numba, pip install
    'gsverify[compiled]'): the one switch of every backend, gumbel_softmax.numpy.use_compiled ("auto", the
    default, or "never"; also the environment variable GUMBEL_SOFTMAX_COMPILED).  Returns the previous
    mode; raises ValueError naming ``mode`` for anything else."""
    from . import numpy as _np
    return _np.use_compiled(mode)


#: the forms whose compiled kernels also write the gradients
_COMPILED_GRADIENTS = ("log_prob", "log_prob_from_log")


class _CompiledDensity(torch.autograd.Function):
    """The rows' values (R,) float64, with the gradients the compiled kernel wrote beside them, each (R, k)
    or (R,): d/dpoint, d/dlogits, d/dtau (summed over the rows where logits (1, k) or tau (1,) is every
    row's).  A backward pass that builds a graph (create_graph=True: second derivatives) takes the
    gradient of ``eager`` (this module's kernels on the same rows) instead, differentiable again."""

    @staticmethod
    def forward(ctx, p, x, t, values, g_point, g_logits, g_tau, eager):
        ctx.grads, ctx.eager = (g_point, g_logits, g_tau), eager
        ctx.save_for_backward(p, x, t)
        return values.clone()

    @staticmethod
    def backward(ctx, g):
        inputs = ctx.saved_tensors
        if torch.is_grad_enabled():
            with torch.enable_grad():
                wanted = [a for a, want in zip(inputs, ctx.needs_input_grad) if want]
                found = iter(torch.autograd.grad(ctx.eager(*inputs), wanted, g, create_graph=True))
            return (*[next(found) if want else None for want in ctx.needs_input_grad[:3]], *[None] * 5)
        out = []
        for want, grad, a in zip(ctx.needs_input_grad, ctx.grads, inputs):
            d = None if not want else (g[:, None] * grad if grad.dim() == 2 else g * grad).sum_to_size(a.shape)
            out.append(None if d is None else d.to(a.dtype))
        return (*out, *[None] * 5)


def _traced(a):
    """Is ``a`` seen by a torch.func transform (grad, vmap, jvp...) or a dual tensor of forward-mode AD?
    Their tangents and batching need this module's own kernels."""
    wrapped = getattr(getattr(torch._C, "_functorch", None), "is_functorch_wrapped_tensor", None)
    if wrapped is not None and wrapped(a):
        return True
    return torch.autograd.forward_ad.unpack_dual(a).tangent is not None


def _eager(name, mask, tol, limit, safe, p, x, t):
    """log p of the rows of ``p`` (R, k) by this module's own kernels (float64)."""
    from . import numpy as _np
    with _np._compiled_never():
        return _density(name, mask, p, x, t, p.shape[:1], _F64, tol, limit, safe).to(_F64)


def _compiled_density(name, point, logits, t, batch, dtype, tol, limit, mask, safe):
    """log p of a large CPU input from the compiled kernels (gumbel_softmax.numba), the rows they flag
    evaluated again by _density; None where they do not take the input: not on the CPU, not float32 /
    float64, under 2**15 elements, numba absent, the NumPy module's use_compiled("never") (or
    GUMBEL_SOFTMAX_COMPILED=never), a gradient wanted of log_prob_exp or of an inference tensor, or an input
    under a torch.func transform or with a forward-mode tangent (_traced)."""
    from . import numpy as _np
    k = point.shape[-1]
    rows = math.prod(batch)
    if t is None or name not in _np._COMPILED_FORMS or rows == 0 or point.device.type != "cpu":
        return None
    inputs = (point, logits, t)
    wanted = torch.is_grad_enabled() and any(a.requires_grad for a in inputs)
    floats = (torch.float32, torch.float64)
    if (wanted and name not in _COMPILED_GRADIENTS) or point.dtype not in floats or logits.dtype not in floats:
        return None
    if any(_traced(a) for a in inputs) or (wanted and any(a.is_inference() for a in inputs)):
        return None  # torch.func transforms and forward-mode AD see only this module's kernels
    module = _np._compiled_for(rows * k)
    if module is None:
        return None
    p = point.expand(*batch, k).reshape(rows, k)
    x = logits.reshape(1, k) if logits.numel() == k else logits.expand(*batch, k).reshape(rows, k)
    tt = t.reshape(1) if t.numel() == 1 else t.expand(batch).reshape(rows)
    host = [a.detach().contiguous().numpy() for a in (p, x)] + [tt.detach().to(_F64).contiguous().numpy()]
    values, again, grads = module.run(name, *host, tol, limit, gradients=wanted)
    values, again = torch.from_numpy(values), torch.from_numpy(again).nonzero().reshape(-1)
    if wanted:
        grads = [torch.from_numpy(g) for g in grads]
        if again.numel():  # their gradients come from this module's kernels below
            for g in grads:
                g[again] = 0.0
        values = _CompiledDensity.apply(p, x, tt, values, *grads, functools.partial(_eager, name, mask, tol, limit, safe))
    if again.numel():  # off the support, extreme, NaN or beyond float64: this module's kernels decide
        fixed = _eager(name, mask, tol, limit, safe, p[again], x if x.shape[0] == 1 else x[again],
                       tt if tt.shape[0] == 1 else tt[again])
        values = values.index_put((again,), fixed)
    return _finish(values.reshape(batch), batch, dtype)
def _uniform(k):
    return torch.full((k,), 1.0 / k, dtype=_F64)


def _uniform_log(k):
    return torch.full((k,), -math.log(k), dtype=_F64)


def _origin(k):
    return torch.zeros(k, dtype=_F64)


def _rows(a, batch, width):
    """``a`` broadcast to the batch and flattened to rows (R, width), or (R,) for ``width`` None."""
    if a is None:
        return None
    if width is None:
        return a.expand(batch).reshape(-1)
    return a.expand(*batch, width).reshape(-1, width)


def _density(name, mask, point, logits, t, batch, dtype, tol, limit, safe):
    """log p for the batch (float64 computed, returned in ``dtype``), each row by the kernel its
    parameters call for (see _SPREAD).  A single kind of row (the usual case) runs on the tensors as they
    are; otherwise each kind runs on its own rows, the constant rows take no part in any kernel (so no
    NaN reaches a gradient), and rows settled exactly take their value from the NumPy module's exact
    arithmetic and their gradient from the careful (or log-ratio) torch kernel."""
    fast = _compiled_density(name, point, logits, t, batch, dtype, tol, limit, mask, safe)
    if fast is not None:
        return fast
    kernels = _kernels(name)
    x, special, wide = _parameters(logits)
    k = x.shape[-1]
    if math.prod(batch) == 0:
        return torch.empty(batch, dtype=dtype, device=point.device)
    with torch.no_grad():
        big = None if limit is None else t.detach() > limit
        any_big = big is not None and bool(big.any())
    settle = off = None
    if special is None and wide is None and not any_big:
        value, settle, off = _evaluate(kernels[_PLAIN], point, x, t, k, batch, mask, tol)
        if bool(off.any()):
            settle = None   # the rows off the support are left out below, and the rest evaluated again
        elif settle is None:
            return _finish(value, batch, dtype)
    p = point.to(_F64)
    with torch.no_grad():
        off = mask(p.detach(), tol) if off is None else off
        any_off = bool(off.any())
    device = p.device
    with torch.no_grad():
        kind = torch.full(batch, _PLAIN, dtype=torch.int8, device=device)
        if wide is not None:
            kind = torch.where(wide, _CAREFUL if _CAREFUL in kernels else _PLAIN, kind)
        if any_big:
            beyond = (torch.where(wide, _EXACT, _RATIO) if wide is not None else _RATIO) if _RATIO in kernels else _CAREFUL
            kind = torch.where(big, beyond, kind)
        constant = None
        if any_off or special is not None:
            nan = torch.isnan(p.detach()).any(-1)
            masked = torch.zeros((), dtype=torch.bool, device=device) if special is None else special != 0
            fixed = (off | masked).expand(batch)
            if bool(fixed.any()):
                special = torch.full((), -math.inf, dtype=_F64, device=device) if special is None else special
                constant = torch.where(nan, math.nan, torch.where(masked, special, -math.inf)).expand(batch).reshape(-1)
                kind = torch.where(fixed, _SPECIAL, kind)
        kind = kind.reshape(-1)
        settle = torch.zeros_like(kind, dtype=torch.bool) if settle is None else settle.expand(batch).reshape(-1).clone()
    rows = [_rows(p, batch, p.shape[-1]), _rows(x, batch, k), _rows(t, batch, None)]
    for _ in range(3):   # a row that a kernel cannot carry is settled exactly, and the kinds run again
        parts, again = [], torch.zeros_like(settle)
        for c in (_PLAIN, _CAREFUL, _RATIO):
            idx = torch.nonzero((kind == c) & ~settle).reshape(-1)
            if idx.numel():
                value, bad, _ = _evaluate(kernels[c], *[None if r is None else r[idx] for r in rows], k, (idx.numel(),))
                if bad is not None:
                    again[idx[bad]] = True
                parts.append((idx, value))
        if bool(again.any()):
            settle |= again
            continue
        for c, by in ((_PLAIN, _CAREFUL if _CAREFUL in kernels else _PLAIN), (_CAREFUL, _CAREFUL), (_RATIO, _RATIO),
                      (_EXACT, _RATIO)):
            idx = torch.nonzero((kind == c) & (settle | (kind == _EXACT))).reshape(-1)
            if idx.numel():
                parts.append((idx, _settled(name, kernels, c if c != _EXACT else _RATIO, by,
                                            [None if r is None else r[idx] for r in rows], k, safe)))
        if constant is not None:
            idx = torch.nonzero(kind == _SPECIAL).reshape(-1)
            parts.append((idx, constant[idx]))
        idx = torch.cat([i for i, _ in parts])
        value = torch.cat([v.to(_F64) for _, v in parts])
        out = torch.zeros(idx.numel(), dtype=_F64, device=device).index_put((idx,), value)
        if torch.is_grad_enabled() and not out.requires_grad:
            # every row constant (off the support, masked): still a result of the inputs, with zero gradient
            for a in (point, logits, t):
                if isinstance(a, torch.Tensor) and a.requires_grad:
                    out = out + torch.nan_to_num(a * 0.0, nan=0.0, posinf=0.0, neginf=0.0).sum().to(_F64)
        return _finish(out.reshape(batch), batch, dtype)
    raise AssertionError("rows left unsettled")  # unreachable: settled rows take no kernel


def _settled(name, kernels, exact_kind, grad_kind, rows, k, safe):
    """Rows settled exactly: the value of the NumPy module's exact arithmetic (the printed kernel of
    ``exact_kind``), the gradient of the torch kernel ``grad_kind`` (value + (g - g.detach())); where that
    kernel is not finite either (values beyond float64's range inside it) the row is a constant."""
    p, x, t = rows
    exact = _exactly(name, exact_kind, p, x, t, k)
    g, _, _ = _evaluate(kernels[grad_kind], p, x, t, k)
    with torch.no_grad():
        beyond = ~torch.isfinite(g.detach())
    if bool(beyond.any()):   # the same rows again at a safe point: no inf or NaN in their backward pass
        p = torch.where(beyond[:, None], safe(p.shape[-1]).to(p.device), p)
        g, _, _ = _evaluate(kernels[grad_kind], p, x, t, k)
        g = torch.where(beyond, 0.0, g)
    return exact + (g - g.detach())


def _finish(value, batch, dtype):
    if tuple(value.shape) != tuple(batch):
        value = value.expand(batch)
    return value.to(dtype)


def log_prob(y, logits, tau):
    """log p(y | logits, tau) of the Gumbel-softmax (Concrete) distribution, eq. (J28).

    Base measure: Lebesgue measure on (y_1, ..., y_{k-1}), y_k = 1 - sum of the others.  Conversions:
    log_prob_exp (Lebesgue on log y_1..log y_{k-1}) = log_prob + sum_{i<k} log y_i; the libraries' log-space
    log_prob (torch ExpRelaxedCategorical, TFP ExpRelaxedOneHotCategorical; w.r.t. e^{-x_k} dx, x = log y)
    = log_prob_exp + log y_k = log_prob + sum_i log y_i.  ``y`` (..., k) on the open simplex, ``logits``
    (..., k) unnormalised log pi (a constant added to a row changes nothing), ``tau`` > 0 a scalar or a
    tensor; their batch shapes broadcast to the result's shape.  Tensors, or array-likes (torch.as_tensor;
    Python numbers and lists as float64); the result is a tensor on the inputs' device.  dtype: torch's
    promoted dtype of y and logits if a float (float16 / bfloat16 / float32 in, the same out), else
    float64; computed in float64.  Differentiable (autograd) in y, logits and tau.  Off the support (a y_i
    <= 0, or |sum y - 1| > support_tolerance(y.dtype)): -inf.  A -inf logit (a masked category), or a
    +inf one beside others, puts a zero in pi: the distribution lies on a face of the simplex, with no
    density here: -inf.  NaN in y or logits: NaN.  A value beyond float64's range: +-inf.  Raises
    ValueError naming the argument for tau <= 0 or not finite, k < 2, a row of logits all -inf or with
    two +inf, mismatched last axes, batch shapes that do not broadcast, non-numeric input.
    """
    device = _device(y, logits, tau)
    x = _logits(logits, device)
    y = _tensor("y", y, device)
    _last_axis("y", y, x.shape[-1])
    t = _tau(tau, device)
    batch = _batch("y, logits, tau", y.shape[:-1], x.shape[:-1], t.shape)
    return _density("log_prob", _off_simplex, y, x, t, batch, _out_dtype(y, x), support_tolerance(y.dtype),
                    _TAU_Y, _uniform)


def log_prob_from_log(log_y, logits, tau):
    """log p(y | logits, tau) of eq. (J28) evaluated from log y (``log_y`` (..., k)): exact where y
    underflows.  Base measure: Lebesgue measure on (y_1, ..., y_{k-1}), the density of log_prob (not of
    log y: that is log_prob_exp = log_prob_from_log + sum_{i<k} log y_i, Lebesgue on log y_1..log y_{k-1};
    the libraries' log-space log_prob, w.r.t. e^{-x_k} dx, = log_prob_from_log + sum_i log y_i).  Off the
    support (a log_y_i = -inf, or |logsumexp(log_y)| > support_tolerance(log_y.dtype)): -inf.  Shapes,
    dtypes, devices, gradients, infinite and NaN input, errors: as log_prob."""
    return _from_log("log_prob_from_log", log_y, logits, tau)


def _from_log(name, log_y, logits, tau):
    """A density evaluated from ``log_y`` by the printed kernels ``name``: validation, support and dtypes of
    log_prob_from_log (log_prob_exp differs from it only in its kernels)."""
    device = _device(log_y, logits, tau)
    x = _logits(logits, device)
    log_y = _tensor("log_y", log_y, device)
    _last_axis("log_y", log_y, x.shape[-1])
    t = _tau(tau, device)
    batch = _batch("log_y, logits, tau", log_y.shape[:-1], x.shape[:-1], t.shape)
    return _density(name, _off_simplex_log, log_y, x, t, batch, _out_dtype(log_y, x),
                    support_tolerance(log_y.dtype), _TAU_PIVOT, _uniform_log)


def log_prob_u(u, logits):
    """log p(u_1, ..., u_{k-1} | logits) of eq. (8), u_i = tau (log y_i - log y_k).

    Base measure: Lebesgue measure on R^{k-1}, on u, not y: log_prob(y) = log_prob_u(u) + (k-1) log tau
    - sum_i log y_i (u_i = tau (log y_i - log y_k)); then log_prob_exp = log_prob + sum_{i<k} log y_i, and the
    libraries' log-space form (w.r.t. e^{-x_k} dx) = log_prob + sum_i log y_i.  ``u`` (..., k-1), ``logits``
    (..., k); the batch shapes broadcast.  A u_i = +-inf is off R^{k-1}: -inf; a zero in pi (infinite
    logits, as in log_prob): -inf; NaN in: NaN; beyond float64's range: +-inf.  dtypes, devices,
    gradients and errors as log_prob.
    """
    device = _device(u, logits)
    x = _logits(logits, device)
    u = _tensor("u", u, device)
    _last_axis("u", u, x.shape[-1] - 1, what="k-1")
    batch = _batch("u, logits", u.shape[:-1], x.shape[:-1])
    dtype = _out_dtype(u, x)
    u = u.to(_F64)
    full = torch.cat([u.expand(*batch, u.shape[-1]), torch.zeros(*batch, 1, dtype=_F64, device=u.device)], -1)
    return _density("log_prob_u", _off_domain, full, x, None, batch, dtype, 0.0, None, _origin)
def log_prob_exp(log_y, logits, tau):
    """log p_X(x | logits, tau), x = log y: the log-space (ExpConcrete) density, eq. (5) of the log-space
    write-up, log Gamma(k) + (k-1) log tau + sum_i (logits_i - tau x_i) - k logsumexp_i(logits_i - tau x_i) - x_k.

    Base measure: Lebesgue measure on (x_1, ..., x_{k-1}) = (log y_1, ..., log y_{k-1}) (x_k = log(1 - sum of
    the others' e^x)).  Conversions: log_prob_exp = log_prob + sum_{i<k} log y_i (log_prob: Lebesgue on
    y_1..y_{k-1}); the libraries' log-space log_prob (torch ExpRelaxedCategorical, TFP
    ExpRelaxedOneHotCategorical), a density w.r.t. e^{-x_k} dx, = log_prob_exp + log y_k = log_prob +
    sum_i log y_i.  ``log_y`` (..., k) as for log_prob_from_log (e.g. from sample_log); support, shapes,
    dtypes, devices, gradients, infinite and NaN input, errors: as log_prob_from_log (off the support: -inf)."""
    return _from_log("log_prob_exp", log_y, logits, tau)


def _size(size):
    """numpy.random's ``size``: None (as ()), an integer n (as (n,)) or a sequence of integers."""
    def dim(d):
        if isinstance(d, bool) or type(d).__name__ == "bool_":
            raise TypeError("a boolean")
        return operator.index(d)
    try:
        if size is None:
            dims = ()
        else:
            try:
                dims = (dim(size),)
            except TypeError:
                if isinstance(size, (str, bytes)):
                    raise
                dims = tuple(map(dim, size))
    except (TypeError, ValueError):
        raise ValueError(f"size: need None, an integer or a sequence of integers, got {size!r}") from None
    if any(d < 0 for d in dims):
        raise ValueError(f"size: negative dimensions are not allowed, got {size!r}")
    return dims


def _rng(rng, device):
    """None (torch's default generator), a torch.Generator, or an integer seed >= 0 (a new Generator)."""
    if rng is None or isinstance(rng, torch.Generator):
        if rng is not None and rng.device.type != device.type:
            raise ValueError(f"rng: a generator on {rng.device} for tensors on {device}")
        return rng
    try:
        if isinstance(rng, bool):
            raise TypeError("a boolean")
        seed = operator.index(rng)
    except TypeError:
        raise ValueError(f"rng: need None, an integer seed or a torch.Generator, got {rng!r}") from None
    if seed < 0:
        raise ValueError(f"rng: a seed must be >= 0, got {seed}")
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    return gen


def _gumbel(gen, shape, device):
    """Standard Gumbel draws of ``shape`` in float64, -log E with E ~ Exp(1) (kept above 0); a shape that
    cannot be allocated is a ValueError naming ``size``."""
    try:
        e = torch.empty(shape, dtype=_F64, device=device)
    except (RuntimeError, MemoryError) as exc:
        raise ValueError(f"size: {shape} draws cannot be allocated ({type(exc).__name__})") from None
    e.exponential_(generator=gen)
    return torch.negative(torch.log(e.clamp_(min=torch.finfo(_F64).tiny)))


def _sample_log(logits, tau, size, rng):
    """(float64 log y with its graph, the output dtype) of the samplers."""
    device = _device(logits, tau)
    x = _logits(logits, device)
    t = _tau(tau, device)
    size, gen = _size(size), _rng(rng, device)
    dtype = _out_dtype(x)
    x, _, wide = _parameters(x, sampler=True)
    k = x.shape[-1]
    batch = _batch("logits, tau", x.shape[:-1], t.shape)
    shape = size + batch + (k,)
    g = _gumbel(gen, shape, device)
    x, t = x.expand(shape), t.expand(size + batch)[..., None]
    rows = None
    if wide is not None:
        with torch.no_grad():
            rows = wide.expand(size + batch) & (t.detach()[..., 0] > 1)
            rows = rows if bool(rows.any()) else None
    if rows is None:
        return _kernel_sample_log(x, g, t, k, -1), dtype
    # logits spread beyond 2**1022: v - max v may overflow where (v - max v) / tau (tau > 1) does not.  Those
    # rows (rare) take the NumPy module's exact arithmetic, one at a time, and no part in the gradient.
    from .numpy import _exactly as exact_arithmetic, _kernel_sample_log as exact_kernel
    out = _kernel_sample_log(torch.where(rows[..., None], 0.0, x), g, t, k, -1)
    exact = torch.full(shape, -math.inf, dtype=_F64)
    for idx in map(tuple, torch.nonzero(rows).tolist()):
        live = torch.isfinite(x[idx].detach()).cpu()
        values = exact_arithmetic((exact_kernel,), g[idx].cpu()[live].numpy(),
                                    x[idx].detach().cpu()[live].numpy(), t[idx].detach().cpu().numpy(), int(live.sum()))
        exact[idx][live] = torch.as_tensor(values, dtype=_F64)
    return torch.where(rows[..., None], exact.to(device), out), dtype


def rsample_log(logits, tau, size=None, rng=None):
    """log y for y ~ GumbelSoftmax(logits, tau), Jang et al. (1), reparameterised: log softmax((logits + g)
    / tau), g standard Gumbel (torch's random draws), evaluated as (v - max v) / tau - log sum exp(...),
    v = logits + g.  Gradients flow to logits and tau (autograd through the printed kernel).

    ``logits`` (..., k), ``tau`` > 0 a scalar or a tensor; batch = broadcast(logits.shape[:-1], tau.shape).
    ``size``: None or () (one draw per distribution), an int n, or a sequence of ints (numpy.random's
    convention); the result has shape size + batch + (k,).  ``rng``: None (torch's default generator,
    seeded by torch.manual_seed), an integer seed >= 0, or a torch.Generator on the inputs' device.
    dtype: that of logits if a float, else float64; drawn and computed in float64.  Values:
    log-probabilities of the categories, a point of the simplex (exp of them may underflow to 0 at a low
    tau: use log_prob_from_log).  A -inf logit (masked) gives -inf there; a single +inf logit the
    degenerate sample (0 there, -inf elsewhere), a vertex.  Raises ValueError naming the argument for tau
    <= 0 or not finite, NaN logits, a row of logits all -inf or with two +inf, k < 2, batch shapes that do
    not broadcast, a size that is not a shape (or cannot be allocated), and an rng that is none of the above.
    """
    out, dtype = _sample_log(logits, tau, size, rng)
    return out.to(dtype)


def sample_log(logits, tau, size=None, rng=None):
    """log y for y ~ GumbelSoftmax(logits, tau): rsample_log's draws without a gradient (the same values
    for the same rng).  Arguments, shape, dtype, values and errors: as rsample_log."""
    with torch.no_grad():
        return rsample_log(logits, tau, size, rng)


def rsample(logits, tau, size=None, rng=None):
    """y ~ GumbelSoftmax(logits, tau) on the simplex, reparameterised: exp(rsample_log(...)), the same
    arguments, shape and dtype (exp taken in float64, then rounded).  At a low tau entries may underflow
    to exactly 0 (off the open simplex, so log_prob gives -inf there); rsample_log with log_prob_from_log
    avoids that."""
    out, dtype = _sample_log(logits, tau, size, rng)
    return torch.exp(out).to(dtype)


def sample(logits, tau, size=None, rng=None):
    """y ~ GumbelSoftmax(logits, tau): rsample's draws without a gradient.  As rsample."""
    with torch.no_grad():
        return rsample(logits, tau, size, rng)


from torch.distributions import constraints as _constraints
from torch.distributions.utils import lazy_property as _lazy_property


class GumbelSoftmax(torch.distributions.Distribution):
    """The Gumbel-softmax (Concrete) distribution on the simplex, Jang et al. (2017), Maddison et al. (2017).

    ``temperature`` > 0: a scalar, a tensor broadcasting with the batch, or per row: shape (n,) or (n, 1)
    with logits (n, k) gives batch_shape (n,).  Exactly one of ``logits`` (..., k) (unnormalised log pi)
    and ``probs`` (..., k) (normalised over the last axis).  event_shape (k,).  ``rsample`` / ``sample``
    draw by Jang et al. (1) with torch's default generator (rsample_log); ``log_prob(value)`` is the density
    w.r.t. Lebesgue measure on y_1..y_{k-1}, eq. (J28) (log_prob of this module): the same density as
    torch's RelaxedOneHotCategorical.log_prob, accurate to a few ulp and not NaN on its own low-temperature
    samples; -inf off the open simplex.  Differentiable in value, logits / probs and temperature.
    """

    arg_constraints = {"temperature": _constraints.positive, "logits": _constraints.real_vector,
                       "probs": _constraints.simplex}
    support = _constraints.simplex
    has_rsample = True

    def __init__(self, temperature, logits=None, probs=None, validate_args=None):
        if (logits is None) == (probs is None):
            raise ValueError("GumbelSoftmax: need exactly one of logits and probs")
        name, given = ("probs", probs) if logits is None else ("logits", logits)
        given = given if isinstance(given, torch.Tensor) else torch.as_tensor(given, dtype=torch.get_default_dtype())
        if given.ndim < 1 or given.shape[-1] < 2:
            raise ValueError(f"{name}: need shape (..., k) with k >= 2, got {tuple(given.shape)}")
        if not given.is_floating_point():
            given = given.to(torch.get_default_dtype())
        if logits is None:
            self.probs = given / given.sum(-1, keepdim=True)
            self._log_pi = torch.log(self.probs)
        else:
            self.logits = given - given.logsumexp(-1, keepdim=True)
            self._log_pi = given   # unnormalised: the density is the same, and not rounded by the normalisation
        # a Python number stays float64 (as tau in the functions): not rounded to the logits' dtype
        t = temperature if isinstance(temperature, torch.Tensor) else torch.as_tensor(temperature, dtype=torch.float64)
        if t.ndim >= 2 and t.ndim == given.ndim and t.shape[-1] == 1:
            t = t[..., 0]   # a per-row column (n, 1) for logits (n, k)
        self.temperature = t
        batch = _batch("temperature, " + name, t.shape, given.shape[:-1])
        super().__init__(torch.Size(batch), given.shape[-1:], validate_args=validate_args)

    @_lazy_property
    def logits(self):
        return self._log_pi - self._log_pi.logsumexp(-1, keepdim=True)

    @_lazy_property
    def probs(self):
        return torch.softmax(self._log_pi, -1)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(GumbelSoftmax, _instance)
        batch_shape = torch.Size(batch_shape)
        new.temperature = self.temperature.expand(batch_shape)
        new._log_pi = self._log_pi.expand(batch_shape + self.event_shape)
        for name in ("logits", "probs"):
            if name in self.__dict__:
                setattr(new, name, getattr(self, name).expand(batch_shape + self.event_shape))
        super(GumbelSoftmax, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=torch.Size()):
        return rsample(self._log_pi.expand(self.batch_shape + self.event_shape), self.temperature,
                       size=tuple(sample_shape))

    def sample(self, sample_shape=torch.Size()):
        with torch.no_grad():
            return self.rsample(sample_shape)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return log_prob(value, self._log_pi, self.temperature)

    def __repr__(self):
        name = "logits" if "logits" in self.__dict__ else "probs"
        t = self.temperature
        shown = t.item() if t.numel() == 1 else f"shape {tuple(t.shape)}"
        return (f"GumbelSoftmax(temperature: {shown}, {name}: {tuple(self.__dict__[name].shape)}, "
                f"batch_shape={tuple(self.batch_shape)}, event_shape={tuple(self.event_shape)})")


# Kernels: printed by codegen.backends.torch.printer.TorchRowPrinter.

def _rows_log_prob(y, logits, tau, k, axis):
    t0 = torch.log(y)
    t3 = _argmax(torch.subtract(logits, torch.multiply(t0, tau)), axis)
    t4 = _take(t0, t3, axis)
    t5 = _take(logits, t3, axis)
    return _dd_sum(t0, axis), t4, t5, _dd_sum(torch.exp(torch.subtract(torch.subtract(logits, t5), torch.multiply(tau, torch.subtract(t0, t4)))), axis), _dd_sum(logits, axis),


def _combine_log_prob(a0, a1, a2, a3, a4, tau, k):
    return _hi(_dd_add(_dd_mul(-1, a0), _dd_mul(-1, a2, k), a4, _dd_mul(-1, k, _dd_log(a3)), _dd_mul(tau, _dd_add(_dd_mul(-1, a0), _dd_mul(a1, k))), _dd_mul(k - 1, _dd_log(tau)), _dd_lgamma(k)))


def _rows_log_prob_from_log(log_y, logits, tau, k, axis):
    t2 = _argmax(torch.subtract(logits, torch.multiply(tau, log_y)), axis)
    t3 = _take(log_y, t2, axis)
    t4 = _take(logits, t2, axis)
    return _dd_sum(log_y, axis), t3, t4, _dd_sum(torch.exp(torch.subtract(torch.subtract(logits, t4), torch.multiply(tau, torch.subtract(log_y, t3)))), axis), _dd_sum(logits, axis),


def _combine_log_prob_from_log(a0, a1, a2, a3, a4, tau, k):
    return _hi(_dd_add(_dd_mul(-1, a0), _dd_mul(-1, a2, k), a4, _dd_mul(-1, k, _dd_log(a3)), _dd_mul(tau, _dd_add(_dd_mul(-1, a0), _dd_mul(a1, k))), _dd_mul(k - 1, _dd_log(tau)), _dd_lgamma(k)))


def _rows_log_prob_u(u, logits, k, axis):
    t0 = _dd_add(_dd_mul(-1, torch.amax(torch.subtract(logits, u), dim=axis, keepdim=True)), logits, _dd_mul(-1, u))
    return _dd_sum(torch.exp(_hi(t0)), axis), _dd_sum(t0, axis),


def _combine_log_prob_u(a0, a1, k):
    return _hi(_dd_add(a1, _dd_mul(-1, k, _dd_log(a0)), _dd_lgamma(k)))


def _kernel_sample_log(logits, gumbel, tau, k, axis):
    t0 = torch.add(gumbel, logits)
    t1 = torch.divide(torch.subtract(t0, torch.amax(t0, dim=axis, keepdim=True)), tau)
    return torch.subtract(t1, torch.log(torch.sum(torch.exp(t1), dim=axis, keepdim=True)))


def _rows_log_prob_careful(y, logits, tau, k, axis):
    t0 = torch.log(y)
    t3 = _argmax(torch.subtract(logits, torch.multiply(t0, tau)), axis)
    t4 = _dd_add(_dd_mul(-1, tau, _dd_add(t0, _dd_mul(-1, _take(t0, t3, axis)))), _dd_mul(-1, _take(logits, t3, axis)), logits)
    t5 = torch.amax(_hi(t4), dim=axis, keepdim=True)
    return _dd_sum(t0, axis), t5, _dd_sum(torch.exp(torch.subtract(_hi(t4), t5)), axis), _dd_sum(t4, axis),


def _combine_log_prob_careful(a0, a1, a2, a3, tau, k):
    return _hi(_dd_add(_dd_mul(-1, a0), a3, _dd_mul(-1, k, _dd_add(a1, _dd_log(a2))), _dd_mul(k - 1, _dd_log(tau)), _dd_lgamma(k)))


def _rows_log_prob_from_log_careful(log_y, logits, tau, k, axis):
    t2 = _argmax(torch.subtract(logits, torch.multiply(tau, log_y)), axis)
    t3 = _dd_add(_dd_mul(-1, tau, _dd_add(_dd_mul(-1, _take(log_y, t2, axis)), log_y)), _dd_mul(-1, _take(logits, t2, axis)), logits)
    t4 = torch.amax(_hi(t3), dim=axis, keepdim=True)
    return _dd_sum(log_y, axis), t4, _dd_sum(torch.exp(torch.subtract(_hi(t3), t4)), axis), _dd_sum(t3, axis),


def _combine_log_prob_from_log_careful(a0, a1, a2, a3, tau, k):
    return _hi(_dd_add(_dd_mul(-1, a0), a3, _dd_mul(-1, k, _dd_add(a1, _dd_log(a2))), _dd_mul(k - 1, _dd_log(tau)), _dd_lgamma(k)))


def _rows_log_prob_ratio(y, logits, tau, k, axis):
    t0 = torch.log(y)
    t3 = _argmax(torch.subtract(logits, torch.multiply(t0, tau)), axis)
    t4 = _dd_add(_dd_mul(-1, tau, _log_ratio(y, _take(y, t3, axis))), _dd_mul(-1, _take(logits, t3, axis)), logits)
    t5 = torch.amax(_hi(t4), dim=axis, keepdim=True)
    return _dd_sum(t0, axis), t5, _dd_sum(torch.exp(torch.subtract(_hi(t4), t5)), axis), _dd_sum(t4, axis),


def _combine_log_prob_ratio(a0, a1, a2, a3, tau, k):
    return _hi(_dd_add(_dd_mul(-1, a0), a3, _dd_mul(-1, k, _dd_add(a1, _dd_log(a2))), _dd_mul(k - 1, _dd_log(tau)), _dd_lgamma(k)))


def _rows_log_prob_exp(log_y, logits, tau, k, axis):
    t2 = _argmax(torch.subtract(logits, torch.multiply(tau, log_y)), axis)
    t3 = _take(log_y, t2, axis)
    t4 = _take(logits, t2, axis)
    return _last(log_y, axis), _dd_sum(log_y, axis), t3, t4, _dd_sum(torch.exp(torch.subtract(torch.subtract(logits, t4), torch.multiply(tau, torch.subtract(log_y, t3)))), axis), _dd_sum(logits, axis),


def _combine_log_prob_exp(a0, a1, a2, a3, a4, a5, tau, k):
    return _hi(_dd_add(_dd_mul(-1, a0), _dd_mul(-1, a3, k), a5, _dd_mul(-1, k, _dd_log(a4)), _dd_mul(tau, _dd_add(_dd_mul(-1, a1), _dd_mul(a2, k))), _dd_mul(k - 1, _dd_log(tau)), _dd_lgamma(k)))


def _rows_log_prob_exp_careful(log_y, logits, tau, k, axis):
    t1 = _argmax(torch.subtract(logits, torch.multiply(tau, log_y)), axis)
    t2 = _dd_add(_dd_mul(-1, tau, _dd_add(_dd_mul(-1, _take(log_y, t1, axis)), log_y)), _dd_mul(-1, _take(logits, t1, axis)), logits)
    t3 = torch.amax(_hi(t2), dim=axis, keepdim=True)
    return _last(log_y, axis), t3, _dd_sum(torch.exp(torch.subtract(_hi(t2), t3)), axis), _dd_sum(t2, axis),


def _combine_log_prob_exp_careful(a0, a1, a2, a3, tau, k):
    return _hi(_dd_add(_dd_mul(-1, a0), a3, _dd_mul(-1, k, _dd_add(a1, _dd_log(a2))), _dd_mul(k - 1, _dd_log(tau)), _dd_lgamma(k)))
