"""Every claim, made false on purpose, is refuted (issue: honest claims; recall printed by make bench)."""
import pytest
import sympy as sp

from bench.recall import base_instances
from checks.perturb import change_one_term, recall, shift_exponents
from derive.model import K
from gsverify.subjects import gumbel_softmax


def test_perturbations_change_what_they_should():
    x, y = sp.symbols("x y", positive=True)
    assert change_one_term(x * (1 + y)) != x * (1 + y)
    assert change_one_term(x * y) is None                      # no sum: not applicable
    assert shift_exponents(x ** (-K), K) == x ** (-K - 1)
    assert shift_exponents(x ** 2, K) is None


@pytest.mark.slow
def test_every_perturbed_claim_is_refuted():
    subject = gumbel_softmax()
    result = recall(subject.claims, subject.model, base_instances(subject))
    assert result["applicable"] >= 2 * len(subject.claims)     # both sides of every claim at least once
    assert result["missed"] == []
    assert result["recall"] == 1.0
