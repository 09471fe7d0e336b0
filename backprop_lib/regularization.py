"""Weight decay, dropout and early stopping, measured on a validation curve.

Chapter "Practical tips" uses it. A network large for its data fits the training set ever
better while its loss on held-out examples (the validation loss) turns and rises: it
overfits. Three remedies, each a line of the training loop `fit`:

- weight decay: every weight (not the biases) also shrinks towards 0, the gradient of the
  penalty (lambda / 2) ||W{l}||^2 added to the loss: dW{l} += lambda W{l}. For plain SGD
  this is the same as w <- (1 - lr lambda) w - lr dW (decoupled decay; with Adam the two
  differ, see chapter "Optimizers");
- dropout: train a `backprop_lib.dropout.DropoutNetwork` (hidden units dropped at random,
  inverted, off at test time);
- early stopping: keep the parameters of the epoch with the lowest validation loss, and
  stop once it has not improved for `patience` epochs.

The validation set picks the epoch and the settings; the test set, used once at the end,
says how well they do. To compare the remedies fairly, each gets its own best setting:
`tuned_run` tries every value of `TUNING_GRIDS` (lambda for weight decay, the keep
probability p for dropout) and keeps the one with the lowest validation loss, seed by seed;
early stopping is tuned by the validation curve itself (its epoch), with `PATIENCE`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from . import data
from ._checks import check_int, check_positive, check_real
from .dropout import DropoutNetwork
from .network import Network
from .preprocessing import Standardizer
from .run_cache import memo

__all__ = ["Fit", "REG_METHODS", "TUNING_GRIDS", "Tuned", "fit", "overfit_data",
           "regularized_run", "tuned_run"]


@dataclass(frozen=True)
class Fit:
    """A training run's curves, and where early stopping (if asked for) stopped it."""

    train_loss: np.ndarray  # per epoch, the training loss before the epoch's step
    val_loss: np.ndarray  # per epoch, the validation loss before the epoch's step
    best_epoch: int  # the epoch of the lowest validation loss
    stopped: bool  # True if early stopping ended training before the last epoch


def fit(net, X, Y, X_val, Y_val, lr, epochs, weight_decay=0.0, patience=None):
    """Full-batch SGD on (X, Y) for `epochs` epochs, recording both losses every epoch.

    weight_decay: lambda of dW{l} += lambda W{l}. patience: None (train to the end), or
    stop after that many epochs without a new lowest validation loss; the network then
    gets back the parameters of its best epoch.
    """
    lr = check_positive(lr, "lr")
    epochs = check_int(epochs, "epochs", low=1)
    weight_decay = check_real(weight_decay, "weight_decay", low=0.0)
    if patience is not None:
        patience = check_int(patience, "patience", low=1)
    X, Y = net.check_data(X, Y)
    X_val, Y_val = net.check_data(X_val, Y_val)
    train_loss, val_loss = [], []
    best, best_params, stopped = np.inf, None, False
    for epoch in range(epochs):
        val_loss.append(net.loss(X_val, Y_val))  # test mode: no dropout
        if val_loss[-1] < best:
            best, best_epoch = val_loss[-1], epoch
            best_params = {k: w.copy() for k, w in net.params.items()}
        elif patience is not None and epoch - best_epoch >= patience:
            stopped = True
            break
        loss, grads = net.loss_and_gradients(X, Y, checked=True)
        train_loss.append(net.loss(X, Y) if isinstance(net, DropoutNetwork) else loss)
        for name, w in net.params.items():
            g = grads["d" + name]
            if weight_decay and name.startswith("W"):
                g = g + weight_decay * w
            w -= lr * g
    if patience is not None:
        net.set_params(best_params)
    n = len(val_loss)
    return Fit(np.array(train_loss[:n]), np.array(val_loss), int(best_epoch), stopped)


OVERFIT_TRAIN, OVERFIT_VAL = 30, 200  # few training examples, many held out
OVERFIT_LAYERS = [2, 32, 32, 1]
OVERFIT_LR = 0.3
OVERFIT_EPOCHS = 500
REG_SEEDS = (0, 1, 2, 3, 4)
WEIGHT_DECAY = 3e-3  # an untuned lambda, as a first guess might be (`tuned_run` tunes it)
KEEP = 0.8  # an untuned keep probability (torch.nn.Dropout(p=0.2): its p is the drop rate)
PATIENCE = 100
REG_METHODS = ("plain", "weight decay", "dropout", "early stopping")
TUNING_GRIDS = {"weight decay": (1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1),  # lambda, log grid
                "dropout": (0.2, 0.4, 0.6, 0.8, 1.0)}  # the keep probability p (1: none)


@functools.lru_cache(maxsize=8)
def overfit_data(seed=0):
    """Noisy two moons: OVERFIT_TRAIN examples to train, OVERFIT_VAL to validate and as many
    to test, standardized with the training statistics."""
    m = OVERFIT_TRAIN + 2 * OVERFIT_VAL
    X, Y = data.two_moons(m, noise=0.35, seed=100 + seed)
    s = Standardizer().fit(X[:, :OVERFIT_TRAIN])
    X = s.transform(X)
    a, b = OVERFIT_TRAIN, OVERFIT_TRAIN + OVERFIT_VAL
    return X[:, :a], Y[:, :a], X[:, a:b], Y[:, a:b], X[:, b:], Y[:, b:]


@memo(maxsize=256)
def regularized_run(method="plain", seed=0, epochs=OVERFIT_EPOCHS, setting=None):
    """Train the 2-32-32-1 tanh network on `overfit_data(seed)` with one remedy (or none);
    `setting`: lambda for weight decay (default WEIGHT_DECAY), the keep probability for
    dropout (default KEEP). Returns (Fit, test loss of the network as training left it)."""
    if method not in REG_METHODS:
        raise ValueError(f"method must be one of {REG_METHODS}; got {method!r}")
    if setting is None:
        setting = {"weight decay": WEIGHT_DECAY, "dropout": KEEP}.get(method)
    X, Y, Xv, Yv, Xt, Yt = overfit_data(seed)
    cls = DropoutNetwork if method == "dropout" else Network
    extra = {"keep": setting, "mask_seed": seed} if method == "dropout" else {}
    net = cls(OVERFIT_LAYERS, ["tanh", "tanh", "sigmoid"], "bce", init="xavier", seed=seed,
              **extra)
    run = fit(net, X, Y, Xv, Yv, OVERFIT_LR, epochs,
              weight_decay=setting if method == "weight decay" else 0.0,
              patience=PATIENCE if method == "early stopping" else None)
    return run, float(net.loss(Xt, Yt))


@dataclass(frozen=True)
class Tuned:
    """A remedy at the setting the validation set chose for one seed."""

    method: str
    seed: int
    setting: float | None  # lambda or p; None for "plain" and "early stopping"
    val_loss: float  # validation loss at the end of the chosen run
    test_loss: float
    on_edge: bool  # the chosen setting is an end of its grid


def tuned_run(method="plain", seed=0):
    """`regularized_run` at the setting of TUNING_GRIDS[method] with the lowest final
    validation loss on `overfit_data(seed)` (the test set is not looked at); "plain" and
    "early stopping" have nothing to tune here. Returns a Tuned."""
    grid = TUNING_GRIDS.get(method, (None,))
    if method not in REG_METHODS:
        raise ValueError(f"method must be one of {REG_METHODS}; got {method!r}")
    runs = [(v, *regularized_run(method, seed, setting=v)) for v in grid]
    v, run, test = min(runs, key=lambda r: _final_val(r[1], method))
    return Tuned(method, seed, v, _final_val(run, method), test,
                 len(grid) > 1 and v in (grid[0], grid[-1]))


def _final_val(run, method):
    """The validation loss of the network as training left it (early stopping: its best)."""
    return float(run.val_loss.min() if method == "early stopping" else run.val_loss[-1])
