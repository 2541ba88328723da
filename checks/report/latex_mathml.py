"""A small LaTeX -> presentation MathML converter for the LaTeX a note prints.

It typesets the note's equations *as printed* (the checked claims are typeset
from SymPy objects by SymPy's own MathML printer).  It covers what derivations
of this kind use: fractions, sub/superscripts, big operators with limits,
\\left/\\right, Greek letters, \\mathbf/\\mathbb/\\operatorname, functions such as
\\exp and \\det, and prose with ``$...$`` inline math.  Anything it does not know
is shown as its source in an ``<mtext>`` (never dropped, never an exception).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import escape

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ",
    "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "ϕ", "varphi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
    "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
SYMBOLS = {  # commands that are a single operator / identifier
    "infty": ("mi", "∞"), "dots": ("mi", "…"), "ldots": ("mi", "…"), "cdots": ("mi", "⋯"),
    "in": ("mo", "∈"), "mid": ("mo", "∣"), "partial": ("mi", "∂"), "times": ("mo", "×"),
    "cdot": ("mo", "⋅"), "leq": ("mo", "≤"), "le": ("mo", "≤"), "geq": ("mo", "≥"), "ge": ("mo", "≥"),
    "neq": ("mo", "≠"), "to": ("mo", "→"), "mapsto": ("mo", "↦"), "approx": ("mo", "≈"),
    "propto": ("mo", "∝"), "sim": ("mo", "∼"), "{": ("mo", "{"), "}": ("mo", "}"), "|": ("mo", "‖"),
    "pm": ("mo", "±"), "mp": ("mo", "∓"), "ne": ("mo", "≠"), "wedge": ("mo", "∧"), "vee": ("mo", "∨"),
    "neg": ("mo", "¬"), "otimes": ("mo", "⊗"), "prime": ("mo", "′"), "setminus": ("mo", "∖"),
    "subset": ("mo", "⊂"), "cup": ("mo", "∪"), "cap": ("mo", "∩"), "forall": ("mo", "∀"), "exists": ("mo", "∃"),
    "Rightarrow": ("mo", "⇒"), "rightarrow": ("mo", "→"), "iff": ("mo", "⟺"), "lbrace": ("mo", "{"),
    "rbrace": ("mo", "}"), "langle": ("mo", "⟨"), "rangle": ("mo", "⟩"), "vert": ("mo", "|"), "ell": ("mi", "ℓ"),
    "emptyset": ("mi", "∅"), "top": ("mi", "⊤"), "therefore": ("mo", "∴"), "because": ("mo", "∵"), "nabla": ("mi", "∇"), "hbar": ("mi", "ℏ"), "vdots": ("mi", "⋮"), "ddots": ("mi", "⋱"),
    ",": ("mspace", ""), ";": ("mspace", ""), ":": ("mspace", ""), ">": ("mspace", ""), "!": ("mspace", ""),
    "quad": ("mspace", ""), "qquad": ("mspace", ""), " ": ("mspace", ""), "\\": ("mspace", ""),
}
ACCENTS = {"bar": "¯", "overline": "¯", "hat": "^", "widehat": "^", "tilde": "~", "widetilde": "~", "dot": "˙",
           "ddot": "¨", "vec": "→"}
#: matrix environments and their delimiters
ENVIRONMENTS = {"matrix": ("", ""), "smallmatrix": ("", ""), "pmatrix": ("(", ")"), "bmatrix": ("[", "]"),
                "Bmatrix": ("{", "}"), "vmatrix": ("|", "|"), "Vmatrix": ("‖", "‖"), "cases": ("{", ""),
                "array": ("", ""), "aligned": ("", ""), "align": ("", ""), "align*": ("", ""),
                "gathered": ("", ""), "split": ("", "")}
FUNCTIONS = {"exp", "log", "ln", "det", "sin", "cos", "tan", "max", "min", "lim", "sup", "inf", "Pr"}
BIG = {"sum": "∑", "prod": "∏", "int": "∫", "oint": "∮"}
VARIANTS = {"mathbf": "bold", "mathbb": "double-struck", "mathrm": "normal", "mathit": "italic",
            "mathcal": "script", "boldsymbol": "bold"}
DOUBLE_STRUCK = {"E": "𝔼", "R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "P": "ℙ"}

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[A-Za-z]|[0-9]+(?:\.[0-9]+)?|\s+|.", re.DOTALL)


class _Parser:
    def __init__(self, src: str):
        self.toks = [t for t in _TOKEN.findall(src) if not t.isspace()]
        self.i = 0
        self.depth = 0      # how deep in sub/superscripts: a fraction there is written a/b

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> str:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def seq(self, stop: tuple[str, ...] = ()) -> str:
        out = []
        while (tok := self.peek()) is not None and tok not in stop:
            out.append(self.scripted())
        return "".join(out)

    def group(self) -> str:
        """A braced group or a single atom (the argument of a command or script)."""
        if self.peek() == "{":
            self.take()
            body = self.seq(("}",))
            if self.peek() == "}":
                self.take()
            return f"<mrow>{body}</mrow>"
        if self.peek() is None:
            return "<mrow></mrow>"
        return self.atom()

    def raw_group(self) -> str:
        """The text of a braced group (for \\operatorname, \\mathbb...)."""
        if self.peek() != "{":
            return self.take() if self.peek() is not None else ""
        self.take()
        depth, parts = 1, []
        while self.peek() is not None:
            tok = self.take()
            depth += tok == "{"
            depth -= tok == "}"
            if depth == 0:
                break
            parts.append(tok)
        return "".join(parts)

    def scripted(self) -> str:
        tok = self.peek()
        big = tok[1:] if tok and tok.startswith("\\") and tok[1:] in BIG else None
        base = self.atom()
        sub = sup = None
        while self.peek() in ("_", "^", "\\limits", "\\nolimits"):
            mark = self.take()
            if mark in ("_", "^"):
                self.depth += 1
                try:
                    if mark == "_":
                        sub = self.group()
                    else:
                        sup = self.group()
                finally:
                    self.depth -= 1
        if big and big != "int" and (sub or sup):
            tag = "munderover" if sub and sup else ("munder" if sub else "mover")
            return f"<{tag}>{base}{sub or ''}{sup or ''}</{tag}>"
        if sub and sup:
            return f"<msubsup>{base}{sub}{sup}</msubsup>"
        if sub:
            return f"<msub>{base}{sub}</msub>"
        if sup:
            return f"<msup>{base}{sup}</msup>"
        return base

    def atom(self) -> str:
        tok = self.take()
        if tok == "{":
            body = self.seq(("}",))
            if self.peek() == "}":
                self.take()
            return f"<mrow>{body}</mrow>"
        if tok in ("_", "^"):  # a script with no base
            return f"<msup><mrow></mrow>{self.group()}</msup>" if tok == "^" else f"<msub><mrow></mrow>{self.group()}</msub>"
        if tok.startswith("\\"):
            return self.command(tok[1:])
        if tok[0].isdigit():
            return f"<mn>{tok}</mn>"
        if tok.isalpha():
            return f"<mi>{escape(tok)}</mi>"
        if tok in "([":
            return f'<mo stretchy="false">{tok}</mo>'
        if tok in ")]":
            return f'<mo stretchy="false">{tok}</mo>'
        if tok == "-":
            return "<mo>−</mo>"
        if tok == "'":
            return "<mo>′</mo>"
        return f"<mo>{escape(tok)}</mo>"

    def command(self, name: str) -> str:
        if name in GREEK:
            return f"<mi>{GREEK[name]}</mi>"
        if name in SYMBOLS:
            tag, text = SYMBOLS[name]
            if tag == "mspace":
                width = {"quad": "1em", "qquad": "2em", " ": "0.25em", ",": "0.17em", ":": "0.22em", ">": "0.22em",
                         ";": "0.28em"}.get(name, "0em")
                return f'<mspace width="{width}"/>'
            return f"<{tag}>{escape(text)}</{tag}>"
        if name in BIG:
            return f'<mo largeop="true">{BIG[name]}</mo>'
        if name in FUNCTIONS:
            return f"<mi>{name}</mi><mo>&#x2061;</mo>"
        if name in ("frac", "dfrac", "tfrac"):
            num = self.group()
            den = self.group()
            if self.depth:   # in an exponent or index: a/b at the script's size, not a fraction twice smaller
                return f"<mrow>{_operand(num)}<mo>/</mo>{_operand(den)}</mrow>"
            return f"<mfrac>{num}{den}</mfrac>"
        if name == "begin":
            return self.environment(self.raw_group())
        if name in ACCENTS:
            return f'<mover accent="true">{self.group()}<mo>{ACCENTS[name]}</mo></mover>'
        if name in ("displaystyle", "textstyle", "scriptstyle", "limits", "nolimits", "nonumber", "notag"):
            return ""
        if name == "label":
            self.raw_group()
            return ""
        if name == "tag":   # an equation number, set off at the end
            return f'<mspace width="1em"/><mtext>({escape(self.raw_group())})</mtext>'
        if name == "sqrt":
            return f"<msqrt>{self.group()}</msqrt>"
        if name == "operatorname":
            return f"<mi>{escape(self.raw_group())}</mi><mo>&#x2061;</mo>"
        if name in VARIANTS:
            text = self.raw_group()
            if name == "mathbb" and all(ch in DOUBLE_STRUCK for ch in text):
                return f"<mi>{''.join(DOUBLE_STRUCK[ch] for ch in text)}</mi>"
            return f'<mi mathvariant="{VARIANTS[name]}">{escape(text)}</mi>'
        if name in ("text", "mbox", "textrm"):   # words in a formula: set off by a space on each side
            return f'<mspace width="0.3em"/><mtext>{escape(self.raw_group())}</mtext><mspace width="0.3em"/>'
        if name in ("big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr"):
            delim = self.take() if self.peek() is not None else ""
            delim = {"\\{": "{", "\\}": "}", "\\|": "‖"}.get(delim, delim)
            size = {"big": "1.2em", "Big": "1.6em", "bigg": "2.1em", "Bigg": "2.6em"}[name.rstrip("lr") or "big"]
            return f'<mo minsize="{size}" maxsize="{size}" stretchy="true">{escape(delim)}</mo>'
        if name == "left" or name == "right":
            delim = self.take() if self.peek() is not None else "."
            if delim.startswith("\\"):
                delim = {"\\{": "{", "\\}": "}", "\\|": "‖", "\\langle": "⟨", "\\rangle": "⟩"}.get(delim, "")
            if name == "left":
                body = self.seq(("\\right",))
                close = self.command("right") if self.peek() == "\\right" and self.take() else ""
                opener = f'<mo fence="true" stretchy="true">{escape(delim)}</mo>' if delim != "." else ""
                return f"<mrow>{opener}{body}{close}</mrow>"
            return f'<mo fence="true" stretchy="true">{escape(delim)}</mo>' if delim != "." else ""
        unknown = "\\" + name
        return f"<mtext>{escape(unknown)}</mtext>"

    def environment(self, name: str) -> str:
        """``\\begin{name} a & b \\\\ c & d \\end{name}``: a table of cells, with the environment's delimiters."""
        if name == "array" and self.peek() == "{":
            self.raw_group()                      # the column specification
        rows, cells = [], []
        while True:
            cells.append(self.seq(("&", "\\\\", "\\end")))
            tok = self.take() if self.peek() is not None else "\\end"
            if tok == "&":
                continue
            rows.append(cells)
            cells = []
            if tok == "\\end":
                if self.peek() == "{":
                    self.raw_group()
                break
        if rows and rows[-1] == [""]:             # a trailing \\ ends no row
            rows.pop()
        align = ' columnalign="left"' if name in ("cases", "aligned", "align", "align*", "split") else ""
        table = f"<mtable{align}>" + "".join(
            "<mtr>" + "".join(f"<mtd><mrow>{c}</mrow></mtd>" for c in row) + "</mtr>" for row in rows) + "</mtable>"
        left, right = ENVIRONMENTS.get(name, ("", ""))
        fence = (lambda d: f'<mo fence="true" stretchy="true">{escape(d)}</mo>' if d else "")
        return f"<mrow>{fence(left)}{table}{fence(right)}</mrow>"


def _operand(mathml: str) -> str:
    """A numerator or denominator written inline: in parentheses unless it is one identifier or number."""
    inner = mathml
    while inner.startswith("<mrow>") and inner.endswith("</mrow>"):
        try:
            root = ET.fromstring(f"<r>{inner}</r>")
        except ET.ParseError:
            break
        if len(root) != 1 or root[0].tag != "mrow" or root[0].text and root[0].text.strip():
            break
        inner = inner[len("<mrow>"):-len("</mrow>")]
    try:
        root = ET.fromstring(f"<r>{inner}</r>")
        single = len(root) == 1 and root[0].tag in ("mi", "mn", "msub", "msup", "msubsup")
    except ET.ParseError:
        single = False
    if single:
        return inner
    return f'<mrow><mo stretchy="false">(</mo>{inner}<mo stretchy="false">)</mo></mrow>'


def to_mathml(latex: str, display: bool = True) -> str:
    """The presentation MathML (one ``<math>`` element) of a LaTeX formula."""
    try:
        body = _Parser(latex).seq()
    except Exception:  # noqa: BLE001 - never let typesetting break a report: show the source instead
        body = f"<mtext>{escape(latex)}</mtext>"
    mode = "block" if display else "inline"
    return (f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="{mode}">'
            f'<semantics><mrow>{body}</mrow><annotation encoding="application/x-tex">{escape(latex)}'
            f'</annotation></semantics></math>')


def prose_to_html(text: str) -> str:
    """Prose with ``$...$`` inline math: escaped text and inline MathML."""
    parts = re.split(r"(\$[^$]+\$)", text)
    return "".join(to_mathml(p[1:-1], display=False) if p.startswith("$") and p.endswith("$") and len(p) > 1
                   else escape(p) for p in parts)


def has_inline_math(text: str) -> bool:
    return bool(re.search(r"\$[^$]+\$", text))
