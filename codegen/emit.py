"""Print the general forms (``codegen.forms``) as the package ``gumbel_softmax``, one module per backend.

Every formula in the output comes from a SymPy expression through a backend's printer (a
:class:`codegen.rows.RowPrinter`; the backends live in ``codegen/backends/<name>/``).  A form with a
per-row result is printed in two phases (:class:`Kernel`): the reductions over the categories,
then their per-row combination.  CSE is SymPy's ``cse`` in its canonical order; the output is
deterministic byte for byte for a pinned SymPy.  The package's ``__init__`` is printed here too:
it re-exports the NumPy module, so ``import gumbel_softmax`` needs only numpy.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import sympy as sp

from . import forms
from .backends import Backend, backends
from .backends.numpy.printer import NumPyRowPrinter
from .rows import Quotient, _elementwise, _elementwise_names, _quotients

PACKAGE = Path("generated") / "gumbel_softmax"
COMMAND = "python -m codegen"


def _printing_modes(replacements, roots, names) -> tuple[set, set]:
    """(CSE symbols printed in double-double, those of them whose value may be a (hi, lo) pair).

    ``roots`` are (reduced expression, printed exactly?).  A symbol is printed in double-double
    when a use of it lies inside ``Exact`` or an exact root (so CSE cannot move arithmetic out
    of an exact context) or its definition is ``Exact(...)``.  ``names``: the elementwise CSE symbols.
    """
    exact = set()

    def uses(expr, in_exact):
        if isinstance(expr, sp.Symbol):
            if in_exact:
                exact.add(expr)
            return
        if isinstance(expr, forms.Exact):
            in_exact = True
        elif isinstance(expr, (forms.RowMax, forms.RowArgMax)):
            in_exact = False  # max and argmax look at float64 values
        elif isinstance(expr, (sp.exp, sp.log)) and _elementwise(expr, names):
            in_exact = False  # float64 functions of float64 arguments, unless marked Exact
        for a in expr.args:
            uses(a, in_exact)

    for root, in_exact in roots:
        uses(root, in_exact)
    for sym, sub in reversed(replacements):
        if isinstance(sub, forms.Exact):
            exact.add(sym)
        uses(sub, sym in exact)
    pairs = set()
    for sym, sub in replacements:
        inner = sub.args[0] if isinstance(sub, forms.Exact) else sub
        if sym in exact and not inner.is_integer and (
                isinstance(inner, (sp.Add, sp.Mul, sp.Sum)) or inner in pairs
                or (isinstance(inner, sp.log) and not _elementwise(inner, names))):
            pairs.add(sym)
    return exact, pairs


def _cse(exprs):
    exprs = [_quotients(e) for e in exprs]
    replacements, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("t"), order="canonical")
    # SymPy's CSE names negations (t = -x) that the rest then negates back: put them back inline
    negations = {sym: sub for sym, sub in replacements
                 if isinstance(sub, sp.Mul) and sub.args[0] == -1 and len(sub.args) == 2
                 and (sub.args[1].is_Atom or isinstance(sub.args[1], sp.Indexed))}
    replacements = [(sym, sub.xreplace(negations)) for sym, sub in replacements if sym not in negations]
    return replacements, [r.xreplace(negations) for r in reduced]


def _statements(exprs, flags, printer_class, pairs=()):
    """CSE of ``exprs`` printed as assignments by ``printer_class``: (lines, printed results)."""
    replacements, reduced = _cse(list(exprs))
    names = _elementwise_names(replacements)
    exact, new_pairs = _printing_modes(replacements, list(zip(reduced, flags)), names)
    printer = printer_class((sym for sym, sub in replacements if sub == forms.K - 1), pairs={*pairs, *new_pairs},
                         elementwise=names)
    lines = [(sym, f"    {sym} = {printer.in_mode(sub, sym in exact)}") for sym, sub in replacements]
    results = [printer.in_mode(r, flag) for r, flag in zip(reduced, flags)]
    text = "\n".join([line for _, line in lines] + results)
    # k - 1 is CSE'd for the limits of the sums, which print without it: drop the unused name
    used = [line for sym, line in lines
            if len(re.findall(rf"\b{sym}\b", text)) > 1 or not line.endswith(" = k - 1")]
    return used, results


class Kernel:
    """A form as printed: one elementwise function, or, for a per-row result, two phases.

    Phase 1 (``_rows_<name>``, on each chunk) computes the reductions over the categories
    (``Sum``, ``Take``, ``RowMax`` in per-row position: the *atoms* a0, a1, ...); phase 2
    (``_combine_<name>``, on blocks of rows) combines them.  Printing the per-row arithmetic
    once per block instead of once per chunk keeps numpy's per-call cost off the hot path.
    """

    def __init__(self, name: str, expr: sp.Expr, args: tuple[str, ...], printer=NumPyRowPrinter):
        self.name, self.expr, self.args, self.printer = name, expr, args, printer
        self.atoms: dict = {}  # reduction -> [symbol, summed exactly?]
        self.combine = None if _elementwise(expr) else self._lift(expr, False)
        if self.combine is not None and _elementwise(self.combine):
            raise ValueError(f"{name}: an elementwise term outside a reduction")

    def _lift(self, e, exact):
        if isinstance(e, (sp.Sum, forms.Take, forms.Last, forms.RowMax)):
            entry = self.atoms.setdefault(e, [sp.Symbol(f"a{len(self.atoms)}"), False])
            entry[1] |= exact and isinstance(e, sp.Sum)
            return entry[0]
        if isinstance(e, forms.Exact):
            exact = True
        if not e.args:
            return e
        return e.func(*[self._lift(a, exact) for a in e.args])

    def source(self) -> str:
        if hasattr(self.printer, "kernel_source"):  # a printer that lays out whole kernels itself
            return self.printer.kernel_source(self)
        if self.combine is None:
            lines, (result,) = _statements([self.expr], [False], self.printer)
            return "\n".join([f"def _kernel_{self.name}({', '.join(self.args)}):", *lines,
                              f"    return {result}"]) + "\n"
        reductions = list(self.atoms)
        flags = [self.atoms[e][1] for e in reductions]
        symbols = [self.atoms[e][0] for e in reductions]
        lines, results = _statements(reductions, flags, self.printer)
        rows = [f"def _rows_{self.name}({', '.join(self.args)}):", *lines, f"    return {', '.join(results)},"]
        extra = [a for a in ("tau", "k") if a in self.args]
        pairs = [sym for sym, flag in zip(symbols, flags) if flag]
        lines, (result,) = _statements([self.combine], [False], self.printer, pairs)
        combine = [f"def _combine_{self.name}({', '.join(map(str, symbols + extra))}):", *lines,
                   f"    return {result}"]
        return "\n".join(rows) + "\n\n\n" + "\n".join(combine) + "\n"

    def printed(self) -> sp.Expr:
        """What the printed code computes: the CSE outputs recombined, the atoms put back."""
        if self.combine is None:
            return recombined(self.expr)
        return recombined(self.combine).xreplace({sym: recombined(e) for e, (sym, _) in self.atoms.items()})


def recombined(expr: sp.Expr) -> sp.Expr:
    """The CSE output with its replacements substituted back."""
    replacements, (reduced,) = _cse([expr])
    for sym, sub in reversed(replacements):
        reduced = reduced.xreplace({sym: sub})
    return reduced.replace(lambda a: isinstance(a, Quotient), lambda a: a.args[0] / a.args[1])


_Y, _LOG_Y = ("y", "logits", "tau", "k", "axis"), ("log_y", "logits", "tau", "k", "axis")
KERNEL_ARGS = {**dict.fromkeys(("log_prob", "log_prob_careful", "log_prob_ratio"), _Y),
               **dict.fromkeys(("log_prob_from_log", "log_prob_from_log_careful", "log_prob_exp",
                                "log_prob_exp_careful"), _LOG_Y),
               "log_prob_u": ("u", "logits", "k", "axis"), "sample_log": ("logits", "gumbel", "tau", "k", "axis")}

#: the claims (``codegen.claims``) that check the printed forms and the steps to them
CLAIM_IDS = ("cg.logits", "cg.log", "cg.lse", "cg.log_prob", "cg.log_prob_from_log", "cg.log_prob_exp",
             "cg.log_prob_u", "cg.sample_log", "cg.lgamma", "cg.vexp", "cg.vlog", "cg.dd_log", "cg.grad_logits", "cg.grad_tau", "cg.grad_y",
             "cg.grad_log_y", "cg.kernel_gradients", "cg.cse")


def kernel(name: str, printer=NumPyRowPrinter) -> Kernel:
    return Kernel(name, forms.FORMS[name], KERNEL_ARGS[name], printer)


def expressions_hash() -> str:
    text = "\n".join(f"{name}: {sp.srepr(forms.FORMS[name])}" for name in sorted(forms.FORMS))
    return hashlib.sha256(text.encode()).hexdigest()


def _header(title: str) -> str:
    return (
        f'"""{title}\n\n'
        f"GENERATED FILE - do not edit.  Written by `{COMMAND}` (codegen/emit.py, SymPy {sp.__version__}).\n"
        f"Printed from the general forms in codegen/forms.py, checked by `make verify` against the\n"
        f"verified expressions (J28), (8), (1) and the log-space (5) in the claims {', '.join(CLAIM_IDS)}.\n"
        f"sha256 of the expressions: {expressions_hash()}\n"
    )


def render_module(backend: Backend) -> str:
    """The module ``gumbel_softmax.<backend.name>``: its template with the printed kernels."""
    names = backend.forms or tuple(forms.FORMS)
    kernels = "\n\n".join(kernel(name, backend.printer).source() for name in names)
    return _header(backend.doc.strip()) + '"""\n' + backend.assemble(kernels)


def _package_init(found) -> str:
    rows = "\n".join(f"  gumbel_softmax.{b.name:<6} " + (f"pip install '.[{b.extra}]'" if b.extra else "numpy only")
                     for b in found)
    return (_header("The Gumbel-softmax (Concrete) distribution of Jang, Gu & Poole (2017) and Maddison et al. "
                    "(2017):\nits densities and samplers, printed from the verified derivation.")
            + "\nThe same functions and signatures in each backend module:\n\n" + rows + "\n\n"
            + "This package re-exports the NumPy module: ``import gumbel_softmax`` needs only numpy.\n"
            + '"""\nfrom .numpy import *  # noqa: F401,F403\nfrom .numpy import __all__  # noqa: F401\n')


def render() -> dict[str, str]:
    """Every file of the package, by its path under generated/gumbel_softmax."""
    found = backends()
    return {"__init__.py": _package_init(found), **{f"{b.name}.py": render_module(b) for b in found}}


def write(root: Path = Path(".")) -> Path:
    folder = root / PACKAGE
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in render().items():
        (folder / name).write_text(text)
    return folder


def check(root: Path = Path(".")) -> list[str]:
    """Differences between ``generated/`` and what :func:`write` would produce (empty when fresh)."""
    problems = []
    gen = root / PACKAGE.parent
    expected = {str(PACKAGE.relative_to(PACKAGE.parent) / name): text for name, text in render().items()}
    present = set()
    if gen.is_dir():
        for p in sorted(gen.rglob("*")):
            rel = p.relative_to(gen)
            if "__pycache__" in rel.parts or p.is_dir():
                continue
            present.add(str(rel))
    for extra in sorted(present - set(expected)):
        problems.append(f"generated/{extra}: not written by `{COMMAND}` (remove it)")
    for rel, text in expected.items():
        path = gen / rel
        if not path.exists():
            problems.append(f"generated/{rel}: missing; run `{COMMAND}`")
        elif path.read_text() != text:
            problems.append(f"generated/{rel}: differs from what `{COMMAND}` writes; run `{COMMAND}`")
    return problems
