"""``reports/derivation.html``: one self-contained page (inline CSS, MathML, inline SVG figures).

No script, stylesheet, font or image is loaded from anywhere: the math is presentation
MathML (rendered natively by current Chromium and Firefox), the figures are inline SVG.
"""
from __future__ import annotations

import os
from html import escape
from pathlib import Path

from . import model as M
from .latex_mathml import to_mathml

CSS = """
:root { --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --ack: #8250df; --line: #d0d7de; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1100px;
       padding: 1.5em; color: #1f2328; background: #fff; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { border-bottom: 1px solid var(--line); padding-bottom: .2em; }
table { border-collapse: collapse; margin: .5em 0 1em; } th, td { border: 1px solid var(--line); padding: .25em .6em;
  text-align: left; vertical-align: top; } th { background: #f6f8fa; }
code, pre { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; } pre { background: #f6f8fa; padding: .6em;
  overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.verdict { font-weight: 600; padding: .05em .5em; border-radius: 1em; color: #fff; white-space: nowrap; }
.verdict.verified { background: var(--ok); } .verdict.refuted { background: var(--bad); }
.verdict.inconclusive { background: var(--warn); } .verdict.unchecked { background: #d0d0d0; color: #222; } .verdict.acknowledged { background: var(--ack); }
.claim { border: 1px solid var(--line); border-radius: 6px; padding: .2em 1em .8em; margin: 1em 0; }
.claim.refuted { border-left: 6px solid var(--bad); } .claim.inconclusive { border-left: 6px solid var(--warn); }
.correction { border-left: 6px solid var(--ok); background: #f6fff8; }
.math { overflow-x: auto; overflow-y: hidden; padding: .2em 0; }
math[display="block"] { margin: .4em 0; } math { font-size: 1.1em; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; margin: .5em 0; }
dt { font-weight: 600; color: #57606a; } dd { margin: 0; }
td:last-child, td:nth-child(5) { white-space: nowrap; }
table.steps td:last-child { white-space: normal; } table.steps dl { margin: 0; }
table.steps { table-layout: fixed; width: 100%; } table.steps td { vertical-align: top; overflow-wrap: anywhere; }
table.steps th:nth-child(1) { width: 3em; } table.steps th:nth-child(2) { width: 5em; }
table.steps th:nth-child(3) { width: 42%; } table.steps th:nth-child(4) { width: 9em; }
table.steps td:nth-child(3) { overflow-x: auto; }
@media (max-width: 700px) { table.steps, table.steps tbody, table.steps tr, table.steps td { display: block; width: auto; }
  table.steps thead { display: none; } table.steps tr { border-top: 2px solid var(--line); padding: .3em 0; } }
.status { font-size: 1.2em; font-weight: 700; } .status.pass { color: var(--ok); } .status.fail { color: var(--bad); }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; } figcaption { color: #57606a; }
.prose { font-style: italic; }
"""


def _num(x) -> str:
    return escape(M.number_text(x))


def _short(text, limit: int = 60) -> str:
    return escape(M.value_text(text, limit))


def _badge(c: M.ClaimView) -> str:
    if c.status == "acknowledged":
        return '<span class="verdict refuted">refuted</span> <span class="verdict acknowledged">acknowledged erratum</span>'
    lemma = f" (by lemma: {escape(c.lemma)})" if c.lemma and c.verdict == "verified" else ""
    return f'<span class="verdict {escape(c.verdict)}">{escape(c.verdict)}</span>{lemma}'


def _checked(c: M.ClaimView) -> str:
    if c.checked_mathml:
        return f'<div class="math">{c.checked_mathml}</div>'
    if c.checked_latex:
        return f'<div class="math">{to_mathml(c.checked_latex[0] + " = " + c.checked_latex[1])}</div>'
    return "<p>—</p>"


def _claim(c: M.ClaimView, correction: bool = False) -> str:
    cls = "claim correction" if correction else f"claim {escape(c.verdict)}"
    head = "Corrected claim" if correction else escape(c.label)
    where = "a numbered display" if c.source == "display" else "the prose"
    printed = (f'<p class="prose">“{c.printed_html}”</p>' if c.printed_is_prose
               else f'<div class="math">{c.printed_html}</div>')
    rows = [
        ("As printed", f"{printed}<details><summary>LaTeX source</summary><pre>{escape(c.printed)}</pre></details>"),
        ("As checked", _checked(c) + "<small>SymPy, at the smallest k checked</small>"),
        ("Rule", f"{escape(c.rule)} — {escape(c.rule_text)}"),
        ("Decided by", "<br>".join(escape(x) for x in c.methods) or "—"),
        ("Numeric cross-check", f"{c.points} points" + (f" at {c.digits} digits" if c.digits else "")
         + f"; largest |lhs − rhs| = {_num(c.max_difference)}"),
        ("k checked", escape(c.ks)),
        ("Time", f"{c.seconds:.2f} s"),
        ("Verdict", _badge(c)),
    ]
    if c.fidelity:
        rows.append(("Tied to the note", escape(c.fidelity)))
    if c.note:
        rows.append(("Note", escape(c.note)))
    if c.counterexample:
        ce = c.counterexample
        point = ", ".join(f"{escape(str(k))} = {_short(v, 22)}" for k, v in (ce.get("point") or {}).items())
        rows.append(("Counterexample", (f"k = {escape(str(ce.get('k')))}; at {point}: "
                                        f"lhs = {_short(ce.get('lhs'))}, rhs = {_short(ce.get('rhs'))}")))
    if c.erratum:
        rows.append(("Erratum", escape(c.erratum)))
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    inner = f"<h3>{head} <code>{escape(c.id)}</code> {_badge(c)}</h3><p><em>{escape(c.statement)}</em> " \
            f"<small>(from {where})</small></p><dl>{body}</dl>"
    if c.correction is not None:
        inner += _claim(c.correction, correction=True)
    tag_id = "" if correction else f' id="{escape(c.id)}"'
    return f'<section class="{cls}"{tag_id}>{inner}</section>'


def _step_badge(s: M.StepView) -> str:
    if s.status == "acknowledged":
        return '<span class="verdict refuted">refuted</span> <span class="verdict acknowledged">acknowledged erratum</span>'
    return f'<span class="verdict {escape(s.verdict)}">{escape(s.verdict)}</span>'


def _step(s: M.StepView) -> str:
    if s.printed_html is None:
        printed = f"<code>{escape(s.printed)}</code>"
    elif s.kind == "prose":
        printed = f'<p class="prose">“{s.printed_html}”</p>'
    else:
        printed = f'<div class="math">{s.printed_html}</div>'
    rows = [("Reason", escape(s.reason) or "—")]
    rows += [("Qualifier", escape(s.qualifier))] if s.qualifier else []
    rows += [("Decided by", escape(s.method))] if s.method else []
    rows += [("Read as", "<br>".join(escape(n) for n in s.normalizations))] if s.normalizations else []
    rows += [("k checked", escape(s.ks))] if s.ks != "—" else []
    rows += [("Counterexample", escape(s.counterexample))] if s.counterexample else []
    rows += [("acknowledged erratum", escape(s.erratum))] if s.erratum else []
    rows += [("Matched claim", f"<code>{escape(s.matched_claim)}</code>")] if s.matched_claim else []
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return (f'<tr id="step-{s.step}"><td>{s.step}</td><td>{escape(s.where)}</td><td>{printed}</td>'
            f"<td>{_step_badge(s)}</td><td><dl>{body}</dl></td></tr>")


def _steps(v: M.StepsView) -> str:
    notation = ("<p><strong>Not steps</strong> (an “=” of notation, not a claim):</p><ul>"
                + "".join(f"<li><code>{escape(n)}</code></li>" for n in v.notation) + "</ul>") if v.notation else ""
    return ('<h2 id="steps">Steps of the input, in its own order</h2>'
            f'<p class="steps-line"><strong>{escape(v.line)}</strong> ({v.seconds:.1f} s)</p>' + notation
            + '<table class="steps"><thead><tr><th>step</th><th>where</th><th>as printed</th><th>verdict</th>'
            "<th>why</th></tr></thead><tbody>" + "".join(_step(s) for s in v.steps) + "</tbody></table>")


def render(m: M.Model) -> str:
    c = m.counts
    summary = [
        *[(f'<span class="verdict {v}">{v}</span>', str(c.get(v, 0))) for v in M.VERDICTS],
        ("total claims", str(m.total_claims)),
        ("total time", f"{m.seconds:.1f} s"),
        ("SymPy", escape(m.sympy)), ("mpmath", escape(m.mpmath)),
        ("note", f"<code>{escape(m.note_file)}</code>" if m.note_file else "—"),
        ("note SHA-256", f"<code>{escape(m.note_sha256)}</code>" if m.note_sha256 else "—"),
        ("subject", f"<code>{escape(m.subject)}</code>"),
    ]
    parts = [
        f"<h1>{escape(m.title)}: step-by-step verification</h1>",
        (f'<p class="status {"pass" if m.passed else "fail"}">{"PASSED" if m.passed else "FAILED"} — '
         f"{escape(m.verdict_line)}</p>"),
        '<table id="summary"><tbody>' + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in summary)
        + "</tbody></table>",
    ]
    if m.steps is not None:   # first for a write-up of its own (no claims), after the summary otherwise
        parts.insert(2 if not m.claims else 3, _steps(m.steps))
    if m.checker_bugs:
        parts.append("<h2>Checker bugs</h2><ul>" + "".join(
            f"<li><code>{escape(str(b.get('id')))}</code>: {escape(str(b.get('checker_bug')))}</li>"
            for b in m.checker_bugs) + "</ul>")
    parts.append('<h2 id="errata">Errata</h2>')
    if not m.errata:
        parts.append("<p>No claim of the note was refuted.</p>" if m.steps is None or m.claims
                     else "<p>No claim of the subject was checked here; the input's refuted steps are listed "
                     'with <a href="#steps">its steps</a>.</p>')
    else:
        items = []
        for e in m.errata:
            ack = "acknowledged" if e.erratum else "<strong>not acknowledged</strong>"
            item = (f'<li><a href="#{escape(e.id)}">{escape(e.label)} <code>{escape(e.id)}</code></a> ({ack}): '
                    f"{escape(e.erratum or e.statement)}")
            if e.correction is not None:
                item += (f"<br>Correction <code>{escape(e.correction.id)}</code> "
                         f'(<span class="verdict {escape(e.correction.verdict)}">{escape(e.correction.verdict)}</span>):'
                         + (f'<p class="prose">{e.correction.printed_html}</p>' if e.correction.printed_is_prose
                            else f'<div class="math">{e.correction.printed_html}</div>'))
            items.append(item + "</li>")
        parts.append("<ul>" + "".join(items) + "</ul>")
    if m.coverage:
        parts.append('<h2 id="coverage">Coverage of the note as printed</h2><ul>' + "".join(
            f"<li><strong>{escape(what)}:</strong> " + "; ".join(f"<code>{escape(i)}</code>" for i in items) + "</li>"
            for what, items in m.coverage.items()) + "</ul>")
    parts.append('<h2 id="figures">Figures</h2>')
    if m.figures:
        for f in m.figures:
            parts.append(f'<figure id="figure-{escape(f.name)}">{f.svg}<figcaption>{escape(f.caption)}'
                         f"</figcaption></figure>")
    else:
        parts.append(f"<p>Figures skipped: {escape(m.figures_skipped or 'none made')}.</p>")
    parts.append('<h2 id="claims">Claims, in the order of the note</h2><table><thead><tr><th>#</th><th>claim</th>'
                 "<th>rule</th><th>verdict</th><th>k</th><th>time</th></tr></thead><tbody>")
    if not m.claims:
        parts.append('<tr><td colspan="6">No claim of the subject was checked on its own here; its claims '
                     "served only as hints.</td></tr>")
    for i, cl in enumerate(m.claims, 1):
        parts.append(f'<tr><td>{i}</td><td><a href="#{escape(cl.id)}">{escape(cl.label)} <code>{escape(cl.id)}'
                     f"</code></a></td><td>{escape(cl.rule)}</td><td>{_badge(cl)}</td><td>{escape(cl.ks)}</td>"
                     f"<td>{cl.seconds:.2f} s</td></tr>")
    parts.append("</tbody></table>")
    parts += [_claim(cl) for cl in m.claims]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            "img-src data:\">"
            f"<title>{escape(m.title)} — verification</title><style>{CSS}</style></head>\n<body>\n"
            + "\n".join(parts) + "\n</body></html>\n")


def write(report: dict, out_dir: Path, figures=None) -> Path:
    out_dir = Path(out_dir)
    m = M.build(report, out_dir, figures)
    path = out_dir / "derivation.html"
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render(m), encoding="utf-8")
    os.replace(tmp, path)
    return path
