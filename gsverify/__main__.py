"""``python -m gsverify``: verify a subject's derivation (default: the Gumbel-softmax note).

    python -m gsverify [--note FILE] [--quiet] [--jobs N] [--out DIR] [--subject NAME]

Without --subject every subject is verified (the Gumbel-softmax note first; each further derivation is a
section of its report); with --note FILE, the write-up FILE of the Gumbel-softmax note.

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
    parser.add_argument("--subject", default=None, choices=sorted(SUBJECTS),
                        help="verify only this subject (default: every subject, the first one's report holding "
                             "the others as sections; with --note, the Gumbel-softmax note)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--quiet", action="store_true", help="only the summary")
    parser.add_argument("--out", type=Path, default=REPORTS)
    parser.add_argument("--note", type=Path, default=None,
                        help="verify the note at this path (default: the subject's own copy of the note)")
    args = parser.parse_args(argv)
    if args.subject is not None:
        return run(SUBJECTS[args.subject](), args.jobs, args.quiet, args.out, args.note)
    first, *others = SUBJECTS.values()
    further = () if args.note is not None else tuple(make() for make in others)
    return run(first(), args.jobs, args.quiet, args.out, args.note, further)


if __name__ == "__main__":
    sys.exit(main())
