"""The console of ``python -m gsverify``: one line per claim in the report's order (the note's order),
whatever order the worker pool finishes them in, and a last line that names what failed.

``checks.run.run`` is driven with a stub subject whose claims are decided instantly (no SymPy), and
the schedule is the reverse of the report's order (the runner starts with the claims the previous
report says were slowest), so the claims finish last-first: the old counter, which followed
completion order, fails these tests.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from checks import run as run_mod
from checks.decide import CheckerBug

IDS = ("a1", "a2", "b1", "b2", "c1", "c2", "d1")
PROGRESS = re.compile(r"^\[(\d+)/(\d+)\] (.*)$")


def _claim(cid: str):
    return SimpleNamespace(id=cid, ks=(2, 3), general=False, kind="step", equation=cid[0])


def _subject(e2e=()):
    return SimpleNamespace(name="stub", title="stub", claims=tuple(_claim(c) for c in IDS), world=None,
                           note_copy=Path(__file__), end_to_end=(lambda: list(e2e)), figures=None, lemmas=None)


def _record(cid: str, verdict="verified", erratum=None, note="") -> dict:
    return {"id": cid, "equation": cid[0], "rule": "algebra", "kind": "step", "verdict": verdict,
            "erratum": erratum, "seconds": 0.25, "note": note, "counterexample": None}


@pytest.fixture
def stubbed(monkeypatch, tmp_path):
    """``run`` with the deciding, the reading of the note and the writers replaced; returns a function
    that runs it on the stub subject (previous report's timings reversed) and gives (exit, stdout lines)."""
    fid = SimpleNamespace(warnings=list, summary=dict)
    monkeypatch.setattr(run_mod.fidelity_mod, "load", lambda *a, **k: fid)
    monkeypatch.setattr(run_mod.general_summary, "by_equation", lambda records: {})
    monkeypatch.setattr(run_mod, "WRITERS", [])
    outcomes: dict = {}

    def decide(subject, fid, task):
        claim = task[0]
        result = outcomes.get(claim.id, _record(claim.id))
        if isinstance(result, Exception):
            raise result
        return result

    monkeypatch.setattr(run_mod, "_decide_record", decide)

    def go(capsys, jobs=1, quiet=False, steps=None, e2e=(), **results):
        outcomes.clear()
        outcomes.update(results)
        monkeypatch.setattr(run_mod, "_steps", lambda *a: steps)
        out = tmp_path / f"out{jobs}{quiet}"
        out.mkdir(exist_ok=True)
        # the first claim "was slowest" last time: it is scheduled last, the last one first
        (out / "verification.json").write_text(json.dumps(
            {"subject": "stub", "claims": [{"id": cid, "seconds": float(n)} for n, cid in enumerate(IDS)]}))
        capsys.readouterr()
        rc = run_mod.run(_subject(e2e), jobs=jobs, quiet=quiet, out=out)
        return rc, capsys.readouterr().out.splitlines()
    return go


def test_schedule_is_the_reverse_of_the_report_order(tmp_path):
    """The premise of the tests below: the work is done in the opposite order to the report's."""
    (tmp_path / "v.json").write_text(json.dumps(
        {"subject": "stub", "claims": [{"id": cid, "seconds": float(n)} for n, cid in enumerate(IDS)]}))
    previous = run_mod._previous_seconds(tmp_path / "v.json")
    assert run_mod._longest_first(previous["stub"], list(IDS)) == list(reversed(range(len(IDS))))


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_lines_follow_the_report_order(stubbed, capsys, jobs):
    rc, lines = stubbed(capsys, jobs=jobs)
    progress = [m.groups() for m in map(PROGRESS.match, lines) if m]
    assert [(int(n), int(total)) for n, total, _ in progress] == [(n, len(IDS)) for n in range(1, len(IDS) + 1)]
    assert [rest.split(" … ")[0].split()[-1] for _, _, rest in progress] == list(IDS)
    assert rc == 0 and lines[-1].startswith("result: passed")


def test_in_order_printer_streams_each_line_once_every_earlier_one_is_done():
    printed: list[str] = []
    order = run_mod.InOrder(4, lambda n, total, record: f"[{n}/{total}] {record['id']}", printed.append)
    order.done(2, {"id": "c"})
    order.done(1, {"id": "b"})
    assert printed == []                     # claim 0 not done: nothing may be printed yet
    order.done(0, {"id": "a"})
    assert printed == ["[1/4] a", "[2/4] b", "[3/4] c"]
    order.done(3, {"id": "d"})
    assert printed == ["[1/4] a", "[2/4] b", "[3/4] c", "[4/4] d"]


def test_quiet_prints_no_progress_lines(stubbed, capsys):
    rc, lines = stubbed(capsys, quiet=True)
    assert rc == 0 and not any(PROGRESS.match(line) for line in lines)
    assert lines[0].startswith(f"{len(IDS)} claims in ") and lines[-1].startswith("result: passed")


def test_a_failing_run_names_its_failing_claims_steps_and_checks(stubbed, capsys):
    steps = {"steps": [
        {"step": 1, "equation": "1", "kind": "display", "verdict": "verified", "erratum": None, "reason": ""},
        {"step": 2, "equation": "5", "kind": "display", "verdict": "refuted", "erratum": "known", "reason": "x"},
        {"step": 3, "equation": None, "kind": "inline", "verdict": "inconclusive", "erratum": None,
         "reason": "no proof and no counterexample"},
        {"step": 4, "equation": "7", "kind": "display", "verdict": "refuted", "erratum": None,
         "reason": "at k = 3 the sides differ"},
        {"step": 5, "equation": None, "kind": "inline", "verdict": "unchecked", "erratum": None,
         "reason": "unreadable: \\foo"},
        {"step": 6, "equation": None, "kind": "inline", "verdict": "unchecked", "erratum": None,
         "reason": "notation: an index range"}],
        "counts": {"verified": 1, "refuted": 2, "inconclusive": 1, "unchecked": 2}, "acknowledged": 1,
        "decided_fraction": 0.5, "seconds": 0.1, "failed": True}
    e2e = [{"name": "integrates to 1", "k": 2, "tau": 0.5, "method": "quad", "value": 1.2, "error": 0.2,
            "passed": False}]
    rc, lines = stubbed(capsys, steps=steps, e2e=e2e,
                        b1=_record("b1", "refuted"), c2=_record("c2", "inconclusive", note="no proof found"),
                        a2=_record("a2", "refuted", erratum="printed wrongly, acknowledged"),
                        d1=CheckerBug("numerics contradict the proof"))
    assert rc == 1
    result = lines.index(next(line for line in lines if line.startswith("result: ")))
    assert lines[result] == ("result: FAILED: claims b1 refuted, c2 inconclusive; checker bugs in d1; "
                             "steps 3 (inline) inconclusive, 4 (7) refuted, 5 (inline) unchecked; "
                             "end-to-end checks 1 failed")
    details = lines[result + 1:]
    assert details == [
        "  claim b1 (eq. (b), algebra) refuted",
        "  claim c2 (eq. (c), algebra) inconclusive: no proof found",
        "  claim d1 CHECKER BUG: numerics contradict the proof",
        "  step 3 (inline) inconclusive: no proof and no counterexample",
        "  step 4 (7) refuted: at k = 3 the sides differ",
        "  step 5 (inline) unchecked: unreadable: \\foo",
        "  end-to-end: integrates to 1, k = 2, tau = 0.5: FAILED (quad)"]
    # an acknowledged erratum is not named as a failure, but its progress line says what it is
    assert not any("a2" in line for line in lines[result:])
    assert any(line.startswith(f"[2/{len(IDS)}] ") and "a2 … refuted (acknowledged erratum)" in line
               for line in lines)
    # the checker bug keeps its place in the order
    assert lines[len(IDS) - 1] == f"[{len(IDS)}/{len(IDS)}] d1 … CHECKER BUG: numerics contradict the proof"


def test_the_summary_counts_the_end_to_end_checks(stubbed, capsys):
    e2e = [{"name": "n", "k": 2, "tau": 1.0, "method": "m", "value": 1.0, "error": 0.0, "passed": True}] * 3
    rc, lines = stubbed(capsys, quiet=True, e2e=e2e)
    assert rc == 0 and "3 end-to-end checks: 3 passed" in lines
