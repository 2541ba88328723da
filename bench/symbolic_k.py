"""How the concrete-k checks grow with k (k = 2..12) against the one symbolic-k check of each claim.

``python -m bench.symbolic_k`` (``main()`` returns the exit status; ``run()`` returns the rows).
For each claim in ``CLAIMS`` the concrete claim is decided at each k alone (``decide(claim, ks=[k])``,
symbolic proof + mpmath cross-check) and the general-k claim once.  A k whose concrete
check of one claim that exceeds ``--budget`` seconds ends that claim's series (shown as "> budget").
"""
from __future__ import annotations

import argparse
import sys
import time

#: a mix: exp-polynomial algebra, an integral (Gamma), a Jacobian determinant, the density
CLAIMS = ("eq3.divide", "eq5.3", "eq7.2", "eq8", "J24", "J25.1", "J27", "J28")


def run(ks=range(2, 13), claims=CLAIMS, budget: float = 20.0, out=print) -> dict:
    """Seconds per (k, claim); a claim that took more than ``budget`` s at some k is skipped for larger k."""
    from checks.decide import decide
    from derive import general_k as gk

    rows = {}
    out(f"{'k':>3} " + " ".join(f"{c:>10}" for c in claims) + f" {'total':>8}")
    slow: set = set()
    for k in ks:
        times = []
        for cid in claims:
            if cid in slow:
                times.append(None)
                continue
            start = time.perf_counter()
            decide(gk._CONCRETE[cid], ks=[k])
            times.append(time.perf_counter() - start)
            if times[-1] > budget:
                slow.add(cid)
        rows[k] = dict(zip(claims, times))
        done = [t for t in times if t is not None]
        out(f"{k:>3} " + " ".join(f"{t:>10.2f}" if t is not None else f"{'>' + format(budget, '.0f') + ' s':>10}"
                                  for t in times) + f" {sum(done):>8.2f}")
    sym = []
    verdicts = []
    for cid in claims:
        start = time.perf_counter()
        o = decide(gk.BY_CONCRETE[cid])
        sym.append(time.perf_counter() - start)
        verdicts.append(o.verdict)
    rows["symbolic"] = dict(zip(claims, sym))
    out(f"{'sym':>3} " + " ".join(f"{t:>10.2f}" for t in sym) + f" {sum(sym):>8.2f}   (general k, decided once)")
    out("general-k verdicts: " + ", ".join(f"{c}: {v}" for c, v in zip(claims, verdicts)))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.symbolic_k", description=__doc__)
    parser.add_argument("--kmax", type=int, default=12)
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per claim and k before its series stops")
    args = parser.parse_args(argv)
    print(f"== concrete k = 2..{args.kmax} vs symbolic k: seconds per claim (decide: proof + mpmath) ==")
    rows = run(range(2, args.kmax + 1), budget=args.budget)
    return 0 if rows.get("symbolic") else 1


if __name__ == "__main__":
    sys.exit(main())
