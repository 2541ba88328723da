"""What a verifier must find in the write-ups of this folder (tests/writeups/*.md).

Every write-up derives the density of the Gumbel-softmax sample (Jang, Gu & Poole 2017, Appendix B;
Masada's note of 2019), in Markdown with ``$…$`` inline and ``$$…$$`` display math, equation numbers
printed as ``\\tag{N}`` or as a trailing ``(N)``.  A verifier must read the write-up as printed, decide
every "=" step (display chains, ``aligned`` rows, inline equations in the prose) and every
mathematical claim made in words, and refute exactly the wrong ones, at their place.

Identifiers.  A wrong step is identified by a pair ``(equation, substring)``:

* ``equation`` is the number printed at the display the step stands in, as a string ("15"); for a
  display chain numbered line by line it is the number printed on the row of the step's right-hand
  side.  It is ``None`` for a step in an unnumbered display, in inline math or in the prose.
* ``substring`` is a short piece of the printed LaTeX of the wrong step, taken from the step written
  as its two sides joined by " = " (``lhs = rhs``, without ``&`` and without the ``\\tag``/number),
  after squashing runs of whitespace to one space.  For a claim made in words (e.g. which parameter
  of a Gumbel is its mean) it is a piece of the sentence.  Compare after squashing whitespace on
  both sides (:func:`squash`).

A step *matches* an identifier when it stands at that equation (or at no number, for ``None``) and its
text contains the substring.  Each substring was chosen to occur only in the wrong step(s) it names:
most identifiers match exactly one step; an erratum of the seed's eq. (5) (its wrong lower limit
``\\int_{-\\infty}^{0}``) matches the two steps whose text prints that integral, both wrong.

Expectation.  For each file in :data:`REFUTED`, the steps matching its identifiers must be refuted,
and every other step and claim of the file must not be refuted (verified, or at worst inconclusive).

* ``seed_reformatted.md``: the seed note reformatted without mathematical change (``\\mathrm{d}v``,
  ``\\,``, ``\\left(``/``\\right)`` added and removed, ``\\cdot``, eq. (7) split into (16) and (17),
  eqs. (9)/(10) merged into (19), renumbered from (12), eqs. (2), (6), (11) unnumbered).  Its only
  wrong steps are the seed's two errata (:data:`SEED_ERRATA`).
* ``renamed.md``: the seed verbatim with the indices renamed i -> a, j -> b (k is still the number of
  categories), numbered (1)-(15) as in the seed; wrong only at the two errata.
* ``other_author.md``: another author's appendix of the same derivation, numbered (12)-(28); correct
  everywhere.
* ``other_author_wrong.md``: the same with six known mistakes, one step each.
* :data:`SEED_WRONG_VARIANTS`: ``(name, old, new)`` text edits of ``seed_reformatted.md`` (``old``
  occurs exactly once in the file; apply with :func:`apply_variant`), each making exactly one "="
  step false; the edited file must be refuted at the seed errata and at
  ``SEED_WRONG_REFUTED[name]``, and nowhere else.

Every step was checked at k = 3 with mpmath (integrals by ``mpmath.quad``, derivatives by
``mpmath.diff``): each correct step holds to 1e-15 relative, each wrong one fails; p(u_1, u_2) and
p(y) integrate to 1 and agree with Monte Carlo sampling of the Gumbel-softmax.
"""
from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent


def squash(text: str) -> str:
    """Runs of whitespace as one space (identifiers and step texts are compared squashed)."""
    return re.sub(r"\s+", " ", text).strip()


#: the seed's two errata, per seed-based file: the prose calls the Gumbel's location its mean (the mean
#: is location + Euler's gamma), and eq. (5) integrates v from -oo instead of from oo (both the first
#: and the second "=" of (5) print that integral, so this identifier matches two steps)
SEED_ERRATA: dict[str, list[tuple[str | None, str]]] = {
    "seed_reformatted.md": [
        (None, "whose mean is"),
        ("15", r"\int_{-\infty}^{0} (-\mathrm{d}v)"),
    ],
    "renamed.md": [
        (None, "whose mean is"),
        ("5", r"\int_{-\infty}^0 (-dv)"),
    ],
}

#: file -> the identifiers of every step that must be refuted in it
REFUTED: dict[str, list[tuple[str | None, str]]] = {
    "seed_reformatted.md": list(SEED_ERRATA["seed_reformatted.md"]),
    "renamed.md": list(SEED_ERRATA["renamed.md"]),
    "other_author.md": [],
    "other_author_wrong.md": [
        # (a) sign error in the inline dg_k = -dv e^{g_k} = dv/v (should be -dv/v)
        (None, r"e^{g_k} = dv/v"),
        # (b) an extra factor v in the integrand right after the substitution v = e^{-g_k}
        ("16", r"\int_{\infty}^{0} v \, e^{-v}"),
        # (c) the Jacobian matrix printed without its factor tau
        ("26", r"= \begin{pmatrix}"),
        # (d) the Gumbel location called its mean (the mean is mu + Euler's gamma)
        (None, "with mean"),
        # (e) the determinant with tau^k instead of tau^{k-1}
        ("27", r"= \tau^{k} \prod_{i=1}^{k} y_i^{-1}"),
        # (f) a wrong sign in the inverse map: log y_i = log y_k - u_i/tau (should be +)
        ("23", r"\log y_k - u_i/\tau"),
    ],
}

#: (name, old, new): single edits of seed_reformatted.md, each making exactly one "=" step false
SEED_WRONG_VARIANTS: list[tuple[str, str, str]] = [
    ("eq12 sign flip in the numerator",
     r"\exp\left(\left(\log \pi_i + g_i\right)/\tau\right)}{",
     r"\exp\left(\left(\log \pi_i - g_i\right)/\tau\right)}{"),
    ("unnumbered softmax display: sign flip",
     r"\exp\left((x_i + g_i)/\tau\right)}{",
     r"\exp\left((x_i - g_i)/\tau\right)}{"),
    ("eq13 sign flip of the shift in the numerator",
     r"\left(\left(x_i + g_i - (x_k + g_k)\right)/\tau\right)}{",
     r"\left(\left(x_i + g_i + (x_k + g_k)\right)/\tau\right)}{"),
    ("eq14 last row: sign flip in the Gumbel density of g_k",
     r"\mathrm{d}g_k \, e^{-g_k - e^{-g_k}}",
     r"\mathrm{d}g_k \, e^{g_k - e^{-g_k}}"),
    ("inline dg_k = -dv e^{g_k} = dv/v: sign flip",
     r"e^{g_k} = -\mathrm{d}v/v$",
     r"e^{g_k} = \mathrm{d}v/v$"),
    ("eq15 last row: wrong exponent v^k",
     r"\mathrm{d}v \, v^{k-1} \, e^{-v \left(1",
     r"\mathrm{d}v \, v^{k} \, e^{-v \left(1"),
    ("unnumbered Gamma integral: wrong exponent a^z",
     r"= a^{-z} \cdot \Gamma(z)",
     r"= a^{z} \cdot \Gamma(z)"),
    ("eq16 last row: sign flip 1 - e^{-x_k} sum",
     r"\left(1 + e^{-x_k} \sum_{i=1}^{k-1} (e^{x_i - u_i})\right)^{-k} \Gamma(k)",
     r"\left(1 - e^{-x_k} \sum_{i=1}^{k-1} (e^{x_i - u_i})\right)^{-k} \Gamma(k)"),
    ("eq17 last row: sign flip in the exponent",
     r"\exp\left(x_k + \sum_{i=1}^{k-1} (x_i - u_i)\right)",
     r"\exp\left(x_k - \sum_{i=1}^{k-1} (x_i - u_i)\right)"),
    ("eq18 wrong exponent ^{k}",
     r"\left( \sum_{i=1}^k \exp(x_i - u_i) \right)^{-k}",
     r"\left( \sum_{i=1}^k \exp(x_i - u_i) \right)^{k}"),
    ("unnumbered y_k display: sign flip 1 + sum y_j",
     r"\exp(u_j/\tau)} = 1 - \sum_{j=1}^{k-1} y_j$$",
     r"\exp(u_j/\tau)} = 1 + \sum_{j=1}^{k-1} y_j$$"),
    ("eq21 row: sign flip log y_k - u_i/tau",
     r"\log y_i &= \log y_k + u_i/\tau",
     r"\log y_i &= \log y_k - u_i/\tau"),
    ("eq22 last side: sign flip 1/y_i - 1/y_k",
     r"= \tau \left( \frac{1}{y_i} + \frac{1}{y_k} \right)",
     r"= \tau \left( \frac{1}{y_i} - \frac{1}{y_k} \right)"),
    ("eq23 last side: wrong index 1/y_j",
     r"= \tau \cdot \frac{1}{y_k} \qquad",
     r"= \tau \cdot \frac{1}{y_j} \qquad"),
]

#: variant name -> the identifier of the one step it makes false (besides the seed errata)
SEED_WRONG_REFUTED: dict[str, tuple[str | None, str]] = {
    "eq12 sign flip in the numerator": ("12", r"\log \pi_i - g_i"),
    "unnumbered softmax display: sign flip": (None, r"(x_i - g_i)/\tau"),
    "eq13 sign flip of the shift in the numerator": ("13", r"x_i + g_i + (x_k + g_k)"),
    "eq14 last row: sign flip in the Gumbel density of g_k": ("14", r"e^{g_k - e^{-g_k}}"),
    "inline dg_k = -dv e^{g_k} = dv/v: sign flip": (None, r"e^{g_k} = \mathrm{d}v/v"),
    "eq15 last row: wrong exponent v^k": ("15", r"v^{k} \, e^{-v \left(1"),
    "unnumbered Gamma integral: wrong exponent a^z": (None, r"a^{z} \cdot \Gamma(z)"),
    "eq16 last row: sign flip 1 - e^{-x_k} sum": ("16", r"\left(1 - e^{-x_k}"),
    "eq17 last row: sign flip in the exponent": ("17", r"\exp\left(x_k - \sum"),
    "eq18 wrong exponent ^{k}": ("18", r"\exp(x_i - u_i) \right)^{k}"),
    "unnumbered y_k display: sign flip 1 + sum y_j": (None, r"= 1 + \sum_{j=1}^{k-1} y_j"),
    "eq21 row: sign flip log y_k - u_i/tau": ("21", r"\log y_k - u_i/\tau"),
    "eq22 last side: sign flip 1/y_i - 1/y_k": ("22", r"\frac{1}{y_i} - \frac{1}{y_k} \right)"),
    "eq23 last side: wrong index 1/y_j": ("23", r"\tau \cdot \frac{1}{y_j}"),
}


def read(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


def apply_variant(text: str, old: str, new: str) -> str:
    """``text`` with the one occurrence of ``old`` replaced by ``new`` (AssertionError unless exactly one)."""
    assert text.count(old) == 1, f"variant edit does not apply exactly once: {old!r}"
    return text.replace(old, new, 1)


def variant_text(name: str) -> str:
    """seed_reformatted.md with the named wrong variant applied."""
    for vname, old, new in SEED_WRONG_VARIANTS:
        if vname == name:
            return apply_variant(read("seed_reformatted.md"), old, new)
    raise KeyError(name)


def variant_refuted(name: str) -> list[tuple[str | None, str]]:
    """The identifiers that must be refuted in the named variant: the seed errata and its one wrong step."""
    return list(SEED_ERRATA["seed_reformatted.md"]) + [SEED_WRONG_REFUTED[name]]
