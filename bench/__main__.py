"""``python -m bench`` (``make bench``): accuracy against mpmath, then speed. Exit 1 if a target is missed."""
from __future__ import annotations

import argparse
import sys

from . import accuracy, speed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-symbolic-k", action="store_true",
                        help="skip the growth of concrete-k check time against the symbolic-k checks")
    parser.add_argument("--verify", action="store_true",
                        help="also time `python -m gsverify` (the whole of make verify's checks)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds (median reported)")
    parser.add_argument("--rows", type=float, default=1.0,
                        help="scale the accuracy sample (40 rows for k <= 10, 12 for k = 100, 4 for k = 1000)")
    args = parser.parse_args(argv)
    ok = True
    if not args.skip_accuracy:
        print("== accuracy: max |error| / max(1, |reference|), reference mpmath at 40 digits ==")
        ok &= accuracy.run(scale=args.rows)
    if not args.skip_speed:
        print(f"\n== speed: tau = {speed.TAU}, median of {args.rounds} interleaved rounds ==")
        ok &= speed.run(args.rounds)
    if not args.skip_symbolic_k:
        print("\n== verifier: time of the concrete-k checks for k = 2..12 against the symbolic-k checks ==")
        from . import symbolic_k
        symbolic_k.main([])
    if args.verify:
        import subprocess
        import time
        start = time.perf_counter()
        rc = subprocess.call([sys.executable, "-m", "gsverify", "--quiet", "--out", "reports/bench"])
        print(f"\n== verifier: python -m gsverify took {time.perf_counter() - start:.1f} s (exit {rc}) ==")
    print("\nall targets met" if ok else "\nSOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
