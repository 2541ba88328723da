"""The gradients of the log-density (J28), derived by SymPy from the verified expression, as claims.

``sp.diff`` of the verified log (J28) (``forms.log_final_density()``, general k, 1-based) with respect
to x_a (a logit), tau, y_a and log y_a, for a category index a in 1..k: SymPy differentiates each
``Sum`` term by term (a ``KroneckerDelta`` sum) and ``doit`` resolves it to a ``Piecewise`` on a <= k,
which holds for every category (:func:`_in_range`).  With w_m = x_m - tau log y_m and
s_a = e^{w_a} / sum_m e^{w_m} (the softmax of w) the results read

    d/dx_a = 1 - k s_a,   d/dlog y_a = -(tau + 1) + k tau s_a,   d/dy_a = (-(tau + 1) + k tau s_a) / y_a,
    d/dtau = (k - 1)/tau - sum_m log y_m + k sum_m s_m log y_m,

each y_a (or log y_a) a free coordinate of the formula (all k of them: what autodiff of ``log_prob`` sees).
Each claim checks the general-k derivative, instantiated at k = 2..8, against ``sp.diff`` of (J28)
instantiated at the same k (the verified expression in the concrete symbols), for every category a.
The backends' autodiff gradients are tested against these at 40 digits (``bench.reference.gradient_row``).
"""
from __future__ import annotations

import sympy as sp

from derive.model import Vars, at, tau

from . import forms
from .forms import X, Y, log_final_density

#: a category index, 1..k
A = sp.Symbol("a", integer=True, positive=True)
#: log y as an array of its own (the coordinates of log_prob_from_log)
L = sp.IndexedBase("L", real=True)
KS = tuple(range(2, 9))


def _in_range(e: sp.Expr) -> sp.Expr:
    """``Piecewise((v, a <= k), (0, True))`` -> v: the category index a lies in 1..k."""
    return e.replace(lambda p: isinstance(p, sp.Piecewise), lambda p: p.args[0].expr)


def _log_y_free(e: sp.Expr) -> sp.Expr:
    """log y_m -> L_m, the log point as its own coordinates."""
    return e.replace(lambda t: isinstance(t, sp.log) and isinstance(t.args[0], sp.Indexed)
                     and t.args[0].base == Y, lambda t: L[t.args[0].indices[0]])


def derived() -> dict[str, sp.Expr]:
    """name -> the general-k derivative of log (J28) (free index a where it is per category)."""
    e = log_final_density()
    return {
        "logits": _in_range(sp.diff(e, X[A]).doit()),
        "tau": sp.diff(e, tau).doit(),
        "y": _in_range(sp.diff(e, Y[A]).doit()),
        "log_y": _in_range(sp.diff(_log_y_free(e), L[A]).doit()),
    }


GRADIENTS = derived()
#: the variable of each derivative, at category a of k = s.k (0-based j), in the concrete symbols
VARIABLE = {"logits": lambda s, j: s.x[j], "tau": lambda s, j: tau, "y": lambda s, j: s.y[j],
            "log_y": lambda s, j: sp.Symbol(f"l_{j + 1}", real=True)}


def at_k(name: str, s: Vars, j: int) -> sp.Expr:
    """The derived gradient ``name`` at k = s.k, category a = j + 1, in the concrete symbols (log y_m -> l_m)."""
    e = GRADIENTS[name]
    if name == "log_y":
        e = e.replace(lambda t: isinstance(t, sp.Indexed) and t.base == L, lambda t: Y[t.indices[0]])
        concrete = at(e, s.k, a=j + 1) if e.has(A) else at(e, s.k)
        return concrete.xreplace({y: sp.Symbol(f"l_{n}", real=True) for n, y in enumerate(s.y, 1)})
    return at(e, s.k, a=j + 1) if e.has(A) else at(e, s.k)


def pairs(name: str, s: Vars, verified, at_log_y) -> list:
    """(derived gradient, sp.diff of the verified log (J28) at k = s.k) for every category a.

    ``verified``: (J28) at k = s.k in the concrete symbols (unnormalised logits); ``at_log_y``: y_m -> e^{l_m}.
    Both sides are compared at y_m = e^{l_m} (every y_m > 0 is one; after the derivative is taken): the
    canonical forms decide exp-polynomials in l fast, not log y next to y^{tau} (d/dtau of y^{-tau})."""
    log_p = sp.log(verified.xreplace(at_log_y) if name == "log_y" else verified)
    ks = range(s.k) if GRADIENTS[name].has(A) else (0,)
    out = [(at_k(name, s, j), sp.diff(log_p, VARIABLE[name](s, j))) for j in ks]
    return [(a.xreplace(at_log_y), b.xreplace(at_log_y)) for a, b in out]


# --- the gradients as the compiled kernels print them -------------------------------------------------
def _softmax_parts(form: sp.Expr) -> tuple[sp.Expr, sp.Sum]:
    """(e_i, S) of a printed form of (J28): e_i = exp(z_i), z_i = (x_i - x_j) - tau (l_i - l_j) about its
    pivot j, the summand of its log-sum-exp, and S = sum_i e_i (the form's own expressions, so that the
    kernel that prints both shares them)."""
    (lse,) = [s for s in form.atoms(sp.Sum) if isinstance(s.function, sp.exp)]
    return lse.function, lse


def kernel_forms(form: sp.Expr, point: sp.Expr) -> dict[str, sp.Expr]:
    """The derived gradients (``GRADIENTS``) in the terms of the printed ``form`` (forms.LOG_PROB from
    ``point`` = y[i], forms.LOG_PROB_FROM_LOG from ``point`` = log_y[i]): with s_i = e_i / S the softmax
    of w = x - tau l about the pivot j (l = log y),

        d/dx_i = 1 - k s_i,   d/dpoint_i = (k tau s_i - tau - 1) (/ y_i from y),
        d/dtau = (k - 1)/tau + sum_i (k s_i - 1)(l_i - l_j)

    (sum_i (k s_i - 1) = 0, so the pivot's l_j may be taken out: the terms stay small where every y_i is).
    Checked against ``GRADIENTS`` at k = 2..8 by the claim cg.kernel_gradients."""
    e, total = _softmax_parts(form)
    (j,) = form.atoms(forms.RowArgMax)
    log_point = sp.log(point) if point.base == forms.y else point
    s = e / total
    k, i = forms.K, forms.i
    d_log = k * tau * s - tau - 1
    return {
        "logits": 1 - k * s,
        "point": d_log / point if point.base == forms.y else d_log,
        "tau": (k - 1) / tau + sp.Sum((k * s - 1) * (log_point - forms.Take(log_point, j)), (i, 0, k - 1)),
    }


#: the printed forms of (J28) whose gradients the compiled kernels print, and their point
KERNEL_GRADIENTS = {"log_prob": kernel_forms(forms.LOG_PROB, forms.y[forms.i]),
                    "log_prob_from_log": kernel_forms(forms.LOG_PROB_FROM_LOG, forms.log_y[forms.i])}
