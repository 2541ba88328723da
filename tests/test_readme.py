"""README.md's console example is a real run's output (``python -m gsverify.readme`` writes it): the
test makes a run of its own and fails while the README's block differs from what that run prints
(time figures masked, see ``gsverify.readme``).  No wall-clock limit: a loaded machine is slow, not wrong.
"""
from __future__ import annotations

import json
import re

import pytest

from gsverify import readme

LOG = """\
step 1 inline: unchecked  a
step 2 (1): verified  b
step 3 inline: verified  c
step 4 inline: verified  d
step 5 prose: refuted (acknowledged erratum)  e
step 6 inline: verified  f
[1/5] eq. (1) algebra a … verified 0.4 s
[2/5] eq. (1) algebra b … refuted (acknowledged erratum) 12.0 s
[3/5] eq. (1) algebra c … verified 0.1 s
[4/5] eq. (1) algebra d … verified 0.1 s
end-to-end: one: passed (x)
5 claims in 18.7 s: 4 verified
wrote reports/verification.json
result: passed (…)
"""


def test_excerpt_keeps_the_first_lines_of_each_kind_and_the_first_erratum():
    assert readme.excerpt(LOG.splitlines()) == [
        "step 1 inline: unchecked  a", "step 2 (1): verified  b", "step 3 inline: verified  c",
        "… (1 more step line)", "step 5 prose: refuted (acknowledged erratum)  e", "… (1 more step line)",
        "[1/5] eq. (1) algebra a … verified 0.4 s", "[2/5] eq. (1) algebra b … refuted (acknowledged erratum) 12.0 s",
        "[3/5] eq. (1) algebra c … verified 0.1 s", "… (1 more claim line)",
        "end-to-end: one: passed (x)",
        "5 claims in 18.7 s: 4 verified", "wrote reports/verification.json", "result: passed (…)"]


def test_only_time_figures_are_masked():
    assert readme.masked("[2/91] eq. (4) x … verified 12.3 s; 91 claims in 0.4 s, error 2.5e-10, 96 % decided") == \
        "[2/91] eq. (4) x … verified #.# s; 91 claims in #.# s, error 2.5e-10, 96 % decided"
    assert readme.masked("value 0.998561 s2 and 1.5e-12 s") == "value 0.998561 s2 and 1.5e-12 s"


def test_block_replacement_touches_only_the_block():
    text = "intro\n<!-- console:begin -->\nold\n<!-- console:end -->\noutro\n"
    new = readme.with_block(text, readme.block_text(LOG))
    assert new.startswith("intro\n<!-- console:begin -->\n```\n$ python -m gsverify\nstep 1 ")
    assert new.endswith("result: passed (…)\n```\n<!-- console:end -->\noutro\n")
    assert readme.difference(new, LOG) == []
    assert readme.difference(new, LOG.replace("18.7 s", "3.0 s")) == []          # times are not compared
    changed = readme.difference(new, LOG.replace("4 verified", "3 verified"))
    assert "-5 claims in #.# s: 4 verified" in changed and "+5 claims in #.# s: 3 verified" in changed


@pytest.mark.parametrize("text", ["no markers", "<!-- console:begin -->\nx\n",
                                  "<!-- console:end -->\n<!-- console:begin -->\n"])
def test_missing_or_misplaced_markers_are_an_error(text):
    with pytest.raises(ValueError, match="console:begin"):
        readme.current_block(text)


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    """One real ``python -m gsverify`` (the full console, into a temporary folder): exit, stdout, report."""
    out = tmp_path_factory.mktemp("readme") / "reports"
    rc, stdout = readme.run_console(out)
    return rc, stdout, json.loads((out / "verification.json").read_text())


@pytest.mark.slow
def test_readme_console_block_is_what_the_program_prints(real_run):
    rc, stdout, _ = real_run
    assert rc == 0, stdout[-3000:]
    diff = readme.difference(readme.README.read_text(encoding="utf-8"), stdout)
    assert not diff, "README.md is out of date; run `python -m gsverify.readme`:\n" + "\n".join(diff)


@pytest.mark.slow
def test_real_console_lists_the_claims_in_the_reports_order(real_run):
    _, stdout, report = real_run
    progress = [m.groups() for m in map(re.compile(r"^\[(\d+)/(\d+)\] .* (\S+) … ").match, stdout.splitlines()) if m]
    # the note's claims, then each further subject's, each numbered in its own report's order
    expected = []
    for r in (report, *report.get("derivations", [])):
        ids = [c["id"] for c in r["claims"]]
        expected += [(n, len(ids), cid) for n, cid in enumerate(ids, 1)]
    assert [(int(n), int(total), cid) for n, total, cid in progress] == expected
    assert all(line.startswith("result") and "passed" in line
               for line in stdout.splitlines() if line.startswith("result"))
