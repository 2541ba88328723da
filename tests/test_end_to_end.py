"""The end-to-end checks must be able to fail: a wrong density does not integrate to 1 and does not
match the samples."""
import numpy as np

from derive import end_to_end


def test_final_density_integrates_to_one_for_k2():
    assert end_to_end.normalisation_quadrature((0.3, 0.7), 0.8)["passed"]


def test_wrong_density_fails_normalisation(monkeypatch):
    good = end_to_end.density_function
    monkeypatch.setattr(end_to_end, "density_function", lambda k, m="numpy": (lambda *a: 1.1 * good(k, m)(*a)))
    assert not end_to_end.normalisation_quadrature((0.3, 0.7), 0.8)["passed"]


def test_samples_of_eq1_follow_the_exact_cdf_for_k2():
    assert end_to_end.ks_k2((0.3, 0.7), 0.8, n=5000)["passed"]


def test_samples_at_wrong_temperature_fail_the_ks_test(monkeypatch):
    draw = end_to_end.gumbel_softmax_samples
    monkeypatch.setattr(end_to_end, "gumbel_softmax_samples", lambda pi, t, n, rng: draw(pi, 2 * t, n, rng))
    assert not end_to_end.ks_k2((0.3, 0.7), 0.8, n=5000)["passed"]


def test_samples_lie_on_the_simplex():
    y = end_to_end.gumbel_softmax_samples(np.array([0.2, 0.3, 0.5]), 0.5, 100, np.random.default_rng(0))
    assert np.allclose(y.sum(axis=1), 1) and (y > 0).all()
