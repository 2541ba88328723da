# ruff: noqa
"""The part of every generated module that no array library touches: the float64 limits of the plain
printed kernels (which rows each backend sends to its careful forms) and the shape checks of a point's
last axis and of the logits.  ``Backend.assemble`` inserts it at the marker ``# @@SHARED@@`` of each main
template, so the modules take their limits and checks from one place."""
# --- template start ---
#: A density row takes the plain printed forms while its logits lie within +-_OFFSET, spread over at
#: most _SPREAD, and tau <= _TAU_Y (from y) or _TAU_PIVOT (from log y); beyond, the careful forms
#: (float64 exponents lose 2**-53 |x_i - x_j|, double-double sums 2**-106 k |x|, a pivot of rounded
#: z 2**-53 tau |log y|), from y at a large tau the log-ratio form (a rounded log y_i is off by
#: 2**-53 |log y_i|, times tau), from y with both, exact arithmetic, as are the rows whose float64
#: value is not finite inside the support.
_SPREAD, _OFFSET = 128.0, 2.0 ** 32
_TAU_Y = 32.0
_TAU_PIVOT = 2.0 ** 40


def _last_axis(name, a, k, what="k"):
    if a.ndim < 1:
        raise ValueError(f"{name}: need shape (..., {what}), got a scalar")
    if a.shape[-1] != k:
        raise ValueError(f"{name}: last axis has length {a.shape[-1]}, but logits has k = "
                         f"{k + (1 if what == 'k-1' else 0)} (need {what} = {k})")


def _categories(x):
    """``x``, the logits as an array of the backend: need shape (..., k) with k >= 2."""
    if x.ndim < 1:
        raise ValueError("logits: need shape (..., k), got a scalar")
    if x.shape[-1] < 2:
        raise ValueError(f"logits: need k >= 2 categories, got k = {x.shape[-1]}")
    return x
