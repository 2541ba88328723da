"""The compiled kernels' gradients (gumbel_softmax.numba ``_block_<name>_grad``, printed from the gradient
forms codegen.gradients.KERNEL_GRADIENTS, claim cg.kernel_gradients) and the torch and JAX backends' CPU path
on them: against mpmath derivatives of the verified (J28), against the backends' own kernels, with the
flagged rows (off the support, NaN, extreme logits) handed back, broadcasting, dtypes, jit / vmap / jvp /
grad in JAX, gradcheck and second derivatives (create_graph) in torch.

Measures: d/dlogits, d/dlog y, d/dtau within 1e-13 max(1, |ref|); d/dy within 1e-13 max(1, |ref log y|,
tau + 1) / y (the gradient in y is the one in log y divided by y: its terms k tau s - tau - 1 cancel, in
every float64 evaluation, to ulps of tau + 1, and the division carries that to 1/y).
"""
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("numba", reason="the compiled kernels need numba (pip install '.[compiled]')")
import sympy as sp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/ from the repo root
from bench.reference import gradient_row, load_generated
from checks.decide import decide
from codegen import gradients
from codegen.claims import _arrays, _build, _claim, _grad_kernel_pairs
from codegen.forms import instantiate
from derive.model import MODEL

gn = load_generated("numpy")
gb = load_generated("numba")
BOUND = 1e-13


def _rows(k, tau, n, seed=0):
    """(log y, logits) n rows: logits 2 N(0, 1), points from the NumPy module's sample_log (the log-space
    samples a user's training loop draws)."""
    rng = np.random.default_rng([seed, k, int(tau * 1000)])
    logits = 2 * rng.normal(size=(n, k))
    return gn.sample_log(logits, tau, rng=rng), logits


def _kernel(name, point, logits, tau):
    lgamma_k = tuple(0.0 if p is None else float(p) for p in gn._dd_lgamma(point.shape[-1]))
    limit = gn._TAU_Y if name == "log_prob" else gn._TAU_PIVOT
    return gb.evaluate(name, np.ascontiguousarray(point), np.ascontiguousarray(logits), np.array([tau]), lgamma_k,
                       float(gn.support_tolerance(np.float64)), float(limit), 1, None, gradients=True)


def _errors(name, log_y, logits, tau, g_point, g_logits, g_tau):
    """The largest errors of one row's gradients against gradient_row (40 digits), in the module's measures."""
    ref = gradient_row(log_y, logits, tau)
    lg = np.array([float(v) for v in ref["log_y"]])
    rx = np.array([float(v) for v in ref["logits"]])
    rt = float(ref["tau"])
    y = np.exp(log_y)
    if name == "log_prob":
        fin = np.isfinite(g_point)
        ry = np.array([float(v) for v in ref["y"]])
        scale = np.maximum.reduce([np.ones_like(lg), np.abs(lg), np.full_like(lg, tau + 1)])
        point = np.max(np.abs(y[fin] * g_point[fin] - y[fin] * ry[fin]) / scale[fin], initial=0.0)
    else:
        point = np.max(np.abs(g_point - lg) / np.maximum(1, np.abs(lg)))
    return {"point": point, "logits": np.max(np.abs(g_logits - rx) / np.maximum(1, np.abs(rx))),
            "tau": abs(g_tau - rt) / max(1.0, abs(rt))}


@pytest.mark.parametrize("k", [2, 3, 10, 100, 1000])
@pytest.mark.parametrize("tau", [0.01, 0.1, 0.5, 2.0, 5.0])
@pytest.mark.parametrize("name", ["log_prob", "log_prob_from_log"])
def test_kernel_gradients_against_mpmath(name, k, tau):
    n = 6 if k <= 10 else (3 if k <= 100 else 1)
    log_y, logits = _rows(k, tau, n)
    point = np.exp(log_y) if name == "log_prob" else log_y
    _, flags, (g_point, g_logits, g_tau) = _kernel(name, point, logits, tau)
    # d/dy_a beyond float64's range where y_a is tiny (|d/dy| ~ (tau + 1) / y_a): inf, never NaN
    assert not np.any(np.isnan(g_point[flags == 0]))
    assert np.all(np.isfinite(g_point[flags == 0]) | (point[flags == 0] < 1e-300))
    assert np.all(np.isfinite(g_logits[flags == 0])) and np.all(np.isfinite(g_tau[flags == 0]))
    checked, underflow = 0, 0
    for r in np.nonzero(flags == 0)[0]:
        if name == "log_prob" and np.any(point[r] == 0):
            underflow += 1
            continue  # y underflows: log_prob_from_log's row
        at = np.log(point[r]) if name == "log_prob" else log_y[r]  # the y read: subnormal y are rounded
        errors = _errors(name, at, logits[r], tau, g_point[r], g_logits[r], g_tau[r])
        assert max(errors.values()) <= BOUND, (r, errors)
        checked += 1
    assert checked >= 1 or (name == "log_prob" and underflow + np.count_nonzero(flags) == n)


def test_a_wrong_kernel_gradient_is_refuted():
    """The kernel's d/dlogits with its k replaced by k - 1 (1 - (k-1) s_a) is refuted by the checker."""
    k_sym = gradients.forms.K
    wrong = {name: {**g, "logits": g["logits"].subs(k_sym, k_sym - 1)}
             for name, g in gradients.KERNEL_GRADIENTS.items()}

    def pairs(s):
        saved = dict(gradients.KERNEL_GRADIENTS)
        gradients.KERNEL_GRADIENTS.update(wrong)
        try:
            return _grad_kernel_pairs(s)
        finally:
            gradients.KERNEL_GRADIENTS.update(saved)
    claim = _claim("cg.kernel_gradients.wrong", "J28", "a wrong kernel gradient", "x", _build(pairs), ks=(3,))
    assert decide(claim, MODEL).verdict == "refuted"


def test_kernel_gradient_forms_share_the_printed_density_expressions():
    """The gradient forms are made of the printed density's own log-sum-exp (one CSE prints both), and at
    k = 3 d/dlogits sums to 0 over the categories (shift invariance of (J28)), at any point."""
    from derive.model import symbols_for
    s = symbols_for(3)
    rng = np.random.default_rng(0)
    for name, g in gradients.KERNEL_GRADIENTS.items():
        form = gn_forms()[name]
        (lse,) = [a for a in form.atoms(sp.Sum) if isinstance(a.function, sp.exp)]
        assert g["logits"].has(lse) and g["point"].has(lse) and g["tau"].has(lse)
        total = sum(instantiate(g["logits"], s, _arrays(s), j) for j in range(3))
        point = {sym: sp.Float(rng.uniform(0.1, 1.0), 40) for sym in total.free_symbols}
        assert abs(sp.N(total.xreplace(point), 40)) < 1e-30, name


def gn_forms():
    from codegen import forms
    return {"log_prob": forms.LOG_PROB, "log_prob_from_log": forms.LOG_PROB_FROM_LOG}


# ------------------------------------------------------------------------------------------ torch
@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="gumbel_softmax.torch needs torch (pip install '.[torch]')")


def _torch_grads(torch, fn, point, logits, tau, mode, dtype=None, weights=True):
    """(value, d/dpoint, d/dlogits, d/dtau) of sum(w * fn(...)) with the compiled path ``mode``."""
    dtype = dtype or torch.float64
    p = torch.tensor(point, dtype=dtype, requires_grad=True)
    x = torch.tensor(logits, dtype=dtype, requires_grad=True)
    t = torch.tensor(tau, dtype=torch.float64, requires_grad=True)
    context = gn._compiled_always() if mode == "always" else gn._compiled_never()
    with context:
        v = fn(p, x, t)
    w = torch.linspace(0.5, 1.5, v.numel(), dtype=v.dtype).reshape(v.shape) if weights else 1.0
    finite = torch.isfinite(v)
    (v * w)[finite].sum().backward()
    return v.detach(), p.grad, x.grad, t.grad


def _close(a, b, bound):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    same = (np.isnan(a) == np.isnan(b)).all() and (np.isinf(a) == np.isinf(b)).all()
    fin = np.isfinite(b)
    return same and (np.abs(a[fin] - b[fin]) <= bound * np.maximum(1, np.abs(b[fin]))).all()


@pytest.mark.parametrize("name", ["log_prob", "log_prob_from_log"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_torch_compiled_path_agrees_with_its_own_kernels(torch, name, dtype):
    """Values and gradients (per-row tau, broadcast logits) with the compiled path forced and without it;
    a few rows flagged (off the support, NaN, logits spread beyond the plain kernel)."""
    gt = load_generated("torch")
    log_y, logits = _rows(10, 0.5, 300)
    y = np.exp(log_y)
    y[3] = 0.2                                    # off the simplex
    y[7, 0] = np.nan
    logits[9, :2] = 400.0, -400.0                 # beyond the plain kernel's spread
    point = y if name == "log_prob" else np.log(y)
    tau = np.linspace(0.2, 3.0, 300)
    td = getattr(torch, dtype)
    fast = _torch_grads(torch, getattr(gt, name), point, logits, tau, "always", td)
    slow = _torch_grads(torch, getattr(gt, name), point, logits, tau, "never", td)
    assert fast[0].dtype == td and fast[1].dtype == td and fast[2].dtype == td
    bound = 4e-15 if dtype == "float64" else 3e-7
    assert _close(fast[0], slow[0], bound)
    for a, b in zip(fast[2:], slow[2:]):        # logits, tau
        assert _close(a, b, 1e-12 if dtype == "float64" else 3e-7)
    # y: in the log-y measure (see the module docstring)
    scale = np.exp(log_y) if name == "log_prob" else 1.0
    assert _close(fast[1].double().numpy() * scale, slow[1].double().numpy() * scale,
                  (1e-12 if dtype == "float64" else 3e-7) * 4)
    assert torch.isfinite(fast[1][np.isfinite(y).all(1)]).all()


def test_torch_compiled_path_broadcasts_logits_and_gradcheck(torch):
    """gradcheck and gradgradcheck (second derivatives: the backward pass then builds its graph on the
    module's own kernels) with the compiled path forced, the points through softmax (on the simplex, as
    tests/test_backend_torch.py does), the logits (k,) every row's, tau a scalar."""
    gt = load_generated("torch")
    torch.manual_seed(0)
    a = torch.randn(6, 4, dtype=torch.float64, requires_grad=True)
    x = torch.randn(4, dtype=torch.float64, requires_grad=True)
    t = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    with gn._compiled_always():
        for f, onto in ((gt.log_prob, lambda v: torch.softmax(v, -1)),
                        (gt.log_prob_from_log, lambda v: torch.log_softmax(v, -1))):
            assert torch.autograd.gradcheck(lambda v, w, s, f=f, onto=onto: f(onto(v), w, s), (a, x, t))
            assert torch.autograd.gradgradcheck(lambda v, w, s, f=f, onto=onto: f(onto(v), w, s), (a, x, t))
        # the kernel's gradients were used (a first-order backward pass through the compiled Function)
        v = gt.log_prob(torch.softmax(a, -1), x, t)
        assert type(v.grad_fn).__name__ != "ViewBackward0" or "Compiled" in str(v.grad_fn.next_functions)


def test_torch_log_prob_exp_with_a_gradient_keeps_its_own_kernels(torch):
    gt = load_generated("torch")
    log_y, logits = _rows(10, 0.5, 50)
    ly = torch.tensor(log_y, requires_grad=True)
    with gn._compiled_always():
        v = gt.log_prob_exp(ly, torch.tensor(logits), 0.5)
        with torch.no_grad():
            w = gt.log_prob_exp(torch.tensor(log_y), torch.tensor(logits), 0.5)
    v.sum().backward()
    assert torch.isfinite(ly.grad).all()
    assert _close(v.detach(), w, 4e-15)


def test_torch_no_gradient_nan_on_its_own_samples_at_low_temperature(torch):
    """Issue 15: no gradient NaN on the backend's own log-space samples for tau >= 0.01, k <= 1000."""
    gt = load_generated("torch")
    for k, n in ((10, 4000), (1000, 40)):
        log_y, logits = _rows(k, 0.01, n, seed=3)
        with gn._compiled_always():
            _, gl, gx, gtau = _torch_grads(torch, gt.log_prob_from_log, log_y, logits, 0.01, "always")
        assert torch.isfinite(gl).all() and torch.isfinite(gx).all() and torch.isfinite(gtau).all()


# -------------------------------------------------------------------------------------------- jax
@pytest.fixture(scope="module")
def jax():
    jax = pytest.importorskip("jax", reason="gumbel_softmax.jax needs jax (pip install '.[jax]')")
    saved = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield jax
    jax.config.update("jax_enable_x64", saved)


@pytest.mark.parametrize("name", ["log_prob", "log_prob_from_log"])
def test_jax_compiled_path_agrees_with_its_own_kernels(jax, name):
    """Values, jax.grad (under jit) and jax.jvp with the compiled path forced and without it; flagged rows."""
    gj = load_generated("jax")
    log_y, logits = _rows(10, 0.5, 200)
    y = np.exp(log_y)
    y[3] = 0.2
    y[7, 0] = np.nan
    logits[9, :2] = 400.0, -400.0
    point = y if name == "log_prob" else np.log(y)
    fn = getattr(gj, name)
    w = np.linspace(0.5, 1.5, 200)
    out = {}
    for mode, context in (("always", gn._compiled_always), ("never", gn._compiled_never)):
        with context():
            v = jax.jit(lambda a, b, c: fn(a, b, c))(point, logits, 0.5)
            g = jax.jit(jax.grad(lambda a, b, c: jax.numpy.nansum(fn(a, b, c) * w), argnums=(0, 1, 2)))(
                point, logits, 0.5)
            _, tangent = jax.jvp(lambda a: fn(a, logits, 0.5), (point,), (np.ones_like(point),))
            batched = jax.vmap(lambda a, b: fn(a, b, 0.5))(point.reshape(4, 50, 10), logits.reshape(4, 50, 10))
        out[mode] = [np.asarray(a) for a in (v, *g, tangent, batched)]
    fast, slow = out["always"], out["never"]
    assert _close(fast[0], slow[0], 4e-15) and _close(fast[5].reshape(-1), slow[0], 4e-15)
    assert _close(fast[2], slow[2], 1e-12) and _close(fast[3], slow[3], 1e-12)
    scale = np.where(np.isfinite(y), y, 1.0) if name == "log_prob" else 1.0
    good = np.isfinite(slow[1]).all(1)
    assert _close((fast[1] * scale)[good], (slow[1] * scale)[good], 4e-12)
    assert _close(fast[4][good], slow[4][good], 1e-9)


def test_jax_compiled_path_reads_float32_as_it_is(jax):
    gj = load_generated("jax")
    log_y, logits = _rows(10, 0.5, 100)
    y, x = np.exp(log_y).astype(np.float32), logits.astype(np.float32)
    with gn._compiled_always():
        v = gj.log_prob(y, x, 0.5)
        g = jax.grad(lambda a: gj.log_prob(a, x, 0.5).sum())(y)
    with gn._compiled_never():
        w = gj.log_prob(y, x, 0.5)
    assert v.dtype == np.float32 and g.dtype == np.float32
    assert _close(v, w, 3e-7)


def test_jax_no_gradient_nan_on_its_own_samples_at_low_temperature(jax):
    gj = load_generated("jax")
    for k, n in ((10, 400), (1000, 8)):
        log_y, logits = _rows(k, 0.01, n, seed=3)
        with gn._compiled_always():
            g = jax.grad(lambda a, b, c: gj.log_prob_from_log(a, b, c).sum(), argnums=(0, 1, 2))(log_y, logits, 0.01)
        assert all(bool(jax.numpy.isfinite(a).all()) for a in g)


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")  # inside torch.func
def test_torch_forward_mode_func_transforms_and_inference_tensors_keep_their_answers(torch):
    """Found by a break-it pass: a forward-mode tangent, a torch.func transform and an inference tensor with
    a gradient wanted take the module's own kernels (before: a dropped tangent, a crash, an error)."""
    gt = load_generated("torch")
    import torch.autograd.forward_ad as fwad
    log_y, logits = _rows(8, 0.7, 64)
    y, x = torch.tensor(np.exp(log_y)), torch.tensor(logits)
    tangent = torch.linspace(-1, 1, x.numel(), dtype=torch.float64).reshape(x.shape)
    out = {}
    for mode, context in (("always", gn._compiled_always), ("never", gn._compiled_never)):
        with context():
            with fwad.dual_level():
                dual = gt.log_prob(y, fwad.make_dual(x, tangent), 0.7)
                forward = fwad.unpack_dual(dual).tangent
            func = torch.func.grad(lambda a: gt.log_prob(y, a, 0.7).sum())(x)
            with torch.inference_mode():
                yi = y.clone()
            xr = x.clone().requires_grad_()
            (inference,) = torch.autograd.grad(gt.log_prob(yi, xr, 0.7).sum(), xr)
        out[mode] = (forward, func, inference)
    for a, b in zip(out["always"], out["never"]):
        assert a is not None and _close(a, b, 1e-12)


def test_jax_traced_bad_temperature_is_nan(jax):
    """Found by a break-it pass: under jit a tau <= 0 cannot raise; the compiled path gives NaN there too."""
    gj = load_generated("jax")
    log_y, logits = _rows(8, 0.7, 64)
    y = np.exp(log_y)
    with gn._compiled_always():
        f = jax.jit(gj.log_prob)
        assert bool(jax.numpy.isnan(f(y, logits, -1.0)).all())
        tau = np.where(np.arange(64) == 1, -2.0, 0.7)
        v = np.asarray(f(y, logits, tau))
    assert np.isnan(v[1]) and np.isfinite(np.delete(v, 1)).all()


def test_jax_pure_callback_route_gives_the_same(jax, monkeypatch):
    """Where jax.experimental.buffer_callback does not exist the kernels are reached by jax.pure_callback."""
    gj = load_generated("jax")
    log_y, logits = _rows(10, 0.5, 100)
    y = np.exp(log_y)
    y[3] = 0.2
    out = []
    assert gj._buffer_callback is not None  # this JAX has it: both routes are exercised
    for route in (gj._buffer_callback, None):
        monkeypatch.setattr(gj, "_buffer_callback", route)
        with gn._compiled_always():
            v = jax.jit(lambda a, b: gj.log_prob(a, b, 0.5))(y, logits)
            g = jax.grad(lambda b: jax.numpy.nansum(gj.log_prob(y, b, 0.5)))(logits)
        out.append((np.asarray(v), np.asarray(g)))
    assert out[0][0].tobytes() == out[1][0].tobytes()
    assert np.array_equal(out[0][1], out[1][1]) and np.isneginf(out[0][0][3])


@pytest.mark.parametrize("name", ["log_prob", "log_prob_from_log"])
def test_jax_second_derivatives_on_the_compiled_path(jax, name):
    """jax.hessian and grad of grad of a compiled-path input (before: JAX's "Buffer callbacks do not support
    JVP"): the JAX kernels' own second derivatives, the same as without the compiled path; a flagged row
    (off the simplex) and a per-row tau among them."""
    gj = load_generated("jax")
    log_y, logits = _rows(6, 0.7, 12)
    y = np.exp(log_y)
    y[4] = 0.3
    point = y if name == "log_prob" else np.log(y)
    fn = getattr(gj, name)
    tau = np.linspace(0.4, 1.2, 12)
    w = np.linspace(0.5, 1.5, 12)
    total = lambda b, c: jax.numpy.nansum(jax.numpy.where(jax.numpy.isfinite(v := fn(point, b, c)), v, 0.0) * w)
    out = {}
    for mode, context in (("always", gn._compiled_always), ("never", gn._compiled_never)):
        with context():
            hx = jax.hessian(total)(logits, tau)
            ht = jax.jit(jax.grad(lambda c: jax.grad(total, argnums=1)(logits, c).sum()))(tau)
            hy = jax.jacrev(jax.grad(lambda a: jax.numpy.nansum(fn(a[None], logits[:1], 0.7))))(point[0])
        out[mode] = [np.asarray(a) for a in (hx, ht, hy)]
    for a, b in zip(out["always"], out["never"]):
        assert np.isfinite(a).all() and np.abs(a).max() > 0
        assert _close(a, b, 1e-12)
