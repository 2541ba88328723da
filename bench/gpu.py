"""``python -m bench.gpu`` (``make bench-gpu``): the backends' log_prob on a CUDA device, beside one read of
the input.

N = 10^7 rows, k = 10, float32, tau = 0.5: torch's own ``RelaxedOneHotCategorical(...).log_prob`` (built
once before timing), ``gumbel_softmax.torch.log_prob`` forward and forward + backward, and the time of one
read of the input (``y.sum()``, the bandwidth floor of any log_prob).  Target: ours ≤ 2× the read-once
time.  Without torch or a CUDA device it says so and measures nothing (exit 0); CI has no GPU.
"""
from __future__ import annotations

import argparse
import sys

from .backends import timed
from .reference import optional
from .targets import Target, check, print_targets

N, K, TAU = 10**7, 10, 0.5
#: ours at most this many times one read of the input
READ_ONCE_FACTOR = 2.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gpu", description=__doc__)
    parser.add_argument("--rows", type=int, default=N)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    torch = optional("torch")
    if torch is None or not torch.cuda.is_available():
        print("no CUDA device (or torch not installed): nothing measured")
        return 0
    import gumbel_softmax.torch as ours
    device = "cuda"
    print(f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}; N = {args.rows}, k = {K}, float32, "
          f"tau = {TAU}, median of {args.rounds} interleaved rounds")
    gen = torch.Generator(device=device).manual_seed(0)
    logits = torch.randn(args.rows, K, device=device, generator=gen)
    y = ours.sample(logits, TAU, rng=gen)
    own = torch.distributions.RelaxedOneHotCategorical(torch.tensor(TAU, device=device), logits=logits,
                                                       validate_args=False)
    gy, gx = y.clone().requires_grad_(), logits.clone().requires_grad_()

    def forward_backward():
        ours.log_prob(gy, gx, TAU).sum().backward()
        gy.grad = gx.grad = None

    med = timed({"read once (y.sum())": lambda: y.sum(), "torch's own log_prob": lambda: own.log_prob(y),
                 "ours log_prob": lambda: ours.log_prob(y, logits, TAU),
                 "ours forward + backward": forward_backward}, args.rounds, sync=torch.cuda.synchronize)
    read = med["read once (y.sum())"]
    for name, s in med.items():
        print(f"  {name:26} {1e3 * s:9.3f} ms   {s / read:6.2f} × read once")
    targets: list = []
    ok = check(targets, Target("ours log_prob / read once", f"{med['ours log_prob'] / read:.2f}",
                               f"≤ {READ_ONCE_FACTOR}", med["ours log_prob"] / read <= READ_ONCE_FACTOR))
    print_targets(targets)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
