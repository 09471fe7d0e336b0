"""Batch normalization with real mini-batches: noisy statistics, small batches, the
train/test gap, and the two conventions for the running averages.

Chapter "Practical tips" uses it. In training each mini-batch is normalized by its own
mean and variance, which are estimates from B examples: their noise grows like 1/sqrt(B)
(`batch_mean_spread`). At inference the running averages replace them, so the network a
small batch trained is not the network that predicts (`minibatch_runs` measures the loss
in both modes). Layer normalization, which takes its statistics per example, has neither
problem (`backprop_lib.layernorm`).

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
from .train import train

__all__ = ["CONVENTIONS", "MiniBatchRun", "batch_mean_spread", "minibatch_data",
           "minibatch_runs", "running_update"]

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
MB_EPOCHS = 20
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


@functools.lru_cache(maxsize=64)
def minibatch_runs(norm="batch", batch_size=2, seed=0, epochs=MB_EPOCHS, lr=MB_LR):
    """Train a 2-16-16-1 ReLU network with batch ("batch") or layer ("layer") normalization
    by SGD on mini-batches of `batch_size`, and measure it on the test set."""
    norm = check_choice(norm, "norm", ("batch", "layer"))
    batch_size = check_int(batch_size, "batch_size", low=2)
    X, Y, Xt, Yt = minibatch_data()
    cls = BatchNormNetwork if norm == "batch" else LayerNormNetwork
    net = cls(MB_LAYERS, ["relu", "relu", "sigmoid"], "bce", init="he", seed=seed)
    h = train(net, X, Y, optimizers.SGD(lr), epochs=epochs, batch_size=batch_size, seed=seed,
              on_divergence="ignore")
    with np.errstate(all="ignore"):
        acc = float(((net.predict(Xt) > 0.5) == (Yt > 0.5)).mean())
        return MiniBatchRun(norm, batch_size, seed, _inference_loss(net, Xt, Yt), acc,
                            _batch_stats_loss(net, Xt, Yt, batch_size, seed),
                            _inference_loss(net, X, Y),
                            _batch_stats_loss(net, X, Y, batch_size, seed), h.diverged)


def _inference_loss(net, X, Y):
    """The mean loss in inference mode (running statistics for batch normalization)."""
    A = net.forward(X, training=False)
    return float(net._loss.output_value(net.cache["Z"][net.L], A, Y, net.activation_names[-1]))
