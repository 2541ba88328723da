"""The compiled CPU path (gumbel_softmax.numba, used by gumbel_softmax.numpy for large inputs) against
torch's own log_prob and the NumPy module's own kernels; its first-call compile time, uncached and cached;
its throughput beside a read-once pass over the same bytes (the machine's limit for this input)."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import numpy as np

from .backends import inputs, timed
from .reference import load_generated, optional, optional_torch
from .targets import NONE, Target, cell, check

CASES = ((10**6, 10, "float64"), (10**6, 10, "float32"), (10**4, 1000, "float64"))
TAU = 0.5
#: torch's own time / the compiled path's, per case (issue 16), and the stretch target at k = 10, float64
TARGET = {(10, "float64"): 4.0, (10, "float32"): 4.0, (1000, "float64"): 3.0}
STRETCH = 6.0
LEGEND = (
    "  compiled: gumbel_softmax.numpy.log_prob (its compiled path), from_log: log_prob_from_log; numpy: the same",
    "  with use_compiled('never'); torch: RelaxedOneHotCategorical(tau, logits=..., validate_args=False).log_prob,",
    "  the distribution built before timing.  ×torch: torch's time / compiled's.  logs/s: log y_i evaluations",
    "  (one exp each too) per second; GB/s: bytes of y and logits per second; read-once: one pass over those bytes",
    "  on the same threads (numpy sums), the bandwidth this input allows.",
)
_COMPILE = ("import time, numpy as np, gumbel_softmax.numba as gn\n"
            "y = np.full((4, 3), 1 / 3); x = np.zeros((4, 3)); start = time.perf_counter()\n"
            "for f in (gn.log_prob, gn.log_prob_from_log, gn.log_prob_exp): f(y, x, 0.5)\n"
            "print(time.perf_counter() - start)\n")


def compile_seconds(cache: str) -> float:
    """First call of the three compiled densities (float64) in a fresh process, numba's cache in ``cache``."""
    env = {**os.environ, "NUMBA_CACHE_DIR": cache}
    out = subprocess.run([sys.executable, "-c", _COMPILE], capture_output=True, text=True, env=env, check=True)
    return float(out.stdout.split()[-1])


def read_once(g, arrays) -> float:
    """Seconds of one read of ``arrays`` by the NumPy module's threads (each sums its share of rows)."""
    def part(j, parts):
        for a in arrays:
            n = a.shape[0]
            a[n * j // parts:n * (j + 1) // parts].sum()
    parts = g._THREADS
    return timed({"read": lambda: list(g._pool().map(lambda j: part(j, parts), range(parts)))}, 5)["read"]


def contenders(g, torch, y, logits) -> dict:
    """name -> callable: the compiled path (log_prob, log_prob_from_log), the NumPy module's own kernels,
    and torch's own log_prob (its distribution built here, before timing) when torch is installed."""
    log_y = np.log(y)

    def numpy_own():
        saved = g.use_compiled("never")
        try:
            g.log_prob(y, logits, TAU)
        finally:
            g.use_compiled(saved)
    fns = {"compiled": lambda: g.log_prob(y, logits, TAU), "from_log": lambda: g.log_prob_from_log(log_y, logits, TAU),
           "numpy": numpy_own}
    if torch is not None:
        ty, tx = torch.from_numpy(y), torch.from_numpy(logits)
        own = torch.distributions.RelaxedOneHotCategorical(torch.tensor(TAU, dtype=ty.dtype), logits=tx,
                                                           validate_args=False)
        fns["torch"] = lambda: own.log_prob(ty)
    return fns


def run(rounds: int = 5, printer=print, targets: list | None = None, cases=CASES) -> bool:
    targets = [] if targets is None else targets
    g = load_generated()
    if optional("numba") is None:
        printer(f"numba not installed: {NONE} (pip install -e '.[compiled]')")
        for (k, dtype), bound in TARGET.items():
            check(targets, Target(f"compiled path, torch's time / its time, k = {k} {dtype}", "numba not installed",
                                  f"≥ {bound:g}", None), printer)
        return True
    with tempfile.TemporaryDirectory() as cache:
        first, cached = compile_seconds(cache), compile_seconds(cache)
    printer(f"first call of the three compiled densities: {first:.1f} s compiling, {cached:.2f} s from numba's "
            "disk cache (a fresh process each)")
    torch = optional_torch()
    printer(f"{'case':24} {'compiled':>9} {'from_log':>9} {'numpy':>9} {'torch':>9} {'×torch':>7} "
            f"{'Glogs/s':>8} {'GB/s':>6} {'read-once':>9}")
    for line in LEGEND:
        printer(line)
    ok = True
    for n, k, dtype in cases:
        y, logits = inputs(n, k, dtype, TAU)
        fns = contenders(g, torch, y, logits)
        med = timed(fns, rounds)
        read = read_once(g, [y, logits])
        ratio = med["torch"] / med["compiled"] if "torch" in med else None
        nbytes = y.nbytes + logits.nbytes
        printer(f"N={n:<8d} k={k:<5d} {dtype:8} {1e3 * med['compiled']:7.1f}ms {1e3 * med['from_log']:7.1f}ms "
                f"{1e3 * med['numpy']:7.1f}ms " + (f"{1e3 * med['torch']:7.1f}ms" if "torch" in med else cell(None, "", 9))
                + f" {cell(ratio, '.2f', 7)} {n * k / med['compiled'] / 1e9:8.3f} {nbytes / med['compiled'] / 1e9:6.2f} "
                f"{nbytes / read / 1e9:6.1f}GB/s")
        bound = TARGET.get((k, dtype))
        if bound is not None:
            name = f"compiled path, torch's time / its time, k = {k} {dtype}"
            figure = "torch not installed" if ratio is None else f"{ratio:.2f}"
            met = None if ratio is None else ratio >= bound
            ok &= check(targets, Target(name, figure, f"≥ {bound:g}", met), printer)
            if (k, dtype) == (10, "float64") and ratio is not None:
                check(targets, Target("compiled path stretch, k = 10 float64", f"{ratio:.2f}", f"≥ {STRETCH:g}",
                                      ratio >= STRETCH), printer)
    return ok
