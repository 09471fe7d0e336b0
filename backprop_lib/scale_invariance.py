"""Batch normalization's scale invariance, and the effective learning rate it implies.

Chapter "Practical tips" uses it. Before batch normalization, multiplying W{l} by c > 0
multiplies Z{l}, mu and sqrt(var) by c, so Zhat{l} and the loss do not change (up to eps).
Differentiating L(c W) = L(W) gives two consequences:

    dL/dW at c W = (dL/dW at W) / c         the gradient shrinks like 1 / ||W||
    <W, dW>      = 0                        the gradient is orthogonal to W

So one SGD step changes the direction W / ||W||, which is all the loss sees, by about
lr ||dW|| / ||W|| = lr ||dW at W/||W|| || / ||W||^2: the effective learning rate of the
direction is lr / ||W||^2. Small weights make it large, and since every step is
orthogonal to W, ||W||^2 grows by lr^2 ||dW||^2 per step, which lowers it again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import check_int, check_positive
from .batchnorm import BatchNormNetwork

__all__ = ["LargeRateRun", "ScaledLayer", "large_rate_run", "norm_growth", "scale_layer"]


@dataclass(frozen=True)
class ScaledLayer:
    """The network with W{layer} multiplied by `factor`: its loss and that layer's gradient."""

    factor: float
    loss: float
    weight_norm: float  # ||W{layer}||
    grad_norm: float  # ||dW{layer}||
    cosine: float  # <W, dW> / (||W|| ||dW||)
    update_ratio: float  # lr ||dW|| / ||W||, the relative size of one SGD step


def scale_layer(net, X, Y, layer=1, factors=(0.1, 1.0, 10.0), lr=0.1):
    """For each factor c: a copy of `net` with W{layer} times c, its loss and gradient."""
    if not isinstance(net, BatchNormNetwork):
        raise TypeError(f"net must be a BatchNormNetwork (scale invariance needs the "
                        f"normalization after W{{layer}}); got {type(net).__name__}")
    layer = check_int(layer, "layer", low=1)
    if layer >= net.L:
        raise ValueError(f"layer must be a hidden layer, 1 to {net.L - 1} (the output layer "
                         f"has no normalization after it); got {layer}")
    lr = check_positive(lr, "lr")
    out = []
    for c in factors:
        c = check_positive(c, "factors")
        twin = net.copy()
        twin.params[f"W{layer}"] *= c
        loss = twin.loss(X, Y)
        g = twin.gradients(X, Y)[f"dW{layer}"]
        W = twin.params[f"W{layer}"]
        wn, gn = float(np.linalg.norm(W)), float(np.linalg.norm(g))
        out.append(ScaledLayer(float(c), float(loss), wn, gn,
                               float(np.sum(W * g) / (wn * gn)), lr * gn / wn))
    return out


def norm_growth(net, X, Y, lr, steps, layer=1):
    """Train `net` (a copy) by full-batch SGD for `steps` steps; return (||W{layer}|| before
    each step and after the last, lr ||dW|| / ||W|| of each step), two arrays."""
    steps = check_int(steps, "steps", low=1)
    lr = check_positive(lr, "lr")
    net = net.copy()
    norms, ratios = [], []
    with np.errstate(all="ignore"):
        for _ in range(steps):
            W = net.params[f"W{layer}"]
            grads = net.gradients(X, Y)
            norms.append(float(np.linalg.norm(W)))
            ratios.append(lr * float(np.linalg.norm(grads[f"dW{layer}"])) / norms[-1])
            for name, w in net.params.items():
                w -= lr * grads["d" + name]
    norms.append(float(np.linalg.norm(net.params[f"W{layer}"])))
    return np.array(norms), np.array(ratios)


@dataclass(frozen=True)
class LargeRateRun:
    """What full-batch SGD at one learning rate did to a batch-normalized network."""

    ratios: np.ndarray  # lr ||dW{layer}|| / ||W{layer}|| of each step
    zero_from: int | None  # the step from which ||dW{layer}|| is exactly 0 to the end, or None
    dead_layers: tuple  # hidden layers (1 to L-1) with no unit above 0 for any example, at the end
    loss: float  # training loss at the end (training mode, batch statistics)
    accuracy: float  # training accuracy at the end (inference mode, running statistics)


def large_rate_run(net, X, Y, lr, steps, layer=1):
    """Train `net` (a copy) as `norm_growth` does; return a LargeRateRun: whether and from
    which step the layer's gradient is exactly zero, and which hidden layers are dead at the end
    (a layer none of whose ReLUs is on for any example passes no gradient to the layers
    below it: the dead units of chapter "Vanishing and exploding gradients")."""
    steps = check_int(steps, "steps", low=1)
    lr = check_positive(lr, "lr")
    net = net.copy()
    ratios = []
    with np.errstate(all="ignore"):
        for _ in range(steps):
            grads = net.gradients(X, Y)
            ratios.append(lr * float(np.linalg.norm(grads[f"dW{layer}"]))
                          / float(np.linalg.norm(net.params[f"W{layer}"])))
            for name, w in net.params.items():
                w -= lr * grads["d" + name]
        loss = float(net.loss(X, Y))
        net.forward(X)
        dead = tuple(l for l in range(1, net.L) if not (net.cache["A"][l] > 0).any())
        accuracy = float(((net.predict(X) > 0.5) == (Y > 0.5)).mean())
    ratios = np.array(ratios)
    nonzero = np.flatnonzero(ratios != 0)
    zero_from = None if ratios[-1] != 0 else (int(nonzero[-1]) + 1 if nonzero.size else 0)
    return LargeRateRun(ratios, zero_from, dead, loss, accuracy)
