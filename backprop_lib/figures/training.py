"""Training a small network on two moons: loss curve and decision boundary.

Chapter "The algorithm for L layers" trains a 2-16-1 network (tanh, then a sigmoid output
with binary cross-entropy) by full-batch gradient descent on `bp.data.two_moons` and asks
how the learning rate and the initialization change what happens:

- left: the training loss per epoch (log axis);
- right: the data and the network's predicted probability of class 1 over the plane
  (blue for class 0, orange for class 1, white at 0.5: the decision boundary).

At a learning rate of 10 the loss first jumps (to about 14 with Xavier weights, a few
epochs in: the steps overshoot and some outputs land far on the wrong side), then recovers
to a better fit than at 1. The loss is computed from the logits, so that spike is its true
value; had a run really diverged, `bp.train` would stop and report it, and the figure
would say so in words instead of plotting NaNs.

    from backprop_lib.figures import training
    training.show()                                   # controls: lr, init scheme, init scale
    r = training.compute(lr=1.0, init="xavier", scale=1.0)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .. import data, optimizers
from .. import interactive as ia
from .. import train as _train
from .._checks import check_choice, check_positive
from ..network import Network
from ..plots import BLUE, CLASS_CMAP, ORANGE, WARNING_COLOR, decision_grid
from . import notebook

LAYERS = [2, 16, 1]
ACTIVATIONS = ["tanh", "sigmoid"]
EPOCHS = 300
GRID = 50  # points per side of the decision-boundary grid
INITS = ("zeros", "small", "xavier", "he")
LOSS_TOP = 30.0  # the loss axis's top: above the spike at a learning rate of 10 (21 with he)

CONTROLS = [
    ia.LogSlider("lr", [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0], default=1.0,
                          label="learning rate"),
    ia.Choice("init", list(INITS), default="xavier", label="initialization"),
    ia.Slider("scale", [0.25, 0.5, 1.0, 2.0, 4.0], default=1.0, label="init scale"),
]
JOINT = ("lr", "init")


def dataset():
    """The two-moons data of the figure: 200 points, noise 0.15, seed 0."""
    return data.two_moons(m=200, noise=0.15, seed=0)


@dataclass(frozen=True)
class TrainingRun:
    """What one frame shows."""

    lr: float
    init: str
    scale: float
    loss: np.ndarray  # training loss per completed epoch
    diverged: bool
    message: str  # bp.train's divergence message ("" when training finished)
    accuracy: float  # on the training set after training (nan if diverged)
    xx: np.ndarray  # decision grid coordinates
    yy: np.ndarray
    proba: np.ndarray  # predicted probability of class 1 on the grid (nan if diverged)


def compute(lr=1.0, init="xavier", scale=1.0):
    """Train a fresh network (seed 0) for EPOCHS full-batch SGD epochs and evaluate it."""
    lr = check_positive(lr, "lr")
    init = check_choice(init, "init", INITS)
    scale = check_positive(scale, "scale")
    X, Y = dataset()
    net = Network(LAYERS, activations=ACTIVATIONS, loss="bce", init=init, init_scale=scale,
                  seed=0)
    history = _train(net, X, Y, optimizer=optimizers.SGD(lr=lr), epochs=EPOCHS,
                     on_divergence="ignore")
    xx, yy, proba = decision_grid(net.forward, X, n=GRID)
    if history.diverged:
        accuracy, proba = float("nan"), np.full_like(proba, np.nan)
    else:
        accuracy = float(np.mean((net.forward(X) > 0.5) == (Y > 0.5)))
    return TrainingRun(lr=lr, init=init, scale=scale, loss=history.loss,
                       diverged=history.diverged, message=history.message, accuracy=accuracy,
                       xx=xx, yy=yy, proba=proba)


def draw(fig, r, artists):
    """Draw frame `r` on fig (first call) or update the artists made then."""
    if artists is None:
        left, right = fig.subplots(1, 2)
        left.set_yscale("log")
        left.set_xlim(0, EPOCHS)
        left.set_ylim(5e-3, LOSS_TOP)
        left.set_xlabel("epochs completed")
        left.set_ylabel(r"training loss $\mathcal{L}$ (BCE)")
        (curve,) = left.plot([], [], color=BLUE)
        note = left.text(0.5, 0.5, "", transform=left.transAxes, ha="center", va="center",
                         color=WARNING_COLOR, fontsize=9, wrap=True,
                         bbox=dict(facecolor="white", edgecolor=WARNING_COLOR, alpha=0.9))
        X, Y = dataset()
        extent = (r.xx.min(), r.xx.max(), r.yy.min(), r.yy.max())
        image = right.imshow(r.proba, origin="lower", extent=extent, cmap=CLASS_CMAP,
                             vmin=0, vmax=1, interpolation="bilinear", aspect="auto")
        for label, color, marker in ((0, BLUE, "o"), (1, ORANGE, "^")):
            mask = Y[0] == label
            right.scatter(X[0, mask], X[1, mask], s=10, color=color, marker=marker,
                          edgecolors="black", linewidths=0.4, label=f"class {label}")
        right.set_xticks([])
        right.set_yticks([])
        right.set_xlabel("$x_1$")
        right.set_ylabel("$x_2$")
        right.grid(False)
        title = right.set_title("")
        artists = dict(curve=curve, note=note, image=image, title=title)
    a = artists
    epochs = np.arange(len(r.loss))  # loss[e] comes before epoch e's update
    a["curve"].set_data(epochs, np.clip(r.loss, 5e-3, LOSS_TOP))
    a["image"].set_data(r.proba)
    if r.diverged:
        a["note"].set_text(f"Training diverged after {len(r.loss)} epochs:\n"
                           "the loss stopped being finite\nor exploded. "
                           "Try a smaller\nlearning rate.")
        a["note"].set_visible(True)
        a["title"].set_text("no model: training diverged")
    else:
        a["note"].set_visible(False)
        a["title"].set_text(f"training accuracy {100 * r.accuracy:.1f}%")
    return a


def alt(params, r):
    """The frame in words (alt text and caption)."""
    setting = (f"learning rate {r.lr:g}, {r.init} initialization at scale {r.scale:g}")
    if r.diverged:
        return (f"Training a 2-16-1 network on two moons with {setting}: training diverged "
                f"after {len(r.loss)} completed epochs (the loss stopped being finite or "
                f"exploded), so "
                f"there is no decision boundary to show.")
    return (f"Training a 2-16-1 network on two moons with {setting}: the loss goes from "
            f"{r.loss[0]:.3f} to {r.loss[-1]:.3f} after {len(r.loss) - 1} epochs (the last "
            f"recorded loss) and after all {EPOCHS} the network "
            f"classifies {100 * r.accuracy:.1f}% of the training points correctly; the right "
            f"panel shades the predicted class over the plane.")


SPEC = dict(compute=compute, draw=draw, controls=CONTROLS, joint=JOINT, alt=alt,
            figsize=(7.5, 3))
# The Interactive figure, not yet shown (tests and timing call it), and the figure shown:
# live controls in a kernel, a static player in the book (see figures.notebook).
interactive = functools.partial(notebook.interactive, SPEC)
show = functools.partial(notebook.show, SPEC)
