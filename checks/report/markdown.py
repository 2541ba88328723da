"""``reports/derivation.md``: the derivation report for a Git host (math in ``$$ … $$`` and ``$ … $``)."""
from __future__ import annotations

import contextvars
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


def _typeset(latex: str, prose: bool) -> list[str]:
    return ["", f"> {' '.join(latex.split())}", ""] if prose else _math_block(latex)


def _claim_body(c: M.ClaimView) -> list[str]:
    out = [f"*{c.statement}*", ""]
    if c.is_printed:
        out.append(f"**As printed** (in {c.printed_where}):")
    else:
        out.append("**Not printed**: a completion the project adds. Its statement:")
    out += _typeset(c.printed, c.printed_is_prose)
    out += ["<details><summary>LaTeX source</summary>", "", "```latex", c.printed, "```", "", "</details>", ""]
    if c.checked_latex and len(c.checked_latex) == 2:
        lhs, rhs = c.checked_latex
        out.append(f"**As checked** ({c.checked_caption}):")
        out += _math_block(lhs if lhs == rhs else f"{lhs} \\;=\\; {rhs}")
    out += [f"- **Tied to the note:** {c.tie}"]
    if c.checked_as:
        out.append(f"- **Checked as:** {c.checked_as}")
    if c.normalizations:
        out.append("- **Read with:** " + "; ".join(f"`{n}`" + (f" ({_plain(w)})" if w else "")
                                                   for n, w in c.normalizations))
    out += [
        f"- **Rule:** {c.rule} — {c.rule_text}",
        "- **Decided by:** " + ("; ".join(c.methods) if c.methods else "—"),
        f"- **Numeric cross-check:** {c.numeric}",
    ]
    if c.counterexample_line:
        out.append(f"- **Counterexample:** {c.counterexample_line}")
    out += [f"- **k checked:** {c.ks}", f"- **Time:** {c.seconds:.2f} s", f"- **Verdict:** {_verdict(c)}"]
    if c.note:
        out.append(f"- **Note:** {c.note}")
    if c.erratum:
        out.append(f"- **Erratum:** {c.erratum}")
    out.append("")
    if c.correction is not None:
        out += [f"**Corrected claim** `{c.correction.id}` — {_verdict(c.correction)}:", ""]
        out += ["> " + line if line else ">" for line in _claim_body(c.correction)]
        out.append("")
    return out


def _cell(text: str) -> str:
    """Text in a Markdown table cell: a pipe would end the cell."""
    return text.replace("|", "\\|")


def _plain(text: str) -> str:
    """Glossary text inside Markdown: backslashes and pipes kept literal."""
    return text.replace("|", "\\|")


def _claim(c: M.ClaimView) -> list[str]:
    return [f'<a id="{_ref(c.id)}"></a>', "<details>",
            f"<summary>{_verdict(c)} — <b>{c.label}</b> <code>{c.id}</code>: {_html_text(c.statement)}</summary>",
            ""] + _claim_body(c) + ["</details>", ""]


def _html_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _erratum(e: M.ClaimView) -> list[str]:
    status = "acknowledged erratum" if e.erratum else "**not acknowledged**"
    out = [f"### {e.label} `{e.id}` ({status})", "", "**As printed:**"] + _typeset(e.printed, e.printed_is_prose)
    if e.correction is not None:
        out.append(f"**Corrected** (`{e.correction.id}`, {_verdict(e.correction)}):")
        out += _typeset(e.correction.printed, e.correction.printed_is_prose)
    if e.counterexample_line:
        out.append(f"- **Where it fails:** {e.counterexample_line}")
    if e.erratum:
        out.append(f"- **Why:** {e.erratum}")
    out += [f"- **What follows:** {M.erratum_consequence(e)}", f"- **Claim:** [{e.id}](#{_ref(e.id)})", ""]
    return out


def _tally(claims: list[M.ClaimView]) -> str:
    ok, ack, bad = M.tally(claims)
    return f"✅ {ok}" + (f" · ❌ {ack} acknowledged" if ack else "") + (f" · ❌ {bad} failing" if bad else "")


def _ids(ids: list[str]) -> str:
    return ", ".join(f"[`{i}`](#{_ref(i)})" for i in ids) or "—"


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
        out.append(f"- **Qualifier:** ${s.qualifier.strip()}$")
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
    out = _section("Steps of the input, in its own order", "steps") + [f"**{v.line}** ({v.seconds:.1f} s).", ""]
    out += ["| step | where | verdict |", "|---|---|---|"]
    out += [f"| {s.step} | {s.where} | {_step_verdict(s)} |" for s in v.steps] + [""]
    if v.notation:
        out += ["**Not steps** (an “=” of notation, not a claim):", ""] + [f"- `{n}`" for n in v.notation] + [""]
    for s in v.steps:
        out += _step(s)
    return out


def _ref(name: str) -> str:
    """An anchor in the derivation being rendered (a further derivation's carry its namespace)."""
    return _NS.get() + name


def _section(title: str, name: str, level: str = "##") -> list[str]:
    """A heading with an explicit anchor: links never depend on how a Git host derives heading anchors."""
    return [f'<a id="{_ref(name)}"></a>', "", f"{level} {title}", ""]


def _contents(m: M.Model) -> list[str]:
    out = ["## Contents", "", f"- [Summary](#{_ref('summary')})"]
    out += [f"- [Steps of the input, in its own order](#{_ref('steps')})"] if m.steps else []
    out += [f"- [Errata of the note as given](#{_ref('errata')}) ({len(m.errata)})",
            f"- [End-to-end checks](#{_ref('end-to-end')})", f"- [Coverage by equation](#{_ref('coverage')})",
            f"- [Figures](#{_ref('figures')})", f"- [Claims, by equation](#{_ref('claims')})"]
    out += [f"  - [{lab}](#{_ref(anchor)}) {_tally(cs)}" for anchor, lab, cs in m.equations]
    out += [f"- Further derivations of this run: [{d.title}](#{d.ns}derivation) — {d.verdict_line}"
            for d in m.derivations]
    return out + [""]


_NS: contextvars.ContextVar[str] = contextvars.ContextVar("ns", default="")


def render(m: M.Model, out_dir: Path) -> str:
    """The whole report: the subject's derivation, then each further derivation of the run as a section."""
    out = _body(m, out_dir)
    for sub in m.derivations:
        token = _NS.set(sub.ns)
        try:
            out += ["", f'<a id="{_ref("derivation")}"></a>', ""] + _body(sub, out_dir)
        finally:
            _NS.reset(token)
    return "\n".join(out).rstrip() + "\n"


def _body(m: M.Model, out_dir: Path) -> list[str]:
    c = m.counts
    out = [f"# {m.title}: step-by-step verification", ""]
    out.append(f"**{'PASSED' if m.passed else 'FAILED'}** — {m.verdict_line}.")
    if m.failing:
        out += ["", "**Failing claims:** " + _ids([f.id for f in m.failing])]
    out += [""] + _contents(m)
    if m.steps is not None and not m.claims:   # a write-up of its own: its steps come first
        out += _steps(m.steps)
    out += _section("Summary", "summary") + ["| | |", "|---|---|"]
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
    out += _section("Errata of the note as given", "errata") + [M.errata_intro(m.note_file), ""]
    if not m.errata:
        out += [NO_CLAIMS if m.steps is not None and not m.claims else M.NO_ERRATA, ""]
    for e in m.errata:
        out += _erratum(e)
    out += _section("End-to-end checks", "end-to-end")
    if m.end_to_end:
        out += [M.END_TO_END, "",
                "| check | k | τ | π | method | value | error | result |", "|---|---|---|---|---|---|---|---|"]
        out += [f"| {_cell(e.name)} | {e.k} | {e.tau} | {e.pi} | {_cell(e.method)} | {e.value} | {e.error} | "
                f"{'✅ passed' if e.passed else '❌ FAILED'} |" for e in m.end_to_end] + [""]
    else:
        out += ["The subject defines no end-to-end checks.", ""]
    out += _section("Coverage by equation", "coverage") + [M.COVERAGE, ""]
    if m.by_equation:
        out += ["| equation | status | symbolic k | by lemma | concrete k only | restatements |",
                "|---|---|---|---|---|---|"]
        out += [f"| {e.label} | {e.status} | {_ids(e.symbolic_k)} | {_ids(e.by_lemma)} | {_ids(e.concrete_only)} | "
                f"{_ids(e.restatements)} |" for e in m.by_equation] + [""]
    if m.coverage:
        out += ["Of the note as printed:", ""]
        for what, items in m.coverage.items():
            out.append(f"- **{what}:** " + "; ".join(f"`{i}`" for i in items))
        out.append("")
    if m.glossary:
        out += ["<details><summary>How printed LaTeX is read (the normalizations each claim lists)</summary>", ""]
        out += [f"- `{k}`: {_plain(str(v))}" for k, v in m.glossary.items()] + ["", "</details>", ""]
    out += _section("Figures", "figures")
    if m.figures:
        for f in m.figures:
            rel = os.path.relpath(f.path, out_dir) if Path(f.path).is_absolute() == Path(out_dir).is_absolute() \
                else Path(f.path).name
            out += [f"![{f.caption}]({Path(rel).as_posix()})", "", f"*{f.caption}*", ""]
    else:
        out += [f"Figures skipped: {m.figures_skipped or 'none made'}.", ""]
    out += _section("Claims, by equation", "claims")
    if not m.claims:
        out += [M.HINTS_ONLY, ""]
    else:
        out += [M.CLAIMS, ""]
    for anchor, lab, claims in m.equations:
        out += _section(f"{lab} {_tally(claims)}", anchor, "###")
        for cl in claims:
            out += _claim(cl)
    return out


def write(report: dict, out_dir: Path, figures=None) -> Path:
    out_dir = Path(out_dir)
    m = M.build(report, out_dir, figures)
    path = out_dir / "derivation.md"
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(render(m, out_dir))
    os.replace(tmp, path)
    return path
