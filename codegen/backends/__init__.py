"""The backends: one folder each, ``codegen/backends/<name>/``, laid out as SymForce lays out its
code-generation backends.  A folder holds a printer (a :class:`codegen.rows.RowPrinter` mixed into
SymPy's printer for that array library), its options, and the hand-written template of the module
``gumbel_softmax.<name>`` (argument checks, dtypes, broadcasting, the helpers the printed kernels
call); its ``__init__`` defines ``BACKEND``.  ``codegen.emit`` finds the folders here: adding a
backend touches no other file.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path

#: the line of a template before which its hand-written code starts
START = "# --- template start ---\n"
#: the line of the main template replaced by the printed kernels
KERNELS = "# @@KERNELS@@\n"
#: the line of the main template replaced by shared.py, the part every module has (no array library in it)
SHARED = "# @@SHARED@@\n"


@dataclass(frozen=True)
class Backend:
    """One array library's module, ``gumbel_softmax.<name>``."""

    #: the module's name in the package and the backend's folder
    name: str
    #: the RowPrinter subclass that prints its kernels
    printer: type
    #: the folder of the printer and the templates
    folder: Path
    #: the extra of pyproject.toml that installs its array library ("" for numpy)
    extra: str = ""
    #: (marker line of the main template, template file inserted there), in order
    inserts: tuple = field(default=())
    #: what the module computes, in which precision (the first paragraph of its docstring)
    doc: str = ""
    #: the main template file
    template: str = "template.py"
    #: names of the forms (codegen.forms.FORMS) this backend prints
    forms: tuple | None = None
    #: (marker line of the main template, function returning printed code inserted there)
    printed: tuple = field(default=())

    def part(self, name: str, folder: Path | None = None) -> str:
        """The template file ``name`` (in ``folder``, else the backend's) after its start marker."""
        return ((folder or self.folder) / name).read_text().split(START, 1)[1]

    def assemble(self, kernels: str) -> str:
        """The module body: the main template with its inserts and the printed ``kernels``."""
        body = self.part(self.template)
        if body.count(SHARED) != 1:
            raise ValueError(f"{self.name}: the main template needs the line {SHARED!r} once")
        body = body.replace(SHARED, self.part("shared.py", Path(__file__).parent))
        for marker, name in self.inserts:
            body = body.replace(marker, self.part(name))
        for marker, code in self.printed:
            body = body.replace(marker, code())
        printer = f"{self.printer.__module__}.{self.printer.__name__}"
        head, tail = body.split(KERNELS)
        return head.rstrip("\n") + f"\n\n\n# Kernels: printed by {printer}.\n\n" + kernels + tail


def backends() -> list[Backend]:
    """Every backend folder under codegen/backends, by name."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.ispkg:
            found.append(importlib.import_module(f"{__name__}.{info.name}").BACKEND)
    return sorted(found, key=lambda b: b.name)
