"""Each stage of the derivation decided at small k: the note's true steps verify, its errata refute,
every erratum's correction verifies, and every erratum names the exact text printed at its anchor."""
import dataclasses

import pytest

from checks.decide import decide
from checks.run import record_id, tasks_of
from checks.subject import join, load_errata, text_at, text_hash
from derive import density, gumbel_shift, jacobian, marginal_u, note, softmax_map
from derive.model import MODEL
from gsverify.subjects import gumbel_softmax

SUBJECT = gumbel_softmax()
#: the claims the project knows to be false as printed (concrete records; the symbolic-k records of
#: eq5.1 and eq5.2 are errata too)
ERRATA = {"text4.mean", "eq5.1", "eq5.2"}
STAGES = [gumbel_shift, marginal_u, softmax_map, jacobian, density]
CLAIMS = [c for stage in STAGES for c in stage.CLAIMS]
BY_ID = {c.id: c for c in CLAIMS}
#: restatements are decided by the runner against the printed text (tests/test_fidelity.py), not by decide
DECIDED = [c for c in CLAIMS if c.kind != "restatement"]


def _small(ks):
    return [k for k in ks if k <= 3] or None


@pytest.mark.parametrize("claim", DECIDED, ids=lambda c: c.id)
def test_stage_claim_verdict_at_small_k(claim):
    out = decide(claim, MODEL, ks=_small(claim.ks))
    expected = "refuted" if claim.id in ERRATA else "verified"
    assert out.verdict == expected, (claim.id, out.methods, out.note, out.counterexample)
    if expected == "refuted":
        assert out.counterexample is not None
        assert out.counterexample["lhs"] != out.counterexample["rhs"]


@pytest.mark.parametrize("claim", [c for c in CLAIMS if c.correction is not None], ids=lambda c: c.id)
def test_corrections_of_errata_verify(claim):
    corr = claim.correction
    assert claim.id in ERRATA
    assert decide(corr, MODEL, ks=_small(corr.ks)).verdict == "verified"
    if corr.general and corr.ks:
        assert decide(corr, MODEL, general=True).verdict == "verified"


def test_the_stages_are_the_note():
    assert [c.id for c in note.claims()] == [c.id for c in SUBJECT.claims if c.kind != "rewrite"]
    assert sorted(c.id for c in note.claims()) == sorted(BY_ID)
    assert len(BY_ID) == len(CLAIMS)


# ---------------------------------------------------------------- errata

def _records():
    """record id -> claim, for every record the run makes."""
    return {record_id(t): t[0] for t in tasks_of(SUBJECT.claims)}


def test_errata_file_lists_exactly_the_known_errata():
    assert SUBJECT.errata == load_errata(note.ERRATA) and len(SUBJECT.errata) == 3
    listed = {cid for e in SUBJECT.errata for cid in e.claims}
    assert {cid for cid in listed if not cid.endswith(".general")} == ERRATA
    records = _records()
    for cid in listed:
        assert cid in records, f"{cid}: the errata file names a record the run does not make"


@pytest.mark.parametrize("erratum", SUBJECT.errata, ids=lambda e: "+".join(e.claims))
def test_erratum_hash_is_the_printed_text_at_its_anchor(erratum):
    sides = text_at(SUBJECT.reference, erratum.anchor)
    assert sides is not None, f"{erratum.anchor} is not in {SUBJECT.note_copy}"
    printed = join(sides, erratum.anchor)
    assert erratum.printed_sha256 == text_hash(printed)
    records = _records()
    for cid in erratum.claims:
        claim = records[cid]
        assert claim.anchor == erratum.anchor, cid
        assert SUBJECT.printed(claim) == printed
        assert SUBJECT.erratum(cid, claim.anchor, printed) is erratum
        # the acknowledgement is for this text only: an edited printing is not acknowledged
        assert SUBJECT.erratum(cid, claim.anchor, printed + " ") is None
        assert SUBJECT.erratum(cid, None, printed) is None


@pytest.mark.parametrize("record", sorted({cid for e in SUBJECT.errata for cid in e.claims}))
def test_each_acknowledged_claim_is_refuted(record):
    claim = _records()[record]
    general = record.endswith(".general")
    out = decide(claim, MODEL, ks=None if general else _small(claim.ks), general=general)
    assert out.verdict == "refuted", (record, out.methods, out.note)
    assert out.counterexample is not None
    if general:
        assert out.counterexample["k"] == MODEL.numeric_k


def test_no_verified_claim_is_acknowledged():
    for c in SUBJECT.claims:
        if c.id not in ERRATA:
            assert SUBJECT.erratum(c.id, c.anchor, SUBJECT.printed(c)) is None, c.id


def test_a_stale_hash_is_not_an_acknowledgement():
    e = SUBJECT.errata[0]
    stale = dataclasses.replace(SUBJECT, errata=(dataclasses.replace(e, printed_sha256=text_hash("old text")),))
    claim = _records()[e.claims[0]]
    assert stale.erratum(claim.id, claim.anchor, SUBJECT.printed(claim)) is None


# ---------------------------------------------------------------- anchors, equations, chains

def test_every_anchor_is_in_the_note_copy_once():
    anchors = [c.anchor for c in CLAIMS if c.anchor is not None]
    assert len(anchors) == len(set(anchors))
    for c in CLAIMS:
        printed = SUBJECT.printed(c)
        assert printed.strip(), c.id
        if c.anchor is None:
            assert c.kind == "completion" and printed == c.latex, c.id


def test_restatements_are_counted_apart():
    rest = [c for c in CLAIMS if c.kind == "restatement"]
    assert {c.id for c in rest} == {"eq1.definition", "eq7.1"}
    for c in rest:
        assert c.rule == "restatement" and not c.general
        assert all(b is None for _, b in c.form().pairs)   # a reference, nothing claimed beside it
    ids = {record_id(t) for t in tasks_of(rest)}
    assert ids == {c.id for c in rest}
    for c in DECIDED:
        assert c.rule != "restatement" and all(b is not None for _, b in c.form().pairs), c.id


def test_every_numbered_equation_and_completion_has_a_claim():
    equations = {c.equation for c in CLAIMS}
    assert {str(n) for n in range(1, 16)} | {"J24", "J25", "J26", "J27", "J28"} <= equations


def test_chains_have_one_claim_per_equals_sign():
    def count(eq):
        return sum(c.equation == eq and c.source == "display" and c.anchor is not None for c in CLAIMS)
    assert count("4") == 3 and count("5") == 3 and count("7") == 4 and count("6") == 3
    # each "=" of a chain is one claim: consecutive sides (0, 1), (1, 2), ...
    for eq in ("4", "5", "6", "7"):
        sides = sorted(c.anchor.sides for c in CLAIMS if c.equation == eq and c.anchor is not None
                       and c.anchor.kind == "display")
        assert sides == [(n, n + 1) for n in range(len(sides))], eq
