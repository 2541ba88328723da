"""``python -m bench.recall``: the checker's recall over perturbed claims (target: 100 %).

Every claim of the subject, made false three ways on either side (times 1 + 1/7, one term of a
sum changed, k -> k + 1 in an exponent; ``checks.perturb``), must be refuted.
"""
from __future__ import annotations

import sys
import time

from checks import fidelity, instances
from checks.perturb import recall
from gsverify.subjects import gumbel_softmax

from .targets import Target, check


def base_instances(subject):
    """The instance each claim's perturbations start from (a restatement's is read from the note)."""
    fid = fidelity.load(None, subject, list(subject.claims), cache_dir=None)

    def base(claim):
        if claim.kind == "restatement":
            return fid.restatement(claim)[0]
        if claim.form is not None and not claim.form().sized:
            return instances.symbolic(claim, subject.model)
        return instances.concrete(claim, subject.model, instances.probe_k(claim))
    return base


def main() -> int:
    print("== recall: every claim made false on purpose must be refuted (python -m bench.recall) ==", flush=True)
    subject = gumbel_softmax()
    start = time.perf_counter()
    result = recall(subject.claims, subject.model, base_instances(subject))
    print(f"  {len(subject.claims)} claims; each side made false three ways: times 1 + 1/7, one term of a sum "
          "changed, k -> k + 1 in an exponent")
    print(f"  {result['not_applicable']} perturbations not applicable (they would leave the side unchanged); "
          f"{time.perf_counter() - start:.0f} s")
    met = check(None, Target("recall over perturbed claims",
                             f"{result['refuted']}/{result['applicable']} refuted, {100 * result['recall']:.1f} %",
                             "= 100 %", result["recall"] == 1.0))
    for missed in result["missed"]:
        print(f"  NOT refuted: {missed}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
