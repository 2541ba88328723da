"""The gradients of (J28) derived by SymPy (codegen.gradients): claims that can fail, and the 40-digit
reference the backends' autodiff gradients are tested against (bench.reference.gradient_row)."""
import mpmath
import pytest

from bench.reference import gradient_row, log_density_row
from checks.decide import decide
from codegen import gradients
from codegen.claims import CLAIMS, _at_log_y, _build, _claim, j28_logits
from derive.model import MODEL


def test_every_gradient_has_a_claim():
    assert {f"cg.grad_{name}" for name in gradients.GRADIENTS} <= {c.id for c in CLAIMS}
    assert all(c.ks == tuple(range(2, 9)) for c in CLAIMS if c.id.startswith("cg.grad_"))


@pytest.mark.parametrize("name", ["logits", "tau", "log_y"])
def test_a_wrong_gradient_is_refuted(name):
    """1 - (k-1) s_a for 1 - k s_a, and the like: the derivative with its k replaced by k - 1 is refuted."""
    def wrong(s):
        out = gradients.pairs(name, s, j28_logits(s), _at_log_y(s))
        return [(a.subs(s.k, s.k - 1) if a.has(s.k) else a + 1, b) for a, b in out]
    claim = _claim(f"cg.grad_{name}.wrong", "J28", "a wrong gradient", "x", _build(wrong), ks=(3,))
    assert decide(claim, MODEL).verdict == "refuted"


@pytest.mark.parametrize("l, x, tau", [
    ([-1.2, -0.5, -1.9], [0.3, -0.2, 1.0], 0.7),
    ([-0.1, -3.0], [2.0, -1.0], 5.0),
    ([-0.01, -7.0, -6.5, -9.0], [0.0, 0.0, 0.5, -4.0], 0.1),
])
def test_gradient_reference_is_the_derivative_of_the_verified_expression(l, x, tau):
    """Against mpmath's numerical derivative of the verified log (J28) (bench.reference.log_density_row)."""
    g = gradient_row(l, x, tau)
    with mpmath.workdps(50):
        L, X, T = [mpmath.mpf(v) for v in l], [mpmath.mpf(v) for v in x], mpmath.mpf(tau)
        for a in range(len(l)):
            dx = mpmath.diff(lambda v, a=a: log_density_row(L, X[:a] + [v] + X[a + 1:], T), X[a])
            dl = mpmath.diff(lambda v, a=a: log_density_row(L[:a] + [v] + L[a + 1:], X, T), L[a])
            assert abs(g["logits"][a] - dx) < mpmath.mpf(10) ** -30
            assert abs(g["log_y"][a] - dl) < mpmath.mpf(10) ** -30
            assert abs(g["y"][a] - dl / mpmath.exp(L[a])) < mpmath.mpf(10) ** -30 * max(1, abs(g["y"][a]))
        dt = mpmath.diff(lambda v: log_density_row(L, X, v), T)
        assert abs(g["tau"] - dt) < mpmath.mpf(10) ** -30
