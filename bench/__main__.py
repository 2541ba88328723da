"""``python -m bench`` (``make bench``): accuracy against mpmath, speed, verifier timings; each target
printed beside its figure and listed at the end, met or missed. Exit 1 if a target is missed."""
from __future__ import annotations

import argparse
import sys

from . import accuracy, speed
from .targets import Target, check, print_targets


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-backends", action="store_true",
                        help="skip the speed of gumbel_softmax.torch and gumbel_softmax.jax against torch's own")
    parser.add_argument("--skip-compiled", action="store_true",
                        help="skip the compiled CPU path (gumbel_softmax.numba) against torch's own")
    parser.add_argument("--skip-symbolic-k", action="store_true",
                        help="skip the growth of concrete-k check time against the symbolic-k checks")
    parser.add_argument("--verify", action="store_true",
                        help="also time `python -m gsverify` (the whole of make verify's checks)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds (median reported)")
    parser.add_argument("--rows", type=float, default=1.0,
                        help="scale the accuracy sample (40 rows for k <= 10, 12 for k = 100, 4 for k = 1000)")
    args = parser.parse_args(argv)
    ok = True
    targets: list[Target] = []
    if not args.skip_accuracy:
        print("== accuracy of generated/: log_prob and log_prob_from_log against mpmath at 40 digits ==")
        ok &= accuracy.run(scale=args.rows, targets=targets)
    if not args.skip_speed:
        print(f"\n== speed of generated/: tau = {speed.TAU}, median of {args.rounds} interleaved rounds ==")
        ok &= speed.run(args.rounds, targets=targets)
    if not args.skip_backends:
        from . import backends
        print(f"\n== speed of the autodiff backends (CPU): tau = {backends.TAU}, median of {args.rounds} "
              "interleaved rounds ==")
        ok &= backends.run(args.rounds, targets=targets)
    if not args.skip_compiled:
        from . import compiled
        print(f"\n== the compiled CPU path (gumbel_softmax.numba): tau = {compiled.TAU}, median of {args.rounds} "
              "interleaved rounds ==")
        ok &= compiled.run(args.rounds, targets=targets)
    if not args.skip_symbolic_k:
        from . import symbolic_k
        print()
        ok &= symbolic_k.section(targets=targets) == 0
    if args.verify:
        import subprocess
        import time
        print("\n== verifier: python -m gsverify --quiet --out reports/bench, timed ==", flush=True)
        start = time.perf_counter()
        rc = subprocess.call([sys.executable, "-m", "gsverify", "--quiet", "--out", "reports/bench"])
        ok &= check(targets, Target("python -m gsverify exit status",
                                    f"{rc} after {time.perf_counter() - start:.1f} s", "= 0", rc == 0))
    print_targets(targets)
    return 0 if ok else 1

if __name__ == "__main__":
    sys.exit(main())
