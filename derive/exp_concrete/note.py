"""The write-up "The log-space (ExpConcrete) density of Gumbel-softmax and its base measure" as a subject's
parts: its title, its copy (note_copy.md), its claims in page order, how its printed sides are read,
and the lemmas its symbolic-k proofs cite."""
from __future__ import annotations

from pathlib import Path

from ..model import symbols_for
from . import claims as claims_mod

TITLE = "The log-space (ExpConcrete) density of Gumbel-softmax and its base measure"
NOTE_COPY = Path(__file__).with_name("note_copy.md")


def claims() -> list:
    """Every claim of the write-up, in the order of the page."""
    return claims_mod.claims()


def where(claim_id: str, k: int) -> dict:
    """How a printed side is read at size k: the write-up prints y_i where the model has e^{x_i}
    (eq. (2)); the sampled points satisfy it, this makes it provable too."""
    import sympy as sp
    s = symbols_for(k)
    return {s.y[n]: sp.exp(s.x[n]) for n in range(k)}


def lemma_records() -> list[dict]:
    from checks.determinant_lemma import record

    from .lemmas import record as log_record
    return [record(), log_record()]
