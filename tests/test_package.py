"""The installed package: gumbel_softmax needs only numpy; a backend whose library is absent says what to install."""
import subprocess
import sys

import pytest


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/", check=False)


def test_importing_the_package_loads_no_array_library_but_numpy():
    out = _run("import sys, gumbel_softmax; print(gumbel_softmax.__file__); "
               "print(sorted(m for m in ('torch', 'jax', 'sympy', 'mpmath', 'scipy') if m in sys.modules))")
    assert out.returncode == 0, out.stderr
    path, loaded = out.stdout.splitlines()
    assert path.endswith("gumbel_softmax/__init__.py") and loaded == "[]"


@pytest.mark.parametrize("name", ["torch", "jax"])
def test_a_backend_without_its_library_says_which_extra_to_install(name):
    out = _run(f"import sys; sys.modules[{name!r}] = None; import gumbel_softmax.{name}")
    assert out.returncode != 0
    assert f"gumbel_softmax.{name} needs {name}: pip install 'gsverify[{name}]'" in out.stderr
