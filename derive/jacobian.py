"""Eqs. (14)-(15) and Jang et al. (24)-(26): the Jacobian of h^{-1} and its determinant.

The note stops after the entries (14), (15). The completion: the Jacobian is
tau (diag(1/y_1..1/y_{k-1}) + (1/y_k) 11^T) (J24); by the matrix determinant
lemma its determinant is tau^{k-1} (1 + (1 - y_k)/y_k) prod_{j<k} 1/y_j (J25),
which is tau^{k-1} prod_{j=1}^{k} 1/y_j (J26).
"""
from __future__ import annotations

from functools import cache

import sympy as sp

from checks.claim import Claim, Instance

from .softmax_map import h_inverse
from .symbols import Vars, symbols_for, tau


def jacobian_entry(s: Vars, i: int, j: int) -> sp.Expr:
    """d h_i^{-1} / d y_j, y_k = 1 - sum y_j, as a Derivative (decided by differentiation)."""
    return sp.Derivative(h_inverse(s, i), s.y[j])


def jacobian_matrix(s: Vars) -> sp.Matrix:
    """(J24): tau (diag(1/y_i) + (1/y_k) 11^T), y_k a free positive symbol."""
    n = s.k - 1
    return tau * (sp.diag(*[1 / s.y[i] for i in range(n)]) + sp.ones(n, n) / s.y[-1])


@cache
def jacobian_det(s: Vars) -> sp.Expr:
    """det of (J24), computed on generic entries d_i + c (a polynomial matrix, fast and exact),
    then d_i = tau/y_i, c = tau/y_k substituted: det commutes with substitution."""
    n = s.k - 1
    d = sp.symbols(f"d1:{n + 1}")
    c = sp.Symbol("c")
    generic = sp.diag(*d) + c * sp.ones(n, n)
    det = generic.det(method="bareiss")  # fraction-free on polynomial entries
    return sp.expand(det).xreplace({**{d[i]: tau / s.y[i] for i in range(n)}, c: tau / s.y[-1]})


def lemma_form(s: Vars) -> sp.Expr:
    """det(D + c 11^T) = det(D) (1 + c sum 1/d_i) with D = diag(1/y_j), c = 1/y_k, times tau^{k-1}."""
    n = s.k - 1
    return tau ** n * sp.Mul(*[1 / s.y[j] for j in range(n)]) * (1 + sp.Add(*s.y[:n]) / s.y[-1])


def j25(s: Vars) -> sp.Expr:
    n = s.k - 1
    return tau ** n * (1 + (1 - s.y[-1]) / s.y[-1]) * sp.Mul(*[1 / s.y[j] for j in range(n)])


def j26(s: Vars) -> sp.Expr:
    return tau ** (s.k - 1) * sp.Mul(*[1 / y for y in s.y])


def _build(pairs_of, where=False):
    def build(k: int) -> Instance:
        s = symbols_for(k)
        return Instance(pairs_of(s), s.sample, where=s.on_simplex if where else {})
    return build


def _diagonal(s: Vars, line: int):
    yk = s.y_last
    out = []
    for i in range(s.k - 1):
        dyk = sp.Derivative(yk, s.y[i])
        lines = [jacobian_entry(s, i, i), tau * (1 / s.y[i] - dyk / yk), tau * (1 / s.y[i] + 1 / yk)]
        out.append((lines[line], lines[line + 1]))
    return out


def _off_diagonal(s: Vars, line: int):
    yk = s.y_last
    out = []
    for i in range(s.k - 1):
        for j in range(s.k - 1):
            if i != j:
                lines = [jacobian_entry(s, i, j), tau * (-sp.Derivative(yk, s.y[j]) / yk), tau / yk]
                out.append((lines[line], lines[line + 1]))
    return out


def _matrix_pairs(s: Vars):
    m = jacobian_matrix(s).xreplace({s.y[-1]: s.y_last})
    return [(jacobian_entry(s, i, j), m[i, j]) for i in range(s.k - 1) for j in range(s.k - 1)]


_D = r"\frac{\partial h_i^{-1}(y_1, \dots, y_{k-1})}{\partial y_"
CLAIMS = [
    Claim("eq14.1", "14", "jacobian", "differentiate h_i^{-1} in y_i (y_k depends on y_i)",
          _D + r"i} = \tau \times \left( \frac{1}{y_i} - \frac{1}{y_k} \frac{\partial y_k}{\partial y_i} \right)",
          _build(lambda s: _diagonal(s, 0))),
    Claim("eq14.2", "14", "derivative", "dy_k/dy_i = -1",
          r"\tau \times \left( \frac{1}{y_i} - \frac{1}{y_k} \frac{\partial y_k}{\partial y_i} \right) = "
          r"\tau \times \left( \frac{1}{y_i} + \frac{1}{y_k} \right)", _build(lambda s: _diagonal(s, 1))),
    Claim("eq15.1", "15", "jacobian", "differentiate h_i^{-1} in y_j, j != i",
          _D + r"j} = \tau \times \left( -\frac{1}{y_k} \frac{\partial y_k}{\partial y_j} \right)",
          _build(lambda s: _off_diagonal(s, 0))),
    Claim("eq15.2", "15", "derivative", "dy_k/dy_j = -1",
          r"\tau \times \left( -\frac{1}{y_k} \frac{\partial y_k}{\partial y_j} \right) = \tau \times \frac{1}{y_k}",
          _build(lambda s: _off_diagonal(s, 1))),
    Claim("J24", "J24", "jacobian", "the Jacobian is tau (diag(1/y_i) + (1/y_k) 11^T)",
          r"\frac{\partial \mathbf{h}^{-1}}{\partial \mathbf{y}} = \tau \left( \operatorname{diag}\left("
          r"\frac{1}{y_1}, \dots, \frac{1}{y_{k-1}}\right) + \frac{1}{y_k} \mathbb{1}\mathbb{1}^T \right)",
          _build(_matrix_pairs)),
    Claim("J25.1", "J25", "determinant lemma", "det(D + c 11^T) = det(D)(1 + c sum 1/d_i)",
          r"\det \frac{\partial \mathbf{h}^{-1}}{\partial \mathbf{y}} = \tau^{k-1} \left(1 + \frac{1}{y_k}"
          r"\sum_{j=1}^{k-1} y_j\right) \prod_{j=1}^{k-1} \frac{1}{y_j}",
          _build(lambda s: [(jacobian_det(s), lemma_form(s))])),
    Claim("J25.2", "J25", "substitution", "sum_{j<k} y_j = 1 - y_k on the simplex",
          r"\tau^{k-1} \left(1 + \frac{1}{y_k}\sum_{j=1}^{k-1} y_j\right) \prod_{j=1}^{k-1} \frac{1}{y_j} = "
          r"\tau^{k-1} \left(1 + \frac{1 - y_k}{y_k}\right) \prod_{j=1}^{k-1} \frac{1}{y_j}",
          _build(lambda s: [(lemma_form(s), j25(s))], where=True)),
    Claim("J26", "J26", "algebra", "1 + (1 - y_k)/y_k = 1/y_k",
          r"\tau^{k-1} \left(1 + \frac{1 - y_k}{y_k}\right) \prod_{j=1}^{k-1} \frac{1}{y_j} = "
          r"\tau^{k-1} \prod_{j=1}^{k} \frac{1}{y_j}", _build(lambda s: [(j25(s), j26(s))])),
]
