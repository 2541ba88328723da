"""What ``make bench`` prints: every column explained under its table's header, "—" where nothing was
counted (never "nan"), each target beside its figure, and a closing list of the targets, met or missed.
Small sizes; torch is treated as absent so the output does not depend on whether it is installed."""
from __future__ import annotations

import functools
import itertools
import re

import numpy as np
import pytest

from bench import __main__ as bench_main
from bench import accuracy, speed, symbolic_k
from bench.targets import NONE, Target, check, summary

TARGET_LINE = re.compile(r"^(.+) (\S.*) \(target (?:≤|≥|=) [^:]+: (met|MISSED)\)$")


@pytest.fixture
def no_torch(monkeypatch):
    monkeypatch.setattr(accuracy, "optional_torch", lambda: None)
    monkeypatch.setattr(speed, "optional_torch", lambda: None)


def _legend_follows_header(lines: list[str], header_start: str) -> list[str]:
    at = next(n for n, line in enumerate(lines) if line.startswith(header_start))
    legend = []
    for line in lines[at + 1:]:
        if not line.startswith("  "):
            break
        legend.append(line)
    return legend


def test_accuracy_table_explains_its_columns_and_shows_a_dash_where_no_row_was_measured(no_torch):
    lines, targets = [], []
    # float32 at tau = 0.01, k = 2: every sampled y has a y_i that underflows to 0 (0 rows on the support)
    ok = accuracy.run(ks=(2,), taus=(0.01, 1.0), dtypes=(np.float32,), scale=0.1, printer=lines.append,
                      targets=targets)
    assert ok
    legend = " ".join(_legend_follows_header(lines, "dtype"))
    for column in ("on support", "errors", "from_log finite", "—", "FAIL"):
        assert column in legend
    rows = [line for line in lines if re.match(r"^float32 +\d", line)]
    assert len(rows) == 2 and not any(re.search(r"\bnan\b", line) for line in lines)
    empty = next(line for line in rows if "  0.01 " in line)
    assert re.search(r" 0/4 +— ", empty), empty
    assert [t.name for t in targets] == ["float32 max error (log_prob, from_log)", "float32 log_prob_from_log finite",
                                         "float32 NaN, non-finite on the support or wrong output dtype"]
    assert all(t.met for t in targets)
    for t in targets:
        assert t.line() in lines and TARGET_LINE.match(t.line()), t.line()


def test_accuracy_prints_a_missed_target_beside_its_figure(no_torch, monkeypatch):
    monkeypatch.setitem(accuracy.BOUND, np.float64, 1e-30)
    lines, targets = [], []
    assert not accuracy.run(ks=(3,), taus=(0.5,), dtypes=(np.float64,), scale=0.1, printer=lines.append,
                            targets=targets)
    line = next(line for line in lines if line.startswith("float64 max error"))
    assert line.endswith("(target ≤ 1e-30: MISSED)") and any(row.endswith("  FAIL") for row in lines)
    assert targets[0].met is False


def test_speed_table_explains_its_columns_and_says_what_was_not_measured(no_torch):
    lines, targets = [], []
    speed.run(1, printer=lines.append, targets=targets, cases=((200, 10, np.float64), (50, 100, np.float32)))
    legend = " ".join(_legend_follows_header(lines, "case"))
    for column in ("log_prob", "from_log", "numpy/scipy", "torch", "torch/ours", "scipy/ours", "peak mem/y", "ms"):
        assert column in legend
    rows = [line for line in lines if line.startswith("N=")]
    assert len(rows) == 2 and all(line.split()[6:8] == [NONE, NONE] for line in rows), rows
    assert not any(re.search(r"\bnan\b", line) for line in lines)
    assert [t.name for t in targets] == ["log_prob peak extra memory / bytes of y", "torch/ours time, float64 k = 10"]
    assert targets[1].met is None
    assert "torch/ours time, float64 k = 10 not measured: torch not installed (target ≥ 1)" in lines


def test_symbolic_k_section_has_one_header_a_legend_and_its_target():
    lines, targets = [], []
    assert symbolic_k.section(3, ("eq8",), subject=symbolic_k._subject(), out=lines.append, targets=targets) == 0
    assert sum(line.startswith("==") for line in lines) == 1 and lines[0].startswith("== verifier:")
    legend = " ".join(_legend_follows_header(lines, "  k "))
    for column in ("columns", "row k", "total", "row sym", ">20 s"):
        assert column in legend
    assert targets[0].met and lines[-1] == targets[0].line() and "1/1 claims (target = all: met)" in lines[-1]


def test_summary_lists_every_target_with_its_state():
    targets = [Target("a", "1e-16", "≤ 1e-15", True), Target("b", "5", "= 0", False),
               Target("c", "torch not installed", "≥ 1", None)]
    assert summary(targets) == ["  met           a: 1e-16 (target ≤ 1e-15)", "  MISSED        b: 5 (target = 0)",
                                "  not measured  c: torch not installed (target ≥ 1)",
                                "1 of 2 measured targets MISSED: b"]
    assert summary(targets[:1] + targets[2:])[-1] == "all 1 measured targets met (1 not measured)"
    printed = []
    assert check(None, targets[2], printed.append) and not check(None, targets[1], printed.append)
    assert printed == ["c not measured: torch not installed (target ≥ 1)", "b 5 (target = 0: MISSED)"]


def test_bench_sections_are_never_empty_and_end_with_the_targets(no_torch, monkeypatch, capsys):
    monkeypatch.setattr(accuracy, "run", functools.partial(accuracy.run, ks=(2,), taus=(1.0,)))
    assert bench_main.main(["--skip-speed", "--skip-backends", "--skip-compiled", "--skip-symbolic-k", "--rows", "0.1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    headers = [n for n, line in enumerate(lines) if line.startswith("==")]
    assert [lines[n] for n in headers][-1] == "== targets =="
    for a, b in itertools.pairwise(headers):
        assert any(line.strip() for line in lines[a + 1:b]), lines[a:b + 1]
    assert lines[-1] == "all 6 measured targets met" and "all targets met" not in lines
    assert all(re.match(r"^  met  float(64|32) ", line) for line in lines[headers[-1] + 1:-1])


def test_bench_with_everything_skipped_says_so(capsys):
    assert bench_main.main(["--skip-accuracy", "--skip-speed", "--skip-backends", "--skip-compiled", "--skip-symbolic-k"]) == 0
    assert capsys.readouterr().out.splitlines() == ["", "== targets ==", "no target measured (every benchmark skipped)"]


def test_backends_table_explains_its_columns_and_lists_each_target():
    """The autodiff backends against torch's own, on a small case: a legend, one row, four targets."""
    pytest.importorskip("torch", reason="the torch extra is not installed")
    from bench import backends
    lines, targets = [], []
    backends.run(rounds=1, printer=lines.append, targets=targets, cases=((2000, 4, "float64"),))
    assert any("torch's own" in line for line in lines) and any(line.startswith("N=2000") for line in lines)
    assert len(targets) == 4 and all("torch's own time / its time" in t.name for t in targets)
    assert all(t.met is not None or "not installed" in t.figure for t in targets)


def test_the_compiled_section_prints_its_table_and_targets():
    pytest.importorskip("numba")
    from bench import compiled
    lines, targets = [], []
    compiled.run(1, printer=lines.append, targets=targets, cases=((3000, 10, "float64"), (300, 1000, "float64")))
    text = "\n".join(lines)
    assert "s compiling" in text and "from numba's disk cache" in text
    for column in ("compiled", "from_log", "numpy", "×torch", "Glogs/s", "GB/s", "read-once"):
        assert column in text
    assert [t.name for t in targets][:2] == ["compiled path, torch's time / its time, k = 10 float64",
                                             "compiled path stretch, k = 10 float64"]
