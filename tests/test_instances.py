"""General-k claims (derive.general_k): decided for symbolic k, cross-checked at k = 2..8."""
import dataclasses

import pytest
import sympy as sp

from checks import errata as errata_mod
from checks.decide import decide
from checks.general import by_equation, verdict_text
from derive import general_k as gk
from derive.note import ERRATA_FILE, claims

BY_ID = {c.concrete_id: c for c in gk.CLAIMS}


def test_every_claim_of_1_to_15_and_J24_J28_has_a_general_form():
    concrete = [c for c in claims() if c.ks and not c.id.startswith("cg.") and not c.id.endswith(".general")]
    missing = {c.id for c in concrete} - set(BY_ID) - set(gk.NOT_GENERAL)
    assert not missing
    for c in gk.CLAIMS:
        assert c.id == c.concrete_id + ".general" and c.ks == () and c.general is not None
        assert c.printed == gk._CONCRETE[c.concrete_id].printed


@pytest.mark.parametrize("cid", ["eq1.simplex", "eq3.divide", "eq4.3", "eq5.3", "eq7.2", "eq8", "eq11.2",
                                 "eq13.both_ways", "eq14.1", "eq15.1", "J24", "J26", "J27", "J28"])
def test_verified_for_symbolic_k(cid):
    o = decide(BY_ID[cid])
    assert o.verdict == "verified", o.methods
    assert o.k == "symbolic" and o.methods[0].startswith("symbolic k")


def test_determinant_rests_on_the_lemma():
    c = BY_ID["J25.1"]
    o = decide(c)
    assert o.verdict == "verified" and c.lemma
    assert verdict_text({"verdict": o.verdict, "lemma": c.lemma}).startswith("verified (by lemma: ")


def test_wrong_determinant_refuted_with_a_concrete_k():
    """tau^k instead of tau^{k-1}: not proved, and refuted at the concrete k of the numeric check."""
    wrong_rhs = gk.lemma_form() * gk.tau
    wrong = dataclasses.replace(BY_ID["J25.1"], id="J25.1.wrong",
                                general=lambda: gk._instance([(gk.jacobian_det(), wrong_rhs)], lemma=gk._by_lemma))
    o = decide(wrong)
    assert o.verdict == "refuted"
    assert o.counterexample["k"] == gk.NUMERIC_K
    # the concrete k exhibits the difference: the two sides differ there by the factor tau
    k = o.counterexample["k"]
    lhs, rhs = gk.to_concrete(gk.jacobian_det(), k), gk.to_concrete(wrong_rhs, k)
    assert sp.simplify(rhs / lhs - gk.tau) == 0


def test_erratum_refuted_in_general_form_and_acknowledged():
    c = BY_ID["eq5.1"]
    o = decide(c)
    assert o.verdict == "refuted" and o.counterexample["k"] == gk.NUMERIC_K
    errata = errata_mod.load(ERRATA_FILE)
    assert errata_mod.acknowledged(errata, c.id, c.printed) is not None
    assert decide(c.correction).verdict == "verified"


@pytest.mark.parametrize("cid", ["eq1.simplex", "eq3.divide", "eq8", "eq13.5", "eq14.1", "eq15.1", "J26", "J28"])
def test_cross_check_against_concrete_claims(cid):
    assert gk.cross_check(cid, ks=range(2, 9), points=1) == []


def test_cross_check_notices_a_difference():
    saved = gk.FORMS["J26"]
    gk.FORMS["J26"] = (lambda: gk._instance([(gk.j25(), gk.j26() * gk.tau)]), None)
    try:
        assert gk.cross_check("J26", ks=range(2, 4), points=1)
    finally:
        gk.FORMS["J26"] = saved


def test_by_equation_summary():
    recs = [
        {"id": "a", "equation": "1", "verdict": "verified", "k": [2, 3]},
        {"id": "a.general", "equation": "1", "verdict": "verified", "k": "symbolic"},
        {"id": "b", "equation": "2", "verdict": "verified", "k": [2]},
        {"id": "c", "equation": "J25", "verdict": "verified", "k": [2]},
        {"id": "c.general", "equation": "J25", "verdict": "verified", "k": "symbolic", "lemma": "L"},
    ]
    out = by_equation(recs)
    assert out["1"]["status"] == "symbolic k"
    assert out["2"]["status"] == "concrete k only"
    assert out["J25"]["status"] == "by lemma"
