"""``python -m checks.run``: decide every claim of a subject, print progress, write the JSON report.

Exit status: 0 when every claim is verified or is a refuted claim acknowledged
as an erratum of that exact printed text; 1 otherwise; 2 on bad input.
"""
from __future__ import annotations

import argparse
import importlib
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

import mpmath
import sympy
from sympy.printing.mathml import mathml

from . import errata as errata_mod
from . import fidelity as fidelity_mod
from . import general as general_summary
from .decide import DPS, CheckerBug, Outcome, decide
from .note_reader import NoteError
from .report import WRITERS

REPORTS = Path("reports")


def outcome_record(o: Outcome) -> dict:
    c = o.claim
    return {
        "id": c.id, "equation": c.equation, "rule": c.rule, "verdict": o.verdict, "k": o.k,
        "seconds": round(o.seconds, 3), "source": c.source, "statement": c.statement, "printed": c.printed,
        "methods": sorted(set(o.methods)), "points": o.points, "max_difference": o.max_difference,
        "counterexample": o.counterexample, "note": o.note,
        "checked_latex": [sympy.latex(side) for side in o.shown] if o.shown else None,
        "checked_mathml": [mathml(side, printer="presentation") for side in o.shown] if o.shown else None,
        "digits": DPS,
        "lemma": getattr(c, "lemma", None),
        "verdict_text": general_summary.verdict_text({"verdict": o.verdict, "lemma": getattr(c, "lemma", None)}),
    }


def _lemmas(records: list[dict]) -> list[dict]:
    """The lemmas claims rest on, with their proof steps and concrete checks."""
    if not any(r.get("lemma") for r in records):
        return []
    from .determinant_lemma import record
    return [record()]


def _decide_record(claim) -> dict:
    record = outcome_record(decide(claim))
    if claim.correction is not None and record["verdict"] == "refuted":
        record["correction"] = outcome_record(decide(claim.correction))
    return record


_CLAIMS: list = []
_FIDELITY = None  # checks.fidelity.Fidelity: ties each claim to the note as printed


def _worker(index: int) -> dict:
    try:
        record = _decide_record(_CLAIMS[index])
        return _FIDELITY.apply_safe(_CLAIMS[index], record) if _FIDELITY is not None else record
    except CheckerBug as bug:
        return {"checker_bug": str(bug), "id": _CLAIMS[index].id}


def _label(record: dict) -> str:
    eq = record["equation"]
    return f"eq. ({eq})" if not eq.startswith("J") else f"Jang ({eq[1:]})"


def run(subject: str, jobs: int, quiet: bool, out: Path, note: Path | None = None) -> int:
    global _CLAIMS, _FIDELITY
    module = importlib.import_module(subject)
    _CLAIMS = module.claims()
    try:
        _FIDELITY = fidelity_mod.load(note, module, _CLAIMS)
    except NoteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for line in _FIDELITY.warnings() if _FIDELITY else []:
        print(f"warning: {line}", file=sys.stderr)
    errata = errata_mod.load(module.ERRATA_FILE)
    start = time.perf_counter()
    records: list[dict] = [None] * len(_CLAIMS)  # type: ignore[list-item]
    order = _longest_first(out / "verification.json", _CLAIMS)
    bugs = []
    ctx = mp.get_context("fork")
    with ctx.Pool(jobs) if jobs > 1 else _Serial() as pool:
        # End-to-end checks of the subject (normalisation, samples): one long task, queued first.
        end_to_end = pool.apply_async(_end_to_end, (subject,))
        for done, (index, record) in enumerate(pool.imap_unordered(_indexed, order), 1):
            if "checker_bug" in record:
                bugs.append(record)
                print(f"CHECKER BUG in {record['id']}: {record['checker_bug']}", file=sys.stderr)
                continue
            ack = errata_mod.acknowledged(errata, record["id"], record["printed"])
            record["erratum"] = ack["explanation"] if ack and record["verdict"] == "refuted" else None
            records[index] = record
            if not quiet:
                tag = " (acknowledged erratum)" if record["erratum"] else ""
                print(f"[{done}/{len(_CLAIMS)}] {_label(record)} {record['rule']} {record['id']} … "
                      f"{record['verdict']}{tag} {record['seconds']:.1f} s", flush=True)
        e2e = end_to_end.get()
    records = [r for r in records if r is not None]
    for check in e2e:
        if not quiet:
            print(f"end-to-end: {check['name']}, k = {check['k']}, tau = {check['tau']}: "
                  f"{'passed' if check['passed'] else 'FAILED'} ({check['method']}: value {check['value']:.6g}, "
                  f"error {check['error']:.2g})")
    total = time.perf_counter() - start
    counts = {v: sum(r["verdict"] == v for r in records) for v in ("verified", "refuted", "inconclusive")}
    unacknowledged = [r for r in records if r["verdict"] == "refuted" and not r["erratum"]]
    failed = bool(bugs or unacknowledged or counts["inconclusive"] or not all(c["passed"] for c in e2e))
    report = {
        "subject": subject, "title": getattr(module, "TITLE", subject),
        "sympy": sympy.__version__, "mpmath": mpmath.__version__,
        "seconds": round(total, 2), "counts": counts, "passed": not failed,
        "claims": records, "checker_bugs": bugs, "end_to_end": e2e,
        "fidelity": _FIDELITY.summary() if _FIDELITY else None,
        "by_equation": general_summary.by_equation(records),
        "lemmas": _lemmas(records),
    }
    _write_atomic(out / "verification.json", json.dumps(report, indent=2, default=str))
    written = [out / "verification.json"] + [writer(report, out) for writer in WRITERS]
    print(f"{len(records)} claims in {total:.1f} s: {counts['verified']} verified, {counts['refuted']} refuted "
          f"({counts['refuted'] - len(unacknowledged)} acknowledged errata), {counts['inconclusive']} inconclusive")
    for path in written:
        print(f"wrote {path}")
    return 1 if failed else 0


def _longest_first(previous: Path, claims: list) -> list[int]:
    """Schedule the slowest claims of the last run first, so two workers finish together."""
    try:
        seconds = {r["id"]: r["seconds"] for r in json.loads(previous.read_text())["claims"]}
    except (OSError, ValueError, KeyError, TypeError):
        seconds = {}
    return sorted(range(len(claims)), key=lambda i: -seconds.get(claims[i].id, 1.0))


def _end_to_end(subject: str) -> list[dict]:
    checks = getattr(importlib.import_module(subject), "END_TO_END", None)
    return checks() if checks else []


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checks.run", description=__doc__)
    parser.add_argument("--subject", default="derive.note", help="module with claims() and ERRATA_FILE")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--quiet", action="store_true", help="only the summary")
    parser.add_argument("--out", type=Path, default=REPORTS)
    parser.add_argument("--note", type=Path, default=None,
                        help="verify the note at this path (default: the subject's own copy of the note)")
    args = parser.parse_args(argv)
    return run(args.subject, args.jobs, args.quiet, args.out, args.note)


if __name__ == "__main__":
    sys.exit(main())
