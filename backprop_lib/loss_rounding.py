"""How much rounding there is in a loss: measured, not assumed (chapter "The whole book at
work: handwritten digits", its gradient check).

A central difference (L(w + eps e) - L(w - eps e)) / (2 eps) divides the loss's rounding
error by eps. The usual estimate of that rounding, u |L| (u the unit roundoff, as
`gradcheck.GradCheck.rounding_error` uses), assumes it scales with the loss. A mean of
softmax cross-entropies does not. The library subtracts each example's largest logit first
(exactly: no rounding), so the right class's term is ln(1 + s) - (z_y - z_max), with
s = sum over the other classes of exp(z_j - z_max). For a correctly classified image
z_y - z_max is exactly 0 and s is small: the term is small, but the sum 1 + s is
accumulated in float64 one class at a time, each addition near 1 rounding it by up to one
unit roundoff u, and its logarithm carries that absolute error whatever the term's size,
whatever the size of the logits. After training, when almost
every image is right, each example's term therefore carries about u of rounding however
small its loss, and the mean's rounding stops shrinking with the loss. At the start, when
most images are wrong and the terms are of order 1, u |L| is the right scale.

- `noise` measures the rounding of the loss: the loss along a line through the weights,
  L(w + t d) for t in [-half_width, half_width], is a smooth function of t plus rounding;
  over so short a line a quadratic fits the smooth part, and the standard deviation of what
  is left is the rounding.
- `term_errors` measures it per example, in units of u: the library's formula against the
  same term computed as log1p(s) - (z_y - z_max), whose error is u times the term's size.
- `log1p_loss` computes the same loss without forming 1 + s: with it, `noise` after
  training should fall far below the library's, if the mechanism is right.
- `ablation` is the experiment that tells the mechanism from the alternative "the rounding
  is set by the size of the logits": shifting every logit by a constant (the loss does not
  change, the logits grow) and multiplying the logits by a factor (the gaps grow, s falls).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_float_matrix, check_int, check_positive, check_real, check_seed

__all__ = ["Ablation", "UNIT_ROUNDOFF", "ablation", "log1p_loss", "noise", "term_errors"]

#: The unit roundoff of float64, half its machine epsilon: the largest relative error of
#: rounding one number.
UNIT_ROUNDOFF = float(np.finfo(np.float64).eps) / 2


def noise(net, X, Y, name="W1", half_width=1e-6, points=201, seed=0, loss=None) -> float:
    """The standard deviation of the rounding in net.loss(X, Y) near the current weights:
    the residual of a quadratic fitted to the loss at `points` steps of up to `half_width`
    along a random unit direction (seed) in parameter `name`. The weights are restored.
    loss: another way to compute the same loss, a function (net, X, Y) -> float (e.g.
    `log1p_loss`); net.loss when None."""
    if name not in net.params:
        raise ValueError(f"name must be one of the network's parameters {sorted(net.params)}; "
                         f"got {name!r}")
    if loss is None:
        def loss(net, X, Y):
            return net.loss(X, Y)
    elif not callable(loss):
        raise TypeError(f"loss must be a function (net, X, Y) -> float or None; got {loss!r}")
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
            losses[k] = loss(net, X, Y)
    finally:
        w[...] = saved
    s = t / half_width  # a well-conditioned fit
    residual = losses - np.polyval(np.polyfit(s, losses - losses.mean(), 2), s) - losses.mean()
    return float(residual.std(ddof=3))


def term_errors(Z, Y) -> np.ndarray:
    """Per example (column), the rounding error of its softmax cross-entropy term as the
    library computes it (losses.log_softmax: shift by the largest logit, then log-sum-exp),
    in units of UNIT_ROUNDOFF. The reference computes the same term from the same float64
    logits as log1p(s) - (z_y - z_max), with s the sum of exp(z_j - z_max) over the classes
    other than the largest; its own error is about u times the term, far below u for a
    small term. Y: one-hot columns."""
    Z, Y = as_float_matrix(Z, "Z"), as_float_matrix(Y, "Y")
    if Z.shape != Y.shape:
        raise ValueError(f"Z and Y must have the same shape; got {Z.shape} and {Y.shape}")
    shifted = Z - Z.max(axis=0, keepdims=True)
    formula = -np.sum(Y * (shifted - np.log(np.sum(np.exp(shifted), axis=0, keepdims=True))),
                      axis=0)
    top = np.argmax(Z, axis=0)
    others = np.exp(shifted)
    others[top, np.arange(Z.shape[1])] = 0.0
    reference = np.log1p(others.sum(axis=0)) - np.sum(Y * shifted, axis=0)
    return np.abs(formula - reference) / UNIT_ROUNDOFF


def log1p_loss(net, X, Y) -> float:
    """The network's mean softmax cross-entropy computed as log1p(s) - (z_y - z_max) per
    example, from the same float64 logits: the sum 1 + s is never formed, so its rounding
    is not in this loss. The experiment that would refute the mechanism of the module:
    if that rounding sets `noise`, this loss's noise is much smaller after training (and
    about the same at the start, when the terms are of order 1). Y: one-hot columns."""
    Z, Y = as_float_matrix(net.forward(X), "net.forward(X)"), as_float_matrix(Y, "Y")
    if Z.shape != Y.shape:
        raise ValueError(f"Y must have the logits' shape {Z.shape}; got {Y.shape}")
    shifted = Z - Z.max(axis=0, keepdims=True)
    others = np.exp(shifted)
    others[np.argmax(Z, axis=0), np.arange(Z.shape[1])] = 0.0
    return float(np.mean(np.log1p(others.sum(axis=0)) - np.sum(Y * shifted, axis=0)))


@dataclass(frozen=True)
class Ablation:
    """The rounding of the loss (`noise`) of a network as it is, with every logit shifted by
    `shift` (the loss unchanged), and with the logits multiplied by `scale` (the output
    layer's weights and bias scaled); loss and largest |logit| of each."""

    shift: float
    scale: float
    noise: dict
    loss: dict
    largest_logit: dict


def ablation(net, X, Y, shift=100.0, scale=2.0, **noise_kwargs) -> Ablation:
    """Shift every logit by `shift` and scale every logit by `scale` (on copies of net: its
    last layer's bias and weights), and measure the rounding of the loss of each."""
    shift = check_real(shift, "shift")
    scale = check_positive(scale, "scale")
    L = net.L
    variants = {"as trained": net.copy(), "shifted": net.copy(), "scaled": net.copy()}
    variants["shifted"].params[f"b{L}"][...] += shift
    for name in (f"W{L}", f"b{L}"):
        variants["scaled"].params[name][...] *= scale
    noises, losses, largest = {}, {}, {}
    for key, n in variants.items():
        noises[key] = noise(n, X, Y, **noise_kwargs)
        losses[key] = n.loss(X, Y)
        largest[key] = float(np.abs(n.forward(X)).max())
    return Ablation(shift, scale, noises, losses, largest)
