"""Eq. (12) and Jang et al. (27)-(28): the density of y by the change of variables.

p(y) = p_u(h^{-1}(y)) |det dh^{-1}/dy| (12; the note omits |.|, harmless because
det > 0); with u_i = tau (log y_i - log y_k) and x_i = log pi_i, eq. (8) becomes
Gamma(k) (prod pi_i y_i^{-tau}) (sum pi_i y_i^{-tau})^{-k} (J27), and times the
determinant (J26) the density with respect to Lebesgue measure on (y_1..y_{k-1}):
p(y) = Gamma(k) tau^{k-1} (sum pi_i y_i^{-tau})^{-k} prod pi_i y_i^{-tau-1} (J28).
"""
from __future__ import annotations

import sympy as sp

from checks.claim import Claim, Instance

from .jacobian import j26, jacobian_det
from .marginal_u import eq8
from .softmax_map import h_inverse
from .symbols import Vars, symbols_for, tau


def u_of_y(s: Vars) -> dict:
    """u_i = h_i^{-1}(y) = tau (log y_i - log y_k), with y_k a free positive symbol."""
    return {s.u[i]: tau * (sp.log(s.y[i]) - sp.log(s.y[-1])) for i in range(s.k - 1)}


def x_of_pi(s: Vars) -> dict:
    return {x: sp.log(p) for x, p in zip(s.x, s.pi)}


def j27(s: Vars) -> sp.Expr:
    terms = [p * y ** (-tau) for p, y in zip(s.pi, s.y)]
    return sp.gamma(s.k) * sp.Mul(*terms) * sp.Add(*terms) ** (-s.k)


def final_density(s: Vars) -> sp.Expr:
    """(J28): Gamma(k) tau^{k-1} (sum_i pi_i y_i^{-tau})^{-k} prod_i pi_i y_i^{-tau-1}."""
    k = s.k
    return (sp.gamma(k) * tau ** (k - 1) * sp.Add(*[p * y ** (-tau) for p, y in zip(s.pi, s.y)]) ** (-k)
            * sp.Mul(*[p * y ** (-tau - 1) for p, y in zip(s.pi, s.y)]))


def _build(pairs_of, where=False, sample=None):
    def build(k: int) -> Instance:
        s = symbols_for(k)
        return Instance(pairs_of(s), sample or s.sample, where=s.on_simplex if where else {})
    return build


def _cdf_pair(s: Vars):
    """k = 2: d/dt P(y_1 <= t) = d/dt int_{-oo}^{h^{-1}(t)} p_u = p_u(h^{-1}(t)) det (the printed (12))."""
    t = s.y[0]
    w = sp.Symbol("w", real=True)
    p_u = eq8(s).xreplace({s.u[0]: w})
    upper = h_inverse(s, 0)
    cdf = sp.Integral(p_u, (w, -sp.oo, upper))
    printed = eq8(s).xreplace({s.u[0]: upper}) * jacobian_det(s).xreplace({s.y[-1]: s.y_last})
    return [(sp.Derivative(cdf, t), printed)]


def _abs_det_pair(s: Vars):
    det = jacobian_det(s)
    return [(sp.Abs(det), det)]


CLAIMS = [
    Claim("eq12", "12", "density transformation",
          "for k = 2, p(y) of (12) is the derivative of the CDF P(h(u) <= y_1) computed from p_u",
          r"p(\mathbf{y}) = p(\mathbf{h}^{-1}(y_1, \dots, y_{k-1})) \det \left( \frac{\partial(h_1^{-1}(y_1, "
          r"\dots, y_{k-1}), \dots, h_{k-1}^{-1}(y_1, \dots, y_{k-1}))}{\partial(y_1, \dots, y_{k-1})} \right)",
          _build(_cdf_pair, where=True), ks=(2,)),
    Claim("eq12.abs", "12", "density transformation",
          "det dh^{-1}/dy > 0 on the simplex, so the printed det equals the |det| of the theorem",
          r"\det \left( \frac{\partial(h_1^{-1}, \dots, h_{k-1}^{-1})}{\partial(y_1, \dots, y_{k-1})} \right) > 0",
          _build(_abs_det_pair), source="text"),
    Claim("J27", "J27", "substitution", "eq. (8) at u = h^{-1}(y), x_i = log pi_i",
          r"p(\mathbf{h}^{-1}(y_1, \dots, y_{k-1})) = \Gamma(k) \left(\prod_{i=1}^k \pi_i y_i^{-\tau}\right)"
          r"\left(\sum_{i=1}^k \pi_i y_i^{-\tau}\right)^{-k}",
          _build(lambda s: [(eq8(s).xreplace(u_of_y(s)).xreplace(x_of_pi(s)), j27(s))])),
    Claim("J28", "J28", "density transformation", "(J27) times the determinant (J26)",
          r"p(\mathbf{y}) = \Gamma(k) \tau^{k-1} \left(\sum_{i=1}^k \pi_i y_i^{-\tau}\right)^{-k} "
          r"\prod_{i=1}^k \pi_i y_i^{-\tau-1}",
          _build(lambda s: [(j27(s) * j26(s), final_density(s))])),
]
