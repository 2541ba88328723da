# ruff: noqa
"""The density driver and the densities from y, log y and u of the torch template, inserted at its
marker by codegen.emit (split from it to keep each file short): which printed kernel each row takes,
the rows settled exactly, the constant rows (off the support, masked or NaN), and log_prob,
log_prob_from_log, log_prob_u.  No density formula lives here."""
import math

import torch

# --- template start ---
def _uniform(k):
    return torch.full((k,), 1.0 / k, dtype=_F64)


def _uniform_log(k):
    return torch.full((k,), -math.log(k), dtype=_F64)


def _origin(k):
    return torch.zeros(k, dtype=_F64)


def _rows(a, batch, width):
    """``a`` broadcast to the batch and flattened to rows (R, width), or (R,) for ``width`` None."""
    if a is None:
        return None
    if width is None:
        return a.expand(batch).reshape(-1)
    return a.expand(*batch, width).reshape(-1, width)


def _density(name, mask, point, logits, t, batch, dtype, tol, limit, safe):
    """log p for the batch (float64 computed, returned in ``dtype``), each row by the kernel its
    parameters call for (see _SPREAD).  A single kind of row (the usual case) runs on the tensors as they
    are; otherwise each kind runs on its own rows, the constant rows take no part in any kernel (so no
    NaN reaches a gradient), and rows settled exactly take their value from the NumPy module's exact
    arithmetic and their gradient from the careful (or log-ratio) torch kernel."""
    fast = _compiled_density(name, point, logits, t, batch, dtype, tol, limit, mask, safe)
    if fast is not None:
        return fast
    kernels = _kernels(name)
    x, special, wide = _parameters(logits)
    k = x.shape[-1]
    if math.prod(batch) == 0:
        return torch.empty(batch, dtype=dtype, device=point.device)
    with torch.no_grad():
        big = None if limit is None else t.detach() > limit
        any_big = big is not None and bool(big.any())
    settle = off = None
    if special is None and wide is None and not any_big:
        value, settle, off = _evaluate(kernels[_PLAIN], point, x, t, k, batch, mask, tol)
        if bool(off.any()):
            settle = None   # the rows off the support are left out below, and the rest evaluated again
        elif settle is None:
            return _finish(value, batch, dtype)
    p = point.to(_F64)
    with torch.no_grad():
        off = mask(p.detach(), tol) if off is None else off
        any_off = bool(off.any())
    device = p.device
    with torch.no_grad():
        kind = torch.full(batch, _PLAIN, dtype=torch.int8, device=device)
        if wide is not None:
            kind = torch.where(wide, _CAREFUL if _CAREFUL in kernels else _PLAIN, kind)
        if any_big:
            beyond = (torch.where(wide, _EXACT, _RATIO) if wide is not None else _RATIO) if _RATIO in kernels else _CAREFUL
            kind = torch.where(big, beyond, kind)
        constant = None
        if any_off or special is not None:
            nan = torch.isnan(p.detach()).any(-1)
            masked = torch.zeros((), dtype=torch.bool, device=device) if special is None else special != 0
            fixed = (off | masked).expand(batch)
            if bool(fixed.any()):
                special = torch.full((), -math.inf, dtype=_F64, device=device) if special is None else special
                constant = torch.where(nan, math.nan, torch.where(masked, special, -math.inf)).expand(batch).reshape(-1)
                kind = torch.where(fixed, _SPECIAL, kind)
        kind = kind.reshape(-1)
        settle = torch.zeros_like(kind, dtype=torch.bool) if settle is None else settle.expand(batch).reshape(-1).clone()
    rows = [_rows(p, batch, p.shape[-1]), _rows(x, batch, k), _rows(t, batch, None)]
    for _ in range(3):   # a row that a kernel cannot carry is settled exactly, and the kinds run again
        parts, again = [], torch.zeros_like(settle)
        for c in (_PLAIN, _CAREFUL, _RATIO):
            idx = torch.nonzero((kind == c) & ~settle).reshape(-1)
            if idx.numel():
                value, bad, _ = _evaluate(kernels[c], *[None if r is None else r[idx] for r in rows], k, (idx.numel(),))
                if bad is not None:
                    again[idx[bad]] = True
                parts.append((idx, value))
        if bool(again.any()):
            settle |= again
            continue
        for c, by in ((_PLAIN, _CAREFUL if _CAREFUL in kernels else _PLAIN), (_CAREFUL, _CAREFUL), (_RATIO, _RATIO),
                      (_EXACT, _RATIO)):
            idx = torch.nonzero((kind == c) & (settle | (kind == _EXACT))).reshape(-1)
            if idx.numel():
                parts.append((idx, _settled(name, kernels, c if c != _EXACT else _RATIO, by,
                                            [None if r is None else r[idx] for r in rows], k, safe)))
        if constant is not None:
            idx = torch.nonzero(kind == _SPECIAL).reshape(-1)
            parts.append((idx, constant[idx]))
        idx = torch.cat([i for i, _ in parts])
        value = torch.cat([v.to(_F64) for _, v in parts])
        out = torch.zeros(idx.numel(), dtype=_F64, device=device).index_put((idx,), value)
        if torch.is_grad_enabled() and not out.requires_grad:
            # every row constant (off the support, masked): still a result of the inputs, with zero gradient
            for a in (point, logits, t):
                if isinstance(a, torch.Tensor) and a.requires_grad:
                    out = out + torch.nan_to_num(a * 0.0, nan=0.0, posinf=0.0, neginf=0.0).sum().to(_F64)
        return _finish(out.reshape(batch), batch, dtype)
    raise AssertionError("rows left unsettled")  # unreachable: settled rows take no kernel


def _settled(name, kernels, exact_kind, grad_kind, rows, k, safe):
    """Rows settled exactly: the value of the NumPy module's exact arithmetic (the printed kernel of
    ``exact_kind``), the gradient of the torch kernel ``grad_kind`` (value + (g - g.detach())); where that
    kernel is not finite either (values beyond float64's range inside it) the row is a constant."""
    p, x, t = rows
    exact = _exactly(name, exact_kind, p, x, t, k)
    g, _, _ = _evaluate(kernels[grad_kind], p, x, t, k)
    with torch.no_grad():
        beyond = ~torch.isfinite(g.detach())
    if bool(beyond.any()):   # the same rows again at a safe point: no inf or NaN in their backward pass
        p = torch.where(beyond[:, None], safe(p.shape[-1]).to(p.device), p)
        g, _, _ = _evaluate(kernels[grad_kind], p, x, t, k)
        g = torch.where(beyond, 0.0, g)
    return exact + (g - g.detach())


def _finish(value, batch, dtype):
    if tuple(value.shape) != tuple(batch):
        value = value.expand(batch)
    return value.to(dtype)


def log_prob(y, logits, tau):
    """log p(y | logits, tau) of the Gumbel-softmax (Concrete) distribution, eq. (J28).

    Base measure: Lebesgue measure on (y_1, ..., y_{k-1}), y_k = 1 - sum of the others.  Conversions:
    log_prob_exp (Lebesgue on log y_1..log y_{k-1}) = log_prob + sum_{i<k} log y_i; the libraries' log-space
    log_prob (torch ExpRelaxedCategorical, TFP ExpRelaxedOneHotCategorical; w.r.t. e^{-x_k} dx, x = log y)
    = log_prob_exp + log y_k = log_prob + sum_i log y_i.  ``y`` (..., k) on the open simplex, ``logits``
    (..., k) unnormalised log pi (a constant added to a row changes nothing), ``tau`` > 0 a scalar or a
    tensor; their batch shapes broadcast to the result's shape.  Tensors, or array-likes (torch.as_tensor;
    Python numbers and lists as float64); the result is a tensor on the inputs' device.  dtype: torch's
    promoted dtype of y and logits if a float (float16 / bfloat16 / float32 in, the same out), else
    float64; computed in float64.  Differentiable (autograd) in y, logits and tau.  Off the support (a y_i
    <= 0, or |sum y - 1| > support_tolerance(y.dtype)): -inf.  A -inf logit (a masked category), or a
    +inf one beside others, puts a zero in pi: the distribution lies on a face of the simplex, with no
    density here: -inf.  NaN in y or logits: NaN.  A value beyond float64's range: +-inf.  Raises
    ValueError naming the argument for tau <= 0 or not finite, k < 2, a row of logits all -inf or with
    two +inf, mismatched last axes, batch shapes that do not broadcast, non-numeric input.
    """
    device = _device(y, logits, tau)
    x = _logits(logits, device)
    y = _tensor("y", y, device)
    _last_axis("y", y, x.shape[-1])
    t = _tau(tau, device)
    batch = _batch("y, logits, tau", y.shape[:-1], x.shape[:-1], t.shape)
    return _density("log_prob", _off_simplex, y, x, t, batch, _out_dtype(y, x), support_tolerance(y.dtype),
                    _TAU_Y, _uniform)


def log_prob_from_log(log_y, logits, tau):
    """log p(y | logits, tau) of eq. (J28) evaluated from log y (``log_y`` (..., k)): exact where y
    underflows.  Base measure: Lebesgue measure on (y_1, ..., y_{k-1}), the density of log_prob (not of
    log y: that is log_prob_exp = log_prob_from_log + sum_{i<k} log y_i, Lebesgue on log y_1..log y_{k-1};
    the libraries' log-space log_prob, w.r.t. e^{-x_k} dx, = log_prob_from_log + sum_i log y_i).  Off the
    support (a log_y_i = -inf, or |logsumexp(log_y)| > support_tolerance(log_y.dtype)): -inf.  Shapes,
    dtypes, devices, gradients, infinite and NaN input, errors: as log_prob."""
    return _from_log("log_prob_from_log", log_y, logits, tau)


def _from_log(name, log_y, logits, tau):
    """A density evaluated from ``log_y`` by the printed kernels ``name``: validation, support and dtypes of
    log_prob_from_log (log_prob_exp differs from it only in its kernels)."""
    device = _device(log_y, logits, tau)
    x = _logits(logits, device)
    log_y = _tensor("log_y", log_y, device)
    _last_axis("log_y", log_y, x.shape[-1])
    t = _tau(tau, device)
    batch = _batch("log_y, logits, tau", log_y.shape[:-1], x.shape[:-1], t.shape)
    return _density(name, _off_simplex_log, log_y, x, t, batch, _out_dtype(log_y, x),
                    support_tolerance(log_y.dtype), _TAU_PIVOT, _uniform_log)


def log_prob_u(u, logits):
    """log p(u_1, ..., u_{k-1} | logits) of eq. (8), u_i = tau (log y_i - log y_k).

    Base measure: Lebesgue measure on R^{k-1}, on u, not y: log_prob(y) = log_prob_u(u) + (k-1) log tau
    - sum_i log y_i (u_i = tau (log y_i - log y_k)); then log_prob_exp = log_prob + sum_{i<k} log y_i, and the
    libraries' log-space form (w.r.t. e^{-x_k} dx) = log_prob + sum_i log y_i.  ``u`` (..., k-1), ``logits``
    (..., k); the batch shapes broadcast.  A u_i = +-inf is off R^{k-1}: -inf; a zero in pi (infinite
    logits, as in log_prob): -inf; NaN in: NaN; beyond float64's range: +-inf.  dtypes, devices,
    gradients and errors as log_prob.
    """
    device = _device(u, logits)
    x = _logits(logits, device)
    u = _tensor("u", u, device)
    _last_axis("u", u, x.shape[-1] - 1, what="k-1")
    batch = _batch("u, logits", u.shape[:-1], x.shape[:-1])
    dtype = _out_dtype(u, x)
    u = u.to(_F64)
    full = torch.cat([u.expand(*batch, u.shape[-1]), torch.zeros(*batch, 1, dtype=_F64, device=u.device)], -1)
    return _density("log_prob_u", _off_domain, full, x, None, batch, dtype, 0.0, None, _origin)
