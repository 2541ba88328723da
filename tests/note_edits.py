"""Edited copies of the note for the fidelity tests: (equation, kind, old, new), applied inside
the display equation with that number only."""
from __future__ import annotations

import re

EDITS = [
    ("1", "sign flip", r"\exp((\log(\pi_i) + g_i)/\tau)}{", r"\exp((\log(\pi_i) - g_i)/\tau)}{"),
    ("1", "wrong index", r"\exp((\log(\pi_i) + g_i)/\tau)}{", r"\exp((\log(\pi_j) + g_i)/\tau)}{"),
    ("2", "wrong limits", r"\sum_{j=1}^k", r"\sum_{j=1}^{k-1}"),
    ("3", "sign flip", r"- (x_k + g_k))/\tau)}{", r"+ (x_k + g_k))/\tau)}{"),
    ("4", "sign flip", r"dg_k e^{-g_k - e^{-g_k}}", r"dg_k e^{g_k - e^{-g_k}}"),
    ("4", "wrong limits", r"\int_{-\infty}^{\infty} dg_k e^{", r"\int_{0}^{\infty} dg_k e^{"),
    ("5", "wrong exponent", r"dv e^{-v} v^{k-1}", r"dv e^{-v} v^{k}"),
    ("5", "wrong exponent", r"&= e^{-(k-1)x_k}", r"&= e^{-kx_k}"),
    ("6", "wrong exponent", r"a^{-z} \Gamma(z)", r"a^{z} \Gamma(z)"),
    ("6", "wrong limits", r"\left(\frac{1}{a}\right)^z \int_0^{\infty}", r"\left(\frac{1}{a}\right)^z \int_1^{\infty}"),
    ("7", "sign flip", r"\left(1 + e^{-x_k}", r"\left(1 - e^{-x_k}"),
    ("7", "wrong argument", "\\Gamma(k)\n\\end{aligned}", "\\Gamma(k-1)\n\\end{aligned}"),
    ("8", "wrong exponent", r"\right)^{-k}", r"\right)^{k}"),
    ("8", "wrong limits", r"\prod_{i=1}^k", r"\prod_{i=1}^{k-1}"),
    ("9", "sign flip", r"{1 + \sum_{j=1}^{k-1}", r"{1 - \sum_{j=1}^{k-1}"),
    ("9", "wrong index", r"\frac{\exp(u_i/\tau)}", r"\frac{\exp(u_j/\tau)}"),
    ("10", "wrong index", r"y_i = h_i(", r"y_i = h_j("),
    ("11", "sign flip", r"= 1 - \sum_{j=1}^{k-1} y_j", r"= 1 + \sum_{j=1}^{k-1} y_j"),
    ("11", "wrong limits", r"= 1 - \sum_{j=1}^{k-1} y_j", r"= 1 - \sum_{j=1}^{k} y_j"),
    ("12", "wrong map", r"p(\mathbf{h}^{-1}(y_1", r"p(\mathbf{h}(y_1"),
    ("13", "sign flip", r"\log y_k + u_i/\tau", r"\log y_k - u_i/\tau"),
    ("13", "wrong exponent", r"y_k \exp(u_i/\tau)", r"y_k \exp(u_i\tau)"),
    ("13", "wrong limits", r"1 - \sum_{j=1}^{k-1} y_j \right) \right)", r"1 - \sum_{j=2}^{k-1} y_j \right) \right)"),
    ("13", "sign flip in the justification beside it", r"\text{from } y_k = \frac{1}{1 + \sum", r"\text{from } y_k = \frac{1}{1 - \sum"),
    ("14", "sign flip", r"\left( \frac{1}{y_i} + \frac{1}{y_k} \right)", r"\left( \frac{1}{y_i} - \frac{1}{y_k} \right)"),
    ("14", "wrong exponent", r"\left( \frac{1}{y_i} - \frac{1}{y_k}", r"\left( \frac{1}{y_i^2} - \frac{1}{y_k}"),
    ("15", "wrong index", r"= \tau \times \frac{1}{y_k}", r"= \tau \times \frac{1}{y_j}"),
    ("15", "sign flip", r"\left( -\frac{1}{y_k}", r"\left( \frac{1}{y_k}"),
]

#: edits that change the text but not the mathematics: no claim may change its verdict
HARMLESS = [
    ("13", "reordered justification", r"\text{from } y_k = \frac{1}{1 + \sum_{j=1}^{k-1} \exp(u_j/\tau)}",
     r"\text{from } y_k = \frac{1}{\sum_{j=1}^{k-1} \exp(u_j/\tau) + 1}"),
    ("9", "reordered sum", r"{1 + \sum_{j=1}^{k-1} \exp(u_j/\tau)}", r"{\sum_{j=1}^{k-1} \exp(u_j/\tau) + 1}"),
    ("14", "reordered", r"\left( \frac{1}{y_i} + \frac{1}{y_k} \right)", r"\left( \frac{1}{y_k} + \frac{1}{y_i} \right)"),
]


def display_span(text: str, number: str) -> tuple[int, int]:
    """Start and end of the $$ … $$ block numbered ``number``."""
    pos = 0
    while True:
        a = text.index("$$", pos)
        b = text.index("$$", a + 2)
        block = text[a + 2:b]
        if re.search(r"(\\tag\{" + number + r"\}|\(" + number + r"\))\s*$", block.strip()):
            return a, b + 2
        pos = b + 2


def edit(text: str, number: str, old: str, new: str) -> str:
    a, b = display_span(text, number)
    block = text[a:b]
    assert old in block, f"edit for ({number}) does not apply: {old!r}"
    return text[:a] + block.replace(old, new, 1) + text[b:]
