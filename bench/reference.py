"""mpmath reference for the generated module, and a loader for it.

The reference evaluates (J28) in log space at ``DPS`` digits from the exact binary values
of the inputs (float32 / float64 converted exactly to mpf):
log p = log Gamma(k) + (k-1) log tau + sum_i (x_i - (tau+1) l_i) - k log sum_i e^{x_i - tau l_i},
with l_i = log y_i (or the given log y).
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import mpmath
import numpy as np

DPS = 40
ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated" / "gumbel_softmax_numpy.py"


def load_generated():
    """The generated module, imported from generated/ by path (it is not a package)."""
    name = "gumbel_softmax_numpy"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, GENERATED)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _mp(values) -> list:
    return [mpmath.mpf(float(v)) for v in np.asarray(values, dtype=np.float64).ravel()]


def log_density_row(l, x, tau) -> mpmath.mpf:
    """One row: ``l`` the log point (mpf list, -inf allowed), ``x`` logits, ``tau`` an mpf."""
    k = len(l)
    if any(v == -mpmath.inf for v in l):
        return -mpmath.inf
    z = [xi - tau * li for xi, li in zip(x, l)]
    top = max(z)
    lse = top + mpmath.log(mpmath.fsum(mpmath.exp(zi - top) for zi in z))
    return (mpmath.loggamma(k) + (k - 1) * mpmath.log(tau) + mpmath.fsum(x) - (tau + 1) * mpmath.fsum(l)
            - k * lse)


def reference(point, logits, tau, from_log: bool = False) -> np.ndarray:
    """Reference log p for rows of ``point`` (y, or log y with ``from_log``), as float64 (mpf rounded)."""
    point = np.atleast_2d(point)
    logits = np.broadcast_to(logits, point.shape)
    out = np.empty(point.shape[0])
    with mpmath.workdps(DPS):
        t = mpmath.mpf(float(tau))
        for r in range(point.shape[0]):
            p = _mp(point[r])
            if from_log:
                l = p
            else:
                if any(v <= 0 for v in p):
                    out[r] = -np.inf
                    continue
                l = [mpmath.log(v) for v in p]
            out[r] = float(log_density_row(l, _mp(logits[r]), t))
    return out


def relative_error(value, ref) -> np.ndarray:
    """|value - ref| / max(1, |ref|), for rows where ref is finite (the issue's measure)."""
    value = np.asarray(value, dtype=np.float64)
    return np.abs(value - ref) / np.maximum(1.0, np.abs(ref))


def optional_torch():
    """torch when the optional ``bench`` extra is installed, else None (the torch columns are skipped)."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def torch_log_prob(torch, y, logits, tau):
    """The anchor: ``RelaxedOneHotCategorical(tau, logits=..., validate_args=False).log_prob(y)`` (a tensor)."""
    ty = torch.from_numpy(np.ascontiguousarray(y))
    d = torch.distributions.RelaxedOneHotCategorical(torch.tensor(tau, dtype=ty.dtype),
                                                     logits=torch.from_numpy(np.ascontiguousarray(logits)),
                                                     validate_args=False)
    return d.log_prob(ty)
