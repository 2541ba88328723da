"""mpmath reference for the generated module, and a loader for it.

The reference evaluates the verified expression itself: (J28) ``final_density()`` of the
derivation, in log space (``codegen.forms.log_final_density``: its log taken symbolically with
``expand_log(force=True)``, pi_m = e^{x_m}), with log y_m replaced by the row's l_m,
log Gamma(k) + (k-1) log tau + sum_m (x_m - (tau+1) l_m) - k log sum_m e^{x_m - tau l_m}.
That general-k form is walked once into mpmath closures (``Sum`` -> ``mpmath.fsum`` over the
row, ``x[m]`` / ``l[m]`` -> the row's values), so any k costs one pass over the row, and
evaluated at ``DPS`` digits from the exact binary values of the inputs (float32 / float64
converted exactly to mpf); l_m = log y_m (or the given log y) never underflows.  Off the
support (some y_i <= 0, or log y_i = -inf) the density is 0 and the reference -inf.
"""
from __future__ import annotations

import importlib
from pathlib import Path

import mpmath
import numpy as np
import sympy as sp

from codegen.forms import K, X, Y, log_final_density
from codegen.forms import tau as TAU

DPS = 40
ROOT = Path(__file__).resolve().parent.parent


def load_generated(backend: str = "numpy"):
    """The generated module ``gumbel_softmax.<backend>`` (the package is installed by ``make``)."""
    return importlib.import_module(f"gumbel_softmax.{backend}")


def _mp(values) -> list:
    return [mpmath.mpf(float(v)) for v in np.asarray(values, dtype=np.float64).ravel()]


#: the log point l_m = log y_m, an array of its own
LOG_Y = sp.IndexedBase("l", real=True)

_FUNCTIONS = {"log": mpmath.log, "exp": mpmath.exp, "gamma": mpmath.gamma, "loggamma": mpmath.loggamma}


def _compile(e: sp.Basic):
    """A closure env -> mpf evaluating ``e``; ``env`` maps symbols to values and arrays (``IndexedBase``)
    to lists indexed from 1 as in the derivation.  Sums are evaluated by ``mpmath.fsum`` over their index."""
    if e.is_Integer:
        n = int(e)
        return lambda env: n
    if e.is_Rational:
        p, q = int(e.p), int(e.q)
        return lambda env: mpmath.mpf(p) / q
    if isinstance(e, sp.Symbol):
        return lambda env: env[e]
    if isinstance(e, sp.Indexed):
        base, (index,) = e.base, [_compile(t) for t in e.indices]
        return lambda env: env[base][int(index(env)) - 1]
    if isinstance(e, sp.Sum):
        ((var, lo, hi),) = e.limits
        body, lo, hi = _compile(e.function), _compile(lo), _compile(hi)
        return lambda env: mpmath.fsum(body({**env, var: n}) for n in range(int(lo(env)), int(hi(env)) + 1))
    args = [_compile(a) for a in e.args]
    if e.is_Add:
        return lambda env: mpmath.fsum(f(env) for f in args)
    if e.is_Mul:
        return lambda env: mpmath.fprod(f(env) for f in args)
    if e.is_Pow:
        b, x = args
        return lambda env: mpmath.power(b(env), x(env))
    if isinstance(e, sp.Function) and type(e).__name__ in _FUNCTIONS:
        fn, (arg,) = _FUNCTIONS[type(e).__name__], args
        return lambda env: fn(arg(env))
    raise TypeError(f"reference: cannot evaluate {type(e).__name__}: {e}")


def log_density_form() -> sp.Expr:
    """log (J28) for general k, in the logits x[m] and the log point l[m] = log y[m]."""
    e = log_final_density().replace(lambda a: isinstance(a, sp.log) and isinstance(a.args[0], sp.Indexed)
                                    and a.args[0].base == Y, lambda a: LOG_Y[a.args[0].indices[0]])
    bases = {a.base for a in e.atoms(sp.Indexed)}
    scalars = {s for s in e.free_symbols if isinstance(s, sp.Symbol)} - {b.label for b in bases}
    if bases != {X, LOG_Y} or not scalars <= {K, TAU}:
        raise ValueError(f"reference: log (J28) is not a function of x, log y, tau and k: {e}")
    return e


_LOG_DENSITY = _compile(log_density_form())


def log_density_row(l, x, tau) -> mpmath.mpf:
    """One row: ``l`` the log point (mpf list, -inf allowed), ``x`` logits, ``tau`` an mpf."""
    if any(v == -mpmath.inf for v in l):
        return -mpmath.inf
    return _LOG_DENSITY({K: len(l), TAU: tau, X: list(x), LOG_Y: list(l)})


def _gradient_forms() -> dict:
    """The derived gradients (``codegen.gradients``, checked by the cg.grad_* claims) in x, l = log y, tau."""
    from codegen.gradients import GRADIENTS, L

    def in_l(e):
        e = e.replace(lambda a: isinstance(a, sp.Indexed) and a.base == L, lambda a: LOG_Y[a.indices[0]])
        return e.replace(lambda a: isinstance(a, sp.log) and isinstance(a.args[0], sp.Indexed)
                         and a.args[0].base == Y, lambda a: LOG_Y[a.args[0].indices[0]])
    # d/dy_a = (d/dlog y_a) / y_a: the y form is checked as a claim; here it is read off the log_y one
    return {name: _compile(in_l(GRADIENTS[name])) for name in ("logits", "tau", "log_y")}


_GRADIENTS: dict = {}


def gradient_row(l, x, tau, dps: int = DPS) -> dict:
    """The gradient of log (J28) at one row, at ``dps`` digits, from the SymPy-derived forms:
    {"logits": [d/dx_a], "log_y": [d/dlog y_a], "y": [d/dy_a], "tau": d/dtau} (mpf; every coordinate of
    the row free, as autodiff of log_prob sees it).  ``l``, ``x``: float or mpf sequences (log y, logits)."""
    from codegen.gradients import A
    if not _GRADIENTS:
        _GRADIENTS.update(_gradient_forms())
    with mpmath.workdps(dps):
        l, x = [mpmath.mpf(v) for v in l], [mpmath.mpf(v) for v in x]
        env = {K: len(l), TAU: mpmath.mpf(tau), X: x, LOG_Y: l}
        out = {name: [+_GRADIENTS[name]({**env, A: a}) for a in range(1, len(l) + 1)] for name in ("logits", "log_y")}
        out["tau"] = +_GRADIENTS["tau"](env)
        out["y"] = [g / mpmath.exp(v) for g, v in zip(out["log_y"], l)]
    return out


def reference(point, logits, tau, from_log: bool = False, log_space: bool = False) -> np.ndarray:
    """Reference log p for rows of ``point`` (y, or log y with ``from_log``), as float64 (mpf rounded).
    ``log_space``: the density of x = log y w.r.t. Lebesgue measure on x_1..x_{k-1} (log_prob_exp), that is
    log p plus the log-Jacobian sum_{i<k} log y_i, summed in mpmath."""
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
            value = log_density_row(l, _mp(logits[r]), t)
            out[r] = float(value + mpmath.fsum(l[:-1]) if log_space and mpmath.isfinite(value) else value)
    return out


def relative_error(value, ref) -> np.ndarray:
    """|value - ref| / max(1, |ref|), for rows where ref is finite (the issue's measure)."""
    value = np.asarray(value, dtype=np.float64)
    return np.abs(value - ref) / np.maximum(1.0, np.abs(ref))


def optional(name: str):
    """The module ``name`` when its optional extra is installed, else None (its columns show —)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def optional_torch():
    """torch when the optional ``torch`` extra is installed, else None (the torch columns are skipped)."""
    return optional("torch")


def torch_log_prob(torch, y, logits, tau):
    """The anchor: ``RelaxedOneHotCategorical(tau, logits=..., validate_args=False).log_prob(y)`` (a tensor)."""
    ty = torch.from_numpy(np.ascontiguousarray(y))
    d = torch.distributions.RelaxedOneHotCategorical(torch.tensor(tau, dtype=ty.dtype),
                                                     logits=torch.from_numpy(np.ascontiguousarray(logits)),
                                                     validate_args=False)
    return d.log_prob(ty)
