"""The note "A note on the density of Gumbel-softmax" (Masada, 2019) as claims, in page order.

Eqs. (1)-(4): gumbel_shift; (5)-(8): marginal_u; (9)-(13): softmax_map;
(12), (14), (15), J24-J26: jacobian; J27, J28: density.  Each claim is written once, for
symbolic k, and anchored to where the note prints it.
"""
from __future__ import annotations

from pathlib import Path

from . import density, gumbel_shift, jacobian, marginal_u, softmax_map
from .model import Y, symbols_for
from .softmax_map import on_graph

TITLE = "A note on the density of Gumbel-softmax"
NOTE_COPY = Path(__file__).with_name("note_copy.md")
ERRATA = Path(__file__).with_name("errata.json")

#: values the note defines by name (before eq. (8): u_k = 0)
DEFINED = {"u_k": 0}


def claims() -> list:
    """Every claim of the note and its completion, in the order of the page."""
    out = [*gumbel_shift.CLAIMS, *marginal_u.CLAIMS, *softmax_map.CLAIMS]
    out += [c for c in density.CLAIMS if c.equation == "12"]
    out += jacobian.CLAIMS
    out += [c for c in density.CLAIMS if c.equation != "12"]
    return out


_ON_GRAPH = {"eq10", "eq11.1", "eq11.2", "eq13.1", "eq13.2", "eq13.3", "eq13.4"}


def where(claim_id: str, k: int) -> dict:
    """How a printed side is read at size k: eqs. (10), (11), (13) are equations between y and u
    that hold on the graph y = h(u); the step after (4) solves the definition of u for g_i."""
    from .model import at
    s = symbols_for(k)
    if claim_id in _ON_GRAPH:
        return {s.y[n]: at(on_graph(Y[n + 1]), k) for n in range(k)}
    if claim_id == "text4.g_i":
        return {s.u[n]: s.x[n] + s.g[n] - (s.x[-1] + s.g[-1]) for n in range(k - 1)}
    return {}


def lemma_records() -> list[dict]:
    from checks.determinant_lemma import record
    return [record()]



