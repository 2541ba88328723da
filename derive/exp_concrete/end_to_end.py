"""End-to-end checks of the log-space densities, each under the base measure the write-up declares.

* p_X (4) integrates to 1 under Lebesgue measure on (x_1, .., x_{k-1}); the libraries' q (6)
  integrates to 1 under e^{-x_k} dx_1 .. dx_{k-1}: mpmath quadrature for k = 2, 3, Monte Carlo
  importance sampling (stated standard error) for k = 4..6, for tau < 1 and tau > 1;
* the finding about the libraries: q integrated against Lebesgue measure is not 1 but E[y_k]
  (k = 2, tau = 0.7, pi = (0.3, 0.7): 0.6593); the record passes when the wrong base measure is
  caught, i.e. the integral differs from 1 beyond its error, and the value is cross-checked
  against E[y_k] computed from (1) directly;
* log-space samples x = log_softmax((log pi + g)/tau) follow p_X: k = 2, Kolmogorov-Smirnov
  against the exact CDF of x_1 (itself checked to differentiate to p_X).

Every density is evaluated through the verified expressions (``claims.density_x``,
``claims.torch_log_prob``), never written again.  Records {name, k, pi, tau, method, value, error,
passed}, as the first subject's.
"""
from __future__ import annotations

from functools import cache

import mpmath
import numpy as np
import sympy as sp
from scipy import stats

from .claims import density_x, log_density_x, torch_log_prob
from .model import at, symbols_for, tau

SEED = 20240414
#: (pi, tau) of the quadratures: tau < 1 and tau > 1 at k = 2 and 3
QUADRATURE = [((0.3, 0.7), 0.7), ((0.3, 0.7), 2.0), ((0.2, 0.3, 0.5), 0.7), ((0.2, 0.3, 0.5), 1.5)]
#: the finding about the libraries' log-space log_prob
FINDING = ((0.3, 0.7), 0.7)
FINDING_NAME = ("finding about torch/TFP's log-space log_prob (ExpRelaxedCategorical / "
                "ExpRelaxedOneHotCategorical), not a failure of ours: under Lebesgue measure it does not integrate to 1")


@cache
def density(k: int, which: str, module: str = "mpmath"):
    """f(x_1..x_k, pi_1..pi_k, tau) for ``which``: "p_X" (4), "log p_X" (5), "q" and "log q" (6).  The
    caller passes x_k = log(1 - sum_{i<k} e^{x_i}) (2), computed without cancellation near the faces."""
    s = symbols_for(k)
    expr = {"p_X": density_x(), "log p_X": log_density_x(), "q": sp.exp(torch_log_prob()),
            "log q": torch_log_prob()}[which]
    return sp.lambdify([*s.x, *s.pi, tau], at(expr, k), modules=module)


def _record(name, k, pi, t, method, value, error, passed):
    return {"name": name, "k": k, "pi": [float(a) for a in pi], "tau": t, "method": method,
            "value": float(value), "error": float(error), "passed": bool(passed)}


def _names(which: str) -> str:
    return {"p_X": "p_X integrates to 1 under Lebesgue measure on (x_1, .., x_{k-1})",
            "q e^{-x_k}": "q integrates to 1 under e^{-x_k} dx_1 .. dx_{k-1}"}[which]


def integral(pi, t, integrand: str, dps: int = 15) -> mpmath.mpf:
    """The integral over the domain sum_{i<k} e^{x_i} < 1 of ``integrand`` ("p_X", "q e^{-x_k}", "q" or
    "y_k p_X", i.e. E[y_k]) by mpmath quadrature: k = 2 over x_1 in (-oo, 0); k = 3 with x_1 = log s,
    x_2 = log(r (1 - s)) over the unit square, dx_1 dx_2 = ds dr / (s r)."""
    k = len(pi)
    p_x, q = density(k, "p_X"), density(k, "q")

    def g(*x):
        if integrand == "p_X":
            return p_x(*x, *pi, t)
        if integrand == "q":
            return q(*x, *pi, t)
        if integrand == "q e^{-x_k}":
            return q(*x, *pi, t) * mpmath.exp(-x[-1])
        return mpmath.exp(x[-1]) * p_x(*x, *pi, t)       # "y_k p_X"
    with mpmath.workdps(dps):
        if k == 2:
            return mpmath.quad(lambda a: g(a, mpmath.log(-mpmath.expm1(a))), [-mpmath.inf, mpmath.log(0.5), 0])
        return mpmath.quad(lambda a, b: g(mpmath.log(a), mpmath.log(b * (1 - a)), mpmath.log((1 - a) * (1 - b)))
                           / (a * b), [0, 1], [0, 1], maxdegree=4)   # ~1e-12


def normalisation_quadrature(pi, t, which: str) -> dict:
    total = integral(pi, t, which)
    err = abs(total - 1)
    return _record(_names(which), len(pi), pi, t, "mpmath.quad, 15 digits; error = abs(value - 1)", total, err,
                   err < 1e-8)


def library_finding(pi=FINDING[0], t=FINDING[1]) -> dict:
    """q against Lebesgue measure: E[y_k], not 1.  Passed = the wrong base measure is caught."""
    value = integral(pi, t, "q")
    finer = integral(pi, t, "q", dps=30)
    mean_yk = integral(pi, t, "y_k p_X", dps=30)
    # error: the change from 15 to 30 digits, and the distance to E[y_k] computed as y_k times (4)
    err = max(abs(value - finer), abs(finer - mean_yk))
    caught = abs(value - 1) > 1000 * max(err, mpmath.mpf(10) ** -15)
    return _record(FINDING_NAME, len(pi), pi, t,
                   f"mpmath.quad of q over x_1 under Lebesgue measure, 15 digits; it equals E[y_k] = "
                   f"{mpmath.nstr(mean_yk, 6)} under (4) (error = the change at 30 digits and the distance to "
                   f"E[y_k]); passed = differs from 1 beyond its error (the wrong base measure caught)",
                   value, err, caught)


def normalisation_monte_carlo(k: int, t: float, n: int = 200_000) -> list[dict]:
    """p_X under Lebesgue measure and q under e^{-x_k} dx, from the same draws: y ~ Dirichlet(alpha),
    x = log y, whose density in (x_1..x_{k-1}) is Dir(y) prod_{i<k} y_i."""
    rng = np.random.default_rng(SEED + k)
    pi = rng.dirichlet(np.ones(k))
    alpha = min(1.0, t / 2, 2 * t / k)      # heavier near the faces than p: weights of finite variance
    y = rng.dirichlet(np.full(k, alpha), size=n)
    x = np.log(y).T                         # x_k = log y_k: (2)
    log_proposal = stats.dirichlet.logpdf(y.T, np.full(k, alpha)) + x[:-1].sum(axis=0)
    out = []
    for which, log_f in (("p_X", density(k, "log p_X", "numpy")(*x, *pi, t)),
                         ("q e^{-x_k}", density(k, "log q", "numpy")(*x, *pi, t) - x[-1])):
        w = np.exp(log_f - log_proposal)
        mean, se = w.mean(), w.std(ddof=1) / np.sqrt(n)
        out.append(_record(_names(which), k, pi.round(4), t,
                           f"Monte Carlo importance sampling, n = {n}, x = log y with y ~ Dirichlet({alpha:g}); "
                           "error = standard error", mean, se, abs(mean - 1) < 4 * se and se < 0.03))
    return out


def log_space_samples(pi, t, n: int, rng: np.random.Generator) -> np.ndarray:
    """Log-space Gumbel-softmax draws: x = log_softmax((log pi + g)/tau), g i.i.d. Gumbel(0, 1)."""
    z = (np.log(np.asarray(pi, dtype=float)) + rng.gumbel(size=(n, len(pi)))) / t
    z -= z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def exact_cdf_k2(pi, t):
    """P(x_1 <= s) = P(y_1 <= e^s) = sigma(tau (s - log(1 - e^s)) - log(pi_1/pi_2))."""
    m = np.log(pi[0]) - np.log(pi[1])
    return lambda s: 1 / (1 + np.exp(-(t * (s - np.log1p(-np.exp(s))) - m)))


def ks_k2(pi, t, n: int = 20_000, seed: int = SEED) -> dict:
    x1 = log_space_samples(pi, t, n, np.random.default_rng(seed))[:, 0]
    cdf = exact_cdf_k2(pi, t)
    f = density(2, "p_X", "numpy")
    grid = np.linspace(-4, -0.05, 7)   # the CDF is trusted only because it differentiates to p_X
    h = 1e-6
    slope = (cdf(grid + h) - cdf(grid - h)) / (2 * h)
    cdf_ok = np.allclose(slope, f(grid, np.log1p(-np.exp(grid)), *pi, t), rtol=1e-5)
    res = stats.kstest(x1, cdf)
    return _record("log-space samples follow p_X", 2, pi, t,
                   f"Kolmogorov-Smirnov, n = {n}, seed {seed}; value = p-value, error = KS statistic",
                   res.pvalue, res.statistic, cdf_ok and res.pvalue > 1e-3)


def checks() -> list[dict]:
    out = [normalisation_quadrature(pi, t, which) for pi, t in QUADRATURE for which in ("p_X", "q e^{-x_k}")]
    out += [m for k in (4, 5, 6) for t in (0.7, 2.0) for m in normalisation_monte_carlo(k, t)]
    out += [ks_k2(pi, t, seed=SEED + n) for n, (pi, t) in enumerate(QUADRATURE) if len(pi) == 2]
    out.append(library_finding())
    return out

