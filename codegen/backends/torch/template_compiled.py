# ruff: noqa
"""The torch module's CPU path on the compiled kernels (gumbel_softmax.numba, the extra ``compiled``),
inserted into template.py at ``# @@COMPILED@@``: large CPU inputs of log_prob and log_prob_from_log (with
their gradients, from the kernels printed from the verified gradient forms, codegen/gradients.py) and
of log_prob_exp (where no gradient is wanted) run their plain rows there.  Every row the kernels flag
(off the support, not finite, extreme parameters, digits possibly lost) is evaluated again by this
module's own kernels, with their autograd, so the contract is this module's.  No formula lives here."""
import functools
import math

import torch

# --- template start ---
def use_compiled(mode):
    """Whether large CPU inputs run on the compiled kernels (gumbel_softmax.numba, pip install
    'gsverify[compiled]'): the one switch of every backend, gumbel_softmax.numpy.use_compiled ("auto", the
    default, or "never"; also the environment variable GUMBEL_SOFTMAX_COMPILED).  Returns the previous
    mode; raises ValueError naming ``mode`` for anything else."""
    from . import numpy as _np
    return _np.use_compiled(mode)


#: the forms whose compiled kernels also write the gradients
_COMPILED_GRADIENTS = ("log_prob", "log_prob_from_log")


class _CompiledDensity(torch.autograd.Function):
    """The rows' values (R,) float64, with the gradients the compiled kernel wrote beside them, each (R, k)
    or (R,): d/dpoint, d/dlogits, d/dtau (summed over the rows where logits (1, k) or tau (1,) is every
    row's).  A backward pass that builds a graph (create_graph=True: second derivatives) takes the
    gradient of ``eager`` (this module's kernels on the same rows) instead, differentiable again."""

    @staticmethod
    def forward(ctx, p, x, t, values, g_point, g_logits, g_tau, eager):
        ctx.grads, ctx.eager = (g_point, g_logits, g_tau), eager
        ctx.save_for_backward(p, x, t)
        return values.clone()

    @staticmethod
    def backward(ctx, g):
        inputs = ctx.saved_tensors
        if torch.is_grad_enabled():
            with torch.enable_grad():
                wanted = [a for a, want in zip(inputs, ctx.needs_input_grad) if want]
                found = iter(torch.autograd.grad(ctx.eager(*inputs), wanted, g, create_graph=True))
            return (*[next(found) if want else None for want in ctx.needs_input_grad[:3]], *[None] * 5)
        out = []
        for want, grad, a in zip(ctx.needs_input_grad, ctx.grads, inputs):
            d = None if not want else (g[:, None] * grad if grad.dim() == 2 else g * grad).sum_to_size(a.shape)
            out.append(None if d is None else d.to(a.dtype))
        return (*out, *[None] * 5)


def _traced(a):
    """Is ``a`` seen by a torch.func transform (grad, vmap, jvp...) or a dual tensor of forward-mode AD?
    Their tangents and batching need this module's own kernels."""
    wrapped = getattr(getattr(torch._C, "_functorch", None), "is_functorch_wrapped_tensor", None)
    if wrapped is not None and wrapped(a):
        return True
    return torch.autograd.forward_ad.unpack_dual(a).tangent is not None


def _eager(name, mask, tol, limit, safe, p, x, t):
    """log p of the rows of ``p`` (R, k) by this module's own kernels (float64)."""
    from . import numpy as _np
    with _np._compiled_never():
        return _density(name, mask, p, x, t, p.shape[:1], _F64, tol, limit, safe).to(_F64)


def _compiled_density(name, point, logits, t, batch, dtype, tol, limit, mask, safe):
    """log p of a large CPU input from the compiled kernels (gumbel_softmax.numba), the rows they flag
    evaluated again by _density; None where they do not take the input: not on the CPU, not float32 /
    float64, under 2**15 elements, numba absent, the NumPy module's use_compiled("never") (or
    GUMBEL_SOFTMAX_COMPILED=never), a gradient wanted of log_prob_exp or of an inference tensor, or an input
    under a torch.func transform or with a forward-mode tangent (_traced)."""
    from . import numpy as _np
    k = point.shape[-1]
    rows = math.prod(batch)
    if t is None or name not in _np._COMPILED_FORMS or rows == 0 or point.device.type != "cpu":
        return None
    inputs = (point, logits, t)
    wanted = torch.is_grad_enabled() and any(a.requires_grad for a in inputs)
    floats = (torch.float32, torch.float64)
    if (wanted and name not in _COMPILED_GRADIENTS) or point.dtype not in floats or logits.dtype not in floats:
        return None
    if any(_traced(a) for a in inputs) or (wanted and any(a.is_inference() for a in inputs)):
        return None  # torch.func transforms and forward-mode AD see only this module's kernels
    module = _np._compiled_for(rows * k)
    if module is None:
        return None
    p = point.expand(*batch, k).reshape(rows, k)
    x = logits.reshape(1, k) if logits.numel() == k else logits.expand(*batch, k).reshape(rows, k)
    tt = t.reshape(1) if t.numel() == 1 else t.expand(batch).reshape(rows)
    host = [a.detach().contiguous().numpy() for a in (p, x)] + [tt.detach().to(_F64).contiguous().numpy()]
    values, again, grads = module.run(name, *host, tol, limit, gradients=wanted)
    values, again = torch.from_numpy(values), torch.from_numpy(again).nonzero().reshape(-1)
    if wanted:
        grads = [torch.from_numpy(g) for g in grads]
        if again.numel():  # their gradients come from this module's kernels below
            for g in grads:
                g[again] = 0.0
        values = _CompiledDensity.apply(p, x, tt, values, *grads, functools.partial(_eager, name, mask, tol, limit, safe))
    if again.numel():  # off the support, extreme, NaN or beyond float64: this module's kernels decide
        fixed = _eager(name, mask, tol, limit, safe, p[again], x if x.shape[0] == 1 else x[again],
                       tt if tt.shape[0] == 1 else tt[again])
        values = values.index_put((again,), fixed)
    return _finish(values.reshape(batch), batch, dtype)
