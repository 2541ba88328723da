"""The rewrites from the verified expressions (J28), (8), (1) and (5) to the printed code, as claims.

Both sides come from the derivation's general-k expressions (``codegen.forms``: ``final_density()``
(J28), ``eq8()`` (8), ``eq1(a)`` (1); the log-space ``log_density_x()`` (5) of derive/exp_concrete), instantiated at concrete k by ``derive.model.at``; nothing is
written out again here.  Each claim is checked by ``make verify`` for concrete k.  Log-space
identities are stated through ``exp`` of both sides (exp is injective on the reals, and the
exponentiated sides are exp-polynomials the canonical forms decide); ``m`` is a free real shift,
so an identity proved for every m holds for the row maximum the code uses.
"""
from __future__ import annotations

import sympy as sp

from checks.claim import Claim, Instance
from derive.exp_concrete.claims import log_density_x
from derive.model import Vars, symbols_for, tau

from . import elementary, emit, forms, gradients
from .forms import at, eq1, eq8, final_density, instantiate, log_final_density, m
from .rows import _elementwise

KS = (2, 3, 4, 5)


def log_y_symbols(s: Vars) -> tuple:
    return tuple(sp.Symbol(f"l_{j}", real=True) for j in range(1, s.k + 1))


def softmax_pi(s: Vars) -> dict:
    total = sp.Add(*[sp.exp(x) for x in s.x])
    return {p: sp.exp(x) / total for p, x in zip(s.pi, s.x)}


def exp_pi(s: Vars) -> dict:
    return {p: sp.exp(x) for p, x in zip(s.pi, s.x)}


def at_k(expr: sp.Expr, s: Vars) -> sp.Expr:
    """A general-k expression of the derivation at k = s.k, in the concrete symbols (u_k = 0).

    Expanding prod_i y_i^{-tau-1} folds it into (prod_i y_i)^{-tau-1}; the powers are split
    again (positive bases), so that y_i = e^{l_i} gives exp-polynomials the canonical forms decide fast."""
    return sp.expand_power_base(at(expr, s.k))


def j28(s: Vars) -> sp.Expr:
    """(J28) ``final_density()`` at k = s.k."""
    return at_k(final_density(), s)


def j28_logits(s: Vars) -> sp.Expr:
    """(J28) with pi_i = e^{x_i}: the verified density in unnormalised logits."""
    return j28(s).xreplace(exp_pi(s))


def eq8_at(s: Vars) -> sp.Expr:
    """Eq. (8) ``eq8()`` at k = s.k (u_k = 0)."""
    return at_k(eq8(), s)


def sample_at(s: Vars, j: int) -> sp.Expr:
    """Jang et al. (1) ``eq1(a)`` at k = s.k, category a = j + 1, with pi_i = e^{x_i}."""
    return at_k(eq1(sp.Integer(j + 1)), s).xreplace(exp_pi(s))


def lse_shifted(e: sp.Expr, shift: sp.Expr) -> sp.Expr:
    """log sum_i e^{w_i} -> shift + log sum_i e^{w_i - shift} in ``e`` (general k)."""
    def take_out(lse):
        s = lse.args[0]
        return shift + sp.log(sp.Sum(sp.exp(s.function.args[0] - shift), *s.limits))
    return e.replace(lambda a: isinstance(a, sp.log) and isinstance(a.args[0], sp.Sum)
                     and isinstance(a.args[0].function, sp.exp), take_out)


def log_form(s: Vars, shift=None) -> sp.Expr:
    """log (J28) (``forms.log_final_density``) at k = s.k, the log-sum-exp shifted by ``shift``:
    log Gamma(k) + (k-1) log tau + sum_i (x_i - (tau+1) log y_i) - k logsumexp_i(x_i - tau log y_i)."""
    e = log_final_density()
    return at_k(e if shift is None else lse_shifted(e, shift), s)


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


def _at_log_y(s: Vars) -> dict:
    return dict(zip(s.y, map(sp.exp, log_y_symbols(s))))


def _pivot_y(e: sp.Expr) -> sp.Expr:
    """The pivot value y_j > 0 of the log-ratio form as e^b, b real (the free pivot value of log y_j),
    and log(y_i / e^b) = log y_i - b (positive y_i)."""
    p_y, p_log_y = (forms.pivot_symbol(forms.Take(a[forms.i], 0)) for a in (forms.y, forms.log_y))
    return sp.expand_log(e.xreplace({p_y: sp.exp(p_log_y)}))


def _y_pairs(s):
    """The forms printed for log_prob (from y): plain, careful and with log-ratios, each against (J28)."""
    return [(sp.exp(_pivot_y(instantiate(form, s, _arrays(s)))), j28_logits(s))
            for form in (forms.LOG_PROB, forms.LOG_PROB_CAREFUL, forms.LOG_PROB_RATIO)]


def _log_y_pairs(s):
    return [(sp.exp(instantiate(form, s, _arrays(s))), j28_logits(s).xreplace(_at_log_y(s)))
            for form in (forms.LOG_PROB_FROM_LOG, forms.LOG_PROB_FROM_LOG_CAREFUL)]


def _grad_kernel_pairs(s):
    """(gradient as the compiled kernels print it, the derived gradient of (J28)) for every category a, at
    y_m = e^{l_m}: d/dx_a, d/dy_a (from y) or d/dlog y_a (from log y), d/dtau."""
    derived = {"log_prob": {"logits": "logits", "point": "y", "tau": "tau"},
               "log_prob_from_log": {"logits": "logits", "point": "log_y", "tau": "tau"}}
    out = []
    for name, grads in gradients.KERNEL_GRADIENTS.items():
        for what, form in grads.items():
            for j in range(s.k) if _elementwise(form) else (0,):
                lhs = instantiate(form, s, _arrays(s), j if _elementwise(form) else None)
                out.append((lhs.xreplace(_at_log_y(s)), gradients.at_k(derived[name][what], s, j).xreplace(_at_log_y(s))))
    return out


def log_space_at(s: Vars) -> sp.Expr:
    """The second subject's verified (5) ``log_density_x()`` at k = s.k, its chart x_i = log y_i named l_i
    (the code's log_y) and pi_i = e^{x_i} / sum_j e^{x_j} (softmax of the logits x)."""
    return at_k(log_density_x(), s).xreplace({**dict(zip(s.x, log_y_symbols(s))), **softmax_pi(s)})


def _exp_pairs(s):
    """The forms printed for log_prob_exp (plain and careful) against (5), as exp of both sides."""
    return [(sp.exp(instantiate(form, s, _arrays(s))), sp.exp(log_space_at(s)))
            for form in (forms.LOG_PROB_EXP, forms.LOG_PROB_EXP_CAREFUL)]


def _sample_pairs(s):
    return [(sp.exp(instantiate(forms.SAMPLE_LOG, s, _arrays(s), j)), sample_at(s, j)) for j in range(s.k)]


def _cse_pairs(s):
    """What the printed kernels compute (CSE output recombined) against the verified expressions."""
    out = [(sp.exp(_pivot_y(_emitted(name, s))), j28_logits(s))
           for name in ("log_prob", "log_prob_careful", "log_prob_ratio")]
    out += [(sp.exp(_emitted(name, s)), j28_logits(s).xreplace(_at_log_y(s)))
            for name in ("log_prob_from_log", "log_prob_from_log_careful")]
    out += [(sp.exp(_emitted(name, s)), sp.exp(log_space_at(s))) for name in ("log_prob_exp", "log_prob_exp_careful")]
    out += [(sp.exp(_emitted("log_prob_u", s)), eq8_at(s))]
    out += [(sp.exp(_emitted("sample_log", s, j)), sample_at(s, j)) for j in range(s.k)]
    return out


def _elementary(pairs_of):
    """An instance of the compiled backend's log / exp identities: ``pairs_of()`` in the real symbols x,
    m (> 0), r, z of codegen.elementary, sampled on their reduced ranges."""
    x, mm = sp.Symbol("x", real=True), sp.Symbol("m", positive=True)

    def build(k: int) -> Instance:
        def sample(rng):
            return {x: rng.uniform(-700, 700), mm: rng.uniform(0.7, 1.42), elementary.r: rng.uniform(-0.35, 0.35),
                    elementary.z: rng.uniform(0, 0.0295), elementary.s: rng.uniform(-0.17, 0.17)}
        return Instance(pairs_of(x, mm), sample)
    return build


def _vexp_pairs(x, mm):
    """exp(x) = 2^n exp(x - n log 2) for integers n; the printed polynomial is sum_{j<=13} r^j / j!."""
    r = elementary.r
    taylor = sp.Add(*[r ** j / sp.factorial(j) for j in range(elementary.EXP_DEGREE + 1)])
    return [*[(sp.exp(x), 2 ** sp.Integer(n) * sp.exp(x - n * sp.log(2))) for n in (-1074, -3, 0, 1, 700)],
            (elementary.exp_polynomial().as_expr(), taylor)]


def _vlog_pairs(x, mm):
    """log m = log((1 + s) / (1 - s)), s = (m - 1) / (m + 1) = f / (2 + f), f = m - 1; fdlibm's arrangement
    f - (f^2/2 - s (f^2/2 + R)) with R = log((1+s)/(1-s)) / s - 2 (the full function the polynomial
    truncates) is log m; the printed R(z) is sum_{n=1}^{10} 2 z^n / (2n + 1)."""
    f = mm - 1
    sv = f / (2 + f)
    big_r = sp.log((1 + sv) / (1 - sv)) / sv - 2
    hfsq = f ** 2 / 2
    z = elementary.z
    series = sp.Add(*[2 * z ** n / (2 * n + 1) for n in range(1, elementary.LOG_TERMS + 1)])
    return [(sp.exp(sp.log(mm)), sp.exp(sp.log((1 + sv) / (1 - sv)))),
            (sp.exp(f - (hfsq - sv * (hfsq + big_r))), mm),
            (elementary.log_polynomial().as_expr(), series)]


def _claim(cid: str, equation: str, statement: str, latex: str, build, ks=KS) -> Claim:
    """A code-rewrite claim (no anchor in the note: it carries its own LaTeX; instances built here,
    because the printed forms have their own instantiation, ``codegen.forms.instantiate``)."""
    return Claim(cid, "rewrite", statement, None, equation=equation, latex=latex, kind="rewrite", ks=ks,
                 general=False, build=build)


_LSE = r"\log\sum_{i=1}^k e^{x_i - \tau \log y_i}"
CLAIMS = [
    _claim("cg.logits", "J28",
           "(J28) is homogeneous of degree 0 in pi: pi_i = e^{x_i} / sum_j e^{x_j} may be replaced by e^{x_i} "
           "(unnormalised logits)",
           r"p(\mathbf{y})\big|_{\pi_i = e^{x_i}/\sum_j e^{x_j}} = p(\mathbf{y})\big|_{\pi_i = e^{x_i}}",
           _build(lambda s: [(j28(s).xreplace(softmax_pi(s)), j28_logits(s))])),
    _claim("cg.log", "J28", "(J28) in log space (as exp of the log form)",
           r"\log p(\mathbf{y}) = \log\Gamma(k) + (k-1)\log\tau + \sum_{i=1}^k (x_i - (\tau+1)\log y_i) - k" + _LSE,
           _build(lambda s: [(sp.exp(log_form(s)), j28_logits(s))])),
    _claim("cg.lse", "J28", "log-sum-exp with a shift m taken out (any real m; the code uses the max)",
           _LSE + r" = m + \log\sum_{i=1}^k e^{x_i - \tau \log y_i - m}",
           _build(lambda s: [(sp.exp(log_form(s, m)), sp.exp(log_form(s)))])),
    _claim("cg.log_prob", "J28",
           "the general indexed forms printed for log_prob, at concrete k, equal (J28): log-sum-exp shifted by "
           "m = a - tau b, where a and b are any reals (the code takes x_j and log y_j at j = argmax_i z_i), the "
           "tau terms gathered; the careful variant shifted once more by any real M (the max of the exponents), "
           "and the log-ratio variant with log(y_i / c) for log y_i - b, c > 0 any (the code takes y_j)",
           r"\log p = \log\Gamma(k) + (k-1)\log\tau + (\textstyle\sum_i x_i - k a) - \tau(\sum_i \log y_i - k b)"
           r" - \sum_i \log y_i - k \log\sum_i e^{(x_i - a) - \tau(\log y_i - b)}",
           _build(_y_pairs)),
    _claim("cg.log_prob_from_log", "J28",
           "the forms printed for log_prob_from_log (plain and careful), with l_i = log y_i, equal (J28) at "
           "y_i = e^{l_i} (any a, b, M)",
           r"\log p = \log\Gamma(k) + (k-1)\log\tau + (\textstyle\sum_i x_i - k a) - \tau(\sum_i l_i - k b)"
           r" - \sum_i l_i - k M - k \log\sum_i e^{(x_i - a) - \tau(l_i - b) - M}",
           _build(_log_y_pairs)),
    _claim("cg.log_prob_exp", "5",
           "the forms printed for log_prob_exp (plain and careful), with l_i = log y_i and unnormalised logits x, "
           "equal the log-space density (5) of the second subject (w.r.t. Lebesgue measure on l_1..l_{k-1}) at "
           "pi = softmax(x) (any a, b, M; l_k is the last entry of log_y)",
           r"\log p_X = \log\Gamma(k) + (k-1)\log\tau + (\textstyle\sum_i x_i - k a) - \tau(\sum_i l_i - k b)"
           r" - l_k - k \log\sum_i e^{(x_i - a) - \tau(l_i - b)}",
           _build(_exp_pairs)),
    _claim("cg.log_prob_u", "8", "the form printed as log_prob_u equals eq. (8) (u_k = 0)",
           r"\log p(\mathbf{u}) = \log\Gamma(k) + \sum_i (z_i - m) - k \log\sum_i e^{z_i - m},\ z_i = x_i - u_i",
           _build(lambda s: [(sp.exp(instantiate(forms.LOG_PROB_U, s, _arrays(s))), eq8_at(s))])),
    _claim("cg.sample_log", "J1",
           "the form printed as sample_log is log softmax((x + g)/tau), Jang et al. (1), for every i",
           r"\log y_i = (v_i - m)/\tau - \log\sum_j e^{(v_j - m)/\tau},\ v_i = x_i + g_i",
           _build(_sample_pairs)),
    _claim("cg.lgamma", "J28",
           "log Gamma(k) is evaluated as log 2 + ... + log(k - 1) (summed in double-double by the code)",
           r"\log\Gamma(k) = \sum_{i=2}^{k-1} \log i",
           _build(lambda s: [(sp.gamma(s.k), sp.Mul(*[sp.Integer(i) for i in range(2, s.k)]))])),
    _claim("cg.vexp", "J28",
           "the compiled backend's exp: exp(x) = 2^n exp(x - n log 2) for every integer n, and the printed "
           "polynomial is the Taylor polynomial of degree 13 of exp at 0 (truncation below "
           "codegen.elementary.truncation_bounds()['exp'] relative, |r| <= 0.35)",
           r"e^x = 2^n e^{x - n\log 2},\quad e^r \approx \sum_{j=0}^{13} r^j / j!",
           _elementary(_vexp_pairs), ks=(2,)),
    _claim("cg.vlog", "J28",
           "the compiled backend's log: log m = log((1+s)/(1-s)) with s = (m-1)/(m+1), evaluated as "
           "f - (f^2/2 - s (f^2/2 + R)), f = m - 1; the printed R(z) is the series sum_{n<=10} 2 z^n/(2n+1), "
           "z = s^2 (truncation below truncation_bounds()['log'] relative, |s| <= 0.1716)",
           r"\log m = f - \left(\tfrac{f^2}{2} - s\left(\tfrac{f^2}{2} + R(s^2)\right)\right),\quad "
           r"R(z) \approx \sum_{n=1}^{10} \frac{2 z^n}{2n+1}",
           _elementary(_vlog_pairs), ks=(2,)),
    _claim("cg.dd_log", "J28",
           "the log of a per-row value (log tau, log sum_i e^{h_i}) is evaluated as e log 2 + log m with "
           "m = v 2^{-e}, for every integer e (the code takes m in [sqrt(1/2), sqrt(2)))",
           r"\log v = e \log 2 + \log(v\, 2^{-e})",
           _build(lambda s: [(sp.exp(e * sp.log(2) + sp.log(tau * sp.Integer(2) ** -e)), tau)
                             for e in (-3, 0, 1, 5)]),
           ks=(2,)),
    *[_claim(f"cg.grad_{name}", "J28",
             f"d log p / d {what} of (J28), derived by SymPy at general k (a category index a in 1..k; "
             f"s the softmax of w = x - tau log y), equals the derivative of (J28) at k = 2..8 for every a",
             latex, _build(lambda s, name=name: gradients.pairs(name, s, j28_logits(s), _at_log_y(s))),
             ks=gradients.KS)
      for name, what, latex in (
          ("logits", "x_a", r"\frac{\partial \log p}{\partial x_a} = 1 - k s_a"),
          ("tau", "tau", (r"\frac{\partial \log p}{\partial \tau} = \frac{k-1}{\tau} - \sum_m \log y_m"
                          r" + k \sum_m s_m \log y_m")),
          ("y", "y_a", r"\frac{\partial \log p}{\partial y_a} = \frac{k \tau s_a - \tau - 1}{y_a}"),
          ("log_y", "log y_a", r"\frac{\partial \log p}{\partial \log y_a} = k \tau s_a - \tau - 1"))],
    _claim("cg.kernel_gradients", "J28",
           "the gradients as the compiled kernels print them (from y and from log y), with the softmax s_a of "
           "w = x - tau log y taken about the pivot j (any x_j, log y_j), equal the derived gradients of (J28) "
           "(cg.grad_logits, cg.grad_y, cg.grad_log_y, cg.grad_tau) at k = 2..5 for every a",
           r"\frac{\partial \log p}{\partial \tau} = \frac{k-1}{\tau} + \sum_i (k s_i - 1)(\log y_i - \log y_j),"
           r"\ s_i = \frac{e^{(x_i - x_j) - \tau(\log y_i - \log y_j)}}{\sum_m e^{(x_m - x_j) - \tau(\log y_m - \log y_j)}}",
           _build(_grad_kernel_pairs)),
    _claim("cg.cse", "J28",
           "what the printed code computes (CSE output of both phases, the per-chunk reductions put back into "
           "their per-row combination) equals (J28), (8) and Jang et al. (1)",
           r"\text{cse}(\log p) = \log p",
           _build(_cse_pairs), ks=(2, 3)),
]
