"""The rewrites from the verified expressions (J28) and (8) to the printed code, as claims.

Each claim is checked by ``make verify`` for concrete k.  Log-space identities are
stated through ``exp`` of both sides (exp is injective on the reals, and the
exponentiated sides are exp-polynomials the canonical forms decide); ``m`` is a free
real shift, so an identity proved for every m holds for the row maximum the code uses.
"""
from __future__ import annotations

import sympy as sp

from checks.claim import Claim, Instance
from derive.density import final_density
from derive.gumbel_shift import reference_sample
from derive.marginal_u import eq8
from derive.symbols import Vars, symbols_for, tau

from . import emit, forms
from .forms import instantiate, m

KS = (2, 3, 4, 5)


def log_y_symbols(s: Vars) -> tuple:
    return tuple(sp.Symbol(f"l_{j}", real=True) for j in range(1, s.k + 1))


def softmax_pi(s: Vars) -> dict:
    total = sp.Add(*[sp.exp(x) for x in s.x])
    return {p: sp.exp(x) / total for p, x in zip(s.pi, s.x)}


def exp_pi(s: Vars) -> dict:
    return {p: sp.exp(x) for p, x in zip(s.pi, s.x)}


def j28_logits(s: Vars) -> sp.Expr:
    """(J28) with pi_i = e^{x_i}: the verified density in unnormalised logits."""
    return final_density(s).xreplace(exp_pi(s))


def log_form(s: Vars, shift=None) -> sp.Expr:
    """log Gamma(k) + (k-1) log tau + sum_i (x_i - (tau+1) log y_i) - k logsumexp_i(x_i - tau log y_i)."""
    k = s.k
    z = [x - tau * sp.log(y) for x, y in zip(s.x, s.y)]
    if shift is None:
        lse = sp.log(sp.Add(*[sp.exp(zi) for zi in z]))
    else:
        lse = shift + sp.log(sp.Add(*[sp.exp(zi - shift) for zi in z]))
    return (sp.log(sp.gamma(k)) + (k - 1) * sp.log(tau)
            + sp.Add(*[x - (tau + 1) * sp.log(y) for x, y in zip(s.x, s.y)]) - k * lse)


def _sample(s: Vars):
    base = s.sample

    def sample(rng):
        point = base(rng)
        point[m] = rng.uniform(-3, 3)
        for sym, value in zip(log_y_symbols(s), rng.uniform(-4, 0, s.k)):
            point[sym] = value
        # the pivot values: any reals (the code takes them at the row maximum)
        point[forms.pivot_symbol(forms.Take(forms.logits[forms.i], 0))] = rng.uniform(-3, 3)
        point[forms.pivot_symbol(forms.Take(forms.log_y[forms.i], 0))] = rng.uniform(-4, 0)
        return point
    return sample


def _build(pairs_of):
    def build(k: int) -> Instance:
        s = symbols_for(k)
        return Instance(pairs_of(s), _sample(s))
    return build


def _arrays(s: Vars) -> dict:
    return {forms.y: s.y, forms.logits: s.x, forms.log_y: log_y_symbols(s), forms.u: s.u, forms.gumbel: s.g}


def _emitted(name: str, s: Vars, index=None) -> sp.Expr:
    return instantiate(emit.kernel(name).printed(), s, _arrays(s), index)


def _log_y_pairs(s):
    ls = log_y_symbols(s)
    return [(sp.exp(instantiate(forms.LOG_PROB_FROM_LOG, s, _arrays(s))),
             j28_logits(s).xreplace({y: sp.exp(v) for y, v in zip(s.y, ls)}))]


def _sample_pairs(s):
    ref = [reference_sample(s, j).xreplace(exp_pi(s)) for j in range(s.k)]
    return [(sp.exp(instantiate(forms.SAMPLE_LOG, s, _arrays(s), j)), ref[j]) for j in range(s.k)]


def _cse_pairs(s):
    """What the printed kernels compute (CSE output recombined) against the forms they were printed from."""
    ls = log_y_symbols(s)
    out = [(sp.exp(_emitted("log_prob", s)), j28_logits(s)),
           (sp.exp(_emitted("log_prob_from_log", s)), j28_logits(s).xreplace(dict(zip(s.y, map(sp.exp, ls))))),
           (sp.exp(_emitted("log_prob_u", s)), eq8(s))]
    out += [(sp.exp(_emitted("sample_log", s, j)), reference_sample(s, j).xreplace(exp_pi(s)))
            for j in range(s.k)]
    return out


_LSE = r"\log\sum_{i=1}^k e^{x_i - \tau \log y_i}"
CLAIMS = [
    Claim("cg.logits", "J28", "rewrite",
          "(J28) is homogeneous of degree 0 in pi: pi_i = e^{x_i} / sum_j e^{x_j} may be replaced by e^{x_i} "
          "(unnormalised logits)",
          r"p(\mathbf{y})\big|_{\pi_i = e^{x_i}/\sum_j e^{x_j}} = p(\mathbf{y})\big|_{\pi_i = e^{x_i}}",
          _build(lambda s: [(final_density(s).xreplace(softmax_pi(s)), j28_logits(s))]), source="text", ks=KS),
    Claim("cg.log", "J28", "rewrite", "(J28) in log space (as exp of the log form)",
          r"\log p(\mathbf{y}) = \log\Gamma(k) + (k-1)\log\tau + \sum_{i=1}^k (x_i - (\tau+1)\log y_i) - k" + _LSE,
          _build(lambda s: [(sp.exp(log_form(s)), j28_logits(s))]), source="text", ks=KS),
    Claim("cg.lse", "J28", "rewrite", "log-sum-exp with a shift m taken out (any real m; the code uses the max)",
          _LSE + r" = m + \log\sum_{i=1}^k e^{x_i - \tau \log y_i - m}",
          _build(lambda s: [(sp.exp(log_form(s, m)), sp.exp(log_form(s)))]), source="text", ks=KS),
    Claim("cg.log_prob", "J28", "rewrite",
          "the general indexed form printed as log_prob, at concrete k, equals (J28): log-sum-exp shifted by "
          "m = a - tau b, where a and b are any reals (the code takes x_j and log y_j at j = argmax_i z_i)",
          r"\log p = \log\Gamma(k) + (k-1)\log\tau + \sum_i x_i - (\tau+1)\sum_i \log y_i - k(a - \tau b) "
          r"- k \log\sum_i e^{(x_i - a) - \tau(\log y_i - b)}",
          _build(lambda s: [(sp.exp(instantiate(forms.LOG_PROB, s, _arrays(s))), j28_logits(s))]),
          source="text", ks=KS),
    Claim("cg.log_prob_from_log", "J28", "rewrite",
          "the form printed as log_prob_from_log, with l_i = log y_i, equals (J28) at y_i = e^{l_i} (any a, b)",
          r"\log p = \log\Gamma(k) + (k-1)\log\tau + \sum_i x_i - (\tau+1)\sum_i l_i - k(a - \tau b) "
          r"- k \log\sum_i e^{(x_i - a) - \tau(l_i - b)}",
          _build(_log_y_pairs), source="text", ks=KS),
    Claim("cg.log_prob_u", "8", "rewrite", "the form printed as log_prob_u equals eq. (8) (u_k = 0)",
          r"\log p(\mathbf{u}) = \log\Gamma(k) + \sum_i (z_i - m) - k \log\sum_i e^{z_i - m},\ z_i = x_i - u_i",
          _build(lambda s: [(sp.exp(instantiate(forms.LOG_PROB_U, s, _arrays(s))), eq8(s))]),
          source="text", ks=KS),
    Claim("cg.sample_log", "J1", "rewrite",
          "the form printed as sample_log is log softmax((x + g)/tau), Jang et al. (1), for every i",
          r"\log y_i = w_i - m - \log\sum_j e^{w_j - m},\ w_i = (x_i + g_i)/\tau",
          _build(_sample_pairs), source="text", ks=KS),
    Claim("cg.lgamma", "J28", "rewrite",
          "log Gamma(k) is evaluated as log 2 + ... + log(k - 1) (summed in double-double by the code)",
          r"\log\Gamma(k) = \sum_{i=2}^{k-1} \log i",
          _build(lambda s: [(sp.gamma(s.k), sp.Mul(*[sp.Integer(i) for i in range(2, s.k)]))]),
          source="text", ks=KS),
    Claim("cg.dd_log", "J28", "rewrite",
          "the log of a per-row value (log tau, log sum_i e^{h_i}) is evaluated as e log 2 + log m with "
          "m = v 2^{-e}, for every integer e (the code takes m in [sqrt(1/2), sqrt(2)))",
          r"\log v = e \log 2 + \log(v\, 2^{-e})",
          _build(lambda s: [(sp.exp(e * sp.log(2) + sp.log(tau * sp.Integer(2) ** -e)), tau)
                            for e in (-3, 0, 1, 5)]),
          source="text", ks=(2,)),
    Claim("cg.cse", "J28", "rewrite",
          "what the printed code computes (CSE output of both phases, the per-chunk reductions put back into "
          "their per-row combination) equals (J28), (8) and Jang et al. (1)",
          r"\text{cse}(\log p) = \log p",
          _build(_cse_pairs), source="text", ks=(2, 3)),
]
