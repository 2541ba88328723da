"""Speed of log_prob / log_prob_from_log against torch and a straightforward numpy/scipy version.

Runs are interleaved (one repetition of every contender per round) and the median is
reported; torch runs on its default threads in this process.  Peak extra memory is
measured with tracemalloc (numpy reports its buffers to it) relative to the bytes of y.
"""
from __future__ import annotations

import statistics
import time
import tracemalloc
from functools import partial

import numpy as np
from scipy.special import gammaln, logsumexp

from .reference import load_generated, optional_torch, torch_log_prob
from .targets import NONE, Target, cell, check

CASES = ((10**6, 10, np.float64), (10**6, 10, np.float32), (10**4, 1000, np.float64))
TAU = 0.5


def straightforward(y, logits, tau):
    """The textbook evaluation of (J28) with scipy: normalise logits, log, logsumexp."""
    k = y.shape[-1]
    log_pi = logits - logsumexp(logits, axis=-1, keepdims=True)
    log_y = np.log(y)
    return (gammaln(k) + (k - 1) * np.log(tau) + np.sum(log_pi - (tau + 1) * log_y, axis=-1)
            - k * logsumexp(log_pi - tau * log_y, axis=-1))


def _peak(fn) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


LEGEND = (
    "  log_prob, from_log: the generated log_prob(y) and log_prob_from_log(log y); numpy/scipy: (J28) with",
    "  scipy.special (bench.speed.straightforward); torch: RelaxedOneHotCategorical.log_prob; each the median",
    "  time of one call on the N rows, in ms.  torch/ours, scipy/ours: that time / log_prob's (> 1: ours is",
    "  faster).  peak mem/y: log_prob's peak extra memory (tracemalloc) / bytes of y (target ≤ 3).",
)
#: the case where log_prob must be at least as fast as torch
FAST_CASE = (10, np.float64)


def run(rounds: int = 5, printer=print, targets: list | None = None, cases=CASES) -> bool:
    """Print the table and each target beside its figure (kept in ``targets``); True if none is missed."""
    g = load_generated()
    torch = optional_torch()
    if torch is None:
        printer(f"torch not installed: its columns show {NONE} "
                "(pip install -e '.[torch]' installs torch==2.13.0)")
    else:
        printer(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    ok = True
    printer(f"{'case':24} {'log_prob':>10} {'from_log':>10} {'numpy/scipy':>12} {'torch':>10} "
            f"{'torch/ours':>10} {'scipy/ours':>10} {'peak mem/y':>10}")
    for line in LEGEND:
        printer(line)
    peaks, against_torch = [], []
    for n, k, dtype in cases:
        rng = np.random.default_rng(0)
        logits = rng.normal(size=(n, k)).astype(dtype)
        log_y = g.sample_log(logits, TAU, rng=rng)
        y = np.exp(log_y)
        contenders = {
            "ours": partial(g.log_prob, y, logits, TAU),
            "from_log": partial(g.log_prob_from_log, log_y, logits, TAU),
            "scipy": partial(straightforward, y, logits, TAU),
        }
        if torch is not None:
            contenders["torch"] = partial(torch_log_prob, torch, y, logits, TAU)
        times = {name: [] for name in contenders}
        for name, fn in contenders.items():  # warm-up
            fn()
        for _ in range(rounds):
            for name, fn in contenders.items():
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
        med = {name: statistics.median(v) for name, v in times.items()}
        peak = _peak(contenders["ours"]) / y.nbytes
        ok &= peak <= 3
        peaks.append(peak)
        tcol = f"{1e3 * med['torch']:8.1f}ms" if "torch" in med else cell(None, "", 10)
        ratio = cell(med["torch"] / med["ours"] if "torch" in med else None, ".2f", 10)
        if dtype == FAST_CASE[1] and k == FAST_CASE[0]:
            against_torch.append(med["torch"] / med["ours"] if "torch" in med else None)
        if "torch" in med and dtype == np.float64 and k == 10:
            ok &= med["ours"] <= med["torch"]
        printer(f"N={n:<8d} k={k:<5d} {np.dtype(dtype).name:8} {1e3 * med['ours']:8.1f}ms "
                f"{1e3 * med['from_log']:8.1f}ms {1e3 * med['scipy']:10.1f}ms {tcol} {ratio} "
                f"{med['scipy'] / med['ours']:10.2f} {peak:10.2f}")
    if peaks:
        check(targets, Target("log_prob peak extra memory / bytes of y", f"{max(peaks):.2f} at most",
                              "≤ 3", max(peaks) <= 3), printer)
    name = f"torch/ours time, {np.dtype(FAST_CASE[1]).name} k = {FAST_CASE[0]}"
    measured = [r for r in against_torch if r is not None]
    if measured:
        check(targets, Target(name, f"{min(measured):.2f}", "≥ 1", min(measured) >= 1), printer)
    elif against_torch:
        check(targets, Target(name, "torch not installed", "≥ 1", None), printer)
    return ok
