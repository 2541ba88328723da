"""The PyTorch backend gumbel_softmax.torch: values against mpmath and the NumPy module, its contract at
the extremes (a port of tests/test_extremes.py's table and kinds), dtypes, gradients against mpmath
derivatives of the verified expression, gradcheck, and the Distribution class.

References: (J28) through ``bench.reference.log_density_row`` (the verified expression's own log form) at
40 digits for the accuracy table's rows, 400 digits at the extremes, 60 digits for the derivatives
(``mpmath.diff``).  The measure is the issue's, |ours - ref| / max(1, |ref|); gradients
max|g - g*| / max(1, max|g*|).
"""
import math
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="gumbel_softmax.torch needs torch (pip install '.[torch]')")

import mpmath
import scipy.stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/ from the repo root, under plain pytest

from bench import accuracy
from bench.reference import load_generated, log_density_row, reference, relative_error

gn = load_generated()
gt = load_generated("torch")
F64, F32 = torch.float64, torch.float32
INF, HUGE, TINY = math.inf, np.finfo(np.float64).max, 5e-324
GRAD_BOUND = 1e-13


@pytest.fixture(autouse=True)
def _no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def T(a, dtype=F64, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=dtype, requires_grad=grad)


def err(ours, ref):
    """Worst |ours - ref| / max(1, |ref|) where ref is finite; infinities (and NaN) must match exactly."""
    ours = np.atleast_1d(torch.as_tensor(ours).detach().to(F64).numpy())
    ref = np.atleast_1d(np.asarray(ref, dtype=np.float64))
    finite = np.isfinite(ref)
    assert np.array_equal(ours[~finite], ref[~finite], equal_nan=True), (ours, ref)
    return float(relative_error(ours[finite], ref[finite]).max(initial=0.0))


def ref_rows(point, logits, tau, from_log, dps=400, tol=None):
    """log (J28) per row at ``dps`` digits from the exact inputs; off the support -inf."""
    point = np.atleast_2d(np.asarray(point, dtype=np.float64))
    logits = np.broadcast_to(np.asarray(logits, dtype=np.float64), point.shape)
    tau = np.broadcast_to(np.asarray(tau, dtype=np.float64), point.shape[:-1])
    tol = gn.support_tolerance(np.float64) if tol is None else tol
    out = []
    with mpmath.workdps(dps):
        for p, x, t in zip(point, logits, tau):
            p = [mpmath.mpf(float(v)) for v in p]
            if not from_log and any(v <= 0 for v in p):
                out.append(-INF)
                continue
            logs = p if from_log else [mpmath.log(v) for v in p]
            total = mpmath.fsum(mpmath.exp(v) for v in logs)
            if not all(mpmath.isfinite(v) for v in logs) or abs(mpmath.log(total) if from_log else total - 1) > tol:
                out.append(-INF)
                continue
            out.append(float(log_density_row(logs, [mpmath.mpf(float(v)) for v in x], mpmath.mpf(float(t)))))
    return np.array(out)


def gumbel_draws(seed, shape):
    """The draws of the module's samplers for an integer ``rng``: -log E, E ~ Exp(1) from a seeded Generator."""
    gen = torch.Generator().manual_seed(seed)
    return -torch.log(torch.empty(shape, dtype=F64).exponential_(generator=gen).clamp_(min=2.2250738585072014e-308))


def ref_sample(logits, g, tau):
    """Jang et al. (1) in log space at 400 digits at v = logits + g as float64 adds them (-inf: masked)."""
    v = np.atleast_2d(np.asarray(logits, dtype=np.float64) + np.asarray(g))
    out = np.full(v.shape, -INF)
    with mpmath.workdps(400):
        t = mpmath.mpf(float(tau))
        for r in range(v.shape[0]):
            live = np.flatnonzero(np.isfinite(v[r]))
            w = [mpmath.mpf(float(v[r, i])) / t for i in live]
            top = max(w)
            lse = top + mpmath.log(mpmath.fsum(mpmath.exp(a - top) for a in w))
            out[r, live] = [float(a - lse) for a in w]
    return out


# ---------------------------------------------------------------- (a) the accuracy table's rows

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("k", accuracy.KS)
def test_accuracy_table_against_mpmath_and_the_numpy_module(k, dtype):
    bound = accuracy.BOUND[dtype]
    tdtype = F64 if dtype == np.float64 else F32
    for tau in accuracy.TAUS:
        rng = np.random.default_rng([7, k, int(tau * 1000), np.dtype(dtype).itemsize])
        logits = (2 * rng.normal(size=k)).astype(dtype)
        log_y = gn.sample_log(logits, tau, size=6 if k <= 10 else 2, rng=rng)
        y = np.exp(log_y.astype(np.float64)).astype(dtype)
        x = torch.from_numpy(logits)
        checks = [(gt.log_prob(torch.from_numpy(y), x, tau), gn.log_prob(y, logits, tau), reference(y, logits, tau)),
                  (gt.log_prob_from_log(torch.from_numpy(log_y), x, tau), gn.log_prob_from_log(log_y, logits, tau),
                   reference(log_y, logits, tau, from_log=True)),
                  (gt.log_prob_exp(torch.from_numpy(log_y), x, tau), gn.log_prob_exp(log_y, logits, tau),
                   reference(log_y, logits, tau, from_log=True, log_space=True))]
        for ours, numpy_value, ref in checks:
            assert ours.dtype == tdtype
            assert torch.isfinite(ours[torch.from_numpy(np.isfinite(ref))]).all()
            assert err(ours, ref) <= bound, (k, tau, dtype)
            finite = np.isfinite(numpy_value)
            assert err(ours[torch.from_numpy(finite)], numpy_value[finite].astype(np.float64)) <= bound


@pytest.mark.parametrize("k", [2, 3, 5])
def test_log_prob_u_and_the_change_of_variables(k):
    rng = np.random.default_rng(k)
    x = rng.normal(size=(6, k))
    ly = gn.sample_log(x, 0.8, rng=rng)
    u = 0.8 * (ly[:, :-1] - ly[:, -1:])
    ours = gt.log_prob_u(T(u), T(x))
    assert err(ours, gn.log_prob_u(u, x)) <= 2e-15
    torch.testing.assert_close(gt.log_prob_from_log(T(ly), T(x), 0.8),
                               ours + (k - 1) * math.log(0.8) - T(ly).sum(-1), rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- (b) bad input: ValueError naming the argument

BAD = [
    (lambda: gt.log_prob([0.5, 0.5], [0.0, 0.0], 0.0), "tau"),
    (lambda: gt.log_prob([0.5, 0.5], [0.0, 0.0], -1.0), "tau"),
    (lambda: gt.log_prob([0.5, 0.5], [0.0, 0.0], INF), "tau"),
    (lambda: gt.log_prob([0.5, 0.5], [0.0, 0.0], math.nan), "tau"),
    (lambda: gt.log_prob([0.5, 0.5], [0.0, 0.0], T([0.5, -1.0])), "tau"),
    (lambda: gt.log_prob([1.0], [0.0], 1.0), "logits"),
    (lambda: gt.log_prob([0.5, 0.5], 0.0, 1.0), "logits"),
    (lambda: gt.log_prob([0.5, 0.5], [0.0, 0.0, 0.0], 1.0), "y"),
    (lambda: gt.log_prob(0.5, [0.0, 0.0], 1.0), "y"),
    (lambda: gt.log_prob(["a", "b"], [0.0, 0.0], 1.0), "y"),
    (lambda: gt.log_prob([[0.5, 0.5], [0.5]], [0.0, 0.0], 1.0), "y"),
    (lambda: gt.log_prob(torch.ones(2, dtype=torch.complex128) / 2, [0.0, 0.0], 1.0), "y"),
    (lambda: gt.log_prob(np.full((3, 2), 0.5), np.zeros((4, 2)), 1.0), "y, logits, tau"),
    (lambda: gt.log_prob(np.full((3, 2), 0.5), np.zeros(2), np.ones(4)), "y, logits, tau"),
    (lambda: gt.log_prob([0.5, 0.5], [-INF, -INF], 1.0), "logits"),
    (lambda: gt.log_prob_from_log([0.0, 0.0, 0.0], [0.0, 0.0], 1.0), "log_y"),
    (lambda: gt.log_prob_from_log([-0.7, -0.7], [INF, INF], 1.0), "logits"),
    (lambda: gt.log_prob_exp([0.0, 0.0, 0.0], [0.0, 0.0], 1.0), "log_y"),
    (lambda: gt.log_prob_exp([-0.7, -0.7], [0.0, 0.0], 0.0), "tau"),
    (lambda: gt.log_prob_exp(np.zeros((3, 2)), np.zeros((4, 2)), 1.0), "log_y, logits, tau"),
    (lambda: gt.log_prob_u([0.0, 0.0], [0.0, 0.0]), "u"),
    (lambda: gt.log_prob_u(np.zeros((3, 1)), np.zeros((4, 2))), "u, logits"),
    (lambda: gt.log_prob_u([0.0], [-INF, -INF]), "logits"),
    (lambda: gt.sample_log([0.0, 0.0], 0.0), "tau"),
    (lambda: gt.sample_log([0.0], 1.0), "logits"),
    (lambda: gt.sample_log([[0.0, 0.0]] * 3, [1.0, 2.0]), "logits, tau"),
    (lambda: gt.rsample([0.0, 0.0], 1.0, rng="a"), "rng"),
    (lambda: gt.rsample_log([0.0, 0.0], 1.0, size=(2, -1)), "size"),
    (lambda: gt.sample([0.0, 0.0], 1.0, size=(2**40, 2**40), rng=0), "size"),
]


@pytest.mark.parametrize("case", range(len(BAD)))
def test_bad_input_raises_value_error_naming_the_argument(case):
    call, name = BAD[case]
    with pytest.raises(ValueError, match=f"^{name}:"):
        call()


@pytest.mark.parametrize("logits", [[-INF, -INF], [INF, INF, 0.0], [math.nan, 0.0]])
def test_table_logits_that_define_no_distribution_raise_in_the_samplers(logits):
    for f in (gt.sample_log, gt.sample, gt.rsample_log, gt.rsample):
        with pytest.raises(ValueError, match="^logits:"):
            f(logits, 1.0, size=(4,), rng=0)


@pytest.mark.parametrize("size", [2.5, "a", True, np.float64(3), -1, (2, -1), [2.5], [[2]], object(), (2, None)])
def test_bad_size_raises_naming_size(size):
    with pytest.raises(ValueError, match="^size:"):
        gt.sample_log(np.zeros(4), 1.0, size=size, rng=0)


@pytest.mark.parametrize("size, shape", [(None, (4,)), ((), (4,)), (3, (3, 4)), (np.int64(3), (3, 4)),
                                         (np.array(3), (3, 4)), ((2, 3), (2, 3, 4)), ([2, 3], (2, 3, 4)),
                                         (torch.Size([2, 3]), (2, 3, 4)), (0, (0, 4)), ((2, 0), (2, 0, 4))])
def test_size_conventions(size, shape):
    for f in (gt.sample_log, gt.sample, gt.rsample_log, gt.rsample):
        assert tuple(f(np.zeros(4), 1.0, size=size, rng=0).shape) == shape


def test_rng_conventions_and_rsample_equals_sample():
    want = gt.sample_log(np.zeros(4), 1.0, size=2, rng=0)
    for rng in (0, np.int64(0), torch.Generator().manual_seed(0)):
        assert torch.equal(gt.sample_log(np.zeros(4), 1.0, size=2, rng=rng), want)
    x = T([0.1, 0.2, 0.3, 0.4], grad=True)
    out = gt.rsample_log(x, 1.0, size=2, rng=0)
    assert out.requires_grad and not want.requires_grad and torch.equal(out.detach(), gt.sample_log(x, 1.0, 2, 0))
    assert not gt.sample_log(x, 1.0, 2, 0).requires_grad and torch.equal(gt.rsample(x, 1.0, 2, 0).detach(), gt.sample(x, 1.0, 2, 0))
    torch.manual_seed(3)
    a = gt.sample(np.zeros(4), 1.0)
    torch.manual_seed(3)
    assert torch.equal(a, gt.sample(np.zeros(4), 1.0))           # rng None: torch's default generator
    for bad in (2.5, "a", -1, True, object(), np.random.default_rng(0)):
        with pytest.raises(ValueError, match="^rng:"):
            gt.sample_log(np.zeros(4), 1.0, rng=bad)


# ---------------------------------------------------------------- (b) the extremes: the table

def test_table_masked_category_and_beyond_the_float_range_in_log_prob_u():
    assert gt.log_prob_u([0.0, 0.0], [-INF, 0.0, 0.0]) == -INF
    assert gt.log_prob_u([1e308, -1e308], np.zeros(3)) == -INF


def test_table_an_infinite_logit_samples_its_vertex():
    assert torch.equal(gt.sample_log([INF, 0.0], 1.0, size=(4,), rng=0), T([[0.0, -INF]] * 4))
    assert torch.equal(gt.sample([0.0, INF, -INF], 0.3, size=2, rng=1), T([[0.0, 1.0, 0.0]] * 2))


@pytest.mark.parametrize("logits, tau", [([0.0, 1.0], TINY), ([1e4, 0.0], 1e-305)])
def test_table_tiny_temperatures_sample_the_vertex_of_the_largest_perturbed_logit(logits, tau):
    out = gt.sample_log(logits, tau, size=(4,), rng=0)
    v = T(logits) + gumbel_draws(0, (4, 2))
    assert torch.equal(out, torch.where(v == v.max(-1, keepdim=True).values, 0.0, -INF).to(F64))


def test_table_float16_uses_its_own_tolerance_and_returns_float16():
    y = torch.tensor([0.1, 0.2, 0.7], dtype=torch.float16)     # sums to 1 + 1.2e-4
    out = gt.log_prob(y, torch.zeros(3, dtype=torch.float16), 1.0)
    want = ref_rows(y.double(), np.zeros(3), 1.0, False, tol=gt.support_tolerance(torch.float16))[0]
    assert out.dtype == torch.float16 and abs(want - 0.83330) < 1e-4 and out.item() == float(np.float16(want))
    assert gt.log_prob(y.double(), np.zeros(3), 1.0) == -INF    # in float64 it is off the simplex


def test_table_the_largest_temperature():
    y, tau = np.array([0.2, 0.3, 0.5]), 1e308
    want = ref_rows(y, np.zeros(3), tau, False)
    assert abs(want[0] / -1.32176e308 - 1) < 1e-5
    assert err(gt.log_prob(y, np.zeros(3), tau), want) <= 1e-14
    assert err(gt.log_prob_from_log(np.log(y), np.zeros(3), tau), ref_rows(np.log(y), np.zeros(3), tau, True)) <= 1e-14


def _density_calls(x, tau=0.7):
    k = len(x)
    ly = np.log(np.full(k, 1.0 / k)) + np.linspace(-0.1, 0.1, k)
    ly -= np.log(np.exp(ly).sum())
    return {"log_prob": lambda: gt.log_prob(np.exp(ly), x, tau),
            "log_prob_from_log": lambda: gt.log_prob_from_log(ly, x, tau),
            "log_prob_exp": lambda: gt.log_prob_exp(ly, x, tau),
            "log_prob_u": lambda: gt.log_prob_u(tau * (ly[:-1] - ly[-1]), x)}


@pytest.mark.parametrize("x, want", [([-INF, 0.0, 1.0], -INF), ([INF, 0.0, 1.0], -INF), ([INF, -INF, 1.0], -INF),
                                     ([math.nan, 0.0, 1.0], math.nan), ([math.nan, -INF, INF], math.nan)])
def test_infinite_and_nan_logits_in_the_densities(x, want):
    for name, call in _density_calls(np.array(x)).items():
        out = call().item()
        assert (math.isnan(out) if math.isnan(want) else out == want), (name, out)


@pytest.mark.parametrize("x", [[-INF, -INF, -INF], [INF, INF, 0.0], [INF, INF, INF]])
def test_logits_without_a_distribution_raise_in_every_function(x):
    for call in _density_calls(np.array(x)).values():
        with pytest.raises(ValueError, match="^logits:"):
            call()


def test_off_support_is_minus_inf_and_nan_propagates():
    x = np.zeros(3)
    assert gt.log_prob([0.5, 0.5, 0.0], x, 1.0) == -INF
    assert gt.log_prob([0.7, 0.5, -0.2], x, 1.0) == -INF
    assert gt.log_prob([INF, 0.5, 0.5], x, 1.0) == -INF
    assert gt.log_prob([0.0, 0.5, 0.5], x, 1e308) == -INF
    assert gt.log_prob_from_log(np.log([0.5, 0.5, 0.5]), x, 1.0) == -INF
    assert gt.log_prob_from_log([0.0, -INF, -1.0], x, 1.0) == -INF
    assert gt.log_prob_from_log([INF, 0.0, 0.0], x, 1.0) == -INF
    assert gt.log_prob_exp([0.0, -INF, -1.0], x, 1.0) == -INF
    for u in ([INF, 0.0], [-INF, 0.0], [1.0, INF]):
        assert gt.log_prob_u(u, x) == -INF
    assert torch.isnan(gt.log_prob([0.5, math.nan, 0.2], x, 1.0))
    assert torch.isnan(gt.log_prob_from_log([math.nan, -1.0, -1.0], x, 1.0))
    assert torch.isnan(gt.log_prob_u([math.nan, 0.0], x))
    tol = gt.support_tolerance(F64)
    assert torch.isfinite(gt.log_prob([0.3, 0.5, 0.2 + tol / 2], x, 1.0))
    assert gt.log_prob([0.3, 0.5, 0.2 + 2 * tol], x, 1.0) == -INF


def test_special_rows_only_affect_themselves_and_their_gradients_stay_finite():
    x = T([[0.0, 1.0, 2.0], [-INF, 1.0, 2.0], [math.nan, 1.0, 2.0], [0.0, INF, 2.0], [0.0, 1.0, 2.0]], grad=True)
    ly = gn.sample_log([0.0, 1.0, 2.0], 0.5, size=5, rng=3)
    ly[4, 0] = -INF                                              # off the support
    point = T(ly, grad=True)
    tau = T(0.5, grad=True)
    out = gt.log_prob_from_log(point, x, tau)
    assert out[0] == gt.log_prob_from_log(ly[0], x[0].detach(), 0.5)
    assert out[1] == -INF and torch.isnan(out[2]) and out[3] == -INF and out[4] == -INF
    out[0].backward()
    for g in (x.grad, point.grad, tau.grad):
        assert torch.isfinite(g).all()
    assert (x.grad[1:] == 0).all() and (x.grad[0] != 0).any()


@pytest.mark.parametrize("tau", [TINY, 1e-320, 2.0**-1022, 1e-300, 1e-30, 1e-3, 1.0, 31.0, 33.0, 1e3,
                                 2.0**40, 2.0**41, 1e30, 1e300, HUGE])
def test_every_density_over_the_whole_temperature_range(tau):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4)) * 3
    ly = gn.sample_log(x, 0.7, rng=rng)
    assert err(gt.log_prob_from_log(ly, x, tau), ref_rows(ly, x, tau, True)) <= 1e-14
    assert err(gt.log_prob(np.exp(ly), x, tau), ref_rows(np.exp(ly), x, tau, False)) <= 1e-14
    out = gt.sample_log(x, tau, rng=7)
    assert err(out, ref_sample(x, gumbel_draws(7, (3, 4)).numpy(), tau)) <= 1e-14
    assert torch.isfinite(gt.sample(x, tau, rng=7)).all()


def test_mixed_kinds_of_rows_in_one_batch_equal_row_by_row_and_the_numpy_module():
    """Plain, careful (wide logits), log-ratio (large tau), exact (both) and special rows together."""
    rng = np.random.default_rng(8)
    x = np.array([[0.0, 1.0, -2.0], [1e6, -1e6, 3.0], [0.5, 0.0, 2.0], [-INF, 0.0, 1.0], [1e250, 0.0, -1e250]])
    tau = np.array([0.7, 0.7, 1e9, 0.7, 1e9])
    ly = np.log(rng.dirichlet(np.ones(3), size=len(x)))
    ly[2] = gn.sample_log(x[2], tau[2], rng=rng)
    y = np.exp(ly)
    for ft, fn, point, from_log in ((gt.log_prob_from_log, gn.log_prob_from_log, ly, True), (gt.log_prob, gn.log_prob, y, False)):
        batch = ft(point, x, tau)
        assert torch.equal(batch, torch.stack([ft(point[r], x[r], tau[r]) for r in range(len(x))]))
        assert err(batch, fn(point, x, tau)) <= 1e-15
        assert err(batch, ref_rows(point, x, tau, from_log)) <= 1e-14


def test_logits_spread_over_the_whole_float_range():
    x = np.array([HUGE, -HUGE, 0.0])
    for tau in (1e-300, 1.0, 10.0, 1e300):
        out = gt.sample_log(x, tau, size=3, rng=2)
        assert err(out, ref_sample(np.broadcast_to(x, (3, 3)), gumbel_draws(2, (3, 3)).numpy(), tau)) <= 1e-14
        if torch.isfinite(out).all():
            assert err(gt.log_prob_from_log(out, x, tau), ref_rows(out.numpy(), x, tau, True)) <= 1e-14
    assert gt.sample_log(np.array([1.7e308, -1.7e308, 0.0]), 2.0, rng=0).tolist() == [0.0, -1.7e308, -8.5e307]
    assert gt.sample(np.array([-INF, 1.7e308, -1.7e308]), 2.0, rng=0).tolist() == [0.0, 1.0, 0.0]
    u = np.array([[HUGE, -HUGE], [HUGE, HUGE], [-HUGE, -HUGE]])
    assert err(gt.log_prob_u(u, x), gn.log_prob_u(u, x)) == 0.0


def test_ordinary_rows_take_the_plain_kernels(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("an ordinary row left the plain kernels")
    for name in ("_rows_log_prob_careful", "_rows_log_prob_from_log_careful", "_rows_log_prob_ratio", "_exactly"):
        monkeypatch.setattr(gt, name, boom)
    monkeypatch.setattr(gt, "_KINDS", {})
    rng = np.random.default_rng(6)
    x = rng.normal(size=(50, 6)) * 4 + 1e3
    for tau in (1e-300, 0.1, 1.0, 30.0):
        ly = gn.sample_log(x, tau, rng=rng)
        gt.log_prob_from_log(ly, x, tau)
        with np.errstate(under="ignore"):
            gt.log_prob(np.exp(ly), x, tau)
    monkeypatch.undo()


def test_empty_batches_and_broadcasting():
    assert gt.log_prob(np.empty((0, 3)), np.zeros(3), 1.0).shape == (0,)
    assert gt.log_prob_from_log(np.empty((2, 0, 3)), np.zeros(3), 1.0).shape == (2, 0)
    assert gt.log_prob_u(np.empty((0, 2)), np.zeros(3)).shape == (0,)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 3))
    ly = gn.sample_log(x, 1.0, rng=rng)
    out = gt.log_prob_from_log(ly, x, np.array([[0.5], [2.0]]))
    assert out.shape == (2, 4) and torch.equal(out[1], gt.log_prob_from_log(ly, x, 2.0))


# ---------------------------------------------------------------- (b) dtypes

@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_float_dtypes_in_are_the_dtype_out_computed_in_float64(dtype):
    rng = np.random.default_rng(4)
    x = torch.tensor(rng.normal(size=(5, 3)) * 2).to(dtype)
    ly = gt.sample_log(x, 0.8, rng=1)
    assert ly.dtype == dtype and gt.sample(x, 0.8, rng=1).dtype == dtype and gt.rsample(x, 0.8).dtype == dtype
    y = torch.exp(ly.double()).to(dtype)
    for f, point, from_log in ((gt.log_prob, y, False), (gt.log_prob_from_log, ly, True), (gt.log_prob_exp, ly, True)):
        out = f(point, x, 0.8)
        assert out.dtype == dtype
        ref = ref_rows(point.double().numpy(), x.double().numpy(), 0.8, from_log, dps=40, tol=gt.support_tolerance(dtype))
        if f is gt.log_prob_exp:
            ref = ref + point.double()[:, :-1].sum(-1).numpy()
        # computed in float64, rounded once to the dtype: within half its ulp (relative eps / 2) and float64's error
        finite = np.isfinite(ref)
        gap = np.abs(out.double().numpy()[finite] - ref[finite])
        assert np.all(gap <= np.abs(ref[finite]) * torch.finfo(dtype).eps / 2 + 2e-15 * np.maximum(1, np.abs(ref[finite]))), (out, ref)
    assert gt.log_prob_u((ly[:, :-1] - ly[:, -1:]), x).dtype == dtype


@pytest.mark.parametrize("dtype", [torch.int8, torch.int64, torch.uint8, torch.bool])
def test_integer_and_boolean_inputs_give_float64(dtype):
    x = torch.tensor([0, 1, 1]).to(dtype)
    assert gt.sample_log(x, 1.0, rng=0).dtype == F64
    ly = gt.sample_log(x.double(), 1.0, size=2, rng=0)
    out = gt.log_prob_from_log(ly, x, 1.0)
    assert out.dtype == F64 and err(out, ref_rows(ly.numpy(), x.double().numpy(), 1.0, True, dps=40)) <= 2e-15
    assert gt.log_prob(torch.tensor([1, 0, 0]).to(dtype), x, True) == -INF
    assert gt.log_prob_u(torch.zeros(2, dtype=dtype), x).dtype == F64


def test_tolerances_and_dtype_policy():
    assert gt.support_tolerance(torch.float16) == pytest.approx(2.0**-5)
    assert gt.support_tolerance(torch.bfloat16) == pytest.approx(2.0**-3.5)
    assert gt.support_tolerance(torch.float32) == pytest.approx(2.0**-11.5) == gt.support_tolerance(np.float32)
    assert gt.support_tolerance(torch.int64) == gt.support_tolerance(F64) == pytest.approx(2.0**-26)
    y = [0.3, 0.5, 0.2]
    assert gt.log_prob(T(y, F32), torch.zeros(3, dtype=F32), 1.0).dtype == F32
    assert gt.log_prob(T(y, F32), np.zeros(3), 1.0).dtype == F64           # Python lists and NumPy float64: float64
    assert gt.log_prob(T(y, torch.float16), torch.zeros(3, dtype=torch.int8), 1.0).dtype == torch.float16
    assert gt.log_prob(T(y, torch.float16), torch.zeros(3, dtype=torch.bfloat16), 1.0).dtype == F32
    assert isinstance(gt.log_prob(np.array(y, np.float32), np.zeros(3, np.float32), 1.0), torch.Tensor)


# ---------------------------------------------------------------- (c) gradients against mpmath

def mp_gradients(l, x, tau, dps=60):
    """d/dl_i, d/dx_i, d/dtau of log (J28) (the verified expression) at ``dps`` digits, as float64."""
    with mpmath.workdps(dps):
        L = [mpmath.mpf(float(v)) for v in l]
        X = [mpmath.mpf(float(v)) for v in x]
        t = mpmath.mpf(float(tau))
        gl = [mpmath.diff(lambda h, i=i: log_density_row(L[:i] + [h] + L[i + 1:], X, t), L[i]) for i in range(len(L))]
        gx = [mpmath.diff(lambda h, i=i: log_density_row(L, X[:i] + [h] + X[i + 1:], t), X[i]) for i in range(len(X))]
        return np.array(gl, dtype=float), np.array(gx, dtype=float), float(mpmath.diff(lambda h: log_density_row(L, X, h), t))


def gradient_error(ours, ref):
    ours, ref = (np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in v]) for v in (ours, ref))
    return float(np.max(np.abs(ours - ref)) / max(1.0, np.max(np.abs(ref))))


def _autograd(f, point, x, tau):
    p, xs, t = T(point, grad=True), T(x, grad=True), T(tau, grad=True)
    f(p, xs, t).backward()
    return p.grad.numpy(), xs.grad.numpy(), t.grad.item()


def _gradient_cases():
    rng = np.random.default_rng(11)
    for k in range(2, 9):
        for tau in (0.05, 0.5, 1.0, 3.0):
            x = 2 * rng.normal(size=k)
            yield k, tau, x, gn.sample_log(x, tau, rng=rng)


@pytest.mark.parametrize("k", range(2, 9))
def test_gradients_against_mpmath_derivatives_of_the_verified_expression(k):
    for _, tau, x, ly in [c for c in _gradient_cases() if c[0] == k]:
        gl, gx, gtau = mp_gradients(ly, x, tau)
        got = _autograd(gt.log_prob_from_log, ly, x, tau)
        assert gradient_error(got, (gl, gx, [gtau])) <= GRAD_BOUND, (k, tau)
        got = _autograd(gt.log_prob, np.exp(ly), x, tau)       # d/dy_i = (d/dl_i) / y_i
        assert gradient_error(got, (gl / np.exp(ly), gx, [gtau])) <= GRAD_BOUND, (k, tau)
        got = _autograd(gt.log_prob_exp, ly, x, tau)           # + sum_{i<k} l_i
        assert gradient_error(got, (gl + (np.arange(k) < k - 1), gx, [gtau])) <= GRAD_BOUND, (k, tau)


def test_the_gradient_check_fails_against_a_wrong_reference():
    _, tau, x, ly = next(_gradient_cases())
    got = _autograd(gt.log_prob_from_log, ly, x, tau)
    gl, gx, gtau = mp_gradients(ly, x, tau * (1 + 1e-9))        # the derivatives at a slightly wrong tau
    assert gradient_error(got, (gl, gx, [gtau])) > GRAD_BOUND
    gl, gx, gtau = mp_gradients(ly, x, tau)
    assert gradient_error(got, (gl, gx[::-1], [gtau])) > GRAD_BOUND


def test_gradients_of_careful_and_settled_rows_are_finite_and_accurate():
    """Wide logits (careful kernel), a large tau from y (log-ratio), both (exact value, ratio-kernel gradient)."""
    rng = np.random.default_rng(12)
    for x, tau in (([1e6, -1e6, 3.0], 0.7), ([0.5, 0.0, 2.0], 1e3), ([300.0, 0.0, -300.0], 50.0)):
        x = np.array(x)
        ly = np.log(rng.dirichlet(np.ones(3)))
        gl, gx, gtau = mp_gradients(ly, x, tau, dps=80)
        for f, point, scale in ((gt.log_prob_from_log, ly, 1.0), (gt.log_prob, np.exp(ly), np.exp(ly))):
            got = _autograd(f, point, x, tau)
            assert all(np.all(np.isfinite(g)) for g in got)
            assert gradient_error(got, (gl / scale, gx, [gtau])) <= 1e-12, (x, tau, f)


# ---------------------------------------------------------------- (d) gradcheck, (e) the backend's own samples

def test_gradcheck_every_density_and_the_sampler():
    torch.manual_seed(0)
    a = torch.randn(3, 4, dtype=F64, requires_grad=True)        # points through softmax: on the simplex
    x = torch.randn(4, dtype=F64, requires_grad=True)
    t = T(0.7, grad=True)
    for f, onto in ((gt.log_prob, lambda v: torch.softmax(v, -1)), (gt.log_prob_from_log, lambda v: torch.log_softmax(v, -1)),
                    (gt.log_prob_exp, lambda v: torch.log_softmax(v, -1))):
        assert torch.autograd.gradcheck(lambda v, w, s, f=f, onto=onto: f(onto(v), w, s), (a, x, t))
    assert torch.autograd.gradcheck(gt.log_prob_u, (torch.randn(3, 3, dtype=F64, requires_grad=True), x))
    assert torch.autograd.gradcheck(lambda w, s: gt.rsample_log(w, s, size=2, rng=0), (x, t))
    assert torch.autograd.gradcheck(lambda w, s: gt.rsample(w, s, size=2, rng=0), (x, t))


@pytest.mark.parametrize("tau", [0.01, 0.1, 1.0, 5.0])
def test_no_nan_or_inf_gradient_on_the_backends_own_samples(tau):
    for k in (2, 10, 1000):
        x = torch.randn(k, dtype=F64, generator=torch.Generator().manual_seed(k)).requires_grad_()
        t = T(tau, grad=True)
        ly = gt.rsample_log(x, t, size=32 if k < 1000 else 8, rng=1)
        value = gt.log_prob_from_log(ly, x, t)
        assert torch.isfinite(value).all()
        value.sum().backward()
        assert torch.isfinite(x.grad).all() and torch.isfinite(t.grad).all()


# ---------------------------------------------------------------- (f) the Distribution

def test_distribution_shapes_sample_shape_and_rsample():
    d = gt.GumbelSoftmax(0.5, logits=torch.randn(4, 3, dtype=F64))
    assert d.batch_shape == (4,) and d.event_shape == (3,) and d.has_rsample and d.support is torch.distributions.constraints.simplex
    s = d.rsample((2, 5))
    assert s.shape == (2, 5, 4, 3) and torch.allclose(s.sum(-1), torch.ones(()).double())
    assert d.log_prob(s).shape == (2, 5, 4) and d.sample().shape == (4, 3)
    assert "GumbelSoftmax(temperature: 0.5, logits: (4, 3)" in repr(d)
    x = torch.randn(3, requires_grad=True)
    t = torch.tensor(0.7, requires_grad=True)
    d = gt.GumbelSoftmax(t, logits=x)
    d.log_prob(d.rsample((6,))).sum().backward()
    assert torch.isfinite(x.grad).all() and torch.isfinite(t.grad) and x.grad.dtype == torch.float32


@pytest.mark.parametrize("shape", [(5,), (5, 1)])
def test_distribution_per_row_temperature(shape):
    """pytorch#37162: temperature (n,) or (n, 1) with logits (n, k): batch_shape (n,), log_prob shape (n,)."""
    logits = torch.randn(5, 3, dtype=F64)
    temps = torch.tensor([0.1, 0.3, 0.5, 1.0, 2.0], dtype=F64)
    d = gt.GumbelSoftmax(temps.reshape(shape), logits=logits)
    assert d.batch_shape == (5,)
    y = d.sample()
    lp = d.log_prob(y)
    assert lp.shape == (5,)
    assert torch.equal(lp, torch.stack([gt.log_prob(y[r], logits[r], temps[r]) for r in range(5)]))
    assert d.log_prob(d.sample((7,))).shape == (7, 5)


def test_distribution_expand_probs_and_validation():
    logits = torch.randn(3, dtype=F64)
    d = gt.GumbelSoftmax(0.8, logits=logits)
    e = d.expand((4, 2))
    assert e.batch_shape == (4, 2) and e.sample().shape == (4, 2, 3) and e.log_prob(e.sample()).shape == (4, 2)
    p = gt.GumbelSoftmax(0.8, probs=torch.softmax(logits, -1))
    y = d.sample((10,))
    torch.testing.assert_close(p.log_prob(y), d.log_prob(y), rtol=1e-13, atol=1e-13)
    torch.testing.assert_close(p.logits, d.logits) and torch.testing.assert_close(p.probs, d.probs)
    for kwargs in ({}, {"logits": logits, "probs": torch.softmax(logits, -1)}):
        with pytest.raises(ValueError):
            gt.GumbelSoftmax(0.8, **kwargs)
    with pytest.raises(ValueError, match="temperature"):
        gt.GumbelSoftmax(-1.0, logits=logits, validate_args=True)
    with pytest.raises(ValueError, match="probs"):
        gt.GumbelSoftmax(1.0, probs=torch.tensor([-0.5, 1.5]), validate_args=True)
    v = gt.GumbelSoftmax(0.8, logits=logits, validate_args=True)
    with pytest.raises(ValueError):
        v.log_prob(torch.tensor([0.5, 0.7, -0.2], dtype=F64))
    assert torch.isfinite(v.log_prob(v.sample()))
    with pytest.raises(ValueError, match="^temperature, logits:"):
        gt.GumbelSoftmax(torch.ones(3), logits=torch.zeros(4, 2))


def test_distribution_log_prob_matches_torchs_where_torchs_is_accurate():
    rng = torch.Generator().manual_seed(5)
    logits = torch.randn(6, 4, dtype=F64, generator=rng)
    for tau in (0.5, 1.0, 2.0):
        ours, theirs = gt.GumbelSoftmax(tau, logits=logits), torch.distributions.RelaxedOneHotCategorical(
            torch.tensor(tau, dtype=F64), logits=logits)
        y = theirs.sample((20,))
        torch.testing.assert_close(ours.log_prob(y), theirs.log_prob(y), rtol=1e-10, atol=1e-10)
    # torch's own is NaN or -inf on its own low-temperature samples; ours stays finite from log space
    ours, theirs = gt.GumbelSoftmax(0.01, logits=logits), torch.distributions.RelaxedOneHotCategorical(
        torch.tensor(0.01, dtype=F64), logits=logits)
    y = ours.sample((50,))
    inside = (y > 0).all(-1)
    assert torch.isfinite(ours.log_prob(y)[inside]).all() and (ours.log_prob(y)[~inside] == -INF).all()
    assert not torch.isnan(ours.log_prob(theirs.sample((50,)))).any()
    ly = gt.sample_log(logits, 0.01, size=50, rng=0)
    assert torch.isfinite(gt.log_prob_from_log(ly, logits, 0.01)).all()


def test_samples_follow_jangs_eq1():
    """k = 2 against the exact CDF of y_1 (a logistic in logit space), k = 3 against the NumPy module's sampler."""
    x, tau = torch.tensor([0.3, -0.4], dtype=F64), 0.7
    y1 = gt.GumbelSoftmax(tau, logits=x).sample((4000,))[:, 0].numpy()
    def cdf(t):
        return 1 / (1 + np.exp(-(tau * np.log(t / (1 - t)) - (0.3 + 0.4))))
    assert scipy.stats.kstest(y1, cdf).pvalue > 1e-3
    x3 = np.array([0.5, -1.0, 0.2])
    ours = gt.sample(x3, 0.4, size=4000, rng=9).numpy()
    theirs = gn.sample(x3, 0.4, size=4000, rng=9)
    for i in range(3):
        assert scipy.stats.ks_2samp(ours[:, i], theirs[:, i]).pvalue > 1e-3
    assert scipy.stats.kstest(gt.sample(x3, 0.4, size=4000, rng=9).numpy()[:, 0], lambda t: 0 * t).pvalue < 1e-3


def test_exported():
    for name in gn.__all__:
        if name != "kl_divergence_mc":
            assert callable(getattr(gt, name)), name
    assert {"rsample", "rsample_log", "GumbelSoftmax"} <= set(gt.__all__)


def test_chunks_and_threads_give_the_same_values_and_gradients(monkeypatch):
    """Large CPU batches run in chunks of rows (on a thread pool): the same values and gradients as one piece."""
    rng = np.random.default_rng(13)
    x = rng.normal(size=(5000, 7)) * 2
    ly = gn.sample_log(x, 0.3, rng=rng)

    def run():
        p, xs, t = T(ly, grad=True), T(x, grad=True), T(0.3, grad=True)
        value = gt.log_prob_from_log(p, xs, t)
        value.sum().backward()
        return value.detach(), p.grad, xs.grad, t.grad
    chunked = run()
    monkeypatch.setattr(gt, "_CHUNK", 10**9)
    whole = run()
    for a, b in zip(chunked, whole):
        torch.testing.assert_close(a, b, rtol=1e-14, atol=1e-14)
    with torch.inference_mode():
        monkeypatch.setattr(gt, "_CHUNK", 1 << 15)
        assert torch.equal(gt.log_prob_from_log(T(ly), T(x), 0.3), chunked[0])


# --- found by a break-it pass -------------------------------------------------------------------

def test_a_call_in_inference_mode_leaves_autograd_working():
    y = torch.tensor([0.2, 0.3, 0.5], dtype=torch.float64)
    x = torch.tensor([0.1, -1.0, 2.0], dtype=torch.float64)
    with torch.inference_mode():
        gt.log_prob(y, x, 0.5)
    t = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    gt.log_prob(y, x, t).backward()
    assert torch.isfinite(t.grad)


def test_a_python_temperature_is_not_rounded_to_the_logits_dtype():
    GumbelSoftmax = gt.GumbelSoftmax
    """GumbelSoftmax(1e-8, logits=float16) is a valid distribution (tau stays float64, as in the functions),
    and its log_prob equals the function's."""
    h = torch.zeros(3, dtype=torch.float16)
    assert GumbelSoftmax(1e-8, logits=h).sample().dtype == torch.float16
    assert torch.isfinite(GumbelSoftmax(1e5, logits=h).sample()).all()
    y = torch.tensor([0.2, 0.3, 0.5])
    assert GumbelSoftmax(1e-3, logits=torch.zeros(3)).log_prob(y) == gt.log_prob(y, torch.zeros(3), 1e-3)


def test_a_batch_of_constant_rows_keeps_its_graph():
    """Every row off the support or masked: -inf, and backward gives zero gradients instead of raising."""
    t = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    x = torch.tensor([-math.inf, 0.0, 1.0], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([[0.2, 0.3, 0.5], [0.0, 0.5, 0.5]], dtype=torch.float64, requires_grad=True)
    value = gt.log_prob(y, x, t)
    assert torch.equal(value, torch.full((2,), -math.inf, dtype=torch.float64))
    value.sum().backward()
    for a in (t, x, y):
        assert torch.equal(a.grad, torch.zeros_like(a))
