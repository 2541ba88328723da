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
    subject = gumbel_softmax()
    start = time.perf_counter()
    result = recall(subject.claims, subject.model, base_instances(subject))
    print(f"recall over perturbed claims: {result['refuted']}/{result['applicable']} refuted "
          f"({100 * result['recall']:.1f} %), {result['not_applicable']} perturbations not applicable, "
          f"{len(subject.claims)} claims, {time.perf_counter() - start:.0f} s")
    for missed in result["missed"]:
        print(f"  NOT refuted: {missed}")
    return 0 if result["recall"] == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
