"""The note "A note on the density of Gumbel-softmax" (Masada, 2019) as claims, in page order.

Eqs. (1)-(4): gumbel_shift; (5)-(8): marginal_u; (9)-(13): softmax_map;
(14), (15), J24-J26: jacobian; (12), J27, J28: density.
"""
from __future__ import annotations

from pathlib import Path

from . import density, gumbel_shift, jacobian, marginal_u, softmax_map

TITLE = "A note on the density of Gumbel-softmax"
ERRATA_FILE = Path(__file__).with_name("errata.json")


def claims() -> list:
    """Every claim of the note and its completion, in the order of the page."""
    out = [*gumbel_shift.CLAIMS, *marginal_u.CLAIMS, *softmax_map.CLAIMS]
    out += [c for c in density.CLAIMS if c.equation == "12"]
    out += jacobian.CLAIMS
    out += [c for c in density.CLAIMS if c.equation != "12"]
    from codegen.claims import CLAIMS as codegen_claims  # the verified rewrites to generated/ (issue 4)
    out += codegen_claims
    from .general_k import CLAIMS as general_claims  # the general-k forms (issue 6)
    out += general_claims
    return out


def END_TO_END() -> list[dict]:
    """Checks of the final density as a whole: it integrates to 1, and samples of eq. (1) follow it."""
    from .end_to_end import checks
    return checks()


def FIGURES(out_dir):
    """The report's figures (matplotlib, optional): the verified density against samples of eq. (1)."""
    from .figures import make_figures
    return make_figures(out_dir)
