"""Chapter "Dead neurons and slow convergence": how long the XOR plateau lasts.

The chapter's derivation: from weights of size c (all biases 0), once the output bias has
fitted the mean, the first layer's gradient is of order c^3 (sigma''(0) = 0 and XOR has
no linear signal). Gradient descent with learning rate alpha then grows the weight scale
roughly as dc/dt = alpha k c^3 for some constant k of the start's directions, whose
solution 1/c(t)^2 = 1/c^2 - 2 alpha k t blows up at t* = 1 / (2 alpha k c^2): the plateau
ends, suddenly, after a number of epochs proportional to 1 / (alpha c^2). With every
hidden bias at b != 0, sigma''(b) != 0, the gradient is of order c^2, dc/dt = alpha k c^2,
and the plateau lasts of order 1 / (alpha c) epochs: far shorter at small c.

`escape_epochs` measures it: full-batch gradient descent on XOR for many independent
2-4-1 networks at once ("lanes", each a (seed, scale, rate, hidden bias) of
dead_units.xor_net with the "small" scheme), the same arithmetic as dead_units.plateau_run
(sigmoid layers, binary cross-entropy from the logits, dZ2 = (A2 - Y) / m), in a loop of a
few NumPy calls per epoch, so that runs of 10^5 epochs take seconds. Each lane stops when
its loss first falls below dead_units.THRESHOLD; the epoch is counted as plateau_run
counts it. The law needs a stable step: at rates above the output layer's limit
2 / output_curvature() the plateau ends another way (plateau_catapult). `adam_on_plateau`
runs Adam through backprop_lib.train at a rate and a scale and tells the runs that learn XOR
from those whose hidden units collapse to one unit (the chapter's claims tests hold
plateau_catapult's Adam lanes against it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import xor
from .dead_units import BETA, PLATEAU_SEEDS, SMALL_SCALE, THRESHOLD, xor_net
from .optimizers import Adam
from .run_cache import memo
from .train import train

CAP = 200_000  # epochs after which a lane counts as not escaped
SCALES = (0.05, 0.07, 0.1)  # the chapter's table: escapes within about 2 x 10^4 epochs
LONG_SEED = 2  # the seed the chapter runs from its own 0.01 start (about 5 x 10^4 epochs)
ADAM_LR = 0.03  # Adam on the plateau (its steps are about lr per weight)
ADAM_EPOCHS = 2000  # long enough for every Adam run to settle
LEAVE = 0.6  # a loss below this has left the ln 2 = 0.693 plateau
BIAS_LRS = (1.0, 2.0)  # the hidden-bias-1 ablation at rates below its output layer's limit
BIAS_SCALES = (0.005, 0.01, 0.02, 0.04)


def _start(seed, scale, hidden_bias):
    p = xor_net("small", scale / SMALL_SCALE, seed).params
    return p["W1"], np.full_like(p["b1"], hidden_bias), p["W2"], p["b2"]


@memo(maxsize=32)
def escape_epochs(lanes, cap=CAP, check=1) -> tuple:
    """(Cached.) lanes: a tuple of (seed, scale, lr, hidden_bias). For each, the first epoch
    whose full-batch loss is below THRESHOLD (None if none within `cap` epochs), with
    weights of standard deviation `scale` from xor_net("small", ...) of that seed, every
    hidden bias at hidden_bias, full-batch gradient descent at rate lr. check: test the
    loss every `check` epochs (1: exact; more: faster, the epoch found is the first tested
    one below the threshold)."""
    X, Y = xor()
    m = X.shape[1]
    starts = [_start(s, c, b) for s, c, _, b in lanes]
    W1, b1, W2, b2 = (np.array([st[i] for st in starts]) for i in range(4))
    lr = np.array([lane[2] for lane in lanes], dtype=float)[:, None, None]
    out = [None] * len(lanes)
    alive = np.arange(len(lanes))
    with np.errstate(over="ignore", under="ignore"):
        for epoch in range(cap + 1):
            A1 = 1 / (1 + np.exp(-(W1 @ X + b1)))  # (lanes, 4, m)
            Z2 = W2 @ A1 + b2  # (lanes, 1, m)
            if epoch % check == 0:
                loss = np.mean(np.logaddexp(0, Z2) - Y * Z2, axis=(1, 2))
                done = loss < THRESHOLD
                if done.any():
                    for i in alive[done]:
                        out[i] = epoch
                    keep = ~done
                    alive, W1, b1, W2, b2, lr, A1, Z2 = (
                        a[keep] for a in (alive, W1, b1, W2, b2, lr, A1, Z2))
                    if not alive.size:
                        break
            if epoch == cap:
                break
            dZ2 = (1 / (1 + np.exp(-Z2)) - Y) / m
            dZ1 = (np.transpose(W2, (0, 2, 1)) @ dZ2) * A1 * (1 - A1)
            W2 = W2 - lr * (dZ2 @ np.transpose(A1, (0, 2, 1)))
            b2 = b2 - lr * dZ2.sum(axis=2, keepdims=True)
            W1 = W1 - lr * (dZ1 @ X.T)
            b1 = b1 - lr * dZ1.sum(axis=2, keepdims=True)
    return tuple(out)


def fitted_exponent(x, t) -> float:
    """The slope of log t against log x (least squares): t ~ x^slope."""
    return float(np.polyfit(np.log(x), np.log(t), 1)[0])


def predicted(t_ref, scale_ref, scale, lr_ref=1.0, lr=1.0, order=3) -> float:
    """The escape epoch at (scale, lr) predicted from one measured at (scale_ref, lr_ref) by
    t ~ 1 / (lr c^(order - 1)): order 3 with zero hidden biases, 2 with sigma''(b) != 0."""
    return float(t_ref * (scale_ref / scale) ** (order - 1) * lr_ref / lr)


def one_unit_infimum() -> float:
    """The lowest binary cross-entropy a 2-1-1 sigmoid network (one hidden unit) can approach
    on XOR. Its output is a monotone function of one linear function of x, so at best it
    separates one corner: output 0 on (0, 0) and 2/3 on the other three, of which two are 1
    and one is 0: (2 ln(3/2) + ln 3) / 4 (an infimum: the output 0 needs infinite weights)."""
    return float((2 * np.log(1.5) + np.log(3)) / 4)


def output_curvature(hidden_bias=0.0, seed=0) -> float:
    """The largest eigenvalue of the Hessian of the XOR loss in the output layer's (W2, b2)
    block at the start of escape_epochs's lane (seed, SMALL_SCALE, ., hidden_bias): for binary
    cross-entropy from the logits it is (1/m) sum_i p_i (1 - p_i) [a_i; 1][a_i; 1]^T, a_i the
    hidden outputs, p_i the output. With W1 near 0, a_i is about sigma(b) for every unit, so
    the value is about sigma'(0) (1 + n sigma(b)^2): 0.5 at b = 0, 0.784 at b = 1. Gradient
    descent on that block alone is unstable above 2 / this (4 and 2.55)."""
    X, _ = xor()
    W1, b1, W2, b2 = _start(seed, SMALL_SCALE, hidden_bias)
    A1 = 1 / (1 + np.exp(-(W1 @ X + b1)))
    p = 1 / (1 + np.exp(-(W2 @ A1 + b2)))[0]
    F = np.vstack([A1, np.ones((1, X.shape[1]))])  # (n + 1, m)
    H = (F * (p * (1 - p))) @ F.T / X.shape[1]
    return float(np.linalg.eigvalsh(H)[-1])


@dataclass
class AdamPlateau:
    leave: int | None  # first epoch with loss below LEAVE (off the ln 2 plateau)
    reach: int | None  # first epoch with loss below THRESHOLD
    final: float  # the loss after the last epoch
    second: float  # second over first singular value of the units' weighted, centred outputs:
    #                near 0, the hidden units act as one unit

    @property
    def one_unit(self) -> bool:
        """Never reached THRESHOLD and the hidden units act as one (second below ONE_UNIT)."""
        return self.reach is None and self.second < ONE_UNIT


ONE_UNIT = 1e-3  # AdamPlateau.second below this: the units' shares are one pattern


@memo(maxsize=16)
def adam_on_plateau(scale=SMALL_SCALE, lr=ADAM_LR, seeds=PLATEAU_SEEDS,
                    epochs=ADAM_EPOCHS) -> tuple:
    """(Cached.) Adam (the library's defaults, beta1 BETA) on XOR from xor_net("small") at
    weight scale `scale`, full batch: one AdamPlateau per seed. `second` is read from the
    matrix whose row j is W2_j (a1_j - its mean over the examples), hidden unit j's share of
    the output logit: rank 1 (second = 0) when every unit's share is a multiple of one
    pattern, as for identical units."""
    X, Y = xor()
    out = []
    for s in seeds:
        net = xor_net("small", scale / SMALL_SCALE, s)
        h = train(net, X, Y, Adam(lr, beta1=BETA), epochs=epochs, on_divergence="ignore")
        net.forward(X)
        A1 = net.cache["A"][1]
        sv = np.linalg.svd(net.params["W2"].T * (A1 - A1.mean(axis=1, keepdims=True)),
                           compute_uv=False)
        leave, reach = (np.nonzero(h.loss < t)[0] for t in (LEAVE, THRESHOLD))
        out.append(AdamPlateau(int(leave[0]) if leave.size else None,
                               int(reach[0]) if reach.size else None,
                               float(net.loss(X, Y)), float(sv[1] / sv[0])))
    return tuple(out)
