"""Eq. (12) and Jang et al. (27)-(28): the density of y by the change of variables.

p(y) = p_u(h^{-1}(y)) |det dh^{-1}/dy| (12; the note omits |.|, harmless because
det > 0); with u_i = tau (log y_i - log y_k) and x_i = log pi_i, eq. (8) becomes
Gamma(k) (prod pi_i y_i^{-tau}) (sum pi_i y_i^{-tau})^{-k} (J27), and times the
determinant (J26) the density with respect to Lebesgue measure on (y_1..y_{k-1}):
p(y) = Gamma(k) tau^{k-1} (sum pi_i y_i^{-tau})^{-k} prod pi_i y_i^{-tau-1} (J28).
"""
from __future__ import annotations

import sympy as sp

from checks.claim import Anchor, Claim, Form
from checks.determinant_lemma import LEMMA, rewrite_determinants

from .jacobian import j26, jacobian_det
from .marginal_u import eq8
from .model import PI, K, P, S, U, X, Y, tau
from .softmax_map import ON_SIMPLEX, h_inverse


def u_of_y(e):
    """u_m = tau (log y_m - log y_k) for every m (also m = k, where it gives u_k = 0)."""
    return e.replace(lambda a: isinstance(a, sp.Indexed) and a.base == U,
                     lambda a: tau * (sp.log(Y[a.indices[0]]) - sp.log(Y[K])))


def x_of_pi(e):
    return e.replace(lambda a: isinstance(a, sp.Indexed) and a.base == X, lambda a: sp.log(PI[a.indices[0]]))


def j27():
    return sp.gamma(K) * P(lambda a: PI[a] * Y[a] ** (-tau)) * S(lambda a: PI[a] * Y[a] ** (-tau)) ** (-K)


def final_density():
    """(J28): Gamma(k) tau^{k-1} (sum_i pi_i y_i^{-tau})^{-k} prod_i pi_i y_i^{-tau-1}, the density of
    y with respect to Lebesgue measure on (y_1, .., y_{k-1}); y_k = 1 - sum_{i<k} y_i."""
    return (sp.gamma(K) * tau ** (K - 1) * S(lambda a: PI[a] * Y[a] ** (-tau)) ** (-K)
            * P(lambda a: PI[a] * Y[a] ** (-tau - 1)))


def _cdf_form() -> Form:
    """k = 2: d/dt P(y_1 <= t) = d/dt int_{-oo}^{h^{-1}(t)} p_u = p_u(h^{-1}(t)) det (the printed (12))."""
    w = sp.Symbol("w", real=True)
    upper = h_inverse(1)
    # p_u at u_1 = w (k = 2: u_1 is the only coordinate, u_2 = 0)
    p_u = eq8(lambda n: U[n] + sp.KroneckerDelta(n, 1) * (w - U[n]))
    cdf = sp.Integral(p_u, (w, -sp.oo, upper))
    printed = u_of_y(eq8()) * jacobian_det().xreplace(ON_SIMPLEX)
    return Form([(sp.Derivative(cdf, Y[1]), printed)], where=ON_SIMPLEX)


CLAIMS = [
    Claim("eq12", "density transformation",
          "for k = 2, p(y) of (12) is the derivative of the CDF P(h(u) <= y_1) computed from p_u",
          _cdf_form, Anchor("display", "12"), ks=(2,), general=False,
          indirect="checked for k = 2 as the derivative of the CDF of y_1 computed from p(u)"),
    Claim("eq12.abs", "density transformation",
          "det dh^{-1}/dy > 0 on the simplex, so the printed det equals the |det| of the theorem",
          lambda: Form([(sp.Abs(jacobian_det()), jacobian_det())], lemma=rewrite_determinants),
          equation="12", kind="completion", lemma=LEMMA,
          indirect="checked as |det| = det (det >= 0); by the lemma, det is a product of factors > 0 on the simplex",
          latex=r"\det \left( \frac{\partial(h_1^{-1}, \dots, h_{k-1}^{-1})}{\partial(y_1, \dots, y_{k-1})} \right) > 0"),
    Claim("J27", "substitution", "eq. (8) at u = h^{-1}(y), x_i = log pi_i",
          lambda: Form([(x_of_pi(u_of_y(eq8())), j27())]), equation="J27", kind="completion",
          latex=r"p(\mathbf{h}^{-1}(y_1, \dots, y_{k-1})) = \Gamma(k) \left(\prod_{i=1}^k \pi_i y_i^{-\tau}\right)"
                r"\left(\sum_{i=1}^k \pi_i y_i^{-\tau}\right)^{-k}"),
    Claim("J28", "density transformation", "(J27) times the determinant (J26)",
          lambda: Form([(j27() * j26(), final_density())]), equation="J28", kind="completion",
          latex=r"p(\mathbf{y}) = \Gamma(k) \tau^{k-1} \left(\sum_{i=1}^k \pi_i y_i^{-\tau}\right)^{-k} "
                r"\prod_{i=1}^k \pi_i y_i^{-\tau-1}"),
]
