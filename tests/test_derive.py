"""Each stage of the derivation decided at small k: the note's true steps verify, its errata refute,
and every erratum's correction verifies."""
import json

import pytest

from checks.decide import decide
from checks.errata import text_hash
from derive import density, gumbel_shift, jacobian, marginal_u, softmax_map
from derive.note import ERRATA_FILE

ERRATA = {"text4.mean", "eq5.1", "eq5.2"}
STAGES = [gumbel_shift, marginal_u, softmax_map, jacobian, density]
CONCRETE = [c for stage in STAGES for c in stage.CLAIMS]


@pytest.mark.parametrize("claim", CONCRETE, ids=lambda c: c.id)
def test_stage_claim_verdict_at_small_k(claim):
    ks = [k for k in claim.ks if k <= 3] or None
    out = decide(claim, ks=ks)
    expected = "refuted" if claim.id in ERRATA else "verified"
    assert out.verdict == expected, (claim.id, out.methods, out.note, out.counterexample)
    if expected == "refuted":
        assert out.counterexample is not None


@pytest.mark.parametrize("claim", [c for c in CONCRETE if c.correction is not None], ids=lambda c: c.id)
def test_corrections_of_errata_verify(claim):
    ks = [k for k in claim.correction.ks if k <= 3] or None
    assert decide(claim.correction, ks=ks).verdict == "verified"


def test_errata_file_names_the_printed_text_of_each_refuted_claim():
    entries = json.loads(ERRATA_FILE.read_text())["errata"]
    by_id = {c.id: c for c in CONCRETE}
    for entry in entries:
        if entry["claim"] in by_id:
            assert entry["printed_sha256"] == text_hash(by_id[entry["claim"]].printed)
    assert ERRATA <= {e["claim"] for e in entries}


def test_every_numbered_equation_and_completion_has_a_claim():
    equations = {c.equation for c in CONCRETE}
    assert {str(n) for n in range(1, 16)} | {"J24", "J25", "J26", "J27", "J28"} <= equations


def test_chains_have_one_claim_per_equals_sign():
    count = lambda eq: sum(c.equation == eq and c.source == "display" for c in CONCRETE)
    assert count("4") == 3 and count("5") == 3 and count("7") == 4 and count("6") == 3
