# ruff: noqa
"""The torch module's CPU path on the compiled kernels (gumbel_softmax.numba, the extra ``compiled``),
inserted into template.py at ``# @@COMPILED@@``: large CPU inputs of log_prob and log_prob_from_log (with
their gradients, from the kernels printed from the verified gradient forms, codegen/gradients.py) and
of log_prob_exp (where no gradient is wanted) run their plain rows there.  Every row the kernels flag
(off the support, not finite, extreme parameters, digits possibly lost) is evaluated again by this
module's own kernels, with their autograd, so the contract is this module's.  No formula lives here."""
import math

import torch

# --- template start ---
#: the forms whose compiled kernels also write the gradients
_COMPILED_GRADIENTS = ("log_prob", "log_prob_from_log")


class _CompiledDensity(torch.autograd.Function):
    """The rows' values (R,) float64, with the gradients the compiled kernel wrote beside them, each (R, k)
    or (R,): d/dpoint, d/dlogits, d/dtau (summed over the rows where logits (1, k) or tau (1,) is every row's).
    First order: differentiating the gradient again raises (once_differentiable)."""

    @staticmethod
    def forward(ctx, p, x, t, values, g_point, g_logits, g_tau):
        ctx.grads = (g_point, g_logits, g_tau)
        ctx.shapes = ((p.dtype, p.shape), (x.dtype, x.shape), (t.dtype, t.shape))
        return values.clone()

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, g):
        out = []
        for want, grad, (dtype, shape) in zip(ctx.needs_input_grad, ctx.grads, ctx.shapes):
            if not want:
                out.append(None)
                continue
            d = g[:, None] * grad if grad.dim() == 2 else g * grad
            out.append(d.sum_to_size(shape).to(dtype))
        return (*out, None, None, None, None)


def _compiled_density(name, point, logits, t, batch, dtype, tol, limit, mask, safe):
    """log p of a large CPU input from the compiled kernels (gumbel_softmax.numba), the rows they flag
    evaluated again by _density; None where they do not take the input: not on the CPU, not float32 /
    float64, under 2**15 elements, numba absent, the NumPy module's use_compiled("never") (or
    GUMBEL_SOFTMAX_COMPILED=never), or a gradient wanted of log_prob_exp."""
    from . import numpy as _np
    k = point.shape[-1]
    rows = math.prod(batch)
    if t is None or name not in _np._COMPILED_FORMS or rows == 0 or point.device.type != "cpu":
        return None
    forced = getattr(_np._FORCED, "on", False)
    if forced is None or (not forced and (_np._COMPILED["mode"] != "auto" or rows * k < _np._COMPILED_FROM)):
        return None
    wanted = torch.is_grad_enabled() and any(a.requires_grad for a in (point, logits, t))
    floats = (torch.float32, torch.float64)
    if (wanted and name not in _COMPILED_GRADIENTS) or point.dtype not in floats or logits.dtype not in floats:
        return None
    module = _np._compiled_module()
    if module is None:
        return None
    p = point.expand(*batch, k).reshape(rows, k)
    x = logits.reshape(1, k) if logits.numel() == k else logits.expand(*batch, k).reshape(rows, k)
    tt = t.reshape(1) if t.numel() == 1 else t.expand(batch).reshape(rows)
    host = [a.detach().contiguous().numpy() for a in (p, x)] + [tt.detach().to(_F64).contiguous().numpy()]
    threads = _np._THREADS if rows * k >= _np._PARALLEL_FROM else 1
    lgamma_k = tuple(0.0 if part is None else float(part) for part in _np._dd_lgamma(k))
    result = module.evaluate(name, *host, lgamma_k, float(tol), float(limit), threads, _np._pool(), gradients=wanted)
    values, flags = torch.from_numpy(result[0]), torch.from_numpy(result[1])
    with torch.no_grad():
        again = torch.nonzero(flags.bool() | ~torch.isfinite(values)).reshape(-1)
    if wanted:
        grads = [torch.from_numpy(g) for g in result[2]]
        if again.numel():  # their gradients come from this module's kernels below
            for g in grads:
                g[again] = 0.0
        values = _CompiledDensity.apply(p, x, tt, values, *grads)
    if again.numel():  # off the support, extreme, NaN or beyond float64: this module's kernels decide
        with _np._compiled_never():
            fixed = _density(name, mask, p[again], x if x.shape[0] == 1 else x[again],
                             tt if tt.shape[0] == 1 else tt[again], (again.numel(),), _F64, tol, limit, safe)
        values = values.index_put((again,), fixed.to(_F64))
    return _finish(values.reshape(batch), batch, dtype)
