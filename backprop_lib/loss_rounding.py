"""How much rounding there is in a loss: measured, not assumed (chapter "The whole book at
work: handwritten digits", its gradient check).

A central difference (L(w + eps e) - L(w - eps e)) / (2 eps) divides the loss's rounding
error by eps. The usual estimate of that rounding, u |L| (u the unit roundoff, as
`gradcheck.GradCheck.rounding_error` uses), assumes it scales with the loss. A mean of
softmax cross-entropies does not: each example's term is a log-sum-exp minus the right
class's logit, two numbers of the size of the logits that cancel to give a small loss, and
the rounding is set by those logits. `noise` measures it: the loss along a line through the
weights, L(w + t d) for t in [-half_width, half_width], is a smooth function of t plus
rounding; over so short a line a quadratic fits the smooth part, and the standard deviation
of what is left is the rounding.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_int, check_positive, check_seed

__all__ = ["noise"]


def noise(net, X, Y, name="W1", half_width=1e-6, points=201, seed=0) -> float:
    """The standard deviation of the rounding in net.loss(X, Y) near the current weights:
    the residual of a quadratic fitted to the loss at `points` steps of up to `half_width`
    along a random unit direction (seed) in parameter `name`. The weights are restored."""
    if name not in net.params:
        raise ValueError(f"name must be one of the network's parameters {sorted(net.params)}; "
                         f"got {name!r}")
    half_width = check_positive(half_width, "half_width")
    points = check_int(points, "points", low=4)
    w = net.params[name]
    d = np.random.default_rng(check_seed(seed)).standard_normal(w.shape)
    d /= np.linalg.norm(d)
    t = np.linspace(-half_width, half_width, points)
    saved = w.copy()
    losses = np.empty(points)
    try:
        for k, tk in enumerate(t):
            w[...] = saved + tk * d
            losses[k] = net.loss(X, Y)
    finally:
        w[...] = saved
    s = t / half_width  # a well-conditioned fit
    residual = losses - np.polyval(np.polyfit(s, losses - losses.mean(), 2), s) - losses.mean()
    return float(residual.std(ddof=3))
