# ruff: noqa
"""The NumPy module's dispatch to its compiled kernels (gumbel_softmax.numba, the extra ``compiled``):
inserted into template.py at ``# @@COMPILED@@``.  Only the plain rows of log_prob, log_prob_from_log and
log_prob_exp run there; every row it flags (off the support, not finite, digits possibly lost) is
evaluated again here, so the bad-input contract is this module's."""
# --- template start ---
#: inputs of at least this many elements run their plain rows on the compiled kernels when numba is
#: installed (below, numba's call costs more than it gains); see use_compiled
_COMPILED_FROM = 1 << 15


def _mode(mode, name):
    """``mode`` if it is "auto" or "never", else ValueError naming ``name`` (a misspelt switch is not
    taken silently for either)."""
    if mode not in ("auto", "never"):
        raise ValueError(f"{name}: need 'auto' or 'never', got {mode!r}")
    return mode


_COMPILED = {"mode": _mode(os.environ.get("GUMBEL_SOFTMAX_COMPILED", "").strip().lower() or "auto",
                           "GUMBEL_SOFTMAX_COMPILED (environment, or unset)"), "module": None, "error": None}
_COMPILED_FORMS = ("log_prob", "log_prob_from_log", "log_prob_exp")
_FORCED = threading.local()


def use_compiled(mode):
    """Whether log_prob, log_prob_from_log and log_prob_exp run on the compiled kernels of
    gumbel_softmax.numba (numba, pip install 'gsverify[compiled]'; compiled on first use, cached on disk).

    ``mode``: "auto" (the default; the environment variable GUMBEL_SOFTMAX_COMPILED, read at import, any
    case, sets it too, and importing raises ValueError naming it for another value): for inputs of at
    least 2**15 elements (rows x k) of float32 or float64 when numba can be imported; "never": this module's
    numpy kernels only.  Their values agree to the bound documented in gumbel_softmax.numba.  Returns the
    previous mode; raises ValueError naming ``mode`` for anything else.
    """
    previous, _COMPILED["mode"] = _COMPILED["mode"], _mode(mode, "mode")
    return previous


class _compiled_always:
    """Within it (this thread), the compiled kernels run whatever the input's size and the mode."""
    value = True

    def __enter__(self):
        self.saved, _FORCED.on = getattr(_FORCED, "on", False), self.value

    def __exit__(self, *exc):
        _FORCED.on = self.saved


class _compiled_never(_compiled_always):
    """Within it (this thread), this module's own kernels run, whatever the input's size and the mode."""
    value = None


def _compiled_module():
    if _COMPILED["module"] is None and _COMPILED["error"] is None:
        try:
            from . import numba as module
            _COMPILED["module"] = module
        except ImportError as exc:  # numba not installed: this module's kernels
            _COMPILED["error"] = exc
    return _COMPILED["module"]


def _compiled_for(size):
    """gumbel_softmax.numba where the compiled path takes an input of ``size`` elements (rows x k): the mode
    "auto" and at least _COMPILED_FROM elements, or any size within _compiled_always; never within
    _compiled_never; None where numba is absent.  The torch and JAX modules ask it too (one switch)."""
    forced = getattr(_FORCED, "on", False)
    if forced is None or (not forced and (_COMPILED["mode"] != "auto" or size < _COMPILED_FROM)):
        return None
    return _compiled_module()


def _compiled(kernel, point, logits, tau, batch):
    """(the compiled module, the form's name) where the compiled kernels take this input, else None."""
    name = kernel[0].__name__[len("_rows_"):]
    if tau is None or name not in _COMPILED_FORMS or math.prod(batch) == 0:
        return None  # an empty batch: this module checks the logits all the same
    module = _compiled_for(math.prod(batch) * logits.shape[-1])
    if module is None or point.dtype not in module.DTYPES or logits.dtype not in module.DTYPES:
        return None
    return module, name


def _density(kernels, mask, positive, point, logits, tau, batch, dtype, tol, limit):
    """_density_numpy's values, the plain rows of large inputs from the compiled kernels (_compiled)."""
    compiled = _compiled(kernels[_PLAIN], point, logits, tau, batch)
    if compiled is None:
        return _density_numpy(kernels, mask, positive, point, logits, tau, batch, dtype, tol, limit)
    module, name = compiled
    single = not batch
    p, x, t, batch = module.flat_rows(point, logits, tau)
    batch = batch or (1,)
    # the kernels round each float64 value into the result's dtype themselves (float32 or float64: no second
    # array and pass; a value beyond float32's range is inf there and evaluated again below); a longdouble
    # result (from a longdouble point, read as float64) is float64 here, cast at the end
    out = numpy.empty(batch, dtype=dtype if dtype in module.DTYPES else numpy.float64)
    values, again, _ = module.run(name, p, x, t, tol, limit, outputs=(out.reshape(-1),))
    with numpy.errstate(all="ignore"):
        again = numpy.nonzero(again)[0]
        if again.size:  # off the support, beyond the plain kernel, NaN or beyond float64: this module decides
            with _compiled_never():
                values[again] = _density(kernels, mask, positive, p[again], x if x.shape[0] == 1 else x[again],
                                         t if t.shape[0] == 1 else t[again], again.shape, numpy.float64, tol, limit)
    return (out[0] if single else out).astype(dtype, copy=False)
