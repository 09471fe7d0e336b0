"""Gradient clipping by norm, a remedy for exploding gradients (not for vanishing ones).

Chapter "Vanishing and exploding gradients" shows why: clipping can only shrink a step.
All gradients are rescaled together, so the step keeps its direction:

    if ||g|| > max_norm:  g <- g * max_norm / ||g||,   ||g|| = sqrt(sum of all squared entries)
"""

from __future__ import annotations

import numpy as np

from ._checks import check_positive, describe


def global_norm(grads) -> float:
    """The norm of all gradients taken together as one long vector."""
    return float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))


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
