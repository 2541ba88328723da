"""The lemma the symbolic-k proofs of the logarithmic claims cite: the log of a product.

    log prod_{i=a}^{b} f_i = sum_{i=a}^{b} log f_i          (every f_i > 0)
    log(c_1 c_2 ... c_n) = log c_1 + ... + log c_n,  log(c^r) = r log c   (c, c_i > 0, r real)

The engine's structural rules (``checks.structural``) know sums and products of symbolic size but
not the logarithm of a product; this is that rule, written with the engine's own machinery: a
``checks.structural.Rule`` whose every application is checked, like the engine's rules, by
instantiating the node before and after for sizes 1..6 and comparing with mpmath
(``checks.structural.checked_rewrite``).  It applies only where SymPy can prove every factor
positive (``is_positive``): otherwise the node is left as it is and the proof fails.
"""
from __future__ import annotations

import sympy as sp

from checks import structural as st

NAME = "log of a product of positive factors is the sum of their logs (log prod f_i = sum log f_i, f_i > 0)"
#: how a claim resting on it names it
LEMMA = NAME + " (each application checked for sizes 1..6, as the engine's structural rules are)"


def _positive_dummies(expr: sp.Basic) -> dict:
    """Sums and products of positive terms (nonempty ranges: k >= 2) as positive dummies."""
    return {a: sp.Dummy("P", positive=True) for a in expr.atoms(sp.Sum, sp.Product) if a.function.is_positive}


def _log_node(node):
    if not isinstance(node, sp.log):
        return None
    arg = node.args[0]
    table = _positive_dummies(arg)
    flat = arg.xreplace(table)
    if not (flat.is_positive and all(f.is_positive for f in sp.Mul.make_args(flat))):
        return None
    out = sp.expand_log(sp.log(flat), force=False).xreplace({d: a for a, d in table.items()})

    def one(term):
        inner = term.args[0]
        if isinstance(inner, sp.Product) and len(inner.limits) == 1 and inner.function.is_positive:
            return sp.Sum(sp.log(inner.function), inner.limits[0])
        return term
    out = out.replace(lambda a: isinstance(a, sp.log) and isinstance(a.args[0], sp.Product), one)
    return out if out != node else None


LOG_PRODUCT = st.Rule("log_product", "log prod f_i = sum log f_i and log(a b) = log a + log b for positive "
                                     "factors", _log_node)


def log_products(expr: sp.Basic, used: list) -> sp.Basic:
    """Every log of a product of positive factors written as a sum of logs (a ``Form.lemma``)."""
    return st.normalise(expr, rules=(LOG_PRODUCT,), used=used)


def record() -> dict:
    """The lemma as the report lists it."""
    return {"lemma": NAME, "proof": "not proved for symbolic size: every application is checked for sizes "
            "1..6 (mpmath, random positive points), as the engine's structural rules are",
            "steps": {"rule": LOG_PRODUCT.statement}, "cited": ["log(ab) = log a + log b for a, b > 0"]}
