"""Speed of the autodiff backends, ``gumbel_softmax.torch`` and ``gumbel_softmax.jax``, against torch's own
``RelaxedOneHotCategorical(tau, logits=..., validate_args=False).log_prob``: forward, and forward + backward
(the gradient of the summed log-density with respect to y and the logits).  Same process, interleaved
rounds, the median reported.  On the CPU in ``make bench``; on a CUDA device in ``make bench-gpu``
(:mod:`bench.gpu`), where each time is also put beside one read of the input.
"""
from __future__ import annotations

import importlib
import statistics
import time

import numpy as np

from .reference import load_generated, optional
from .targets import NONE, Target, cell, check

CASES = ((10**6, 10, "float64"), (10**6, 10, "float32"))
TAU = 0.5
#: the speed of each backend relative to torch's own at least (forward, and forward + backward)
TARGET = {"torch": 1.5, "jax": 1.0}
LEGEND = (
    "  torch's own: RelaxedOneHotCategorical(tau, logits, validate_args=False).log_prob, built once before timing",
    "  (forward + backward: built in the call, so that the logits' gradient flows through it); ours: the",
    "  backend's log_prob (jax: jax.jit, compiled before timing).  f: forward; f+b: forward + backward of the sum",
    "  with respect to y and the logits.  ×: torch's own time / the backend's (> 1: the backend is faster).",
    "  On the CPU with the compiled extra (numba) the backends run these inputs on the compiled kernels",
    "  (values and gradients); gumbel_softmax.numpy.use_compiled('never') keeps them on their own kernels.",
)


def compiled_path() -> bool:
    """Do the backends run large CPU inputs on the compiled kernels (numba importable, mode "auto")?"""
    g = load_generated()
    return g._COMPILED["mode"] == "auto" and g._compiled_module() is not None


def inputs(n: int, k: int, dtype: str, tau: float = TAU, seed: int = 0):
    """(y, logits) as numpy arrays of ``dtype``: logits N(0, 1), y sampled by the NumPy module at ``tau``."""
    g = load_generated()
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, k))
    y = np.exp(g.sample_log(logits, tau, rng=rng))
    return y.astype(dtype), logits.astype(dtype)


def timed(fns: dict, rounds: int, sync=lambda: None) -> dict:
    """Median seconds of each callable, one call of each per round (after one warm-up call each)."""
    times = {name: [] for name in fns}
    for fn in fns.values():
        fn()
        sync()
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            sync()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(v) for name, v in times.items()}


def torch_contenders(torch, y, logits, tau: float, device: str = "cpu") -> dict:
    """name -> callable: torch's own and gumbel_softmax.torch, forward ("f") and forward + backward ("f+b")."""
    ours = importlib.import_module("gumbel_softmax.torch")
    ty, tx = torch.as_tensor(y, device=device), torch.as_tensor(logits, device=device)
    temperature = torch.tensor(tau, dtype=ty.dtype, device=device)
    own = torch.distributions.RelaxedOneHotCategorical(temperature, logits=tx, validate_args=False)
    gy, gx = ty.clone().requires_grad_(), tx.clone().requires_grad_()

    def backward(value):
        value.sum().backward()
        gy.grad = gx.grad = None

    def own_fb():
        d = torch.distributions.RelaxedOneHotCategorical(temperature, logits=gx, validate_args=False)
        backward(d.log_prob(gy))

    fwd = {"own f": lambda: own.log_prob(ty), "torch f": lambda: ours.log_prob(ty, tx, tau)}
    return {**fwd, "own f+b": own_fb, "torch f+b": lambda: backward(ours.log_prob(gy, gx, tau))}


def jax_contenders(jax, y, logits, tau: float) -> tuple[dict, dict]:
    """(name -> callable, name -> first-call compile seconds) for gumbel_softmax.jax under jax.jit."""
    ours = importlib.import_module("gumbel_softmax.jax")
    jy, jx = jax.numpy.asarray(y), jax.numpy.asarray(logits)
    f = jax.jit(lambda a, b: ours.log_prob(a, b, tau))
    fb = jax.jit(jax.grad(lambda a, b: ours.log_prob(a, b, tau).sum(), argnums=(0, 1)))
    compile_s = {}
    for name, fn in (("jax f", f), ("jax f+b", fb)):
        start = time.perf_counter()
        jax.block_until_ready(fn(jy, jx))
        compile_s[name] = time.perf_counter() - start
    return ({"jax f": lambda: jax.block_until_ready(f(jy, jx)),
             "jax f+b": lambda: jax.block_until_ready(fb(jy, jx))}, compile_s)


def run(rounds: int = 5, printer=print, targets: list | None = None, cases=CASES) -> bool:
    """Print the table and the targets (kept in ``targets``); True if none is missed.  JAX runs with x64
    on (float64 arrays stay float64), the caller's setting restored afterwards."""
    jax = optional("jax")
    if jax is None:
        return _run(rounds, printer, targets, cases, None)
    saved = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        return _run(rounds, printer, targets, cases, jax)
    finally:
        jax.config.update("jax_enable_x64", saved)


def _run(rounds, printer, targets, cases, jax) -> bool:
    torch = optional("torch")
    printer(f"torch {getattr(torch, '__version__', 'not installed')}"
            + (f" ({torch.get_num_threads()} threads)" if torch else "")
            + f", jax {getattr(jax, '__version__', 'not installed')}, compiled CPU path: "
            + ("on (numba)" if compiled_path() else "off (numba not installed, or use_compiled('never'))"))
    head = ["own f", "torch f", "×", "own f+b", "torch f+b", "×", "jax f", "×", "jax f+b", "×"]
    printer(f"{'case':24} " + " ".join(f"{h:>9}" for h in head))
    for line in LEGEND:
        printer(line)
    ratios = {("torch", "f"): [], ("torch", "f+b"): [], ("jax", "f"): [], ("jax", "f+b"): []}
    compiles = []
    for n, k, dtype in cases:
        y, logits = inputs(n, k, dtype)
        fns = {}
        if torch is not None:
            fns.update(torch_contenders(torch, y, logits, TAU))
        if jax is not None and torch is not None:
            more, compile_s = jax_contenders(jax, y, logits, TAU)
            fns.update(more)
            compiles.append((dtype, compile_s))
        med = timed(fns, rounds)
        cells = []
        for name in ("torch f", "torch f+b", "jax f", "jax f+b"):
            backend, kind = name.split()
            if name == "torch f":
                cells.append(cell(1e3 * med["own f"] if "own f" in med else None, ".1f", 9))
            if name == "torch f+b":
                cells.append(cell(1e3 * med["own f+b"] if "own f+b" in med else None, ".1f", 9))
            ratio = med[f"own {kind}"] / med[name] if name in med else None
            if ratio is not None:
                ratios[(backend, kind)].append(ratio)
            cells += [cell(1e3 * med[name] if name in med else None, ".1f", 9), cell(ratio, ".2f", 9)]
        printer(f"N={n:<8d} k={k:<5d} {dtype:8} " + " ".join(cells))
    for dtype, compile_s in compiles:
        printer(f"  jax first call (trace + XLA compile), {dtype}: "
                + ", ".join(f"{name} {s:.2f} s" for name, s in compile_s.items()))
    ok = True
    for (backend, kind), values in ratios.items():
        name = f"{backend} backend {kind}: torch's own time / its time, min over the cases"
        if values:
            ok &= check(targets, Target(name, f"{min(values):.2f}", f"≥ {TARGET[backend]}",
                                        min(values) >= TARGET[backend]), printer)
        else:
            check(targets, Target(name, f"{backend} or torch not installed ({NONE})", f"≥ {TARGET[backend]}",
                                  None), printer)
    return ok
