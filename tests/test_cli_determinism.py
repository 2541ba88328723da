"""Verdicts never depend on scheduling, load or caches: two runs of ``python -m gsverify`` on the same
input, one serial (``--jobs 1``, cold fidelity cache) and one with two workers (``--jobs 2``, the
schedule of the first run reversed, warm cache), write the same ``verification.json`` apart from
timing fields and the paths of the output folders.

No wall-clock limit: a loaded machine makes the runs slow, never different.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.determinism import TIMING
from bench.determinism import differences as _diff
from bench.determinism import strip_timings as _strip
from checks.run import tasks_of
from gsverify.subjects import gumbel_softmax

ROOT = Path(__file__).resolve().parents[1]



def _verify(cwd: Path, out: Path, jobs: int, hash_seed: int) -> tuple[int, dict]:
    """Exit status and report of one run (exit 0 or 1 are both results to compare; 2 is bad input).
    Each run gets its own Python hash seed: set iteration order must not reach a verdict."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "PYTHONHASHSEED": str(hash_seed)}
    proc = subprocess.run([sys.executable, "-m", "gsverify", "--quiet", "--jobs", str(jobs), "--out", str(out)],
                          cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.returncode, json.loads((out / "verification.json").read_text())


@pytest.mark.slow
def test_verdicts_do_not_depend_on_scheduling(tmp_path: Path):
    work = tmp_path / "work"  # its own reports/.fidelity-cache: cold for the first run, warm for the second
    work.mkdir()
    one, two = tmp_path / "jobs1", tmp_path / "jobs2"
    rc1, first = _verify(work, one, jobs=1, hash_seed=1)

    # The runner schedules the slowest claims of the previous report in the output folder first:
    # give the second run the first run's timings reversed, so the order of work differs too.
    ids = [r["id"] for r in first["claims"]]
    two.mkdir()
    (two / "verification.json").write_text(json.dumps(
        {"claims": [{"id": cid, "seconds": float(n)} for n, cid in enumerate(ids)]}))
    rc2, second = _verify(work, two, jobs=2, hash_seed=2)

    assert len(first["claims"]) == len(tasks_of(gumbel_softmax().claims)) and not first["checker_bugs"]
    assert all(r.get(TIMING) is not None for r in first["claims"])
    assert first["passed"] == (rc1 == 0) and second["passed"] == (rc2 == 0)
    a = _strip(first, (str(one), str(one.resolve())))
    b = _strip(second, (str(two), str(two.resolve())))
    assert [r["id"] for r in a["claims"]] == [r["id"] for r in b["claims"]]
    differences = _diff(a, b)
    assert not differences, "\n".join(differences[:40])


def test_strip_keeps_everything_but_timing_and_paths():
    """The comparison above ignores only what it says it ignores."""
    report = {"seconds": 1.0, "claims": [{"id": "a", "seconds": 2.0, "verdict": "verified",
                                          "correction": {"seconds": 3.0, "verdict": "verified"}}],
              "note_file": "/x/jobs1/n.md"}
    stripped = _strip(report, ("/x/jobs1",))
    assert stripped == {"claims": [{"id": "a", "verdict": "verified", "correction": {"verdict": "verified"}}],
                        "note_file": "<out>/n.md"}
    other = json.loads(json.dumps(report))
    other["claims"][0]["correction"]["verdict"] = "refuted"
    assert _diff(stripped, _strip(other, ("/x/jobs1",))) == [
        "report.claims[0].correction.verdict: 'verified' != 'refuted'"]
