"""Fidelity: every equation (1)-(15) edited in several ways is refuted at that equation; harmless
edits and the original note change nothing; missing / unparseable equations give clear messages."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from checks import fidelity, note_reader
from checks import run as engine
from checks.decide import Outcome
from checks.verdict import settle
from gsverify.subjects import gumbel_softmax

sys.path.insert(0, str(Path(__file__).parent))
from note_edits import EDITS, HARMLESS, display_span, edit

ROOT = Path(__file__).resolve().parents[1]
SUBJECT = gumbel_softmax()
COPY = SUBJECT.note_copy
ERRATA = {"eq5.1", "eq5.2", "text4.mean"}
#: the claims printed in the note (the code rewrites are not tied to it)
CLAIMS = [c for c in SUBJECT.claims if c.kind != "rewrite"]
PRINTED = {c.id: SUBJECT.printed(c) for c in CLAIMS}
TEXT = COPY.read_text()
#: equations whose printed sides are names of the note's quantities (h_i(u), p(h^{-1}(y)) det ...):
#: an edit there cannot be evaluated: inconclusive, never refuted without a point and both values
NAMES_ONLY = {"10", "12"}


def test_errata_are_the_projects():
    """The base verdicts below: the acknowledged errata of derive/errata.json, nothing else."""
    listed = {cid for e in SUBJECT.errata for cid in e.claims}
    assert ERRATA == {cid for cid in listed if not cid.endswith(".general")}
    for c in CLAIMS:
        ack = SUBJECT.erratum(c.id, c.anchor, PRINTED[c.id])
        assert (ack is not None) == (c.id in ERRATA), c.id


def _settled(fid, c) -> dict:
    """One record as the run writes it (``checks.verdict.settle``), from the project's verdict of the
    claim's form (errata refuted) instead of deciding it again; a restatement decided as the run does,
    against the printed text (k = 3)."""
    if c.kind == "restatement":
        outcome = engine._decide_restatement(c, fid)
    else:
        outcome = Outcome(c, _base(c.id), list(c.ks) or "symbolic", 0.0)
    return settle(c.id, outcome, fid.findings(c), fid.texts[c.id]).to_json()


def _outcome(text: str) -> dict:
    """Every claim's record after reading the note ``text``."""
    note = note_reader.read_text(text, "edited.md")
    fid = fidelity.Fidelity(note, SUBJECT, CLAIMS)
    return {c.id: _settled(fid, c) for c in CLAIMS}


def _base(cid: str) -> str:
    return "refuted" if cid in ERRATA else "verified"


def test_every_equation_has_an_edit():
    assert {eq for eq, *_ in EDITS} == {str(n) for n in range(1, 16)}
    assert len({kind for _, kind, *_ in EDITS}) >= 4


@pytest.mark.parametrize("eq,kind,old,new", EDITS, ids=[f"eq{e}-{k.replace(' ', '_')}" for e, k, *_ in EDITS])
def test_edited_equation_is_refuted_there(eq, kind, old, new):
    records = _outcome(edit(TEXT, eq, old, new))
    refuted = [r for cid, r in records.items() if r["verdict"] == "refuted" and cid not in ERRATA]
    if eq in NAMES_ONLY:   # a side that is only a name changed: nothing to evaluate, never a refutation
        assert not refuted, [r["id"] for r in refuted]
        unsure = [r for r in records.values() if r["verdict"] == "inconclusive"]
        assert unsure and all("a name the reading cannot evaluate" in r["note"] for r in unsure), unsure
        return
    assert refuted, f"edit '{kind}' of ({eq}) was not refuted"
    by_eq = {c.id: c.equation for c in CLAIMS}
    assert all(by_eq[r_id] == eq for r_id, r in records.items()
               if r["verdict"] != _base(r_id)), "an unedited equation changed its verdict"
    for cid in ERRATA:  # an edited erratum text is never acknowledged: its printed text changed
        if by_eq[cid] == eq and records[cid]["printed"] != PRINTED[cid]:
            assert records[cid]["verdict"] in ("refuted", "verified")
            claim = next(c for c in CLAIMS if c.id == cid)
            assert SUBJECT.erratum(cid, claim.anchor, records[cid]["printed"]) is None
    shown = [r for r in refuted if r.get("counterexample")]
    assert shown == refuted, f"edit '{kind}' of ({eq}) was refuted without a point and both values"
    kinds = {c.id: c.kind for c in CLAIMS}
    for cid, r in records.items():  # the correction offered: the claim as in the project's copy
        if r["verdict"] == "refuted" and cid not in ERRATA:
            assert r["correction"]["printed"].startswith(PRINTED[cid]), r["correction"]
            if kinds[cid] != "restatement":  # see test_restatement_correction_is_the_project_copys
                assert r["correction"]["verdict"] == "verified", (cid, r["correction"])
    for r in shown:  # the point, both values
        ce = r["counterexample"]
        assert ce["point"] and ce["lhs"] != ce["rhs"], ce
        assert all(v not in ("", None) for v in ce["point"].values()), ce


def test_restatement_correction_is_the_project_copys():
    """Eq. (1) is a restatement (eq1.definition); edited, the printed claim is refuted and the correction
    offered is the claim as printed in the project's copy, which is verified (the original note test)."""
    eq, _kind, old, new = EDITS[0]
    r = _outcome(edit(TEXT, eq, old, new))["eq1.definition"]
    assert r["verdict"] == "refuted" and r["counterexample"]["point"]
    assert r["correction"]["printed"] == PRINTED["eq1.definition"]
    assert r["correction"]["verdict"] == "verified"


@pytest.mark.parametrize("eq,kind,old,new", HARMLESS, ids=[f"eq{e}-{k.replace(' ', '_')}" for e, k, *_ in HARMLESS])
def test_harmless_edit_changes_no_verdict(eq, kind, old, new):
    records = _outcome(edit(TEXT, eq, old, new))
    assert all(r["verdict"] == _base(cid) for cid, r in records.items())


def test_original_note_keeps_every_verdict_and_confirms_transcriptions():
    fid = fidelity.load(None, SUBJECT, CLAIMS, cache_dir=None)
    assert fid.note is SUBJECT.reference and fid.warnings() == []
    records = _outcome(TEXT)
    assert all(r["verdict"] == _base(cid) for cid, r in records.items())
    assert all(r["printed"] == PRINTED[cid] for cid, r in records.items())
    status = {cid: r["fidelity"]["status"] for cid, r in records.items()}
    # every display equation (1)-(15) has at least one confirmed claim, except (12), which is all names
    confirmed = {c.equation for c in CLAIMS if status[c.id] == "confirmed"}
    assert {str(n) for n in range(1, 16)} - confirmed == {"12"}
    assert status["eq12"] == "unparseable"
    assert "not confirmed against the printed text" in records["eq12"]["fidelity"]["note"]
    assert not [cid for cid, s in status.items() if s == "differs"]


def test_missing_equation_is_a_clear_message():
    a, b = display_span(TEXT, "9")
    note = note_reader.read_text(TEXT[:a] + TEXT[b:], "short.md")
    fid = fidelity.Fidelity(note, SUBJECT, CLAIMS)
    assert any("equation (9) is not in the note" in w for w in fid.warnings())
    claim = next(c for c in CLAIMS if c.id == "eq9")
    record = _settled(fid, claim)
    assert record["verdict"] == "unchecked"   # the note verified does not make this claim: said, not failed
    assert "equation (9) is not in the note" in record["note"]
    assert fid.summary()["missing_equations"] == ["9"]


def test_unparseable_equation_is_reported_not_confirmed():
    text = edit(TEXT, "9", r"{1 + \sum_{j=1}^{k-1} \exp(u_j/\tau)}", r"{1 + \sum_{j=1}^{k-1} \exp(u_j/\tau}")
    records = _outcome(text)
    r = records["eq9"]
    assert r["verdict"] == "inconclusive"
    assert "cannot be parsed" in r["note"]
    assert r["fidelity"]["status"] == "edited"


def test_unparseable_printed_form_marks_transcription_unconfirmed():
    records = _outcome(TEXT)
    for cid in ("eq4.1", "eq4.2", "text5.dg"):
        assert records[cid]["fidelity"]["status"] == "unparseable"


def _run(args, out):
    """``python -m gsverify``, with no wall-clock limit: a loaded machine is slow, not wrong."""
    return subprocess.run([sys.executable, "-m", "gsverify", "--quiet", "--out", str(out), *args],
                          cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("content,problem", [
    (b"", "empty"), (b"\x00\x01binary", "binary"), (b"# title\n\nno math here\n", "no equations"),
    (b"$$ y = 1 \\tag{1} $$ and $$ z", "unbalanced $$"),
])
def test_bad_note_one_line_error_and_report_untouched(tmp_path, content, problem):
    out = tmp_path / "reports"
    out.mkdir()
    good = out / "verification.json"
    good.write_text(json.dumps({"passed": True}))
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    proc = _run(["--note", str(bad)], out)
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and str(bad) in lines[0] and problem in lines[0], proc.stderr
    assert json.loads(good.read_text()) == {"passed": True}
    assert sorted(p.name for p in out.iterdir()) == ["verification.json"]


def test_missing_file_is_one_line(tmp_path):
    proc = _run(["--note", str(tmp_path / "nope.txt")], tmp_path)
    assert proc.returncode == 2 and "nope.txt" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_make_verify_on_edited_note_end_to_end(tmp_path):
    """The full run on one edited note: exit 1, the edited equation refuted in the JSON, with the point
    and both values, and the acknowledged errata of the unedited equations still acknowledged."""
    eq, _kind, old, new = EDITS[0]
    path = tmp_path / "edited.txt"
    path.write_text(edit(TEXT, eq, old, new))
    out = tmp_path / "reports"
    proc = _run(["--note", str(path)], out)
    assert proc.returncode == 1, proc.stderr
    report = json.loads((out / "verification.json").read_text())
    assert not report["passed"]
    assert report["claims"] == []          # with --note the subject's claims are hints, not tied by number
    steps = report["steps"]["steps"]
    refuted = [s for s in steps if s["verdict"] == "refuted" and not s["erratum"]]
    assert refuted and all(s["equation"] == eq for s in refuted), [(s["equation"], s["printed"]) for s in refuted]
    assert all(s["counterexample"]["point"] and s["counterexample"]["lhs"] != s["counterexample"]["rhs"]
               for s in refuted)
    acknowledged = [s for s in steps if s["verdict"] == "refuted" and s["erratum"]]
    assert sorted(s["equation"] or s["kind"] for s in acknowledged) == ["5", "5", "prose"]
