"""Vectorisable float64 log and exp for the compiled backend: their polynomials, printed from SymPy
series, and the bounds of their truncation errors, computed in exact rational arithmetic.

numba's LLVM has no vector math library here, so a call to libm's scalar ``log`` / ``exp`` would keep a
loop out of the SIMD lanes.  The compiled backend prints its own, from branch-free float64 arithmetic:

* ``exp(x) = 2^n exp(r)``, ``n = round(x / log 2)``, ``r = x - n log 2`` (Cody and Waite's two-part
  log 2, so that ``n log2_hi`` is exact), ``|r| <= R_EXP``; ``exp(r)`` is the Taylor polynomial of
  degree ``EXP_DEGREE`` at 0 (Horner), and ``2^n`` is built from its bits in two halves (subnormal
  results round once).
* ``log(x) = e log 2 + log m``, ``m`` in ``[sqrt(1/2), sqrt(2))``, ``f = m - 1``, ``s = f / (2 + f)``:
  ``log m = 2 atanh(s) = f - (f^2/2 - s (f^2/2 + R(s^2)))`` (fdlibm's arrangement: f is exact, the
  correction small), ``R(z) = sum_{n=1}^{LOG_TERMS} 2 z^n / (2n + 1)`` the Taylor series of
  ``2 atanh(s)/s - 2`` in ``z = s^2``, ``|s| <= S_LOG``.

The identities above are claims of the verifier (``cg.vexp``, ``cg.vlog`` in ``codegen.claims``);
:func:`truncation_bounds` bounds the truncation errors with exact rationals (Lagrange's remainder for
exp, the geometric tail for log), and ``tests/test_backend_numba.py`` measures the whole functions
against mpmath over the float64 range.
"""
from __future__ import annotations

import sympy as sp

r, s, z = sp.symbols("r s z", real=True)

#: degree of the Taylor polynomial of exp(r)
EXP_DEGREE = 13
#: terms of R(z) = sum_{n=1}^{LOG_TERMS} 2 z^n / (2n + 1)
LOG_TERMS = 10
#: |r| after the reduction: log(2) / 2 = 0.34657..., and a margin for the rounded n and x / log 2
R_EXP = sp.Rational(35, 100)
#: |s| for m in [sqrt(1/2), sqrt(2)]: (sqrt(2) - 1) / (sqrt(2) + 1) = 0.171572...
S_LOG = sp.Rational(1716, 10000)


def exp_polynomial() -> sp.Poly:
    """The Taylor polynomial of exp at 0, degree EXP_DEGREE (SymPy's series)."""
    return sp.Poly(sp.series(sp.exp(r), r, 0, EXP_DEGREE + 1).removeO(), r)


def log_polynomial() -> sp.Poly:
    """R(z): the Taylor series of 2 atanh(s) / s - 2 in z = s^2, LOG_TERMS terms (SymPy's series)."""
    series = sp.series(2 * sp.atanh(s) / s - 2, s, 0, 2 * LOG_TERMS + 1).removeO()
    return sp.Poly(sp.expand(series).subs(s ** 2, z).subs(s, sp.sqrt(z)), z)


def truncation_bounds() -> dict[str, sp.Rational]:
    """Upper bounds (exact rationals) of the relative truncation errors on the reduced ranges.

    exp: Lagrange's remainder |exp(r) - P(r)| <= e^R R^(d+1) / (d+1)!, relative to exp(r) >= e^-R:
    e^(2R) R^(d+1) / (d+1)!, with e^(2R) bounded above by its series' partial sum plus a geometric tail.
    log: 2 atanh(s) - 2s - s R(z) = sum_{n > N} 2 s^(2n+1) / (2n+1) <= 2 |s| z^(N+1) / ((2N+3)(1 - z)),
    relative to |2 atanh(s)| >= 2|s|: z^(N+1) / ((2N+3)(1 - z)), z = S_LOG^2.
    """
    d = EXP_DEGREE
    two_r = 2 * R_EXP  # e^x <= sum_{j<=20} x^j/j! + x^21/21! * 2 for 0 <= x <= 1
    e2r = sum(two_r ** j / sp.factorial(j) for j in range(21)) + 2 * two_r ** 21 / sp.factorial(21)
    exp_bound = e2r * R_EXP ** (d + 1) / sp.factorial(d + 1)
    n, zmax = LOG_TERMS, S_LOG ** 2
    log_bound = zmax ** (n + 1) / ((2 * n + 3) * (1 - zmax))
    return {"exp": exp_bound, "log": log_bound}


def _horner(coeffs: list, var: str) -> str:
    """c0 + v (c1 + v (c2 + ...)) by fused multiply-adds (one rounding a step), with the float64 values of
    the coefficients, lowest first."""
    code = repr(float(coeffs[-1]))
    for c in reversed(coeffs[:-1]):
        code = f"_fma({var}, {code}, {float(c)!r})"
    return code


def printed() -> str:
    """The numba module's polynomial functions, printed from :func:`exp_polynomial` and
    :func:`log_polynomial`, and the bounds of :func:`truncation_bounds` (as comments)."""
    pe = list(reversed(exp_polynomial().all_coeffs()))
    pl = list(reversed(log_polynomial().all_coeffs()))
    if pl[0] != 0:
        raise ValueError("R(z) has no constant term")
    bounds = truncation_bounds()
    return (
        f"# Printed by codegen/elementary.py from SymPy's series: truncation errors (relative) below\n"
        f"# {float(bounds['exp']):.3g} (exp, |r| <= {float(R_EXP)}) and {float(bounds['log']):.3g} (log, |s| <= "
        f"{float(S_LOG)}).\n"
        "@numba.njit(inline='always')\n"
        "def _exp_polynomial(r):\n"
        f"    return {_horner(pe, 'r')}\n\n\n"
        "@numba.njit(inline='always')\n"
        "def _log_polynomial(z):\n"
        f"    return z * {_horner(pl[1:], 'z')}\n"
    )
