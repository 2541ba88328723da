"""Eqs. (1)-(4): the Gumbel-softmax sample, its shift by x_k + g_k, and the density of u.

Page 1 of the note: y = softmax((log pi + g)/tau) (1); x_i = log pi_i (2);
divide by exp((x_k + g_k)/tau) (3); u_i = x_i + g_i - (x_k + g_k) is Gumbel
given g_k, and p(u) is the g_k-marginal of the product of those densities (4).
Each expression is written once, for symbolic k; the claims below cite them.
"""
from __future__ import annotations

import sympy as sp

from checks.claim import Anchor, Claim, Form
from checks.determinant_lemma import LEMMA, rewrite_determinants

from .model import GK, PI, G, K, P, S, U, X, i, tau, v


def gumbel_pdf(z):
    """The standard Gumbel(0, 1) density: the model's reference for every density of g and u."""
    return sp.exp(-(z + sp.exp(-z)))


def jang_sample(a):
    """Jang et al. (1): softmax((log pi + g)/tau)_a, the definition the note restates."""
    return sp.exp((sp.log(PI[a]) + G[a]) / tau) / S(lambda b: sp.exp((sp.log(PI[b]) + G[b]) / tau))


def eq2(a):
    return sp.exp((X[a] + G[a]) / tau) / S(lambda b: sp.exp((X[b] + G[b]) / tau))


def eq3(a):
    shift = X[K] + G[K]
    return sp.exp((X[a] + G[a] - shift) / tau) / S(lambda b: sp.exp((X[b] + G[b] - shift) / tau))


def pi_is_exp_x(e):
    """x_i = log pi_i, i.e. pi_i = e^{x_i} (the definition before (2))."""
    return e.replace(lambda a: isinstance(a, sp.Indexed) and a.base == PI, lambda a: sp.exp(X[a.indices[0]]))


def g_of_u(a, gk=GK):
    """g_a = u_a - x_a + (x_k + g_k): the shift of the text before (4) solved for g_a."""
    return U[a] - X[a] + (X[K] + gk)


def conditional_density(a, gk=GK):
    """p(u_a | g_k) as printed before (4): the Gumbel(0, 1) density at g_a(u)."""
    z = g_of_u(a, gk)
    return sp.exp(-(z + sp.exp(-z)))


def model_marginal():
    """p(u) from the generative model: the g_k-marginal of the joint density of independent
    g_1..g_{k-1} at g_i(u) (unit Jacobian) times p(g_k)."""
    return sp.Integral(gumbel_pdf(GK) * P(lambda a: gumbel_pdf(g_of_u(a)), hi=K - 1), (GK, -sp.oo, sp.oo))


def joint_conditional():
    """int dg_k p(u_1..u_{k-1} | g_k) p(g_k), the joint conditional density obtained by the change of
    variables u -> g = (g_1(u), .., g_{k-1}(u)) from the joint density of the independent g_i:
    p_g(g(u)) |det dg/du|, with dg_a/du_b = d g_of_u(a) / d u_b (the identity matrix)."""
    n = K - 1
    r, c = sp.symbols("r c", integer=True, nonnegative=True)
    jac = sp.FunctionMatrix(n, n, sp.Lambda((r, c), sp.diff(g_of_u(r + 1), U[c + 1])))
    return sp.Integral(joint_gumbel_density(g_of_u) * sp.Abs(sp.Determinant(jac)) * gumbel_pdf(GK),
                       (GK, -sp.oo, sp.oo))


def joint_gumbel_density(g):
    """The joint density of independent Gumbel(0, 1) draws g(1)..g(k-1): exp(-sum_a (g_a + e^{-g_a}))."""
    return sp.exp(-S(lambda a: g(a) + sp.exp(-g(a)), hi=K - 1))


def product_of_conditionals():
    return sp.Integral(gumbel_pdf(GK) * P(conditional_density, hi=K - 1), (GK, -sp.oo, sp.oo))


def eq4_line3():
    return sp.Integral(sp.exp(-GK - sp.exp(-GK)) * P(lambda a: sp.exp(X[a] - U[a] - X[K] - GK
                                                                     - sp.exp(X[a] - U[a] - X[K] - GK)), hi=K - 1),
                       (GK, -sp.oo, sp.oo))


def _mean_form(shift) -> Form:
    """E[u_i | g_k] as an integral against the printed density, against x_i - (x_k + g_k) (+ shift);
    the substitution w = e^{-(t - mu)} turns it into Gamma'(1) = -gamma."""
    t, w = sp.Symbol("t", real=True), sp.Symbol("w", positive=True)
    loc = X[i] - (X[K] + G[K])
    density = conditional_density(i, G[K]).xreplace({U[i]: t})
    return Form([(sp.Integral(t * density, (t, -sp.oo, sp.oo)), loc + shift)], indices={i: K - 1},
                substitution=(sp.exp(-(t - loc)), w), closed_forms=("gamma",))


_I = {i: K}          # "for i = 1, ..., k"
_I1 = {i: K - 1}     # "for i = 1, ..., k-1"

CLAIMS = [
    Claim("eq1.definition", "restatement", "Eq. (1) restates Jang et al.'s Gumbel-softmax sample "
          "softmax((log pi + g)/tau)", lambda: Form([(jang_sample(i), None)], indices=_I),
          Anchor("display", "1"), kind="restatement", ks=(3,), general=False),
    Claim("eq1.simplex", "algebra", "the entries of (1) sum to 1, so y lies on the simplex",
          lambda: Form([(S(jang_sample, idx=sp.Symbol("l", integer=True, positive=True)), sp.Integer(1))]),
          equation="1", latex=r"\sum_{i=1}^k y_i = 1", kind="completion"),
    Claim("eq2.log_pi", "substitution", "with x_i = log pi_i, (1) becomes (2)",
          lambda: Form([(pi_is_exp_x(jang_sample(i)), eq2(i))], indices=_I),
          Anchor("display", "2")),
    Claim("eq3.divide", "algebra", "dividing numerator and denominator by exp((x_k + g_k)/tau)",
          lambda: Form([(eq2(i), eq3(i))], indices=_I), Anchor("display", "3")),
    Claim("text4.g_i", "algebra", "u_i = x_i + g_i - (x_k + g_k) gives g_i = u_i - x_i + (x_k + g_k)",
          lambda: Form([(G[i], g_of_u(i, G[K]).xreplace({U[i]: X[i] + G[i] - (X[K] + G[K])}))], indices=_I1),
          Anchor("inline", "4", chain=4)),
    Claim("text4.mean", "expectation", "u_i given g_k is Gumbel whose mean is x_i - (x_k + g_k) (scale 1)",
          lambda: _mean_form(0), Anchor("prose", "4", chain=1, sides=(1,)), ks=(2, 3), general=False,
          correction=Claim("text4.mean.corrected", "expectation",
                           "x_i - (x_k + g_k) is the location; the mean is x_i - (x_k + g_k) + gamma",
                           lambda: _mean_form(sp.EulerGamma), equation="4",
                           latex=r"\mathbb{E}[u_i \mid g_k] = x_i - (x_k + g_k) + \gamma", ks=(2, 3),
                           general=False),
          indirect="checked as E[u_i | g_k] = the printed value, by integration against the printed density"),
    Claim("text4.conditional_density", "gumbel location shift",
          "p(u_i | g_k) is the Gumbel(0,1) density at g_i = u_i - x_i + x_k + g_k (unit Jacobian)",
          lambda: Form([(gumbel_pdf(g_of_u(i, G[K])) * sp.Abs(sp.diff(g_of_u(i, G[K]), U[i])),
                         conditional_density(i, G[K]))], indices=_I1),
          Anchor("inline", "4", chain=7)),
    Claim("eq4.1", "marginalization", "p(u) is the g_k-marginal of p(u | g_k) p(g_k)",
          lambda: Form([(model_marginal(), joint_conditional())], substitution=(sp.exp(-GK), v),
                       lemma=rewrite_determinants),
          Anchor("display", "4"), lemma=LEMMA,
          indirect="checked against p(u) computed from the generative model"),
    Claim("eq4.2", "conditional independence",
          "given g_k the u_i are independent: the joint conditional density (by the change of variables "
          "from the independent g_i) is the product of the p(u_i | g_k)",
          lambda: Form([(joint_conditional(), product_of_conditionals())], lemma=rewrite_determinants),
          Anchor("display", "4", sides=(1, 2)), lemma=LEMMA),
    Claim("eq4.3", "substitution", "the Gumbel densities written out",
          lambda: Form([(product_of_conditionals(), eq4_line3())]), Anchor("display", "4", sides=(2, 3))),
]
