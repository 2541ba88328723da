"""``python -m gsverify``: verify a subject's derivation (default: the Gumbel-softmax note).

    python -m gsverify [--note FILE] [--quiet] [--jobs N] [--out DIR] [--subject NAME]

Exit status: 0 when every claim is verified or is a refuted claim acknowledged as an erratum of
that exact printed text; 1 otherwise; 2 on bad input.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from checks.run import REPORTS, run

from .subjects import SUBJECTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gsverify", description=__doc__.split("\n")[0])
    parser.add_argument("--subject", default="gumbel-softmax", choices=sorted(SUBJECTS))
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--quiet", action="store_true", help="only the summary")
    parser.add_argument("--out", type=Path, default=REPORTS)
    parser.add_argument("--note", type=Path, default=None,
                        help="verify the note at this path (default: the subject's own copy of the note)")
    args = parser.parse_args(argv)
    return run(SUBJECTS[args.subject](), args.jobs, args.quiet, args.out, args.note)


if __name__ == "__main__":
    sys.exit(main())
