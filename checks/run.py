"""The runner: decide every claim of a subject, print progress, write the reports.

``run(subject, ...)`` is the engine's entry point; the command line lives with the subjects
(``python -m gsverify``).  Exit status: 0 when every claim is verified or is a refuted claim
acknowledged as an erratum of that exact printed text; 1 otherwise; 2 on bad input.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

import mpmath
import numpy as np
import sympy

from . import fidelity as fidelity_mod
from . import general as general_summary
from .claim import Claim
from .decide import VERDICTS, CheckerBug, Outcome, decide, decide_instance
from .note_reader import NoteError
from .report import WRITERS
from .subject import Subject
from .verdict import decision_of, settle

REPORTS = Path("reports")


#: one unit of work: (claim, decided for symbolic k?)
Task = tuple[Claim, bool]


def tasks_of(claims) -> list[Task]:
    """Each claim at its concrete sizes, and for symbolic size where it has a general form (a claim
    with no concrete sizes only for symbolic size; a restatement only as printed)."""
    out: list[Task] = []
    for c in claims:
        if c.ks:
            out.append((c, False))
        if c.general and c.kind != "restatement":
            out.append((c, True))
    return out


def record_id(task: Task) -> str:
    claim, general = task
    return f"{claim.id}.general" if general and claim.ks else claim.id


def _decide_restatement(claim: Claim, fid) -> Outcome:
    start = time.perf_counter()
    outcome = Outcome(claim, "verified", list(claim.ks), 0.0)
    inst, why = fid.restatement(claim)
    if inst is None:
        outcome.verdict, outcome.note = "inconclusive", why
    else:
        k = claim.ks[0] if claim.ks else 3
        outcome.verdict = decide_instance(claim, inst, k, np.random.default_rng(0), outcome)
        outcome.methods = [f"the printed formula, read at k = {k}, against the restated reference: {m}"
                           for m in outcome.methods]
    outcome.seconds = time.perf_counter() - start
    return outcome


def _decide_record(subject: Subject, fid, task: Task) -> dict:
    """Decide one record: the claim's form (or, for a restatement, the printed text), the reading of
    the note at its anchor, and, for a refuted claim with a known correction, the correction; then
    the one decision (``checks.verdict.settle``)."""
    claim, general = task
    if claim.kind == "restatement":
        outcome = _decide_restatement(claim, fid)
    else:
        outcome = decide(claim, subject.model, general=general)
    findings = fid.findings(claim)
    correction = None
    if claim.correction is not None and outcome.verdict == "refuted":
        corr = claim.correction
        use_general = general and corr.general
        correction = decision_of(decide(corr, subject.model, general=use_general),
                                 record_id((corr, use_general)), corr.latex)
    decision = settle(record_id(task), outcome, findings, fid.texts[claim.id], correction)
    ack = subject.erratum(record_id(task), claim.anchor, decision.printed)
    decision.erratum = ack.explanation if ack and decision.verdict == "refuted" else None
    return decision.to_json()


_STATE: dict = {}   # the run's subject, tasks and fidelity context, set before the worker pool forks


def _worker(index: int) -> dict:
    subject, tasks, fid = _STATE["subject"], _STATE["tasks"], _STATE["fidelity"]
    try:
        return _decide_record(subject, fid, tasks[index])
    except CheckerBug as bug:
        return {"checker_bug": str(bug), "id": record_id(tasks[index])}


def _label(record: dict) -> str:
    eq = record["equation"]
    return f"eq. ({eq})" if not eq.startswith("J") else f"Jang ({eq[1:]})"


def progress_line(n: int, total: int, record: dict) -> str:
    """The console line of the ``n``-th record (1-based, the report's order) of ``total``."""
    if "checker_bug" in record:
        return f"[{n}/{total}] {record['id']} … CHECKER BUG: {record['checker_bug'][:160]}"
    tag = " (acknowledged erratum)" if record["erratum"] else ""
    return (f"[{n}/{total}] {_label(record)} {record['rule']} {record['id']} … "
            f"{record['verdict']}{tag} {record['seconds']:.1f} s")


class InOrder:
    """Prints the progress lines in the report's order (the subject's claim order, the note's order),
    whatever order the worker pool finishes them in: a record that finishes early waits until every
    earlier one has been printed, so the log still streams and ``[n/N]`` is the n-th claim of the report."""

    def __init__(self, total: int, line, printer):
        self.total, self.line, self.printer = total, line, printer
        self.waiting: dict[int, dict] = {}
        self.printed = 0

    def done(self, index: int, record: dict) -> None:
        self.waiting[index] = record
        while self.printed in self.waiting:
            record = self.waiting.pop(self.printed)
            self.printed += 1
            self.printer(self.line(self.printed, self.total, record))


def _print_flushed(line: str) -> None:
    print(line, flush=True)


def claim_fails(r: dict) -> bool:
    """A claim that fails the run: refuted and not an acknowledged erratum, or inconclusive."""
    return (r["verdict"] == "refuted" and not r["erratum"]) or r["verdict"] == "inconclusive"


def result_lines(records: list[dict], bugs: list[dict], steps: dict | None, e2e: list[dict],
                 failed: bool) -> list[str]:
    """The run's last lines: "passed", or "FAILED" naming every failing claim, step and end-to-end check
    with its verdict (one line that names them, then one line each with the reason)."""
    bad_claims = [r for r in records if claim_fails(r)]
    from .step_run import fails
    bad_steps = [r for r in steps["steps"] if fails(r)] if steps is not None else []
    bad_e2e = [c for c in e2e if not c["passed"]]
    if not failed:
        return [("result: passed (every refutation is an acknowledged erratum; nothing inconclusive or "
                 "unreadable; every end-to-end check passed)")]
    names = []
    if bad_claims:
        names.append("claims " + ", ".join(f"{r['id']} {r['verdict']}" for r in bad_claims))
    if bugs:
        names.append("checker bugs in " + ", ".join(b["id"] for b in bugs))
    if bad_steps:
        names.append("steps " + ", ".join(f"{r['step']} ({r['equation'] or r['kind']}) {r['verdict']}"
                                          for r in bad_steps))
    if bad_e2e:
        names.append(f"end-to-end checks {len(bad_e2e)} failed")
    lines = ["result: FAILED: " + "; ".join(names)]
    for r in bad_claims:
        cx = r.get("counterexample")
        why = r.get("note") or (f"at k = {cx.get('k')} the sides are {cx.get('lhs')} and {cx.get('rhs')}"
                                if isinstance(cx, dict) else "")
        lines.append(f"  claim {r['id']} ({_label(r)}, {r['rule']}) {r['verdict']}" + (f": {why[:160]}" if why else ""))
    for b in bugs:
        lines.append(f"  claim {b['id']} CHECKER BUG: {b['checker_bug'][:160]}")
    for r in bad_steps:
        lines.append(f"  step {r['step']} ({r['equation'] or r['kind']}) {r['verdict']}: {r['reason'][:160]}")
    for c in bad_e2e:
        lines.append(f"  end-to-end: {c['name']}, k = {c['k']}, tau = {c['tau']}: FAILED ({c['method']})")
    return lines


def _steps(subject: Subject, note: Path | None, jobs: int, quiet: bool) -> dict | None:
    """Every step of the input (the note given, else the subject's copy), decided against the model."""
    if subject.world is None:
        return None
    from . import step_hints, step_run
    path = Path(note) if note else subject.note_copy
    errata = {cid: e.explanation for e in subject.errata for cid in e.claims}
    hints = step_hints.Hints(subject.claims, subject.model, subject.hints.where, errata)
    start = time.perf_counter()
    result = step_run.check(path.read_text(encoding="utf-8"), subject.world, hints, jobs)
    result["seconds"] = round(time.perf_counter() - start, 2)
    result["failed"] = step_run.failed(result)
    if not quiet:
        for r in result["steps"]:
            where = f"({r['equation']})" if r["equation"] else r["kind"]
            tag = " (acknowledged erratum)" if r["erratum"] else ""
            print(f"step {r['step']} {where}: {r['verdict']}{tag}  {r['printed'][:70]}")
    return result


def _read_input(note: Path | None) -> str | None:
    """The one-line reason the input cannot be read as a write-up, or None."""
    from . import steps as steps_mod
    from .note_reader import read
    try:
        read(note)
    except NoteError as exc:
        if "no numbered equations" not in str(exc):
            return str(exc)
        if not steps_mod.read(Path(note).read_text(encoding="utf-8")).steps:
            return f"{note}: no equations ($$ … $$ or $ … $ holding an '=') found, not a write-up to check"
    return None


def run(subject: Subject, jobs: int, quiet: bool, out: Path, note: Path | None = None,
        further: tuple[Subject, ...] = ()) -> int:
    """Decide the input's steps; for the subject's own copy (no ``note``), also every claim of the
    subject (with ``note``, the claims are hints matched by meaning, never tied by number).  Each of
    ``further`` subjects is verified the same way (its own copy, its own claims) and is a section of the
    same report; the run passes when every subject passes."""
    if note is not None and subject.world is None:
        print(f"error: --note: the subject {subject.name} reads no write-up (it declares no model of its steps); "
              "verify its own copy without --note", file=sys.stderr)
        return 2
    if note is not None:
        problem = _read_input(note)
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return 2
    previous = _previous_seconds(out / "verification.json")
    verified = []
    for n, s in enumerate((subject, *further)):
        if n and not quiet:
            print(f"\n== {s.title} (subject {s.name}) ==")
        result = _verify(s, jobs, quiet, note if n == 0 else None, previous)
        if isinstance(result, int):
            return result
        verified.append(result)
    (report, _), others = verified[0], verified[1:]
    report["derivations"] = [r for r, _ in others]
    report["passed"] = all(r["passed"] for r, _ in verified)
    _write_atomic(out / "verification.json", json.dumps(report, indent=2, default=str))
    figures = (lambda folder: subject.figures(folder)) if subject.figures else None
    shown = {**report, "derivations": [_with_figures(r, s, out) for (r, _), s in zip(others, further)]}
    written = [out / "verification.json"] + [writer(shown, out, figures) for writer in WRITERS]
    for (r, lines), s in zip(verified, (subject, *further)):
        if further:
            print(f"{s.name}:")
        for line in lines:
            print(("  " if further else "") + line)
    for path in written:
        print(f"wrote {path}")
    for (r, _), s in zip(verified, (subject, *further)):
        for line in result_lines(r["claims"], r["checker_bugs"], r["steps"], r["end_to_end"], not r["passed"]):
            print(line if not further else line.replace("result:", f"result ({s.name}):", 1))
    return 0 if report["passed"] else 1


def _with_figures(report: dict, subject: Subject, out: Path) -> dict:
    """A further subject's report as the writers take it: its figures made (records with their SVG), or why not."""
    from .report.model import make_figures
    figs, skipped = make_figures(out, subject.figures)
    return {**report, "figures_skipped": skipped,
            "figures": [{"name": f.name, "caption": f.caption, "path": str(f.path), "svg": f.svg} for f in figs]}


def _verify(subject: Subject, jobs: int, quiet: bool, note: Path | None, previous: dict) -> tuple[dict, list] | int:
    """One subject decided: its report dict and its summary lines (or the exit status 2 on bad input)."""
    claims = [] if note is not None else list(subject.claims)
    tasks = tasks_of(claims)
    try:
        fid = fidelity_mod.load(None, subject, claims)
    except NoteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    steps = _steps(subject, note, jobs, quiet)
    for line in fid.warnings():
        print(f"warning: {line}", file=sys.stderr)
    _STATE.update(subject=subject, tasks=tasks, fidelity=fid)
    start = time.perf_counter()
    records: list[dict] = [None] * len(tasks)  # type: ignore[list-item]
    order = _longest_first(previous.get(subject.name, {}), [record_id(t) for t in tasks])
    bugs = []
    progress = InOrder(len(tasks), progress_line, (lambda line: None) if quiet else _print_flushed)
    ctx = mp.get_context("fork")
    with ctx.Pool(jobs) if jobs > 1 else _Serial() as pool:
        # End-to-end checks of the subject (normalisation, samples): one long task, queued first.
        end_to_end = pool.apply_async(_end_to_end, ())
        for index, record in pool.imap_unordered(_indexed, order):
            if "checker_bug" in record:
                bugs.append(record)
                print(f"CHECKER BUG in {record['id']}: {record['checker_bug']}", file=sys.stderr)
            else:
                records[index] = record
            progress.done(index, record)
        e2e = end_to_end.get()
    records = [r for r in records if r is not None]
    for check in e2e:
        if not quiet:
            print(f"end-to-end: {check['name']}, k = {check['k']}, tau = {check['tau']}: "
                  f"{'passed' if check['passed'] else 'FAILED'} ({check['method']}: value {check['value']:.6g}, "
                  f"error {check['error']:.2g})")
    total = time.perf_counter() - start
    counts = {v: sum(r["verdict"] == v for r in records) for v in VERDICTS}
    unacknowledged = [r for r in records if r["verdict"] == "refuted" and not r["erratum"]]
    failed = bool(bugs or any(map(claim_fails, records)) or not all(c["passed"] for c in e2e)
                  or (steps is not None and steps["failed"]))
    report = {
        "subject": subject.name, "title": subject.title, "note_file": _shown_path(note or subject.note_copy),
        "sympy": sympy.__version__, "mpmath": mpmath.__version__,
        "seconds": round(total, 2), "passed": not failed,
        # with NOTE= the counts are the write-up's steps' (the subject's claims are only hints)
        "counts": counts if claims or steps is None else dict(steps["counts"]),
        "claims": records, "steps": steps, "checker_bugs": bugs, "end_to_end": e2e,
        "fidelity": fid.summary(),
        "by_equation": general_summary.by_equation(records),
        "lemmas": subject.lemmas() if subject.lemmas and any(r.get("lemma") for r in records) else [],
    }
    restated = sum(r.get("kind") == "restatement" for r in records)
    lines = []
    if claims:
        lines.append(f"{len(records)} claims in {total:.1f} s: {counts['verified']} verified, {counts['refuted']} refuted "
              f"({counts['refuted'] - len(unacknowledged)} acknowledged errata), {counts['inconclusive']} inconclusive"
              + (f", {counts['unchecked']} unchecked (not printed in the note verified)" if counts["unchecked"] else "")
              + (f", {len(bugs)} checker bugs" if bugs else "")
              + f"; {restated} of them restatements, not derivation steps")
    if steps is not None:
        c = steps["counts"]
        lines.append(f"{len(steps['steps'])} steps of {_shown_path(note or subject.note_copy)} in {steps['seconds']:.1f} s: "
              f"{c['verified']} verified, {c['refuted']} refuted ({steps['acknowledged']} acknowledged errata), "
              f"{c['inconclusive']} inconclusive, {c['unchecked']} unchecked; "
              f"{100 * steps['decided_fraction']:.0f} % decided")
    if e2e:
        lines.append(f"{len(e2e)} end-to-end checks: {sum(c['passed'] for c in e2e)} passed")
    return report, lines


def _previous_seconds(path: Path) -> dict:
    """How long each claim took in the last run (of every subject it verified): {subject: {id: seconds}}."""
    try:
        last = json.loads(path.read_text())
        return {r["subject"]: {c["id"]: c["seconds"] for c in r["claims"]}
                for r in (last, *(last.get("derivations") or []))}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _longest_first(previous: dict, ids: list[str]) -> list[int]:
    """Schedule the slowest claims of the last run first, so two workers finish together."""
    return sorted(range(len(ids)), key=lambda i: -previous.get(ids[i], 1.0))


def _shown_path(path: Path) -> str:
    path = Path(path).resolve()
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def _end_to_end() -> list[dict]:
    subject = _STATE["subject"]
    return subject.end_to_end() if subject.end_to_end else []


def _indexed(index: int) -> tuple[int, dict]:
    return index, _worker(index)


class _Serial:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def imap_unordered(self, f, items):
        return map(f, items)

    def apply_async(self, f, args):
        return _Done(f(*args))


class _Done:
    def __init__(self, value):
        self.value = value

    def get(self):
        return self.value


def _write_atomic(path: Path, text: str) -> None:
    """Never leave a half-written report over a good one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


