"""The installed package: gumbel_softmax needs only numpy; a backend whose library is absent says what to install."""
import os
import subprocess
import sys

import pytest


def _run(code: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/", check=False,
                          env=None if env is None else {**os.environ, **env})


def test_importing_the_package_loads_no_array_library_but_numpy():
    out = _run("import sys, gumbel_softmax; print(gumbel_softmax.__file__); "
               "print(sorted(m for m in ('torch', 'jax', 'sympy', 'mpmath', 'scipy') if m in sys.modules))")
    assert out.returncode == 0, out.stderr
    path, loaded = out.stdout.splitlines()
    assert path.endswith("gumbel_softmax/__init__.py") and loaded == "[]"


@pytest.mark.parametrize("name, extra", [("torch", "torch"), ("jax", "jax"), ("numba", "compiled")])
def test_a_backend_without_its_library_says_which_extra_to_install(name, extra):
    out = _run(f"import sys; sys.modules[{name!r}] = None; import gumbel_softmax.{name}")
    assert out.returncode != 0
    assert f"gumbel_softmax.{name} needs {name}: pip install 'gsverify[{extra}]'" in out.stderr


def test_without_numba_the_numpy_module_runs_its_own_kernels():
    out = _run("import sys; sys.modules['numba'] = None; import numpy, gumbel_softmax as g; "
               "x = numpy.zeros((50000, 2)); y = numpy.full((50000, 2), 0.5); "
               "print(g.log_prob(y, x, 1.0)[0], 'numba' in sys.modules and sys.modules['numba'] is not None)")
    assert out.returncode == 0, out.stderr
    value, loaded = out.stdout.split()
    assert abs(float(value) - 0.0) < 1e-15 and loaded == "False"


@pytest.mark.parametrize("value, mode", [("never", "never"), ("auto", "auto"), ("", "auto"), (" Never\n", "never"), ("alwyas", None),
                                         ("0", None)])
def test_the_environment_switch_is_read_at_import_and_a_bad_value_is_an_error(value, mode):
    out = _run("import gumbel_softmax.numpy as g; print(g.use_compiled('auto'))", {"GUMBEL_SOFTMAX_COMPILED": value})
    if mode is None:
        assert out.returncode != 0 and "ValueError: GUMBEL_SOFTMAX_COMPILED" in out.stderr and repr(value) in out.stderr
    else:
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == mode
