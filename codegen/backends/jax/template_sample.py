# ruff: noqa
"""The samplers of generated/gumbel_softmax/jax.py, inserted into codegen/backends/jax/template.py at its
marker by codegen.emit: JAX's random keys, numpy.random's ``size`` convention, the degenerate and
masked logits, and the Gumbel draws handed to the printed ``_kernel_sample_log``.  No formula lives here."""
import functools
import operator

import jax
import jax.numpy

# --- template start ---
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
