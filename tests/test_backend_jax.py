"""The JAX module gumbel_softmax.jax: values against the mpmath reference and the NumPy module, the
bad-input and extreme cases of tests/test_extremes.py, dtypes, gradients against mpmath derivatives of
the verified expression, jax.test_util.check_grads, and jit / vmap / grad composing.

float64 needs JAX's x64 mode: the tests that use it take the ``x64`` fixture (jax.enable_x64 as a
context, so the setting does not leak to other test files); the others run in JAX's default float32.
Shapes are shared between tests where possible: each new shape is a new XLA compile (about a second).
"""
import sys
import warnings
from pathlib import Path

import mpmath
import numpy as np
import pytest

jax = pytest.importorskip("jax", reason="gumbel_softmax.jax needs jax (pip install '.[jax]')")
import jax.numpy as jnp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/ from the repo root
from bench.reference import load_generated, log_density_row, reference

gj = load_generated("jax")
gn = load_generated("numpy")
INF, TINY, HUGE = np.inf, 5e-324, np.finfo(np.float64).max
TAUS = (0.01, 0.1, 0.5, 1.0, 5.0)
FORMS = (("log_prob", False, False), ("log_prob_from_log", True, False), ("log_prob_exp", True, True))


@pytest.fixture
def x64():
    with jax.enable_x64(True):
        yield


@pytest.fixture(autouse=True)
def _no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def close(ours, ref, bound):
    """The issue's measure, |ours - ref| / max(1, |ref|) <= bound where ref is finite; the same infinity
    (or NaN) elsewhere."""
    ours, ref = np.atleast_1d(np.asarray(ours, dtype=np.float64)), np.atleast_1d(np.asarray(ref, dtype=np.float64))
    finite = np.isfinite(ref)
    assert np.array_equal(ours[~finite], ref[~finite], equal_nan=True), (ours, ref)
    err = np.abs(ours[finite] - ref[finite]) / np.maximum(1.0, np.abs(ref[finite]))
    assert not np.isnan(err).any() and (err.size == 0 or err.max() <= bound), (ours, ref, err)
    return float(err.max()) if err.size else 0.0


def table_rows(k, tau, dtype, n=8):
    """Rows as bench/accuracy.py's: logits 2 N(0, 1), points from the NumPy module's sample_log."""
    rng = np.random.default_rng([0, k, int(tau * 1000), np.dtype(dtype).itemsize])
    logits = (2 * rng.normal(size=k)).astype(dtype)
    log_y = gn.sample_log(logits, tau, size=n, rng=rng)
    return logits, log_y, np.exp(log_y.astype(np.float64)).astype(dtype)


def check_table(k, dtype, bounds):
    for tau in TAUS:
        logits, log_y, y = table_rows(k, tau, dtype)
        for name, from_log, log_space in FORMS:
            point = log_y if from_log else y
            out = getattr(gj, name)(point, logits, tau)
            assert out.dtype == dtype, (name, out.dtype)
            ref = reference(point, logits, tau, from_log=from_log, log_space=log_space)
            close(out, ref, bounds(name, tau))
            if dtype == np.float64:
                close(out, getattr(gn, name)(point, logits, tau), 2e-15)


# ---------------------------------------------------------------- (a) values

@pytest.mark.parametrize("k", [2, 100])
def test_float64_values_against_mpmath_and_the_numpy_module(x64, k):
    check_table(k, np.float64, lambda name, tau: 2e-15)


def test_float32_under_x64_is_computed_in_float64(x64):
    check_table(10, np.float32, lambda name, tau: 3e-7)


@pytest.mark.parametrize("k", [10])
def test_float32_by_default_in_float32_double_double(k):
    """Without x64: float32 arithmetic, double-double where terms cancel.  Within 3e-7 except
    log_prob_exp where k tau >= 50 (k log of a float32 sum of exps): the documented 1.3e-6."""
    def bounds(name, tau):
        return 2e-6 if name == "log_prob_exp" and k * tau >= 50 else 3e-7
    check_table(k, np.float32, bounds)


def test_a_wrong_reference_fails():
    """The comparison is not vacuous: one ulp-ish error beyond the bound is caught."""
    with pytest.raises(AssertionError):
        close([1.0 + 4e-15], [1.0], 2e-15)
    with pytest.raises(AssertionError):
        close([-INF], [0.5], 2e-15)
    with pytest.raises(AssertionError):
        close([np.nan], [0.5], 2e-15)


def test_error_free_transformations_survive_xla(x64):
    """two-sum, Dekker's product and the row sum are exact under jit (XLA does not reassociate)."""
    from fractions import Fraction as F
    rng = np.random.default_rng(3)
    a = rng.normal(size=64) * 10.0 ** rng.integers(-20, 20, size=64)
    b = rng.normal(size=64) * 10.0 ** rng.integers(-20, 20, size=64)
    s, e = jax.jit(gj._two_sum)(a, b)
    p, f = jax.jit(lambda a, b: gj._two_prod(a, b))(a, b)
    v = jnp.asarray(rng.normal(size=(4, 12)) * 1e8)
    hi, lo = jax.jit(lambda v: gj._dd_sum(v, -1))(v)
    for i in range(64):
        assert F(float(s[i])) + F(float(e[i])) == F(a[i]) + F(b[i])
        assert F(float(p[i])) + F(float(f[i])) == F(a[i]) * F(b[i])
    for r in range(4):
        exact = sum(F(float(t)) for t in np.asarray(v[r]))
        assert abs(F(float(hi[r, 0])) + F(float(lo[r, 0])) - exact) <= abs(exact) * F(2) ** -100
    with jax.enable_x64(False):  # float32: the splitter 2**12 + 1
        a32, b32 = a.astype(np.float32), b.astype(np.float32)
        p, f = jax.jit(lambda a, b: gj._two_prod(a, b))(a32, b32)
        for i in range(64):
            if np.isfinite(p[i]) and abs(float(p[i])) > 1e-30:
                assert F(float(p[i])) + F(float(f[i])) == F(float(a32[i])) * F(float(b32[i]))


# ---------------------------------------------------------------- (b) the table, bad input, extremes

def uniform_point(k, spread=0.1):
    ly = np.log(np.full(k, 1.0 / k)) + np.linspace(-spread, spread, k)
    return ly - np.log(np.sum(np.exp(ly)))


def density_calls(x, tau=0.7):
    """The four densities at one point of the open simplex for the logits ``x`` (..., k)."""
    ly = uniform_point(np.shape(x)[-1])
    return {"log_prob": lambda: gj.log_prob(np.exp(ly), x, tau),
            "log_prob_from_log": lambda: gj.log_prob_from_log(ly, x, tau),
            "log_prob_exp": lambda: gj.log_prob_exp(ly, x, tau),
            "log_prob_u": lambda: gj.log_prob_u(tau * (ly[:-1] - ly[-1]), x)}


def test_table_masked_category_and_the_float_range_in_log_prob_u(x64):
    assert gj.log_prob_u([0.0, 0.0], [-INF, 0.0, 0.0]) == -INF
    assert gj.log_prob_u([1e308, -1e308], np.zeros(3)) == -INF
    close(gj.log_prob_u([[1.0, -2.0], [1e300, 3.0]], np.zeros(3)), gn.log_prob_u([[1.0, -2.0], [1e300, 3.0]], np.zeros(3)), 1e-15)


def test_table_an_infinite_logit_samples_its_vertex():
    np.testing.assert_array_equal(gj.sample_log(np.array([INF, 0.0]), 1.0, size=(4,), rng=0), [[0.0, -INF]] * 4)
    np.testing.assert_array_equal(gj.sample(np.array([0.0, INF, -INF]), 0.3, size=2, rng=1), [[0.0, 1.0, 0.0]] * 2)


@pytest.mark.parametrize("logits", [[-INF, -INF], [INF, INF, 0.0], [np.nan, 0.0]])
def test_table_logits_that_define_no_distribution_raise(logits):
    for f in (gj.sample_log, gj.sample, gj.rsample_log):
        with pytest.raises(ValueError, match="^logits:"):
            f(np.array(logits), 1.0, size=(4,), rng=0)


@pytest.mark.parametrize("logits, tau", [([0.0, 1.0], TINY), ([1e4, 0.0], 1e-305)])
def test_table_tiny_temperatures_sample_a_vertex(x64, logits, tau):
    out = np.asarray(gj.sample_log(np.array(logits), tau, size=(4,), rng=0))
    assert np.all(np.sort(out, -1) == [-INF, 0.0])


def test_table_float16_uses_its_own_tolerance_and_returns_float16(x64):
    y = np.float16([0.1, 0.2, 0.7])
    out = gj.log_prob(y, np.zeros(3, np.float16), 1.0)
    assert out.dtype == jnp.float16 and out == gn.log_prob(y, np.zeros(3, np.float16), 1.0)
    assert gj.log_prob(y.astype(np.float64), np.zeros(3), 1.0) == -INF


def test_table_the_largest_temperature_and_rare_rows_through_numpy(x64):
    y, x = np.array([0.2, 0.3, 0.5]), np.zeros(3)
    for tau in (1e308, 1e9):
        close(gj.log_prob(y, x, tau), gn.log_prob(y, x, tau), 1e-15)
        close(gj.log_prob_from_log(np.log(y), x, tau), gn.log_prob_from_log(np.log(y), x, tau), 1e-15)


def test_table_size_conventions():
    out = gj.sample_log(np.zeros(3), 1.0, size=None, rng=5)
    assert out.shape == (3,)
    np.testing.assert_array_equal(out, gj.sample_log(np.zeros(3), 1.0, size=(), rng=5))
    assert gj.sample(np.zeros(3), 1.0, size=(2, 4), rng=5).shape == (2, 4, 3)
    assert gj.sample(np.zeros(3), 1.0, size=np.int64(2), rng=5).shape == (2, 3)
    for bad in (2.5, "a", True, -1, (2, -1), [2.5], object()):
        with pytest.raises(ValueError, match="^size:"):
            gj.sample_log(np.zeros(3), 1.0, size=bad, rng=0)


X_SPECIAL = np.array([[-INF, 0.0, 1.0], [INF, 0.0, 1.0], [INF, -INF, 1.0], [np.nan, 0.0, 1.0],
                      [np.nan, -INF, INF], [0.0, 1.0, 2.0]])


def test_infinite_and_nan_logits_in_the_densities():
    want = [-INF, -INF, -INF, np.nan, np.nan]
    for name, call in density_calls(X_SPECIAL).items():
        out = np.asarray(call())
        np.testing.assert_array_equal(out[:5], want, err_msg=name)
        assert np.isfinite(out[5]), name


@pytest.mark.parametrize("x", [[-INF, -INF, -INF], [INF, INF, 0.0], [INF, INF, INF]])
def test_logits_without_a_distribution_raise_in_every_function(x):
    x = np.array(x)
    for call in {**density_calls(x), "sample_log": lambda: gj.sample_log(x, 1.0, rng=0)}.values():
        with pytest.raises(ValueError, match="^logits:"):
            call()


def test_special_rows_only_affect_themselves_and_nan_points_win(x64):
    x = np.array([[0.0, 1.0, 2.0], [-INF, 1.0, 2.0], [np.nan, 1.0, 2.0], [0.0, INF, 2.0]])
    ly = np.array(gj.sample_log(x[0], 0.5, size=4, rng=3))
    out = np.asarray(gj.log_prob_from_log(ly, x, 0.5))
    assert np.isfinite(out[0]) and out[1] == -INF and np.isnan(out[2]) and out[3] == -INF
    close(out, gn.log_prob_from_log(ly, x, 0.5), 1e-15)
    ly[1, 0] = np.nan
    assert np.isnan(gj.log_prob_from_log(ly, x, 0.5)[1])


def test_points_off_the_domain_are_minus_inf(x64):
    x = np.zeros(3)
    for u in ([INF, 0.0], [-INF, 0.0], [1.0, INF]):
        assert gj.log_prob_u(u, x) == -INF
    assert gj.log_prob([INF, 0.5, 0.5], x, 1.0) == -INF
    assert gj.log_prob([0.0, 0.5, 0.5], x, 1e308) == -INF
    assert gj.log_prob([0.3, 0.3, 0.3], x, 1.0) == -INF          # |sum - 1| beyond the tolerance
    assert gj.log_prob_from_log([INF, 0.0, 0.0], x, 1.0) == -INF
    assert gj.log_prob_from_log([-INF, 0.0, -1.0], x, 1.0) == -INF


def test_every_function_over_the_whole_temperature_range(x64):
    """tau from the smallest subnormal to the largest float against the NumPy module (itself checked
    against mpmath at 400 digits in tests/test_extremes.py); the sampler against mpmath at 50 digits."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4)) * 3
    ly = gn.sample_log(x, 0.7, rng=rng)
    key = jax.random.key(7)
    g = np.asarray(jax.random.gumbel(key, (3, 4), jnp.float64))
    for tau in [TINY, 1e-320, 2.0**-1022, 1e-300, 1e-30, 1e-3, 1.0, 31.0, 33.0, 1e3, 2.0**40, 2.0**41,
                1e30, 1e300, HUGE]:
        close(gj.log_prob_from_log(ly, x, tau), gn.log_prob_from_log(ly, x, tau), 2e-14)
        close(gj.log_prob(np.exp(ly), x, tau), gn.log_prob(np.exp(ly), x, tau), 2e-14)
        out = np.asarray(gj.sample_log(x, tau, rng=key))
        with mpmath.workdps(50):
            for r in range(3):
                v = [mpmath.mpf(float(a)) for a in x[r] + g[r]]     # v as float64 adds them
                z = [(a - max(v)) / mpmath.mpf(tau) for a in v]
                lse = mpmath.log(mpmath.fsum(mpmath.exp(a) for a in z))
                close(out[r], [float(a - lse) for a in z], 1e-14)
        assert np.all(np.isfinite(np.asarray(gj.sample(x, tau, rng=key))))


def test_mixed_kinds_of_rows_in_one_batch_equal_row_by_row_and_numpy(x64):
    rng = np.random.default_rng(8)
    x = np.array([[0.0, 1.0, -2.0], [1e6, -1e6, 3.0], [0.5, 0.0, 2.0], [-INF, 0.0, 1.0], [1e250, 0.0, -1e250]])
    tau = np.array([0.7, 0.7, 1e9, 0.7, 1e9])
    ly = np.log(rng.dirichlet(np.ones(3), size=len(x)))
    ly[2] = gn.sample_log(x[2], tau[2], rng=rng)
    for f, g, point in ((gj.log_prob_from_log, gn.log_prob_from_log, ly), (gj.log_prob, gn.log_prob, np.exp(ly))):
        batch = np.asarray(f(point, x, tau))
        close(batch, g(point, x, tau), 1e-15)
        close(batch, [float(f(point[r], x[r], tau[r])) for r in range(len(x))], 1e-15)


@pytest.mark.parametrize("dtype", [jnp.float16, jnp.bfloat16, np.int32, np.bool_])  # float32: the tests above
def test_dtypes_in_and_out_by_default(dtype):
    x = jnp.asarray([[0.0, 1.0, 1.0], [1.0, 0.0, 0.5]]).astype(dtype)
    float_in = jnp.issubdtype(dtype, jnp.floating)
    want = jnp.dtype(dtype) if float_in else jnp.dtype(jnp.float32)
    ly = gj.sample_log(x, 0.8, rng=0)
    assert ly.dtype == want and gj.sample(x, 0.8, rng=0).dtype == want
    ly32 = jnp.asarray(ly, jnp.float32)
    out = gj.log_prob_from_log(ly32.astype(want), x, 0.8)
    assert out.dtype == want and bool(jnp.all(jnp.isfinite(out)))
    ref = reference(np.asarray(ly32.astype(want).astype(jnp.float32), np.float64),
                    np.asarray(x.astype(jnp.float32), np.float64), 0.8, from_log=True)
    if float_in:  # computed in float32, rounded once to the dtype
        close(np.asarray(out.astype(jnp.float32)), ref, 2.0 ** -(jnp.finfo(dtype).nmant) + 1e-6)
    assert gj.log_prob(jnp.exp(ly32).astype(want), x, 0.8).dtype == want


def test_float64_in_float64_out_and_the_tolerances(x64):
    y = np.array([0.3, 0.5, 0.2])
    assert gj.log_prob(y, np.zeros(3), 1.0).dtype == jnp.float64
    assert gj.log_prob(y.astype(np.float32), np.zeros(3, np.float32), 1.0).dtype == jnp.float32
    assert gj.support_tolerance(np.float16) == pytest.approx(2.0**-5)
    assert gj.support_tolerance(jnp.bfloat16) == pytest.approx(2.0**-3.5)
    assert gj.support_tolerance(np.float32) == pytest.approx(2.0**-11.5)
    assert gj.support_tolerance(np.int64) == gj.support_tolerance(np.float64) == pytest.approx(2.0**-26)


def test_rng_conventions():
    want = gj.sample_log(np.zeros(4), 1.0, size=2, rng=0)
    for rng in (0, np.int64(0), jax.random.key(0)):
        np.testing.assert_array_equal(gj.sample_log(np.zeros(4), 1.0, size=2, rng=rng), want)
    assert gj.sample_log(np.zeros(4), 1.0, size=2, rng=jax.random.PRNGKey(0)).shape == (2, 4)
    assert not np.array_equal(gj.sample_log(np.zeros(4), 1.0, size=2, rng=1), want)
    for bad in (None, 2.5, "a", -1, True, object(), jax.random.split(jax.random.key(0), 2)):
        with pytest.raises(ValueError, match="^rng:"):
            gj.sample_log(np.zeros(4), 1.0, rng=bad)


@pytest.mark.parametrize("call, name", [
    (lambda: gj.log_prob([0.5, 0.5], [0.0, 0.0], 0.0), "tau"),
    (lambda: gj.log_prob([0.5, 0.5], [0.0, 0.0], -1.0), "tau"),
    (lambda: gj.log_prob_from_log([0.0, 0.0], [0.0, 0.0], INF), "tau"),
    (lambda: gj.sample_log([0.0, 0.0], np.nan, rng=0), "tau"),
    (lambda: gj.log_prob([0.5, 0.5], [0.0], 1.0), "logits"),
    (lambda: gj.log_prob([0.5, 0.5], 0.0, 1.0), "logits"),
    (lambda: gj.log_prob([0.5, 0.5, 0.0], [0.0, 0.0], 1.0), "y"),
    (lambda: gj.log_prob(0.5, [0.0, 0.0], 1.0), "y"),
    (lambda: gj.log_prob_from_log([0.0, 0.0, 0.0], [0.0, 0.0], 1.0), "log_y"),
    (lambda: gj.log_prob_exp([[0.0]], [0.0, 0.0], 1.0), "log_y"),
    (lambda: gj.log_prob_u([0.0, 0.0], [0.0, 0.0], ), "u"),
    (lambda: gj.log_prob(np.full((2, 2), 0.5), np.zeros((3, 2)), 1.0), "y, logits, tau"),
    (lambda: gj.log_prob(np.full((3, 2), 0.5), [0.0, 0.0], np.ones(2)), "y, logits, tau"),
    (lambda: gj.log_prob(["a", "b"], [0.0, 0.0], 1.0), "y"),
    (lambda: gj.log_prob([0.5, 0.5j], [0.0, 0.0], 1.0), "y"),
    (lambda: gj.sample_log(np.zeros((2, 2)), np.ones(3), rng=0), "logits, tau"),
])
def test_errors_name_the_argument(call, name):
    with pytest.raises(ValueError, match=f"^{name}:"):
        call()


def test_value_checks_under_jit_give_nan_not_an_error():
    f = jax.jit(lambda y, x, t: gj.log_prob(y, x, t))
    out = f(jnp.asarray([[0.5, 0.5]] * 3), jnp.asarray([[0.0, 0.0], [-INF, -INF], [0.0, 1.0]]),
            jnp.asarray([1.0, 1.0, -1.0]))
    assert np.isfinite(out[0]) and np.isnan(out[1]) and np.isnan(out[2])
    s = jax.jit(lambda x, t: gj.sample_log(x, t, rng=0))(jnp.asarray([[0.0, np.nan], [INF, INF]]), 1.0)
    assert np.isnan(s).all()


# ---------------------------------------------------------------- (c) gradients against mpmath

def mp_gradient(l, x, tau):
    """(d/dl, d/dx, d/dtau) of log (J28) at 60 digits (mpmath.diff), rounded to float64."""
    with mpmath.workdps(60):
        l, x, tau = [mpmath.mpf(float(v)) for v in l], [mpmath.mpf(float(v)) for v in x], mpmath.mpf(float(tau))

        def partial(vec, i):
            def f(v):
                w = list(vec)
                w[i] = v
                return log_density_row(w, x, tau) if vec is l else log_density_row(l, w, tau)
            return float(mpmath.diff(f, vec[i]))
        return (np.array([partial(l, i) for i in range(len(l))]), np.array([partial(x, i) for i in range(len(x))]),
                float(mpmath.diff(lambda t: log_density_row(l, x, t), tau)))


@pytest.mark.parametrize("k", [2, 5, 8])
def test_gradients_against_mpmath(x64, k):
    rng = np.random.default_rng(k)
    tau = np.array([0.1, 0.7, 3.0])
    x = rng.normal(size=(3, k)) * 2
    ly = np.stack([gn.sample_log(x[r], tau[r], rng=rng) for r in range(3)])
    grad_log = jax.grad(lambda a, b, t: gj.log_prob_from_log(a, b, t).sum(), (0, 1, 2))(ly, x, tau)
    grad_y = jax.grad(lambda a, b, t: gj.log_prob(a, b, t).sum(), (0, 1, 2))(np.exp(ly), x, tau)
    for r in range(3):
        gl, gx, gt = mp_gradient(ly[r], x[r], tau[r])
        for ours, want in ((grad_log[0][r], gl), (grad_log[1][r], gx), (grad_log[2][r], gt),
                           (grad_y[0][r], gl / np.exp(ly[r])), (grad_y[1][r], gx), (grad_y[2][r], gt)):
            assert grad_close(ours, want), (k, r, ours, want)


def grad_close(ours, want):
    """max|g - g*| <= 1e-13 max(1, max|g*|)."""
    ours, want = np.atleast_1d(np.asarray(ours, dtype=np.float64)), np.atleast_1d(want)
    return bool(np.max(np.abs(ours - want)) <= 1e-13 * max(1.0, np.max(np.abs(want))))


def test_wrong_gradients_fail():
    """The gradient check is not vacuous: mpmath's derivative moved by 1e-12 of its size is rejected,
    as is the derivative w.r.t. log y where the one w.r.t. y is expected."""
    l, x = np.log([0.2, 0.3, 0.5]), np.array([0.0, 1.0, -1.0])
    gl, gx, _ = mp_gradient(l, x, 0.5)
    assert grad_close(gx, gx) and not grad_close(gx + 1e-12 * max(1.0, np.max(np.abs(gx))), gx)
    assert not grad_close(gl, gl / np.exp(l))


# ---------------------------------------------------------------- (d) check_grads, (e) samples, (f) transformations

def test_check_grads_on_the_densities_and_the_sampler(x64):
    from jax.test_util import check_grads
    x = jnp.asarray([[0.3, -1.0, 2.0], [1.0, 0.5, -0.5]])
    ly = jnp.asarray(gn.sample_log(np.asarray(x), 0.6, rng=2))
    key = jax.random.key(4)
    check_grads(lambda b, t: gj.log_prob_from_log(ly, b, t), (x, 0.6), order=1, modes=("fwd", "rev"))
    check_grads(lambda u, b: gj.log_prob_u(u, b), (ly[:, :-1] - ly[:, -1:], x), order=1, modes=("fwd", "rev"))
    check_grads(lambda b, t: gj.rsample_log(b, t, size=2, rng=key), (x, 0.6), order=1, modes=("fwd", "rev"))


@pytest.mark.parametrize("k", [2, 10, 1000])
def test_no_nan_or_inf_gradient_on_own_samples(x64, k):
    key = jax.random.key(k)
    x = jnp.asarray(np.random.default_rng(k).normal(size=k) * 2)
    f = jax.jit(jax.grad(lambda b, t: gj.log_prob_from_log(gj.rsample_log(b, t, size=8, rng=key), b, t).sum(), (0, 1)))
    for tau in (0.01, 0.1, 1.0, 5.0):
        gx, gt = f(x, jnp.asarray(tau))
        assert bool(jnp.all(jnp.isfinite(gx))) and bool(jnp.isfinite(gt)), (k, tau)


def test_no_nan_gradient_in_float32_by_default():
    key = jax.random.key(0)
    x = jnp.asarray(np.random.default_rng(0).normal(size=10) * 2, jnp.float32)
    f = jax.jit(jax.grad(lambda b, t: gj.log_prob_from_log(gj.rsample_log(b, t, size=8, rng=key), b, t).sum(), (0, 1)))
    for tau in (0.01, 0.1, 1.0, 5.0):
        gx, gt = f(x, jnp.float32(tau))
        assert bool(jnp.all(jnp.isfinite(gx))) and bool(jnp.isfinite(gt)), tau


def test_jit_vmap_and_grad_compose(x64):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(6, 4))
    ly = gn.sample_log(x, 0.4, rng=rng)
    eager = gj.log_prob_from_log(ly, x, 0.4)
    np.testing.assert_array_equal(jax.jit(gj.log_prob_from_log)(ly, x, 0.4), eager)
    np.testing.assert_array_equal(jax.vmap(gj.log_prob_from_log, (0, 0, None))(ly, x, 0.4), eager)
    grad = jax.jit(jax.grad(lambda a, b: gj.log_prob_from_log(a, b, 0.4).sum(), (0, 1)))(ly, x)
    assert all(v.shape == (6, 4) and bool(jnp.all(jnp.isfinite(v))) for v in grad)
    keys = jax.random.split(jax.random.key(1), 3)
    draws = jax.vmap(lambda key: gj.rsample_log(x[0], 0.4, rng=key))(keys)
    assert draws.shape == (3, 4) and np.allclose(jnp.exp(draws).sum(-1), 1.0)


def test_rare_rows_under_jit_vmap_and_grad(x64):
    """A row beyond double-double (from y, logits spread wide, tau large): the NumPy module's value
    through jax.pure_callback, the JAX kernel's gradient (finite), under jit and vmap."""
    y = np.array([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]])
    x = np.array([[1e6, -1e6, 3.0], [0.0, 1.0, 2.0]])
    tau = np.array([1e9, 0.5])
    want = gn.log_prob(y, x, tau)
    close(jax.jit(gj.log_prob)(y, x, tau), want, 1e-15)
    close(jax.vmap(gj.log_prob)(y, x, tau), want, 1e-15)
    g = jax.jit(jax.grad(lambda a, b, t: gj.log_prob(a, b, t).sum(), (0, 1, 2)))(y, x, tau)
    assert all(bool(jnp.all(jnp.isfinite(v))) for v in g)
    _, gx, _ = mp_gradient(np.log(y[1]), x[1], tau[1])
    np.testing.assert_allclose(g[1][1], gx, rtol=1e-13, atol=1e-13)


def test_samplers_reparameterised_and_detached():
    x = jnp.asarray([0.3, -1.0, 2.0])
    g = jax.grad(lambda b: gj.rsample_log(b, 0.5, size=3, rng=0)[:, 0].sum())(x)
    assert bool(jnp.any(g != 0)) and bool(jnp.all(jnp.isfinite(g)))
    assert bool(jnp.all(jax.grad(lambda b: gj.sample_log(b, 0.5, size=3, rng=0)[:, 0].sum())(x) == 0))
    np.testing.assert_array_equal(gj.sample(x, 0.5, size=3, rng=0), gj.rsample(x, 0.5, size=3, rng=0))
    np.testing.assert_allclose(jnp.exp(gj.sample_log(x, 0.5, size=3, rng=0)), gj.sample(x, 0.5, size=3, rng=0),
                               rtol=1e-6)


# --- found by a break-it pass -------------------------------------------------------------------

def test_closed_over_arrays_under_an_outer_jit():
    """Logits built outside and closed over by the caller's jit / scan (a constant there, not a tracer):
    the value checks run on them at trace time instead of crashing on a traced bool."""
    cx, key = jnp.array([0.0, 1.0, 2.0]), jax.random.key(0)
    y = jax.jit(lambda kk: gj.sample(cx, 1.0, rng=kk))(key)
    assert y.shape == (3,) and abs(float(y.sum()) - 1) < 1e-6
    _, ys = jax.lax.scan(lambda c, kk: (c, gj.sample(cx, 0.5, rng=kk)), 0, jax.random.split(key, 3))
    assert ys.shape == (3, 3)
    assert np.isfinite(jax.jit(jax.grad(lambda t: gj.rsample(cx, t, rng=key)[0]))(0.5))
    want = gj.log_prob(jnp.array([0.2, 0.3, 0.5]), cx, 0.5)
    assert jax.jit(lambda d: gj.log_prob(jnp.array([0.2, 0.3, 0.5]), cx, 0.5) + d)(0.0) == want
    bad = jnp.full(3, -jnp.inf)   # built outside: a constant of the trace, checked at trace time
    with pytest.raises(ValueError, match="logits"):
        jax.jit(lambda kk: gj.sample(bad, 1.0, rng=kk))(key)


@pytest.mark.parametrize("tau", [-0.5, 0.0, float("inf"), float("nan")])
def test_a_traced_bad_tau_gives_nan_samples(tau):
    """Under jit a bad tau cannot raise: the documented answer is a NaN row, not a plausible sample."""
    f = jax.jit(lambda t: gj.sample_log(jnp.array([0.1, -1.0, 2.0]), t, rng=jax.random.key(0)))
    assert np.isnan(np.asarray(f(tau))).all()
    assert np.isfinite(np.asarray(f(0.5))).all()


@pytest.mark.parametrize("logits", [[float("nan"), 0.0, 0.0], [-float("inf")] * 3, [float("inf")] * 2 + [0.0]])
def test_traced_logits_with_no_distribution_give_nan_samples_in_float32(logits):
    """Traced NaN, all -inf or two +inf logits: a NaN row from sample (the exp of it too: XLA's float32 exp
    of NaN is not NaN on the CPU, so the mask comes after it)."""
    f = jax.jit(lambda v: gj.sample(v, 1.0, rng=jax.random.key(0)))
    assert np.isnan(np.asarray(f(jnp.array(logits, dtype=jnp.float32)))).all()
