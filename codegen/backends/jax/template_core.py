# ruff: noqa
"""The hand-written machinery of the JAX densities, inserted into codegen/backends/jax/template.py at its
marker by codegen.emit: argument checks, dtypes, the support mask, which printed kernel each row takes
(decided inside the traced computation: jnp.where and lax.cond, no Python branch on values), and the rare
rows handed to the NumPy module through jax.pure_callback.  No density formula lives here: the kernels
are printed from SymPy by codegen.emit."""
import functools
import math

import jax
import jax.numpy

# --- template start ---
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
