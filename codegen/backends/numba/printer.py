"""The compiled backend's printer: a form as one numba function over blocks of rows, rows in SIMD lanes.

:class:`codegen.rows.RowPrinter` on SymPy's ``PythonCodePrinter``, printing scalars instead of array
calls.  A block holds up to ``B`` rows laid out categories-first, ``(k, B)``: each statement of the
printed kernel is a loop over the categories ``i`` around a loop over the rows ``r``, so LLVM runs
the rows of a block in the lanes of its vector registers.  An elementwise CSE value is a block
array ``t[i, r]``; a per-row value (a reduction, a pivot, a ``Take``) one row ``A[slot, r]`` of the
block's table of per-row values (one array, so that LLVM checks one pointer for aliasing), a
double-double value two such rows.  ``Sum`` inside ``Exact`` prints as a loop of two-sums,
``RowArgMax`` as a loop keeping the last category of the largest value, and the per-row combination
as double-double calls folded two terms at a time (``_dd_add``, ``_dd_mul``, each term a pair).
``log`` and ``exp`` of elementwise values print as the template's vectorisable ``_log`` and ``_exp``.
Only the plain forms print (no elementwise double-double): the template leaves other rows to the
NumPy module.
"""
from __future__ import annotations

import re
from typing import ClassVar

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from ... import forms
from ...rows import RowPrinter, _elementwise

_INFIX: dict[str, str] = {"add": "({} + {})", "subtract": "({} - {})", "multiply": "({} * {})",
                          "divide": "({} / {})", "negative": "(-{})", "reciprocal": "(1.0 / {})",
                          "power": "({} ** {})", "exp": "_exp({})", "log": "_log({})"}


class NumbaRowPrinter(RowPrinter, PythonCodePrinter):
    """Scalar code for one row ``r`` (and category ``i``) of a block; see the module docstring."""

    ops: ClassVar[dict[str, str]] = dict.fromkeys(RowPrinter.OPS, "")

    def __init__(self, last=(), pairs=frozenset(), elementwise=frozenset()):
        super().__init__(last, pairs, elementwise)
        self.lines: list[str] = []     # the block's statements, in order
        self.slots: dict = {}          # per-row symbol -> its first row in A (pairs take two)
        self.blocks: list[str] = []    # elementwise CSE arrays, (k, B) each
        self.indices = 0               # int64 arrays of pivots, (B,) each
        self.locals: set = set()       # symbols printed as scalars of the combination
        self.pivots: dict = {}         # RowArgMax symbol -> its index array's element

    def _call(self, op: str, *args: str) -> str:
        return _INFIX[op].format(*args)

    # --- slots and loops -----------------------------------------------------------------------
    def slot(self, width: int = 1) -> int:
        self.slots["#"] = start = self.slots.get("#", 0)
        self.slots["#"] += width
        return start

    def _loop(self, body: list[str], per_category: bool = True) -> None:
        pad = "        " if per_category else "    "
        head = ["        for i in range(k):"] if per_category else []
        self.lines += head + [f"{pad}    for r in range(n):"] + [f"{pad}        {b}" for b in body]

    def assign(self, sym: sp.Symbol, sub: sp.Expr, exact: bool) -> None:
        """The CSE statement ``sym = sub`` of the reductions phase, as a loop."""
        if isinstance(sub, forms.RowArgMax):
            self.pivots[sym] = self._print(sub)
            return
        if _elementwise(sub, self.elementwise):
            code = self.in_mode(sub, exact)  # exact: a function of float64 values (log y_i) stays float64
            if "_dd_" in code or (exact and code.startswith("(")):
                raise ValueError(f"numba: elementwise double-double ({sym} = {sub}) is not printable")
            self.blocks.append(str(sym))
            self._loop([f"{sym}[i, r] = {code}"])
            return
        self.store(sym, self.in_mode(sub, exact), pair=exact and sym in self.pairs)

    def store(self, sym, code: str, pair: bool) -> None:
        """``sym`` per row: a slot of A (a value already in one is not copied)."""
        held = re.fullmatch(r"\(A\[(\d+), r\], A\[(\d+), r\]\)" if pair else r"A\[(\d+), r\]", code)
        if held:
            self.slots[sym] = (int(held.group(1)), pair)
            return
        j = self.slot(2 if pair else 1)
        self.slots[sym] = (j, pair)
        if pair:
            self._loop([f"A[{j}, r], A[{j + 1}, r] = {code}"], per_category=False)
        else:
            self._loop([f"A[{j}, r] = {code}"], per_category=False)

    # --- symbols and arrays --------------------------------------------------------------------
    def _print_Symbol(self, expr):
        name = str(expr)
        if expr in self.pivots:
            return self.pivots[expr]
        if expr in self.last:  # a CSE name of k - 1 (its statement is not printed)
            return self._integer(forms.K - 1)
        if expr in self.locals:
            return name if self.exact or expr not in self.pairs else f"_hi({name})"
        if expr in self.slots:
            j, pair = self.slots[expr]
            if pair:
                return f"(A[{j}, r], A[{j + 1}, r])" if self.exact else f"(A[{j}, r] + A[{j + 1}, r])"
            return f"(A[{j}, r], 0.0)" if self.exact else f"A[{j}, r]"
        if name in self.blocks:
            return f"{name}[i, r]"
        if expr == forms.tau or name == "tau":
            return "(A[0, r], 0.0)" if self.exact else "A[0, r]"
        if name == "k":
            return "(float(k), 0.0)" if self.exact else "float(k)"
        return name

    def _print_Indexed(self, expr):
        if expr.indices != (forms.i,):
            raise ValueError(f"index: only the category index {forms.i} is printable, got {expr}")
        return f"{expr.base.label}[i, r]"

    def _print_Integer(self, expr):
        return f"({float(expr)!r}, 0.0)" if self.exact else repr(float(expr))

    def _integer(self, expr) -> str:
        """An integer of the row (k - 1, k tau's k...): exact in float64, a pair in double-double."""
        return f"(float({expr}), 0.0)" if self.exact else f"float({expr})"

    def _print_Add(self, expr):
        if expr.is_integer:
            return self._integer(expr)
        if not self.exact:
            return super()._print_Add(expr)
        terms = [self._print(a) for a in self._as_ordered_terms(expr)]
        code = terms[0]
        for t in terms[1:]:
            code = f"_dd_add({code}, {t})"
        return code

    def _print_Mul(self, expr):
        if expr.is_integer:
            return self._integer(expr)
        if not self.exact:
            return super()._print_Mul(expr)
        coeff, rest = expr.as_coeff_Mul()
        factors = [self._print(f) for f in rest.as_ordered_factors()]
        code = factors[0]
        for f in factors[1:]:
            code = f"_dd_mul({code}, {f})"
        if coeff == -1:
            return f"_dd_neg({code})"
        return code if coeff == 1 else f"_dd_mul({self._print(coeff)}, {code})"

    # --- reductions: loops that fill a slot ----------------------------------------------------
    def _print_Sum(self, expr):
        (var, lo, hi), = expr.limits
        if var != forms.i or lo != 0 or hi not in self.last:
            raise ValueError(f"Sum: only sums over the full category axis are printable, got {expr.limits}")
        j = self.slot(2)
        self._loop([f"A[{j}, r] = 0.0", f"A[{j + 1}, r] = 0.0"], per_category=False)
        term = self.in_mode(expr.function, False)
        self._loop([f"A[{j}, r], A[{j + 1}, r] = _two_sum_into(A[{j}, r], A[{j + 1}, r], {term})"])
        if self.exact:
            return f"(A[{j}, r], A[{j + 1}, r])"
        return f"(A[{j}, r] + A[{j + 1}, r])"

    def _print_RowMax(self, expr):
        raise ValueError("numba: RowMax is not printable (only the plain forms)")

    def _print_RowArgMax(self, expr):
        """The last category where the argument is largest (NaN never wins: the row is settled later)."""
        j = self.slot(1)
        p = f"I{self.indices}"
        self.indices += 1
        self._loop([f"A[{j}, r] = -numpy.inf", f"{p}[r] = k - 1"], per_category=False)
        self._loop([f"v = {self.in_mode(expr.args[0], False)}", f"top = v >= A[{j}, r]",
                    f"A[{j}, r] = v if top else A[{j}, r]", f"{p}[r] = i if top else {p}[r]"])
        return f"{p}[r]"

    def _print_Take(self, expr):
        value, index = expr.args
        code = self.in_mode(value, False)
        if not code.endswith("[i, r]"):
            raise ValueError(f"numba: Take of a computed value is not printable, got {value}")
        return code[:-len("[i, r]")] + f"[{self.in_mode(index, False)}, r]"

    def _print_Last(self, expr):
        code = self.in_mode(expr.args[0], False)
        if not code.endswith("[i, r]"):
            raise ValueError(f"numba: Last of a computed value is not printable, got {expr}")
        return code[:-len("[i, r]")] + "[k - 1, r]"

    def _print_log(self, expr):
        arg = expr.args[0]
        if isinstance(arg, sp.gamma):
            if not self.exact:
                raise ValueError("numba: log Gamma(k) is printable in double-double only")
            return "lgamma_k"
        if self.exact and arg == forms.tau:
            return "(A[1, r], A[2, r])"  # log tau: filled by the template's _load_tau
        if self.exact and not _elementwise(arg, self.elementwise):
            return f"_dd_log({self._print(arg)})"
        return super()._print_log(expr)

    # --- the whole kernel ----------------------------------------------------------------------
    @classmethod
    def kernel_source(cls, kern, gradients: dict | None = None) -> str:
        """``_block_<name>``: the reductions and the combination of ``kern`` (a codegen.emit.Kernel); with
        ``gradients`` (codegen.gradients.KERNEL_GRADIENTS[name]: "point", "logits" per category, "tau" per
        row), ``_block_<name>_grad``, which also writes them (one CSE over both, so the logs, the pivot and
        the exponentials are computed once)."""
        from ...emit import _cse, _elementwise_names, _printing_modes

        reductions = list(kern.atoms)
        flags = [kern.atoms[e][1] for e in reductions]
        wanted = list((gradients or {}).items())
        replacements, reduced = _cse(reductions + [g for _, g in wanted])
        reduced, g_reduced = reduced[:len(reductions)], reduced[len(reductions):]
        names = _elementwise_names(replacements)
        roots = list(zip(reduced, flags)) + [(g, False) for g in g_reduced]
        exact, pairs = _printing_modes(replacements, roots, names)
        p = cls((sym for sym, sub in replacements if sub == forms.K - 1), pairs=pairs, elementwise=names)
        p.slot(3)  # A[0]: tau, A[1], A[2]: log tau (the template's _load_tau)
        for sym, sub in replacements:
            if sub != forms.K - 1:
                p.assign(sym, sub, sym in exact)
        for (atom, flag), (e, (sym, _)) in zip(zip(reduced, flags), kern.atoms.items()):
            if isinstance(atom, sp.Symbol) and atom in p.slots:
                p.slots[sym] = p.slots[atom]
            else:
                p.store(sym, p.in_mode(atom, flag), pair=flag)
        written = p.gradients([(what, g) for (what, _), g in zip(wanted, g_reduced)])
        dd = [sym for e, (sym, flag) in kern.atoms.items() if flag]
        c_repl, (c_reduced,) = _cse([kern.combine])
        c_exact, c_pairs = _printing_modes(c_repl, [(c_reduced, False)], set())
        p.pairs |= c_pairs
        body = []
        for sym, sub in c_repl:
            p.locals.add(sym)
            body.append(f"{sym} = {p.in_mode(sub, sym in c_exact)}")
        body.append(f"value = {p.in_mode(c_reduced, False)}")
        scale = ", ".join(f"abs(A[{p.slots[s][0]}, r])" for s in dd)
        scale = f"max({scale})" if len(dd) > 1 else scale or "0.0"
        body += ["out[r0 + r] = value",
                 f"flags[r0 + r] = off[r] | (k * {scale} > _LOST * max(1.0, abs(value)))", *written["row"]]
        point, logits = kern.args[0], kern.args[1]
        arrays = [point, logits, *p.blocks]
        outputs = "g_point, g_logits, g_tau, " if wanted else ""
        signature = f"({point}_in, logits_in, tau_in, lgamma_k, tol, limit, out, flags, {outputs}start, stop):"
        head = ["@numba.njit(nogil=True, error_model='numpy', boundscheck=False, cache=True)",
                f"def _block_{kern.name}{'_grad' if wanted else ''}{signature}",
                f"    k = {point}_in.shape[1]",
                "    b = _block_size(k)",
                *[f"    {a} = numpy.empty((k, b))" for a in arrays],
                *[f"    I{j} = numpy.empty(b, numpy.int64)" for j in range(p.indices)],
                f"    A = numpy.empty(({p.slots['#']}, b))",
                "    off = numpy.empty(b, numpy.uint8)",
                "    S = numpy.empty(b)",
                "    for r0 in range(start, stop, b):",
                "        n = min(b, stop - r0)",
                f"        _load({point}_in, {point}, r0, n)",
                "        _load(logits_in, logits, r0, n)",
                "        _load_tau(tau_in, A, r0, n)",
                f"        {'_off_simplex_log' if point == 'log_y' else '_off_simplex'}({point}, tol, off, S, n)",
                "        _beyond_plain(logits, A, limit, off, n)"]
        return "\n".join(head + p.lines + written["block"] + ["        for r in range(n):"]
                         + [f"            {b}" for b in body]) + "\n"

    def gradients(self, printed: list) -> dict:
        """The gradients' statements: each per-category one into a block array ``G_<what>`` (k, b), then
        stored transposed into the output ``g_<what>`` (rows, k) (``_store``); each per-row one into a
        slot of A, written in the per-row loop.  Returns {"block": lines after the reductions, "row": lines
        of the per-row loop}."""
        block, row = [], []
        for what, g in printed:
            if _elementwise(g, self.elementwise):
                self.blocks.append(f"G_{what}")
                self._loop([f"G_{what}[i, r] = {self.in_mode(g, False)}"])
                block.append(f"        _store(G_{what}, g_{what}, r0, n)")
            else:
                sym = sp.Symbol(f"g_{what}")
                self.store(sym, self.in_mode(g, False), pair=False)
                row.append(f"g_{what}[r0 + r] = A[{self.slots[sym][0]}, r]")
        return {"block": block, "row": row}
