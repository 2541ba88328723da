"""The code generator: its rewrites are verified claims, its output is deterministic and fresh."""
import ast
import sys
from pathlib import Path

import pytest

from checks.decide import decide
from codegen import emit, forms
from codegen.claims import CLAIMS
from derive.model import MODEL
from gsverify.subjects import gumbel_softmax

ROOT = Path(__file__).resolve().parent.parent


def _decide(claim):
    """A code rewrite builds its own instances; the subject's Model is passed as for any claim."""
    return decide(claim, MODEL)


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_codegen_claims_are_verified(claim):
    assert _decide(claim).verdict == "verified"


def test_codegen_claims_are_part_of_the_note_run():
    ids = {c.id for c in gumbel_softmax().claims}
    assert {c.id for c in CLAIMS} <= ids
    assert set(emit.CLAIM_IDS) == {c.id for c in CLAIMS}
    from checks.run import record_id, tasks_of
    # a rewrite is decided at its concrete k only (its instances are built per k): one record each
    assert [record_id(t) for t in tasks_of(CLAIMS)] == [c.id for c in CLAIMS]
    assert all(c.kind == "rewrite" and c.anchor is None and c.latex and c.build for c in CLAIMS)


def test_render_is_deterministic_and_committed_file_is_fresh():
    assert emit.render() == emit.render()
    assert emit.check(ROOT) == []


def test_the_package_has_one_module_per_backend_folder():
    folders = sorted(p.parent.name for p in (ROOT / "codegen" / "backends").glob("*/__init__.py"))
    assert "numpy" in folders
    assert sorted(emit.render()) == sorted(["__init__.py", *(f"{name}.py" for name in folders)])


@pytest.mark.parametrize("name", sorted(emit.render()))
def test_header_names_command_claims_and_hash(name):
    head = emit.render()[name].split('"""', 2)[1]
    assert "GENERATED" in head and emit.COMMAND in head
    assert all(cid in head for cid in emit.CLAIM_IDS)
    assert emit.expressions_hash() in head


def test_check_detects_stale_missing_and_extra_files(tmp_path):
    assert emit.check(tmp_path)  # missing
    path = emit.write(tmp_path) / "numpy.py"
    assert emit.check(tmp_path) == []
    (path.parent / "__pycache__").mkdir()
    (path.parent / "__pycache__" / "x.pyc").write_bytes(b"")
    assert emit.check(tmp_path) == []  # bytecode caches are not outputs
    extra = path.parent / "other.py"
    extra.write_text("")
    assert any("other.py" in p for p in emit.check(tmp_path))
    extra.unlink()
    path.write_text(path.read_text() + "# edited\n")
    assert any("differs" in p for p in emit.check(tmp_path))


def test_check_cli_exit_status(tmp_path, monkeypatch):
    from codegen.__main__ import main
    monkeypatch.chdir(tmp_path)
    assert main(["--check"]) == 1
    assert main([]) == 0
    assert main(["--check"]) == 0


#: the array library each module may import, besides the standard library; numpy is the package's own
#: dependency, so every module may use the NumPy module's rare-row paths (``from .numpy import``)
# jax.py: numpy on the host side of its compiled CPU path (jax.pure_callback; jax itself needs numpy)
LIBRARY = {"__init__.py": set(), "numpy.py": {"numpy", ".numba"}, "torch.py": {"torch"}, "jax.py": {"jax", "numpy"},
           "numba.py": {"numba", "llvmlite", "numpy"}}


@pytest.mark.parametrize("name", sorted(emit.render()))
def test_each_module_imports_only_its_own_array_library(name):
    names = set()
    for node in ast.walk(ast.parse(emit.render()[name])):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level and not node.module:  # from . import numpy
                names |= {"." + a.name for a in node.names}
            else:
                names.add("." + (node.module or "") if node.level else node.module.split(".")[0])
    assert names <= LIBRARY[name] | {".numpy"} | set(sys.stdlib_module_names)


def test_every_kernel_is_printed_from_a_form():
    from codegen.backends import backends
    for backend in backends():
        text = emit.render()[f"{backend.name}.py"]
        for name in backend.forms or forms.FORMS:
            assert emit.kernel(name, backend.printer).source() in text
        for template in [*backend.folder.glob("template*.py"), ROOT / "codegen" / "backends" / "shared.py"]:
            for prefix in ("def _kernel_", "def _rows_", "def _combine_", "math.lgamma"):
                assert prefix not in template.read_text(), (template, prefix)


def test_a_wrong_rewrite_is_refuted():
    """The claims can fail: the pivot form with k - 1 for k in front of the shift is not (J28)."""
    import sympy as sp

    from codegen.claims import _arrays, _build, _claim, j28_logits

    x, ly, tau, K = forms.logits[forms.i], forms.log_y[forms.i], forms.tau, forms.K
    j = forms.RowArgMax(x - tau * ly)
    xj, lj = forms.Take(x, j), forms.Take(ly, j)
    wrong = (sp.loggamma(K) + (K - 1) * sp.log(tau) + forms._sum(x) - (tau + 1) * forms._sum(ly)
             - (K - 1) * (xj - tau * lj) - K * sp.log(forms._sum(sp.exp((x - xj) - tau * (ly - lj)))))

    def pairs(s):
        at_log_y = {y: sp.exp(v) for y, v in zip(s.y, _arrays(s)[forms.log_y])}
        return [(sp.exp(forms.instantiate(wrong, s, _arrays(s))), j28_logits(s).xreplace(at_log_y))]
    claim = _claim("cg.wrong", "J28", "a wrong pivot form", "wrong", _build(pairs), ks=(2, 3))
    assert _decide(claim).verdict == "refuted"


def test_forms_are_made_from_the_derivations_expressions(monkeypatch):
    """The printed forms follow final_density() (J28) and eq8() (8): the same steps from a changed
    expression (the exponent -k of the sum made -(k - 1)) give a different form."""
    import sympy as sp

    assert forms._pivot_log_density(forms.logits[forms.i], forms.log_y[forms.i]) == forms.LOG_PROB_FROM_LOG
    assert forms._shifted_log_density() == forms.LOG_PROB_U and forms._sample_log() == forms.SAMPLE_LOG
    K = forms.K
    for name in ("final_density", "eq8"):
        right = getattr(forms, name)
        monkeypatch.setattr(forms, name, lambda right=right: right().replace(
            lambda a: a.is_Pow and a.exp == -K, lambda a: a.base ** (1 - K)))
    assert forms._pivot_log_density(forms.logits[forms.i], forms.log_y[forms.i]) != forms.LOG_PROB_FROM_LOG
    assert forms._shifted_log_density() != forms.LOG_PROB_U
    assert not forms.LOG_PROB.has(sp.Product)


def test_reference_evaluates_the_verified_expression():
    """bench.reference's mpmath value is log (J28) at k = 3 (final_density(), lambdified), also where
    y underflows (given log y)."""
    import mpmath
    import sympy as sp

    from bench.reference import log_density_row
    from derive.model import symbols_for

    s = symbols_for(3)
    j28 = forms.at(forms.final_density(), 3)
    f = sp.lambdify((s.y, s.pi, forms.tau), j28, "mpmath")
    x, ly, t = [0.3, -1.2, 2.0], [-0.5, -2.25, -1.0], 0.7
    with mpmath.workdps(40):
        xs, ls, tm = [mpmath.mpf(v) for v in x], [mpmath.mpf(v) for v in ly], mpmath.mpf(t)
        pi = [mpmath.exp(v) for v in xs]
        want = mpmath.log(f([mpmath.exp(v) for v in ls], pi, tm))
        got = log_density_row(ls, xs, tm)
        assert abs(got - want) < mpmath.mpf(10) ** -35
        ls[0] = mpmath.mpf(-1e4)   # y_1 = e^{-10^4} underflows in float64 (not in mpf)
        want = mpmath.log(f([mpmath.exp(v) for v in ls], pi, tm))
        got = log_density_row(ls, xs, tm)
        assert mpmath.isfinite(got) and abs(got - want) < mpmath.mpf(10) ** -30 * abs(want)
        assert log_density_row([-mpmath.inf, *ls[1:]], xs, tm) == -mpmath.inf


def test_quotients_print_as_divisions_and_log_ratios():
    """(v - max v) / tau prints as numpy.divide, not a product with a reciprocal (0 * inf at a
    subnormal tau); log(y_i / y_j) as the template's _log_ratio; what is printed still recombines
    to the form (cg.cse checks it against the verified expressions)."""
    import sympy as sp

    sampler = emit.kernel("sample_log")
    assert "numpy.divide(" in sampler.source() and "reciprocal" not in sampler.source()
    assert sp.simplify(sampler.printed() - forms.SAMPLE_LOG) == 0
    assert "_log_ratio(y, _take(y, " in emit.kernel("log_prob_ratio").source()
    a, b = sp.symbols("a b", positive=True)
    from codegen.backends.numpy.printer import NumPyRowPrinter
    printer = NumPyRowPrinter()
    assert printer.in_mode(emit.Quotient(a, b), False) == "numpy.divide(a, b)"
    with pytest.raises(ValueError, match="Exact"):
        printer.in_mode(emit.Quotient(a, b), True)


def test_careful_forms_are_made_from_the_plain_ones():
    """The careful and log-ratio forms are rewrites of the printed (J28) forms, and a careful form that
    forgets to add back its shift M (-k log sum e^{u - M} alone) is refuted."""
    import sympy as sp

    from codegen.claims import _arrays, _build, _claim, _pivot_y, j28_logits

    x = forms.logits[forms.i]
    assert forms.Exact(forms.careful(forms.LOG_PROB_FROM_LOG.args[0], x)) == forms.LOG_PROB_FROM_LOG_CAREFUL
    assert forms.Exact(forms.log_ratios(forms.careful(forms.LOG_PROB.args[0], x))) == forms.LOG_PROB_RATIO
    assert not any(t.args[0] == sp.log(forms.y[forms.i]) for t in forms.LOG_PROB_RATIO.atoms(forms.Take))

    def without_m(a):
        terms = sp.Add.make_args(a)
        return sp.Add(*[t for t in terms if not isinstance(t, forms.RowMax)]) if len(terms) == 2 else a
    bad = forms.LOG_PROB_RATIO.replace(lambda a: a.is_Add and any(isinstance(t, forms.RowMax) for t in a.args),
                                       without_m)
    assert bad != forms.LOG_PROB_RATIO

    def pairs(s):
        return [(sp.exp(_pivot_y(forms.instantiate(bad, s, _arrays(s)))), j28_logits(s))]
    claim = _claim("cg.wrong_careful", "J28", "a careful form without its shift", "wrong", _build(pairs), ks=(2, 3))
    assert _decide(claim).verdict == "refuted"


def test_the_compiled_log_and_exp_truncation_bounds_hold_and_are_small():
    """codegen.elementary's exact bounds are below 2**-56 (an eighth of an ulp) and above the truncation
    error mpmath measures on the reduced ranges (so the bound is a bound, and not vacuous)."""
    import mpmath
    import sympy as sp

    from codegen import elementary
    bounds = elementary.truncation_bounds()
    assert all(b < sp.Rational(1, 2 ** 56) for b in bounds.values())
    pe = [float(c) for c in reversed(elementary.exp_polynomial().all_coeffs())]
    pl = [sp.Rational(c) for c in reversed(elementary.log_polynomial().all_coeffs())]
    with mpmath.workdps(40):
        worst_exp = max(abs(mpmath.polyval(pe[::-1], r) - mpmath.exp(r)) / mpmath.exp(r)
                        for r in mpmath.linspace(-0.35, 0.35, 201))
        worst_log = max(abs(2 * s + s * mpmath.polyval([mpmath.mpf(c.p) / c.q for c in pl[::-1]], s * s)
                            - mpmath.log((1 + s) / (1 - s))) / abs(mpmath.log((1 + s) / (1 - s)))
                        for s in mpmath.linspace(0.001, 0.1716, 201))
    assert bounds["exp"] / 1000 < worst_exp <= bounds["exp"]
    assert bounds["log"] / 1000 < worst_log <= bounds["log"]


def test_a_wrong_polynomial_of_the_compiled_exp_is_refuted():
    import sympy as sp

    from checks.decide import decide
    from codegen import elementary
    from codegen.claims import _claim, _elementary
    from derive.model import MODEL
    r = elementary.r
    wrong = elementary.exp_polynomial().as_expr() + r ** 7 / 5040  # r^7 / 7! counted twice
    claim = _claim("cg.wrong", "J28", "wrong", "w", _elementary(lambda x, m: [(wrong, sp.exp(r).series(r, 0, 14).removeO())]),
                   ks=(2,))
    assert decide(claim, MODEL).verdict == "refuted"
