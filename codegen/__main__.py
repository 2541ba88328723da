"""``python -m codegen`` writes generated/; ``python -m codegen --check`` fails when generated/ is stale."""
from __future__ import annotations

import argparse
import sys

from .emit import PACKAGE, check, write


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if generated/ differs from what would be written (extra files included)")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for p in problems:
            print(p, file=sys.stderr)
        if not problems:
            print(f"{PACKAGE}: up to date")
        return 1 if problems else 0
    print(f"wrote {write()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
