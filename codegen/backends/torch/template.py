# ruff: noqa
"""The hand-written part of generated/gumbel_softmax/torch.py: argument checks, dtypes, devices,
broadcasting, the support masks and which printed kernel each row takes; the double-double helpers
the printed code calls are in template_dd.py, the log-space density, the samplers and the
Distribution class in template_dist.py.  No density formula lives here: the ``_rows_*``,
``_combine_*`` and ``_kernel_*`` functions are printed from SymPy by codegen.emit and inserted at the
marker below."""
# --- template start ---
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
# @@SHARED@@
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


# @@DOUBLE_DOUBLE@@
# @@COMPILED@@
# @@DENSITY@@
# @@LOG_SPACE@@
# @@KERNELS@@
