"""Gradient clipping by norm, a remedy for exploding gradients (not for vanishing ones).

Chapter "Vanishing and exploding gradients" shows why: clipping can only shrink a step.
All gradients are rescaled together, so the step keeps its direction:

    if ||g|| > max_norm:  g <- g * max_norm / ||g||,   ||g|| = sqrt(sum of all squared entries)
"""

from __future__ import annotations

import numpy as np

from ._checks import check_positive, describe


def global_norm(grads) -> float:
    """The norm of all gradients taken together as one long vector.

    The entries are divided by the largest magnitude before squaring, so finite
    gradients as large as 1e200 (or as small as 1e-200) do not overflow (or underflow).
    """
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict of arrays by name; got {describe(grads)}")
    # ndarray methods rather than np.max/np.sum: the same reductions without the wrappers'
    # overhead, which dominates for the many small arrays of a deep, narrow network.
    grads = [g if isinstance(g, np.ndarray) else np.asarray(g) for g in grads.values()]
    peak = max((float(np.abs(g).max()) for g in grads if g.size), default=0.0)
    if peak == 0.0 or not np.isfinite(peak):
        return peak
    return peak * float(np.sqrt(sum(float(np.square(g / peak).sum()) for g in grads)))


def clip_by_norm(grads, max_norm):
    """A new dict of gradients whose global norm is at most max_norm (same direction)."""
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict of arrays by name; got {describe(grads)}")
    max_norm = check_positive(max_norm, "max_norm")
    norm = global_norm(grads)
    if norm <= max_norm:
        return dict(grads)
    factor = max_norm / norm
    return {k: g * g.dtype.type(factor) for k, g in grads.items()}
