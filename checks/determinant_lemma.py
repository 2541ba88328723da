"""The matrix determinant lemma for a diagonal D of symbolic size n:

    det(D + c 11^T) = det(D) (1 + c sum_{i=1}^n 1/d_i),   D = diag(d_1..d_n), d_i != 0.

SymPy has no rule for determinants of symbolic size, so the lemma is proved here by an
explicit elimination valid for every n >= 1 (M_ij = d_i delta_ij + c):

  1. R_i <- R_i - R_n (i < n):      M'_ij = d_i delta_ij - d_n delta_nj
  2. C_n <- C_n + sum_{j<n} (d_n/d_j) C_j:
        row i < n, column n:  -d_n + sum_{j<n} (d_n/d_j) d_i delta_ij = 0
        row n, column n:      d_n + c + c d_n sum_{j<n} 1/d_j
  3. rows i < n are now d_i e_i: the matrix is lower triangular, so
        det = prod_{i<n} d_i * (d_n + c + c d_n sum_{j<n} 1/d_j)
  4. which is prod_{i<=n} d_i (1 + c sum_{i<=n} 1/d_i)  (split the last factor / term).

Each entry formula of steps 1, 2 and the algebra of step 4 is checked symbolically for
symbolic n (and, as every structural rewrite, for sizes 1..6).  Two textbook facts are
cited, not proved: adding a multiple of a row (column) to another leaves the determinant
unchanged, and the determinant of a triangular matrix is the product of its diagonal.
The lemma is further checked concretely for n = 1..12 (exact rationals; symbolic for n <= 5).
"""
from __future__ import annotations

import random
from functools import lru_cache

import sympy as sp

from . import structural as st
from .canonical import prove_equal

N = st.K                     # the size: any positive integer symbol
d = sp.IndexedBase("d", nonzero=True, real=True)
c = sp.Symbol("c", real=True)
i, j = sp.symbols("i j", integer=True, positive=True)

NAME = "matrix determinant lemma det(D + c 11^T) = det(D)(1 + c sum 1/d_i)"
CITED = ("adding a multiple of a row/column to another leaves det unchanged",
         "det of a triangular matrix is the product of its diagonal")


def entry(a, b):
    return d[a] * sp.KroneckerDelta(a, b) + c


def lemma_rhs(dd=d, cc=c, n=N, idx=i) -> sp.Expr:
    return sp.Product(dd[idx], (idx, 1, n)) * (1 + cc * sp.Sum(1 / dd[idx], (idx, 1, n)))


def _zero(expr) -> bool:
    return sp.expand(expr) == 0


@lru_cache(maxsize=1)
def elimination_proof() -> dict:
    """Steps 1-4 above for symbolic n; returns {step: method}; raises AssertionError on failure."""
    steps = {}
    n = N
    # step 1, i < n: delta_in = 0
    row = (entry(i, j) - entry(n, j))
    target = d[i] * sp.KroneckerDelta(i, j) - d[n] * sp.KroneckerDelta(n, j)
    assert _zero(row - target), "step 1"
    steps["1: R_i - R_n"] = "entrywise, expand"
    # step 2, column n of row i < n: delta_in = 0, delta_nn = 1, delta_nj = 0 for j < n
    jj = sp.Symbol("j_", integer=True, positive=True)
    col_i = (d[i] * 0 - d[n] * 1) + sp.Sum((d[n] / d[jj]) * (d[i] * sp.KroneckerDelta(i, jj) - 0), (jj, 1, n - 1))
    col_i = st.normalise(col_i, ranges={i: n - 1})   # i < n
    assert _zero(col_i), f"step 2 (row i < n): {col_i}"
    steps["2: column n, rows i < n vanish"] = "constant_factor + sum_delta (checked for sizes 1..6)"
    # step 2, entry (n, n)
    col_n = (d[n] + c) + sp.Sum((d[n] / d[jj]) * c, (jj, 1, n - 1))
    corner = d[n] + c + c * d[n] * sp.Sum(1 / d[jj], (jj, 1, n - 1))
    both, _ = st.canonical_atoms(sp.Tuple(st.normalise(col_n), st.normalise(corner)))
    assert _zero(both[0] - both[1]), "step 2 (corner)"
    steps["2: corner entry"] = "constant_factor (checked for sizes 1..6)"
    # step 3 (cited facts) and step 4
    det3 = sp.Product(d[i], (i, 1, n - 1)) * corner
    pair, _ = st.canonical_atoms(sp.Tuple(st.normalise(det3), st.normalise(lemma_rhs())))
    ok, how = prove_equal(pair[0], pair[1])
    assert ok, "step 4"
    steps["4: triangular determinant = lemma's right side"] = f"split_last, constant_factor; {how}"
    return steps


def concrete_check(n: int, symbolic: bool | None = None, seed: int = 0) -> bool:
    """det(D + c 11^T) == det(D)(1 + c sum 1/d_i) for size n: symbolic entries (n <= 5) or exact rationals."""
    symbolic = n <= 5 if symbolic is None else symbolic
    if symbolic:
        ds = sp.symbols(f"d1:{n + 1}", nonzero=True)
        cc = c
    else:
        rnd = random.Random(seed + n)
        ds = [sp.Rational(rnd.randint(1, 97), rnd.randint(1, 13)) * rnd.choice((1, -1)) for _ in range(n)]
        cc = sp.Rational(rnd.randint(1, 50), rnd.randint(1, 7))
    m = sp.diag(*ds) + cc * sp.ones(n, n)
    lhs = m.det(method="bareiss")
    rhs = sp.Mul(*ds) * (1 + cc * sp.Add(*[1 / x for x in ds]))
    return sp.cancel(lhs - rhs) == 0


@lru_cache(maxsize=1)
def concrete_checks(upto: int = 12) -> dict:
    return {n: concrete_check(n) for n in range(1, upto + 1)}


def record() -> dict:
    """The lemma as a report lists it: statement, proof steps, cited facts, concrete checks."""
    return {"lemma": NAME, "proof": "elimination valid for every n", "steps": elimination_proof(),
            "cited": list(CITED), "concrete": {str(n): ok for n, ok in concrete_checks().items()}}


def split_entry(expr: sp.Expr, a: sp.Symbol, b: sp.Symbol):
    """``expr`` (entry (a, b), 1-based) as d(a) delta_ab + c with c free of a, b; None otherwise."""
    delta = sp.KroneckerDelta(a, b)
    e = sp.expand(expr)
    cc = sp.sympify(e.xreplace({delta: 0}))
    dd = sp.expand(e - cc)
    dd = sp.cancel(dd / delta)
    if dd.has(delta) or dd.has(b) or cc.has(a) or cc.has(b) or dd == 0:
        return None
    return dd, cc


def apply(entry_expr: sp.Expr, a: sp.Symbol, b: sp.Symbol, size: sp.Expr) -> sp.Expr | None:
    """det of the size x size matrix with entries ``entry_expr`` (1-based a, b), by the lemma."""
    parts = split_entry(entry_expr, a, b)
    if parts is None:
        return None
    dd, cc = parts
    elimination_proof()
    m = sp.Symbol("m", integer=True, positive=True)
    dm = dd.xreplace({a: m})
    return sp.Product(dm, (m, 1, size)) * (1 + cc * sp.Sum(1 / dm, (m, 1, size)))


#: how a claim resting on the lemma names it
LEMMA = NAME + " (proved by elimination for every n; concrete n = 1..12)"


def rewrite_determinants(expr: sp.Basic, used: list) -> sp.Basic:
    """Every det of a symbolic-size matrix diag(d) + c 11^T (a ``FunctionMatrix``) replaced by the
    lemma's right side; ``RuleFailed`` for a matrix not of that form."""
    def rewrite(det):
        fm = det.arg
        r, c = fm.lamda.variables
        a, b = sp.symbols("a b", integer=True, positive=True)
        entry_expr = fm.lamda.expr.xreplace({r: a - 1, c: b - 1})
        out = apply(entry_expr, a, b, fm.shape[0])
        if out is None:
            raise st.RuleFailed("the matrix is not of the form diag(d) + c 11^T")
        used.append("determinant lemma")
        return out
    return expr.replace(lambda e: isinstance(e, sp.Determinant) and isinstance(e.arg, sp.FunctionMatrix), rewrite)
