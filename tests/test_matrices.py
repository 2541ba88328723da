"""Printed matrices with ellipses, diag(…), 11^T, I and determinants (checks.matrices)."""
import random
import re
from pathlib import Path

import pytest
import sympy as sp
from sympy.parsing.latex import parse_latex

from checks import matrices
from checks.matrices import MatrixUnreadable, has_matrix


def scalar_parser(k):
    """The caller's concretizer, in small: y_k -> y_3, y_{k-1} -> y_2, a free k -> 3, parse_latex,
    names without braces (y_{3} -> y_3)."""
    def index(m):
        return "_{" + ",".join(str(sp.sympify(p).subs("k", k)) for p in (m.group(1) or m.group(2)).split(",")) + "}"

    def parse(text):
        s = re.sub(r"_\{([0-9k+\-\s,]+)\}|_([0-9k])", index, text)
        e = parse_latex(re.sub(r"(?<![\\a-zA-Z])k(?![a-zA-Z])", f"({k})", s))
        return e.xreplace({x: sp.Symbol(x.name.replace("{", "").replace("}", "")) for x in e.free_symbols})
    return parse


def read(side, k, parse=None):
    return matrices.read(side, k, parse or scalar_parser(k))

ROW1 = r"\frac{1}{y_1}+\frac{1}{y_k} & \frac{1}{y_k} & \dots & \frac{1}{y_k}"
ROW2 = r"\frac{1}{y_k} & \frac{1}{y_2}+\frac{1}{y_k} & \dots & \frac{1}{y_k}"
VDOTS = r"\vdots & \vdots & \ddots & \vdots"
LAST = r"\frac{1}{y_k} & \frac{1}{y_k} & \dots & \frac{1}{y_{k-1}}+\frac{1}{y_k}"


def grid(*rows, env="pmatrix"):
    return rf"\begin{{{env}}} " + r" \\ ".join(rows) + rf" \end{{{env}}}"


JAC = grid(ROW1, ROW2, VDOTS, LAST)
DIAG_OUTER = (r"\tau\left(\mathrm{diag}(1/y_1,\dots,1/y_{k-1}) + "
              r"\frac{1}{y_k}\mathbf{1}\mathbf{1}^\top\right)")
TAU = sp.Symbol("tau")


def ys(k):
    return [sp.Symbol(f"y_{i}") for i in range(1, k + 1)]


def last_y(k):
    """y_k = 1 - sum_{j<k} y_j."""
    y = ys(k)
    return {y[-1]: 1 - sp.Add(*y[:-1])}


def jacobian(k):
    y = ys(k)[:-1]
    u = [TAU * (sp.log(yi) - sp.log(1 - sp.Add(*y))) for yi in y]
    return sp.Matrix(u).jacobian(y)


def at_point(k, seed=0):
    """A point inside the simplex and a tau (y_k follows from the others)."""
    rnd = random.Random(seed)
    w = [rnd.uniform(0.5, 2.0) for _ in range(k)]
    vals = {s: sp.Rational(round(1000 * x / sum(w)), 1000) for s, x in zip(ys(k)[:-1], w)}
    vals[TAU] = sp.Rational(7, 10)
    return vals


def value(expr, k, seed=0):
    return complex(sp.sympify(expr).subs(last_y(k)).subs(at_point(k, seed)).evalf(30))


def closed_form_det(k):
    y = ys(k)
    return TAU ** (k - 1) * sp.Add(*y) / sp.Mul(*y)


def same_matrix(a, b, k):
    return sp.simplify((a - b).subs(last_y(k))) == sp.zeros(k - 1, k - 1)


@pytest.mark.parametrize("k", [3, 4, 5])
def test_printed_jacobian_is_the_jacobian_over_tau(k):
    m = read(JAC, k, scalar_parser(k))
    assert m.shape == (k - 1, k - 1)
    assert same_matrix(m, jacobian(k) / TAU, k)


@pytest.mark.parametrize("k", [3, 4, 5])
@pytest.mark.parametrize("front", [r"\tau", r"\tau \times", r"\tau\cdot"])
def test_tau_in_front_is_the_jacobian(k, front):
    assert same_matrix(read(front + " " + JAC, k), jacobian(k), k)


@pytest.mark.parametrize("k", [3, 4, 5])
def test_determinant_closed_form(k):
    want = value(closed_form_det(k), k)
    assert abs(want - value(1 / sp.Mul(*ys(k)) * TAU ** (k - 1), k)) < 1e-20  # sum y = 1
    for side in (r"\det\left(\tau " + JAC + r"\right)",
                 r"\tau^{k-1} " + grid(ROW1, ROW2, VDOTS, LAST, env="vmatrix"),
                 r"\tau^{k-1}\left|" + grid(ROW1, ROW2, VDOTS, LAST, env="matrix") + r"\right|",
                 r"\det\left(" + DIAG_OUTER + r"\right)"):
        got = read(side, k)
        assert not isinstance(got, sp.MatrixBase)
        assert abs(value(got, k) - want) < 1e-20 * abs(want), side


@pytest.mark.parametrize("k", [3, 4, 5])
def test_determinant_equals_sympys(k):
    got = read(r"\det(\tau " + JAC + ")", k)
    assert abs(value(got, k, seed=3) - value(jacobian(k).det(), k, seed=3)) < 1e-18


@pytest.mark.parametrize("k", [3, 4, 5])
def test_wrong_printed_matrices_give_a_different_value(k):
    want = value(closed_form_det(k), k)
    no_tau = read(r"\det" + JAC, k)
    wrong_diag = grid(*(r.replace("}+\\frac{1}{y_k}", "}-\\frac{1}{y_k}", 1) for r in (ROW1, ROW2)), VDOTS,
                      LAST.replace("}+\\frac{1}{y_k}", "}-\\frac{1}{y_k}"))
    assert r"\frac{1}{y_{k-1}}-\frac{1}{y_k}" in wrong_diag
    minus = read(r"\det\left(\tau" + wrong_diag + r"\right)", k)
    for got in (no_tau, minus):
        assert abs(value(got, k) - want) > 1e-6 * abs(want)
    assert not same_matrix(read(wrong_diag, k), jacobian(k) / TAU, k)


@pytest.mark.parametrize("side, why", [
    (grid(ROW1, ROW2, VDOTS, LAST.replace("y_{k-1}", "y_{2}")), "not printed like|follows neither"),
    (grid(ROW1, ROW2.replace(r"\frac{1}{y_k} &", r"\frac{1}{y_1} &", 1), VDOTS, LAST), "follows neither"),
    (grid(ROW1, ROW2.replace(r"\frac{1}{y_2}+\frac{1}{y_k}", r"\frac{1}{y_k}+\frac{1}{y_2}"), VDOTS, LAST),
     "not printed like|follows neither"),
    (grid(ROW1, ROW2, VDOTS, LAST.replace("y_{k-1}", "y_k")), "follows neither"),
])
def test_inconsistent_printed_entries_are_refused(side, why):
    for k in (3, 4, 5):
        with pytest.raises(MatrixUnreadable, match=why):
            read(side, k)


@pytest.mark.parametrize("k", [3, 4, 5])
@pytest.mark.parametrize("side", [
    DIAG_OUTER,
    r"\tau\left(\operatorname{diag}(\frac{1}{y_1},\dots,\frac{1}{y_{k-1}})+\frac{1}{y_k}\mathbf{e}\mathbf{e}^T\right)",
    (r"\tau \mathrm{diag}\left(\frac{1}{y_1}, \frac{1}{y_2}, \ldots, \frac{1}{y_{k-1}}\right) + "
     r"\frac{\tau}{y_k} \mathbf{1}_{k-1}\mathbf{1}_{k-1}^{\top}"),
    r"\tau\,\mathrm{diag}(1/y_i) + \frac{\tau}{y_k}\mathbf{1}\mathbf{1}^{T}",
    r"\tau \left[" + grid(ROW1, ROW2, VDOTS, LAST, env="array").replace("{array}", "{array}{cccc}", 1) + r"\right]",
    r"\tau" + grid(ROW1, ROW2, VDOTS, LAST, env="bmatrix"),
    r"\tau" + grid(r"\frac{1}{y_1} & \cdots & 0", r"\vdots & \ddots & \vdots", r"0 & \cdots & \frac{1}{y_{k-1}}")
    + r" + \frac{\tau}{y_k} \begin{pmatrix} 1 & \cdots & 1 \\ \vdots & \ddots & \vdots \\ 1 & \cdots & 1\end{pmatrix}",
    r"\tau" + grid(r"\frac{\delta_{ij}}{y_i}+\frac{1}{y_k} & \dots & \frac{\delta_{ij}}{y_i}+\frac{1}{y_k}",
                   r"\vdots & \ddots & \vdots",
                   r"\frac{\delta_{ij}}{y_i}+\frac{1}{y_k} & \dots & \frac{\delta_{ij}}{y_i}+\frac{1}{y_k}"),
])
def test_other_notations_equal_the_pmatrix(k, side):
    assert same_matrix(read(side, k), read(r"\tau" + JAC, k), k)


@pytest.mark.parametrize("k", [3, 4, 5])
def test_identity_and_general_entries(k):
    n = k - 1
    ident = read(r"I_{k-1} + \mathbf{1}\mathbf{1}^\top", k)
    assert ident == sp.eye(n) + sp.ones(n, n)
    assert read(r"2 I", k) == 2 * sp.eye(n)
    general = grid(r"a_{11} & a_{12} & \cdots & a_{1,k-1}", r"a_{21} & a_{22} & \cdots & a_{2,k-1}",
                   r"\vdots & \vdots & \ddots & \vdots", r"a_{k-1,1} & a_{k-1,2} & \cdots & a_{k-1,k-1}")
    m = read(general, k)
    assert m == sp.Matrix(n, n, lambda r, c: sp.Symbol(f"a_{r + 1}{c + 1}"))
    lower = grid(r"1 & 0 & \cdots & 0", r"x_2 & 1 & \cdots & 0", r"\vdots & \vdots & \ddots & \vdots",
                 r"x_{k-1} & x_{k-1} & \cdots & 1")
    assert read(lower, k) == sp.Matrix(n, n, lambda r, c: 1 if r == c else 0 if c > r else sp.Symbol(f"x_{r + 1}"))


def test_an_explicit_matrix_must_have_size_k_minus_1():
    side = r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}"
    assert read(side, 3) == sp.Matrix([[sp.Symbol("a"), sp.Symbol("b")], [sp.Symbol("c"), sp.Symbol("d")]])
    with pytest.raises(MatrixUnreadable, match="2x2"):
        read(side, 4)


@pytest.mark.parametrize("side, why", [
    (r"\det A", "not matrix notation"),
    (r"\det J + " + JAC, "not matrix notation"),
    (JAC + r"^{-1}", "power"),
    (JAC + r"^\top", "transpose"),
    (r"1 + " + JAC, "scalar added"),
    (r"\begin{pmatrix} a & \dots \\ \vdots & \ddots \end{pmatrix}", "opens or closes"),
    (r"\begin{pmatrix} a_1 & 0 \\ \vdots & \vdots \\ 0 & b \end{pmatrix} \begin{pmatrix} x \end{pmatrix}",
     "not printed like|follows neither|Shape|x1"),
    (r"\mathrm{diag}(\mathbf{y})", "one entry|outside"),
    (r"\begin{pmatrix} \begin{pmatrix} a \end{pmatrix} \end{pmatrix}", "block"),
    (r"\begin{cases} a & b \end{cases}", "not a matrix"),
    (r"\left\| " + JAC + r"\right\|", "norm"),
    (r"\frac{1}{2}\mathbf{1}", "outside what is read"),
    (r"\begin{pmatrix} a_1 & \dots & a_2 \\ \vdots & \ddots & \vdots \\ a_1 & \dots & a_{k-1}\end{pmatrix}",
     "follows neither|ambiguous"),
])
def test_unreadable_sides_are_refused(side, why):
    with pytest.raises(MatrixUnreadable, match=why):
        read(side, 4)


def test_an_index_equal_along_a_row_follows_the_row():
    # a_1 … a_1 in row 1, a_{k-1} … a_{k-1} in row k-1: the index is the row, not a fixed value
    side = grid(r"a_{1} & \dots & a_{1}", r"\vdots & \ddots & \vdots", r"a_{k-1} & \dots & a_{k-1}")
    assert read(side, 4) == sp.Matrix(3, 3, lambda r, c: sp.Symbol(f"a_{r + 1}"))


def test_has_matrix():
    assert has_matrix(JAC) and has_matrix(DIAG_OUTER) and has_matrix(r"I_{k-1}")
    assert has_matrix(r"\mathbf{e}\mathbf{e}^T") and has_matrix(r"\left[\begin{array}{cc} a & b \end{array}\right]")
    assert not has_matrix(r"\det\left(\frac{\partial(h_1^{-1}, \dots)}{\partial(y_1, \dots, y_{k-1})}\right)")
    assert not has_matrix(r"\tau^{k-1} \prod_{i=1}^{k} y_i^{-1}")
    assert not has_matrix(r"I + 1")


def test_the_callers_parser_is_used_and_its_errors_become_unreadable():
    seen = []

    def parse(text):
        seen.append(text)
        return sp.Symbol(f"s{len(seen)}")
    read(JAC, 3, parse)
    assert r"\frac{1}{y_{1}}+\frac{1}{y_{3}}" in seen and r"\frac{1}{y_{3}}" in seen

    def broken(text):
        raise RuntimeError("no")
    with pytest.raises(MatrixUnreadable, match="could not be parsed"):
        read(JAC, 3, broken)


def test_module_size_and_imports():
    text = Path(matrices.__file__).read_text()
    assert len(text.splitlines()) <= 400
    assert "getattr(" not in text and "importlib" not in text
