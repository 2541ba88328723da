"""The folders show the flow, and the engine knows no subject (issue: one source, one path to a verdict)."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("checks", "derive", "codegen", "gsverify", "bench")


def _modules(package: str):
    return sorted((ROOT / package).rglob("*.py"))


def _imported(path: Path) -> set[str]:
    """Top-level packages a module imports (relative imports resolve inside its own package)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            out.add(path.relative_to(ROOT).parts[0] if node.level else (node.module or "").split(".")[0])
    return out


@pytest.mark.parametrize("package, forbidden", [
    ("checks", {"derive", "codegen", "gsverify", "bench"}),
    ("derive", {"codegen", "gsverify", "bench"}),
    ("codegen", {"gsverify", "bench"}),
])
def test_dependencies_point_one_way(package, forbidden):
    bad = {str(p.relative_to(ROOT)): sorted(_imported(p) & forbidden) for p in _modules(package)}
    assert {p: b for p, b in bad.items() if b} == {}


def test_one_module_assembles_the_subject_from_derive_and_codegen():
    both = [str(p.relative_to(ROOT)) for pkg in PACKAGES if pkg not in ("derive", "codegen")
            for p in _modules(pkg) if {"derive", "codegen"} <= _imported(p)]
    assert both == ["gsverify/subjects.py"]


def test_the_engine_finds_nothing_by_name():
    for path in _modules("checks"):
        text = path.read_text()
        assert "importlib" not in text, path
        assert "getattr(" not in text, path


def test_no_module_over_400_lines():
    sizes = {str(p.relative_to(ROOT)): len(p.read_text().splitlines())
             for pkg in PACKAGES for p in _modules(pkg)}
    assert {p: n for p, n in sizes.items() if n > 400} == {}


def test_the_architecture_checks_can_fail(tmp_path):
    bad = tmp_path / "checks" / "x.py"
    bad.parent.mkdir()
    bad.write_text("from derive.model import K\nfrom . import claim\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert _imported(bad) == {"derive", "checks"}
    finally:
        ROOT = saved
