"""The subjects the verifier knows, assembled from their parts.

This is the one module that imports both the derivation (``derive/``) and the code generator
(``codegen/``): a subject is the note's claims plus the verified rewrites that lead to the
generated code, handed to the engine (``checks/``) as data.
"""
from __future__ import annotations

import functools
from pathlib import Path

from checks.subject import Hints, Subject, load_errata


def gumbel_softmax() -> Subject:
    """The note "A note on the density of Gumbel-softmax" (Masada, 2019) and its completion."""
    import checks
    import codegen
    import derive
    from codegen.claims import CLAIMS as rewrites
    from derive import end_to_end, figures, note
    from derive.model import MODEL
    from derive.world import world
    sources = tuple(sorted(p for pkg in (checks, derive, codegen) for p in Path(pkg.__file__).parent.rglob("*.py")))
    return Subject(
        name="gumbel-softmax", title=note.TITLE, claims=(*note.claims(), *rewrites), model=MODEL,
        note_copy=note.NOTE_COPY, errata=load_errata(note.ERRATA),
        hints=Hints(defined=note.DEFINED, where=note.where),
        end_to_end=end_to_end.checks, figures=figures.make_figures, lemmas=note.lemma_records,
        sources=sources, world=functools.cache(world))


def exp_concrete() -> Subject:
    """The log-space (ExpConcrete) density of Gumbel-softmax and its base measure (derive/exp_concrete).

    No errata; no world (``world=None``): the steps of a write-up are not read for this subject, its
    claims are decided and read at their anchors in the note copy."""
    import checks
    import derive
    from derive.exp_concrete import end_to_end, figures, note
    from derive.exp_concrete.model import MODEL
    sources = tuple(sorted(p for pkg in (checks, derive) for p in Path(pkg.__file__).parent.rglob("*.py")))
    return Subject(
        name="exp-concrete", title=note.TITLE, claims=tuple(note.claims()), model=MODEL,
        note_copy=note.NOTE_COPY, hints=Hints(where=note.where),
        end_to_end=end_to_end.checks, figures=figures.make_figures, lemmas=note.lemma_records,
        sources=sources)


SUBJECTS = {"gumbel-softmax": gumbel_softmax, "exp-concrete": exp_concrete}
