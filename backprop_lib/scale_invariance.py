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

__all__ = ["FROZEN_RATIO", "LargeRateRun", "ScaledLayer", "bias_two_cycle", "large_rate_run",
           "norm_growth", "scale_layer"]


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


FROZEN_RATIO = 1e-12  # an update/weight ratio below this, to the end of training, is "frozen"


@dataclass(frozen=True)
class LargeRateRun:
    """What full-batch SGD at one learning rate did to a batch-normalized network."""

    ratios: np.ndarray  # lr ||dW{layer}|| / ||W{layer}|| of each step
    frozen_from: int | None  # the step from which the ratio stays below FROZEN_RATIO, or None
    dead_layers: tuple  # hidden layers (1 to L-1) with no unit above 0 for any example, at the end
    live_examples: int  # examples on which some unit of the last hidden layer is on, at the end
    live_min_logit: float  # smallest |z_L| (output logit) over those examples (inf if none)
    live_max_error: float  # largest |sigma(z_L) - y| over those examples (0 if none)
    output_bias: float  # b_L at the end
    loss: float  # training loss at the end (training mode, batch statistics)
    accuracy: float  # training accuracy at the end (inference mode, running statistics)

    @property
    def mechanism(self):
        """How the gradient of a frozen run vanished: "dead layer" (a hidden layer with no
        live unit on any example), "saturated output" (the last hidden layer's live units see
        only examples whose output error |sigma(z_L) - y| is below FROZEN_RATIO: the sigmoid
        is saturated, and right), else "other"; None for a run that is not frozen."""
        if self.frozen_from is None:
            return None
        if self.dead_layers:
            return "dead layer"
        if self.live_max_error < FROZEN_RATIO:
            return "saturated output"
        return "other"


def large_rate_run(net, X, Y, lr, steps, layer=1):
    """Train `net` (a copy) as `norm_growth` does; return a LargeRateRun: whether and from
    which step the layer is frozen (its update/weight ratio below FROZEN_RATIO to the end),
    and how its gradient vanished. A layer none of whose ReLUs is on for any example passes
    no gradient to the layers below it (the dead units of chapter "Vanishing and exploding
    gradients"); live units that are on only for examples the sigmoid output already gets
    right with |z_L| in the tens pass back an error sigma(-|z_L|) that is as good as none."""
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
        live = (net.cache["A"][net.L - 1] > 0).any(axis=0)
        z = np.asarray(net.cache["Z"][net.L], dtype=float).ravel()[live]
        y = np.asarray(Y, dtype=float).ravel()[live]
        # |sigma(z) - y| without cancellation: sigma(-z) when y = 1, sigma(z) when y = 0
        error = 1 / (1 + np.exp(-(1 - 2 * y) * z))
        accuracy = float(((net.predict(X) > 0.5) == (Y > 0.5)).mean())
    ratios = np.array(ratios)
    moving = np.flatnonzero(~(ratios < FROZEN_RATIO))
    frozen_from = (None if not ratios[-1] < FROZEN_RATIO
                   else (int(moving[-1]) + 1 if moving.size else 0))
    return LargeRateRun(ratios, frozen_from, dead, int(live.sum()),
                        float(np.abs(z).min()) if z.size else float("inf"),
                        float(error.max()) if z.size else 0.0,
                        float(net.params[f"b{net.L}"].ravel()[0]), loss, accuracy)


def bias_two_cycle(lr):
    """The period-2 cycle b -> -b of the output bias under b <- b - lr (sigma(b) - 1/2): what
    full-batch SGD does to a network on balanced classes whose output is the constant
    sigma(b) (its last hidden layer dead). The fixed point b = 0 is stable only while
    lr sigma'(0) = lr / 4 < 2; above, b settles on the root b > 0 of 2 b = lr (sigma(b) - 1/2).
    Returns (b, the loss there, -[ln sigma(b) + ln(1 - sigma(b))] / 2)."""
    lr = check_positive(lr, "lr")
    if lr / 4 <= 2:
        raise ValueError(f"lr / 4 = {lr / 4:g} <= 2: b = 0 is stable, there is no cycle")
    lo, hi = 1e-9, lr / 2  # 2 b - lr (sigma(b) - 1/2) is below 0 at lo and above at hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if 2 * mid < lr * (1 / (1 + np.exp(-mid)) - 0.5):
            lo = mid
        else:
            hi = mid
    b = 0.5 * (lo + hi)
    return b, float(0.5 * (np.logaddexp(0, -b) + np.logaddexp(0, b)))
