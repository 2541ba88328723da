"""What checks.fidelity needs to know about this note's notation.

DEFINED: values the note defines by name (eq. (8): u_k = 0).
where(claim_id, k): substitutions that make printed sides comparable with the
transcription -- eqs. (10), (11), (13) are equations between y and u that hold on
the graph y = h(u); their transcriptions are written on that graph.
INDIRECT: claims whose check is not a direct transcription of the printed sides.
"""
from __future__ import annotations

from .softmax_map import on_graph
from .symbols import symbols_for

DEFINED = {"u_k": 0}

_ON_GRAPH = {"eq10", "eq11.1", "eq11.2", "eq13.1", "eq13.2", "eq13.3", "eq13.4"}


def where(claim_id: str, k: int) -> dict:
    if claim_id in _ON_GRAPH:
        return on_graph(symbols_for(k))
    if claim_id == "text4.g_i":  # u_i = x_i + g_i - (x_k + g_k), the definition the step solves for g_i
        s = symbols_for(k)
        return {s.u[i]: s.x[i] + s.g[i] - (s.x[-1] + s.g[-1]) for i in range(k - 1)}
    return {}


INDIRECT = {
    "eq13.both_ways": "checked as h(h^{-1}(y)) = y on the simplex and h^{-1}(h(u)) = u",
    "eq12": "checked for k = 2 as the derivative of the CDF of y_1 computed from p(u)",
    "eq4.1": "checked against p(u) computed from the generative model",
    "text4.mean": "checked as E[u_i | g_k] = the printed value, by integration against the printed density",
    "eq1.simplex": "checked as: the entries of (1) sum to 1",
}
