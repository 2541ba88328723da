"""``python -m bench.determinism``: the same verdicts on an idle and on a fully loaded machine.

Runs the verifier twice, once alone and once beside one busy process per core, and compares
the two JSON reports with every timing field removed.  Prints the differences (there must be
none) and both wall times.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .targets import Target, check

#: the field that says how long something took: the run's, and each claim's / correction's
TIMING = "seconds"


def strip_timings(value, paths: tuple[str, ...] = ()):
    """The report without timing fields, with the given folder paths replaced by a placeholder."""
    if isinstance(value, dict):
        return {k: strip_timings(v, paths) for k, v in value.items() if k != TIMING}
    if isinstance(value, list):
        return [strip_timings(v, paths) for v in value]
    if isinstance(value, str):
        for p in paths:
            value = value.replace(p, "<out>")
    return value


def differences(a, b, where="report") -> list[str]:
    """Where two (stripped) reports differ, field by field."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{where}.{k}: only in one run" for k in sorted(set(a) ^ set(b))]
        for k in sorted(set(a) & set(b)):
            out += differences(a[k], b[k], f"{where}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for n, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}[{n}]")]
    return [] if a == b else [f"{where}: {str(a)[:200]!r} != {str(b)[:200]!r}"]


def _busy(stop) -> None:
    x = 0
    while not stop.is_set():
        x = (x * 31 + 7) % 1000003


def _verify(out: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "gsverify", "--quiet", "--out", str(out)], check=False,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    print("== determinism: the verifier idle and on a loaded machine (python -m bench.determinism) ==",
          flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        idle, loaded = Path(tmp) / "idle", Path(tmp) / "loaded"
        t_idle = _verify(idle)
        stop = mp.Event()
        workers = [mp.Process(target=_busy, args=(stop,)) for _ in range(os.cpu_count() or 2)]
        for w in workers:
            w.start()
        try:
            t_loaded = _verify(loaded)
        finally:
            stop.set()
            for w in workers:
                w.join()
        reports = [strip_timings(json.loads((d / "verification.json").read_text())) for d in (idle, loaded)]
    diff = differences(*reports)
    print(f"  python -m gsverify --quiet: {t_idle:.1f} s idle, {t_loaded:.1f} s beside {len(workers)} busy processes")
    print("  the two verification.json compared field by field, timing fields removed")
    check(None, Target("fields that differ between the two reports", str(len(diff)), "= 0", not diff))
    for line in diff[:20]:
        print("  " + line)
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
