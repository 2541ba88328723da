"""The generated numpy module against mpmath, against the verified SymPy expressions, and its contract."""
import math
import sys
import warnings
from pathlib import Path

import mpmath
import numpy as np
import pytest
import scipy.stats
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/ from the repo root, under plain pytest

from bench import accuracy
from bench.reference import load_generated
from derive.density import final_density
from derive.marginal_u import eq8
from derive.model import at, symbols_for
from derive.model import tau as TAU

g = load_generated()


@pytest.fixture(autouse=True)
def _no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("k, tau", [(2, 0.1), (3, 1.0), (10, 0.01), (10, 5.0), (100, 0.5)])
def test_against_mpmath_reference(k, tau, dtype):
    r = accuracy.case(k, tau, dtype, n=8 if k < 100 else 3)
    bound = accuracy.BOUND[dtype]
    assert r["dtypes_ok"]
    assert r["from_log_finite"] == 1.0 and r["exp_finite"] == 1.0
    assert not r["exp_err"] > bound
    assert not r["from_log_err"] > bound
    assert not r["log_prob_err"] > bound
    assert r["log_prob_nonfinite_on_support"] == 0


@pytest.mark.parametrize("k", [2, 3, 5])
def test_against_the_verified_sympy_expression(k):
    s = symbols_for(k)
    rng = np.random.default_rng(k)
    x = rng.normal(size=k)
    y = rng.dirichlet(np.ones(k))
    tau = 0.7
    pi = np.exp(x) / np.exp(x).sum()
    f = sp.lambdify((s.y, s.pi, TAU), at(final_density(), k), "mpmath")
    with mpmath.workdps(40):
        want = float(mpmath.log(f(*[[mpmath.mpf(v) for v in a] for a in (y, pi)], mpmath.mpf(tau))))
    assert g.log_prob(y, x, tau) == pytest.approx(want, rel=1e-13)
    u = rng.normal(size=k - 1)
    f8 = sp.lambdify((s.u[:-1], s.x), at(eq8(), k), "mpmath")   # u_k = 0
    with mpmath.workdps(40):
        want8 = float(mpmath.log(f8([mpmath.mpf(v) for v in u], [mpmath.mpf(v) for v in x])))
    assert g.log_prob_u(u, x) == pytest.approx(want8, rel=1e-13)


def test_change_of_variables_links_u_and_y():
    """log p(y) = log p_u(u(y)) + log |det du/dy| with u_i = tau (log y_i - log y_k), det = tau^{k-1} / prod y."""
    rng = np.random.default_rng(1)
    x, tau = rng.normal(size=(6, 4)), 0.8
    ly = g.sample_log(x, tau, rng=rng)
    u = tau * (ly[:, :-1] - ly[:, -1:])
    np.testing.assert_allclose(g.log_prob_from_log(ly, x, tau),
                               g.log_prob_u(u, x) + 3 * math.log(tau) - ly.sum(-1), rtol=1e-12)


rows = st.integers(1, 5)
ks = st.integers(2, 6)


@st.composite
def problems(draw):
    n, k = draw(rows), draw(ks)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=draw(st.floats(0.1, 5)), size=(n, k))
    tau = draw(st.floats(0.05, 5))
    return x, g.sample_log(x, tau, rng=rng), tau, rng


@settings(max_examples=40, deadline=None)
@given(problems())
def test_batch_equals_row_by_row(p):
    x, ly, tau, _ = p
    batch = g.log_prob_from_log(ly, x, tau)
    assert batch.shape == (x.shape[0],)
    np.testing.assert_array_equal(batch, [g.log_prob_from_log(ly[r], x[r], tau) for r in range(len(x))])
    y = np.exp(ly)
    np.testing.assert_array_equal(g.log_prob(y, x, tau), [g.log_prob(y[r], x[r], tau) for r in range(len(x))])


@settings(max_examples=40, deadline=None)
@given(problems(), st.floats(-50, 50))
def test_permutation_and_logit_shift_invariance(p, c):
    x, ly, tau, rng = p
    base = g.log_prob_from_log(ly, x, tau)
    perm = rng.permutation(x.shape[-1])
    scale = np.maximum(1, np.abs(base))
    assert np.all(np.abs(g.log_prob_from_log(ly[:, perm], x[:, perm], tau) - base) <= 1e-13 * scale)
    assert np.all(np.abs(g.log_prob_from_log(ly, x + c, tau) - base) <= 1e-12 * scale * (1 + abs(c)))


@settings(max_examples=40, deadline=None)
@given(problems())
def test_float32_agrees_with_float64(p):
    x, ly, tau, _ = p
    x32, ly32 = x.astype(np.float32), ly.astype(np.float32)
    out32 = g.log_prob_from_log(ly32, x32, tau)
    assert out32.dtype == np.float32
    want = g.log_prob_from_log(ly32.astype(np.float64), x32.astype(np.float64), tau)
    assert np.all(np.abs(out32 - want) <= 2 * np.finfo(np.float32).eps * np.maximum(1, np.abs(want)))


def test_sampler_k2_matches_exact_cdf():
    x, tau = np.array([0.3, -0.4]), 0.7
    y1 = g.sample(x, tau, size=4000, rng=123)[:, 0]
    # y_1 = sigmoid((x_1 - x_2 + L) / tau), L = g_1 - g_2 logistic: P(y_1 <= t) = sigmoid(tau logit(t) - (x_1 - x_2))
    def cdf(t):
        return 1 / (1 + np.exp(-(tau * np.log(t / (1 - t)) - (x[0] - x[1]))))
    assert scipy.stats.kstest(y1, cdf).pvalue > 1e-3


def test_sample_shapes_dtypes_and_seeding():
    x = np.zeros((3, 4), dtype=np.float32)
    out = g.sample_log(x, np.array([0.5, 1.0, 2.0]), size=(2,), rng=0)
    assert out.shape == (2, 3, 4) and out.dtype == np.float32
    np.testing.assert_array_equal(out, g.sample_log(x, np.array([0.5, 1.0, 2.0]), size=(2,), rng=0))
    y = g.sample(np.zeros(5), 1.0, size=7, rng=np.random.default_rng(0))
    assert y.shape == (7, 5) and np.allclose(y.sum(-1), 1)


def test_low_temperature_samples_are_finite_from_log():
    x = np.random.default_rng(0).normal(size=100)
    ly = g.sample_log(x, 0.01, size=50, rng=1)
    assert np.all(np.isfinite(g.log_prob_from_log(ly, x, 0.01)))
    y = np.exp(ly)
    assert np.all(np.exp(ly) == y)
    lp = g.log_prob(y, x, 0.01)
    assert np.all(np.isneginf(lp[(y <= 0).any(-1)]))  # underflowed samples are off the open simplex


def test_tau_broadcasts_against_batch():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 3))
    taus = np.array([[0.5], [2.0]])
    ly = g.sample_log(x, 1.0, rng=rng)
    out = g.log_prob_from_log(ly, x, taus)
    assert out.shape == (2, 4)
    np.testing.assert_array_equal(out[1], g.log_prob_from_log(ly, x, 2.0))


@pytest.mark.parametrize("call, name", [
    (lambda: g.log_prob([0.5, 0.5], [0.0, 0.0], 0.0), "tau"),
    (lambda: g.log_prob([0.5, 0.5], [0.0, 0.0], -1.0), "tau"),
    (lambda: g.log_prob([0.5, 0.5], [0.0, 0.0], np.inf), "tau"),
    (lambda: g.log_prob([0.5, 0.5], [0.0, 0.0], np.nan), "tau"),
    (lambda: g.log_prob([1.0], [0.0], 1.0), "logits"),
    (lambda: g.log_prob([0.5, 0.5], [0.0, 0.0, 0.0], 1.0), "y"),
    (lambda: g.log_prob_from_log([0.0, 0.0, 0.0], [0.0, 0.0], 1.0), "log_y"),
    (lambda: g.log_prob_exp([0.0, 0.0, 0.0], [0.0, 0.0], 1.0), "log_y"),
    (lambda: g.kl_divergence_mc([0.0, 0.0], 1.0, [0.0, 0.0], 1.0, 0), "n"),
    (lambda: g.log_prob(np.full((3, 2), 0.5), np.zeros((4, 2)), 1.0), "y, logits, tau"),
    (lambda: g.log_prob_u([0.0, 0.0], [0.0, 0.0]), "u"),
    (lambda: g.sample_log([0.0, 0.0], 0.0), "tau"),
    (lambda: g.sample_log([0.0], 1.0), "logits"),
])
def test_bad_input_raises_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=f"^{name}:"):
        call()


def test_off_support_is_minus_inf_and_nan_propagates():
    x = np.zeros(3)
    assert g.log_prob([0.5, 0.5, 0.0], x, 1.0) == -np.inf
    assert g.log_prob([0.7, 0.5, -0.2], x, 1.0) == -np.inf
    assert g.log_prob([0.5, 0.5, 0.5], x, 1.0) == -np.inf
    assert g.log_prob_from_log(np.log([0.5, 0.5, 0.5]), x, 1.0) == -np.inf
    assert g.log_prob_from_log([0.0, -np.inf, -1.0], x, 1.0) == -np.inf
    assert np.isnan(g.log_prob([0.5, np.nan, 0.2], x, 1.0))
    assert np.isnan(g.log_prob([0.3, 0.5, 0.2], [0.0, np.nan, 0.0], 1.0))
    assert np.isnan(g.log_prob_from_log([np.nan, -1.0, -1.0], x, 1.0))
    assert np.isnan(g.log_prob_u([np.nan, 0.0], x))
    assert g.log_prob([0.3, 0.5, 0.2], [-np.inf, 0.0, 0.0], 1.0) == -np.inf  # degenerate: no density
    assert g.log_prob_from_log(np.log([0.3, 0.5, 0.2]), [np.inf, 0.0, 0.0], 1.0) == -np.inf
    tol = g.support_tolerance(np.float64)
    assert np.isfinite(g.log_prob([0.3, 0.5, 0.2 + tol / 2], x, 1.0))
    assert g.log_prob([0.3, 0.5, 0.2 + 2 * tol], x, 1.0) == -np.inf


def test_empty_batches_and_extreme_temperatures():
    assert g.log_prob(np.empty((0, 3)), np.zeros(3), 1.0).shape == (0,)
    assert g.log_prob_from_log(np.empty((2, 0, 3)), np.zeros(3), 1.0).shape == (2, 0)
    assert g.log_prob_u(np.empty((0, 2)), np.zeros(3)).shape == (0,)
    from bench.reference import reference
    y = np.array([0.2, 0.3, 0.5])
    for tau in (1e-300, 1e-20, 1e20, 1e300):
        assert g.log_prob(y, np.zeros(3), tau) == pytest.approx(reference(y, np.zeros(3), tau)[0], rel=1e-15)


def test_dtypes():
    y32 = np.array([0.3, 0.5, 0.2], dtype=np.float32)
    assert g.log_prob(y32, np.zeros(3, np.float32), 1.0).dtype == np.float32
    assert g.log_prob(y32, np.zeros(3), 1.0).dtype == np.float64
    assert g.log_prob([0.3, 0.5, 0.2], [0, 0, 0], 1.0).dtype == np.float64
    assert g.log_prob_u(np.zeros(2, np.float32), np.zeros(3, np.float32)).dtype == np.float32


# --- the double-double arithmetic the printed kernels call (template helpers) ---------------

def _exact(v):
    from fractions import Fraction
    if isinstance(v, tuple):
        return np.vectorize(lambda h, lo: Fraction(float(h)) + Fraction(float(lo)), otypes=[object])(
            v[0], 0.0 if v[1] is None else v[1])
    return np.vectorize(lambda h: Fraction(float(h)), otypes=[object])(v)


def _wild(rng, shape):
    """Values over many binades, with signs: the cases where float64 sums and products round."""
    return rng.normal(size=shape) * np.exp2(rng.integers(-60, 60, size=shape))


def test_two_sum_and_two_prod_are_exact():
    rng = np.random.default_rng(7)
    a, b = _wild(rng, 2000), _wild(rng, 2000)
    s, e = g._two_sum(a, b)
    assert np.all(_exact(s) + _exact(e) == _exact(a) + _exact(b))
    p, e = g._two_prod(a, b)
    assert np.all(_exact(p) + _exact(e) == _exact(a) * _exact(b))
    for scalar in (0.5, 10, -1.5, 0.1, 7.0 / 3.0):  # a power of 2, small integers, general numbers
        p, e = g._two_prod(scalar, b)
        assert np.all(_exact(p) + (0 if e is None else _exact(e)) == _exact(np.float64(scalar)) * _exact(b))
    a, b = np.array([1e300, -1.5e307, 2.0**996, 3.0]), np.array([1e-10, 1e-300, 0.3, 7.0])  # splits near overflow
    with np.errstate(over="ignore", invalid="ignore"):
        p, e = g._two_prod(a, b)
        assert np.all(_exact(p) + _exact(e) == _exact(a) * _exact(b))
        p, e = g._two_prod(1e300, b)
        assert np.all(_exact(p) + _exact(e) == _exact(np.float64(1e300)) * _exact(b))


@pytest.mark.parametrize("axis", [0, -1])
def test_dd_sum_is_exact_to_double_double(axis):
    from fractions import Fraction
    rng = np.random.default_rng(8)
    for k in (1, 2, 3, 10, 33, 1000):
        a = _wild(rng, (k, 40) if axis == 0 else (40, k))
        a = np.concatenate([a, -a[:1] if axis == 0 else -a[:, :1]], axis=axis)  # exact cancellation too
        hi, lo = g._dd_sum(a, axis)
        want = np.sum(_exact(a), axis=axis, keepdims=True)
        got = _exact((hi, lo))
        scale = np.max(np.abs(_exact(a)), axis=axis, keepdims=True)  # the documented bound: 4 k^3 2^-105 max|a|
        assert np.all(np.vectorize(abs)(got - want) <= scale * Fraction(4 * a.shape[axis] ** 3, 2**105))


def test_dd_log_and_lgamma_are_accurate_beyond_float64():
    rng = np.random.default_rng(9)
    v = np.exp(rng.uniform(-700, 700, 300))
    lo = v * rng.uniform(-1, 1, 300) * 2.0**-54
    hi, out_lo = g._dd_log((v, lo))
    with mpmath.workdps(50):
        for h, l, got_h, got_l in zip(v, lo, hi, out_lo):
            want = mpmath.log(mpmath.mpf(h) + mpmath.mpf(l))
            assert abs(mpmath.mpf(got_h) + mpmath.mpf(got_l) - want) <= 2.0**-52 * 0.35 + abs(want) * 2.0**-100
        for k in (2, 3, 10, 171, 1000, 10**5):
            h, l = g._dd_lgamma(k)
            err = abs(mpmath.mpf(h) + mpmath.mpf(l or 0) - mpmath.loggamma(k))
            assert err <= 1e-17 * (1 + math.log(k)) * math.sqrt(k), k


# --- accuracy where the terms of the log-density cancel ------------------------------------

def _worst_error(log_y, x, tau):
    from bench.reference import reference, relative_error
    ref = reference(log_y, x, tau, from_log=True)
    worst = relative_error(g.log_prob_from_log(log_y, x, tau), ref).max()
    y = np.exp(log_y)
    return max(worst, relative_error(g.log_prob(y, x, tau), reference(y, x, tau)).max())


def test_accurate_near_a_zero_of_the_log_density():
    # y near uniform, x = 0, tau with log Gamma(k) + (k-1) log tau = 0: the terms are ~20, the result ~0.
    # A float64 log Gamma(10) alone is off by 2.3e-15 here.
    rng = np.random.default_rng(10)
    k = 10
    tau = math.exp(-math.lgamma(k) / (k - 1))
    ly = np.log(np.full((20, k), 1 / k)) + rng.normal(scale=1e-3, size=(20, k))
    ly -= np.log(np.exp(ly).sum(-1, keepdims=True))
    assert _worst_error(ly, np.zeros(k), tau) <= 1e-15


def test_accurate_near_a_vertex_at_tau_1_and_with_offset_logits():
    # k = 2, tau = 1: p(y) = pi_1 pi_2 / (pi_1 y_2 + pi_2 y_1)^2 stays O(1) while log y_2 -> -700.
    t = np.linspace(1, 700, 40)
    ly = np.stack([np.log1p(-np.exp(-t)), -t], -1)
    assert _worst_error(ly, np.array([0.3, -0.2]), 1.0) <= 2e-15
    rng = np.random.default_rng(11)
    x = rng.normal(size=(30, 5)) * 2 + 1e4  # unnormalised logits far from 0
    assert _worst_error(g.sample_log(x, 0.7, rng=rng), x, 0.7) <= 2e-15


# --- layouts, chunks and threads give the same numbers ---------------------------------------

@pytest.mark.parametrize("compiled", ["never", "always"])
@pytest.mark.parametrize("k", [3, 40])  # categories first (k <= 32) and last
def test_large_batches_equal_row_by_row(k, compiled):
    """The NumPy module's own kernels (use_compiled("never")), and its compiled path forced for every size
    (gumbel_softmax.numba; skipped without numba): chunks, blocks and threads change no row's value."""
    if compiled == "always":
        f = pytest.importorskip("gumbel_softmax.numba").log_prob_from_log
    else:
        f = g.log_prob_from_log
    saved = g.use_compiled("never")
    try:
        rng = np.random.default_rng(k)
        n = max(3 * g._CHUNK // k, g._PARALLEL_FROM // k + 1)  # several chunks, on the thread pool
        x = rng.normal(size=(n, k))
        ly = g.sample_log(x, 0.8, rng=rng)
        big = f(ly, x, 0.8)
        rows = np.r_[0:5, n // 2:n // 2 + 5, n - 5:n]
        np.testing.assert_array_equal(big[rows], [f(ly[r], x[r], 0.8) for r in rows])
        shared = f(ly, x[0], 0.8)  # one distribution for all rows: logits broadcast
        np.testing.assert_array_equal(shared[rows], [f(ly[r], x[0], 0.8) for r in rows])
    finally:
        g.use_compiled(saved)


def test_broadcasting_over_several_batch_axes():
    rng = np.random.default_rng(12)
    x = rng.normal(size=(4, 6))
    taus = np.array([[0.3], [1.0], [3.0]])
    ly = g.sample_log(x, 1.0, size=(3,), rng=rng)  # (3, 4, 6)
    out = g.log_prob_from_log(ly, x, taus)
    assert out.shape == (3, 4)
    for a in range(3):
        for b in range(4):
            assert out[a, b] == g.log_prob_from_log(ly[a, b], x[b], float(taus[a, 0]))


def test_works_in_a_forked_child_after_using_the_thread_pool():
    # No wall-clock limit: a child that dies fails the test (BrokenProcessPool, unlike
    # multiprocessing.Pool, which would wait forever for the lost task); a child that deadlocks
    # on the parent's pool threads -- the regression this guards -- shows as a hung test.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    n = g._PARALLEL_FROM  # large enough for the thread pool
    x = np.zeros(4)
    ly = g.sample_log(x, 1.0, size=n, rng=0)
    want = g.log_prob_from_log(ly, x, 1.0)  # the parent now has a pool
    with warnings.catch_warnings():
        # JAX, when another test imported it, warns at every fork; the child here does not use JAX
        warnings.filterwarnings("ignore", message="os.fork", category=RuntimeWarning)
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            got = pool.submit(g.log_prob_from_log, ly, x, 1.0).result()
    np.testing.assert_array_equal(got, want)
