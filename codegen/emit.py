"""Print the general forms (``codegen.forms``) as a standalone numpy module.

Every formula in the output comes from a SymPy expression through
:class:`RowPrinter`: ``Sum`` over the category index becomes a reduction along the
last axis (``keepdims=True``; in ``numpy.longdouble`` for the densities), ``RowMax`` a ``max`` along it, ``y[i]`` the array ``y``;
per-row quantities (``tau``) carry a trailing axis of length 1, so every printed
expression broadcasts.  CSE is SymPy's ``cse`` in its canonical order; the output is
deterministic byte for byte for a pinned SymPy.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from . import forms

TARGET = Path("generated") / "gumbel_softmax_numpy.py"
COMMAND = "python -m codegen"


class RowPrinter(NumPyPrinter):
    """NumPy printer for expressions over the last axis of arrays."""

    def __init__(self, last=(), extended=True):
        super().__init__({"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": False})
        #: row sums accumulate in numpy.longdouble (80-bit on x86-64): the log-density adds terms
        #: that cancel, and float64 pairwise sums alone miss the 2e-15 accuracy target
        self.extended = extended
        #: names that CSE gave to k - 1, the upper limit of a full sum
        self.last = {forms.K - 1, *last}

    def _print_Indexed(self, expr):
        if expr.indices != (forms.i,):
            raise ValueError(f"index: only the category index {forms.i} is printable, got {expr}")
        return self._print(expr.base.label)

    def _print_Sum(self, expr):
        (var, lo, hi), = expr.limits
        if var != forms.i or lo != 0 or hi not in self.last:
            raise ValueError(f"Sum: only sums over the full last axis are printable, got {expr.limits}")
        extended = ", dtype=numpy.longdouble" if self.extended and isinstance(expr, forms.WideSum) else ""
        return f"numpy.sum({self._print(expr.function)}, axis=-1, keepdims=True{extended})"

    def _print_SplitHi(self, expr):
        raise ValueError(f"split: {expr} must be a common subexpression (printed by kernel_source)")

    _print_SplitLo = _print_SplitHi

    def _print_RowMax(self, expr):
        return f"numpy.max({self._print(expr.args[0])}, axis=-1, keepdims=True)"

    def _print_log(self, expr):
        # log Gamma(k): SymPy writes loggamma(k) of a positive integer as log(gamma(k)); print it
        # as lgamma so that it does not overflow for k > 171.
        if isinstance(expr.args[0], sp.gamma):
            return f"math.lgamma({self._print(expr.args[0].args[0])})"
        return super()._print_log(expr)


def kernel_source(name: str, expr: sp.Expr, args: tuple[str, ...]) -> str:
    """``def _kernel_<name>(args): <cse assignments>; return <reduced>``."""
    replacements, (reduced,) = sp.cse([expr], symbols=sp.numbered_symbols("t"), order="canonical")
    printer = RowPrinter((sym for sym, sub in replacements if sub == forms.K - 1),
                         extended=name not in ELEMENTWISE)
    lines = [f"def _kernel_{name}({', '.join(args)}):"]
    names = {sub: sym for sym, sub in replacements}
    done = set()
    for sym, sub in replacements:
        if isinstance(sub, (forms.SplitHi, forms.SplitLo)):
            # one error-free transformation gives both parts, printed where the first one is needed
            hi, lo = forms.SplitHi(*sub.args), forms.SplitLo(*sub.args)
            if hi not in names or lo not in names:
                raise ValueError(f"split: both parts of {sub} must be common subexpressions")
            if sub.args not in done:
                done.add(sub.args)
                call = ", ".join(printer.doprint(a) for a in sub.args)
                lines.append(f"    {printer.doprint(names[hi])}, {printer.doprint(names[lo])} = _split_fms({call})")
            continue
        lines.append(f"    {printer.doprint(sym)} = {printer.doprint(sub)}")
    lines.append(f"    return {printer.doprint(reduced)}")
    return "\n".join(lines) + "\n"


def recombined(expr: sp.Expr) -> sp.Expr:
    """The CSE output with its replacements substituted back: what the printed kernel computes."""
    replacements, (reduced,) = sp.cse([expr], symbols=sp.numbered_symbols("t"), order="canonical")
    for sym, sub in reversed(replacements):
        reduced = reduced.xreplace({sym: sub})
    return reduced


#: kernels with an elementwise result (no cancelling row sum): summed in float64
ELEMENTWISE = ("sample_log",)

KERNEL_ARGS = {
    "log_prob": ("y", "logits", "tau", "k"),
    "log_prob_from_log": ("log_y", "logits", "tau", "k"),
    "log_prob_u": ("u", "logits", "k"),
    "sample_log": ("logits", "gumbel", "tau", "k"),
}

#: the claims (``codegen.claims``) that check the printed forms and the steps to them
CLAIM_IDS = ("cg.logits", "cg.log", "cg.lse", "cg.log_prob", "cg.log_prob_from_log", "cg.log_prob_u",
             "cg.sample_log", "cg.cse")


def expressions_hash() -> str:
    text = "\n".join(f"{name}: {sp.srepr(forms.FORMS[name])}" for name in sorted(forms.FORMS))
    return hashlib.sha256(text.encode()).hexdigest()


def render() -> str:
    header = (
        f'"""GENERATED FILE - do not edit.  Written by `{COMMAND}` (codegen/emit.py, SymPy {sp.__version__}).\n\n'
        f"Printed from the general forms in codegen/forms.py, checked by `make verify` against the\n"
        f"verified expressions (J28) and (8) in the claims {', '.join(CLAIM_IDS)}.\n"
        f"sha256 of the expressions: {expressions_hash()}\n"
        f'"""\n'
    )
    kernels = "\n\n".join(kernel_source(name, forms.FORMS[name], KERNEL_ARGS[name]) for name in forms.FORMS)
    template = (Path(__file__).with_name("template.py")).read_text()
    body = template.split("# --- template start ---\n", 1)[1]
    return header + body.replace("# @@KERNELS@@\n", "# Kernels: printed by codegen.emit.RowPrinter.\n\n" + kernels)


def write(root: Path = Path(".")) -> Path:
    path = root / TARGET
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render())
    return path


def check(root: Path = Path(".")) -> list[str]:
    """Differences between ``generated/`` and what :func:`write` would produce (empty when fresh)."""
    problems = []
    gen = root / TARGET.parent
    expected = {TARGET.name}
    present = set()
    if gen.is_dir():
        for p in sorted(gen.rglob("*")):
            rel = p.relative_to(gen)
            if "__pycache__" in rel.parts or p.is_dir():
                continue
            present.add(str(rel))
    for extra in sorted(present - expected):
        problems.append(f"generated/{extra}: not written by `{COMMAND}` (remove it)")
    path = root / TARGET
    if not path.exists():
        problems.append(f"{TARGET}: missing; run `{COMMAND}`")
    elif path.read_text() != render():
        problems.append(f"{TARGET}: differs from what `{COMMAND}` writes; run `{COMMAND}`")
    return problems
