"""The sanity checks of a training recipe, each a small computation.

Chapter "Practical tips" uses it (after Karpathy 2019 and the CS231n notes):

- the loss at initialization: a network that knows nothing yet predicts about 1/2 for
  a sigmoid output (binary cross-entropy ln 2) and about 1/C for each of C softmax
  classes (cross-entropy ln C). Far from that, the initial scale or the loss is wrong
  (`initial_loss`);
- overfit one small batch: a correct network and training loop drive the loss on a few
  examples to almost 0 (`steps_to_overfit`);
- the update/weight ratio lr ||dW{l}|| / ||W{l}|| of a step, about 1e-3 in a healthy layer
  (`update_ratios`);
- search the learning rate (and other settings) at random over log-uniform ranges, then
  coarse to fine (`random_search`, `grid_search`; Bergstra and Bengio 2012). A grid of
  k^d trials over d settings tries only k values of each; random draws try as many as
  there are trials, which pays when few of the settings matter. With two settings and nine
  trials, where the grid puts its points matters as much: `grid_search` places them at the
  ends of each range or at the centres of k equal cells of its logarithm.

With unbalanced classes a fresh network still starts near ln 2 (ln C): it predicts about
1/2 whatever the labels. The entropy of the base rate p is the loss of the best constant
prediction, the loss to beat, and the starting loss only if the output bias starts at
logit(p) = ln(p / (1 - p)) (`base_rate_entropy`, `initial_loss_unbalanced`).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from . import data, optimizers
from ._checks import check_int, check_positive, check_real, check_seed
from .network import Network
from .preprocessing import Standardizer
from .run_cache import memo
from .train import train

__all__ = ["SEARCH_BUDGET", "base_rate_entropy", "expected_initial_loss", "grid_search",
           "initial_loss", "initial_loss_unbalanced", "log_grid", "PLACEMENTS", "refine",
           "search_comparison",
           "random_search", "search_data", "search_trial", "steps_to_overfit",
           "update_ratios"]


def expected_initial_loss(loss, n_classes=2):
    """ln 2 for "bce" (a sigmoid output near 1/2), ln C for "softmax_ce" with C classes."""
    if loss == "bce":
        return math.log(2)
    if loss == "softmax_ce":
        return math.log(check_int(n_classes, "n_classes", low=2))
    raise ValueError(f"loss must be 'bce' or 'softmax_ce'; got {loss!r}")


def initial_loss(kind="bce", init="xavier", init_scale=1.0, seed=0):
    """The loss at initialization of a 2-16-16-n network with tanh hidden layers: "bce" on
    the two moons, "softmax_ce" on three spirals (both standardized)."""
    if kind == "bce":
        X, Y = data.two_moons(200, noise=0.2, seed=0)
        sizes, acts = [2, 16, 16, 1], ["tanh", "tanh", "sigmoid"]
    elif kind == "softmax_ce":
        X, Y = data.spirals(100, n_classes=3, seed=0)
        sizes, acts = [2, 16, 16, 3], ["tanh", "tanh", "identity"]
    else:
        raise ValueError(f"kind must be 'bce' or 'softmax_ce'; got {kind!r}")
    X = Standardizer().fit_transform(X)
    net = Network(sizes, acts, kind, init=init, init_scale=init_scale, seed=seed)
    return float(net.loss(X, Y))


def base_rate_entropy(p):
    """-p ln p - (1 - p) ln(1 - p): the binary cross-entropy of always predicting the base
    rate p, the best constant prediction (the loss a network must beat)."""
    p = check_real(p, "p", low=0.0, high=1.0, low_open=True, high_open=True)
    return float(-p * math.log(p) - (1 - p) * math.log(1 - p))


def initial_loss_unbalanced(p=0.1, bias_at_logit=False, m=2000, seed=0):
    """The loss at initialization of a 2-16-16-1 tanh network (Xavier) on inputs drawn from
    a standard normal with labels 1 for a fraction `p` of the examples. bias_at_logit: the
    output bias starts at ln(p / (1 - p)) instead of 0."""
    rng = np.random.default_rng(check_seed(seed))
    m = check_int(m, "m", low=1)
    X = rng.normal(size=(2, m))
    Y = (np.arange(m) < round(p * m)).astype(float).reshape(1, m)
    net = Network([2, 16, 16, 1], ["tanh", "tanh", "sigmoid"], "bce", init="xavier", seed=seed)
    if bias_at_logit:
        net.params["b3"][:] = math.log(p / (1 - p))
    return float(net.loss(X, Y))


def steps_to_overfit(seed=0, m=8, lr=1.0, target=1e-2, max_steps=3000):
    """Full-batch SGD steps until a 2-16-16-1 tanh network's loss on `m` examples of the
    moons falls below `target` (None if it does not in `max_steps`)."""
    check_seed(seed)
    m = check_int(m, "m", low=1)
    X, Y = data.two_moons(200, noise=0.2, seed=0)
    X = Standardizer().fit_transform(X)[:, :m]
    net = Network([2, 16, 16, 1], ["tanh", "tanh", "sigmoid"], "bce", init="xavier", seed=seed)
    opt = optimizers.SGD(check_positive(lr, "lr"))
    for step in range(max_steps):
        loss, grads = net.loss_and_gradients(X, Y[:, :m])
        if loss < target:
            return step
        opt.step(net.params, grads)
    return None


def update_ratios(net, X, Y, lr):
    """lr ||dW{l}|| / ||W{l}|| for each layer l of one SGD step at `lr`: an array."""
    lr = check_positive(lr, "lr")
    grads = net.gradients(X, Y)
    return np.array([lr * np.linalg.norm(grads[f"dW{l}"]) / np.linalg.norm(net.params[f"W{l}"])
                     for l in range(1, net.L + 1)])


# --------------------------------------------------------------------------- search

SEARCH_BUDGET = 9  # trials per search: a 3 x 3 grid, or 9 random draws
SEARCH_EPOCHS = 100
LR_RANGE = (1e-2, 1e1)  # searched log-uniformly
SCALE_RANGE = (0.25, 4.0)  # the initialization's scale, which matters less
SEARCH_SEEDS = (0, 1, 2, 3, 4)


@functools.lru_cache(maxsize=1)
def search_data():
    """Two moons: 200 to train, 200 to validate, standardized with training statistics."""
    X, Y = data.two_moons(400, noise=0.2, seed=3)
    s = Standardizer().fit(X[:, :200])
    return s.transform(X[:, :200]), Y[:, :200], s.transform(X[:, 200:]), Y[:, 200:]


@memo(maxsize=512)
def search_trial(lr, scale, seed=0):
    """The validation loss of a 2-16-16-1 tanh network trained for SEARCH_EPOCHS epochs of
    full-batch SGD at `lr` with Xavier weights times `scale` (inf if it diverged)."""
    X, Y, Xv, Yv = search_data()
    net = Network([2, 16, 16, 1], ["tanh", "tanh", "sigmoid"], "bce", init="xavier",
                  init_scale=scale, seed=seed)
    h = train(net, X, Y, optimizers.SGD(lr), epochs=SEARCH_EPOCHS, on_divergence="ignore")
    return math.inf if h.diverged else float(net.loss(Xv, Yv))


PLACEMENTS = ("ends", "centred")


def log_grid(lo, hi, n, placement="ends"):
    """n values evenly spaced in log between lo and hi. "ends": lo and hi included
    (numpy.geomspace); "centred": the centres of n equal cells of [log lo, log hi]."""
    if placement == "ends":
        return [float(v) for v in np.geomspace(lo, hi, n)]
    if placement == "centred":
        return [float(lo * (hi / lo) ** ((i + 0.5) / n)) for i in range(n)]
    raise ValueError(f"placement must be one of {PLACEMENTS}; got {placement!r}")


def grid_search(seed=0, budget=SEARCH_BUDGET, lr_range=LR_RANGE, scale_range=SCALE_RANGE,
                placement="ends"):
    """A k x k grid (k^2 = budget) over the two log ranges, its points at the ranges' ends or
    at the centres of equal log cells (`log_grid`): a list of (lr, scale, val_loss)."""
    k = math.isqrt(budget)
    return [(lr, s, search_trial(round(lr, 12), round(s, 12), seed))
            for lr in log_grid(*lr_range, k, placement)
            for s in log_grid(*scale_range, k, placement)]


def random_search(seed=0, budget=SEARCH_BUDGET, lr_range=LR_RANGE, scale_range=SCALE_RANGE,
                  draws=1000):
    """`budget` draws, each setting log-uniform in its range: a list of (lr, scale, loss).
    `seed` sets the weights; the settings come from a generator seeded `draws + seed`, so a
    second round with another `draws` makes new draws, not the first round's again."""
    rng = np.random.default_rng(check_int(draws, "draws", low=0) + check_seed(seed))
    out = []
    for _ in range(check_int(budget, "budget", low=1)):
        lr = float(np.exp(rng.uniform(*np.log(lr_range))))
        s = float(np.exp(rng.uniform(*np.log(scale_range))))
        out.append((lr, s, search_trial(round(lr, 12), round(s, 12), seed)))
    return out


def refine(trials, factor=3.0):
    """Coarse to fine: the ranges factor times around the best trial's settings."""
    lr, s, _ = min(trials, key=lambda t: t[2])
    return (lr / factor, lr * factor), (s / factor, s * factor)


def search_comparison(seed=0, budget=SEARCH_BUDGET):
    """The same budget searched four ways, then a second round: a dict of best validation
    losses,

    "grid": the grid with points at the ranges' ends; "centred": at the cells' centres;
    "random": `budget` random draws; "fine": those plus `budget` new draws in the ranges
    `refine` narrows around their best; "more": the control, those plus `budget` new draws
    in the first round's wide ranges (the same 2 x budget trials, no narrowing);
    and the number of distinct learning rates each first round tried.
    """
    runs = _searches(seed, budget)
    out = {key: min(t[2] for t in trials) for key, trials in runs.items()}
    return {**out, "grid_lrs": len({t[0] for t in runs["grid"]}),
            "random_lrs": len({t[0] for t in runs["random"]})}


def _searches(seed, budget):
    """The trials of each search of `search_comparison`: a dict key -> list of trials."""
    grid, rand = grid_search(seed, budget), random_search(seed, budget)
    centred = grid_search(seed, budget, placement="centred")
    lr_range, scale_range = refine(rand)
    fine = random_search(seed, budget, lr_range, scale_range, draws=2000)
    more = random_search(seed, budget, draws=2000)
    return {"grid": grid, "centred": centred, "random": rand, "fine": rand + fine,
            "more": rand + more}


SEARCH_TEST_SIZE = 2000  # fresh points on which each search's chosen trial is scored, once
SEARCH_TEST_SEED = 99  # the test points' seed (the training and validation points' is 3)


@functools.lru_cache(maxsize=1)
def search_test_data():
    """SEARCH_TEST_SIZE fresh moons (same noise), standardized with the training statistics:
    the test set no search saw."""
    X, Y = data.two_moons(400, noise=0.2, seed=3)
    s = Standardizer().fit(X[:, :200])
    Xt, Yt = data.two_moons(SEARCH_TEST_SIZE, noise=0.2, seed=SEARCH_TEST_SEED)
    return s.transform(Xt), Yt


def search_test_losses(seed=0, budget=SEARCH_BUDGET):
    """The test loss (on `search_test_data`) of the trial each search of `search_comparison`
    chose by its validation loss, retrained as it was: a dict with the same five keys."""
    Xt, Yt = search_test_data()
    X, Y, _, _ = search_data()
    out = {}
    for key, trials in _searches(seed, budget).items():
        lr, scale, _ = min(trials, key=lambda t: t[2])
        net = Network([2, 16, 16, 1], ["tanh", "tanh", "sigmoid"], "bce", init="xavier",
                      init_scale=round(scale, 12), seed=seed)
        h = train(net, X, Y, optimizers.SGD(round(lr, 12)), epochs=SEARCH_EPOCHS,
                  on_divergence="ignore")
        out[key] = math.inf if h.diverged else float(net.loss(Xt, Yt))
    return out
