"""The numerical contract at the extremes (issue 13), for every generated function.

Expected values come from mpmath at 400 digits: (J28) through ``bench.reference.log_density_row`` (the
verified expression's own log form), eq. (8) and Jang et al. (1) lambdified from the derivation's
expressions.  400 digits, not 50: with |logits| and tau |log y| near the float range the terms of the
log-density are ~1e308 and cancel to O(1).  The measure is the issue's, |ours - ref| / max(1, |ref|),
where the reference is finite in float64; where it is not, ours must be the same infinity.
The property tests keep their counts and worst errors in ``STATS``, printed at the end of the module.
"""
import functools
import math
import sys
import warnings
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/ from the repo root, under plain pytest

from bench.reference import load_generated, log_density_row
from derive.gumbel_shift import jang_sample
from derive.marginal_u import eq8
from derive.model import at, symbols_for
from derive.model import tau as TAU

g = load_generated()
DPS = 400
BOUND = 1e-14
INF = np.inf
TINY = 5e-324                      # the smallest subnormal
HUGE = np.finfo(np.float64).max
PROPERTY = settings(deadline=None, derandomize=True, max_examples=120,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
STATS: dict = {}


@pytest.fixture(autouse=True)
def _no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.fixture(scope="module", autouse=True)
def _summary(request):
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    for name, s in sorted(STATS.items()):
        line = (f"\n{name}: {s['examples']} examples, {s['values']} values, worst relative error "
                f"{s['worst']:.3g}, {s['infinite']} infinite as expected")
        (reporter.write_line if reporter else print)(line)


def _record(name, ours, ref):
    """Compare and keep the figures: finite references to BOUND, infinite ones exactly."""
    ours, ref = np.atleast_1d(np.asarray(ours, dtype=np.float64)), np.atleast_1d(ref)
    s = STATS.setdefault(name, {"examples": 0, "values": 0, "worst": 0.0, "infinite": 0})
    s["examples"] += 1
    s["values"] += ref.size
    finite = np.isfinite(ref)
    assert np.array_equal(ours[~finite], ref[~finite]), (ours, ref)
    s["infinite"] += int((~finite).sum())
    if finite.any():
        err = np.abs(ours[finite] - ref[finite]) / np.maximum(1.0, np.abs(ref[finite]))
        assert not np.isnan(err).any(), (ours, ref)
        s["worst"] = max(s["worst"], float(err.max()))
        assert err.max() <= BOUND, (ours, ref, err)


# ---------------------------------------------------------------- references at 400 digits

def _mp(v):
    return mpmath.mpf(float(v))


def ref_density(point, logits, tau, from_log, tol=None):
    """log (J28) per row at 400 digits from the exact inputs; off the support (a y_i <= 0, or the sum /
    logsumexp beyond ``tol``) -inf.  Rounded to float64: beyond its range +-inf."""
    point, logits = np.atleast_2d(point), np.broadcast_to(logits, np.shape(np.atleast_2d(point)))
    tol = g.support_tolerance(np.float64) if tol is None else tol
    out = []
    with mpmath.workdps(DPS):
        for p, x in zip(point, logits):
            p = [_mp(v) for v in p]
            if not from_log and any(v <= 0 for v in p):
                out.append(-INF)
                continue
            logs = p if from_log else [mpmath.log(v) for v in p]
            total = mpmath.fsum(mpmath.exp(v) for v in logs)
            if abs(mpmath.log(total) if from_log else total - 1) > tol:
                out.append(-INF)
                continue
            out.append(float(log_density_row(logs, [_mp(v) for v in x], _mp(tau))))
    return np.array(out)


@functools.cache
def _eq8(k):
    s = symbols_for(k)
    return sp.lambdify((s.u[:-1], s.x), at(eq8(), k), "mpmath")


def ref_u(u, logits):
    """log eq. (8) per row at 400 digits (u_k = 0)."""
    u = np.atleast_2d(u)
    logits = np.broadcast_to(logits, u.shape[:-1] + (u.shape[-1] + 1,))
    with mpmath.workdps(DPS):
        f = _eq8(logits.shape[-1])
        return np.array([float(mpmath.log(f([_mp(v) for v in a], [_mp(v) for v in x]))) for a, x in zip(u, logits)])


@functools.cache
def _eq1(k):
    s = symbols_for(k)
    return [sp.lambdify((s.x, s.g, TAU), at(jang_sample(sp.Integer(j + 1)), k).xreplace(
        {p: sp.exp(x) for p, x in zip(s.pi, s.x)}), "mpmath") for j in range(k)]


def ref_sample(logits, gumbel, tau):
    """log of Jang et al. (1) at 400 digits, at v = logits + g as float64 adds them (the code's v): a
    -inf logit is a category of probability 0 (log y_i = -inf)."""
    v = np.atleast_2d(np.asarray(logits, dtype=np.float64) + gumbel)
    tau = np.broadcast_to(tau, v.shape[:-1])
    out = np.full(v.shape, -INF)
    with mpmath.workdps(DPS):
        for r in range(v.shape[0]):
            live = np.flatnonzero(np.isfinite(v[r]))
            fs = _eq1(len(live)) if len(live) > 1 else None
            for n, j in enumerate(live):
                if fs is None:
                    out[r, j] = 0.0
                    continue
                x = [_mp(v[r, i]) for i in live]
                out[r, j] = float(mpmath.log(fs[n](x, [0] * len(live), _mp(tau[r]))))
    return out


def logsumexp(a, axis=-1):
    with np.errstate(all="ignore"):
        top = np.max(a, axis=axis, keepdims=True)
        return np.squeeze(top, axis) + np.log(np.sum(np.exp(a - top), axis=axis))


# ---------------------------------------------------------------- the table

def test_table_masked_category_in_log_prob_u():
    assert g.log_prob_u([0.0, 0.0], [-INF, 0.0, 0.0]) == -INF


def test_table_log_prob_u_beyond_the_float_range():
    with mpmath.workdps(DPS):  # log 2 - 3e308 - 3 log(1 + ...): below -max
        want = mpmath.log(_eq8(3)([_mp(1e308), _mp(-1e308)], [0, 0, 0]))
        assert want < -HUGE
    assert g.log_prob_u([1e308, -1e308], np.zeros(3)) == -INF


def test_table_an_infinite_logit_samples_its_vertex():
    """Chosen: the degenerate sample (numpy.random.choice takes p = (1, 0) too), not an error."""
    out = g.sample_log([INF, 0.0], 1.0, size=(4,), rng=0)
    np.testing.assert_array_equal(out, [[0.0, -INF]] * 4)
    np.testing.assert_array_equal(g.sample([0.0, INF, -INF], 0.3, size=2, rng=1), [[0.0, 1.0, 0.0]] * 2)


@pytest.mark.parametrize("logits", [[-INF, -INF], [INF, INF, 0.0], [np.nan, 0.0]])
def test_table_logits_that_define_no_distribution_raise(logits):
    with pytest.raises(ValueError, match="^logits:"):
        g.sample_log(logits, 1.0, size=(4,), rng=0)
    with pytest.raises(ValueError, match="^logits:"):
        g.sample(logits, 1.0, rng=0)


@pytest.mark.parametrize("logits, tau", [([0.0, 1.0], TINY), ([1e4, 0.0], 1e-305)])
def test_table_tiny_temperatures_sample_the_vertex_of_the_largest_perturbed_logit(logits, tau):
    out = g.sample_log(logits, tau, size=(4,), rng=0)
    v = np.asarray(logits) + np.random.default_rng(0).gumbel(size=(4, 2))   # the same draws
    want = np.where(v == v.max(-1, keepdims=True), 0.0, -INF)
    np.testing.assert_array_equal(out, want)
    _record("sample_log table", out, ref_sample(np.broadcast_to(logits, (4, 2)), v - np.asarray(logits), tau))


def test_table_float16_uses_its_own_tolerance_and_returns_float16():
    y = np.float16([0.1, 0.2, 0.7])           # sums to 1 + 1.2e-4: off by more than float64's tolerance
    out = g.log_prob(y, np.zeros(3, np.float16), 1.0)
    assert out.dtype == np.float16
    want = ref_density(y.astype(np.float64), np.zeros(3), 1.0, False, tol=g.support_tolerance(np.float16))[0]
    assert abs(want - 0.83330) < 1e-4 and out == np.float16(want)
    assert g.log_prob(y.astype(np.float64), np.zeros(3), 1.0) == -INF   # in float64 it is off the simplex


def test_table_the_largest_temperature():
    y, tau = np.array([0.2, 0.3, 0.5]), 1e308
    want = ref_density(y, np.zeros(3), tau, False)
    assert abs(want[0] / -1.32176e308 - 1) < 1e-5
    _record("log_prob table", g.log_prob(y, np.zeros(3), tau), want)
    _record("log_prob table", g.log_prob_from_log(np.log(y), np.zeros(3), tau),
            ref_density(np.log(y), np.zeros(3), tau, True))


def test_table_size_none_is_one_draw_per_distribution():
    out = g.sample_log(np.zeros(3), 1.0, size=None, rng=5)
    assert out.shape == (3,)
    np.testing.assert_array_equal(out, g.sample_log(np.zeros(3), 1.0, size=(), rng=5))
    np.testing.assert_array_equal(out, g.sample_log(np.zeros(3), 1.0, rng=5))
    for bad in (2.5, "a"):
        with pytest.raises(ValueError, match="^size:"):
            g.sample_log(np.zeros(3), 1.0, size=bad)


# ---------------------------------------------------------------- 1. non-finite parameters

def _density_calls(x, tau=0.7):
    """The four densities at one point of the open simplex, for logits ``x`` of k categories."""
    k = len(x)
    ly = np.log(np.full(k, 1.0 / k)) + np.linspace(-0.1, 0.1, k)
    ly -= logsumexp(ly)
    return {"log_prob": lambda: g.log_prob(np.exp(ly), x, tau),
            "log_prob_from_log": lambda: g.log_prob_from_log(ly, x, tau),
            "log_prob_exp": lambda: g.log_prob_exp(ly, x, tau),
            "log_prob_u": lambda: g.log_prob_u(tau * (ly[:-1] - ly[-1]), x)}


@pytest.mark.parametrize("x, want", [
    ([-INF, 0.0, 1.0], -INF),           # a masked category: pi has a zero
    ([INF, 0.0, 1.0], -INF),            # a vertex: pi = (1, 0, 0)
    ([INF, -INF, 1.0], -INF),
    ([np.nan, 0.0, 1.0], np.nan),       # NaN in, NaN out (scipy.stats)
    ([np.nan, -INF, INF], np.nan),
])
def test_infinite_and_nan_logits_in_the_densities(x, want):
    for name, call in _density_calls(np.array(x)).items():
        out = call()
        assert (np.isnan(out) if np.isnan(want) else out == want), (name, out)


@pytest.mark.parametrize("x", [[-INF, -INF, -INF], [INF, INF, 0.0], [INF, INF, INF]])
def test_logits_without_a_distribution_raise_in_every_function(x):
    for call in {**_density_calls(np.array(x)), "sample_log": lambda: g.sample_log(x, 1.0, rng=0)}.values():
        with pytest.raises(ValueError, match="^logits:"):
            call()


def test_special_rows_only_affect_themselves_and_nan_points_win():
    x = np.array([[0.0, 1.0, 2.0], [-INF, 1.0, 2.0], [np.nan, 1.0, 2.0], [0.0, INF, 2.0]])
    ly = g.sample_log(x[0], 0.5, size=4, rng=3)
    out = g.log_prob_from_log(ly, x, 0.5)
    assert np.isfinite(out[0]) and out[0] == g.log_prob_from_log(ly[0], x[0], 0.5)
    assert out[1] == -INF and np.isnan(out[2]) and out[3] == -INF
    ly[1, 0] = np.nan
    assert np.isnan(g.log_prob_from_log(ly, x, 0.5)[1])          # NaN in the point: NaN, masked logits or not
    assert g.log_prob_from_log([-INF, 0.0, -1.0], [-INF, 0.0, 0.0], 0.5) == -INF


def test_points_off_the_domain_are_minus_inf():
    x = np.zeros(3)
    for u in ([INF, 0.0], [-INF, 0.0], [1.0, INF]):
        assert g.log_prob_u(u, x) == -INF
    assert g.log_prob([INF, 0.5, 0.5], x, 1.0) == -INF
    assert g.log_prob_from_log([INF, 0.0, 0.0], x, 1.0) == -INF
    assert g.log_prob([0.0, 0.5, 0.5], x, 1e308) == -INF


@st.composite
def masked_logits(draw):
    k = draw(st.integers(2, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(size=(draw(st.integers(1, 4)), k)) * 10.0 ** draw(st.floats(-2, 300))
    kinds = rng.choice(4, size=x.shape, p=[0.6, 0.25, 0.1, 0.05])  # finite, -inf, +inf, NaN
    return np.where(kinds == 1, -INF, np.where(kinds == 2, INF, np.where(kinds == 3, np.nan, x))), rng


@PROPERTY
@given(masked_logits(), st.floats(-323, 308))
def test_property_non_finite_logits_follow_the_contract(case, log_tau):
    """Row by row: NaN -> NaN; no distribution -> ValueError; a zero in pi -> -inf; else the density."""
    x, rng = case
    tau = 10.0 ** log_tau
    nan, plus, minus = np.isnan(x).any(-1), np.isposinf(x).sum(-1), np.isneginf(x)
    undefined = ~nan & ((plus >= 2) | minus.all(-1))
    k = x.shape[-1]
    ly = np.log(rng.dirichlet(np.ones(k), size=x.shape[0]))
    if undefined.any():
        with pytest.raises(ValueError, match="^logits:"):
            g.log_prob_from_log(ly, x, tau)
        with pytest.raises(ValueError, match="^logits:"):
            g.sample_log(x, tau, rng=rng)
        return
    out = g.log_prob_from_log(ly, x, tau)
    assert np.array_equal(np.isnan(out), nan)
    zero = ~nan & ((plus == 1) | minus.any(-1))
    assert np.all(out[zero] == -INF)
    rest = ~nan & ~zero
    _record("log_prob_from_log, finite logits beside masked rows", out[rest],
            ref_density(ly[rest], x[rest], tau, True))
    if nan.any():
        with pytest.raises(ValueError, match="^logits:"):
            g.sample_log(x, tau, rng=rng)
        return
    seed = int(rng.integers(2**32))
    out = g.sample_log(x, tau, rng=seed)
    gumbel = np.random.default_rng(seed).gumbel(size=x.shape)
    assert not np.isnan(out).any()
    _record("sample_log with infinite logits", out, ref_sample(np.where(np.isposinf(x).any(-1, keepdims=True),
                                                                         np.where(np.isposinf(x), 0.0, -INF), x),
                                                                gumbel, tau))


# ---------------------------------------------------------------- 2. and 4. temperatures and magnitudes

@st.composite
def density_cases(draw):
    """Logits of any magnitude (with an offset), tau from the smallest subnormal to 1.78e308, and
    points: samples at the same (x, tau), at another tau, or Dirichlet points with tiny coordinates."""
    k, n = draw(st.integers(2, 5)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = 10.0 ** draw(st.floats(-3, 308))
    x = rng.uniform(-1, 1, size=k) * min(scale, HUGE / 2)
    if draw(st.booleans()):
        x = x + rng.uniform(-1, 1) * min(10.0 ** draw(st.floats(0, 308)), HUGE / 2)
    tau = 10.0 ** draw(st.floats(-323.3, 308.25))
    source = draw(st.sampled_from(["matched", "other tau", "dirichlet"]))
    if source == "dirichlet":
        with np.errstate(divide="ignore"):   # a coordinate may be exactly 0: off the support
            ly = np.log(rng.dirichlet(np.full(k, 10.0 ** draw(st.floats(-2, 1))), size=n))
        ly = ly - logsumexp(ly)[:, None]
    else:
        t = tau if source == "matched" else 10.0 ** draw(st.floats(-3, 3))
        ly = g.sample_log(x, t, size=n, rng=rng)
    return x, tau, ly


@PROPERTY
@given(density_cases())
def test_property_log_prob_from_log_and_log_prob_against_mpmath(case):
    x, tau, ly = case
    _record("log_prob_from_log", g.log_prob_from_log(ly, x, tau), ref_density(ly, x, tau, True))
    with np.errstate(under="ignore"):
        y = np.exp(ly)
    _record("log_prob", g.log_prob(y, x, tau), ref_density(y, x, tau, False))


@PROPERTY
@given(st.integers(2, 5), st.integers(0, 2**32 - 1), st.floats(-3, 308), st.floats(-3, 308), st.booleans())
def test_property_log_prob_u_against_mpmath(k, seed, log_x, log_u, offset):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=k) * min(10.0 ** log_x, HUGE / 2)
    if offset:
        x = x + rng.uniform(-1, 1) * min(10.0 ** log_x, HUGE / 2)
    u = rng.uniform(-1, 1, size=(2, k - 1)) * min(10.0 ** log_u, HUGE / 2)
    _record("log_prob_u", g.log_prob_u(u, x), ref_u(u, x))


@PROPERTY
@given(st.integers(2, 5), st.integers(0, 2**32 - 1), st.floats(-3, 308), st.floats(-323.3, 308.25),
       st.integers(1, 3))
def test_property_sample_log_against_mpmath(k, seed, log_x, log_tau, n):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=k) * min(10.0 ** log_x, HUGE / 2)
    tau = 10.0 ** log_tau
    out = g.sample_log(x, tau, size=n, rng=seed)
    gumbel = np.random.default_rng(seed).gumbel(size=(n, k))
    assert out.shape == (n, k) and not np.isnan(out).any() and np.all(out <= 0)
    assert np.all(np.abs(logsumexp(out)) <= 1e-14)          # a point of the simplex
    _record("sample_log", out, ref_sample(np.broadcast_to(x, (n, k)), gumbel, tau))


@pytest.mark.parametrize("tau", [TINY, 1e-320, 2.0**-1022, 1e-300, 1e-30, 1e-3, 1.0, 31.0, 33.0, 1e3,
                                 2.0**40, 2.0**41, 1e30, 1e300, HUGE])
def test_every_function_over_the_whole_temperature_range(tau):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4)) * 3
    ly = g.sample_log(x, 0.7, rng=rng)
    _record("temperature range: log_prob_from_log", g.log_prob_from_log(ly, x, tau), ref_density(ly, x, tau, True))
    _record("temperature range: log_prob", g.log_prob(np.exp(ly), x, tau), ref_density(np.exp(ly), x, tau, False))
    out = g.sample_log(x, tau, rng=7)
    _record("temperature range: sample_log", out, ref_sample(x, np.random.default_rng(7).gumbel(size=x.shape), tau))
    assert np.all(np.isfinite(g.sample(x, tau, rng=7)))


@PROPERTY
@given(st.integers(2, 5), st.integers(0, 2**32 - 1), st.integers(-30, 983), st.floats(-323.3, 308.25))
def test_property_logit_shift_invariance_where_the_shifted_logits_are_exact(k, seed, e, log_tau):
    """x on a grid 2^e n and a shift c = 2^e m: x + c is exact, finite, and changes no density."""
    rng = np.random.default_rng(seed)
    tau = 10.0 ** log_tau
    step = 2.0 ** e
    x = rng.integers(-8, 9, size=k) * step
    c = float(rng.integers(-2**40, 2**40)) * step
    assert np.all(np.isfinite(x + c)) and np.all((x + c) - c == x)
    ly = g.sample_log(x, tau, size=2, rng=rng)
    base, shifted = g.log_prob_from_log(ly, x, tau), g.log_prob_from_log(ly, x + c, tau)
    ref = ref_density(ly, x, tau, True)
    _record("shift invariance: log_prob_from_log", shifted, ref)
    np.testing.assert_array_equal(np.isfinite(base), np.isfinite(shifted))
    # the sampler adds the shift to its noise in float64: equal up to that rounding, divided by tau
    a, b = g.sample_log(x, tau, size=2, rng=seed), g.sample_log(x + c, tau, size=2, rng=seed)
    with np.errstate(over="ignore"):
        gap = 4 * np.spacing(np.max(np.abs(x + c)) + 40) / tau
    both = np.isfinite(a) & np.isfinite(b)
    assert np.all(np.abs(a[both] - b[both]) <= gap + BOUND * np.maximum(1, np.abs(a[both])))
    assert np.array_equal(np.isnan(a), np.isnan(b)) and not np.isnan(a).any()


def test_logits_spread_over_the_whole_float_range():
    x = np.array([HUGE, -HUGE, 0.0])
    for tau in (1e-300, 1.0, 10.0, 1e300):
        out = g.sample_log(x, tau, size=3, rng=2)
        _record("huge logits: sample_log", out, ref_sample(np.broadcast_to(x, (3, 3)),
                                                          np.random.default_rng(2).gumbel(size=(3, 3)), tau))
        ly = out
        if np.all(np.isfinite(ly)):
            _record("huge logits: log_prob_from_log", g.log_prob_from_log(ly, x, tau), ref_density(ly, x, tau, True))
    u = np.array([[HUGE, -HUGE], [HUGE, HUGE], [-HUGE, -HUGE]])
    _record("huge logits: log_prob_u", g.log_prob_u(u, x), ref_u(u, x))


# ---------------------------------------------------------------- 3. dtypes

FLOATS = [np.float16, np.float32, np.float64, np.longdouble]
WIDE_LONGDOUBLE = np.finfo(np.longdouble).max > np.longdouble(HUGE)   # x86's 80 bits (not where it is float64)


@pytest.mark.parametrize("dtype", FLOATS)
def test_float_dtypes_in_are_the_dtype_out_computed_in_float64(dtype):
    rng = np.random.default_rng(4)
    x = (rng.normal(size=(5, 3)) * 2).astype(dtype)
    ly = g.sample_log(x, 0.8, rng=rng)
    assert ly.dtype == dtype and g.sample(x, 0.8, rng=rng).dtype == dtype
    y = np.exp(ly.astype(np.float64)).astype(dtype)
    for name, point, from_log in (("log_prob", y, False), ("log_prob_from_log", ly, True)):
        out = getattr(g, name)(point, x, 0.8)
        assert out.dtype == dtype, name
        ref = ref_density(point.astype(np.float64), x.astype(np.float64), 0.8, from_log,
                          tol=g.support_tolerance(dtype))
        # computed in float64, rounded once to the dtype: within half its ulp (and float64's error)
        gap = np.abs(out.astype(np.float64) - ref)
        assert np.all(gap <= np.spacing(np.abs(ref).astype(dtype)).astype(np.float64) / 2 + 1e-14 * np.abs(ref) + 1e-300)
    u = (ly[:, :-1] - ly[:, -1:]).astype(dtype)
    assert g.log_prob_u(u, x).dtype == dtype


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.uint8, np.bool_])
def test_integer_and_boolean_inputs_give_float64(dtype):
    x = np.array([0, 1, 1]).astype(dtype)
    assert g.sample_log(x, 1.0, rng=0).dtype == np.float64
    ly = g.sample_log(x.astype(np.float64), 1.0, size=2, rng=0)
    out = g.log_prob_from_log(ly, x, 1.0)
    assert out.dtype == np.float64
    _record("integer logits", out, ref_density(ly, x.astype(np.float64), 1.0, True))
    assert g.log_prob(np.array([1, 0, 0]).astype(dtype), x, True) == -INF   # integers are not on the open simplex
    assert g.log_prob_u(np.zeros(2, dtype), x).dtype == np.float64


def test_tolerances_and_dtype_policy():
    assert g.support_tolerance(np.float16) == pytest.approx(2.0**-5)
    assert g.support_tolerance(np.float32) == pytest.approx(2.0**-11.5)
    assert g.support_tolerance(np.int64) == g.support_tolerance(np.float64) == pytest.approx(2.0**-26)
    assert g.support_tolerance(np.longdouble) == pytest.approx(math.sqrt(np.finfo(np.longdouble).eps))
    y = np.array([0.3, 0.5, 0.2])
    assert g.log_prob(y.astype(np.float32), np.zeros(3), 1.0).dtype == np.float64    # numpy's result type
    assert g.log_prob(y.astype(np.float16), np.zeros(3, np.int8), 1.0).dtype == np.float16
    with pytest.raises(ValueError, match="^tau:"):   # tau beyond float64, the compute dtype
        g.log_prob(y, np.zeros(3), np.longdouble("1e400") if WIDE_LONGDOUBLE else INF)


def test_longdouble_logits_beyond_float64_are_shifted_not_lost():
    if not WIDE_LONGDOUBLE:
        pytest.skip("longdouble is float64 here")
    x = np.array(["1e400", "1e400", "-1e400"], dtype=np.longdouble)   # equal shares for the first two
    shifted = np.array([0.0, 0.0, -INF])
    ly = g.sample_log(shifted, 1.0, size=2, rng=0)
    np.testing.assert_array_equal(g.sample_log(x, 1.0, size=2, rng=0), ly.astype(np.longdouble))
    assert g.log_prob_from_log(ly, x, 1.0) == pytest.approx(g.log_prob_from_log(ly, shifted, 1.0), rel=1e-15)


# ---------------------------------------------------------------- 5. numpy.random's conventions

@pytest.mark.parametrize("size, shape", [(None, (4,)), ((), (4,)), (3, (3, 4)), (np.int64(3), (3, 4)),
                                         (np.array(3), (3, 4)), ((2, 3), (2, 3, 4)), ([2, 3], (2, 3, 4)),
                                         (np.array([2, 3]), (2, 3, 4)), (0, (0, 4)), ((2, 0), (2, 0, 4))])
def test_size_conventions(size, shape):
    assert g.sample_log(np.zeros(4), 1.0, size=size, rng=0).shape == shape
    assert g.sample(np.zeros(4), 1.0, size=size, rng=0).shape == shape


@pytest.mark.parametrize("size", [2.5, "a", True, np.float64(3), -1, (2, -1), [2.5], [[2]], object(), (2, None)])
def test_bad_size_raises_naming_size(size):
    with pytest.raises(ValueError, match="^size:"):
        g.sample_log(np.zeros(4), 1.0, size=size, rng=0)


def test_rng_conventions():
    want = g.sample_log(np.zeros(4), 1.0, size=2, rng=0)
    for rng in (0, np.random.default_rng(0), np.random.SeedSequence(0), np.random.PCG64(0), [0]):
        np.testing.assert_array_equal(g.sample_log(np.zeros(4), 1.0, size=2, rng=rng), want)
    assert g.sample_log(np.zeros(4), 1.0, rng=None).shape == (4,)
    for bad in (2.5, "a", -1, object()):
        with pytest.raises(ValueError, match="^rng:"):
            g.sample_log(np.zeros(4), 1.0, rng=bad)


# ---------------------------------------------------------------- 6. no warnings, whatever numpy's error state

def test_no_floating_point_errors_even_when_numpy_raises():
    """The table and the kinds above under np.errstate(all='raise'): nothing escapes the module's own
    error state (the autouse fixture turns any warning into an error as well)."""
    with np.errstate(all="raise"):
        g.log_prob_u([0.0, 0.0], [-INF, 0.0, 0.0])
        g.log_prob_u([1e308, -1e308], np.zeros(3))
        g.sample_log([INF, 0.0], 1.0, size=(4,), rng=0)
        g.sample_log([0.0, 1.0], TINY, size=(4,), rng=0)
        g.sample([1e4, 0.0], 1e-305, size=(4,), rng=0)
        g.sample(np.array([HUGE, -HUGE, 0.0]), 10.0, size=3, rng=0)
        g.log_prob(np.float16([0.1, 0.2, 0.7]), np.zeros(3, np.float16), 1.0)
        g.log_prob(np.float16([0.1, 0.2, 0.7]), np.zeros(3, np.float16), 1e308)   # -> -inf in float16
        g.log_prob([0.2, 0.3, 0.5], np.zeros(3), 1e308)
        g.log_prob([0.0, 0.5, 0.5], [np.nan, 0.0, 0.0], TINY)
        g.log_prob_from_log(np.array([-1e308, 0.0]), [0.0, 0.0], HUGE)
        g.sample_log(np.zeros(3), 1.0, size=None)
        g.log_prob(np.array([0.3, 0.7], np.longdouble), np.array(["1e400", "0"], np.longdouble)
                   if WIDE_LONGDOUBLE else [0.0, 0.0], 1.0)


# ---------------------------------------------------------------- which kernel a row takes

def test_ordinary_rows_take_the_plain_kernels(monkeypatch):
    """The careful, log-ratio and exact paths are for extreme parameters only: ordinary input never
    reaches them (they would raise here), so its speed is the plain kernels'."""
    def boom(*args, **kwargs):
        raise AssertionError("an ordinary row left the plain kernels")
    for name in ("_rows_log_prob_careful", "_rows_log_prob_from_log_careful", "_rows_log_prob_ratio", "_exactly"):
        monkeypatch.setattr(g, name, boom)
    rng = np.random.default_rng(6)
    x = rng.normal(size=(50, 6)) * 4 + 1e3
    for tau in (1e-300, 0.1, 1.0, 30.0):
        ly = g.sample_log(x, tau, rng=rng)
        g.log_prob_from_log(ly, x, tau)
        with np.errstate(under="ignore"):
            g.log_prob(np.exp(ly), x, tau)
        u = tau * (ly[:, :-1] - ly[:, -1:])   # eq. (8)'s coordinates of the same points
        assert np.all(np.isfinite(g.log_prob_u(u, x)))
    g.log_prob_from_log(ly, x, 1e12)


def test_mixed_kinds_of_rows_in_one_batch_equal_row_by_row():
    """Plain, careful (wide logits), log-ratio (large tau), exact (both) and special rows together."""
    rng = np.random.default_rng(8)
    x = np.array([[0.0, 1.0, -2.0], [1e6, -1e6, 3.0], [0.5, 0.0, 2.0], [-INF, 0.0, 1.0], [1e250, 0.0, -1e250]])
    tau = np.array([0.7, 0.7, 1e9, 0.7, 1e9])
    ly = np.log(rng.dirichlet(np.ones(3), size=len(x)))     # points with every y_i well above 0
    ly[2] = g.sample_log(x[2], tau[2], rng=rng)               # near uniform: tau |log(y_i / y_j)| = O(1)
    y = np.exp(ly)
    for f, point in ((g.log_prob_from_log, ly), (g.log_prob, y)):
        batch = f(point, x, tau)
        np.testing.assert_array_equal(batch, [f(point[r], x[r], tau[r]) for r in range(len(x))])
        assert batch[3] == -INF and np.all(np.isfinite(batch[[0, 1, 2, 4]]))
    _record("mixed rows: log_prob", g.log_prob(y, x, tau), [ref_density(y[r], x[r], tau[r], False)[0] for r in range(5)])
    _record("mixed rows: log_prob_from_log", g.log_prob_from_log(ly, x, tau),
            [ref_density(ly[r], x[r], tau[r], True)[0] for r in range(5)])


# ---------------------------------------------------------------- found by a break-it review

def test_one_row_of_logits_spread_over_the_float_range():
    """A single unbatched row that takes the exact path (logits spread beyond 2**1022, tau > 1), also with
    a masked category: the sample, not numpy's error about a 0-d array."""
    with np.errstate(all="raise"):
        out = g.sample_log(np.array([1.7e308, -1.7e308, 0.0]), 2.0, rng=0)
        assert out.tolist() == [0.0, -1.7e308, -8.5e307]
        y = g.sample(np.array([-INF, 1.7e308, -1.7e308]), 2.0, rng=0)
        assert y.tolist() == [0.0, 1.0, 0.0]


def test_kl_is_inf_not_nan_where_q_draws_underflow():
    """A draw of q whose log-density is beyond float64 (tau_q subnormal, logits spread near the float range)
    makes KL(q || p) +inf, never -inf - -inf = NaN; a large but finite spread keeps a finite standard error."""
    x = [0.1, -0.4, 1.0]
    assert g.kl_divergence_mc(x, TINY, x, 1.0, 5, 0) == (INF, INF)
    assert g.kl_divergence_mc(np.array([1.7e308, -1.7e308, 0.0]), 0.7, x, 0.9, 5, 0) == (INF, INF)
    for tau_q in (1e-200, 1e-300):
        estimate, error = g.kl_divergence_mc(x, tau_q, x, 1.0, 5, 0)
        assert np.isfinite(estimate) and np.isfinite(error) and 0 < error < estimate


@pytest.mark.parametrize("call, name", [
    (lambda: g.kl_divergence_mc([0.1, 0.2], 0.7, [0.1, 0.2], 0.9, 10**15, 0), "n:"),
    (lambda: g.sample_log([0.1, 0.2], 0.7, 10**15, 0), "size:"),
    (lambda: g.sample_log([0.1, 0.2], 0.7, size=(2**40, 2**40), rng=0), "size:"),
])
def test_sizes_that_cannot_be_allocated_name_the_argument(call, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        call()
