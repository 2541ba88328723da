"""Figures for the derivation report: the verified density against samples drawn by eq. (1).

* ``gumbel_softmax_k2.svg``: for k = 2, the density of y_1 (Jang et al. (28), which the
  checker verified, evaluated through the same SymPy expression) against a histogram
  of y_1 from samples y = softmax((log pi + g) / tau), g_i ~ Gumbel(0, 1), for several tau.
* ``gumbel_softmax_k3.svg``: for k = 3, the density on the 2-simplex as a heat map
  (log scale) with samples overlaid.

matplotlib is optional (the ``report`` extra): ``make_figures`` raises ImportError
without it and the report says the figures were skipped.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import sympy as sp

from .density import final_density
from .model import at, symbols_for, tau

TAUS = (0.1, 0.5, 1.0, 5.0)
PI_K2 = (0.3, 0.7)
PI_K3 = (0.2, 0.3, 0.5)
TAU_K3 = 1.0
SEED = 20190101


def density_function(k: int):
    """The verified final density p(y_1, ..., y_{k-1}) as a numpy function f(pi, tau, y_1..y_k)."""
    s = symbols_for(k)
    expr = at(final_density(), k)
    return sp.lambdify((s.pi, tau, s.y), expr, "numpy")


def sample_eq1(pi, tau_value: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """n draws of eq. (1): y_i = exp((log pi_i + g_i)/tau) / sum_j exp((log pi_j + g_j)/tau)."""
    pi = np.asarray(pi, dtype=float)
    g = -np.log(-np.log(rng.uniform(size=(n, pi.size))))
    z = (np.log(pi) + g) / tau_value
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def svg(fig, path: Path) -> str:
    """The figure as SVG, written to ``path``: no date in its metadata, so the same figure gives the same bytes."""
    import io

    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    path.write_text(text)
    return text


def make_figures(out_dir: Path) -> list[dict]:
    import matplotlib
    from matplotlib.figure import Figure  # no pyplot: no global state, faster import

    with matplotlib.rc_context({"svg.hashsalt": "gumbel-softmax", "svg.fonttype": "none", "font.size": 9}):
        return _make(Path(out_dir), Figure)


def _make(out_dir: Path, Figure) -> list[dict]:
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    figures = []

    # k = 2: density of y_1 against a histogram of eq. (1) samples.
    p2 = density_function(2)
    from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

    fig = Figure(figsize=(10, 2.6))
    axes = fig.subplots(1, len(TAUS), sharey=True)
    edges = np.linspace(0, 1, 41)
    t = np.linspace(1e-4, 1 - 1e-4, 600)
    for ax, tv in zip(axes, TAUS):
        y1 = sample_eq1(PI_K2, tv, 20000, rng)[:, 0]
        ax.hist(y1, bins=edges, density=True, color="#9ecae1", edgecolor="white", linewidth=0.3,
                label="samples of eq. (1)")
        ax.plot(t, p2(PI_K2, tv, (t, 1 - t)), color="#d62728", linewidth=1.2, label="density (J28)")
        ax.set_yscale("log")
        ax.set_title(f"τ = {tv:g}")
        ax.set_xlabel("y₁")
        ax.set_xlim(0, 1)
        ax.set_ylim(1e-2, 1e3)
        ax.yaxis.set_major_locator(FixedLocator([1e-2, 1e-1, 1, 10, 100, 1000]))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xticks([0, 0.5, 1], ["0", "0.5", "1"])
    axes[0].set_yticklabels(["0.01", "0.1", "1", "10", "100", "1000"])
    axes[0].set_ylabel("density")
    axes[0].legend(loc="upper center", fontsize=7, frameon=False)
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.18, top=0.88, wspace=0.12)
    path = out_dir / "gumbel_softmax_k2.svg"
    figures.append({
        "name": "k2", "path": path, "svg": svg(fig, path),
        "caption": (f"k = 2, π = {PI_K2}: the verified density of y₁ (red; Jang et al. (28) with y₂ = 1 − y₁) "
                    "against a histogram of 20 000 samples drawn by eq. (1) for each τ (log scale)."),
    })

    # k = 3: density on the 2-simplex, samples overlaid.
    p3 = density_function(3)
    corners = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])
    n = 200
    xs, ys = np.meshgrid(np.linspace(0, 1, n), np.linspace(0, np.sqrt(3) / 2, n))
    y3 = ys / corners[2, 1]
    y2 = xs - y3 / 2
    y1 = 1 - y2 - y3
    inside = (y1 > 1e-3) & (y2 > 1e-3) & (y3 > 1e-3)
    with np.errstate(all="ignore"):
        dens = p3(PI_K3, TAU_K3, (np.where(inside, y1, 0.3), np.where(inside, y2, 0.3), np.where(inside, y3, 0.3)))
    logd = np.ma.masked_where(~inside, np.log10(dens))
    fig = Figure(figsize=(4.6, 3.9))
    ax = fig.subplots()
    im = ax.imshow(logd, origin="lower", extent=(0, 1, 0, np.sqrt(3) / 2), cmap="viridis", interpolation="bilinear")
    samples = sample_eq1(PI_K3, TAU_K3, 400, rng)
    pts = samples @ corners
    ax.scatter(pts[:, 0], pts[:, 1], s=3, c="white", edgecolors="black", linewidths=0.2, label="samples of eq. (1)")
    ax.plot(*np.vstack([corners, corners[:1]]).T, color="black", linewidth=0.8)
    for (cx, cy), name in zip(corners, ("y₁ = 1", "y₂ = 1", "y₃ = 1")):
        ax.annotate(name, (cx, cy), textcoords="offset points", xytext=(0, -10 if cy == 0 else 4), ha="center")
    ax.set_axis_off()
    ax.set_aspect("equal")
    fig.colorbar(im, ax=ax, shrink=0.8, label="log₁₀ density")
    ax.legend(loc="upper right", fontsize=7, frameon=False)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.08, top=0.95)
    path = out_dir / "gumbel_softmax_k3.svg"
    figures.append({
        "name": "k3", "path": path, "svg": svg(fig, path),
        "caption": (f"k = 3, π = {PI_K3}, τ = {TAU_K3:g}: log₁₀ of the verified density (Jang et al. (28)) on "
                    "the 2-simplex, with 400 samples drawn by eq. (1)."),
    })
    return figures
