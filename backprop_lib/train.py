"""The training loop: forward, loss, backward, step, repeated, with a record of each epoch.

Chapter "The algorithm for L layers" trains with it; chapter "Vanishing and exploding
gradients" reads its per-layer gradient norms. An epoch is one pass over the data, in
mini-batches of `batch_size` examples drawn in a seeded random order (the whole set,
in order, when batch_size is None).

Divergence: when the loss or a gradient stops being finite, or the loss grows past
`divergence_factor` times max(first loss, 1), training stops, `history.diverged` is set,
and one DivergenceWarning says so (NumPy's overflow warnings are silenced meanwhile,
so a slider pushed too far shows one clear message, not a flood). The network is left
with the last parameters whose loss was finite, so it can still be evaluated. The loss
judged is the network's true loss (binary cross-entropy from the logits, see losses): a
large but finite loss that training recovers from is not mistaken for divergence.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import optimizers as _optimizers
from ._checks import check_choice, check_int, check_positive, check_seed, describe
from .clipping import clip_by_norm


class DivergenceWarning(UserWarning):
    """Training stopped because the loss or the gradients stopped being finite or exploded."""


@dataclass
class History:
    """What `train` records: one entry per completed epoch."""

    loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    grad_norms: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (epochs, L)
    diverged: bool = False
    stopped_epoch: int | None = None  # the epoch in which divergence was detected
    message: str = ""

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1]) if len(self.loss) else float("nan")


def train(
    net,
    X,
    Y,
    optimizer=None,
    epochs=100,
    batch_size=None,
    seed=0,
    clip_norm=None,
    divergence_factor=1e4,
    on_divergence="warn",
    callback=None,
) -> History:
    """Train `net` on (X, Y) in place and return its History.

    optimizer: any backprop_lib.optimizers.Optimizer (default SGD(lr=0.1)).
    history.loss[e]: the mean of the mini-batch losses of epoch e, each measured just
    before its update. history.grad_norms[e, l-1]: the mean over epoch e's mini-batches
    of ||dW{l}|| (Frobenius norm), measured before clipping.
    clip_norm: if given, rescale all gradients together so their global norm is at most it.
    on_divergence: "warn" (one DivergenceWarning), "ignore" or "raise" (FloatingPointError).
    callback(epoch, net, history): called after every completed epoch; return True to stop.
    """
    X, Y = net.check_data(X, Y)
    if optimizer is None:
        optimizer = _optimizers.SGD(lr=0.1)
    if not isinstance(optimizer, _optimizers.Optimizer):
        raise TypeError(
            "optimizer must be a backprop_lib.optimizers optimizer such as SGD(lr=0.1); "
            f"got {describe(optimizer)}"
        )
    epochs = check_int(epochs, "epochs", low=1)
    m = X.shape[1]
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", low=1)
        if batch_size > m:
            raise ValueError(f"batch_size must be at most the number of examples {m}; "
                             f"got {batch_size}")
    _check_batchnorm_batches(net, m, batch_size)
    if clip_norm is not None:
        clip_norm = check_positive(clip_norm, "clip_norm")
    divergence_factor = check_positive(divergence_factor, "divergence_factor")
    check_choice(on_divergence, "on_divergence", {"warn", "ignore", "raise"})
    if callback is not None and not callable(callback):
        raise TypeError(
            f"callback must be a function callback(epoch, net, history) or None; "
            f"got {describe(callback)}"
        )
    rng = np.random.default_rng(check_seed(seed))

    losses, norms = [], []
    saved, pairs = {}, []
    # Optimizers that keep the base class's step validate its arguments, which cost more
    # than a small network's update; the first step validates, later ones skip it.
    fast_step, stepped = type(optimizer).step is _optimizers.Optimizer.step, False
    history = History()
    limit = None
    dW_names = [f"dW{l}" for l in range(1, net.L + 1)]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for epoch in range(epochs):
            order = rng.permutation(m) if batch_size else None
            size = batch_size or m
            batch_losses, batch_norms = [], []
            for start in range(0, m, size):
                if order is None:
                    Xb, Yb = X, Y
                else:
                    idx = order[start : start + size]
                    Xb, Yb = X[:, idx], Y[:, idx]
                loss, grads = net.loss_and_gradients(Xb, Yb, checked=True)
                if limit is None:
                    limit = divergence_factor * max(loss, 1.0) if math.isfinite(loss) else 0.0
                gnorms = [_frobenius(grads[name]) for name in dW_names]
                if not (math.isfinite(loss) and loss <= limit
                        and all(map(math.isfinite, gnorms))):
                    history.diverged, history.stopped_epoch = True, epoch
                    history.message = _divergence_message(epoch, loss, limit, optimizer)
                    for name, w in saved.items():  # back to the last finite parameters
                        np.copyto(net.params[name], w)
                    break
                if not saved:
                    saved = {name: np.empty_like(w) for name, w in net.params.items()}
                    pairs = [(saved[name], w) for name, w in net.params.items()]
                for dst, w in pairs:  # keep these: their loss was finite
                    np.copyto(dst, w)
                if clip_norm is not None:
                    grads = clip_by_norm(grads, clip_norm)
                if fast_step and stepped:  # the first step checked names and shapes
                    optimizer._step(net.params, grads)
                else:
                    optimizer.step(net.params, grads)
                    stepped = True
                batch_losses.append(loss)
                batch_norms.append(gnorms)
            if history.diverged:
                break
            if len(batch_losses) == 1:  # full batch: the mean of one value is that value
                losses.append(float(batch_losses[0]))
                norms.append(np.array(batch_norms[0], dtype=float))
            else:
                losses.append(float(np.mean(batch_losses)))
                norms.append(np.mean(batch_norms, axis=0))
            if callback is not None:
                history.loss, history.grad_norms = np.array(losses), np.array(norms)
                if callback(epoch, net, history):
                    break
    history.loss = np.array(losses)
    history.grad_norms = np.array(norms).reshape(len(losses), net.L)
    if history.diverged:
        if on_divergence == "raise":
            raise FloatingPointError(history.message)
        if on_divergence == "warn":
            warnings.warn(history.message, DivergenceWarning, stacklevel=2)
    return history


def _check_batchnorm_batches(net, m, batch_size):
    """Refuse, before any parameter moves, mini-batches that batch normalization cannot
    normalize: a batch of one example has no variance."""
    from .batchnorm import BatchNormNetwork  # here: batchnorm builds on network, not train

    if not isinstance(net, BatchNormNetwork):
        return
    size = batch_size or m
    last = m % size or size
    if min(size, last) < 2:
        raise ValueError(
            f"batch_size={batch_size} with m={m} examples leaves a mini-batch of "
            f"{min(size, last)} example; batch normalization needs at least 2 examples in "
            f"every mini-batch (a batch of one has no variance): choose a batch_size >= 2 "
            f"whose remainder m % batch_size is not 1"
        )


def _frobenius(g) -> float:
    """||g|| as numpy.linalg.norm(g) computes it (sqrt of the dot product of the raveled
    array with itself), without its argument handling, which costs more than the sum."""
    x = g.ravel()
    return float(np.sqrt(x.dot(x)))


def _divergence_message(epoch, loss, limit, optimizer):
    if not np.isfinite(loss):
        what = "the loss became not finite"
    elif loss > limit:
        what = f"the loss grew to {loss:.3g}, above {limit:.3g}"
    else:
        what = "a gradient became not finite"
    lr = getattr(optimizer, "lr", None)
    hint = f"; try a learning rate below {lr:g}" if lr is not None else ""
    return f"training diverged in epoch {epoch}: {what}{hint}"
