"""``reports/derivation.html``: one self-contained page (inline CSS, MathML, inline SVG figures).

No script, stylesheet, font or image is loaded from anywhere: the math is presentation
MathML (rendered natively by current Chromium and Firefox), the figures are inline SVG.
"""
from __future__ import annotations

import contextvars
import os
from html import escape
from pathlib import Path

from . import model as M

CSS = """
:root { --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --ack: #8250df; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1100px;
       padding: 1.5em; color: #1f2328; background: #fff; overflow-wrap: anywhere; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { border-bottom: 1px solid var(--line); padding-bottom: .2em; }
h3 { margin: 1.2em 0 .4em; }
table { border-collapse: collapse; margin: .5em 0 1em; max-width: 100%; }
th, td { border: 1px solid var(--line); padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
code, pre { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; } pre { background: #f6f8fa; padding: .6em;
  overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.verdict { font-weight: 600; padding: .05em .5em; border-radius: 1em; color: #fff; white-space: nowrap; }
.verdict.verified { background: var(--ok); } .verdict.refuted { background: var(--bad); }
.verdict.inconclusive { background: var(--warn); } .verdict.unchecked { background: #d0d0d0; color: #222; }
.verdict.acknowledged { background: var(--ack); }
.tally { font-size: .8em; font-weight: 600; } .tally.ok { color: var(--ok); } .tally.ack { color: var(--ack); }
.tally.bad { color: var(--bad); }
nav#contents { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: .2em 1em .6em; }
nav#contents h2 { border: 0; margin: .4em 0; font-size: 1.1em; }
nav ol.equations { columns: 14em; margin: .2em 0; }
details.claim { border: 1px solid var(--line); border-radius: 6px; padding: .3em .8em; margin: .5em 0; }
details.claim > summary { cursor: pointer; padding: .2em 0; }
details.claim > summary .what { color: #57606a; }
details.claim.refuted { border-left: 6px solid var(--bad); } details.claim.inconclusive { border-left: 6px solid var(--warn); }
details.correction { border-left: 6px solid var(--ok); background: #f6fff8; }
section.erratum { border: 1px solid var(--line); border-left: 6px solid var(--ack); border-radius: 6px;
  padding: .1em 1em .5em; margin: 1em 0; }
.math { overflow-x: auto; overflow-y: hidden; padding: .2em 0; max-width: 100%; }
math[display="block"] { margin: .4em 0; }
/* a font with an OpenType MATH table: big operators and fences stretch to their content */
math { font-size: 1.1em; font-family: "STIX Two Math", "Latin Modern Math", "Cambria Math", "DejaVu Math TeX Gyre",
  math; }
dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .2em 1em; margin: .5em 0; }
dt { font-weight: 600; color: #57606a; } dd { margin: 0; min-width: 0; }
table.steps td:last-child { white-space: normal; }
table.steps dl { margin: 0; grid-template-columns: minmax(0, 1fr); gap: 0; } table.steps dd { margin-bottom: .3em; }
table.steps { table-layout: fixed; width: 100%; } table.steps td { vertical-align: top; overflow-wrap: anywhere; }
table.steps th:nth-child(1) { width: 3em; } table.steps th:nth-child(2) { width: 5em; }
table.steps th:nth-child(3) { width: 42%; } table.steps th:nth-child(4) { width: 9em; }
table.steps td:nth-child(3) { overflow-x: auto; }
@media (max-width: 700px) {
  body { padding: .6em; }
  table.steps, table.steps tbody, table.steps tr, table.steps td,
  table.index, table.index tbody, table.index tr, table.index td { display: block; width: auto; }
  table.steps thead, table.index thead { display: none; }
  table.steps tr, table.index tr { border-top: 2px solid var(--line); padding: .3em 0; }
  table.index td { border: 0; padding: .1em .3em; }
  dl { grid-template-columns: minmax(0, 1fr); } dt { margin-top: .4em; }
}
.status { font-size: 1.2em; font-weight: 700; } .status.pass { color: var(--ok); } .status.fail { color: var(--bad); }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; } figcaption { color: #57606a; }
.prose { font-style: italic; }
td.num { white-space: nowrap; font-variant-numeric: tabular-nums; }
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


def _printed(c: M.ClaimView) -> str:
    typeset = (f'<p class="prose">“{c.printed_html}”</p>' if c.printed_is_prose
               else f'<div class="math">{c.printed_html}</div>')
    source = f"<details><summary>LaTeX source</summary><pre>{escape(c.printed)}</pre></details>"
    if c.is_printed:
        return f"{typeset}{source}<small>as printed in {escape(c.printed_where)}</small>"
    return (f"<p><em>not printed: a completion the project adds</em>; its statement:</p>{typeset}{source}")


def _checked(c: M.ClaimView) -> str:
    if c.checked_html:
        return f'<div class="math">{c.checked_html}</div><small>{escape(c.checked_caption)}</small>'
    return "<p>—</p>"


def _claim_rows(c: M.ClaimView) -> list[tuple[str, str]]:
    rows = [("Statement", f"<em>{escape(c.statement)}</em>"), ("As printed", _printed(c)),
            ("Tied to the note", escape(c.tie))]
    if c.checked_as:
        rows.append(("Checked as", escape(c.checked_as)))
    rows.append(("As checked", _checked(c)))
    if c.normalizations:
        rows.append(("Read with", "<ul>" + "".join(
            f"<li><code>{escape(n)}</code>{': ' + escape(what) if what else ''}</li>"
            for n, what in c.normalizations) + "</ul>"))
    rows += [
        ("Rule", f"{escape(c.rule)} — {escape(c.rule_text)}"),
        ("Decided by", "<br>".join(escape(x) for x in c.methods) or "—"),
        ("Numeric cross-check", escape(c.numeric)),
    ]
    if c.counterexample_line:
        rows.append(("Counterexample", escape(c.counterexample_line)))
    rows += [("k checked", escape(c.ks)), ("Time", f"{c.seconds:.2f} s"), ("Verdict", _badge(c))]
    if c.note:
        rows.append(("Note", escape(c.note)))
    if c.erratum:
        rows.append(("Erratum", c.erratum_html or escape(c.erratum)))
    return rows


def _claim(c: M.ClaimView, correction: bool = False) -> str:
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in _claim_rows(c))
    inner = f"<dl>{body}</dl>"
    if c.correction is not None:
        inner += _claim(c.correction, correction=True)
    head = "Corrected claim" if correction else escape(c.label)
    summary = (f"<summary>{_badge(c)} <strong>{head}</strong> <code>{escape(c.id)}</code> "
               f"<span class=\"what\">{escape(c.statement)}</span></summary>")
    cls = "claim correction" if correction else f"claim {escape(c.verdict)}"
    tag_id = "" if correction else f' id="{_ref(c.id)}"'
    opened = " open" if correction else ""
    return f'<details class="{cls}"{tag_id}{opened}>{summary}{inner}</details>'


def _erratum(e: M.ClaimView) -> str:
    ack = "acknowledged erratum" if e.erratum else "<strong>not acknowledged</strong>"
    rows = [("As printed", (f'<p class="prose">“{e.printed_html}”</p>' if e.printed_is_prose
                            else f'<div class="math">{e.printed_html}</div>'))]
    corr = e.correction
    if corr is not None:
        typeset = (f'<p class="prose">{corr.printed_html}</p>' if corr.printed_is_prose
                   else f'<div class="math">{corr.printed_html}</div>')
        rows.append(("Corrected", f"{typeset}<small><code>{escape(corr.id)}</code> {_badge(corr)}</small>"))
    if e.counterexample_line:
        rows.append(("Where it fails", escape(e.counterexample_line)))
    if e.erratum:
        rows.append(("Why", e.erratum_html or escape(e.erratum)))
    rows.append(("What follows", escape(M.erratum_consequence(e))))
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return (f'<section class="erratum" id="{_ref("erratum-" + e.id)}"><h3>{escape(e.label)} '
            f'<a href="#{_ref(e.id)}"><code>{escape(e.id)}</code></a> ({ack})</h3><dl>{body}</dl></section>')


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
    rows += [("Qualifier", s.qualifier_html or f"<code>{escape(s.qualifier)}</code>")] if s.qualifier else []
    rows += [("Decided by", escape(s.method))] if s.method else []
    rows += [("Read as", "<br>".join(escape(n) for n in s.normalizations))] if s.normalizations else []
    rows += [("k checked", escape(s.ks))] if s.ks != "—" else []
    rows += [("Counterexample", escape(s.counterexample))] if s.counterexample else []
    rows += [("acknowledged erratum", escape(s.erratum))] if s.erratum else []
    rows += [("Matched claim", f"<code>{escape(s.matched_claim)}</code>")] if s.matched_claim else []
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return (f'<tr id="{_ref(f"step-{s.step}")}"><td>{s.step}</td><td>{escape(s.where)}</td><td>{printed}</td>'
            f"<td>{_step_badge(s)}</td><td><dl>{body}</dl></td></tr>")


def _steps(v: M.StepsView) -> str:
    notation = ("<p><strong>Not steps</strong> (an “=” of notation, not a claim):</p><ul>"
                + "".join(f"<li><code>{escape(n)}</code></li>" for n in v.notation) + "</ul>") if v.notation else ""
    return (f'<h2 id="{_ref("steps")}">Steps of the input, in its own order</h2>'
            f'<p class="steps-line"><strong>{escape(v.line)}</strong> ({v.seconds:.1f} s)</p>' + notation
            + '<table class="steps"><thead><tr><th>step</th><th>where</th><th>as printed</th><th>verdict</th>'
            "<th>why</th></tr></thead><tbody>" + "".join(_step(s) for s in v.steps) + "</tbody></table>")


def _contents(m: M.Model) -> str:
    items = [("summary", "Summary")]
    items += [("steps", "Steps of the input")] if m.steps is not None else []
    items += [("errata", f"Errata of the note as given ({len(m.errata)})"),
              ("end-to-end", "End-to-end checks"), ("coverage", "Coverage by equation"), ("figures", "Figures"),
              ("claims", "Claims, by equation")]
    further = "".join(f'<li><a href="#{escape(d.ns)}derivation">{escape(d.title)}</a> '
                      f'<span class="tally {"ok" if d.passed else "bad"}">{escape(d.verdict_line)}</span></li>'
                      for d in m.derivations)
    equations = "".join(
        f'<li><a href="#{_ref(anchor)}">{escape(lab)}</a> {_tally(cs)}</li>' for anchor, lab, cs in m.equations)
    return (f'<nav id="{_ref("contents")}"><h2>Contents</h2><ol>' + "".join(
        f'<li><a href="#{_ref(a)}">{escape(t)}</a>' + (f'<ol class="equations">{equations}</ol>' if a == "claims" and
                                                 equations else "") + "</li>" for a, t in items)
            + (f"<li>Further derivations of this run<ol>{further}</ol></li>" if further else "") + "</ol></nav>")


def _tally(claims: list[M.ClaimView]) -> str:
    """A compact count of an equation's verdicts: ✓ 3 ✗ 1 (1 acknowledged)."""
    ok, ack, bad = M.tally(claims)
    out = f'<span class="tally ok">✓ {ok}</span>'
    out += f' <span class="tally ack">✗ {ack} acknowledged</span>' if ack else ""
    out += f' <span class="tally bad">✗ {bad}</span>' if bad else ""
    return out


def _end_to_end(m: M.Model) -> str:
    out = f'<h2 id="{_ref("end-to-end")}">End-to-end checks</h2>'
    if not m.end_to_end:
        return out + "<p>The subject defines no end-to-end checks.</p>"
    out += f"<p>{escape(M.END_TO_END)}</p>"
    rows = "".join(
        f'<tr><td>{escape(e.name)}</td><td class="num">{escape(e.k)}</td><td class="num">{escape(e.tau)}</td>'
        f"<td>{escape(e.pi)}</td>"
        f'<td>{escape(e.method)}</td><td class="num">{escape(e.value)}</td><td class="num">{escape(e.error)}</td>'
        f'<td><span class="verdict {"verified" if e.passed else "refuted"}">{"passed" if e.passed else "FAILED"}'
        "</span></td></tr>" for e in m.end_to_end)
    return out + ('<table class="index e2e"><thead><tr><th>check</th><th>k</th><th>τ</th><th>π</th><th>method</th>'
                  f"<th>value</th><th>error</th><th>result</th></tr></thead><tbody>{rows}</tbody></table>")


def _ids(ids: list[str]) -> str:
    return ", ".join(f'<a href="#{_ref(i)}"><code>{escape(i)}</code></a>' for i in ids) or "—"


def _coverage(m: M.Model) -> str:
    out = f'<h2 id="{_ref("coverage")}">Coverage by equation</h2><p>{escape(M.COVERAGE)}</p>'
    if m.by_equation:
        rows = "".join(
            f'<tr><td><a href="#{_ref(M.equation_anchor(e.equation))}">{escape(e.label)}</a></td>'
            f"<td>{escape(e.status)}</td><td>{_ids(e.symbolic_k)}</td><td>{_ids(e.by_lemma)}</td>"
            f"<td>{_ids(e.concrete_only)}</td><td>{_ids(e.restatements)}</td></tr>" for e in m.by_equation)
        out += ('<table class="index coverage"><thead><tr><th>equation</th><th>status</th><th>symbolic k</th>'
                "<th>by lemma</th><th>concrete k only</th><th>restatements</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>")
    if m.coverage:
        out += "<p>Of the note as printed:</p><ul>" + "".join(
            f"<li><strong>{escape(what)}:</strong> " + "; ".join(f"<code>{escape(i)}</code>" for i in items) + "</li>"
            for what, items in m.coverage.items()) + "</ul>"
    if m.glossary:
        out += ("<details><summary>How printed LaTeX is read (the normalizations each claim lists)</summary><dl>"
                + "".join(f"<dt><code>{escape(k)}</code></dt><dd>{escape(str(v))}</dd>" for k, v in m.glossary.items())
                + "</dl></details>")
    return out


def _errata(m: M.Model) -> str:
    out = f'<h2 id="{_ref("errata")}">Errata of the note as given</h2><p>{escape(M.errata_intro(m.note_file))}</p>'
    if not m.errata:
        return out + (f"<p>{M.NO_ERRATA}</p>" if m.steps is None or m.claims
                      else "<p>No claim of the subject was checked here; the input's refuted steps are listed "
                           f'with <a href="#{_ref("steps")}">its steps</a>.</p>')
    return out + "".join(_erratum(e) for e in m.errata)


_NS: contextvars.ContextVar[str] = contextvars.ContextVar("ns", default="")


def _ref(name: str) -> str:
    """An element id (or the target of a link) in the derivation being rendered: a further derivation's ids
    carry its namespace, so that two derivations on one page never share one."""
    return escape(_NS.get() + name)


def render(m: M.Model) -> str:
    """The whole page: the subject's derivation, then each further derivation of the run as a section."""
    parts = _body(m, level=1)
    for sub in m.derivations:
        token = _NS.set(sub.ns)
        try:
            parts.append(f'<section class="derivation" id="{_ref("derivation")}">' + "\n".join(_body(sub, level=1))
                         + "</section>")
        finally:
            _NS.reset(token)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            "img-src data:\">"
            f"<title>{escape(m.title)} — verification</title><style>{CSS}</style></head>\n<body>\n"
            + "\n".join(parts) + "\n</body></html>\n")


def _body(m: M.Model, level: int = 1) -> list[str]:
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
    failing = ""
    if m.failing:
        failing = f'<p class="failing">Failing claims: {_ids([f.id for f in m.failing])}</p>'
    parts = [
        f"<h{level}>{escape(m.title)}: step-by-step verification</h{level}>",
        (f'<p class="status {"pass" if m.passed else "fail"}">{"PASSED" if m.passed else "FAILED"} — '
         f"{escape(m.verdict_line)}</p>") + failing,
        _contents(m),
        f'<h2 id="{_ref("summary")}">Summary</h2><table><tbody>'
        + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in summary) + "</tbody></table>",
    ]
    if m.steps is not None:   # first for a write-up of its own (no claims), after the summary otherwise
        parts.insert(3 if not m.claims else 4, _steps(m.steps))
    if m.checker_bugs:
        parts.append("<h2>Checker bugs</h2><ul>" + "".join(
            f"<li><code>{escape(str(b.get('id')))}</code>: {escape(str(b.get('checker_bug')))}</li>"
            for b in m.checker_bugs) + "</ul>")
    parts += [_errata(m), _end_to_end(m), _coverage(m), f'<h2 id="{_ref("figures")}">Figures</h2>']
    if m.figures:
        for f in m.figures:
            parts.append(f'<figure id="{_ref("figure-" + f.name)}">{f.svg}<figcaption>{escape(f.caption)}'
                         f"</figcaption></figure>")
    else:
        parts.append(f"<p>Figures skipped: {escape(m.figures_skipped or 'none made')}.</p>")
    parts.append(f'<h2 id="{_ref("claims")}">Claims, by equation</h2>')
    if not m.claims:
        parts.append(f"<p>{M.HINTS_ONLY}</p>")
    else:
        parts.append(f"<p>{M.CLAIMS}</p>")
    for anchor, lab, claims in m.equations:
        parts.append(f'<section class="equation" id="{_ref(anchor)}"><h3>{escape(lab)} {_tally(claims)}</h3>'
                     + "".join(_claim(cl) for cl in claims) + "</section>")
    return parts


def write(report: dict, out_dir: Path, figures=None) -> Path:
    out_dir = Path(out_dir)
    m = M.build(report, out_dir, figures)
    path = out_dir / "derivation.html"
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render(m), encoding="utf-8")
    os.replace(tmp, path)
    return path
