"""Batch normalization with real mini-batches: noisy statistics, small batches, the
train/test gap, and the two conventions for the running averages.

Chapter "Practical tips" uses it. In training each mini-batch is normalized by its own
mean and variance, which are estimates from B examples: their noise grows like 1/sqrt(B)
(`batch_mean_spread`). At inference the running averages replace them, so the network a
small batch trained is not the network that predicts (`minibatch_runs` measures the loss
in both modes). Layer normalization, which takes its statistics per example, has neither
problem (`backprop_lib.layernorm`). But normalizing a bias-free layer over its features
removes the scale of its input: with Z{1} = W{1} x, layer norm gives the same Zhat for x
and c x, so a network on 2-D inputs sees only their direction (`input_scale_change`).
The runs therefore give layer 1 a bias, as a constant input (`with_bias_input`).

The running averages: PyTorch's BatchNorm (momentum=0.1 by default) and Keras's
BatchNormalization (momentum=0.99) compute the same average with opposite meanings of
"momentum" (`running_update`):

    PyTorch: running = (1 - momentum) * running + momentum * batch   (momentum: the new weight)
    Keras:   running = momentum * running + (1 - momentum) * batch   (momentum: the old weight)

and PyTorch stores the unbiased variance var * B / (B - 1), while Keras stores the biased
one; both normalize the batch itself with the biased variance.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from . import data, optimizers
from ._checks import check_choice, check_int, check_real
from .batchnorm import BatchNormNetwork
from .layernorm import LayerNormNetwork
from .preprocessing import Standardizer
from .run_cache import memo
from .train import train

__all__ = ["CONVENTIONS", "MiniBatchRun", "angle_only_accuracy", "batch_mean_spread",
           "input_scale_change",
           "mb_epochs", "mb_steps", "minibatch_data", "minibatch_runs", "running_update",
           "trained_minibatch_net", "with_bias_input"]

CONVENTIONS = ("pytorch", "keras")


def running_update(running, batch, momentum, convention="pytorch"):
    """One step of the running average of a batch statistic, in a framework's convention.

    pytorch: (1 - momentum) * running + momentum * batch;
    keras:   momentum * running + (1 - momentum) * batch.
    """
    convention = check_choice(convention, "convention", CONVENTIONS)
    momentum = check_real(momentum, "momentum", low=0.0, high=1.0)
    running, batch = np.asarray(running, dtype=float), np.asarray(batch, dtype=float)
    if convention == "pytorch":
        return (1 - momentum) * running + momentum * batch
    return momentum * running + (1 - momentum) * batch


def batch_mean_spread(z, batch_size, draws=2000, seed=0):
    """The standard deviation, over `draws` random batches of `batch_size` values of z drawn
    without replacement, of the batch mean: the noise batch normalization adds."""
    z = np.asarray(z, dtype=float).ravel()
    batch_size = check_int(batch_size, "batch_size", low=1)
    if batch_size > z.size:
        raise ValueError(f"batch_size must be at most the {z.size} values of z; got {batch_size}")
    rng = np.random.default_rng(seed)
    means = [z[rng.choice(z.size, batch_size, replace=False)].mean() for _ in range(draws)]
    return float(np.std(means))


MB_LAYERS = [2, 16, 16, 1]
MB_EPOCHS = 20  # at B = 2; a batch size B gets MB_EPOCHS * B / 2 epochs, about as many steps
MB_LR = 0.1
MB_SEEDS = (0, 1, 2, 3, 4)
MB_TRAIN = 200  # training examples; the test set has as many


@functools.lru_cache(maxsize=1)
def minibatch_data(noise=0.2):
    """Two moons, 200 to train and 200 to test, standardized with the training statistics."""
    X, Y = data.two_moons(2 * MB_TRAIN, noise=noise, seed=7)
    s = Standardizer().fit(X[:, :MB_TRAIN])
    return (s.transform(X[:, :MB_TRAIN]), Y[:, :MB_TRAIN], s.transform(X[:, MB_TRAIN:]),
            Y[:, MB_TRAIN:])


def with_bias_input(X):
    """X with a row of ones below it: the first layer's W{1} then holds a bias in its last
    column (the normalized networks have no b{l} in their hidden layers)."""
    return np.vstack([X, np.ones((1, X.shape[1]), dtype=X.dtype)])


def mb_epochs(batch_size):
    """The epochs of a run with mini-batches of `batch_size`: MB_EPOCHS * batch_size / 2, so
    every batch size takes about the same number of SGD steps (MB_EPOCHS * MB_TRAIN / 2)."""
    return MB_EPOCHS * check_int(batch_size, "batch_size", low=2) // 2


def mb_steps(batch_size):
    """How many SGD steps `minibatch_runs` takes at `batch_size`."""
    return mb_epochs(batch_size) * -(-MB_TRAIN // batch_size)


@dataclass(frozen=True)
class MiniBatchRun:
    """One trained network: its test loss with running (inference) and with batch statistics."""

    norm: str
    batch_size: int
    seed: int
    test_loss: float  # inference mode (running statistics for batch norm)
    test_accuracy: float
    test_loss_batch_stats: float  # the test set normalized by its own mini-batches' statistics
    train_loss: float  # the training set in inference mode
    train_loss_batch_stats: float  # the training set in mini-batches, as training saw it
    diverged: bool


def _batch_stats_loss(net, X, Y, batch_size, seed):
    """The test loss when each test mini-batch is normalized by its own statistics (what the
    network saw in training)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(X.shape[1])
    total = 0.0
    for start in range(0, X.shape[1], batch_size):
        idx = order[start:start + batch_size]
        total += net.loss(X[:, idx], Y[:, idx]) * len(idx)  # loss() uses batch statistics
    return total / X.shape[1]


def _inputs(first_bias):
    X, Y, Xt, Yt = minibatch_data()
    return (with_bias_input(X), Y, with_bias_input(Xt), Yt) if first_bias else (X, Y, Xt, Yt)


@memo(maxsize=128)
def trained_minibatch_net(norm="batch", batch_size=2, seed=0, epochs=None, lr=MB_LR,
                          first_bias=True, nudge=0):
    """A 2-16-16-1 ReLU network (He) with batch ("batch") or layer ("layer") normalization,
    trained by SGD on mini-batches of `batch_size` for `epochs` (None: `mb_epochs`).
    first_bias: the inputs get a constant row (`with_bias_input`), a bias in layer 1.
    nudge: the initial weights times 1 + nudge * 1e-12 (to show a chaotic run).
    Returns (net, history). Do not train the returned network further: it is cached."""
    norm = check_choice(norm, "norm", ("batch", "layer"))
    batch_size = check_int(batch_size, "batch_size", low=2)
    epochs = mb_epochs(batch_size) if epochs is None else epochs
    X, Y, _, _ = _inputs(first_bias)
    cls = BatchNormNetwork if norm == "batch" else LayerNormNetwork
    net = cls([X.shape[0], *MB_LAYERS[1:]], ["relu", "relu", "sigmoid"], "bce", init="he",
              seed=seed)
    if nudge:
        for name in net.params:
            if name.startswith("W"):
                net.params[name] *= 1 + nudge * 1e-12
    h = train(net, X, Y, optimizers.SGD(lr), epochs=epochs, batch_size=batch_size, seed=seed,
              on_divergence="ignore")
    return net, h


@memo(maxsize=128)
def minibatch_runs(norm="batch", batch_size=2, seed=0, epochs=None, lr=MB_LR, first_bias=True,
                   nudge=0):
    """`trained_minibatch_net`, measured on the test set: a MiniBatchRun."""
    net, h = trained_minibatch_net(norm, batch_size, seed, epochs, lr, first_bias, nudge)
    X, Y, Xt, Yt = _inputs(first_bias)
    with np.errstate(all="ignore"):
        acc = float(((net.predict(Xt) > 0.5) == (Yt > 0.5)).mean())
        return MiniBatchRun(norm, batch_size, seed, _inference_loss(net, Xt, Yt), acc,
                            _batch_stats_loss(net, Xt, Yt, batch_size, seed),
                            _inference_loss(net, X, Y),
                            _batch_stats_loss(net, X, Y, batch_size, seed), h.diverged)


def angle_only_accuracy(k=15):
    """The test accuracy of a k-nearest-neighbour vote on the angle of each point alone
    (its direction from the origin): what a network that cannot see the input's scale can
    reach on `minibatch_data`."""
    X, Y, Xt, Yt = minibatch_data()
    k = check_int(k, "k", low=1)
    a, at = np.arctan2(X[1], X[0]), np.arctan2(Xt[1], Xt[0])
    d = np.abs(at[:, None] - a[None, :])
    d = np.minimum(d, 2 * np.pi - d)  # angles wrap around
    nearest = np.argsort(d, axis=1)[:, :k]
    vote = Y[0][nearest].mean(axis=1) > 0.5
    return float((vote == (Yt[0] > 0.5)).mean())


def input_scale_change(norm="layer", batch_size=32, seed=0, first_bias=False,
                       factors=(0.5, 3.0)):
    """The largest change of the trained network's test predictions when the raw inputs
    (not the constant row) are multiplied by each of `factors`. Without a first-layer bias,
    layer normalization makes Z{1}(c x) = c Z{1}(x) normalize to the same Zhat: the network
    sees only the direction of x, and the change is about 0."""
    net, _ = trained_minibatch_net(norm, batch_size, seed, None, MB_LR, first_bias)
    _, _, Xt, _ = minibatch_data()
    scaled = (with_bias_input if first_bias else (lambda X: X))
    base = net.predict(scaled(Xt))
    return float(max(np.abs(net.predict(scaled(c * Xt)) - base).max() for c in factors))


def _inference_loss(net, X, Y):
    """The mean loss in inference mode (running statistics for batch normalization)."""
    A = net.forward(X, training=False)
    return float(net._loss.output_value(net.cache["Z"][net.L], A, Y, net.activation_names[-1]))
