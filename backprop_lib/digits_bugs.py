"""A training loop written out, with a planted bug to find (chapter "The whole book at work:
handwritten digits", its last exercise).

`train_loop` is `train`'s loop in a dozen lines, for the chapter's digits network: shuffle,
cut into mini-batches, forward and backward, one Adam step each, then measure the epoch on
the training and validation splits. With `bug` it makes one of the mistakes of BUGS, each a
line of the loop written wrong:

* "test_statistics": the inputs are standardized with the *test* split's mean and standard
  deviation instead of the training split's (fit on the wrong data);
* "no_shuffle": the examples are never shuffled, and arrive sorted by label, as many data
  files store them: each epoch ends with a run of batches of one class;
* "accumulated_gradients": the gradient is added to a running total that is never reset
  (a forgotten zero_grad in PyTorch), so each step follows the sum of every gradient so far;
* "train_mode_eval": the batch-normalized network is evaluated in training mode, one example
  at a time: each example is normalized by its own statistics.

Chapter "Gradient checking" plants its bugs in the backward pass (`planted_bug`); these sit
in the loop around a correct backward pass, where a gradient check cannot see them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import digits as _digits
from . import digits_study as _study
from ._checks import check_choice, check_int, check_positive, check_seed
from .blas_threads import one_blas_thread
from .data import one_hot
from .optimizers import Adam
from .preprocessing import Standardizer
from .run_cache import memo

__all__ = ["BUGS", "LoopRun", "buggy_run", "train_loop"]

BUGS = ("test_statistics", "no_shuffle", "accumulated_gradients", "train_mode_eval")
#: The setting of every buggy run: the chapter's network at a rate inside its good range.
LR = 3e-3
EPOCHS = 20


@dataclass(frozen=True)
class LoopRun:
    """Per-epoch training and validation loss and accuracy of one run of `train_loop`."""

    bug: str | None
    train_loss: np.ndarray
    train_acc: np.ndarray
    val_loss: np.ndarray
    val_acc: np.ndarray


def _inputs(bug):
    s = _digits.split()
    fit_on = s.X_test if bug == "test_statistics" else s.X_train
    scaler = Standardizer().fit(fit_on)
    X, y = scaler.transform(s.X_train), s.y_train
    if bug == "no_shuffle":
        order = np.argsort(y, kind="stable")  # a file sorted by label
        X, y = X[:, order], y[order]
    return X, y, scaler.transform(s.X_val), s.y_val


def _evaluate(net, X, y, bug):
    if bug == "train_mode_eval":  # each example alone, with its own batch statistics
        Z = np.concatenate([net.forward(X[:, j:j + 1], training=True)
                            for j in range(X.shape[1])], axis=1)
    else:
        Z = _study.logits(net, X)
    logp = Z - Z.max(axis=0) - np.log(np.exp(Z - Z.max(axis=0)).sum(axis=0))
    return -float(logp[y, np.arange(y.size)].mean()), float((Z.argmax(axis=0) == y).mean())


def train_loop(bug=None, lr=LR, epochs=EPOCHS, seed=0):
    """Train the chapter's network (with batch normalization for "train_mode_eval") by the
    loop written out here, with the planted `bug` (one of BUGS, or None for none)."""
    if bug is not None:
        check_choice(bug, "bug", BUGS)
    lr, epochs = check_positive(lr, "lr"), check_int(epochs, "epochs", low=1)
    seed = check_seed(seed)
    X, y, X_val, y_val = _inputs(bug)
    Y = one_hot(y, _digits.CLASSES)
    net = _study.make_network(seed=seed, batchnorm=bug == "train_mode_eval")
    opt, rng = Adam(lr), np.random.default_rng(seed)
    total = None  # the accumulated gradient of "accumulated_gradients"
    record = {k: [] for k in ("train_loss", "train_acc", "val_loss", "val_acc")}
    m = X.shape[1]
    for _ in range(epochs):
        order = np.arange(m) if bug == "no_shuffle" else rng.permutation(m)
        for start in range(0, m, _study.BATCH):
            batch = order[start:start + _study.BATCH]
            _, grads = net.loss_and_gradients(X[:, batch], Y[:, batch])
            if bug == "accumulated_gradients":
                total = grads if total is None else {k: total[k] + g for k, g in grads.items()}
                grads = total
            opt.step(net.params, grads)
        for split, (Xs, ys) in (("train", (X, y)), ("val", (X_val, y_val))):
            loss, acc = _evaluate(net, Xs, ys, bug if split == "val" else None)
            record[f"{split}_loss"].append(loss)
            record[f"{split}_acc"].append(acc)
    return LoopRun(bug, *(np.array(v) for v in record.values()))


@memo(maxsize=len(BUGS) + 1)
def buggy_run(bug):
    """`train_loop(bug)` at the module's setting, cached (None: the loop without a bug), on
    one BLAS thread (`blas_threads`)."""
    with one_blas_thread():
        return train_loop(bug)
