"""The report's figure: for k = 2, the density of x_1 (p_X of (4), which the checker verified, with
respect to Lebesgue measure on x_1) against a histogram of log-space Gumbel-softmax samples
x = log_softmax((log pi + g)/tau), for tau < 1 and tau > 1; the libraries' q of (6) drawn beside it
(dashed), which the histogram does not follow: it is a density with respect to e^{-x_2} dx_1.

Deterministic: a fixed seed, a fixed ``svg.hashsalt`` and no date in the SVG's metadata.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..figures import svg
from .end_to_end import density, log_space_samples

TAUS = (0.5, 1.0, 2.0)
PI = (0.3, 0.7)
SEED = 20240415
N = 20_000


def make_figures(out_dir: Path) -> list[dict]:
    import matplotlib
    from matplotlib.figure import Figure  # no pyplot: no global state

    with matplotlib.rc_context({"svg.hashsalt": "exp-concrete", "svg.fonttype": "none", "font.size": 9}):
        return _make(Path(out_dir), Figure)


def _make(out_dir: Path, Figure) -> list[dict]:
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    p_x, q = density(2, "p_X", "numpy"), density(2, "q", "numpy")
    fig = Figure(figsize=(9, 2.7))
    axes = fig.subplots(1, len(TAUS))
    for ax, t in zip(axes, TAUS):
        x1 = log_space_samples(PI, t, N, rng)[:, 0]
        lo = float(np.floor(np.quantile(x1, 0.005)))
        edges = np.linspace(lo, 0, 61)
        grid = np.linspace(lo, -1e-4, 600)
        last = np.log1p(-np.exp(grid))        # x_2 = log(1 - e^{x_1}), (2)
        ax.hist(x1, bins=edges, density=True, color="#9ecae1", edgecolor="white", linewidth=0.3,
                label="log-space samples")
        ax.plot(grid, p_x(grid, last, *PI, t), color="#d62728", linewidth=1.2, label="p_X (4), Lebesgue")
        ax.plot(grid, q(grid, last, *PI, t), color="#555555", linewidth=1.0, linestyle="--",
                label="q (6), libraries")
        ax.set_title(f"τ = {t:g}")
        ax.set_xlabel("x₁ = log y₁")
        ax.set_xlim(lo, 0)
        ax.set_yscale("log")
        ax.set_ylim(1e-3, 30)
    axes[0].set_ylabel("density")
    axes[0].legend(loc="upper left", fontsize=7, frameon=False)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.17, top=0.88, wspace=0.22)
    path = out_dir / "exp_concrete_k2.svg"
    return [{
        "name": "k2", "path": path, "svg": svg(fig, path),
        "caption": (f"k = 2, π = {PI}: the verified density p_X of x₁ = log y₁ with respect to Lebesgue measure "
                    "(red, eq. (4)) against a histogram of 20 000 log-space samples x = log_softmax((log π + g)/τ) "
                    "for each τ; dashed, the libraries' q of eq. (6), a density with respect to e^{−x₂} dx₁, "
                    "which the samples do not follow."),
    }]
