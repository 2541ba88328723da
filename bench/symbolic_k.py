"""How the concrete-k checks grow with k (k = 2..12) against the one symbolic-k check of each claim.

``python -m bench.symbolic_k`` (``main()`` returns the exit status; ``run()`` returns the rows).
Each claim is written once, for symbolic k; for each claim in ``CLAIMS`` (``--all``: every claim
of the subject with a symbolic-k record, i.e. ``general`` and concrete ``ks``) its concrete
instance is decided at each k alone (``decide(claim, MODEL, ks=[k])``: symbolic proof + mpmath
cross-check) and its symbolic-k record once (``decide(claim, MODEL, general=True)``).  A k whose
concrete check of one claim exceeds ``--budget`` seconds ends that claim's series (shown as
"> budget").  Exit status 1 when a symbolic-k verdict is not the expected one (verified, or refuted
for an acknowledged erratum).
"""
from __future__ import annotations

import argparse
import sys
import time

from .targets import Target, check

#: a mix: exp-polynomial algebra, an integral (Gamma), a Jacobian determinant, the density
CLAIMS = ("eq3.divide", "eq5.3", "eq7.2", "eq8", "J24", "J25.1", "J27", "J28")


def _subject():
    from gsverify.subjects import gumbel_softmax
    return gumbel_softmax()


def general_claims(subject) -> tuple[str, ...]:
    """The ids of the claims that have a symbolic-k record besides their concrete ones."""
    return tuple(c.id for c in subject.claims if c.general and c.ks and c.kind != "restatement")


def run(ks=range(2, 13), claims=CLAIMS, budget: float = 20.0, out=print, subject=None) -> dict:
    """Seconds per (k, claim), and per claim for symbolic k (``rows["symbolic"]``, verdicts in
    ``rows["verdicts"]``); a claim that took more than ``budget`` s at some k is skipped for larger k."""
    from checks.decide import decide

    subject = subject or _subject()
    by_id = {c.id: c for c in subject.claims}
    unknown = [cid for cid in claims if cid not in by_id or not (by_id[cid].general and by_id[cid].ks)]
    if unknown:
        raise ValueError(f"claims: no symbolic-k record for {', '.join(unknown)}")
    widths = [max(10, len(c)) for c in claims]
    rows: dict = {}
    out(f"{'k':>3} " + " ".join(f"{c:>{w}}" for c, w in zip(claims, widths)) + f" {'total':>8}")
    for line in legend(budget):
        out(line)
    slow: set = set()
    for k in ks:
        times = []
        for cid in claims:
            if cid in slow:
                times.append(None)
                continue
            start = time.perf_counter()
            decide(by_id[cid], subject.model, ks=[k])
            times.append(time.perf_counter() - start)
            if times[-1] > budget:
                slow.add(cid)
        rows[k] = dict(zip(claims, times))
        done = [t for t in times if t is not None]
        over = ">" + format(budget, ".0f") + " s"
        out(f"{k:>3} " + " ".join(f"{t:>{w}.2f}" if t is not None else f"{over:>{w}}" for t, w in zip(times, widths))
            + f" {sum(done):>8.2f}")
    sym, verdicts = [], []
    for cid in claims:
        start = time.perf_counter()
        o = decide(by_id[cid], subject.model, general=True)
        sym.append(time.perf_counter() - start)
        verdicts.append(o.verdict)
    rows["symbolic"] = dict(zip(claims, sym))
    rows["verdicts"] = dict(zip(claims, verdicts))
    out(f"{'sym':>3} " + " ".join(f"{t:>{w}.2f}" for t, w in zip(sym, widths)) + f" {sum(sym):>8.2f}   (symbolic k, decided once)")
    out("symbolic-k verdicts: " + ", ".join(f"{c}: {v}" for c, v in zip(claims, verdicts)))
    return rows


def legend(budget: float) -> tuple[str, ...]:
    return ("  columns: claims (ids as in reports/verification.json); row k: seconds to decide the claim at",
            "  that k alone (proof + mpmath); total: sum of the row's cells that ran; row sym: seconds to decide",
            f"  its symbolic-k record, once; >{budget:.0f} s: not run, the claim took over {budget:.0f} s at a smaller k")


def header(kmax: int) -> str:
    return (f"== verifier: seconds per claim, decided at each concrete k = 2..{kmax} and once for symbolic k "
            "(python -m bench.symbolic_k) ==")


def section(kmax: int = 12, claims=CLAIMS, budget: float = 20.0, subject=None, out=print,
            targets: list | None = None) -> int:
    """The header, the table and the target (symbolic-k verdicts as expected); the exit status."""
    subject = subject or _subject()
    out(header(kmax))
    try:
        rows = run(range(2, kmax + 1), claims, budget=budget, out=out, subject=subject)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    bad = unexpected(rows, subject)
    if bad:
        out("unexpected symbolic-k verdicts: " + ", ".join(f"{c}: {rows['verdicts'][c]}" for c in bad))
    decided = rows.get("verdicts", {})
    check(targets, Target("symbolic-k verdicts as expected (verified, or refuted for an acknowledged erratum)",
                          f"{len(decided) - len(bad)}/{len(decided)} claims", "= all",
                          bool(decided) and not bad), out)
    return 1 if bad or not rows.get("symbolic") else 0


def unexpected(rows: dict, subject) -> list[str]:
    """Claims whose symbolic-k verdict is neither verified nor the refutation of an acknowledged erratum."""
    errata = {cid for e in subject.errata for cid in e.claims}
    return [cid for cid, v in rows.get("verdicts", {}).items()
            if v != ("refuted" if f"{cid}.general" in errata else "verified")]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.symbolic_k", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kmax", type=int, default=12)
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per claim and k before its series stops")
    parser.add_argument("--all", action="store_true", help="every claim with a symbolic-k record, not only CLAIMS")
    parser.add_argument("--claims", nargs="+", metavar="ID", help="these claims (ids) instead of CLAIMS")
    args = parser.parse_args(argv)
    subject = _subject()
    claims = general_claims(subject) if args.all else tuple(args.claims or CLAIMS)
    return section(args.kmax, claims, args.budget, subject)


if __name__ == "__main__":
    sys.exit(main())
