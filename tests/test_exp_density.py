"""The log-space (ExpConcrete) density log_prob_exp and the Monte Carlo KL estimate kl_divergence_mc (issue 14).

log_prob_exp is printed from the second subject's verified (5) (cg.log_prob_exp); its reference here is
independent of that form: log (J28) from log y at 400 digits (``bench.reference.log_density_row``) plus the
log-Jacobian sum_{i<k} log y_i.  The KL estimate is tested against quadrature at k = 2.
"""
import sys
import warnings
from pathlib import Path

import mpmath
import numpy as np
import pytest
import scipy.integrate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/ from the repo root, under plain pytest

from bench.reference import load_generated, log_density_row

g = load_generated()
INF = np.inf
BOUND = 1e-14
DPS = 400


@pytest.fixture(autouse=True)
def _no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def ref_exp(log_y, logits, tau, tol=None):
    """log p_X per row at 400 digits: log (J28) at y = e^l plus sum_{i<k} l_i; off the support -inf."""
    log_y = np.atleast_2d(log_y)
    logits = np.broadcast_to(logits, log_y.shape)
    tol = g.support_tolerance(np.float64) if tol is None else tol
    out = []
    with mpmath.workdps(DPS):
        for p, x in zip(log_y, logits):
            l = [mpmath.mpf(float(v)) for v in p]
            if any(not mpmath.isfinite(v) for v in l) or abs(mpmath.log(mpmath.fsum(map(mpmath.exp, l)))) > tol:
                out.append(-INF)
                continue
            value = log_density_row(l, [mpmath.mpf(float(v)) for v in x], mpmath.mpf(float(tau)))
            out.append(float(value + mpmath.fsum(l[:-1])))
    return np.array(out)


def _close(ours, ref):
    ours = np.atleast_1d(np.asarray(ours, dtype=np.float64))
    finite = np.isfinite(ref)
    assert np.array_equal(ours[~finite], ref[~finite]), (ours, ref)
    err = np.abs(ours[finite] - ref[finite]) / np.maximum(1.0, np.abs(ref[finite]))
    assert not err.max(initial=0.0) > BOUND, (ours, ref, err)


# ---------------------------------------------------------------- the density

@pytest.mark.parametrize("k", [2, 3, 10, 100])
@pytest.mark.parametrize("tau", [1e-300, 0.01, 0.5, 1.0, 5.0, 1e3, 2.0**41, 1e300])
def test_against_mpmath(k, tau):
    rng = np.random.default_rng([k, 7])
    x = rng.normal(size=(3, k)) * 2
    ly = g.sample_log(x, min(max(tau, 0.05), 5.0), rng=rng)
    _close(g.log_prob_exp(ly, x, tau), ref_exp(ly, x, tau))


def test_extreme_logits_take_the_careful_kernel_and_stay_accurate():
    x = np.array([[1e12, -3e11, 0.0], [500.0, -500.0, 0.0]])
    ly = g.sample_log(np.zeros(3), 0.3, size=2, rng=1)
    _close(g.log_prob_exp(ly, x, 0.7), ref_exp(ly, x, 0.7))


def test_is_log_prob_plus_the_log_jacobian_and_the_libraries_form_one_more_term():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(50, 4))
    ly = g.sample_log(x, 0.6, rng=rng)
    e, f = g.log_prob_exp(ly, x, 0.6), g.log_prob_from_log(ly, x, 0.6)
    np.testing.assert_allclose(e, f + ly[:, :-1].sum(-1), rtol=1e-13, atol=1e-13)
    # torch / TFP ExpRelaxed...: log Gamma(k) + (k-1) log tau + sum_i log_softmax(x - tau ly)_i
    s = x - 0.6 * ly
    lib = 2 * np.log(1.0) + np.log(6.0) + 3 * np.log(0.6) + np.sum(s - np.log(np.sum(np.exp(s), -1))[:, None], -1)
    np.testing.assert_allclose(e + ly[:, -1], lib, rtol=1e-12, atol=1e-12)


def test_normalised_against_lebesgue_measure_on_log_y1_at_k2():
    """k = 2: integral of exp(log_prob_exp) over x_1 = log y_1 in (-inf, 0) is 1."""
    x, tau = np.array([0.3, -0.4]), 0.7

    def density(x1):
        ly = np.array([x1, np.log1p(-np.exp(x1))])
        return float(np.exp(g.log_prob_exp(ly, x, tau)))
    total, _ = scipy.integrate.quad(density, -60, -1e-12, limit=200, points=[-5.0, -1.0])
    assert total == pytest.approx(1.0, abs=1e-8)


def test_off_support_nan_and_masked_logits():
    x = np.zeros(3)
    assert g.log_prob_exp(np.log([0.5, 0.5, 0.5]), x, 1.0) == -INF
    assert g.log_prob_exp([0.0, -INF, -1.0], x, 1.0) == -INF
    assert g.log_prob_exp([INF, 0.0, 0.0], x, 1.0) == -INF
    assert np.isnan(g.log_prob_exp([np.nan, -1.0, -1.0], x, 1.0))
    ly = np.log([0.3, 0.5, 0.2])
    assert g.log_prob_exp(ly, [-INF, 0.0, 0.0], 1.0) == -INF
    assert g.log_prob_exp(ly, [INF, 0.0, 0.0], 1.0) == -INF
    assert np.isnan(g.log_prob_exp(ly, [np.nan, 0.0, 0.0], 1.0))
    tol = g.support_tolerance(np.float64)
    assert np.isfinite(g.log_prob_exp(ly + tol / 2, x, 1.0))
    assert g.log_prob_exp(ly + 2 * tol, x, 1.0) == -INF


@pytest.mark.parametrize("call, name", [
    (lambda: g.log_prob_exp([-0.7, -0.7], [0.0, 0.0], 0.0), "tau"),
    (lambda: g.log_prob_exp([-0.7, -0.7], [0.0, 0.0], np.nan), "tau"),
    (lambda: g.log_prob_exp([0.0], [0.0], 1.0), "logits"),
    (lambda: g.log_prob_exp([0.0, 0.0, 0.0], [0.0, 0.0], 1.0), "log_y"),
    (lambda: g.log_prob_exp(["a", "b"], [0.0, 0.0], 1.0), "log_y"),
    (lambda: g.log_prob_exp(np.zeros((3, 2)), np.zeros((4, 2)), 1.0), "log_y, logits, tau"),
    (lambda: g.log_prob_exp([-0.7, -0.7], [-INF, -INF], 1.0), "logits"),
])
def test_bad_input_raises_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=f"^{name}:"):
        call()


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.longdouble])
def test_dtype_policy_as_log_prob_from_log(dtype):
    rng = np.random.default_rng(4)
    x = (rng.normal(size=(5, 3)) * 2).astype(dtype)
    ly = g.sample_log(x, 0.8, rng=rng)
    out = g.log_prob_exp(ly, x, 0.8)
    assert out.dtype == dtype and g.log_prob_from_log(ly, x, 0.8).dtype == dtype
    want = ref_exp(ly.astype(np.float64), x.astype(np.float64), 0.8, tol=g.support_tolerance(dtype))
    gap = np.abs(out.astype(np.float64) - want)
    assert np.all(gap <= np.spacing(np.abs(want).astype(dtype)).astype(np.float64) / 2 + 1e-14 * np.abs(want) + 1e-300)
    assert g.log_prob_exp(ly.astype(np.float64), np.array([0, 1, 1], dtype=np.int64), 1.0).dtype == np.float64


def test_batches_broadcast_and_equal_row_by_row():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(4, 1, 3))
    taus = np.array([0.3, 2.0])
    ly = g.sample_log(x[:, 0], 0.5, size=2, rng=rng)   # (2, 4, 3)
    out = g.log_prob_exp(ly[:, :, None, :], x, taus)   # (2, 4, 2)
    assert out.shape == (2, 4, 2)
    for a in range(2):
        for b in range(4):
            for c in range(2):
                assert out[a, b, c] == g.log_prob_exp(ly[a, b], x[b, 0], taus[c])
    assert g.log_prob_exp(np.empty((0, 3)), np.zeros(3), 1.0).shape == (0,)


def test_low_temperature_samples_are_finite():
    x = np.random.default_rng(6).normal(size=(200, 10))
    ly = g.sample_log(x, 0.01, rng=6)
    assert np.all(np.isfinite(g.log_prob_exp(ly, x, 0.01)))


# ---------------------------------------------------------------- the KL estimate

def _kl_quadrature(logits_q, tau_q, logits_p, tau_p):
    """KL(q || p) at k = 2 by quadrature over y_1 in (0, 1) of p_q log(p_q / p_p), densities from (J28)."""
    def log_density(y1, x, t):
        with mpmath.workdps(30):
            l = [mpmath.log(y1), mpmath.log(1 - mpmath.mpf(y1))]
            return log_density_row(l, [mpmath.mpf(v) for v in x], mpmath.mpf(t))

    def integrand(y1):
        a, b = log_density(y1, logits_q, tau_q), log_density(y1, logits_p, tau_p)
        return mpmath.exp(a) * (a - b) if mpmath.isfinite(a) and mpmath.isfinite(b) else 0  # y_1 rounded to 0, 1
    with mpmath.workdps(30):
        return float(mpmath.quad(integrand, [0, 1e-6, 0.01, 0.5, 0.99, 1 - 1e-6, 1]))


@pytest.mark.parametrize("q, p", [
    (([0.3, -0.2], 0.8), ([0.0, 0.0], 0.8)),         # tau equal, logits differ
    (([0.5, -0.5], 0.7), ([-0.2, 0.4], 1.5)),        # tau differs
])
def test_kl_against_quadrature_at_k2(q, p):
    want = _kl_quadrature(q[0], q[1], p[0], p[1])
    est, se = g.kl_divergence_mc(q[0], q[1], p[0], p[1], 40_000, rng=123)
    assert est.dtype == np.float64 and se.dtype == np.float64 and np.ndim(est) == 0 and np.ndim(se) == 0
    assert 0 < se < 0.05 * max(want, 0.01)
    assert abs(est - want) <= 4 * se, (est, want, se)


def test_kl_of_a_distribution_with_itself_is_exactly_zero():
    x = np.random.default_rng(8).normal(size=(3, 5))
    est, se = g.kl_divergence_mc(x, 0.6, x, 0.6, 500, rng=1)
    assert est.shape == se.shape == (3,)
    assert np.all(est == 0) and np.all(se == 0)


def test_kl_shapes_broadcast_and_seeding():
    xq, xp = np.zeros((2, 1, 3)), np.random.default_rng(9).normal(size=(4, 3))
    est, se = g.kl_divergence_mc(xq, np.array([0.5, 1.0, 2.0, 3.0]), xp, 1.0, 64, rng=3)
    assert est.shape == se.shape == (2, 4) and est.dtype == np.float64
    again = g.kl_divergence_mc(xq, np.array([0.5, 1.0, 2.0, 3.0]), xp, 1.0, 64, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(est, again[0])
    np.testing.assert_array_equal(se, again[1])
    assert np.all(np.isfinite(est)) and np.all(se > 0)


@pytest.mark.parametrize("args, name", [
    (([0.0], 1.0, [0.0], 1.0, 10), "logits_q"),
    (([0.0, 0.0], 1.0, [0.0, 0.0, 0.0], 1.0, 10), "logits_p"),
    (([0.0, 0.0], 0.0, [0.0, 0.0], 1.0, 10), "tau_q"),
    (([0.0, 0.0], 1.0, [0.0, 0.0], -1.0, 10), "tau_p"),
    (([0.0, -INF], 1.0, [0.0, 0.0], 1.0, 10), "logits_q"),
    (([0.0, 0.0], 1.0, [np.nan, 0.0], 1.0, 10), "logits_p"),
    ((np.zeros((3, 2)), 1.0, np.zeros((4, 2)), 1.0, 10), "logits_q, tau_q, logits_p, tau_p"),
    (([0.0, 0.0], 1.0, [0.0, 0.0], 1.0, 0), "n"),
    (([0.0, 0.0], 1.0, [0.0, 0.0], 1.0, 1), "n"),
    (([0.0, 0.0], 1.0, [0.0, 0.0], 1.0, 2.5), "n"),
    (([0.0, 0.0], 1.0, [0.0, 0.0], 1.0, True), "n"),
])
def test_kl_bad_arguments_raise_naming_them(args, name):
    with pytest.raises(ValueError, match=f"^{name}:"):
        g.kl_divergence_mc(*args)


def test_kl_bad_rng_raises_naming_rng():
    with pytest.raises(ValueError, match="^rng:"):
        g.kl_divergence_mc([0.0, 0.0], 1.0, [0.0, 0.0], 1.0, 10, rng="seed")


def test_exported():
    assert {"log_prob_exp", "kl_divergence_mc"} <= set(g.__all__)
