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
normalization). It trains on one BLAS thread (`blas_threads.one_blas_thread`: the products
are too small for two). The final runs start from FINAL_SEEDS, none of which the search
used, so the runs that chose the rate do not also vouch for it. `stated_floor` turns their
validation accuracies into the test accuracy the chapter promises, before the test split is
read; the test split's labels are read by `test_runs` alone, which the chapter calls once.
(After that, Exercise 4's planted bug "test_statistics", `digits_bugs`, fits a Standardizer
on the test images, without their labels, to show that mistake's effect; nothing is chosen
by it.)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from . import digits as _digits
from ._checks import check_choice, check_int, check_positive, check_seed
from .batchnorm import BatchNormNetwork
from .blas_threads import one_blas_thread
from .data import one_hot
from .losses import log_softmax
from .network import Network
from .optimizers import Adam
from .preprocessing import Standardizer
from .run_cache import memo
from .train import train

__all__ = ["BATCH", "EPOCHS", "FINAL_SEEDS", "FLOOR_STEP", "FLOOR_Z", "Floor", "HIDDEN", "INITS",
           "LR_GRID", "Paired", "Run", "Search", "SEARCH_RANGE", "SEARCH_RATES", "SEARCH_SEED",
           "SEARCH_SEEDS", "SPREAD_SEEDS", "Change", "confusion", "evaluate", "final_runs",
           "floor_rule", "make_network", "paired_change", "paired_difference", "prepared", "run",
           "search", "searched_correct", "stated_floor", "test_runs"]

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
#: The five seeds of the final runs, at each variant's best rate: fresh, none of SEARCH_SEEDS.
FINAL_SEEDS = (3, 4, 5, 6, 7)
#: Five seeds for what the search did not choose but the text reports (the spread of Figure
#: 3's large rates, of the gradient check, of the monitor): the search's three and two more.
SPREAD_SEEDS = (0, 1, 2, 3, 4)
#: The player's grid (Figure 4): learning rates and initializations, one seed (0).
LR_GRID = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
INITS = ("small", "xavier", "he")
#: The rule of the stated floor (`floor_rule`): FLOOR_Z standard errors of the difference
#: between a validation and a test accuracy below the lowest validation accuracy, rounded
#: down to a multiple of FLOOR_STEP (a whole per cent).
FLOOR_Z = 2.0
FLOOR_STEP = 0.01


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


@memo(maxsize=1024)
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

    with one_blas_thread():
        history = train(net, d.X_train, d.Y_train, optimizer=Adam(lr), epochs=epochs,
                        batch_size=BATCH, seed=seed, callback=after_epoch,
                        on_divergence="ignore")
    return Run(lr, init, seed, batchnorm, *(np.array(record[k]) for k in record),
               history.grad_norms, history.diverged, net)


@dataclass(frozen=True)
class Search:
    """A random search: rates (sorted); val_loss[i, j] and val_acc[i, j] the validation loss
    and accuracy after the last epoch at rate i from seed seeds[j]. The best rate is
    the one of lowest mean validation loss: the loss sees what accuracy cannot, a network
    whose confident predictions are confidently wrong."""

    batchnorm: bool
    rates: np.ndarray
    val_acc: np.ndarray
    val_loss: np.ndarray
    seeds: tuple = SEARCH_SEEDS

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


def search(batchnorm=False, seeds=SEARCH_SEEDS):
    """The random search of the learning rate on the validation split (chapter "Practical
    tips"): the same rates for both variants, each from every seed of `seeds`. The chapter
    chooses with SEARCH_SEEDS; SPREAD_SEEDS gives the same rates from five seeds, for the
    spread the text reports."""
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be a sequence of seeds, e.g. {SEARCH_SEEDS}; got "
                        f"{seeds!r}")
    seeds = tuple(check_seed(s, "seeds") for s in seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    return _search(bool(batchnorm), seeds)


@memo(maxsize=8)
def _search(batchnorm, seeds):
    rates = search_rates()
    runs = [[run(lr, INIT, s, batchnorm) for s in seeds] for lr in rates]
    acc = np.array([[r.final_val_acc for r in row] for row in runs])
    loss = np.array([[r.val_loss[-1] for r in row] for row in runs])
    return Search(batchnorm, rates, acc, loss, seeds)


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


@dataclass(frozen=True)
class Paired:
    """The two variants' final runs scored on the same validation images. diff: the mean
    accuracy with batch normalization minus without (over FINAL_SEEDS); se: its standard
    error from image to image, from the per-image paired differences; se_single: the
    binomial standard error of one accuracy near theirs on the same number of images;
    disagree: per seed, the fraction of images on which the two networks differ in
    correctness."""

    diff: float
    se: float
    se_single: float
    disagree: np.ndarray


def paired_difference() -> Paired:
    """Compare the two variants' final runs image by image on the validation split.

    Each image i gets d_i, the fraction of the five runs with batch normalization that
    classify it right minus that fraction without; the mean of d_i is the difference of the
    two five-run mean accuracies, and its standard error over the images is
    std(d_i) / sqrt(m). Images both get right (or both wrong) add nothing to it, so it is
    far below the error of a single accuracy: the difference is measured on the images on
    which the two disagree."""
    d = prepared()
    correct = {bn: np.array([logits(r.net, d.X_val).argmax(axis=0) == d.y_val
                             for r in final_runs(bn)], dtype=float) for bn in (False, True)}
    per_image = correct[True].mean(axis=0) - correct[False].mean(axis=0)
    m = per_image.size
    p = float(np.mean([c.mean() for c in correct.values()]))
    return Paired(float(per_image.mean()), float(per_image.std(ddof=1) / np.sqrt(m)),
                  float(np.sqrt(p * (1 - p) / m)),
                  (correct[True] != correct[False]).mean(axis=1))


@dataclass(frozen=True)
class Change:
    """How one network's validation accuracy moved to another's, image by image (chapter 11,
    Exercise 5). diff: the change in accuracy; se: its standard error from the per-image
    differences; gained, lost: the images only the second network classifies right, and only
    the first."""

    diff: float
    se: float
    gained: int
    lost: int


def paired_change(before, after) -> Change:
    """Compare Run `after` with Run `before` on the same validation images, as
    paired_difference compares the two variants: each image i gets d_i = 1 if only `after`
    classifies it right, -1 if only `before` does, 0 otherwise; diff is the mean of d_i and
    se = std(d_i) / sqrt(m). Only the images on which the two disagree (gained + lost of them)
    carry the change, so with few of them even a rise of a few images is within the noise."""
    if not isinstance(before, Run) or not isinstance(after, Run):
        raise TypeError(f"before and after must be Runs (from run()); got "
                        f"{type(before).__name__} and {type(after).__name__}")
    d = prepared()
    right = [logits(r.net, d.X_val).argmax(axis=0) == d.y_val for r in (before, after)]
    per_image = right[1].astype(float) - right[0].astype(float)
    return Change(float(per_image.mean()), float(per_image.std(ddof=1) / np.sqrt(per_image.size)),
                  int(np.sum(per_image > 0)), int(np.sum(per_image < 0)))


@dataclass(frozen=True)
class Floor:
    """The stated floor and how it came: p the lowest validation accuracy, se_val and se_test
    the standard errors of an accuracy near p measured on the validation and on the test
    split, se their combination, raw = p - z se, floor = raw rounded down to a multiple of
    step."""

    p: float
    se_val: float
    se_test: float
    se: float
    z: float
    step: float
    raw: float
    floor: float


def floor_rule(accuracies, m_val=None, m_test=None, z=FLOOR_Z, step=FLOOR_STEP) -> Floor:
    """The test accuracy to promise from validation accuracies alone.

    A run's validation and test accuracies are two independent estimates of its accuracy
    on new digits of these writers, from m_val and m_test examples (default: the splits'
    SIZES, which are fixed in advance, not read from the test data). Their difference has
    the standard error sqrt(p(1-p)/m_val + p(1-p)/m_test), at the lowest validation
    accuracy p; the floor is z of those below p, rounded down to a multiple of `step`. It
    still ignores the optimism of p after choosing the rate and the variant on the same
    validation images, which the rounding down and the lowest of the runs only partly cover.
    """
    acc = np.asarray(accuracies, dtype=float)
    if acc.ndim != 1 or acc.size == 0 or not np.all((acc >= 0) & (acc <= 1)):
        raise ValueError(f"accuracies must be a non-empty 1-D list of values in [0, 1]; "
                         f"got {acc!r}")
    m_val = _digits.SIZES[1] if m_val is None else check_int(m_val, "m_val", low=1)
    m_test = _digits.SIZES[2] if m_test is None else check_int(m_test, "m_test", low=1)
    z, step = check_positive(z, "z"), check_positive(step, "step")
    p = float(acc.min())
    se_val, se_test = (float(np.sqrt(p * (1 - p) / m)) for m in (m_val, m_test))
    se = float(np.hypot(se_val, se_test))
    raw = p - z * se
    floor = float(np.floor(round(raw / step, 9)) * step)  # round(): 0.93/0.01 is 92.99...
    return Floor(p, se_val, se_test, se, float(z), float(step), raw, round(floor, 12))


def stated_floor() -> Floor:
    """The chapter's stated result: `floor_rule` applied to the validation accuracies of the
    chosen variant's five final runs. It reads the validation split only."""
    return floor_rule([r.final_val_acc for r in final_runs(chosen_variant())])


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


def searched_correct():
    """(settings, m_val) booleans: whether each network of both searches (every rate, every
    seed of SEARCH_SEEDS, without and with batch normalization) classified each validation
    image right; for `selection_bias.optimism`."""
    d = prepared()
    rows = [logits(run(lr, INIT, s, bn).net, d.X_val).argmax(axis=0) == d.y_val
            for bn in (False, True) for lr in search(bn).rates for s in SEARCH_SEEDS]
    return np.array(rows)
