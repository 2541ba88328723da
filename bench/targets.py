"""How the benchmarks print: a target beside its figure, "—" where nothing was counted, a closing list.

Each benchmark appends its ``Target``s to a list it is given; ``python -m bench`` prints them all at
the end (``summary``), met or missed, so "all targets met" always says which targets.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

#: what a table shows where nothing was counted (no row measured, a contender not installed)
NONE = "—"


@dataclass(frozen=True)
class Target:
    """``name`` and ``figure`` as measured, ``bound`` the target ("≤ 2e-15", "= 100 %"); ``met`` None
    when it could not be measured (``figure`` says why)."""
    name: str
    figure: str
    bound: str
    met: bool | None

    def __post_init__(self):  # a numpy bool from a comparison becomes a plain one
        object.__setattr__(self, "met", None if self.met is None else bool(self.met))

    @property
    def state(self) -> str:
        return "not measured" if self.met is None else "met" if self.met else "MISSED"

    def line(self) -> str:
        if self.met is None:
            return f"{self.name} not measured: {self.figure} (target {self.bound})"
        return f"{self.name} {self.figure} (target {self.bound}: {self.state})"


def cell(value, spec: str, width: int) -> str:
    """``value`` formatted by ``spec`` and right-aligned, or ``NONE`` for None / NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"{NONE:>{width}}"
    return f"{format(value, spec):>{width}}"


def check(targets: list[Target] | None, target: Target, printer=print) -> bool:
    """Print ``target`` beside its figure, keep it for the closing list, and say whether it was missed
    (a target that could not be measured is not missed)."""
    printer(target.line())
    if targets is not None:
        targets.append(target)
    return target.met is not False


def summary(targets: list[Target]) -> list[str]:
    """The closing list: one line per target with its state, then the count."""
    if not targets:
        return ["no target measured (every benchmark skipped)"]
    width = max((len(t.state) for t in targets), default=0)
    lines = [f"  {t.state:<{width}}  {t.name}: {t.figure} (target {t.bound})" for t in targets]
    missed = [t for t in targets if t.met is False]
    measured = [t for t in targets if t.met is not None]
    if missed:
        lines.append(f"{len(missed)} of {len(measured)} measured targets MISSED: "
                     + ", ".join(t.name for t in missed))
    else:
        lines.append(f"all {len(measured)} measured targets met"
                     + (f" ({len(targets) - len(measured)} not measured)" if len(measured) < len(targets) else ""))
    return lines


def print_targets(targets: list[Target], printer=print) -> None:
    """The closing section of a benchmark run: "== targets ==" and the :func:`summary` lines."""
    printer("\n== targets ==")
    for line in summary(targets):
        printer(line)
