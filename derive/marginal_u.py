"""Eqs. (5)-(8): the marginal of u by the substitution v = e^{-g_k} and the Gamma integral.

Page 2 of the note: dv/dg_k = -e^{-g_k}, dg_k = -dv/v; the substitution turns
eq. (4) into a Gamma integral (5); the Gamma integral (6) evaluates it (7);
with u_k = 0 the result takes its symmetric form (8).
"""
from __future__ import annotations

import sympy as sp

from checks.claim import Anchor, Claim, Form

from .gumbel_shift import eq4_line3
from .model import GK, K, P, S, U, X, v

# Eq. (6) is stated for its own variables.
xg, yg = sp.symbols("x y", positive=True)
a, z = sp.symbols("a z", positive=True)


def _c(n):
    """The recurring factor e^{x_n - u_n - x_k}."""
    return sp.exp(X[n] - U[n] - X[K])


def eq5_line1(lower=-sp.oo, upper=0):
    """As printed: int_{-oo}^{0} (-dv) e^{-v} prod v e^{x_i - u_i - x_k - v e^{x_i - u_i - x_k}}."""
    prod = P(lambda n: v * sp.exp(X[n] - U[n] - X[K] - v * _c(n)), hi=K - 1)
    return sp.Integral(-sp.exp(-v) * prod, (v, lower, upper))


def eq5_line2():
    inner = sp.exp(-v) * v ** (K - 1) * P(lambda n: sp.exp(-v * _c(n)), hi=K - 1)
    return P(_c, hi=K - 1) * sp.Integral(inner, (v, 0, sp.oo))


def _bracket():
    """1 + e^{-x_k} sum_{i<k} e^{x_i - u_i}."""
    return 1 + sp.exp(-X[K]) * _sum_e()


def _prod_e():
    return P(lambda n: sp.exp(X[n] - U[n]), hi=K - 1)


def _sum_e():
    return S(lambda n: sp.exp(X[n] - U[n]), hi=K - 1)


def eq5_line3():
    integral = sp.Integral(v ** (K - 1) * sp.exp(-v * _bracket()), (v, 0, sp.oo))
    return sp.exp(-(K - 1) * X[K]) * _prod_e() * integral


def eq7_line2():
    return sp.exp(-K * X[K]) * sp.exp(X[K]) * _prod_e() * _bracket() ** (-K) * sp.gamma(K)


def eq7_line3():
    return sp.exp(X[K]) * _prod_e() * (sp.exp(X[K]) + _sum_e()) ** (-K) * sp.gamma(K)


def eq7_line4():
    return sp.exp(X[K] + S(lambda n: X[n] - U[n], hi=K - 1)) * (sp.exp(X[K]) + _sum_e()) ** (-K) * sp.gamma(K)


def eq8(u=lambda n: U[n]):
    """(8): Gamma(k) (prod_{i=1}^k exp(x_i - u_i)) (sum_{i=1}^k exp(x_i - u_i))^{-k}, u_k = 0;
    ``u(n)`` is the n-th coordinate the density is evaluated at."""
    return sp.gamma(K) * P(lambda n: sp.exp(X[n] - u(n))) * S(lambda n: sp.exp(X[n] - u(n))) ** (-K)


U_LAST = {U[K]: sp.Integer(0)}     # "Define u_k = 0" (before (8))


def _gamma_eq6(lhs, rhs, substitution=None, closed=("gamma", "sympy")):
    """Eq. (6) holds for symbolic a > 0, z > 0: one instance, no size."""
    def sample(rng):
        return {a: rng.uniform(0.2, 3), z: rng.uniform(0.5, 4), xg: rng.uniform(0.1, 3), yg: rng.uniform(0.1, 3)}
    return lambda: Form([(lhs, rhs)], substitution=substitution, closed_forms=closed, sized=False, sample=sample)


_G1 = sp.Integral(xg ** (z - 1) * sp.exp(-a * xg), (xg, 0, sp.oo))
_G2 = sp.Integral((yg / a) ** (z - 1) * sp.exp(-yg) / a, (yg, 0, sp.oo))
_G3 = (1 / a) ** z * sp.Integral(yg ** (z - 1) * sp.exp(-yg), (yg, 0, sp.oo))
_G4 = a ** (-z) * sp.gamma(z)

_V_LOG = {GK: -sp.log(v)}          # along the substitution, g_k = -log v

CLAIMS = [
    Claim("text5.dv", "derivative", "dv/dg_k = -e^{-g_k} for v = e^{-g_k}",
          lambda: Form([(sp.Derivative(sp.exp(-GK), GK), -sp.exp(-GK))]),
          Anchor("inline", "5", chain=1), ks=(2,), general=False),
    Claim("text5.dg", "derivative", "dg_k = -dv e^{g_k} = -dv/v, i.e. dg_k/dv along g_k = -log v",
          lambda: Form([(sp.Derivative(-sp.log(v), v), -sp.exp(GK)), (-sp.exp(GK), -1 / v)], where=_V_LOG),
          Anchor("inline", "5", chain=3, sides=(0, 1, 2)), ks=(2,), general=False),
    Claim("eq5.1", "change of variables", "v = e^{-g_k} turns the last line of (4) into an integral over v",
          lambda: Form([(eq4_line3(), eq5_line1())], substitution=(sp.exp(-GK), v)), Anchor("display", "5"),
          correction=Claim("eq5.1.corrected", "change of variables",
                           "g_k from -oo to oo is v from oo to 0: int_{oo}^{0} (-dv) ...",
                           lambda: Form([(eq4_line3(), eq5_line1(sp.oo, 0))], substitution=(sp.exp(-GK), v)),
                           equation="5", latex=r"p(u_1, \dots, u_{k-1}) = \int_{\infty}^0 (-dv) e^{-v} "
                           r"\prod_{i=1}^{k-1} v e^{x_i - u_i - x_k - v e^{x_i - u_i - x_k}}")),
    Claim("eq5.2", "algebra", "constants out of the integral; the k-1 factors v make v^{k-1}",
          lambda: Form([(eq5_line1(), eq5_line2())]), Anchor("display", "5", sides=(1, 2)),
          correction=Claim("eq5.2.corrected", "algebra", "the same step from the corrected limits",
                           lambda: Form([(eq5_line1(sp.oo, 0), eq5_line2())]), equation="5",
                           latex=r"\int_{\infty}^0 (-dv) e^{-v} \prod_{i=1}^{k-1} v e^{x_i - u_i - x_k - v "
                           r"e^{x_i - u_i - x_k}} = \prod_{i=1}^{k-1} e^{x_i - u_i - x_k} \int_0^{\infty} dv "
                           r"e^{-v} v^{k-1} \prod_{i=1}^{k-1} e^{-v e^{x_i - u_i - x_k}}")),
    Claim("eq5.3", "algebra", "the products of exponentials merged",
          lambda: Form([(eq5_line2(), eq5_line3())]), Anchor("display", "5", sides=(2, 3))),
    Claim("eq6.1", "change of variables", "y = a x in the Gamma integral",
          _gamma_eq6(_G1, _G2, (a * xg, yg)), Anchor("display", "6"), ks=()),
    Claim("eq6.2", "algebra", "(1/a)^{z-1} / a out of the integral",
          _gamma_eq6(_G2, _G3), Anchor("display", "6", sides=(1, 2)), ks=()),
    Claim("eq6.3", "gamma integral", "Euler's integral for Gamma(z), z > 0",
          _gamma_eq6(_G3, _G4, closed=("sympy",)), Anchor("display", "6", sides=(2, 3)), ks=()),
    Claim("eq7.1", "restatement", "restates the last line of (5)",
          lambda: Form([(eq5_line3(), None)]), Anchor("display", "7"), kind="restatement", ks=(3,),
          general=False),
    Claim("eq7.2", "gamma integral", "the Gamma integral (6) with a = 1 + e^{-x_k} sum e^{x_i-u_i}, z = k",
          lambda: Form([(eq5_line3(), eq7_line2())]), Anchor("display", "7", sides=(1, 2))),
    Claim("eq7.3", "algebra", "e^{-k x_k} moved into the bracket",
          lambda: Form([(eq7_line2(), eq7_line3())]), Anchor("display", "7", sides=(2, 3))),
    Claim("eq7.4", "algebra", "the product of exponentials as one exponential",
          lambda: Form([(eq7_line3(), eq7_line4())]), Anchor("display", "7", sides=(3, 4))),
    Claim("eq8", "substitution", "with u_k = 0 the k-th terms join the product and the sum",
          lambda: Form([(eq7_line4(), eq8())], facts=(U_LAST,)), Anchor("display", "8")),
]
