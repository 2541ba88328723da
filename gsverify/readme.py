"""``python -m gsverify.readme``: copy a real run's console output into README.md, so it cannot drift.

    python -m gsverify.readme              # run `python -m gsverify`, rewrite README.md's console block
    python -m gsverify.readme --check      # exit 1 (and show the difference) if the block is out of date
    python -m gsverify.readme --log FILE   # use a saved stdout of `python -m gsverify` instead of running

The block is the text between ``<!-- console:begin -->`` and ``<!-- console:end -->``: an excerpt of
the stdout of ``python -m gsverify`` on the subject's own copy of the note, run from the repository
root into a temporary folder (``reports/`` untouched).  The excerpt keeps, of each stretch of lines of
one kind (the note's steps, the claims' ``[n/N]`` lines, the end-to-end checks), the first three and
the first acknowledged erratum, and says how many lines it left out; every other line (the summary,
the reports written, the result) is kept whole.  Two normalisations, both documented in the README:

* the temporary output folder is shown as ``reports/``, the default;
* time figures (``0.4 s``, ``in 18.7 s``) vary from run to run: the block keeps the ones of the run that
  wrote it, and ``--check`` (and ``tests/test_readme.py``) compare the text with every time figure
  replaced by ``TIME_MASK``.

The block is only written from a passing run (exit status 0): the README shows what `make verify`
prints on the note.
"""
from __future__ import annotations

import argparse
import difflib
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCK = "console"
COMMAND = "python -m gsverify"

#: a time figure as the console prints it (one decimal, then " s")
TIME = re.compile(r"(?<![\w.])\d+\.\d s\b")
TIME_MASK = "#.# s"

#: the kinds of line the excerpt shortens, each recognised by its start
KINDS = (("step", re.compile(r"^step \d+ ")), ("claim", re.compile(r"^\[\d+/\d+\] ")),
         ("end-to-end", re.compile(r"^end-to-end: ")))
KEEP = 3


def run_console(out: Path) -> tuple[int, str]:
    """Exit status and stdout of ``python -m gsverify --out OUT`` run from the repository root
    (stderr passes through); OUT shown as ``reports/`` in the text."""
    proc = subprocess.run([sys.executable, "-m", "gsverify", "--out", str(out)], cwd=ROOT,
                          stdout=subprocess.PIPE, text=True, check=False)
    text = proc.stdout
    for folder in {str(out.resolve()), str(out)}:
        text = text.replace(folder.rstrip("/") + "/", "reports/")
    return proc.returncode, text


def _kind(line: str) -> str | None:
    return next((name for name, pattern in KINDS if pattern.match(line)), None)


def excerpt(lines: list[str]) -> list[str]:
    """The lines the README shows (see the module's docstring)."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        kind = _kind(lines[i])
        if kind is None:
            out.append(lines[i])
            i += 1
            continue
        j = i
        while j < len(lines) and _kind(lines[j]) == kind:
            j += 1
        stretch = lines[i:j]
        keep = set(range(min(KEEP, len(stretch))))
        keep |= {next((n for n, line in enumerate(stretch) if "(acknowledged erratum)" in line), 0)}
        left_out = 0
        for n, line in enumerate(stretch):
            if n not in keep:
                left_out += 1
                continue
            if left_out:
                out.append(_elided(left_out, kind))
                left_out = 0
            out.append(line)
        if left_out:
            out.append(_elided(left_out, kind))
        i = j
    return out


def _elided(n: int, kind: str) -> str:
    return f"… ({n} more {kind} line{'' if n == 1 else 's'})"


def block_text(stdout: str) -> str:
    """The block's contents for this console output: a fenced code block."""
    return "\n".join(["```", f"$ {COMMAND}", *excerpt(stdout.splitlines()), "```"]) + "\n"


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:begin -->\n", f"<!-- {name}:end -->"


def current_block(readme: str, name: str = BLOCK) -> str:
    """The text between the block's markers (ValueError when they are missing or repeated)."""
    begin, end = _markers(name)
    if readme.count(begin) != 1 or readme.count(end) != 1 or readme.index(begin) > readme.index(end):
        raise ValueError(f"README.md: expected one {begin.strip()} followed by one {end}")
    return readme[readme.index(begin) + len(begin):readme.index(end)]


def with_block(readme: str, body: str, name: str = BLOCK) -> str:
    """README text with the block's contents replaced by ``body``."""
    begin, end = _markers(name)
    current_block(readme, name)
    head, rest = readme.split(begin)
    return head + begin + body + end + rest.split(end, 1)[1]


def masked(text: str) -> str:
    """The text as compared: every time figure replaced by ``TIME_MASK``."""
    return TIME.sub(TIME_MASK, text)


def difference(readme: str, stdout: str) -> list[str]:
    """A unified diff (masked) between the README's block and what ``stdout`` would give; empty if none."""
    return list(difflib.unified_diff(masked(current_block(readme)).splitlines(),
                                     masked(block_text(stdout)).splitlines(),
                                     "README.md (console block)", f"{COMMAND} (this run)", lineterm=""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gsverify.readme", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if the README is out of date")
    parser.add_argument("--log", type=Path, help=f"a saved stdout of `{COMMAND}` (output folder reports/)")
    args = parser.parse_args(argv)
    if args.log:
        rc, stdout = 0, args.log.read_text(encoding="utf-8")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            rc, stdout = run_console(Path(tmp) / "reports")
    readme = README.read_text(encoding="utf-8")
    try:
        diff = difference(readme, stdout)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if rc:
            print(f"`{COMMAND}` exited {rc}: the README shows a passing run")
        print("\n".join(diff) if diff else "README.md: console block up to date")
        return 1 if diff or rc else 0
    if rc:
        print(f"error: `{COMMAND}` exited {rc}; the README shows a passing run, so it was left as it was",
              file=sys.stderr)
        return 1
    new = with_block(readme, block_text(stdout))
    if new != readme:
        README.write_text(new, encoding="utf-8")
    print("README.md: console block " + ("rewritten" if diff else "up to date (times refreshed)" if new != readme
                                         else "up to date"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
