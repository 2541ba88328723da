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
from derive.symbols import symbols_for
from derive.symbols import tau as TAU

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
    assert r["from_log_finite"] == 1.0
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
    f = sp.lambdify((s.y, s.pi, TAU), final_density(s), "mpmath")
    with mpmath.workdps(40):
        want = float(mpmath.log(f(*[[mpmath.mpf(v) for v in a] for a in (y, pi)], mpmath.mpf(tau))))
    assert g.log_prob(y, x, tau) == pytest.approx(want, rel=1e-13)
    u = rng.normal(size=k - 1)
    f8 = sp.lambdify((s.u[:-1], s.x), eq8(s), "mpmath")
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


def test_dtypes():
    y32 = np.array([0.3, 0.5, 0.2], dtype=np.float32)
    assert g.log_prob(y32, np.zeros(3, np.float32), 1.0).dtype == np.float32
    assert g.log_prob(y32, np.zeros(3), 1.0).dtype == np.float64
    assert g.log_prob([0.3, 0.5, 0.2], [0, 0, 0], 1.0).dtype == np.float64
    assert g.log_prob_u(np.zeros(2, np.float32), np.zeros(3, np.float32)).dtype == np.float32
