"""``reports/derivation.md``: the derivation report for a Git host (math in ``$$ … $$`` and ``$ … $``)."""
from __future__ import annotations

import os
from pathlib import Path

from . import model as M

ICON = {"verified": "✅ verified", "refuted": "❌ refuted", "inconclusive": "⚠️ inconclusive",
        "unchecked": "➖ unchecked"}


_num = M.number_text
NO_CLAIMS = "No claim of the subject was checked here; the input's refuted steps are listed with its steps."


def _short(text: str, limit: int = 60) -> str:
    return M.value_text(text, limit)


def _math_block(latex: str) -> list[str]:
    return ["", "$$", latex.strip(), "$$", ""]


def _verdict(c: M.ClaimView) -> str:
    text = ICON.get(c.verdict, c.verdict)
    if c.lemma and c.verdict == "verified":
        text += f" (by lemma: {c.lemma})"
    if c.status == "acknowledged":
        text += " (acknowledged erratum)"
    return text


def _claim(c: M.ClaimView, heading: str = "###") -> list[str]:
    out = [f"{heading} {c.label} `{c.id}` — {_verdict(c)}", "", f"*{c.statement}*", ""]
    where = "a numbered display" if c.source == "display" else "the prose"
    out.append(f"**As printed** (from {where}):")
    if c.printed_is_prose:
        out += ["", f"> {c.printed}", ""]
    else:
        out += _math_block(c.printed)
    out += ["<details><summary>LaTeX source</summary>", "", "```latex", c.printed, "```", "", "</details>", ""]
    if c.checked_latex:
        lhs, rhs = c.checked_latex
        out.append("**As checked** (SymPy, at the smallest k):")
        out += _math_block(f"{lhs} \\;=\\; {rhs}")
    out += [
        f"- **Rule:** {c.rule} — {c.rule_text}",
        "- **Decided by:** " + ("; ".join(c.methods) if c.methods else "—"),
        f"- **Numeric cross-check:** {c.points} points"
        + (f" at {c.digits} digits" if c.digits else "") + f", largest |lhs − rhs| = {_num(c.max_difference)}",
        f"- **k checked:** {c.ks}",
        f"- **Time:** {c.seconds:.2f} s",
        f"- **Verdict:** {_verdict(c)}",
    ]
    if c.fidelity:
        out.append(f"- **Tied to the note as printed:** {c.fidelity}")
    if c.note:
        out.append(f"- **Note:** {c.note}")
    if c.counterexample:
        ce = c.counterexample
        point = ", ".join(f"{k} = {_short(v, 22)}" for k, v in (ce.get("point") or {}).items())
        out.append(f"- **Counterexample** (k = {ce.get('k')}): at {point}: "
                   f"lhs = {_short(ce.get('lhs'))}, rhs = {_short(ce.get('rhs'))}")
    if c.erratum:
        out.append(f"- **Erratum:** {c.erratum}")
    out.append("")
    if c.correction is not None:
        out += [f"**Corrected claim** `{c.correction.id}`:", ""]
        out += ["> " + line if line else ">" for line in _claim(c.correction, "####")]
        out.append("")
    return out


def _step_verdict(s: M.StepView) -> str:
    return ICON.get(s.verdict, s.verdict) + (" (acknowledged erratum)" if s.status == "acknowledged" else "")


def _step(s: M.StepView) -> list[str]:
    out = [f"### Step {s.step} — {s.where} — {_step_verdict(s)}"]
    if s.kind == "prose":
        out += ["", f"> {' '.join(s.printed.split())}", ""]
    elif s.printed_html is not None and s.printed.strip():
        out += _math_block(s.printed)
    else:
        out += ["", "```latex", s.printed, "```", ""]
    if s.qualifier:
        out.append(f"- **Qualifier:** {s.qualifier}")
    out.append(f"- **Verdict:** {_step_verdict(s)}" + (f" — {s.reason}" if s.reason else ""))
    if s.method:
        out.append(f"- **Decided by:** {s.method}")
    if s.normalizations:
        out.append("- **Read as:** " + "; ".join(s.normalizations))
    if s.ks != "—":
        out.append(f"- **k checked:** {s.ks}")
    if s.counterexample:
        out.append(f"- **Counterexample:** {s.counterexample}")
    if s.erratum:
        out.append(f"- **acknowledged erratum:** {s.erratum}")
    if s.matched_claim:
        out.append(f"- **Matched claim:** `{s.matched_claim}`")
    return out + [""]


def _steps(v: M.StepsView) -> list[str]:
    out = ["## Steps of the input, in its own order", "", f"**{v.line}** ({v.seconds:.1f} s).", ""]
    out += ["| step | where | verdict |", "|---|---|---|"]
    out += [f"| {s.step} | {s.where} | {_step_verdict(s)} |" for s in v.steps] + [""]
    if v.notation:
        out += ["**Not steps** (an “=” of notation, not a claim):", ""] + [f"- `{n}`" for n in v.notation] + [""]
    for s in v.steps:
        out += _step(s)
    return out


def render(m: M.Model, out_dir: Path) -> str:
    c = m.counts
    out = [f"# {m.title}: step-by-step verification", ""]
    out.append(f"**{'PASSED' if m.passed else 'FAILED'}** — {m.verdict_line}.")
    if m.steps is not None and not m.claims:   # a write-up of its own: its steps come first
        out += [""] + _steps(m.steps)
    out += ["", "| | |", "|---|---|"]
    for v in M.VERDICTS:
        out.append(f"| {ICON[v]} | {c.get(v, 0)} |")
    out += [
        f"| total claims | {m.total_claims} |",
        f"| total time | {m.seconds:.1f} s |",
        f"| SymPy | {m.sympy} |",
        f"| mpmath | {m.mpmath} |",
        f"| note | {('`' + m.note_file + '`') if m.note_file else '—'} |",
        f"| note SHA-256 | {('`' + m.note_sha256 + '`') if m.note_sha256 else '—'} |",
        f"| subject | `{m.subject}` |", "",
    ]
    if m.steps is not None and m.claims:
        out += _steps(m.steps)
    if m.checker_bugs:
        out += ["## Checker bugs", ""] + [f"- `{b.get('id')}`: {b.get('checker_bug')}" for b in m.checker_bugs] + [""]
    out += ["## Errata", ""]
    if not m.errata:
        out += [NO_CLAIMS if m.steps is not None and not m.claims else "No claim of the note was refuted.", ""]
    for e in m.errata:
        status = "acknowledged" if e.erratum else "**not acknowledged**"
        out.append(f"- [{e.label} `{e.id}`](#{_anchor(e)}) ({status}): {e.erratum or e.statement}")
        if e.correction is not None:
            out.append(f"  - correction `{e.correction.id}` ({e.correction.verdict}): {e.correction.statement}")
            out += ["    " + line if line else "" for line in _math_block(e.correction.printed)] if not \
                e.correction.printed_is_prose else [f"    > {e.correction.printed}"]
    out.append("")
    if m.coverage:
        out += ["## Coverage of the note as printed", ""]
        for what, items in m.coverage.items():
            out.append(f"- **{what}:** " + "; ".join(f"`{i}`" for i in items))
        out.append("")
    out += ["## Figures", ""]
    if m.figures:
        for f in m.figures:
            rel = os.path.relpath(f.path, out_dir) if Path(f.path).is_absolute() == Path(out_dir).is_absolute() \
                else Path(f.path).name
            out += [f"![{f.caption}]({Path(rel).as_posix()})", "", f"*{f.caption}*", ""]
    else:
        out += [f"Figures skipped: {m.figures_skipped or 'none made'}.", ""]
    out += ["## Claims, in the order of the note", ""]
    if not m.claims:
        out += ["No claim of the subject was checked on its own here; its claims served only as hints.", ""]
    out += ["| # | claim | rule | verdict | k | time |", "|---|---|---|---|---|---|"]
    for i, cl in enumerate(m.claims, 1):
        out.append(f"| {i} | [{cl.label} `{cl.id}`](#{_anchor(cl)}) | {cl.rule} | {_verdict(cl)} | {cl.ks} | "
                   f"{cl.seconds:.2f} s |")
    out.append("")
    for cl in m.claims:
        out += _claim(cl)
    return "\n".join(out).rstrip() + "\n"


def _anchor(c: M.ClaimView) -> str:
    """GitHub's anchor of the claim's heading."""
    text = f"{c.label} {c.id} — {_verdict(c)}".lower()
    keep = [ch if (ch.isalnum() or ch in "-_ ") else "" for ch in text]
    return "".join(keep).replace(" ", "-")


def write(report: dict, out_dir: Path, figures=None) -> Path:
    out_dir = Path(out_dir)
    m = M.build(report, out_dir, figures)
    path = out_dir / "derivation.md"
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(render(m, out_dir))
    os.replace(tmp, path)
    return path
