# ruff: noqa
"""The log-space density, the samplers and the Distribution class of the torch template, inserted at
its marker by codegen.emit (split from it to keep each file short): log_prob_exp (the printed
``_rows_log_prob_exp*`` / ``_combine_log_prob_exp*`` kernels, run by the same machinery as
log_prob_from_log), sample_log / sample / rsample_log / rsample (the printed ``_kernel_sample_log`` on
torch's random draws), numpy.random's ``size`` convention and torch's generators, and GumbelSoftmax, a
torch.distributions.Distribution.  No density formula lives here."""
import math
import operator

import torch

# --- template start ---
def log_prob_exp(log_y, logits, tau):
    """log p_X(x | logits, tau), x = log y: the log-space (ExpConcrete) density, eq. (5) of the log-space
    write-up, log Gamma(k) + (k-1) log tau + sum_i (logits_i - tau x_i) - k logsumexp_i(logits_i - tau x_i) - x_k.

    Base measure: Lebesgue measure on (x_1, ..., x_{k-1}) = (log y_1, ..., log y_{k-1}) (x_k = log(1 - sum of
    the others' e^x)).  Conversions: log_prob_exp = log_prob + sum_{i<k} log y_i (log_prob: Lebesgue on
    y_1..y_{k-1}); the libraries' log-space log_prob (torch ExpRelaxedCategorical, TFP
    ExpRelaxedOneHotCategorical), a density w.r.t. e^{-x_k} dx, = log_prob_exp + log y_k = log_prob +
    sum_i log y_i.  ``log_y`` (..., k) as for log_prob_from_log (e.g. from sample_log); support, shapes,
    dtypes, devices, gradients, infinite and NaN input, errors: as log_prob_from_log (off the support: -inf)."""
    return _from_log("log_prob_exp", log_y, logits, tau)


def _size(size):
    """numpy.random's ``size``: None (as ()), an integer n (as (n,)) or a sequence of integers."""
    def dim(d):
        if isinstance(d, bool) or type(d).__name__ == "bool_":
            raise TypeError("a boolean")
        return operator.index(d)
    try:
        if size is None:
            dims = ()
        else:
            try:
                dims = (dim(size),)
            except TypeError:
                if isinstance(size, (str, bytes)):
                    raise
                dims = tuple(map(dim, size))
    except (TypeError, ValueError):
        raise ValueError(f"size: need None, an integer or a sequence of integers, got {size!r}") from None
    if any(d < 0 for d in dims):
        raise ValueError(f"size: negative dimensions are not allowed, got {size!r}")
    return dims


def _rng(rng, device):
    """None (torch's default generator), a torch.Generator, or an integer seed >= 0 (a new Generator)."""
    if rng is None or isinstance(rng, torch.Generator):
        if rng is not None and rng.device.type != device.type:
            raise ValueError(f"rng: a generator on {rng.device} for tensors on {device}")
        return rng
    try:
        if isinstance(rng, bool):
            raise TypeError("a boolean")
        seed = operator.index(rng)
    except TypeError:
        raise ValueError(f"rng: need None, an integer seed or a torch.Generator, got {rng!r}") from None
    if seed < 0:
        raise ValueError(f"rng: a seed must be >= 0, got {seed}")
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    return gen


def _gumbel(gen, shape, device):
    """Standard Gumbel draws of ``shape`` in float64, -log E with E ~ Exp(1) (kept above 0); a shape that
    cannot be allocated is a ValueError naming ``size``."""
    try:
        e = torch.empty(shape, dtype=_F64, device=device)
    except (RuntimeError, MemoryError) as exc:
        raise ValueError(f"size: {shape} draws cannot be allocated ({type(exc).__name__})") from None
    e.exponential_(generator=gen)
    return torch.negative(torch.log(e.clamp_(min=torch.finfo(_F64).tiny)))


def _sample_log(logits, tau, size, rng):
    """(float64 log y with its graph, the output dtype) of the samplers."""
    device = _device(logits, tau)
    x = _logits(logits, device)
    t = _tau(tau, device)
    size, gen = _size(size), _rng(rng, device)
    dtype = _out_dtype(x)
    x, _, wide = _parameters(x, sampler=True)
    k = x.shape[-1]
    batch = _batch("logits, tau", x.shape[:-1], t.shape)
    shape = size + batch + (k,)
    g = _gumbel(gen, shape, device)
    x, t = x.expand(shape), t.expand(size + batch)[..., None]
    rows = None
    if wide is not None:
        with torch.no_grad():
            rows = wide.expand(size + batch) & (t.detach()[..., 0] > 1)
            rows = rows if bool(rows.any()) else None
    if rows is None:
        return _kernel_sample_log(x, g, t, k, -1), dtype
    # logits spread beyond 2**1022: v - max v may overflow where (v - max v) / tau (tau > 1) does not.  Those
    # rows (rare) take the NumPy module's exact arithmetic, one at a time, and no part in the gradient.
    from .numpy import _exactly as exact_arithmetic, _kernel_sample_log as exact_kernel
    out = _kernel_sample_log(torch.where(rows[..., None], 0.0, x), g, t, k, -1)
    exact = torch.full(shape, -math.inf, dtype=_F64)
    for idx in map(tuple, torch.nonzero(rows).tolist()):
        live = torch.isfinite(x[idx].detach()).cpu()
        values = exact_arithmetic((exact_kernel,), g[idx].cpu()[live].numpy(),
                                    x[idx].detach().cpu()[live].numpy(), t[idx].detach().cpu().numpy(), int(live.sum()))
        exact[idx][live] = torch.as_tensor(values, dtype=_F64)
    return torch.where(rows[..., None], exact.to(device), out), dtype


def rsample_log(logits, tau, size=None, rng=None):
    """log y for y ~ GumbelSoftmax(logits, tau), Jang et al. (1), reparameterised: log softmax((logits + g)
    / tau), g standard Gumbel (torch's random draws), evaluated as (v - max v) / tau - log sum exp(...),
    v = logits + g.  Gradients flow to logits and tau (autograd through the printed kernel).

    ``logits`` (..., k), ``tau`` > 0 a scalar or a tensor; batch = broadcast(logits.shape[:-1], tau.shape).
    ``size``: None or () (one draw per distribution), an int n, or a sequence of ints (numpy.random's
    convention); the result has shape size + batch + (k,).  ``rng``: None (torch's default generator,
    seeded by torch.manual_seed), an integer seed >= 0, or a torch.Generator on the inputs' device.
    dtype: that of logits if a float, else float64; drawn and computed in float64.  Values:
    log-probabilities of the categories, a point of the simplex (exp of them may underflow to 0 at a low
    tau: use log_prob_from_log).  A -inf logit (masked) gives -inf there; a single +inf logit the
    degenerate sample (0 there, -inf elsewhere), a vertex.  Raises ValueError naming the argument for tau
    <= 0 or not finite, NaN logits, a row of logits all -inf or with two +inf, k < 2, batch shapes that do
    not broadcast, a size that is not a shape (or cannot be allocated), and an rng that is none of the above.
    """
    out, dtype = _sample_log(logits, tau, size, rng)
    return out.to(dtype)


def sample_log(logits, tau, size=None, rng=None):
    """log y for y ~ GumbelSoftmax(logits, tau): rsample_log's draws without a gradient (the same values
    for the same rng).  Arguments, shape, dtype, values and errors: as rsample_log."""
    with torch.no_grad():
        return rsample_log(logits, tau, size, rng)


def rsample(logits, tau, size=None, rng=None):
    """y ~ GumbelSoftmax(logits, tau) on the simplex, reparameterised: exp(rsample_log(...)), the same
    arguments, shape and dtype (exp taken in float64, then rounded).  At a low tau entries may underflow
    to exactly 0 (off the open simplex, so log_prob gives -inf there); rsample_log with log_prob_from_log
    avoids that."""
    out, dtype = _sample_log(logits, tau, size, rng)
    return torch.exp(out).to(dtype)


def sample(logits, tau, size=None, rng=None):
    """y ~ GumbelSoftmax(logits, tau): rsample's draws without a gradient.  As rsample."""
    with torch.no_grad():
        return rsample(logits, tau, size, rng)


from torch.distributions import constraints as _constraints
from torch.distributions.utils import lazy_property as _lazy_property


class GumbelSoftmax(torch.distributions.Distribution):
    """The Gumbel-softmax (Concrete) distribution on the simplex, Jang et al. (2017), Maddison et al. (2017).

    ``temperature`` > 0: a scalar, a tensor broadcasting with the batch, or per row: shape (n,) or (n, 1)
    with logits (n, k) gives batch_shape (n,).  Exactly one of ``logits`` (..., k) (unnormalised log pi)
    and ``probs`` (..., k) (normalised over the last axis).  event_shape (k,).  ``rsample`` / ``sample``
    draw by Jang et al. (1) with torch's default generator (rsample_log); ``log_prob(value)`` is the density
    w.r.t. Lebesgue measure on y_1..y_{k-1}, eq. (J28) (log_prob of this module): the same density as
    torch's RelaxedOneHotCategorical.log_prob, accurate to a few ulp and not NaN on its own low-temperature
    samples; -inf off the open simplex.  Differentiable in value, logits / probs and temperature.
    """

    arg_constraints = {"temperature": _constraints.positive, "logits": _constraints.real_vector,
                       "probs": _constraints.simplex}
    support = _constraints.simplex
    has_rsample = True

    def __init__(self, temperature, logits=None, probs=None, validate_args=None):
        if (logits is None) == (probs is None):
            raise ValueError("GumbelSoftmax: need exactly one of logits and probs")
        name, given = ("probs", probs) if logits is None else ("logits", logits)
        given = given if isinstance(given, torch.Tensor) else torch.as_tensor(given, dtype=torch.get_default_dtype())
        if given.ndim < 1 or given.shape[-1] < 2:
            raise ValueError(f"{name}: need shape (..., k) with k >= 2, got {tuple(given.shape)}")
        if not given.is_floating_point():
            given = given.to(torch.get_default_dtype())
        if logits is None:
            self.probs = given / given.sum(-1, keepdim=True)
            self._log_pi = torch.log(self.probs)
        else:
            self.logits = given - given.logsumexp(-1, keepdim=True)
            self._log_pi = given   # unnormalised: the density is the same, and not rounded by the normalisation
        # a Python number stays float64 (as tau in the functions): not rounded to the logits' dtype
        t = temperature if isinstance(temperature, torch.Tensor) else torch.as_tensor(temperature, dtype=torch.float64)
        if t.ndim >= 2 and t.ndim == given.ndim and t.shape[-1] == 1:
            t = t[..., 0]   # a per-row column (n, 1) for logits (n, k)
        self.temperature = t
        batch = _batch("temperature, " + name, t.shape, given.shape[:-1])
        super().__init__(torch.Size(batch), given.shape[-1:], validate_args=validate_args)

    @_lazy_property
    def logits(self):
        return self._log_pi - self._log_pi.logsumexp(-1, keepdim=True)

    @_lazy_property
    def probs(self):
        return torch.softmax(self._log_pi, -1)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(GumbelSoftmax, _instance)
        batch_shape = torch.Size(batch_shape)
        new.temperature = self.temperature.expand(batch_shape)
        new._log_pi = self._log_pi.expand(batch_shape + self.event_shape)
        for name in ("logits", "probs"):
            if name in self.__dict__:
                setattr(new, name, getattr(self, name).expand(batch_shape + self.event_shape))
        super(GumbelSoftmax, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=torch.Size()):
        return rsample(self._log_pi.expand(self.batch_shape + self.event_shape), self.temperature,
                       size=tuple(sample_shape))

    def sample(self, sample_shape=torch.Size()):
        with torch.no_grad():
            return self.rsample(sample_shape)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return log_prob(value, self._log_pi, self.temperature)

    def __repr__(self):
        name = "logits" if "logits" in self.__dict__ else "probs"
        t = self.temperature
        shown = t.item() if t.numel() == 1 else f"shape {tuple(t.shape)}"
        return (f"GumbelSoftmax(temperature: {shown}, {name}: {tuple(self.__dict__[name].shape)}, "
                f"batch_shape={tuple(self.batch_shape)}, event_shape={tuple(self.event_shape)})")
