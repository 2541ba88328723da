# ruff: noqa
"""The JAX module's CPU path on the compiled kernels (gumbel_softmax.numba, the extra ``compiled``),
inserted into template.py at ``# @@COMPILED@@``: on the CPU backend, large inputs of log_prob,
log_prob_from_log run through jax.experimental.buffer_callback (in place on XLA's buffers; else
jax.pure_callback) on the compiled kernels, with a jax.custom_jvp that
takes the gradients the kernels write beside the values (printed from the verified gradient forms,
codegen/gradients.py): first derivatives in forward and reverse mode.  Rows the kernels flag (off the
support, not finite, extreme parameters, digits possibly lost) take this module's own kernels (one
lax.cond: the whole batch, only when a row is flagged).  Second derivatives differentiate this module's
kernels (the gradients' own custom_jvp).  No formula lives here."""
import functools
import math

import jax
import jax.numpy
import numpy

# --- template start ---
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
