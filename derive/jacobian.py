"""Eqs. (14)-(15) and Jang et al. (24)-(26): the Jacobian of h^{-1} and its determinant.

The note stops after the entries (14), (15). The completion: the Jacobian is
tau (diag(1/y_1..1/y_{k-1}) + (1/y_k) 11^T) (J24); by the matrix determinant
lemma its determinant is tau^{k-1} (1 + (1 - y_k)/y_k) prod_{j<k} 1/y_j (J25),
which is tau^{k-1} prod_{j=1}^{k} 1/y_j (J26).
"""
from __future__ import annotations

import sympy as sp

from checks.claim import Anchor, Claim, Form
from checks.determinant_lemma import LEMMA, rewrite_determinants

from .model import K, P, S, Y, i, j, tau
from .softmax_map import ON_SIMPLEX, h_inverse, y_last


def j_entry(a, b):
    """(J24): tau (delta_ab / y_a + 1 / y_k), y_k free."""
    return tau * (sp.KroneckerDelta(a, b) / Y[a] + 1 / Y[K])


def jacobian_det():
    """det of the (k-1) x (k-1) matrix (J24), symbolic size (FunctionMatrix, 0-based)."""
    r, c = sp.symbols("r c", integer=True, nonnegative=True)
    return sp.Determinant(sp.FunctionMatrix(K - 1, K - 1, sp.Lambda((r, c), j_entry(r + 1, c + 1))))


def lemma_form():
    return tau ** (K - 1) * P(lambda a: 1 / Y[a], hi=K - 1) * (1 + S(lambda a: Y[a], hi=K - 1) / Y[K])


def j25():
    return tau ** (K - 1) * (1 + (1 - Y[K]) / Y[K]) * P(lambda a: 1 / Y[a], hi=K - 1)


def j26():
    return tau ** (K - 1) * P(lambda a: 1 / Y[a])


def _dyk(a):
    return sp.Derivative(y_last(), Y[a])


_I1, _J1 = {i: K - 1}, {j: K - 1}
_IJ = {i: K - 1, j: K - 1}

CLAIMS = [
    Claim("eq14.1", "jacobian", "differentiate h_i^{-1} in y_i (y_k depends on y_i)",
          lambda: Form([(sp.Derivative(h_inverse(i), Y[i]), tau * (1 / Y[i] - _dyk(i) / y_last()))], indices=_I1,
                       where=ON_SIMPLEX),
          Anchor("display", "14")),
    Claim("eq14.2", "derivative", "dy_k/dy_i = -1",
          lambda: Form([(tau * (1 / Y[i] - _dyk(i) / y_last()), tau * (1 / Y[i] + 1 / y_last()))], indices=_I1,
                       where=ON_SIMPLEX),
          Anchor("display", "14", sides=(1, 2))),
    Claim("eq15.1", "jacobian", "differentiate h_i^{-1} in y_j, j != i",
          lambda: Form([(sp.Derivative(h_inverse(i), Y[j]), tau * (-_dyk(j) / y_last()))], indices=_IJ,
                       distinct=((i, j),), facts=({sp.KroneckerDelta(i, j): 0},), where=ON_SIMPLEX),
          Anchor("display", "15"), ks=tuple(range(3, 9))),   # k = 2 has no j != i
    Claim("eq15.2", "derivative", "dy_k/dy_j = -1",
          lambda: Form([(tau * (-_dyk(j) / y_last()), tau / y_last())], indices=_J1, where=ON_SIMPLEX),
          Anchor("display", "15", sides=(1, 2))),
    Claim("J24", "jacobian", "the Jacobian is tau (diag(1/y_i) + (1/y_k) 11^T)",
          lambda: Form([(sp.Derivative(h_inverse(i), Y[j]), j_entry(i, j).xreplace(ON_SIMPLEX))], indices=_IJ),
          equation="J24", kind="completion",
          latex=r"\frac{\partial \mathbf{h}^{-1}}{\partial \mathbf{y}} = \tau \left( \operatorname{diag}\left("
                r"\frac{1}{y_1}, \dots, \frac{1}{y_{k-1}}\right) + \frac{1}{y_k} \mathbb{1}\mathbb{1}^T \right)"),
    Claim("J25.1", "determinant lemma", "det(D + c 11^T) = det(D)(1 + c sum 1/d_i)",
          lambda: Form([(jacobian_det(), lemma_form())], lemma=rewrite_determinants),
          equation="J25", kind="completion", lemma=LEMMA,
          latex=r"\det \frac{\partial \mathbf{h}^{-1}}{\partial \mathbf{y}} = \tau^{k-1} \left(1 + \frac{1}{y_k}"
                r"\sum_{j=1}^{k-1} y_j\right) \prod_{j=1}^{k-1} \frac{1}{y_j}"),
    Claim("J25.2", "substitution", "sum_{j<k} y_j = 1 - y_k on the simplex",
          lambda: Form([(lemma_form(), j25())], facts=(ON_SIMPLEX,), where=ON_SIMPLEX),
          equation="J25", kind="completion",
          latex=r"\tau^{k-1} \left(1 + \frac{1}{y_k}\sum_{j=1}^{k-1} y_j\right) \prod_{j=1}^{k-1} \frac{1}{y_j} = "
                r"\tau^{k-1} \left(1 + \frac{1 - y_k}{y_k}\right) \prod_{j=1}^{k-1} \frac{1}{y_j}"),
    Claim("J26", "algebra", "1 + (1 - y_k)/y_k = 1/y_k",
          lambda: Form([(j25(), j26())]), equation="J26", kind="completion",
          latex=r"\tau^{k-1} \left(1 + \frac{1 - y_k}{y_k}\right) \prod_{j=1}^{k-1} \frac{1}{y_j} = "
                r"\tau^{k-1} \prod_{j=1}^{k} \frac{1}{y_j}"),
]
