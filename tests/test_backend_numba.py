"""The compiled path gumbel_softmax.numba: values against the NumPy module's own kernels and the mpmath
reference, the bad-input contract, dispatch (use_compiled), shapes, determinism over threads, and the
kernels' own vectorisable ``_log`` / ``_exp`` against mpmath over the whole float64 range.

The documented bounds (gumbel_softmax.numba, the NumPy module's use_compiled): float64 values within
4e-15 max(1, |numpy|) of the NumPy module's (each within 2e-15 of mpmath on the accuracy table's rows,
bench/accuracy.py); float32 results within one float32 ulp; rows the compiled kernels hand back (off the
support, extreme logits or tau, NaN, lost digits) equal to the NumPy module's bit for bit.  The rows are
the accuracy table's (bench/accuracy.case: seed 0, logits 2 N(0, 1), points from sample_log).
The largest figures measured are kept in ``MEASURED`` and printed at the end of the module.
numba compiles each kernel signature on first use (a few seconds each, then cached on disk).
"""
import math
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

numba = pytest.importorskip("numba", reason="gumbel_softmax.numba needs numba (pip install '.[compiled]')")
import mpmath

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/ from the repo root
from bench.accuracy import rows_for
from bench.reference import load_generated, reference, relative_error

gn = load_generated("numpy")
gb = load_generated("numba")
KS = (2, 3, 10, 100, 1000)
TAUS = (0.01, 0.1, 0.5, 1.0, 5.0)
#: (name, from log y, log-space density): the three densities the compiled kernels print
FORMS = (("log_prob", False, False), ("log_prob_from_log", True, False), ("log_prob_exp", True, True))
BOUND = 4e-15       # |compiled - numpy| / max(1, |numpy|), float64
REF_BOUND = 2e-15   # |compiled - mpmath| / max(1, |mpmath|), float64
INF = np.inf
MAXF = np.finfo(np.float64).max
TINY = 2.0 ** -1022  # the smallest normal float64
MEASURED: dict = {}


def _measure(key, value, where=None):
    if value > MEASURED.get(key, (-1.0, None))[0]:
        MEASURED[key] = (float(value), where)


@pytest.fixture(scope="module", autouse=True)
def _summary(request):
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    for key, (value, where) in sorted(MEASURED.items()):
        line = f"\nnumba {key}: {value:.3g}" + (f" at {where}" if where is not None else "")
        (reporter.write_line if reporter else print)(line)


@pytest.fixture(autouse=True)
def _auto_mode():
    """Every test starts in mode "auto" (whatever GUMBEL_SOFTMAX_COMPILED says) and leaves the mode as found."""
    previous = gn.use_compiled("auto")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            yield
    finally:
        gn.use_compiled(previous)


def numpy_only(name, *args):
    """The NumPy module's own kernels (use_compiled("never"), restored)."""
    previous = gn.use_compiled("never")
    try:
        return getattr(gn, name)(*args)
    finally:
        gn.use_compiled(previous)


def compiled(name, *args):
    """The compiled path forced for any size (gumbel_softmax.numba.<name>)."""
    return getattr(gb, name)(*args)


def table_rows(k, tau, dtype, n):
    """The accuracy table's rows (bench/accuracy.case): logits 2 N(0, 1), log y from sample_log, y = exp."""
    rng = np.random.default_rng([0, k, int(tau * 1000), np.dtype(dtype).itemsize])
    logits = (2 * rng.normal(size=k)).astype(dtype)
    log_y = gn.sample_log(logits, tau, size=n, rng=rng)
    return logits, log_y, np.exp(log_y.astype(np.float64)).astype(dtype)


def close(ours, ref, bound=BOUND):
    """float64: |ours - ref| / max(1, |ref|) <= bound where ref is finite, the same value (inf, NaN) elsewhere;
    float32: within one float32 ulp of ref.  Returns the largest difference (relative, or in ulps)."""
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.shape == ref.shape and ours.dtype == ref.dtype, (ours.shape, ref.shape, ours.dtype, ref.dtype)
    finite = np.isfinite(ref)
    np.testing.assert_array_equal(ours[~finite], ref[~finite])
    a, b = ours[finite].astype(np.float64), ref[finite].astype(np.float64)
    if a.size == 0:
        return 0.0
    if ref.dtype == np.float32:
        err = np.abs(a - b) / np.spacing(np.abs(ref[finite])).astype(np.float64)
        assert err.max() <= 1.0, (ours, ref, err)
    else:
        err = np.abs(a - b) / np.maximum(1.0, np.abs(b))
        assert not np.isnan(err).any() and err.max() <= bound, (ours, ref, err)
    return float(err.max())


def test_the_comparisons_are_not_vacuous():
    with pytest.raises(AssertionError):
        close(np.array([1.0 + 8e-15]), np.array([1.0]))
    with pytest.raises(AssertionError):
        close(np.array([-INF]), np.array([0.5]))
    with pytest.raises(AssertionError):
        close(np.array([np.nextafter(np.float32(1), np.float32(2)) + np.float32(2.4e-7)], np.float32),
              np.array([1.0], np.float32))
    with pytest.raises(AssertionError):
        close(np.array([1.0], np.float32), np.array([1.0]))  # dtypes differ


# ---------------------------------------------------------------- 1. compiled vs the NumPy module's kernels

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("k", KS)
def test_compiled_equals_the_numpy_kernels_to_the_bound(k, dtype):
    """Every (tau, form) of the table, y and log y, in ``dtype``: within BOUND (float64) or one ulp (float32)."""
    n = {2: 256, 3: 256, 10: 256, 100: 32, 1000: rows_for(1000)}[k]
    for tau in TAUS:
        logits, log_y, y = table_rows(k, tau, dtype, n)
        for name, from_log, _ in FORMS:
            point = log_y if from_log else y
            ours = compiled(name, point, logits, tau)
            theirs = numpy_only(name, point, logits, tau)
            assert ours.dtype == theirs.dtype == dtype and ours.shape == (n,)
            worst = close(ours, theirs)
            _measure(f"|compiled - numpy| {np.dtype(dtype).name}" + (" (ulp)" if dtype == np.float32 else ""),
                     worst, f"k={k} tau={tau} {name}")


# ---------------------------------------------------------------- 2. compiled vs mpmath (40 digits)

@pytest.mark.parametrize("k", KS)
def test_compiled_against_the_mpmath_reference(k):
    n = 8 if k <= 10 else (4 if k <= 100 else 3)
    for tau in TAUS:
        logits, log_y, y = table_rows(k, tau, np.float64, n)
        for name, from_log, log_space in FORMS:
            point = log_y if from_log else y
            ours = compiled(name, point, logits, tau)
            ref = reference(point, logits, tau, from_log=from_log, log_space=log_space)
            finite = np.isfinite(ref)
            np.testing.assert_array_equal(ours[~finite], ref[~finite])
            if finite.any():
                err = relative_error(ours[finite], ref[finite])
                _measure("|compiled - mpmath| / max(1, |mpmath|) float64", err.max(), f"k={k} tau={tau} {name}")
                assert err.max() <= REF_BOUND, (k, tau, name, ours, ref, err)


# ---------------------------------------------------------------- 3. the bad-input contract

K3 = 4
X0 = np.array([0.3, -1.2, 0.8, 0.1])
Y0 = np.array([0.1, 0.2, 0.3, 0.4])
L0 = np.log(Y0)


def _with(a, i, v):
    a = np.array(a, dtype=np.float64)
    a[i] = v
    return a


#: (case, form, point row, logits row, tau): rows the compiled kernels hand back to the NumPy module
RARE = [
    ("off the simplex (sum y - 1 = 1e-3)", "log_prob", _with(Y0, 0, 0.101), X0, 1.0),
    ("a y_i = 0", "log_prob", np.array([0.3, 0.0, 0.3, 0.4]), X0, 1.0),
    ("a y_i < 0", "log_prob", np.array([0.302, -0.002, 0.3, 0.4]), X0, 1.0),
    ("NaN in y", "log_prob", _with(Y0, 2, np.nan), X0, 1.0),
    ("a -inf (masked) logit", "log_prob", Y0, _with(X0, 1, -INF), 1.0),
    ("a +inf logit", "log_prob", Y0, _with(X0, 2, INF), 1.0),
    ("a NaN logit", "log_prob", Y0, _with(X0, 0, np.nan), 1.0),
    ("logits spread > 128", "log_prob", Y0, np.array([0.0, -200.0, 3.0, 1.0]), 0.5),
    ("|logit| > 2**32", "log_prob", Y0, X0 + 2.0 ** 33, 0.5),
    ("tau = 100 from y (above 32)", "log_prob", Y0, X0, 100.0),
    ("tau = 100 from y, spread > 128", "log_prob", Y0, np.array([0.0, -200.0, 3.0, 1.0]), 100.0),
]
for _form in ("log_prob_from_log", "log_prob_exp"):
    RARE += [
        ("off the simplex (logsumexp = log(1 + 1e-3))", _form, _with(L0, 0, math.log(0.101)), X0, 1.0),
        ("a log y_i = -inf", _form, _with(L0, 1, -INF), X0, 1.0),
        ("a log y_i = +inf", _form, _with(L0, 1, INF), X0, 1.0),
        ("NaN in log y", _form, _with(L0, 2, np.nan), X0, 1.0),
        ("a -inf (masked) logit", _form, L0, _with(X0, 1, -INF), 1.0),
        ("a +inf logit", _form, L0, _with(X0, 2, INF), 1.0),
        ("a NaN logit", _form, L0, _with(X0, 0, np.nan), 1.0),
        ("logits spread > 128", _form, L0, np.array([0.0, -200.0, 3.0, 1.0]), 0.5),
        ("|logit| > 2**32", _form, L0, X0 + 2.0 ** 33, 0.5),
        ("tau = 2**41 from log y (above 2**40)", _form, L0, X0, 2.0 ** 41),
        ("lost digits (log y_1 = -1e16, tau = 1e-16)", _form, _with(L0, 0, -1e16), X0, 1e-16),
    ]


def _rare_batch(point, logits, tau, n=3):
    return np.tile(point, (n, 1)), np.tile(logits, (n, 1)), np.full(n, tau)


@pytest.mark.parametrize("case, name, point, logits, tau", RARE, ids=[f"{c[1]}: {c[0]}" for c in RARE])
def test_rare_rows_equal_the_numpy_module_exactly(case, name, point, logits, tau):
    p, x, t = _rare_batch(point, logits, tau)
    for args in ((p, x, t), (p, logits, tau), (point, logits, tau)):  # per-row, shared, a single row
        ours, theirs = compiled(name, *args), numpy_only(name, *args)
        assert np.shape(ours) == np.shape(theirs) and ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs, err_msg=case)


def test_the_rare_rows_are_handed_back_by_the_kernels():
    """Not vacuous: evaluate flags each rare row whose value is finite (the rest are settled as non-finite)."""
    for case, name, point, logits, tau in RARE:
        p, x, t = _rare_batch(point, logits, tau)
        limit = gb._TAU_Y if name == "log_prob" else gb._TAU_PIVOT
        with np.errstate(all="ignore"):
            values, flags = gb.evaluate(name, p, x, t, _lgamma(K3), gn.support_tolerance(np.float64),
                                        limit, 1, gn._pool())
        assert np.all((flags != 0) | ~np.isfinite(values)), (case, name, values, flags)


def test_rare_rows_inside_a_large_batch_take_the_automatic_path(monkeypatch):
    """The rare rows scattered through 8000 ordinary rows (40000 elements: the compiled path by itself)."""
    calls = []
    evaluate = gb.evaluate
    monkeypatch.setattr(gb, "evaluate", lambda *a: calls.append(a[0]) or evaluate(*a))
    rng = np.random.default_rng(3)
    k, n = 5, 8000
    x0 = np.array([0.3, -1.2, 0.8, 0.1, 0.5])
    for name, from_log, _ in FORMS:
        rare = [c for c in RARE if c[1] == name]
        logits = np.tile(x0, (n, 1)) + rng.normal(size=(n, k))
        tau = rng.choice(TAUS, size=n)
        log_y = gn.sample_log(logits, tau, rng=rng)
        point = log_y if from_log else np.exp(log_y)
        where = rng.choice(n, size=len(rare), replace=False)
        for r, (_, _, p, x, t) in zip(where, rare):  # the rare rows with a fifth category (k = 5)
            if from_log:
                p = np.append(p + math.log(0.9) if np.isfinite(p).all() else p, math.log(0.1))
            else:
                p = np.append(p * 0.9, 0.1)
            point[r], logits[r], tau[r] = p, np.append(x, 0.5), t
        calls.clear()
        ours = getattr(gn, name)(point, logits, tau)
        assert calls == [name]
        theirs = numpy_only(name, point, logits, tau)
        np.testing.assert_array_equal(ours[where], theirs[where])
        others = np.setdiff1d(np.arange(n), where)
        _measure("|compiled - numpy| float64", close(ours[others], theirs[others]), f"k={k} mixed batch {name}")


ERRORS = [
    ("tau = 0", "log_prob", Y0, X0, 0.0),
    ("tau < 0", "log_prob_from_log", L0, X0, -1.0),
    ("tau per row with a 0", "log_prob_exp", np.tile(L0, (3, 1)), X0, np.array([1.0, 0.0, 1.0])),
    ("tau = inf", "log_prob", Y0, X0, INF),
    ("k = 1", "log_prob", np.ones((3, 1)), np.zeros(1), 1.0),
    ("mismatched last axis", "log_prob", np.tile(Y0, (3, 1)), np.zeros(5), 1.0),
    ("mismatched last axis (log y)", "log_prob_exp", np.tile(L0, (3, 1)), np.zeros(3), 1.0),
    ("a row of logits all -inf", "log_prob", np.tile(Y0, (3, 1)),
     np.array([X0, [-INF] * 4, X0]), 1.0),
    ("a row with two +inf logits", "log_prob_from_log", np.tile(L0, (3, 1)),
     np.array([X0, [INF, INF, 0.0, 0.0], X0]), 1.0),
    ("batch shapes that do not broadcast", "log_prob", np.tile(Y0, (3, 1)), np.tile(X0, (2, 1)), 1.0),
]


@pytest.mark.parametrize("case, name, point, logits, tau", ERRORS, ids=[c[0] for c in ERRORS])
def test_the_same_value_errors(case, name, point, logits, tau):
    with pytest.raises(ValueError) as theirs:
        numpy_only(name, point, logits, tau)
    with pytest.raises(ValueError) as ours:
        compiled(name, point, logits, tau)
    assert str(ours.value) == str(theirs.value)


def test_an_empty_batch_with_invalid_logits_raises_as_the_numpy_module():
    """y of shape (0, k) with a logits row that defines no distribution (every logit -inf)."""
    y, logits = np.zeros((0, 3)), np.full(3, -INF)
    with pytest.raises(ValueError) as theirs:
        numpy_only("log_prob", y, logits, 1.0)
    with pytest.raises(ValueError) as ours:
        compiled("log_prob", y, logits, 1.0)
    assert str(ours.value) == str(theirs.value)


# ---------------------------------------------------------------- 4. dispatch

@pytest.fixture
def calls(monkeypatch):
    seen = []
    evaluate = gb.evaluate

    def counting(*args):
        seen.append((args[0], args[1].shape))
        return evaluate(*args)
    monkeypatch.setattr(gb, "evaluate", counting)
    return seen


def test_large_inputs_run_compiled_and_small_ones_do_not(calls):
    k = 8
    rng = np.random.default_rng(4)
    logits = rng.normal(size=k)
    log_y = gn.sample_log(logits, 0.5, size=4096, rng=rng)           # 4096 x 8 = 2**15 elements
    for name, from_log, _ in FORMS:
        point = log_y if from_log else np.exp(log_y)
        calls.clear()
        big = getattr(gn, name)(point, logits, 0.5)
        assert calls == [(name, (4096, k))]
        calls.clear()
        small = getattr(gn, name)(point[:4095], logits, 0.5)          # one row short of 2**15
        assert calls == []
        np.testing.assert_array_equal(small, numpy_only(name, point[:4095], logits, 0.5))
        close(big, numpy_only(name, point, logits, 0.5))
        calls.clear()
        getattr(gn, name)(point[:64, None], np.tile(logits, (64, 1)), 0.5)  # the batch (64, 64) counts
        assert calls == [(name, (4096, k))]
        calls.clear()
        getattr(gb, name)(point[:2], logits, 0.5)                     # forced: any size
        assert calls == [(name, (2, k))]
    calls.clear()
    gn.log_prob(np.exp(log_y).astype(np.float16), logits.astype(np.float16), 0.5)  # float16: not compiled
    gn.log_prob_u(np.zeros((4096, k - 1)), logits)                                  # no tau: not compiled
    assert calls == []


def test_use_compiled_never_stops_it_and_returns_the_previous_mode(calls):
    rng = np.random.default_rng(5)
    logits = rng.normal(size=10)
    y = gn.sample(logits, 1.0, size=4000, rng=rng)
    assert gn.use_compiled("never") == "auto"
    try:
        gn.log_prob(y, logits, 1.0)
        assert calls == []
        assert gn.use_compiled("never") == "never"
        with pytest.raises(ValueError, match="mode"):
            gn.use_compiled("bad")
        assert gn.use_compiled("never") == "never"  # a bad mode changes nothing
    finally:
        assert gn.use_compiled("auto") == "never"
    gn.log_prob(y, logits, 1.0)
    assert calls == [("log_prob", (4000, 10))]
    with pytest.raises(ValueError, match="mode"):
        gn.use_compiled("always")
    assert gn.use_compiled("auto") == "auto"


# ---------------------------------------------------------------- 5. shapes

def _shape_cases():
    rng = np.random.default_rng(6)
    k = 5
    x = rng.normal(size=k)
    ly = gn.sample_log(x, 0.7, size=(6, 7), rng=rng)                    # (6, 7, k)
    xs = rng.normal(size=(6, 7, k))
    return [
        ("logits (k,) shared", ly[0], x, 0.7),
        ("tau per row (n,)", ly[0], x, rng.uniform(0.05, 4.0, size=7)),
        ("batch (a, b, k), tau (b,)", ly, xs, rng.uniform(0.05, 4.0, size=7)),
        ("batch (a, b, k), tau (a, 1)", ly, x, rng.uniform(0.05, 4.0, size=(6, 1))),
        ("y (n, 1, k) with logits (m, k)", ly[:, :1], xs[0], 0.7),
        ("an empty batch (0, k)", ly[:0, 0], x, 0.7),
        ("an empty batch, logits (0, k)", ly[0, 0], xs[0, :0], 0.7),
        ("a single row (k,)", ly[2, 3], x, 0.7),
        ("a single row, logits (1, k)", ly[2, 3], x[None], 0.7),
        ("float32", ly.astype(np.float32), x.astype(np.float32), 0.7),
    ]


@pytest.mark.parametrize("case, log_y, logits, tau", _shape_cases(), ids=[c[0] for c in _shape_cases()])
def test_shapes_and_dtypes_equal_the_numpy_module(case, log_y, logits, tau):
    for name, from_log, _ in FORMS:
        point = log_y if from_log else np.exp(log_y.astype(np.float64)).astype(log_y.dtype)
        ours, theirs = compiled(name, point, logits, tau), numpy_only(name, point, logits, tau)
        assert type(ours) is type(theirs), (case, name, type(ours), type(theirs))
        assert np.shape(ours) == np.shape(theirs) and ours.dtype == theirs.dtype, (case, name)
        close(ours, theirs)


def test_a_large_broadcast_batch_on_the_automatic_path(calls):
    """y (n, 1, k) against logits (m, k) and tau (m,): 64 x 128 rows x 5 = 40960 elements."""
    rng = np.random.default_rng(7)
    logits = rng.normal(size=(128, 5))
    tau = rng.uniform(0.05, 4.0, size=128)
    ly = gn.sample_log(logits[:64], tau[:64], rng=rng)[:, None]
    for name, from_log, _ in FORMS:
        point = ly if from_log else np.exp(ly)
        calls.clear()
        ours = getattr(gn, name)(point, logits, tau)
        assert calls == [(name, (64 * 128, 5))] and ours.shape == (64, 128)
        close(ours, numpy_only(name, point, logits, tau))


# ---------------------------------------------------------------- 6. determinism

def test_evaluate_is_deterministic_over_threads_and_calls():
    rng = np.random.default_rng(8)
    k, n = 10, 5001
    logits = rng.normal(size=(n, k))
    tau = rng.choice(TAUS, size=n)
    log_y = gn.sample_log(logits, tau, rng=rng)
    tol = gn.support_tolerance(np.float64)
    for name, from_log, _ in FORMS:
        point = log_y if from_log else np.exp(log_y)
        limit = gb._TAU_PIVOT if from_log else gb._TAU_Y
        runs = [gb.evaluate(name, point, logits, tau, _lgamma(k), tol, limit, threads, gn._pool())
                for threads in (1, 2, 1, 3)]
        for values, flags in runs[1:]:  # bit for bit, NaN included
            assert np.array_equal(values.view(np.int64), runs[0][0].view(np.int64))
            assert np.array_equal(flags, runs[0][1])
        # the public function takes the kernel's value, bit for bit, where it is not handed back
        kept = (runs[0][1] == 0) & np.isfinite(runs[0][0])
        assert kept.mean() > 0.5
        public = compiled(name, point, logits, tau)
        assert np.array_equal(public[kept].view(np.int64), runs[0][0][kept].view(np.int64))
        assert np.array_equal(public.view(np.int64), compiled(name, point, logits, tau).view(np.int64))


# ---------------------------------------------------------------- 7. the kernels' _log and _exp

@numba.njit
def _apply_log(x, out):
    for i in range(x.size):
        out[i] = gb._log(x[i])


@numba.njit
def _apply_exp(x, out):
    for i in range(x.size):
        out[i] = gb._exp(x[i])


def _lgamma(k):
    """log Gamma(k) as the pair evaluate takes (as the NumPy module passes it)."""
    return tuple(0.0 if part is None else float(part) for part in gn._dd_lgamma(k))


def _run(f, x):
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty_like(x)
    f(x, out)
    return out


def _around(v, steps):
    """v and its neighbours up to ``steps`` floats either side."""
    out = [v]
    lo = hi = v
    with np.errstate(over="ignore"):  # beyond the largest float: inf, dropped by the caller
        for _ in range(steps):
            lo, hi = np.nextafter(lo, -INF), np.nextafter(hi, INF)
            out += [lo, hi]
    return out


def _ulp_errors(x, ours, fn):
    """|ours - fn(x)| in units of the last place of the correctly rounded fn(x) (2**-1074 for subnormal
    results), fn at 40 digits; the correctly rounded result where it is +inf (fn(x) beyond the float range):
    0 if ours is inf, else inf."""
    errors = np.empty(len(x))
    with mpmath.workdps(40):
        top = mpmath.mpf(MAXF) + mpmath.mpf(2) ** 970  # max + half an ulp: rounds to inf from here
        for i, (a, o) in enumerate(zip(np.asarray(x).tolist(), np.asarray(ours).tolist())):
            v = fn(mpmath.mpf(a))
            if v >= top:
                errors[i] = 0.0 if o == INF else INF
                continue
            u = 2.0 ** -1074 if abs(v) < TINY else math.ulp(float(v))
            errors[i] = float(abs(mpmath.mpf(o) - v) / u)
    return errors


def _check_ulps(name, x, ours, numpy_fn, mp_fn, always):
    """The ulp errors in mpmath at the points ``always`` (20000 random ones, the edges, the dense sets) and
    at every other point where ours differs from numpy's function (glibc's, within 1 ulp: the points where
    ours equals it are those it vouches for); at most 1 ulp."""
    with np.errstate(all="ignore"):
        differs = ours != numpy_fn(x)
    picked = always | differs
    errors = _ulp_errors(x[picked], ours[picked], mp_fn)
    worst = int(np.argmax(errors))
    _measure(f"{name} error (ulp; {picked.sum()} points in mpmath of {x.size}, {differs.sum()} differ from numpy)",
             errors[worst], f"x = {x[picked][worst]!r}")
    finite = np.where(np.isfinite(errors), errors, -1.0)
    _measure(f"{name} error (ulp) where it is finite", finite.max(), f"x = {x[picked][np.argmax(finite)]!r}")
    bad = errors > 1.0
    assert not bad.any(), (f"{name}: {bad.sum()} of {picked.sum()} points beyond 1 ulp, e.g. x = "
                           f"{x[picked][bad][:5].tolist()} -> {ours[picked][bad][:5].tolist()} "
                           f"(errors {errors[bad][:5].tolist()} ulp)")


def test_log_within_one_ulp_over_the_float64_range():
    rng = np.random.default_rng(9)
    # every positive finite float64 bit pattern equally likely: exponents uniform over the whole range
    random = rng.integers(1, 0x7FF0000000000000, size=200_000, dtype=np.int64).view(np.float64)
    subnormal = np.concatenate([np.arange(1, 65), np.unique((2.0 ** rng.uniform(0, 52, 2000)).astype(np.int64)),
                                [2 ** 52 - 1]]).astype(np.int64).view(np.float64)
    edges = [1.0, math.sqrt(2.0), math.sqrt(0.5), MAXF, TINY, 5e-324, 2.0]
    edges = [e * 2.0 ** s for e in edges[1:3] for s in (-1000, -30, -1, 1, 30, 1000)] + edges
    near = np.concatenate([[v for e in edges for v in _around(e, 64)],
                           1.0 + rng.uniform(-0.3, 0.42, 5000), rng.uniform(0.5, 2.0, 5000),
                           1.0 + rng.choice([-1, 1], 2000) * 2.0 ** rng.uniform(-52, -1, 2000)])
    x = np.concatenate([random, subnormal, near])
    x = x[(x > 0) & (x <= MAXF)]  # the random points, all positive and finite, stay first
    always = np.arange(x.size) >= random.size - 20_000  # the last 20000 random points and the rest
    ours = _run(_apply_log, x)
    _check_ulps("_log", x, ours, np.log, mpmath.log, always)
    special = np.array([0.0, -0.0, INF, -1.0, -INF, -5e-324, np.nan])
    out = _run(_apply_log, special)
    np.testing.assert_array_equal(out[:3], [-INF, -INF, INF])
    assert np.isnan(out[3:]).all(), out


def test_exp_within_one_ulp_over_the_float64_range():
    rng = np.random.default_rng(10)
    random = rng.uniform(-745.0, 709.7, 200_000)
    ln_max = 709.782712893384                  # log(max float64), rounded
    ln_half_min = -745.1332191019412           # log(2**-1075): below it exp rounds to 0
    ln_min = -744.4400719213812                # log(2**-1074)
    edges = [0.0, ln_max, ln_half_min, ln_min, -708.3964185322641, 1.0, -1.0, 0.5 * math.log(2), 709.7]
    near = np.concatenate([
        [v for e in edges for v in _around(e, 64)],
        [s * 2.0 ** -j for j in range(1075) for s in (1.0, -1.0)],      # dense near 0, down to 5e-324
        rng.uniform(-1e-3, 1e-3, 2000), rng.uniform(-0.36, 0.36, 2000),
        rng.uniform(ln_max - 1.0, ln_max, 1000), rng.uniform(-746.0, -744.0, 1000),
        rng.uniform(-709.0, -707.0, 500),
    ])
    x = np.concatenate([random, near])
    always = np.arange(x.size) >= random.size - 20_000  # the last 20000 random points and the rest
    ours = _run(_apply_exp, x)
    _check_ulps("_exp", x, ours, np.exp, mpmath.exp, always)
    special = np.array([-INF, INF, -746.0, 710.0, 1e300, -1e300, np.nan])
    out = _run(_apply_exp, special)
    np.testing.assert_array_equal(out[:6], [0.0, INF, 0.0, INF, INF, 0.0])
    assert np.isnan(out[6])


@pytest.mark.parametrize("name", ["log_prob", "log_prob_from_log", "log_prob_exp"])
def test_a_longdouble_point_on_the_compiled_path_gives_a_longdouble_result(name):
    """Found by a break-it pass: the result array (longdouble) was handed to the kernels, which write float32
    or float64 only: numba's TypingError.  The values are the float64 ones, as without the compiled path."""
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4000, 10))
    log_y = gn.sample_log(logits, 0.7, rng=rng)
    point = (np.exp(log_y) if name == "log_prob" else log_y).astype(np.longdouble)
    fn = getattr(gn, name)
    with gn._compiled_always():
        fast = fn(point, logits, 0.7)
    with gn._compiled_never():
        slow = fn(point, logits, 0.7)
    assert fast.dtype == slow.dtype == np.longdouble
    assert np.all(np.abs(fast - slow) <= 4e-15 * np.maximum(1, np.abs(slow)))
