"""A factored normal form for products of powers of exp-polynomials.

Every ``exp(c_1 m_1 + c_2 m_2 + ...)`` (rational c_j, monomials m_j) becomes
``E_1^{c_1} E_2^{c_2} ...`` with positive placeholders ``E_j = exp(m_j)``, so an
exp-polynomial becomes a rational function.  A side is then a product of powers
of irreducible polynomials, kept as ``{base: exponent}`` without expanding any
power: (1 + e^{-x} S)^{-8} and e^{8x} (e^x + S)^{-8} get the same form cheaply.

Splitting ``(n/d)^c`` into ``n^c d^{-c}`` needs n, d > 0 when c is not an
integer; the form is only built when SymPy can show that.
"""
from __future__ import annotations

from collections import defaultdict

import sympy as sp


class NotFactorable(Exception):
    """The expression is not a product of powers this form can represent."""


def _exp_to_placeholders(expr: sp.Expr, table: dict) -> sp.Expr:
    def repl(e):
        arg = sp.expand(e.args[0])
        out = sp.Integer(1)
        for term in sp.Add.make_args(arg):
            logs = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.log)]
            if len(logs) == 1:  # e^{c log b} = b^c (b > 0, as log b is real)
                out *= logs[0].args[0] ** (term / logs[0])
                continue
            coeff, mono = term.as_coeff_Mul()
            if not coeff.is_Rational:
                raise NotFactorable(f"non-rational coefficient in exp: {term}")
            if mono not in table:
                table[mono] = sp.Dummy(f"E{len(table)}", positive=True)
            out *= table[mono] ** coeff if mono != 1 else sp.exp(coeff)
        return out
    return expr.replace(lambda e: isinstance(e, sp.exp), repl)


def _add_factors(poly_expr: sp.Expr, exponent: sp.Expr, acc: dict) -> None:
    rest = sp.Integer(1)
    for factor in sp.Mul.make_args(sp.sympify(poly_expr)):
        base, e = factor.as_base_exp()
        if base.is_Symbol or base.is_number:  # monomial factors need no factoring
            acc[base] += exponent * e
        else:
            rest *= factor
    if rest == 1:
        return
    coeff, factors = sp.factor_list(rest)
    if coeff != 1:
        acc[sp.Integer(coeff)] += exponent
    for base, mult in factors:
        if not exponent.is_integer and not base.is_positive:
            raise NotFactorable(f"cannot split a non-integer power over the factor {base}")
        if base.is_Pow and base.base.is_positive:  # (b^e)^m -> {b: e m}
            acc[base.base] += exponent * mult * base.exp
        else:
            acc[base] += exponent * mult


def factored_form(expr: sp.Expr, table: dict) -> dict:
    """``{base: exponent}`` with irreducible polynomial bases (and numeric constants)."""
    acc: dict = defaultdict(lambda: sp.Integer(0))
    expr = _exp_to_placeholders(sp.sympify(expr), table)
    for factor in sp.Mul.make_args(expr):
        base, exponent = factor.as_base_exp()
        if isinstance(base, sp.gamma) or base.is_Symbol and not exponent.is_integer and not base.is_positive:
            acc[base] += exponent
            continue
        num, den = sp.fraction(sp.together(base))
        if not exponent.is_integer and not (num.is_positive and den.is_positive):
            raise NotFactorable(f"cannot split a non-integer power of {base}")
        if num.has(sp.exp, sp.log, sp.gamma) or den.has(sp.exp, sp.log, sp.gamma):
            raise NotFactorable(f"non-polynomial base {base}")
        _add_factors(num, exponent, acc)
        _add_factors(den, -exponent, acc)
    return acc


def _constant_part(form: dict) -> tuple[sp.Expr, dict]:
    const = sp.Integer(1)
    rest = {}
    for base, e in form.items():
        if base.is_number:
            const *= base ** e
        else:
            rest[base] = e
    return const, rest


def equal_factored(lhs: sp.Expr, rhs: sp.Expr) -> bool:
    """True when both sides have the same factored form; False when not shown (never a disproof)."""
    table: dict = {}
    try:
        left, right = factored_form(lhs, table), factored_form(rhs, table)
    except (NotFactorable, sp.PolynomialError, sp.polys.polyerrors.PolificationFailed, TypeError, ValueError):
        return False
    (cl, left), (cr, right) = _constant_part(left), _constant_part(right)
    if sp.simplify(cl - cr) != 0:
        return False
    keys = set(left) | set(right)
    return all(sp.expand(left.get(b, 0) - right.get(b, 0)) == 0 for b in keys)
