"""The README's training example runs as printed, and trains: the logits end up pointing at the targets."""
import re
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="the torch extra is not installed (pip install -e '.[torch]')")

README = Path(__file__).resolve().parent.parent / "README.md"


def _example() -> str:
    text = README.read_text()
    (code,) = re.findall(r"<!-- example:torch -->\n```python\n(.*?)```", text, flags=re.DOTALL)
    return code


def test_the_readme_training_example_runs_and_trains():
    torch.manual_seed(0)
    scope: dict = {}
    exec(compile(_example(), "README.md", "exec"), scope)  # noqa: S102 - the README's own example
    logits, target, loss = scope["logits"], scope["target"], scope["loss"]
    assert torch.isfinite(loss)
    assert logits.grad is not None and torch.isfinite(logits.grad).all()
    assert (logits.argmax(-1) == target.argmax(-1)).float().mean() > 0.9
