"""``derivation.html`` in a real browser (headless Chromium): loads with no console errors,
loads nothing from outside the file, lays the MathML out, and a screenshot is not blank.

Skipped when Debian's ``chromium`` is not installed (``.ci/run`` installs it).
The page is the one the renderer writes for the synthetic report of ``test_report``
(with real SymPy MathML and, when matplotlib is installed, the real figures) and, when
``make verify`` has written it, ``reports/derivation.html``.
"""
from __future__ import annotations

import json
import re
import struct
import subprocess
import zlib
from html import escape
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
REPORT = Path(__file__).resolve().parents[1] / "reports" / "derivation.html"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install chromium)"),
]

#: what SymPy prints by its own names when no printer knows a construct (and the double-struck e of
#: its MathML printer); none of it may reach a reader
SYMPY_NAMES = re.compile(r"\b(?:product|functionmatrix|kroneckerdelta|FunctionMatrix|KroneckerDelta|Piecewise|"
                         r"loggamma|Derivative|Product|Lambda|ImmutableMatrix|Dummy|Symbol|Indexed|IndexedBase)\(|ⅇ")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]

# Installed first thing in <head>: records every error the page reports.
PROBE_HEAD = """<script>
window.__errors = [];
window.addEventListener('error', e => __errors.push('error: ' + (e.message || (e.target && (e.target.src || e.target.href))
  || e.type)), true);
window.addEventListener('unhandledrejection', e => __errors.push('unhandled rejection: ' + e.reason));
document.addEventListener('securitypolicyviolation', e => __errors.push('CSP: ' + e.blockedURI + ' ' + e.violatedDirective));
for (const level of ['error', 'warn']) { const orig = console[level];
  console[level] = (...a) => { __errors.push(level + ': ' + a.join(' ')); orig.apply(console, a); }; }
</script>"""

# Runs after load: measures the layout and writes it into the DOM for --dump-dom.
PROBE_TAIL = """<script>
window.addEventListener('load', () => {
  const rect = el => el.getBoundingClientRect();
  // every claim's details open, so that what they hold is laid out and measured
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  // links inside the page that lead nowhere
  const broken = [...document.querySelectorAll('a[href^="#"]')].map(a => decodeURIComponent(a.getAttribute('href').slice(1)))
    .filter(id => !document.getElementById(id));
  // the typeset text (annotations hold the LaTeX source) and the prose a reader sees (not code or source)
  const mathText = [...document.getElementsByTagName('math')].map(m => { const c = m.cloneNode(true);
    c.querySelectorAll('annotation').forEach(a => a.remove()); return c.textContent; }).join(' ');
  const body = document.body.cloneNode(true);
  body.querySelectorAll('pre, code, annotation, script, style').forEach(e => e.remove());
  // verdict badges that a reader cannot see: outside the window's width, or with no size
  const width = document.documentElement.clientWidth;
  const badges = [...document.querySelectorAll('.verdict')];
  const hidden = badges.filter(b => { const r = rect(b); return r.width === 0 || r.right > width + 1 || r.left < -1; })
    .map(b => b.textContent + ' ' + (b.closest('[id]') || {}).id);
  const maths = [...document.getElementsByTagName('math')];
  const sized = maths.filter(m => { const r = rect(m); return r.width > 0 && r.height > 0; });
  // MathML is laid out when fractions stack and superscripts are raised (not text in a line).
  const fracs = [...document.getElementsByTagName('mfrac')].filter(f => f.children.length === 2);
  const stacked = fracs.filter(f => rect(f.children[0]).bottom <= rect(f.children[1]).top + 1);
  const sups = [...document.getElementsByTagName('msup')].filter(s => s.children.length === 2);
  const raised = sups.filter(s => rect(s.children[1]).top < rect(s.children[0]).top);
  const svgs = [...document.querySelectorAll('figure svg')].filter(s => rect(s).width > 50 && rect(s).height > 50);
  const resources = performance.getEntriesByType('resource').map(r => r.name);
  const out = document.createElement('pre');
  out.id = '__probe__';
  out.textContent = JSON.stringify({maths: maths.length, sized: sized.length, fracs: fracs.length,
    stacked: stacked.length, sups: sups.length, raised: raised.length, figures: document.querySelectorAll('figure').length,
    svgs: svgs.length, resources, errors: window.__errors, broken, mathText, text: body.textContent,
    badges: badges.length, hidden, width, scrollWidth: document.documentElement.scrollWidth});
  document.body.appendChild(out);
});
</script>"""


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    # No wall-clock limit: a loaded machine makes Chromium slow, not wrong.
    return subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, check=False)


def _probe(page: Path, tmp_path: Path, width: int = 1200) -> dict:
    """The page's measurements (PROBE_TAIL) laid out ``width`` px wide, with its errors and console."""
    text = page.read_text(encoding="utf-8")
    # The page forbids every script by CSP; the probe copy allows inline scripts only.
    text = text.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';")
    text = text.replace("<head>", "<head>" + PROBE_HEAD, 1).replace("</body>", PROBE_TAIL + "</body>", 1)
    if width < 500:
        # Headless Chromium lays a window out at least 500 px wide: a narrower screen is a frame of that width
        # (its media queries see the frame), whose measurements the outer page copies out when all has loaded.
        text = (f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">'
                f'<iframe id="frame" style="border:0;width:{width}px;height:1600px" srcdoc="{escape(text)}"></iframe>'
                "<script>window.addEventListener('load', () => { const pre = document.createElement('pre');"
                " pre.id = '__probe__'; pre.textContent = document.getElementById('frame').contentDocument"
                ".getElementById('__probe__').textContent; document.body.appendChild(pre); });</script></body></html>")
    probe = tmp_path / "probe.html"
    probe.write_text(text, encoding="utf-8")
    done = _chromium(tmp_path, "--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0", "--dump-dom",
                     "--window-size=1200,1600", probe.as_uri())
    match = re.search(r'<pre id="__probe__">(.*?)</pre>', done.stdout, re.DOTALL)
    assert match, f"no measurements in the dumped DOM; stderr:\n{done.stderr[-3000:]}"
    result = json.loads(match.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
                        .replace("&amp;", "&"))
    # Console messages Chromium logs itself (e.g. a blocked load) next to the page's own hooks.
    result["console"] = [line for line in done.stderr.splitlines() if "CONSOLE" in line and "probe.html" in line]
    return result


def _png_pixels(path: Path) -> tuple[int, int, set]:
    """Width, height and the set of distinct RGB(A) pixel values of an 8-bit PNG (Pillow, else stdlib)."""
    try:
        from PIL import Image
    except ImportError:
        pass
    else:
        with Image.open(path) as img:
            rgb = img.convert("RGB")
            return rgb.width, rgb.height, {c for _, c in rgb.getcolors(maxcolors=1 << 24)}
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color = header[:4]
    assert depth == 8 and color in (2, 6), header
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    colours = set()
    for row in range(height):
        f = raw[row * (stride + 1)]
        line = bytearray(raw[row * (stride + 1) + 1:(row + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if row % 4 == 0:  # every 4th row is plenty to tell a page from a blank one
            colours.update(bytes(line[i:i + bpp]) for i in range(0, stride, bpp * 2))
        prev = line
    return width, height, colours


def _pages(tmp_path: Path) -> list[Path]:
    from test_report import synthetic_report

    from checks.report import html
    from gsverify.subjects import gumbel_softmax

    # The subject's figures, handed to the writer as the run hands them (a callable out_dir -> records);
    # without matplotlib the page says why it has none.
    pages = [html.write(synthetic_report(), tmp_path / "synthetic", gumbel_softmax().figures)]
    if REPORT.is_file():
        pages.append(REPORT)
    return pages


def test_derivation_html_in_chromium(tmp_path: Path):
    for n, page in enumerate(_pages(tmp_path)):
        work = tmp_path / f"run{n}"
        work.mkdir()
        probe = _probe(page, work)
        assert probe["errors"] == [] and probe["console"] == [], (page, probe["errors"], probe["console"])
        assert probe["resources"] == [], f"{page} loads resources: {probe['resources']}"
        assert probe["maths"] >= 5 and probe["sized"] == probe["maths"], (page, probe)
        assert probe["fracs"] > 0 and probe["stacked"] == probe["fracs"], (page, probe)
        assert probe["sups"] > 0 and probe["raised"] == probe["sups"], (page, probe)
        assert probe["svgs"] == probe["figures"], (page, probe)
        assert probe["broken"] == [], f"{page}: links to nothing: {probe['broken']}"
        leaks = SYMPY_NAMES.findall(probe["mathText"]) + SYMPY_NAMES.findall(probe["text"])
        assert leaks == [], f"{page}: SymPy's names in what a reader sees: {sorted(set(leaks))}"
        assert "\\" not in probe["mathText"], f"{page}: LaTeX source typeset as text"

        (work / "narrow").mkdir()
        narrow = _probe(page, work / "narrow", width=400)
        assert narrow["errors"] == [] and narrow["console"] == [], narrow
        assert narrow["badges"] > 0 and narrow["hidden"] == [], \
            f"{page}: verdicts outside a 400-px window: {narrow['hidden'][:10]}"
        assert narrow["scrollWidth"] <= narrow["width"] + 1, f"{page}: the page scrolls sideways at 400 px"

        shot = work / "screenshot.png"
        done = _chromium(work, "--window-size=1200,1600", f"--screenshot={shot}", page.resolve().as_uri())
        assert shot.is_file(), done.stderr[-3000:]
        width, height, colours = _png_pixels(shot)
        assert (width, height) == (1200, 1600)
        assert len(colours) > 20, f"{page}: the screenshot looks blank ({len(colours)} colours)"
