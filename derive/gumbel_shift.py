"""Eqs. (1)-(4): the Gumbel-softmax sample, its shift by x_k + g_k, and the density of u.

Page 1 of the note: y = softmax((log pi + g)/tau) (1); x_i = log pi_i (2);
divide by exp((x_k + g_k)/tau) (3); u_i = x_i + g_i - (x_k + g_k) is Gumbel
given g_k, and p(u) is the g_k-marginal of the product of those densities (4).
"""
from __future__ import annotations

import sympy as sp

from checks.claim import Claim, Instance

from .symbols import Vars, symbols_for, tau, v


def gumbel_pdf(z: sp.Expr) -> sp.Expr:
    """Standard Gumbel(0, 1) density, the reference the note's densities are checked against."""
    return sp.exp(-(z + sp.exp(-z)))


def reference_sample(s: Vars, i: int) -> sp.Expr:
    """Jang et al. eq. (1), the definition the note restates: softmax((log pi + g)/tau)_i."""
    terms = [sp.exp((sp.log(p) + g) / tau) for p, g in zip(s.pi, s.g)]
    return terms[i] / sp.Add(*terms)


def eq1(s: Vars, i: int) -> sp.Expr:
    den = sp.Add(*[sp.exp((sp.log(s.pi[j]) + s.g[j]) / tau) for j in range(s.k)])
    return sp.exp((sp.log(s.pi[i]) + s.g[i]) / tau) / den


def eq2(s: Vars, i: int) -> sp.Expr:
    den = sp.Add(*[sp.exp((s.x[j] + s.g[j]) / tau) for j in range(s.k)])
    return sp.exp((s.x[i] + s.g[i]) / tau) / den


def eq3(s: Vars, i: int) -> sp.Expr:
    xk, gk = s.x[-1], s.g[-1]
    den = sp.Add(*[sp.exp((s.x[j] + s.g[j] - (xk + gk)) / tau) for j in range(s.k)])
    return sp.exp((s.x[i] + s.g[i] - (xk + gk)) / tau) / den


def _inst(pairs, s: Vars, where=None, substitution=None) -> Instance:
    return Instance(pairs=pairs, sample=s.sample, where=where or {}, substitution=substitution)


def _all_i(f):
    """Pairs (f(s, i)) for i = 1..k as an Instance builder."""
    def build(k: int) -> Instance:
        s = symbols_for(k)
        return _inst([f(s, i) for i in range(k)], s)
    return build


def log_pi_is_x(s: Vars) -> dict:
    return {p: sp.exp(x) for p, x in zip(s.pi, s.x)}


# The conditional density of u_i given g_k, as printed before eq. (4).
def printed_p_u_given_gk(s: Vars, i: int) -> sp.Expr:
    z = s.u[i] - s.x[i] + (s.x[-1] + s.g[-1])
    return sp.exp(-(z + sp.exp(-z)))


def eq4_line3_integrand(s: Vars, gk: sp.Symbol) -> sp.Expr:
    """The integrand of the last line of eq. (4), as printed."""
    xk = s.x[-1]
    prod = sp.Mul(*[sp.exp(s.x[i] - s.u[i] - xk - gk - sp.exp(s.x[i] - s.u[i] - xk - gk))
                    for i in range(s.k - 1)])
    return sp.exp(-gk - sp.exp(-gk)) * prod


def eq4_line3(s: Vars) -> sp.Integral:
    gk = s.g[-1]
    return sp.Integral(eq4_line3_integrand(s, gk), (gk, -sp.oo, sp.oo))


def _marginal_from_model(s: Vars) -> sp.Expr:
    """p(u) from the generative model. For k = 2 the difference of two Gumbels is logistic
    (an independent closed form); otherwise the g_k-marginal of the joint density of
    (g_1..g_{k-1}) shifted by the unit-Jacobian map g_i = u_i - x_i + x_k + g_k."""
    if s.k == 2:
        m = s.x[0] - s.x[1]
        return sp.exp(-(s.u[0] - m)) / (1 + sp.exp(-(s.u[0] - m))) ** 2
    gk = s.g[-1]
    joint = sp.Mul(*[gumbel_pdf(s.u[i] - s.x[i] + s.x[-1] + gk) for i in range(s.k - 1)])
    return sp.Integral(gumbel_pdf(gk) * joint, (gk, -sp.oo, sp.oo))


def _conditional_joint(s: Vars) -> sp.Integral:
    gk = s.g[-1]
    cond = sp.Mul(*[printed_p_u_given_gk(s, i) for i in range(s.k - 1)])
    return sp.Integral(cond * gumbel_pdf(gk), (gk, -sp.oo, sp.oo))


def _conditional_product(s: Vars) -> sp.Integral:
    gk = s.g[-1]
    cond = sp.Mul(*[printed_p_u_given_gk(s, i) for i in range(s.k - 1)])
    return sp.Integral(gumbel_pdf(gk) * cond, (gk, -sp.oo, sp.oo))


def _u_definition(s: Vars, i: int):
    """g_i = u_i - x_i + (x_k + g_k), with u_i = x_i + g_i - (x_k + g_k) substituted."""
    u_def = s.x[i] + s.g[i] - (s.x[-1] + s.g[-1])
    return (s.g[i], (s.u[i] - s.x[i] + (s.x[-1] + s.g[-1])).subs(s.u[i], u_def))


def _gumbel_location(s: Vars, i: int):
    """Density of u_i | g_k: Gumbel(0,1) at g_i(u_i) times |dg_i/du_i| = the printed density."""
    gi = s.u[i] - s.x[i] + (s.x[-1] + s.g[-1])
    return (gumbel_pdf(gi) * sp.Abs(sp.diff(gi, s.u[i])), printed_p_u_given_gk(s, i))


def _stated_mean(s: Vars, i: int, shift=0):
    """E[u_i | g_k] as an integral against the printed density, against x_i - (x_k + g_k) (+ shift)."""
    t = sp.Symbol("t", real=True)
    density = printed_p_u_given_gk(s, i).subs(s.u[i], t)
    return (sp.Integral(t * density, (t, -sp.oo, sp.oo)), s.x[i] - (s.x[-1] + s.g[-1]) + shift)


def _mean_builder(shift):
    def build(k: int) -> Instance:
        s = symbols_for(k)
        t = sp.Symbol("t", real=True)
        loc = s.x[0] - (s.x[-1] + s.g[-1])
        return _inst([_stated_mean(s, 0, shift)], s, substitution=(sp.exp(-(t - loc)), sp.Symbol("w", positive=True)))
    return build


CLAIMS = [
    Claim("eq1.definition", "1", "definition",
          "Eq. (1) is Jang et al.'s Gumbel-softmax sample softmax((log pi + g)/tau)",
          r"y_i = \frac{\exp((\log(\pi_i) + g_i)/\tau)}{\sum_{j=1}^k \exp((\log(\pi_j) + g_j)/\tau)}",
          _all_i(lambda s, i: (eq1(s, i), reference_sample(s, i)))),
    Claim("eq1.simplex", "1", "algebra", "the entries of (1) sum to 1, so y lies on the simplex",
          r"\mathbf{y} = (y_1, \dots, y_k) \in \Delta^{k-1}",
          lambda k: _inst([(sp.Add(*[eq1(symbols_for(k), i) for i in range(k)]), sp.Integer(1))],
                          symbols_for(k))),
    Claim("eq2.log_pi", "2", "substitution", "with x_i = log pi_i, (1) becomes (2)",
          r"y_i = \frac{\exp((x_i + g_i)/\tau)}{\sum_{j=1}^k \exp((x_j + g_j)/\tau)}",
          lambda k: _inst([(eq1(symbols_for(k), i), eq2(symbols_for(k), i)) for i in range(k)],
                          symbols_for(k), where=log_pi_is_x(symbols_for(k)))),
    Claim("eq3.divide", "3", "algebra", "dividing numerator and denominator by exp((x_k + g_k)/tau)",
          r"y_i = \frac{\exp((x_i + g_i - (x_k + g_k))/\tau)}{\sum_{j=1}^k \exp((x_j + g_j - (x_k + g_k))/\tau)}",
          _all_i(lambda s, i: (eq2(s, i), eq3(s, i)))),
    Claim("text4.g_i", "4", "algebra", "u_i = x_i + g_i - (x_k + g_k) gives g_i = u_i - x_i + (x_k + g_k)",
          r"g_i = u_i - x_i + (x_k + g_k)",
          lambda k: _inst([_u_definition(symbols_for(k), i) for i in range(k - 1)], symbols_for(k)),
          source="text"),
    Claim("text4.mean", "4", "expectation",
          "u_i given g_k is Gumbel whose mean is x_i - (x_k + g_k) (scale 1)",
          r"u_i can thus be regarded as a sample from the Gumbel whose mean is $x_i - (x_k + g_k)$",
          _mean_builder(0), source="text", ks=(2, 3),
          correction=Claim("text4.mean.corrected", "4", "expectation",
                           "x_i - (x_k + g_k) is the location; the mean is x_i - (x_k + g_k) + gamma",
                           r"\mathbb{E}[u_i \mid g_k] = x_i - (x_k + g_k) + \gamma",
                           _mean_builder(sp.EulerGamma), source="text", ks=(2, 3))),
    Claim("text4.conditional_density", "4", "gumbel location shift",
          "p(u_i | g_k) is the Gumbel(0,1) density at g_i = u_i - x_i + x_k + g_k (unit Jacobian)",
          r"p(u_i | g_k) = e^{-\{(u_i - x_i + (x_k + g_k)) + e^{-(u_i - x_i + (x_k + g_k))}\}}",
          lambda k: _inst([_gumbel_location(symbols_for(k), i) for i in range(k - 1)], symbols_for(k)),
          source="text"),
    Claim("eq4.1", "4", "marginalization", "p(u) is the g_k-marginal of p(u | g_k) p(g_k)",
          r"p(u_1, \dots, u_{k-1}) = \int_{-\infty}^{\infty} dg_k p(u_1, \dots, u_{k-1} | g_k) p(g_k)",
          lambda k: _inst([(_marginal_from_model(symbols_for(k)), _conditional_joint(symbols_for(k)))],
                          symbols_for(k), substitution=(sp.exp(-symbols_for(k).g[-1]), v))),
    Claim("eq4.2", "4", "conditional independence", "given g_k the u_i are independent",
          r"\int_{-\infty}^{\infty} dg_k p(u_1, \dots, u_{k-1} | g_k) p(g_k) = "
          r"\int_{-\infty}^{\infty} dg_k p(g_k) \prod_{i=1}^{k-1} p(u_i | g_k)",
          lambda k: _inst([(_conditional_joint(symbols_for(k)), _conditional_product(symbols_for(k)))],
                          symbols_for(k))),
    Claim("eq4.3", "4", "substitution", "the Gumbel densities written out",
          r"\int_{-\infty}^{\infty} dg_k p(g_k) \prod_{i=1}^{k-1} p(u_i | g_k) = \int_{-\infty}^{\infty} dg_k "
          r"e^{-g_k - e^{-g_k}} \prod_{i=1}^{k-1} e^{x_i - u_i - x_k - g_k - e^{x_i - u_i - x_k - g_k}}",
          lambda k: _inst([(_conditional_product(symbols_for(k)), eq4_line3(symbols_for(k)))],
                          symbols_for(k))),
]
