"""Gradient clipping by norm, a remedy for exploding gradients (not for vanishing ones).

Chapter "Vanishing and exploding gradients" shows why: clipping can only shrink a step.
All gradients are rescaled together, so the step keeps its direction:

    if ||g|| > max_norm:  g <- g * max_norm / ||g||,   ||g|| = sqrt(sum of all squared entries)

Both functions take a non-empty dict of gradients by name ("dW1", "db1", ...) whose values
are arrays (or nested lists) of real numbers. Floating arrays keep their dtype; integer or
boolean ones, and lists, are read as float64, since an integer array cannot hold a
rescaled gradient.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_positive, describe


def _as_gradients(grads) -> dict:
    """The dict of gradients as floating arrays, or a TypeError/ValueError naming the entry."""
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict of arrays by name; got {describe(grads)}")
    if not grads:
        raise ValueError("grads must hold at least one gradient array; got an empty dict")
    out = {}
    for key, g in grads.items():
        if type(g) is np.ndarray and g.dtype.kind == "f":  # the common case, no copy
            out[key] = g
            continue
        if g is None or isinstance(g, (str, bytes, dict, set, np.ma.MaskedArray)):
            raise TypeError(f"grads[{key!r}] must be an array of real numbers; got {describe(g)}")
        try:
            arr = np.asarray(g)
        except (TypeError, ValueError) as exc:  # ragged nested lists
            raise ValueError(f"grads[{key!r}] must be a rectangular array of numbers: "
                             f"{exc}") from None
        if arr.dtype.kind not in "fiub":
            raise TypeError(f"grads[{key!r}] must hold real numbers; got dtype {arr.dtype}")
        out[key] = arr if arr.dtype.kind == "f" else arr.astype(np.float64)
    return out


def _norm(grads: dict) -> float:
    """global_norm of already checked gradients."""
    # ndarray methods rather than np.max/np.sum: the same reductions without the wrappers'
    # overhead, which dominates for the many small arrays of a deep, narrow network.
    peak = max((float(np.abs(g).max()) for g in grads.values() if g.size), default=0.0)
    if peak == 0.0 or not np.isfinite(peak):
        return peak
    return peak * float(np.sqrt(sum(float(np.square(g / peak).sum()) for g in grads.values())))


def global_norm(grads) -> float:
    """The norm of all gradients taken together as one long vector.

    The entries are divided by the largest magnitude before squaring, so finite
    gradients as large as 1e200 (or as small as 1e-200) do not overflow (or underflow).
    It is inf when an entry is infinite and nan when one is NaN (and none is infinite).
    """
    return _norm(_as_gradients(grads))


def clip_by_norm(grads, max_norm):
    """A new dict of gradients whose global norm is at most max_norm (same direction).

    max_norm must be a finite number > 0. Gradients that hold NaN or infinite values have
    no direction to keep: they are refused with a ValueError.
    """
    grads = _as_gradients(grads)
    max_norm = check_positive(max_norm, "max_norm")
    norm = _norm(grads)
    if not np.isfinite(norm):
        bad = [k for k, g in grads.items() if not np.isfinite(g).all()]
        raise ValueError(f"grads must be finite to be clipped; {bad} hold NaN or infinite values")
    if norm <= max_norm:
        return grads
    factor = max_norm / norm
    return {k: g * g.dtype.type(factor) for k, g in grads.items()}
