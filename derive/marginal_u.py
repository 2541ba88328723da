"""Eqs. (5)-(8): the marginal of u by the substitution v = e^{-g_k} and the Gamma integral.

Page 2 of the note: dv/dg_k = -e^{-g_k}, dg_k = -dv/v; the substitution turns
eq. (4) into a Gamma integral (5); the Gamma integral (6) evaluates it (7);
with u_k = 0 the result takes its symmetric form (8).
"""
from __future__ import annotations

import sympy as sp

from checks.claim import Claim, Instance

from .gumbel_shift import eq4_line3
from .symbols import Vars, symbols_for, v

# Eq. (6) is stated for its own variables.
xg, yg = sp.symbols("x y", positive=True)
a, z = sp.symbols("a z", positive=True)


def _c(s: Vars, i: int) -> sp.Expr:
    """The recurring factor e^{x_i - u_i - x_k}."""
    return sp.exp(s.x[i] - s.u[i] - s.x[-1])


def eq5_line1(s: Vars, lower=-sp.oo, upper=0) -> sp.Integral:
    """As printed: int_{-oo}^{0} (-dv) e^{-v} prod v e^{x_i - u_i - x_k - v e^{x_i - u_i - x_k}}."""
    xk = s.x[-1]
    prod = sp.Mul(*[v * sp.exp(s.x[i] - s.u[i] - xk - v * _c(s, i)) for i in range(s.k - 1)])
    return sp.Integral(-sp.exp(-v) * prod, (v, lower, upper))


def eq5_line2(s: Vars) -> sp.Expr:
    prod_c = sp.Mul(*[_c(s, i) for i in range(s.k - 1)])
    inner = sp.exp(-v) * v ** (s.k - 1) * sp.Mul(*[sp.exp(-v * _c(s, i)) for i in range(s.k - 1)])
    return prod_c * sp.Integral(inner, (v, 0, sp.oo))


def _bracket(s: Vars) -> sp.Expr:
    """1 + e^{-x_k} sum_{i<k} e^{x_i - u_i}."""
    return 1 + sp.exp(-s.x[-1]) * sp.Add(*[sp.exp(s.x[i] - s.u[i]) for i in range(s.k - 1)])


def _prod_e(s: Vars) -> sp.Expr:
    return sp.Mul(*[sp.exp(s.x[i] - s.u[i]) for i in range(s.k - 1)])


def eq5_line3(s: Vars) -> sp.Expr:
    integral = sp.Integral(v ** (s.k - 1) * sp.exp(-v * _bracket(s)), (v, 0, sp.oo))
    return sp.exp(-(s.k - 1) * s.x[-1]) * _prod_e(s) * integral


def eq7_line2(s: Vars) -> sp.Expr:
    k, xk = s.k, s.x[-1]
    return sp.exp(-k * xk) * sp.exp(xk) * _prod_e(s) * _bracket(s) ** (-k) * sp.gamma(k)


def _sum_e(s: Vars) -> sp.Expr:
    return sp.Add(*[sp.exp(s.x[i] - s.u[i]) for i in range(s.k - 1)])


def eq7_line3(s: Vars) -> sp.Expr:
    k, xk = s.k, s.x[-1]
    return sp.exp(xk) * _prod_e(s) * (sp.exp(xk) + _sum_e(s)) ** (-k) * sp.gamma(k)


def eq7_line4(s: Vars) -> sp.Expr:
    k, xk = s.k, s.x[-1]
    exponent = xk + sp.Add(*[s.x[i] - s.u[i] for i in range(k - 1)])
    return sp.exp(exponent) * (sp.exp(xk) + _sum_e(s)) ** (-k) * sp.gamma(k)


def eq8(s: Vars) -> sp.Expr:
    """Gamma(k) (prod_{i=1}^k exp(x_i - u_i)) (sum_{i=1}^k exp(x_i - u_i))^{-k}, with u_k = 0."""
    terms = [sp.exp(s.x[i] - s.u[i]) for i in range(s.k)]
    return sp.gamma(s.k) * sp.Mul(*terms) * sp.Add(*terms) ** (-s.k)


def _pairs(left, right, substitution=None):
    def build(k: int) -> Instance:
        s = symbols_for(k)
        return Instance([(left(s), right(s))], s.sample, substitution=substitution and substitution(s))
    return build


def _exp_minus_gk(s: Vars):
    return (sp.exp(-s.g[-1]), v)


def _gamma_eq6(lhs, rhs, substitution=None, closed=("gamma", "sympy")):
    """Eq. (6) holds for symbolic a > 0, z > 0: one instance, no k."""
    def build() -> Instance:
        def sample(rng):
            return {a: rng.uniform(0.2, 3), z: rng.uniform(0.5, 4), xg: rng.uniform(0.1, 3),
                    yg: rng.uniform(0.1, 3)}
        return Instance([(lhs, rhs)], sample, substitution=substitution, closed_forms=closed)
    return build


_G1 = sp.Integral(xg ** (z - 1) * sp.exp(-a * xg), (xg, 0, sp.oo))
_G2 = sp.Integral((yg / a) ** (z - 1) * sp.exp(-yg) / a, (yg, 0, sp.oo))
_G3 = (1 / a) ** z * sp.Integral(yg ** (z - 1) * sp.exp(-yg), (yg, 0, sp.oo))
_G4 = a ** (-z) * sp.gamma(z)

_S = r"\sum_{i=1}^{k-1}"
_P = r"\prod_{i=1}^{k-1}"
CLAIMS = [
    Claim("text5.dv", "5", "derivative", "dv/dg_k = -e^{-g_k} for v = e^{-g_k}",
          r"\frac{dv}{dg_k} = -e^{-g_k}",
          lambda k: Instance([(sp.Derivative(sp.exp(-symbols_for(k).g[-1]), symbols_for(k).g[-1]),
                               -sp.exp(-symbols_for(k).g[-1]))], symbols_for(k).sample),
          source="text", ks=(2,)),
    Claim("text5.dg", "5", "derivative", "dg_k = -dv e^{g_k} = -dv/v, i.e. dg_k/dv along g_k = -log v",
          r"dg_k = -dv e^{g_k} = -dv/v",
          lambda k: Instance([(sp.Derivative(-sp.log(v), v), -sp.exp(symbols_for(k).g[-1])),
                              (-sp.exp(symbols_for(k).g[-1]), -1 / v)], symbols_for(k).sample,
                             where={symbols_for(k).g[-1]: -sp.log(v)}),
          source="text", ks=(2,)),
    Claim("eq5.1", "5", "change of variables", "v = e^{-g_k} turns the last line of (4) into an integral over v",
          r"p(u_1, \dots, u_{k-1}) = \int_{-\infty}^0 (-dv) e^{-v} " + _P +
          r" v e^{x_i - u_i - x_k - v e^{x_i - u_i - x_k}}",
          _pairs(eq4_line3, eq5_line1, _exp_minus_gk),
          correction=Claim("eq5.1.corrected", "5", "change of variables",
                           "g_k from -oo to oo is v from oo to 0: int_{oo}^{0} (-dv) ...",
                           r"p(u_1, \dots, u_{k-1}) = \int_{\infty}^0 (-dv) e^{-v} " + _P +
                           r" v e^{x_i - u_i - x_k - v e^{x_i - u_i - x_k}}",
                           _pairs(eq4_line3, lambda s: eq5_line1(s, sp.oo, 0), _exp_minus_gk))),
    Claim("eq5.2", "5", "algebra", "constants out of the integral; the k-1 factors v make v^{k-1}",
          r"\int_{-\infty}^0 (-dv) e^{-v} " + _P + r" v e^{x_i - u_i - x_k - v e^{x_i - u_i - x_k}} = "
          + _P + r" e^{x_i - u_i - x_k} \int_0^{\infty} dv e^{-v} v^{k-1} " + _P + r" e^{-v e^{x_i - u_i - x_k}}",
          _pairs(eq5_line1, eq5_line2),
          correction=Claim("eq5.2.corrected", "5", "algebra", "the same step from the corrected limits",
                           r"\int_{\infty}^0 (-dv) e^{-v} " + _P + r" v e^{x_i - u_i - x_k - v e^{x_i - u_i - x_k}} = "
                           + _P + r" e^{x_i - u_i - x_k} \int_0^{\infty} dv e^{-v} v^{k-1} " + _P
                           + r" e^{-v e^{x_i - u_i - x_k}}",
                           _pairs(lambda s: eq5_line1(s, sp.oo, 0), eq5_line2))),
    Claim("eq5.3", "5", "algebra", "the products of exponentials merged",
          _P + r" e^{x_i - u_i - x_k} \int_0^{\infty} dv e^{-v} v^{k-1} " + _P + r" e^{-v e^{x_i - u_i - x_k}} = "
          r"e^{-(k-1)x_k} " + _P + r" e^{x_i - u_i} \int_0^{\infty} dv v^{k-1} e^{-v(1 + e^{-x_k} " + _S
          + r" e^{x_i - u_i})}",
          _pairs(eq5_line2, eq5_line3)),
    Claim("eq6.1", "6", "change of variables", "y = a x in the Gamma integral",
          r"\int_0^{\infty} x^{z-1} e^{-ax} dx = \int_0^{\infty} \left(\frac{y}{a}\right)^{z-1} e^{-y} \frac{dy}{a}",
          build=None, ks=(), general=_gamma_eq6(_G1, _G2, (a * xg, yg))),
    Claim("eq6.2", "6", "algebra", "(1/a)^{z-1} / a out of the integral",
          r"\int_0^{\infty} \left(\frac{y}{a}\right)^{z-1} e^{-y} \frac{dy}{a} = \left(\frac{1}{a}\right)^z "
          r"\int_0^{\infty} y^{z-1} e^{-y} dy", build=None, ks=(), general=_gamma_eq6(_G2, _G3)),
    Claim("eq6.3", "6", "gamma integral", "Euler's integral for Gamma(z), z > 0",
          r"\left(\frac{1}{a}\right)^z \int_0^{\infty} y^{z-1} e^{-y} dy = a^{-z} \Gamma(z)",
          build=None, ks=(), general=_gamma_eq6(_G3, _G4, closed=("sympy",))),
    Claim("eq7.1", "7", "substitution", "restates the last line of (5)",
          r"p(u_1, \dots, u_{k-1}) = e^{-(k-1)x_k} " + _P + r" e^{x_i - u_i} \int_0^\infty dv v^{k-1} "
          r"e^{-v(1 + e^{-x_k} " + _S + r" (e^{x_i - u_i}))}",
          _pairs(eq5_line3, eq5_line3)),
    Claim("eq7.2", "7", "gamma integral", "the Gamma integral (6) with a = 1 + e^{-x_k} sum e^{x_i-u_i}, z = k",
          r"e^{-(k-1)x_k} " + _P + r" e^{x_i - u_i} \int_0^\infty dv v^{k-1} e^{-v(1 + e^{-x_k} " + _S
          + r" (e^{x_i - u_i}))} = e^{-kx_k} e^{x_k} " + _P + r" e^{x_i - u_i} \left(1 + e^{-x_k} " + _S
          + r" (e^{x_i - u_i})\right)^{-k} \Gamma(k)",
          _pairs(eq5_line3, eq7_line2)),
    Claim("eq7.3", "7", "algebra", "e^{-k x_k} moved into the bracket",
          r"e^{-kx_k} e^{x_k} " + _P + r" e^{x_i - u_i} \left(1 + e^{-x_k} " + _S + r" (e^{x_i - u_i})\right)^{-k}"
          r" \Gamma(k) = e^{x_k} " + _P + r" e^{x_i - u_i} \left(e^{x_k} + " + _S
          + r" (e^{x_i - u_i})\right)^{-k} \Gamma(k)",
          _pairs(eq7_line2, eq7_line3)),
    Claim("eq7.4", "7", "algebra", "the product of exponentials as one exponential",
          r"e^{x_k} " + _P + r" e^{x_i - u_i} \left(e^{x_k} + " + _S + r" (e^{x_i - u_i})\right)^{-k} \Gamma(k) = "
          r"\exp\left(x_k + " + _S + r" (x_i - u_i)\right) \left(e^{x_k} + " + _S
          + r" (e^{x_i - u_i})\right)^{-k} \Gamma(k)",
          _pairs(eq7_line3, eq7_line4)),
    Claim("eq8", "8", "substitution", "with u_k = 0 the k-th terms join the product and the sum",
          r"p(u_1, \dots, u_{k-1}) = \Gamma(k) \left( \prod_{i=1}^k \exp(x_i - u_i) \right) "
          r"\left( \sum_{i=1}^k \exp(x_i - u_i) \right)^{-k}",
          _pairs(eq7_line4, eq8)),
]
