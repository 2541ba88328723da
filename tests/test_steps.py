"""The steps of a write-up the verifier was not written for: read from the text itself, matched to the
subject's claims by meaning, never by number (tests/writeups/ holds the write-ups and what must be found)."""
from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest

from checks import step_hints, step_run, steps
from checks.step_decide import Context, decide_step
from gsverify.subjects import gumbel_softmax

sys.path.insert(0, str(Path(__file__).parent))
from note_edits import EDITS, HARMLESS, edit
from writeups import expected

SEED = Path(__file__).resolve().parents[1] / "derive" / "note_copy.md"


@functools.cache
def subject():
    return gumbel_softmax()


def _hints():
    s = subject()
    errata = {cid: e.explanation for e in s.errata for cid in e.claims}
    return step_hints.Hints(s.claims, s.model, s.hints.where, errata)


@functools.cache
def checked(text: str) -> dict:
    return step_run.check(text, subject().world, _hints(), jobs=2)


def _hits(result: dict, ident) -> list[dict]:
    number, piece = ident
    return [r for r in result["steps"] if r["equation"] == number
            and expected.squash(piece) in expected.squash(r["printed"])]


def _assert_refuted_exactly(result: dict, idents) -> None:
    wanted = set()
    for ident in idents:
        hits = _hits(result, ident)
        assert hits, f"no step matches {ident}"
        for r in hits:
            assert r["verdict"] == "refuted", (ident, r["verdict"], r["reason"])
            assert r["counterexample"] is not None
            wanted.add(r["step"])
    extra = [(r["step"], r["equation"], r["printed"][:60], r["reason"][:80]) for r in result["steps"]
             if r["verdict"] == "refuted" and r["step"] not in wanted]
    assert not extra, f"refuted beyond the known wrong steps: {extra}"


def test_seed_copy_only_its_errata_refuted_and_acknowledged():
    result = checked(SEED.read_text())
    refuted = [r for r in result["steps"] if r["verdict"] == "refuted"]
    assert refuted and all(r["erratum"] for r in refuted)
    assert not [r for r in result["steps"] if r["verdict"] == "inconclusive"]
    assert not step_run.failed(result)
    assert any(r["kind"] == "prose" and r["verdict"] == "refuted" for r in refuted)


@pytest.mark.parametrize("name", sorted(expected.REFUTED))
def test_writeup_refuted_exactly_at_its_wrong_steps(name):
    result = checked(expected.read(name))
    _assert_refuted_exactly(result, expected.REFUTED[name])
    counts = result["counts"]
    eq_steps = [r for r in result["steps"] if r["kind"] != "prose"]
    decided = sum(r["verdict"] in ("verified", "refuted") for r in eq_steps)
    assert decided / len(eq_steps) >= 0.9, counts


@pytest.mark.parametrize("name", [v[0] for v in expected.SEED_WRONG_VARIANTS])
def test_wrong_variant_refuted_at_its_place(name):
    """Only the steps whose text the edit changed are decided (the rest are the seed_reformatted ones)."""
    before = {s.printed for s in step_run.all_steps(expected.read("seed_reformatted.md"))[0]}
    found, _ = step_run.all_steps(expected.variant_text(name))
    changed = [s for s in found if s.printed not in before]
    assert changed
    ctx = Context(subject().world, hints=_hints())
    records = [decide_step(s, ctx).to_json() for s in changed]
    number, piece = expected.SEED_WRONG_REFUTED[name]
    hits = [r for r in records if r["equation"] == number and expected.squash(piece) in expected.squash(r["printed"])]
    assert hits and all(r["verdict"] == "refuted" for r in hits), [(r["printed"][:50], r["verdict"], r["reason"][:90]) for r in records]
    wrongly = [r for r in records if r["verdict"] == "refuted" and r not in hits and not r["erratum"]]
    assert not wrongly


def _one(lhs: str, rhs: str, context: str = "") -> dict:
    step = steps.Step(1, "display", "15", lhs, rhs, context=context)
    return decide_step(step, Context(subject().world, hints=_hints())).to_json()


D15 = r"\frac{\partial h_i^{-1}(y_1, \dots, y_{k-1})}{\partial y_j}"


def test_a_prefix_is_never_read_as_the_side():
    r = _one(D15, r"\tau \times \frac{1}{y_k} + (5")
    assert r["verdict"] == "unchecked" and "unreadable" in r["reason"]


def test_symbol_before_parenthesis_is_a_product():
    r = _one(r"\frac{\partial h_i^{-1}(y_1, \dots, y_{k-1})}{\partial y_i}",
             r"\tau \left( \frac{1}{y_i} + \frac{1}{y_k} \right)")
    assert r["verdict"] == "verified", r


def test_false_edit_of_a_derivative_refuted_with_point_and_values():
    r = _one(D15, r"-\tau \frac{1}{y_k}")
    assert r["verdict"] == "refuted"
    assert r["counterexample"]["lhs"] != r["counterexample"]["rhs"]


def test_a_definition_agreeing_with_the_model_is_verified_and_one_disagreeing_refuted():
    assert _one("u_i", r"x_i + g_i - (x_k + g_k)")["verdict"] == "verified"
    assert _one("u_i", r"g_i - g_k")["verdict"] == "refuted"


def test_mathrm_d_reads_as_d():
    plain = _one(r"\int_0^{\infty} dv\, v e^{-v}", "1")
    roman = _one(r"\int_0^{\infty} \mathrm{d}v\, v e^{-v}", "1")
    assert plain["verdict"] == roman["verdict"] == "verified"


def test_inline_differentials_sign_error_refuted():
    assert _one(r"dg_k", r"-dv/v")["verdict"] == "verified"
    assert _one(r"dg_k", r"dv/v")["verdict"] == "refuted"


def test_chains_split_numbered_per_row_and_continued():
    text = ("$$\\begin{aligned} a_i &= x_i + 1 \\tag{3} \\\\ &= 1 + x_i \\tag{4} \\end{aligned}$$\n"
            "Then\n$$ = x_i + 1 \\quad \\text{for } i = 1, \\dots, k $$\nand $y = 2 = 1 + 1$.")
    found, _ = step_run.all_steps(text)
    printed = [(s.equation, s.printed) for s in found]
    assert printed[0] == ("3", "a_i = x_i + 1")
    assert printed[1] == ("4", "x_i + 1 = 1 + x_i")
    assert printed[2] == (None, "1 + x_i = x_i + 1")
    assert [s.kind for s in found[3:]] == ["inline", "inline"]


def _changed_records(text: str) -> list[dict]:
    before = {s.printed for s in step_run.all_steps(SEED.read_text())[0]}
    found, _ = step_run.all_steps(text)
    changed = [s for s in found if s.printed not in before]
    ctx = Context(subject().world, hints=_hints())
    return [decide_step(s, ctx).to_json() for s in changed]


@pytest.mark.parametrize("eq,kind,old,new", EDITS, ids=[f"{e}-{k}" for e, k, _, _ in EDITS])
def test_every_edit_of_the_seed_refuted_at_its_own_display(eq, kind, old, new):
    records = _changed_records(edit(SEED.read_text(), eq, old, new))
    assert records and any(r["verdict"] == "refuted" for r in records), records
    assert all(r["equation"] == eq for r in records if r["verdict"] == "refuted")


@pytest.mark.parametrize("eq,kind,old,new", HARMLESS, ids=[f"{e}-{k}" for e, k, _, _ in HARMLESS])
def test_harmless_edit_of_the_seed_verified(eq, kind, old, new):
    records = _changed_records(edit(SEED.read_text(), eq, old, new))
    assert records and all(r["verdict"] == "verified" for r in records), records


def test_an_undefined_indexed_symbol_is_unreadable_never_sampled():
    r = _one("y_i", r"z_i / 2")
    assert r["verdict"] == "unchecked" and "undefined symbol z_" in r["reason"]
    assert step_run.failed({"steps": [r]})


def test_density_with_a_labelled_p_and_a_colon_equals_definition():
    assert _one(r"p_{\mathbf{u}}(u_1, \dots, u_{k-1})",
                r"\Gamma(k) \prod_{i=1}^{k} e^{x_i - u_i} \left(\sum_{i=1}^{k} e^{x_i - u_i}\right)^{-k}")["verdict"] == "verified"
    found, _ = step_run.all_steps(r"Let $s := \sum_{j=1}^{k} e^{x_j}$ be the sum.")
    assert [(s.lhs, s.rhs) for s in found] == [("s", r"\sum_{j=1}^{k} e^{x_j}")]


def test_a_write_up_symbol_is_used_by_later_steps():
    text = (r"Let $s = \sum_{j=1}^{k} e^{x_j - u_j}$. Then $$p(u_1, \dots, u_{k-1}) = \Gamma(k) "
            r"\left(\prod_{i=1}^{k} e^{x_i - u_i}\right) s^{-k} \tag{1}$$ and, wrongly, $$p(u_1, \dots, u_{k-1}) = "
            r"\Gamma(k) \left(\prod_{i=1}^{k} e^{x_i - u_i}\right) s^{k} \tag{2}$$")
    result = step_run.check(text, subject().world, _hints(), jobs=1)
    verdicts = [(r["equation"], r["verdict"]) for r in result["steps"]]
    assert verdicts == [(None, "unchecked"), ("1", "verified"), ("2", "refuted")], verdicts


def test_a_step_stated_for_one_size_is_checked_at_that_size():
    from checks.step_decide import sizes
    found, _ = step_run.all_steps(r"For $k = 2$ this reads $p(\mathbf{y}) = \tau \pi_1 \pi_2 y_1^{-\tau-1} "
                                  r"y_2^{-\tau-1} \left( \pi_1 y_1^{-\tau} + \pi_2 y_2^{-\tau} \right)^{-2}$.")
    density = next(s for s in found if s.lhs.startswith("p("))
    assert sizes(density) == (2,)
    assert decide_step(density, Context(subject().world, hints=_hints())).verdict != "refuted"


def test_a_symbol_stated_again_is_checked_not_redefined():
    text = (r"Let $s = \sum_{j=1}^{k} e^{x_j - u_j}$. On the simplex $$s = \sum_{b=1}^{k} e^{x_b} "
            r"\left(\frac{y_b}{y_k}\right)^{-\tau} \tag{1}$$ and wrongly $$s = \sum_{b=1}^{k} e^{x_b} "
            r"\left(\frac{y_b}{y_k}\right)^{\tau} \tag{2}$$")
    result = step_run.check(text, subject().world, _hints(), jobs=1)
    assert [(r["equation"], r["verdict"]) for r in result["steps"]] == [
        (None, "unchecked"), ("1", "verified"), ("2", "refuted")]


def test_the_mean_stated_with_gamma_is_verified():
    found, _ = step_run.all_steps(r"Given $g_k$, the variable $u_a$ is a Gumbel variable with location "
                                  r"$x_a - x_k - g_k$; its mean is therefore $x_a - x_k - g_k + \gamma$.")
    prose = [s for s in found if s.kind == "prose"]
    assert prose and step_run._decide_prose(prose[0], Context(subject().world, hints=_hints())).verdict == "verified"
