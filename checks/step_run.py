"""Decide every step of an input note (``checks.steps``) against the subject's model, in parallel.

``check(text, world, hints, jobs)`` returns the JSON-ready record of the input's steps in their own
order with their own numbers, the "=" that are notation rather than claims, and the counts.
"""
from __future__ import annotations

import dataclasses
import multiprocessing as mp

from . import step_decide, step_prose, steps
from .step_decide import Context, StepDecision
from .step_text import Unreadable

_STATE: dict = {}


def all_steps(text: str) -> tuple[list[steps.Step], steps.Reading]:
    """The input's steps with its prose claims in place, numbered 1.. in the input's order."""
    reading = steps.read(text)
    prose = step_prose.prose_steps(reading.sentences)
    merged: list[steps.Step] = []
    queue = list(prose)
    for n, step in enumerate(reading.steps):
        while queue and queue[0][0] <= n:
            merged.append(queue.pop(0)[1])
        merged.append(step)
    merged += [s for _, s in queue]
    return [dataclasses.replace(s, index=n) for n, s in enumerate(merged, 1)], reading


def _decide(index: int) -> dict:
    step, ctx = _STATE["steps"][index], _STATE["ctx"]
    if step.kind == "prose":
        return _decide_prose(step, ctx).to_json()
    try:
        return step_decide.decide_step(step, ctx).to_json()
    except step_decide.CheckerBug:
        raise
    except Exception as exc:  # noqa: BLE001 - an unexpected failure is a finding, never a verdict
        return StepDecision(step, "unchecked", f"the checker failed on this step: {type(exc).__name__}: {exc}").to_json()


def _decide_prose(step, ctx) -> StepDecision:
    world = ctx.world(step_decide.KS[0])
    verdict, reason, cex, corrected = step_prose.decide_mean(step, world)
    out = StepDecision(step, verdict, reason, cex, ks=[world.k])
    if corrected:
        out.method = f"corrected claim: the mean is {corrected}"
    if verdict == "refuted" and ctx.hints is not None and cex is not None:
        out.matched, out.erratum = ctx.hints.prose_erratum(step, world)
    return out


def check(text: str, world, hints, jobs: int = 1) -> dict:
    found, reading = all_steps(text)
    ctx = Context(world, hints=hints)
    first = world(step_decide.KS[0])
    for step in found:            # the input's definitions, in order, before any step is decided
        if step.kind != "prose" and not step_decide.differential_names(f"{step.lhs} {step.rhs}"):
            try:
                step_decide.definition(step, ctx, first)
            except Unreadable:
                pass
    _STATE.update(steps=found, ctx=ctx)
    if jobs > 1:
        with mp.get_context("fork").Pool(jobs) as pool:
            records = pool.map(_decide, range(len(found)))
    else:
        records = [_decide(n) for n in range(len(found))]
    counts = {v: sum(r["verdict"] == v for r in records) for v in ("verified", "refuted", "inconclusive", "unchecked")}
    decided = counts["verified"] + counts["refuted"]
    return {"steps": records,
            "notation": [dataclasses.asdict(n) for n in reading.notation],
            "counts": counts,
            "decided_fraction": round(decided / len(records), 4) if records else 0.0,
            "acknowledged": sum(1 for r in records if r["verdict"] == "refuted" and r["erratum"])}


def fails(r: dict) -> bool:
    """A step that fails the run: refuted and not an acknowledged erratum, inconclusive, or one that could
    not be read (unchecked for notation that is not a claim does not fail it)."""
    return ((r["verdict"] == "refuted" and not r["erratum"]) or r["verdict"] == "inconclusive"
            or (r["verdict"] == "unchecked" and r["reason"].startswith(("unreadable", "the checker failed"))))


def failed(result: dict) -> bool:
    """A run fails on any step that :func:`fails`."""
    return any(fails(r) for r in result["steps"])
