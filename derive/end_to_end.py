"""End-to-end checks of the final density (J28), beyond the "=" claims.

* it integrates to 1 over the simplex: mpmath quadrature for k = 2, 3; Monte Carlo
  (importance sampling, stated standard error) for k = 4..6;
* samples drawn by eq. (1) agree with it at a fixed seed: k = 2 Kolmogorov-Smirnov against
  the exact CDF F(t) = sigma(tau logit t - (x_1 - x_2)) (itself checked to differentiate to
  the density), k = 3 a binned chi-square test.

Each check returns a record {name, k, pi, tau, method, value, error, passed}.
"""
from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp
from scipy import integrate, stats

from .density import final_density
from .model import at, symbols_for, tau

SEED = 20190529
PARAMETERS = [((0.5, 0.5), 0.5), ((0.2, 0.8), 1.0), ((0.7, 0.3), 2.0),
              ((0.2, 0.3, 0.5), 0.7), ((0.6, 0.3, 0.1), 1.5)]


def density_function(k: int, module: str = "numpy"):
    """The verified (J28) as a function f(y_1..y_k, pi_1..pi_k, tau)."""
    s = symbols_for(k)
    return sp.lambdify([*s.y, *s.pi, tau], at(final_density(), k), modules=module)


def _record(name, k, pi, t, method, value, error, passed):
    return {"name": name, "k": k, "pi": list(pi), "tau": t, "method": method,
            "value": float(value), "error": float(error), "passed": bool(passed)}


def normalisation_quadrature(pi, t) -> dict:
    k = len(pi)
    f = density_function(k, "mpmath")
    with mpmath.workdps(15):
        if k == 2:
            total = mpmath.quad(lambda a: f(a, 1 - a, *pi, t), [0, 0.5, 1])
        else:  # the 2-simplex as the unit square: y = (s, r (1 - s), (1 - s)(1 - r)), Jacobian 1 - s
            total = mpmath.quad(lambda a, b: f(a, b * (1 - a), (1 - a) * (1 - b), *pi, t) * (1 - a),
                                [0, 1], [0, 1], maxdegree=4)  # degree 4 already gives ~1e-12
    err = abs(total - 1)
    return _record("integrates to 1", k, pi, t, "mpmath.quad, 15 digits", total, err, err < 1e-8)


def normalisation_monte_carlo(k: int, t: float, n: int = 400_000) -> dict:
    rng = np.random.default_rng(SEED + k)
    pi = rng.dirichlet(np.ones(k))
    # Proposal Dirichlet(alpha), alpha = min(1, tau/2, 2 tau/k): heavier near the faces than p, so p/q has finite variance.
    alpha = min(1.0, t / 2, 2 * t / k)
    y = rng.dirichlet(np.full(k, alpha), size=n)
    w = density_function(k)(*y.T, *pi, t) / np.exp(stats.dirichlet.logpdf(y.T, np.full(k, alpha)))
    mean, se = w.mean(), w.std(ddof=1) / np.sqrt(n)
    return _record("integrates to 1", k, pi.round(4), t, f"Monte Carlo importance sampling, n = {n}, "
                   f"Dirichlet({alpha:g}) proposal; error = standard error", mean, se,
                   abs(mean - 1) < 4 * se and se < 0.03)


def gumbel_softmax_samples(pi, t, n: int, rng) -> np.ndarray:
    """Eq. (1): y = softmax((log pi + g)/tau), g i.i.d. Gumbel(0, 1)."""
    z = (np.log(pi) + rng.gumbel(size=(n, len(pi)))) / t
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def exact_cdf_k2(pi, t):
    m = np.log(pi[0]) - np.log(pi[1])
    return lambda y1: 1 / (1 + np.exp(-(t * (np.log(y1) - np.log1p(-y1)) - m)))


def ks_k2(pi, t, n: int = 20_000, seed: int = SEED) -> dict:
    rng = np.random.default_rng(seed)
    y1 = gumbel_softmax_samples(np.array(pi), t, n, rng)[:, 0]
    cdf = exact_cdf_k2(pi, t)
    f = density_function(2)
    # The CDF is only trusted because it differentiates to the verified density.
    grid = np.linspace(0.05, 0.95, 7)
    h = 1e-6
    slope = (cdf(grid + h) - cdf(grid - h)) / (2 * h)
    cdf_ok = np.allclose(slope, f(grid, 1 - grid, *pi, t), rtol=1e-5)
    res = stats.kstest(y1, cdf)
    return _record("samples of eq. (1) follow the density", 2, pi, t,
                   f"Kolmogorov-Smirnov, n = {n}, seed {seed}; value = p-value, error = KS statistic",
                   res.pvalue, res.statistic, cdf_ok and res.pvalue > 1e-3)


def chi_square_k3(pi, t, n: int = 20_000, bins: int = 8) -> dict:
    """Cells of the unit square (s, r) with y_1 = s, y_2 = r (1 - s); expected counts by dblquad."""
    rng = np.random.default_rng(SEED)
    y = gumbel_softmax_samples(np.array(pi), t, n, rng)
    s, r = y[:, 0], y[:, 1] / (1 - y[:, 0])
    observed, _, _ = np.histogram2d(s, r, bins=bins, range=[[0, 1], [0, 1]])
    f = density_function(3)
    edges = np.linspace(0, 1, bins + 1)

    def cell(i, j):
        val, _ = integrate.dblquad(lambda rr, ss: f(ss, rr * (1 - ss), (1 - ss) * (1 - rr), *pi, t) * (1 - ss),
                                   edges[i], edges[i + 1], edges[j], edges[j + 1], epsabs=1e-10)
        return val
    expected = np.array([[cell(i, j) for j in range(bins)] for i in range(bins)]) * n
    keep = expected.ravel() >= 5
    obs, exp = observed.ravel()[keep], expected.ravel()[keep]
    exp *= obs.sum() / exp.sum()
    res = stats.chisquare(obs, exp)
    return _record("samples of eq. (1) follow the density", 3, pi, t,
                   f"binned chi-square, {keep.sum()} cells, n = {n}, seed {SEED}; value = p-value, "
                   f"error = chi-square statistic", res.pvalue, res.statistic, res.pvalue > 1e-3)


def checks() -> list[dict]:
    out = [normalisation_quadrature(pi, t) for pi, t in PARAMETERS]
    out += [normalisation_monte_carlo(k, t) for k in (4, 5, 6) for t in (0.7, 2.0)]
    out += [ks_k2(pi, t, seed=SEED + i) for i, (pi, t) in enumerate(PARAMETERS) if len(pi) == 2]
    out += [chi_square_k3(pi, t) for pi, t in PARAMETERS if len(pi) == 3]
    return out
