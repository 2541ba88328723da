"""Reading printed LaTeX sides (checks.latex): the whole side or Unparseable, symbols before parentheses
as products, every normalization named and purely notational, qualifiers split off, nothing leaked."""
import random
import warnings

import mpmath
import pytest
import sympy as sp

from checks import latex
from checks.latex import Unparseable, expand_ranges, is_opaque, normalize, parse, split_qualifier
from checks.latex_tokens import read

S = sp.Symbol
tau, a, b, x, y, z, k = (S(n) for n in ("tau", "a", "b", "x", "y", "z", "k"))
y_i, y_k, x_k, pi_i = S("y_{i}"), S("y_{k}"), S("x_{k}"), S("pi_{i}")


def same(e1, e2, seed=0) -> bool:
    """Equal as formulas: structurally, or numerically at random points (k, n integers)."""
    e1, e2 = sp.sympify(e1), sp.sympify(e2)
    if e1 == e2 or sp.simplify(e1 - e2) == 0:
        return True
    rng = random.Random(seed)
    for _ in range(2):
        vals = {s: (rng.randint(2, 4) if s.name in ("k", "n") else sp.Rational(rng.randint(11, 29), 10))
                for s in (e1.free_symbols | e2.free_symbols)}
        v1, v2 = (complex(sp.N(e.subs(vals).doit(), 20)) for e in (e1, e2))
        if abs(v1 - v2) > 1e-9 * max(1.0, abs(v1), abs(v2)):
            return False
    return True


# ---- 1. the whole side, or Unparseable naming where reading stopped ---------------------------

def test_sympy_alone_returns_a_prefix():
    """The hazard the strict reading guards against: SymPy's grammar has no end-of-input rule."""
    from sympy.parsing.latex import parse_latex
    assert parse_latex(r"a + b ] c") == a + b
    assert parse_latex(r"\tau \times \frac{1}{y_k} + (5") == tau / y_k


@pytest.mark.parametrize("side", [
    r"\tau \times \frac{1}{y_k} + (5",
    r"\tau \frac{1}{y_k} ) + 3",
    r"a + b ] c",
    r"a + b & c",
    r"a & = b",
    r"a + b \\ c",
    r"a + b \\",
    r"dg_k",                       # a differential with a subscript: the grammar stops after dg
    r"a , b",
    r"\frac{1}{2",
    r"x^{2} }",
    r"\left( a + b",
    r"",
    r"   ",
])
def test_the_whole_side_or_unparseable(side):
    with pytest.raises(Unparseable) as info:
        parse(side)
    reason = str(info.value)
    assert "\n" not in reason and reason


@pytest.mark.parametrize("text, token", [
    (r"a + b ] c", "]"), (r"\tau \frac{1}{y_k} ) + 3", ")"), (r"a , b", ","), (r"dg_k", "_"), (r"x ) ( y", ")"),
])
def test_the_strict_reading_stops_at_the_token(text, token):
    """``read`` itself (no bracket pre-check) refuses a prefix and names the token and its position."""
    with pytest.raises(Unparseable) as info:
        read(text)
    reason = str(info.value)
    assert f"'{token}'" in reason and f"character {text.index(token)}" in reason


def test_unbalanced_sides_name_the_position():
    with pytest.raises(Unparseable, match=r"unbalanced '\(' \(never closed\) at character 28"):
        parse(r"\tau \times \frac{1}{y_k} + (5")
    with pytest.raises(Unparseable, match=r"unbalanced '\)' \(closes nothing\) at character 19"):
        parse(r"\tau \frac{1}{y_k} ) + 3")
    with pytest.raises(Unparseable, match=r"unbalanced '\]'"):
        parse(r"a + b ] c")


@pytest.mark.parametrize("side", [r"\mathrm{KL}(q)", r"\text{for } i", r"\foo + 1", r"\partial x",
                                  r"\det(A)", r"x^\top y", r"x^T y", r"x^{T} y", r"x^{\mathsf{T}} y",
                                  r"x^{\top}", r"\mathbf{y}^\top \mathbf{y}", r"u_{1:k-1}", r"u_1, \dots, u_k"])
def test_commands_that_are_not_symbols_are_refused(side):
    """An unknown command is never read as a symbol named after it (\\mathrm{KL} is not m·a·t·h·r·m·K·L),
    a transpose never as a power, an elided list never as a formula."""
    with pytest.raises(Unparseable):
        parse(side)


def test_valid_sides_still_parse():
    assert same(parse(r"u_i - x_i + (x_k + g_k)")[0], S("u_{i}") - S("x_{i}") + x_k + S("g_{k}"))
    assert same(parse(r"\log y_k + u_i/\tau")[0], sp.log(y_k) + S("u_{i}") / tau)
    assert parse(r"\frac{\partial f}{\partial x}")[0] == sp.Derivative(S("f"), x)


# ---- 2. a symbol before a parenthesis is a factor unless declared a function -------------------

@pytest.mark.parametrize("side, expected", [
    (r"\tau \left( \frac{1}{y_i} + \frac{1}{y_k} \right)", tau * (1 / y_i + 1 / y_k)),
    (r"\tau (a+b)", tau * (a + b)),
    (r"\pi_i (a)", pi_i * a),
    (r"x_k(1+y)", x_k * (1 + y)),
    (r"\tau_{k-1}(a)", S("tau_{k - 1}") * a),
    (r"\tau\bigl(a+b\bigr)", tau * (a + b)),
    (r"2 \lambda (x + 1)", 2 * S("lambda") * (x + 1)),
    (r"v(1 + e^{-x_k})", S("v") * (1 + sp.exp(-x_k))),
    (r"\sum_{j=1}^{k} (y_j)", sp.Sum(S("y_{j}"), (S("j"), 1, k))),
    (r"e^{x}(1+y)", sp.exp(x) * (1 + y)),
])
def test_a_symbol_before_a_parenthesis_is_a_product(side, expected):
    expr, _ = parse(side)
    assert not expr.atoms(sp.core.function.AppliedUndef)
    assert same(expr, expected), (side, expr)


def test_declared_functions_stay_calls():
    f, h = sp.Function("f"), sp.Function("h_{i}")
    assert same(parse(r"f(x) + 1", functions=frozenset({"f"}))[0], f(x) + 1)
    assert parse(r"f(x)")[0] == S("f") * x
    assert parse(r"h_i(x)")[0] == h(x)                      # p and h are the note's functions (CALLS)
    assert parse(r"\tau(x)", functions=frozenset({"tau"}))[0] == sp.Function("tau")(x)
    assert parse(r"\Gamma(z)")[0] == sp.gamma(z)
    assert same(parse(r"\exp(x) \log(y)")[0], sp.exp(x) * sp.log(y))


# ---- 3. explicit normalizations: each fires, is named, and reads as the plain form -------------

@pytest.mark.parametrize("side, plain, rule", [
    (r"\int_0^\infty \mathrm{d}v\, e^{-v}", r"\int_0^\infty dv e^{-v}", "differential-roman"),
    (r"\int_0^\infty \mathrm{d}v\, v e^{-v}", r"\int_0^\infty v e^{-v} dv", "differential-roman"),
    (r"\int_{-\infty}^{\infty} \mathrm{d} g_k\, e^{-g_k - e^{-g_k}}", r"\int_{-\infty}^{\infty} dg_k e^{-g_k - e^{-g_k}}",
     "differential-roman"),
    (r"\int_0^1 x^2 \operatorname{d}x", r"\int_0^1 x^2 dx", "differential-roman"),
    (r"\int_0^1 x^2 \text{d}x", r"\int_0^1 x^2 dx", "differential-roman"),
    (r"\int_0^1 x^2 {\rm d}x", r"\int_0^1 x^2 dx", "differential-roman"),
    (r"\mathrm{d}v", r"dv", "differential-roman"),
    (r"a \, b \; c \! x \: y", r"a b c x y", "spacing"),
    (r"a \quad b \qquad c", r"a b c", "spacing"),
    (r"a \ b ~ c", r"a b c", "spacing"),
    (r"\left( a + b \right) c", r"(a + b) c", "delimiters"),
    (r"\bigl( a + b \bigr) c", r"(a + b) c", "delimiters"),
    (r"\Bigl( a + b \Bigr) c", r"(a + b) c", "delimiters"),
    (r"\big( a + b \big) c", r"(a + b) c", "delimiters"),
    (r"\Big[ a + b \Big] c", r"[a + b] c", "delimiters"),
    (r"\bigg( a \biggr) + \Bigg( b \Bigg)", r"(a) + (b)", "delimiters"),
    (r"\left| a - b \right|", r"|a - b|", "delimiters"),
    (r"\displaystyle \frac{a}{b}", r"\frac{a}{b}", "style"),
    (r"\textstyle \frac{a}{b}", r"\frac{a}{b}", "style"),
    (r"a \times b", r"a b", "times"),
    (r"a \cdot b", r"a b", "times"),
    (r"\exp(x) + \ln y + \log z", r"e^{x} + \ln(y) + \ln(z)", "exp-log"),
    (r"\mathrm{e}^{x}", r"e^{x}", "euler-roman"),
    (r"\operatorname{exp}(x)", r"\exp(x)", "operatorname"),
    (r"\operatorname{log} x", r"\log x", "operatorname"),
    (r"\dfrac{a}{b} + \tfrac{1}{2}", r"\frac{a}{b} + \frac{1}{2}", "frac-style"),
    (r"e^{-x}", r"\exp(-x)", "e-as-exp"),
    (r"\Gamma(z)", r"\Gamma(z)", "Gamma"),
    (r"a \{ b + c \}", r"a (b + c)", "braces"),
])
def test_normalization_reads_as_the_plain_form(side, plain, rule):
    expr, fired = parse(side)
    assert rule in fired and rule in latex.RULES
    assert same(expr, parse(plain)[0]), (side, expr, parse(plain)[0])


def test_euler_number_and_the_differential_in_integrals():
    assert parse(r"\mathrm{e}^{x}")[0] == sp.exp(x)
    got = parse(r"\int_0^\infty \mathrm{d}v\, e^{-v}")[0]
    assert got == parse(r"\int_0^\infty dv e^{-v}")[0] and got.doit() == 1


def test_bold_is_an_opaque_name_not_the_letter():
    for side in (r"\mathbf{y}", r"\boldsymbol{y}", r"\bm{y}"):
        expr, fired = parse(side)
        assert "bold" in fired and expr != S("y") and expr.free_symbols == {S("boldy")}
        assert is_opaque(side)
    assert same(parse(r"\boldsymbol{\mu} + 1")[0], S("boldmu") + 1)
    with pytest.raises(Unparseable):
        parse(r"\boldsymbol + 1")


def test_index_ranges():
    assert expand_ranges(r"p(u_{1:k-1})") == r"p(u_1, \dots, u_{k-1})"
    assert expand_ranges(r"y_{1:k}, g_{2 : n}") == r"y_1, \dots, y_k, g_2, \dots, g_n"
    assert expand_ranges(r"\pi_{1:k}") == r"\pi_1, \dots, \pi_k"
    assert expand_ranges(r"u_{k-1} + x_{1}") == r"u_{k-1} + x_{1}"
    assert "index-range" in normalize(r"u_{1:k-1}")[1]
    assert is_opaque(r"u_{1:k-1}") and is_opaque(r"u_1, \cdots, u_k") and is_opaque(r"\ldots")


def test_dots_are_unified():
    assert normalize(r"u_1, \cdots, u_k")[0] == r"u_1, \dots, u_k"
    assert normalize(r"u_1, \ldots, u_k")[1] == ["dots"]


# ---- 4. qualifiers ------------------------------------------------------------------------------

@pytest.mark.parametrize("side, math, qualifier", [
    (r"x_i + y_i \text{for } i = 1, \dots, k", r"x_i + y_i", r"\text{for } i = 1, \dots, k"),
    (r"x_i + y_i, \quad \text{for } i = 1, \dots, k", r"x_i + y_i", r"\quad \text{for } i = 1, \dots, k"),
    (r"-\frac{1}{y_k} \quad\text{if } j \neq i", r"-\frac{1}{y_k}", r"\quad\text{if } j \neq i"),
    (r"a \qquad i \neq j", r"a", r"\qquad i \neq j"),
    (r"a + b \mbox{ otherwise}", r"a + b", r"\mbox{ otherwise}"),
    (r"a + b", r"a + b", None),
    (r"\int_0^1 x \text{d}x", r"\int_0^1 x \text{d}x", None),
    (r"a \quad b", r"a \quad b", None),
    (r"\left( a \quad i = 1 \right)", r"\left( a \quad i = 1 \right)", None),
])
def test_split_qualifier(side, math, qualifier):
    assert split_qualifier(side) == (math, qualifier)


def test_a_qualifier_is_never_parsed_as_math():
    with pytest.raises(Unparseable, match="split_qualifier"):
        parse(r"x_i \text{for } i = 1, \dots, k")
    with pytest.raises(Unparseable, match="split_qualifier"):
        parse(r"\tau \times \frac{1}{y_k} \quad\text{if } j \neq i")
    math, _ = split_qualifier(r"\tau \times \frac{1}{y_k} \quad\text{if } j \neq i")
    assert parse(math)[0] == tau / y_k


# ---- 5. nothing leaks: no warnings, no output, only Unparseable --------------------------------

ORDINARY = [
    r"\sum_{j=1}^{k} y_j",
    r"1 - \sum_{j=1}^{k-1} y_j",
    r"\prod_{i=1}^{k} \left( 1 + x_i \right)",
    r"\prod_{i=1}^{k-1} e^{x_i - u_i}",
    r"\frac{\exp(u_i/\tau)}{1 + \sum_{j=1}^{k-1} \exp(u_j/\tau)}",
    r"\frac{\exp((x_i + g_i)/\tau)}{\sum_{j=1}^k \exp((x_j + g_j)/\tau)}",
    r"\int_0^\infty dv\, e^{-v} v^{2}",
    r"\int_0^\infty \mathrm{d}v\, e^{-v} v^{2}",
    r"\int_0^{\infty} x^{z-1} e^{-a x} \, dx",
    r"\int_0^{\infty} x^{z-1} e^{-a x} \, \mathrm{d}x",
    r"\int_{-\infty}^{\infty} \mathrm{d}g_k\, e^{-g_k - e^{-g_k}}",
    r"\int_0^{\infty} \left(\frac{y}{a}\right)^{z-1} e^{-y} \frac{dy}{a}",
    r"\int_0^1 t^{a-1} (1-t)^{b-1} \mathrm{d}t",
    r"a^{-z} \Gamma(z)",
    r"\frac{\Gamma(a + b)}{\Gamma(a) \Gamma(b)}",
    r"\Gamma(k) \left( \sum_{i=1}^k \exp(x_i - u_i) \right)^{-k}",
    r"\dfrac{1}{y_i} + \tfrac{1}{y_k}",
    r"\tau \times \left( \frac{1}{y_i} + \frac{1}{y_k} \right)",
    r"\tau \cdot \left( \log y_i - \log y_k \right)",
    r"\displaystyle \frac{a}{b}",
    r"\mathrm{e}^{-x}",
    r"e^{-x^2/2}",
    r"\operatorname{exp}\left( -\frac{x}{2} \right)",
    r"\ln x + \log y",
    r"\bigl( a + b \bigr)^{2}",
    r"\Big[ a - b \Big] c",
    r"\left| x - y \right|",
    r"a \, b \; c \! d",
    r"x_k \left( 1 + y \right)",
    r"\sqrt{x^2 + 1}",
    r"\frac{1}{2} \left\{ a + b \right\}",
    r"2^{x} \cdot 3",
    r"e^{-k x_k} \prod_{i=1}^{k-1} e^{x_i - u_i} \int_0^{\infty} dv\, v^{k-1} e^{-v}",
]

BROKEN = [r"\frac{1}{", r"a +", r"+", r"\int_0^1 x", r"\sum_{j=1}", r"e^", r"\sqrt{}", r"x^{2", r"\left( a \right",
          r"\frac12 ]", r"a \\ b", r"\bigl(", r"{}", r"()", r"x_", r"\int", r"\mathrm{d}", r"%", r"a'' '", r"\lim_{x}",
          r"\int_0^1 (-dv", r"\prod_{i=1}^{k} \left(", "\\int_0^\\infty d\u00e9", r"\frac{\mathrm{d}}{x}"]


def test_nothing_leaks(capfd):
    truncated = [f[:n] for f in ORDINARY[::3] for n in range(1, len(f), 7)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for side in ORDINARY + BROKEN + truncated:
            try:
                parse(side)
            except Unparseable as exc:          # any other exception type fails the test
                assert str(exc) and "\n" not in str(exc), side
    assert caught == []
    out, err = capfd.readouterr()
    assert out == "" and err == ""


@pytest.mark.parametrize("side", BROKEN)
def test_broken_sides_are_unparseable(side):
    with pytest.raises(Unparseable):
        parse(side)


# ---- 6. normalize is purely notational -----------------------------------------------------------

NEW_RULES = frozenset({"index-range", "style", "frac-style", "dots", "operatorname", "differential-roman",
                       "euler-roman", "bold", "delimiters", "exp-log"})


# the printed scope of \prod / \sum is a reading convention, not notation: without it the grammar reads
# a different (and wider) scope, so a formula read without it is another formula
SCOPE_RULES = frozenset({"big-operator-body"})


def _reading(side, skip=frozenset()):
    """The parse, or None where the side does not parse (an undefined function is no reading)."""
    try:
        expr = parse(side, skip=skip)[0]
    except Unparseable:
        return None
    return None if expr.atoms(sp.core.function.AppliedUndef) else expr


def _values(expr):
    return {s: (3 if s.name in ("k", "n") else sp.Rational(13 + 3 * i, 10))
            for i, s in enumerate(sorted(expr.free_symbols, key=str))}


def _number(expr, vals):
    return mpmath.mpmathify(complex(sp.N(expr.subs(vals).doit(), 20)))


@pytest.mark.parametrize("side", ORDINARY)
def test_normalization_is_purely_notational(side):
    """Every ordinary formula parses; without the new rules, and without each rule alone, a reading
    that still exists is the same formula."""
    full = _reading(side)
    assert full is not None, side
    for skip in [NEW_RULES] + [frozenset({r}) for r in latex.RULES if r not in SCOPE_RULES]:
        alt = _reading(side, skip)
        if alt is None or alt == full:
            continue
        vals = _values(full + alt)
        assert mpmath.almosteq(_number(full, vals), _number(alt, vals), 1e-12), (side, skip, full, alt)


def test_most_ordinary_formulas_also_read_without_the_new_rules():
    """The comparison above is not vacuous: most formulas have a reading without the new rules."""
    assert sum(_reading(side, NEW_RULES) is not None for side in ORDINARY) >= 20


def test_the_notational_test_can_fail():
    """Reading a wrong formula is caught by the comparison the test above uses."""
    full, wrong = parse(r"\tau (a + b)")[0], parse(r"\tau + (a + b)")[0]
    vals = _values(full + wrong)
    assert not mpmath.almosteq(_number(full, vals), _number(wrong, vals), 1e-12)
    assert _reading(r"\tau (a + b)", frozenset({"implicit-product"})) is None   # tau(a + b): a call


def test_rules_are_described_and_reported():
    assert NEW_RULES <= set(latex.RULES)
    for side in ORDINARY:
        assert set(normalize(side)[1]) <= set(latex.RULES)
