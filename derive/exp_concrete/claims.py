"""The claims of the log-space write-up (note_copy.md), in page order, each written once for symbolic k.

(1) restates the first subject's verified final density (Jang et al. (28)); (2) the change of
variables y_i = e^{x_i}, x_k = log(1 - sum_{i<k} e^{x_i}); (3) its Jacobian and determinant;
(4) the density of x with respect to Lebesgue measure on (x_1..x_{k-1}); (5) its logarithm;
(6) the libraries' log-space log_prob (torch's ExpRelaxedCategorical.log_prob, transcribed below)
and its relation to (5); (7) the libraries' density on the simplex built from it.
"""
from __future__ import annotations

import sympy as sp

from checks.claim import Anchor, Claim, Form
from checks.determinant_lemma import LEMMA as DET_LEMMA
from checks.determinant_lemma import rewrite_determinants

from ..density import final_density
from . import lemmas
from .model import PI, X_LAST, K, P, S, X, Y, e_x, i, j, tau, y_is_exp_x

#: the determinant of a diagonal matrix, by the matrix determinant lemma at c = 0
DIAGONAL_LEMMA = DET_LEMMA + ", at c = 0: det diag(d_1, .., d_n) = d_1 ... d_n"


def jacobian_det():
    """det of the (k-1) x (k-1) Jacobian dy/dx of the map (2), entries differentiated from y_r = e^{x_r}."""
    r, c = sp.symbols("r c", integer=True, nonnegative=True)
    return sp.Determinant(sp.FunctionMatrix(K - 1, K - 1, sp.Lambda((r, c), sp.diff(e_x(r + 1), X[c + 1]))))


def p_of_exp_x():
    """(1) at y = e^x: p(e^{x_1}, .., e^{x_{k-1}}), with y_k = e^{x_k} by (2)."""
    return y_is_exp_x(final_density())


def density_x():
    """(4), last side: Gamma(k) tau^{k-1} (sum pi_i e^{-tau x_i})^{-k} prod pi_i e^{-(tau+1) x_i} prod_{i<k} e^{x_i}."""
    return (sp.gamma(K) * tau ** (K - 1) * S(lambda a: PI[a] * sp.exp(-tau * X[a])) ** (-K)
            * P(lambda a: PI[a] * sp.exp(-(tau + 1) * X[a])) * P(e_x, hi=K - 1))


def _score(a):
    return sp.log(PI[a]) - tau * X[a]


def library_form():
    """(6), the formula printed: log Gamma(k) + (k-1) log tau + sum (log pi_i - tau x_i)
    - k log sum exp(log pi_i - tau x_i)."""
    return (sp.log(sp.gamma(K)) + (K - 1) * sp.log(tau) + S(_score)
            - K * sp.log(S(lambda a: sp.exp(_score(a)))))


def log_density_x():
    """(5): the library form minus x_k."""
    return library_form() - X[K]


def torch_log_prob():
    """torch.distributions.ExpRelaxedCategorical.log_prob(value = x), transcribed:

        log_scale = lgamma(K) - log(temperature) * (-(K - 1))
        score = logits - value * temperature
        score = (score - score.logsumexp(-1)).sum(-1)
        return score + log_scale

    with logits = log pi_i (Categorical(probs=pi) stores log(pi_i / sum_j pi_j), and pi is on the
    simplex in this model, so that is log pi_i).  TensorFlow Probability's
    ExpRelaxedOneHotCategorical._log_prob is the same sum: lgamma(k) + (k - 1) log(temperature)
    + sum(log_softmax(logits - x * temperature))."""
    def score(a):
        return sp.log(PI[a]) - X[a] * tau
    # the inner sum gets an index of its own: the outer sum's index is never rebound inside it
    lse = sp.log(S(lambda b: sp.exp(score(b)), idx=_B))
    return S(lambda a: score(a) - lse) + (sp.log(sp.gamma(K)) - sp.log(tau) * (-(K - 1)))


_B = sp.Symbol("b", integer=True, positive=True)   # the index of an inner sum


def _log_lemma(e, used):
    return lemmas.log_products(y_is_exp_x(e), used)


_IJ = {i: K - 1, j: K - 1}
_I = {i: K}
_FACTS = (y_is_exp_x,)

CLAIMS = [
    Claim("eq1.J28", "restatement", "(1) restates the first subject's verified final density (Jang et al. (28)), "
          "a density w.r.t. Lebesgue measure on (y_1, .., y_{k-1})", lambda: Form([(final_density(), None)]),
          Anchor("display", "1"), kind="restatement", ks=(3,), general=False),
    Claim("text2.inverse", "inverse map", "x_i = log y_i inverts y_i = e^{x_i} (also for i = k, by (2))",
          lambda: Form([(sp.log(Y[i]), X[i])], indices=_I, facts=(y_is_exp_x, X_LAST), where=X_LAST),
          Anchor("inline", "2", chain=1)),
    Claim("eq2.1", "substitution", "y_k = 1 - sum_{i<k} y_i: the simplex of (1), in the model's y = e^x",
          lambda: Form([(Y[K], 1 - S(lambda a: Y[a], hi=K - 1))], facts=(y_is_exp_x, X_LAST), where=X_LAST),
          Anchor("display", "2")),
    Claim("eq2.2", "substitution", "y_i = e^{x_i} for i < k",
          lambda: Form([(1 - S(lambda a: Y[a], hi=K - 1), 1 - S(e_x, hi=K - 1))], facts=_FACTS),
          Anchor("display", "2", sides=(1, 2))),
    Claim("eq2.3", "substitution", "1 - sum_{i<k} e^{x_i} = e^{x_k} by the definition of x_k",
          lambda: Form([(1 - S(e_x, hi=K - 1), sp.exp(X[K]))], facts=(X_LAST,), where=X_LAST),
          Anchor("display", "2", sides=(2, 3))),
    Claim("eq3.1", "jacobian", "dy_i/dx_j = delta_ij e^{x_i} for i, j < k: the Jacobian of (2) is diagonal",
          lambda: Form([(sp.Derivative(Y[i], X[j]), sp.KroneckerDelta(i, j) * e_x(i))], indices=_IJ, facts=_FACTS),
          Anchor("display", "3", chain=0)),
    Claim("eq3.2", "determinant lemma", "the determinant of the diagonal Jacobian is the product of its diagonal",
          lambda: Form([(jacobian_det(), P(e_x, hi=K - 1))], lemma=rewrite_determinants),
          Anchor("display", "3", chain=1), lemma=DIAGONAL_LEMMA),
    Claim("eq4.1", "density transformation", "p_X = p(y(x)) |det dy/dx|: (1) at y = e^x times |det| of (3), "
          "a density w.r.t. Lebesgue measure on (x_1, .., x_{k-1})",
          lambda: Form([(p_of_exp_x() * sp.Abs(jacobian_det()), p_of_exp_x() * P(e_x, hi=K - 1))],
                       lemma=rewrite_determinants),
          Anchor("display", "4", sides=(0, 1, 2)), lemma=DIAGONAL_LEMMA,
          indirect="p_X is the name the theorem defines; checked as p(e^x) |det dy/dx| = p(e^x) prod_{i<k} e^{x_i}, "
                   "with dy/dx differentiated from the map (2)"),
    Claim("eq4.2", "substitution", "(1) written out at y = e^x",
          lambda: Form([(p_of_exp_x() * P(e_x, hi=K - 1), density_x())]),
          Anchor("display", "4", sides=(2, 3))),
    Claim("eq5", "algebra", "the log of (4): log-sum-exp written as log sum exp, the prod_{i<k} e^{x_i} and "
          "e^{-(tau+1) x_k} leave -x_k",
          lambda: Form([(sp.log(density_x()), log_density_x())], lemma=_log_lemma),
          Anchor("display", "5"), lemma=lemmas.LEMMA),
    Claim("eq6.library", "restatement", "the formula printed in (6) is torch's ExpRelaxedCategorical.log_prob "
          "(and TFP's ExpRelaxedOneHotCategorical._log_prob) for logits log pi",
          lambda: Form([(torch_log_prob(), None)]), Anchor("display", "6"), kind="restatement", ks=(3,),
          general=False),
    Claim("eq6.2", "algebra", "the libraries' log_prob is log p_X + x_k: q = p_X e^{x_k}, a density w.r.t. "
          "e^{-x_k} dx_1..dx_{k-1}",
          lambda: Form([(torch_log_prob(), log_density_x() + X[K])]),
          Anchor("display", "6", sides=(1, 2))),
    Claim("eq7.1", "algebra", "the exponential's log-Jacobian summed over all k coordinates removes the x_k "
          "missing from q",
          lambda: Form([(torch_log_prob() - S(lambda a: X[a]), log_density_x() - S(lambda a: X[a], hi=K - 1))]),
          Anchor("display", "7")),
    Claim("eq7.2", "density transformation", "log p_X - sum_{i<k} x_i = log p(e^x): (4) inverted, so the "
          "libraries' density on the simplex is (1), w.r.t. Lebesgue measure on (y_1, .., y_{k-1})",
          lambda: Form([(log_density_x() - S(lambda a: X[a], hi=K - 1), sp.log(p_of_exp_x()))], lemma=_log_lemma),
          Anchor("display", "7", sides=(1, 2)), lemma=lemmas.LEMMA),
]


def claims() -> list[Claim]:
    return list(CLAIMS)
