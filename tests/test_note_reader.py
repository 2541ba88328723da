"""The note reader: display equations, tags, aligned chains, inline math, bad input."""
from __future__ import annotations

from pathlib import Path

import pytest

from checks.note_reader import NoteError, read, read_text

ROOT = Path(__file__).resolve().parents[1]
COPY = ROOT / "derive" / "note_copy.md"
SEED = ROOT.parent / "shared" / "seed" / "000_5ef81cd251ec2e51.txt"


def test_copy_has_equations_1_to_15():
    note = read(COPY)
    assert note.order == [str(n) for n in range(1, 16)]
    assert note.equations["4"].chains[0][0] == r"p(u_1, \dots, u_{k-1})"
    assert len(note.equations["7"].chains[0]) == 5        # &= continuation rows
    assert len(note.equations["13"].chains) == 4          # rows with their own left side
    assert note.equations["1"].chains[0][1].endswith(r"/\tau)}")  # "\quad \text{for …} (1)" cut off
    assert (("5", r"\frac{dv}{dg_k} = -e^{-g_k}") in note.inline)


@pytest.mark.skipif(not SEED.exists(), reason="the seed note is not present")
def test_project_copy_matches_the_seed():
    seed, copy = read(SEED), read(COPY)
    assert seed.order == copy.order
    assert {n: e.chains for n, e in seed.equations.items()} == {n: e.chains for n, e in copy.equations.items()}
    assert seed.inline == copy.inline
    assert seed.prose == copy.prose


def test_tag_and_trailing_number_forms():
    note = read_text("text $a$\n\n$$ x = y \\tag{3} $$\n\n$$ u = v \\quad (4) $$\n\n$$ s = t (5)$$\n")
    assert note.order == ["3", "4", "5"]
    assert note.equations["4"].chains == [["u", "v"]]
    assert note.inline == [("3", "a")]


@pytest.mark.parametrize("text,problem", [
    ("", "empty"), ("   \n", "empty"), ("$$ x = 1 \\tag{1} $$ $$", "unbalanced $$"),
    ("just prose, $x$ inline", "no numbered equations"), ("a\x00b", "binary"),
])
def test_bad_input_one_line(text, problem):
    with pytest.raises(NoteError) as err:
        read_text(text, "bad.txt")
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith("bad.txt:") and problem in msg
