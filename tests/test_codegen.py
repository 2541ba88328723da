"""The code generator: its rewrites are verified claims, its output is deterministic and fresh."""
import ast
import sys
from pathlib import Path

import pytest

from checks.decide import decide
from codegen import emit, forms
from codegen.claims import CLAIMS
from derive.note import claims as note_claims

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_codegen_claims_are_verified(claim):
    assert decide(claim).verdict == "verified"


def test_codegen_claims_are_part_of_the_note_run():
    ids = {c.id for c in note_claims()}
    assert {c.id for c in CLAIMS} <= ids
    assert set(emit.CLAIM_IDS) == {c.id for c in CLAIMS}


def test_render_is_deterministic_and_committed_file_is_fresh():
    assert emit.render() == emit.render()
    assert emit.check(ROOT) == []


def test_header_names_command_claims_and_hash():
    head = emit.render().split('"""', 2)[1]
    assert "GENERATED" in head and emit.COMMAND in head
    assert all(cid in head for cid in emit.CLAIM_IDS)
    assert emit.expressions_hash() in head


def test_check_detects_stale_missing_and_extra_files(tmp_path):
    assert emit.check(tmp_path)  # missing
    path = emit.write(tmp_path)
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


def test_generated_module_imports_only_numpy_and_stdlib():
    tree = ast.parse(emit.render())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module.split(".")[0])
    assert names <= {"numpy"} | set(sys.stdlib_module_names)


def test_every_kernel_is_printed_from_a_form():
    text = emit.render()
    for name in forms.FORMS:
        assert emit.kernel(name).source() in text
    template = (ROOT / "codegen" / "template.py").read_text()
    for prefix in ("def _kernel_", "def _rows_", "def _combine_", "math.lgamma"):
        assert prefix not in template


def test_a_wrong_rewrite_is_refuted():
    """The claims can fail: the pivot form with k - 1 for k in front of the shift is not (J28)."""
    import sympy as sp

    from checks.claim import Claim
    from codegen.claims import _arrays, _build, j28_logits

    x, ly, tau, K = forms.logits[forms.i], forms.log_y[forms.i], forms.tau, forms.K
    j = forms.RowArgMax(x - tau * ly)
    xj, lj = forms.Take(x, j), forms.Take(ly, j)
    wrong = (sp.loggamma(K) + (K - 1) * sp.log(tau) + forms._sum(x) - (tau + 1) * forms._sum(ly)
             - (K - 1) * (xj - tau * lj) - K * sp.log(forms._sum(sp.exp((x - xj) - tau * (ly - lj)))))
    claim = Claim("cg.wrong", "J28", "rewrite", "a wrong pivot form", "", source="text", ks=(2, 3),
                  build=_build(lambda s: [(sp.exp(forms.instantiate(wrong, s, _arrays(s))),
                                           j28_logits(s).xreplace({y: sp.exp(v) for y, v in
                                                                   zip(s.y, _arrays(s)[forms.log_y])}))]))
    assert decide(claim).verdict == "refuted"
