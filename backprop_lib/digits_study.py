"""The experiment of chapter "The whole book at work: handwritten digits".

One classifier of the 8x8 digits (`backprop_lib.digits`), trained with the book's tools,
each chosen for the reason its chapter gives:

- inputs standardized per pixel with the training split's statistics only (chapter
  "Practical tips", `preprocessing.Standardizer`);
- a 64-64-10 network, ReLU hidden layer, He initialization (chapter "Vanishing and
  exploding gradients": it keeps the variance of a ReLU layer's sums at the start);
- softmax cross-entropy from the logits: last activation "identity", loss "softmax_ce"
  (chapter "The algorithm for L layers");
- Adam (chapter "Optimizers": its steps are set by the learning rate, whatever the
  gradient's scale, so one log-uniform search covers the sensible range);
- mini-batches of BATCH examples in a fresh random order every epoch (`train`);
- the learning rate chosen by random search on the validation split (`search`), for the
  plain network and for one with batch normalization (`batchnorm.BatchNormNetwork`),
  each at its own best rate.

`run` trains one network and records, after every epoch, the loss and accuracy on the whole
training and validation splits, measured in inference mode (running statistics for batch
normalization). The test split is read by `test_runs` alone, which the chapter calls once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from . import digits as _digits
from ._checks import check_choice, check_int, check_positive, check_seed
from .batchnorm import BatchNormNetwork
from .data import one_hot
from .losses import log_softmax
from .network import Network
from .optimizers import Adam
from .preprocessing import Standardizer
from .train import train

__all__ = ["BATCH", "EPOCHS", "FINAL_SEEDS", "FLOOR", "HIDDEN", "INITS", "LR_GRID", "Run",
           "Search", "SEARCH_RANGE", "SEARCH_RATES", "SEARCH_SEED", "SEARCH_SEEDS",
           "confusion", "evaluate", "final_runs", "make_network", "prepared", "run", "search",
           "test_runs"]

HIDDEN = 64
EPOCHS = 30
BATCH = 50
INIT = "he"
#: The random search: SEARCH_RATES learning rates drawn log-uniformly from SEARCH_RANGE
#: (seed SEARCH_SEED), one in each of SEARCH_RATES equal slices of its logarithm, so that no
#: stretch of the range goes unsampled; each rate is trained from every seed of SEARCH_SEEDS.
SEARCH_RANGE = (1e-4, 1.0)
SEARCH_RATES = 16
SEARCH_SEED = 11
SEARCH_SEEDS = (0, 1, 2)
#: The five seeds of the final runs, at each variant's best rate.
FINAL_SEEDS = (0, 1, 2, 3, 4)
#: The player's grid (Figure 2): learning rates and initializations, one seed (0).
LR_GRID = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
INITS = ("small", "xavier", "he")
#: The test accuracy the chapter states in advance, from the validation runs only: every
#: one of the five final runs reaches it on the test split (tests/test_claims_digits.py).
FLOOR = 0.94


@dataclass(frozen=True)
class Data:
    """The standardized splits the chapter trains and validates on (no test split)."""

    X_train: np.ndarray
    Y_train: np.ndarray  # one-hot, (10, m)
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    scaler: Standardizer


@functools.lru_cache(maxsize=1)
def prepared() -> Data:
    """The chapter's split with its inputs standardized by the training split's statistics."""
    s = _digits.split()
    scaler = Standardizer().fit(s.X_train)
    data = Data(scaler.transform(s.X_train), one_hot(s.y_train, _digits.CLASSES), s.y_train,
                scaler.transform(s.X_val), s.y_val, scaler)
    for a in (data.X_train, data.Y_train, data.X_val):
        a.setflags(write=False)
    return data


def make_network(init=INIT, seed=0, batchnorm=False):
    """The chapter's 64-64-10 network (ReLU, identity, softmax_ce), optionally with batch
    normalization before the hidden ReLU."""
    check_choice(init, "init", set(INITS) | {"lecun", "zeros"})
    if not isinstance(batchnorm, (bool, np.bool_)):
        raise TypeError(f"batchnorm must be True or False; got {batchnorm!r}")
    cls = BatchNormNetwork if batchnorm else Network
    return cls([_digits.SIDE ** 2, HIDDEN, _digits.CLASSES], activations=["relu", "identity"],
               loss="softmax_ce", init=init, seed=check_seed(seed))


def logits(net, X):
    """Z^[L] in inference mode: a BatchNormNetwork normalizes with its running statistics."""
    if isinstance(net, BatchNormNetwork):
        return net.forward(X, training=False)
    return net.forward(X)


def evaluate(net, X, y):
    """(mean softmax cross-entropy, accuracy) of `net` on the columns of X with labels y."""
    y = np.asarray(y)
    Z = logits(net, X)
    if y.shape != (Z.shape[1],):
        raise ValueError(f"y must hold one label per column of X ({Z.shape[1]}); got shape "
                         f"{y.shape}")
    logp = log_softmax(Z)
    loss = -float(logp[y, np.arange(y.size)].mean())
    return loss, float((Z.argmax(axis=0) == y).mean())


@dataclass
class Run:
    """One training run: per-epoch loss and accuracy on the training and validation splits
    (after each epoch, inference mode), and the trained network. Treat as read-only."""

    lr: float
    init: str
    seed: int
    batchnorm: bool
    train_loss: np.ndarray
    train_acc: np.ndarray
    val_loss: np.ndarray
    val_acc: np.ndarray
    grad_norms: np.ndarray  # (epochs, L): mean ||dW{l}|| per epoch, from train's History
    diverged: bool
    net: object

    @property
    def final_val_acc(self) -> float:
        return float(self.val_acc[-1]) if len(self.val_acc) else float("nan")


def run(lr, init=INIT, seed=0, batchnorm=False, epochs=EPOCHS, monitor=None):
    """Train the chapter's network with Adam(lr) for `epochs` epochs of mini-batches of BATCH
    and return its Run. Cached when no monitor is given (the figures, the search and the
    exercises share runs). monitor: a callback(epoch, net, history), e.g. a GradientMonitor,
    called after each epoch as well."""
    lr = check_positive(lr, "lr")
    epochs = check_int(epochs, "epochs", low=1)
    if monitor is not None and not callable(monitor):
        raise TypeError(f"monitor must be a callback(epoch, net, history) or None; got "
                        f"{monitor!r}")
    if monitor is None:
        return _cached_run(float(lr), init, check_seed(seed), bool(batchnorm), epochs)
    return _run(float(lr), init, check_seed(seed), bool(batchnorm), epochs, monitor)


@functools.lru_cache(maxsize=1024)
def _cached_run(lr, init, seed, batchnorm, epochs):
    return _run(lr, init, seed, batchnorm, epochs, None)


def _run(lr, init, seed, batchnorm, epochs, monitor):
    d = prepared()
    net = make_network(init, seed, batchnorm)
    record = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}

    def after_epoch(epoch, net, history):
        for split, X, y in (("train", d.X_train, d.y_train), ("val", d.X_val, d.y_val)):
            loss, acc = evaluate(net, X, y)
            record[f"{split}_loss"].append(loss)
            record[f"{split}_acc"].append(acc)
        return bool(monitor(epoch, net, history)) if monitor is not None else False

    history = train(net, d.X_train, d.Y_train, optimizer=Adam(lr), epochs=epochs,
                    batch_size=BATCH, seed=seed, callback=after_epoch, on_divergence="ignore")
    return Run(lr, init, seed, batchnorm, *(np.array(record[k]) for k in record),
               history.grad_norms, history.diverged, net)


@dataclass(frozen=True)
class Search:
    """A random search: rates (sorted); val_loss[i, j] and val_acc[i, j] the validation loss
    and accuracy after the last epoch at rate i from seed SEARCH_SEEDS[j]. The best rate is
    the one of lowest mean validation loss: the loss sees what accuracy cannot, a network
    whose confident predictions are confidently wrong."""

    batchnorm: bool
    rates: np.ndarray
    val_acc: np.ndarray
    val_loss: np.ndarray

    @property
    def mean_acc(self) -> np.ndarray:
        return self.val_acc.mean(axis=1)

    @property
    def mean_loss(self) -> np.ndarray:
        return self.val_loss.mean(axis=1)

    @property
    def best(self) -> int:
        return int(np.argmin(self.mean_loss))

    @property
    def best_rate(self) -> float:
        return float(self.rates[self.best])


def search_rates(n=SEARCH_RATES, low=SEARCH_RANGE[0], high=SEARCH_RANGE[1], seed=SEARCH_SEED):
    """n learning rates drawn log-uniformly from [low, high], one from each of n equal slices
    of [log low, log high] (stratified random search), sorted."""
    n = check_int(n, "n", low=1)
    low, high = check_positive(low, "low"), check_positive(high, "high")
    if not low < high:
        raise ValueError(f"low must be below high; got {low} and {high}")
    rng = np.random.default_rng(check_seed(seed))
    edges = np.linspace(np.log(low), np.log(high), n + 1)
    return np.exp(rng.uniform(edges[:-1], edges[1:]))


@functools.lru_cache(maxsize=4)
def search(batchnorm=False):
    """The random search of the learning rate on the validation split (chapter "Practical
    tips"): the same rates for both variants, each from every seed of SEARCH_SEEDS."""
    rates = search_rates()
    runs = [[run(lr, INIT, s, batchnorm) for s in SEARCH_SEEDS] for lr in rates]
    acc = np.array([[r.final_val_acc for r in row] for row in runs])
    loss = np.array([[r.val_loss[-1] for r in row] for row in runs])
    return Search(bool(batchnorm), rates, acc, loss)


def final_runs(batchnorm=False):
    """The runs from FINAL_SEEDS at the variant's best searched rate."""
    lr = search(batchnorm).best_rate
    return [run(lr, INIT, s, batchnorm) for s in FINAL_SEEDS]


def chosen_variant():
    """True (batch normalization) if its five final runs' mean validation accuracy is higher
    than the plain network's, else False: the choice is made on the validation split."""
    plain = np.mean([r.final_val_acc for r in final_runs(False)])
    bn = np.mean([r.final_val_acc for r in final_runs(True)])
    return bool(bn > plain)


def validation_floor(accuracies, m=None, z=2.0):
    """The lowest accuracy less z standard errors of an accuracy measured on m examples
    (the test split's size): a floor the test accuracy should clear, read from validation."""
    acc = np.asarray(accuracies, dtype=float)
    m = _digits.SIZES[2] if m is None else check_int(m, "m", low=1)
    p = acc.min()
    return float(p - z * np.sqrt(p * (1 - p) / m))


@dataclass(frozen=True)
class TestResult:
    """The one evaluation on the test split: per seed accuracy and predictions."""

    batchnorm: bool
    lr: float
    accuracy: np.ndarray  # one per FINAL_SEEDS
    predictions: np.ndarray  # (seeds, m_test)
    y: np.ndarray
    X_raw: np.ndarray  # the test images, unscaled, for showing


def test_runs(batchnorm=None):
    """Evaluate the five final runs of the chosen variant (or of `batchnorm`) on the test
    split, standardized with the training split's statistics. The chapter calls it once."""
    if batchnorm is None:
        batchnorm = chosen_variant()
    s = _digits.split()
    X = prepared().scaler.transform(s.X_test)
    runs = final_runs(batchnorm)
    preds = np.array([logits(r.net, X).argmax(axis=0) for r in runs])
    return TestResult(bool(batchnorm), runs[0].lr, (preds == s.y_test).mean(axis=1), preds,
                      s.y_test, s.X_test)


def confusion(y_true, y_pred, n_classes=_digits.CLASSES):
    """C[i, j]: how many examples of class i were predicted as class j."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-D of the same length; got shapes "
                         f"{y_true.shape} and {y_pred.shape}")
    C = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(C, (y_true, y_pred), 1)
    return C
