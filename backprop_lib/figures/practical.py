"""Figures of chapter "Practical tips": normalization, learning-rate sweep, monitoring,
batch normalization.

- `normalization_runs` / `draw_normalization` (static): the two-moons data with its second
  feature recorded in millimetres, normalized with one scalar (a common recipe's
  (X - X.mean()) / X.std()) and per feature, and the training loss for raw, one-scalar and
  per-feature inputs.
- `lr_compute` / `lr_draw` / `lr_show` (interactive: learning rate, initialization, init
  scale): final training loss against the learning rate for three initializations at init
  scale 1 (seed 0, computed once), the chosen run marked on it, and the loss curve of the
  chosen setting. The chapter's table prints the chaotic cells of that sweep (`is_chaotic`:
  the final loss moves when the initial weights change in their 12th digit) without any
  single run (`sweep_cell`): breakdowns in words and as ranges over NUDGES, where the rest
  end over SWEEP_SEEDS x NUDGES; the edge is the majority over nudged copies (`edge_votes`).
  Each frame trains one network, never a whole sweep. No run of the sweep is flagged as
  diverged (the tanh layers bound the output's growth to linear, see `sweep_edges`; that
  it stays under `train`'s threshold is measured, `sweep_max_loss`); at its top training
  breaks down instead, and the frame says so.
- `monitor_runs` / `draw_monitor` (static): per-layer gradient norms recorded by
  `backprop_lib.monitor.GradientMonitor` for a healthy and an unhealthy network.
- `bn_compute` / `bn_draw` / `bn_show` (interactive: learning rate, initialization): a deep
  ReLU network trained with and without batch normalization.

Compute functions are pure and cached; draw functions update their artists in place.
"""

from __future__ import annotations

import collections
import functools
import inspect
import math
from dataclasses import dataclass

import numpy as np

from .. import data, optimizers, plots
from .. import interactive as ia
from .._checks import check_choice, check_positive, check_real
from ..batchnorm import BatchNormNetwork
from ..monitor import GradientMonitor, scaled_loss
from ..network import Network
from ..plots import BLACK, BLUE, GREEN, ORANGE, PURPLE, SKY, VERMILLION, WARNING_COLOR
from ..preprocessing import Standardizer
from ..run_cache import memo
from ..train import train
from .notebook import as_image, markdown_table  # noqa: F401 - the chapter imports them from here

INITS = ("small", "xavier", "he")
INIT_COLORS = {"small": VERMILLION, "xavier": BLUE, "he": GREEN}

# --------------------------------------------------------------------------- data


def scaled_moons(m=300, m_train=200, noise=0.15, seed=0, mm=1000.0, offset=3000.0):
    """Two moons whose second feature is recorded in millimetres (times `mm`, plus `offset`).

    Returns (X_train, Y_train, X_test, Y_test): the first m_train examples train, the rest test.
    """
    X, Y = data.two_moons(m, noise=noise, seed=seed)
    X = X.copy()
    X[1] = X[1] * mm + offset
    return X[:, :m_train], Y[:, :m_train], X[:, m_train:], Y[:, m_train:]


@functools.lru_cache(maxsize=1)
def standard_moons():
    """The two moons (200 examples), standardized per feature: the data of the sweeps."""
    X, Y = data.two_moons(200, noise=0.15, seed=0)
    X = Standardizer().fit_transform(X)
    X.flags.writeable = False
    return X, Y


def accuracy(net, X, Y) -> float:
    """The fraction of examples whose predicted probability is on the right side of 0.5."""
    with np.errstate(all="ignore"):
        P = net.predict(X)
    return float(((P > 0.5) == (Y > 0.5)).mean())


# --------------------------------------------------------------------------- normalization


@dataclass(frozen=True)
class NormRun:
    """One way of preparing the inputs, and what training on them gave."""

    name: str
    X_train: np.ndarray  # the training inputs as the network saw them
    loss: np.ndarray  # history.loss
    test_accuracy: float
    diverged: bool


NORM_LABELS = {"raw": "raw inputs", "one_scalar": "one scalar for all features",
               "per_feature": "per feature"}


NORM_LAYERS = (2, 8, 8, 1)  # the network of the normalization comparison (tanh, sigmoid output)
NORM_LR = 0.5
NORM_EPOCHS = 300


@memo(maxsize=8)
def normalization_runs(lr=NORM_LR, epochs=NORM_EPOCHS, seed=0):
    """Train the same NORM_LAYERS tanh network on raw, one-scalar and per-feature inputs.

    Statistics come from the training set only and are applied to the test set.
    Returns a dict name -> NormRun, names "raw", "one_scalar", "per_feature".
    """
    lr = check_positive(lr, "lr")
    X_tr, Y_tr, X_te, Y_te = scaled_moons()
    runs = {}
    for name in NORM_LABELS:
        if name == "raw":
            A, B = X_tr, X_te
        else:
            s = Standardizer(per_feature=(name == "per_feature")).fit(X_tr)
            A, B = s.transform(X_tr), s.transform(X_te)
        net = Network(list(NORM_LAYERS), ["tanh", "tanh", "sigmoid"], "bce", init="xavier",
                      seed=seed)
        h = train(net, A, Y_tr, optimizers.SGD(lr), epochs=epochs, on_divergence="ignore")
        runs[name] = NormRun(name, A, h.loss, accuracy(net, B, Y_te), h.diverged)
    return runs


def draw_normalization(fig, runs):
    """Three panels: the data normalized with one scalar, per feature, and the loss curves."""
    ax1, ax2, ax3 = fig.subplots(1, 3)
    for ax, name in ((ax1, "one_scalar"), (ax2, "per_feature")):
        X = runs[name].X_train
        _, Y, _, _ = scaled_moons()
        for k, colour in ((0, BLUE), (1, ORANGE)):
            sel = Y[0] == k
            ax.scatter(X[0, sel], X[1, sel], s=6, color=colour, label=f"class {k}")
        ax.set_xlim(-3, 3)
        ax.set_ylim(-3, 3)
        ax.set_aspect("equal")
        ax.set_title(NORM_LABELS[name])
        ax.set_xlabel("feature 1 (normalized)")
    ax1.set_ylabel("feature 2 (normalized)")
    ax1.legend(loc="lower left", fontsize=7, markerscale=2)
    styles = {"raw": (BLACK, ":"), "one_scalar": (VERMILLION, "--"), "per_feature": (BLUE, "-")}
    for name, run in runs.items():
        colour, ls = styles[name]
        ax3.plot(np.arange(len(run.loss)), run.loss, color=colour, linestyle=ls,
                 label=NORM_LABELS[name])
    ax3.set_yscale("log")
    ax3.set_xlabel("epoch")
    ax3.set_ylabel("training loss (BCE)")
    ax3.legend(fontsize=7, loc="lower left")
    return fig


# --------------------------------------------------------------------------- learning-rate sweep

SWEEP_LRS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)  # 30: where training breaks down
SWEEP_EPOCHS = 100
LR_CONTROLS = [
    ia.LogSlider("lr", list(SWEEP_LRS), default=0.3, label="learning rate"),
    ia.Choice("init", list(INITS), default="xavier", label="initialization"),
    ia.Slider("scale", [0.5, 1.0, 2.0], default=1.0, label="init scale"),
]
LR_JOINT = ("lr", "init")


NUDGE = 1e-12  # the relative change of the initial weights of a `nudged` run


def _nudge(net, nudge):
    """Multiply every initial parameter by (1 + nudge * NUDGE): a change in the 12th digit,
    a stand-in for another CPU's rounding (whose kernels differ in the last bits)."""
    if nudge:
        net.set_params({k: w * (1 + nudge * NUDGE) for k, w in net.params.items()})
    return net


@memo(maxsize=4096)
def train_moons(lr, init, scale, epochs=SWEEP_EPOCHS, seed=0, nudge=0):
    """Train a 2-16-16-1 tanh network (BCE, full-batch SGD) on the standardized moons.

    seed: the weights' seed (the chapter's table and figure use 0); nudge: an integer k,
    the initial weights times (1 + k * NUDGE) (0: as drawn). Returns (history, net).
    Divergence is recorded in the history, never warned.
    """
    lr = check_positive(lr, "lr")
    init = check_choice(init, "init", INITS)
    scale = check_real(scale, "scale", low=0.0, low_open=True)
    X, Y = standard_moons()
    net = _nudge(Network([2, 16, 16, 1], ["tanh", "tanh", "sigmoid"], "bce", init=init,
                         init_scale=scale, seed=seed), nudge)
    return train(net, X, Y, optimizers.SGD(lr), epochs=epochs, on_divergence="ignore"), net


def final_loss(history) -> float:
    """The last epoch's loss, or NaN when training diverged."""
    return float("nan") if history.diverged else history.final_loss


@memo(maxsize=8)
def sweep(scale=1.0, lrs=SWEEP_LRS, inits=INITS):
    """Final loss for every (init, lr): a dict init -> array over lrs (NaN where diverged)."""
    return {init: np.array([final_loss(train_moons(lr, init, scale)[0]) for lr in lrs])
            for init in inits}


FAIL_LOSS = math.log(2)  # the loss of answering one half for every example (balanced classes)


def broke_down(history) -> bool:
    """Whether a run of the sweep failed: it diverged, or its final loss is above both ln 2
    (worse than answering one half for everything) and its first loss (training made it
    worse). A run stuck at ln 2 from the start, as "small" at low rates, has not broken down.
    """
    return history.diverged or history.final_loss > max(FAIL_LOSS, history.loss[0])


def sweep_edges(runs, lrs=SWEEP_LRS):
    """From a dict init -> the histories of a sweep over `lrs` (`sweep_runs`): (the best
    learning rate of each init, by final loss; the edge: the smallest learning rate at which
    some init, at a rate above its own best, broke down (`broke_down`: diverged, or ended
    above both ln 2 and its first loss); None if none did).

    On the chapter's 2-16-16-1 tanh network the loss cannot grow faster than linearly: |z|
    of the output is at most the sum of |W3| plus |b3| (the tanh units lie in [-1, 1]), and
    one SGD step moves each entry of W3 and b3 by at most lr (`linear_bound`). That bound
    keeps the loss finite, but after 100 steps at the top rate it is above the threshold of
    `train`'s divergence rule; that no run is flagged is measured (`sweep_max_loss`). At the
    edge the steps are too long for the loss to settle: over the second half of the budget
    it still swings by a factor of about ten or more and ends above where it started.
    """
    best = {init: lrs[int(np.nanargmin([final_loss(h) for h in hs]))]
            for init, hs in runs.items()}
    failing = [lr for init, hs in runs.items() for lr, h in zip(lrs, hs, strict=True)
               if lr > best[init] and broke_down(h)]
    return best, (min(failing) if failing else None)


# --- chaos at the top of the sweep. Above some rate the final loss depends on the last bits
# of rounding: with the AVX-512 kernels of one CPU a cell of the table is 0.0434, with the
# AVX2 kernels of another 0.145. Such a cell is no number to quote, and neither is one
# nudged copy's count; the chapter reports it over weight seeds x nudged copies.

SWEEP_SEEDS = (0, 1, 2, 3, 4)  # the weight seeds over which chaotic cells are reported
NUDGES = tuple(range(5))  # the nudged copies over which a count is given as a range
CHAOS_NUDGES = NUDGES[:5]  # the copies `is_chaotic` compares: nudges up to 4e-12. Larger
#   ones move a sensitive but smooth cell too (Xavier at 3 drifts steadily, 1.3e-3 at 9e-12)
CHAOS_TOLERANCE = 1e-3  # relative change of the final loss that makes a cell chaotic


def sweep_runs(scale=1.0, seed=0, nudge=0, lrs=SWEEP_LRS, inits=INITS):
    """The histories of the sweep of one weight seed and nudge: a dict init -> tuple over lrs."""
    return {init: tuple(train_moons(lr, init, scale, seed=seed, nudge=nudge)[0] for lr in lrs)
            for init in inits}


def is_chaotic(lr, init, scale=1.0, seed=0, nudges=CHAOS_NUDGES):
    """Whether the final loss of (lr, init, seed) moves by more than CHAOS_TOLERANCE
    (relative) when the initial weights change in their 12th digit (`NUDGE`).

    A stable run changes by about NUDGE times a modest factor, ~1e-11; a chaotic one
    amplifies the change exponentially, so the test does not hang on the tolerance.
    """
    finals = np.array([train_moons(lr, init, scale, seed=seed, nudge=k)[0].final_loss
                       for k in nudges])
    return bool(np.ptp(finals) > CHAOS_TOLERANCE * np.abs(finals).min())


@dataclass(frozen=True)
class Spread:
    """One (lr, init) of the sweep over weight seeds."""

    lr: float
    init: str
    losses: np.ndarray  # the final loss of each seed (NaN where diverged)
    broke_down: np.ndarray  # bool per seed: `broke_down`

    @property
    def n(self):
        return len(self.losses)


@memo(maxsize=64)
def spread(lr, init, scale=1.0, seeds=SWEEP_SEEDS, nudge=0):
    """The final losses and breakdowns of (lr, init) over `seeds` (one nudged copy)."""
    runs = [train_moons(lr, init, scale, seed=s, nudge=nudge)[0] for s in seeds]
    return Spread(float(lr), init, np.array([final_loss(h) for h in runs]),
                  np.array([broke_down(h) for h in runs]))


def count_words(lo_hi, n) -> str:
    """How many of n break down, in words robust to a count's range (lo, hi) over nudges:
    "none", "a few" (at most 30%), "some", "most" (more than half in every copy), "almost
    all" (at least 80% in every copy) or "all"."""
    lo, hi = lo_hi
    if hi == 0:
        return "none"
    if lo == n:
        return "all"
    if lo >= 0.8 * n:
        return "almost all"
    if lo > n / 2:
        return "most"
    return "a few" if hi <= 0.3 * n else "some"


SETTLED_MIN = 10  # a chaotic cell quotes where its settled runs end only if there are this many
SETTLED_QUANTILES = (0.1, 0.9)  # ... and then the range of their middle 80%


def sweep_cell(lr, init, scale=1.0, seeds=SWEEP_SEEDS, nudges=NUDGES):
    """The table's text for (lr, init): the seed-0 loss where it is stable; where it is
    chaotic, no single run: how many of the seeds break down, in words and as a range over
    the nudged copies, and where most of the other runs (over seeds x nudges) end, to one
    significant digit."""
    if not is_chaotic(lr, init, scale):
        h = train_moons(lr, init, scale)[0]
        return "diverged" if h.diverged else f"{h.final_loss:.4f}"
    sps = [spread(lr, init, scale, seeds, nudge=k) for k in nudges]
    counts = [int(sp.broke_down.sum()) for sp in sps]
    settled = np.concatenate([sp.losses[~sp.broke_down] for sp in sps])
    lo_hi = (min(counts), max(counts))
    words = count_words(lo_hi, len(seeds))
    text = f"chaotic: {words} break down" + (f" ({count_range(lo_hi)} of {len(seeds)})"
                                             if lo_hi[1] else "")
    if len(settled) < SETTLED_MIN:
        return text
    a, b = np.quantile(settled, SETTLED_QUANTILES)
    rest = "most end" if lo_hi[1] == 0 else "most others end"
    return text + f"; {rest} at about {_g1(a)} to {_g1(b)}"


def first_chaotic(init, scale=1.0, lrs=SWEEP_LRS):
    """The smallest rate of `lrs` whose cell is chaotic for `init` (None if none is)."""
    return next((lr for lr in lrs if is_chaotic(lr, init, scale)), None)


def best_stable(init, scale=1.0, lrs=SWEEP_LRS):
    """The rate of `lrs` with the lowest seed-0 final loss among the cells that are not
    chaotic: a best rate that does not move with rounding."""
    stable = [lr for lr in lrs if not is_chaotic(lr, init, scale)]
    return min(stable, key=lambda lr: final_loss(train_moons(lr, init, scale)[0]))


def _g1(x):
    """One significant digit, never in exponent notation (0.003, 0.06, 0.4)."""
    digits = max(0, -int(math.floor(math.log10(abs(float(f"{x:.0e}")))))) if x else 1
    return f"{x:.{digits}f}"


def breakdown_count(lr, seeds=SWEEP_SEEDS, nudges=NUDGES, inits=INITS):
    """How many of the len(inits) * len(seeds) runs at `lr` break down, for each nudge:
    returns (smallest, largest) over the nudged copies. The count moves with rounding where
    the runs are chaotic; its range over nudges says by how much."""
    counts = [int(sum(broke_down(train_moons(lr, init, 1.0, seed=s, nudge=k)[0])
                      for init in inits for s in seeds)) for k in nudges]
    return min(counts), max(counts)


def seed_breakdowns(lr, seed=0, nudges=NUDGES, inits=INITS):
    """How many of the len(inits) * len(nudges) nudged copies of one seed's runs at `lr`
    break down (seed 0: the figure's weights): (count, total)."""
    return (int(sum(broke_down(train_moons(lr, init, 1.0, seed=seed, nudge=k)[0])
                    for init in inits for k in nudges)), len(inits) * len(nudges))


def edge_votes(seed=0, nudges=NUDGES, lrs=SWEEP_LRS):
    """`sweep_edges`' edge of one seed's sweep for each nudged copy: a collections.Counter
    edge -> how many copies find it. Its most common edge is the one to quote."""
    return collections.Counter(sweep_edges(sweep_runs(seed=seed, nudge=k, lrs=lrs), lrs)[1]
                               for k in nudges)


@dataclass(frozen=True)
class EdgeStats:
    """Xavier's best rate against the edge, over seeds x nudged copies."""

    bests: list  # sorted set of Xavier's best rates
    edges: list  # sorted set of edges (None left out)
    below: int  # tables in which Xavier's best rate lies below the edge
    at: int  # ... at the edge
    above: int  # ... above it, or no edge
    n: int  # tables


def edges_over_seeds(seeds=SWEEP_SEEDS, nudges=NUDGES, lrs=SWEEP_LRS):
    """For each seed and nudged copy, `sweep_edges` of its own sweep: an EdgeStats."""
    bests, edges, where = set(), set(), collections.Counter()
    for s in seeds:
        for k in nudges:
            best, edge = sweep_edges(sweep_runs(seed=s, nudge=k, lrs=lrs), lrs)
            b = best["xavier"]
            bests.add(b)
            edges.add(edge)
            where["below" if edge is not None and b < edge else
                  "at" if b == edge else "above"] += 1
    return EdgeStats(sorted(bests), sorted(e for e in edges if e is not None),
                     where["below"], where["at"], where["above"], len(seeds) * len(nudges))


def linear_bound(lr, epochs=SWEEP_EPOCHS, hidden=16):
    """How far |z| of the output can move in `epochs` SGD steps at `lr`: each of the
    `hidden` entries of W3 and b3 moves by at most lr per step (|sigma(z) - y| <= 1 and
    |tanh| <= 1), so |z| by at most (hidden + 1) lr."""
    return (hidden + 1) * lr * epochs


def divergence_factor() -> float:
    """`train`'s default divergence factor: it stops once the loss exceeds this many times
    max(first loss, 1)."""
    return inspect.signature(train).parameters["divergence_factor"].default


def sweep_max_loss(lr=SWEEP_LRS[-1], seeds=SWEEP_SEEDS, nudges=NUDGES, inits=INITS):
    """The largest loss of any epoch of any run at `lr` over inits x seeds x nudges, and
    whether any of them diverged (by `train`'s rule)."""
    runs = [train_moons(lr, i, 1.0, seed=s, nudge=k)[0] for i in inits for s in seeds
            for k in nudges]
    return float(max(h.loss.max() for h in runs)), any(h.diverged for h in runs)


def relu_divergences(lr=SWEEP_LRS[-1], init="he", seeds=SWEEP_SEEDS):
    """How many of `seeds` diverge at `lr` when the sweep's tanh layers are ReLU instead."""
    X, Y = standard_moons()
    n = 0
    for s in seeds:
        net = Network([2, 16, 16, 1], ["relu", "relu", "sigmoid"], "bce", init=init, seed=s)
        n += train(net, X, Y, optimizers.SGD(lr), epochs=SWEEP_EPOCHS,
                   on_divergence="ignore").diverged
    return int(n)


def count_range(lo_hi) -> str:
    """(lo, hi) -> "lo" if equal, else "lo to hi"."""
    lo, hi = lo_hi
    return f"{lo}" if lo == hi else f"{lo} to {hi}"


SWEEP_SCALE = 1.0  # the init scale of the sweep drawn behind every frame (the chapter's table)


@dataclass(frozen=True)
class LRFrame:
    lr: float
    init: str
    scale: float
    sweep: dict  # sweep(SWEEP_SCALE): the same backdrop for every frame
    loss: np.ndarray
    diverged: bool
    stopped_epoch: int | None
    final_loss: float
    broke_down: bool = False  # `broke_down`: diverged, or ended above ln 2 and its start


def lr_compute(lr=0.3, init="xavier", scale=1.0):
    """One frame of the sweep figure: the chosen run, over the sweep at init scale 1.

    The sweep (21 trainings) is the same for every frame, so a frame costs one training;
    a sweep per init scale would retrain all 21 whenever the scale moves.
    """
    h, _ = train_moons(lr, init, scale)
    return LRFrame(float(lr), init, float(scale), sweep(SWEEP_SCALE), h.loss, h.diverged,
                   h.stopped_epoch, final_loss(h), broke_down(h))


LOSS_CAP = 100.0  # the top of the loss axes: above the jumps of the breakdown (to ~60);
#                   diverged runs are drawn there as crosses


def _outcome(r) -> str:
    """What the chosen run of an LRFrame did, in words, for its alt text."""
    if r.diverged:
        return f"diverges in epoch {r.stopped_epoch}"
    if r.broke_down:
        return (f"does not settle: its loss ends at {r.final_loss:.4g} after {SWEEP_EPOCHS} "
                f"epochs, above its start and above ln 2 = {FAIL_LOSS:.3f} (answering one half)")
    return f"reaches a training loss of {r.final_loss:.4f} after {SWEEP_EPOCHS} epochs"


def lr_draw(fig, r, artists):
    if artists is None:
        left, right = fig.subplots(1, 2)
        left.set_xscale("log")
        left.set_yscale("log")
        left.set_ylim(1e-3, LOSS_CAP * 1.3)  # he at lr 10 ends at 0.0022
        left.set_xlim(SWEEP_LRS[0] / 1.5, SWEEP_LRS[-1] * 1.5)
        left.set_xlabel("learning rate")
        left.set_ylabel(f"loss after {SWEEP_EPOCHS} epochs")
        lines, crosses = {}, {}
        for init in INITS:
            (lines[init],) = left.plot([], [], "o-", color=INIT_COLORS[init], markersize=3,
                                       label=init)
            (crosses[init],) = left.plot([], [], "x", color=INIT_COLORS[init], markersize=7)
        (marker,) = left.plot([], [], "o", markersize=10, markerfacecolor="none",
                              markeredgecolor=BLACK, markeredgewidth=1.5)
        left.axhline(FAIL_LOSS, color=BLACK, linestyle=":", linewidth=1)
        left.text(SWEEP_LRS[0], FAIL_LOSS * 1.1, "ln 2", fontsize=7, va="bottom")
        crossed = any(np.isnan(v).any() for v in r.sweep.values())  # say x only if one is drawn
        left.legend(fontsize=7, loc="lower left", title_fontsize=7,
                    title=f"init scale {SWEEP_SCALE:g}" + ("; x = diverged" if crossed else ""))
        right.set_yscale("log")
        right.set_xlim(0, SWEEP_EPOCHS)
        right.set_ylim(1e-3, LOSS_CAP * 1.3)
        right.set_xlabel("epoch")
        right.set_ylabel("training loss (BCE)")
        (curve,) = right.plot([], [], color=BLUE)
        note = right.text(0.5, 0.15, "", transform=right.transAxes, ha="center", va="center",
                          color=WARNING_COLOR, fontsize=9, fontweight="bold")
        title = right.set_title("")
        plots.sparse_log_ticks(left, right)
        artists = dict(lines=lines, crosses=crosses, marker=marker, curve=curve, note=note,
                       title=title)
    a = artists
    lrs = np.array(SWEEP_LRS)
    for i, init in enumerate(INITS):
        values = r.sweep[init]
        shown = np.minimum(values, LOSS_CAP)
        a["lines"][init].set_data(lrs, shown)
        bad = np.isnan(values)  # one cross per init, stacked so that none hides another
        a["crosses"][init].set_data(lrs[bad], np.full(bad.sum(), LOSS_CAP / 1.25 ** i))
    y = LOSS_CAP if r.diverged else min(r.final_loss, LOSS_CAP)
    a["marker"].set_data([r.lr], [y])
    a["curve"].set_data(np.arange(len(r.loss)), np.minimum(r.loss, LOSS_CAP))
    a["curve"].set_color(INIT_COLORS[r.init])
    if r.diverged:
        a["note"].set_text(f"diverged in epoch {r.stopped_epoch}")
    elif r.broke_down:
        a["note"].set_text(f"does not settle:\nloss ends at {r.final_loss:.3g}")
    else:
        a["note"].set_text("")
    a["title"].set_text(f"$\\alpha$ = {r.lr:g}, {_INIT_NAMES[r.init]} init, scale {r.scale:g}")
    return a


_INIT_NAMES = {"small": '"small"', "xavier": "Xavier", "he": "He"}


def lr_alt(params, r) -> str:
    what = _outcome(r)
    return (f"Learning-rate sweep at init scale {SWEEP_SCALE:g}, and the chosen run: with "
            f"learning rate {r.lr:g} and {r.init} initialization at scale {r.scale:g} the "
            f"2-16-16-1 network {what}.")


def lr_interactive():
    return ia.Interactive(lr_compute, lr_draw, LR_CONTROLS, joint=LR_JOINT, alt=lr_alt)


def lr_show():
    return ia.show(lr_compute, lr_draw, LR_CONTROLS, joint=LR_JOINT, alt=lr_alt,
                   figsize=(7, 3))


# --------------------------------------------------------------------------- monitoring


MONITOR_LR = 0.3
MONITOR_EPOCHS = 100
HEALTHY_LAYERS = (2, 16, 16, 16, 1)  # tanh, Xavier
UNHEALTHY_LAYERS = (2, 16, 16, 16, 16, 16, 16, 16, 1)  # sigmoid, "small"
LOSS_FACTOR = 1e4  # the loss multiplied by this (and the rate divided): same steps


def monitor_networks():
    """The two networks the monitor watches, freshly initialized: name -> Network."""
    return {"healthy": Network(list(HEALTHY_LAYERS), ["tanh"] * 3 + ["sigmoid"], "bce",
                               init="xavier", seed=0),
            "unhealthy": Network(list(UNHEALTHY_LAYERS), "sigmoid", "bce", init="small",
                                 seed=0)}


@memo(maxsize=8)
def monitor_runs(epochs=MONITOR_EPOCHS, rule="relative", loss_factor=1.0):
    """Two runs watched by a GradientMonitor on the standardized moons.

    "healthy": HEALTHY_LAYERS tanh with Xavier initialization, lr MONITOR_LR.
    "unhealthy": UNHEALTHY_LAYERS sigmoid with the "small" initialization (0.01 N(0, 1)).
    loss_factor: the loss (and so every gradient) multiplied by it and the learning rate
    divided by it, which leaves every SGD step as it was (`monitor.scaled_loss`).
    Returns a dict name -> (monitor, history).
    """
    X, Y = standard_moons()
    out = {}
    for name, net in monitor_networks().items():
        if loss_factor != 1.0:
            net = scaled_loss(net, loss_factor)
        mon = GradientMonitor(rule=rule)
        h = train(net, X, Y, optimizers.SGD(MONITOR_LR / loss_factor), epochs=epochs,
                  callback=mon, on_divergence="ignore")
        out[name] = (mon, h)
    return out


def verdicts(monitor):
    """What a monitor found, as (epoch, layer, kind) triples: the thing to compare."""
    return [(f.epoch, f.layer, f.kind) for f in monitor.findings]


def changed_verdicts(a, b):
    """The (layer, kind) verdicts on which two monitors differ: found by one only, or found
    at another epoch. Keyed by (layer, kind), not by position in the lists of findings."""
    first = [{(f.layer, f.kind): f.epoch for f in m.findings} for m in (a, b)]
    keys = set(first[0]) | set(first[1])
    return sorted((k for k in keys if first[0].get(k) != first[1].get(k)),
                  key=lambda k: (k[0] is None, k[0] or 0, k[1]))


def draw_monitor(fig, runs):
    """One panel per run: each layer's gradient norm against the epoch (log scale)."""
    axes = fig.subplots(1, len(runs), sharey=True)
    colours = [BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, BLACK, "#999999"]
    for ax, (name, (mon, _)) in zip(axes, runs.items(), strict=True):
        ratios = mon.ratios
        for l in range(ratios.shape[1]):
            ax.plot(ratios[:, l], color=colours[l % len(colours)], label=f"layer {l + 1}")
        ax.set_yscale("log")
        ax.axhline(mon.vanish, color=WARNING_COLOR, linestyle=":", linewidth=1)
        ax.set_title(f"{name}: {len(mon.findings)} finding(s)")
        ax.set_xlabel("epoch")
    # One legend for both panels, beside them: the layers share their colours, and a legend
    # inside a panel sat on the curves.
    handles, labels = axes[-1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=9, title="layer $l$",
               title_fontsize=9)
    for h in fig.legends[0].get_texts():
        h.set_text(h.get_text().removeprefix("layer "))
    axes[0].set_ylabel(r"update/weight ratio $r_l$ per epoch")
    return fig


# --------------------------------------------------------------------------- batch normalization

BN_LAYERS = [2, 10, 10, 10, 10, 1]
BN_EPOCHS = 80  # enough to show every claim of the chapter (tests/test_claims_practical_tips);
#                 100 cost each frame of the figure a quarter more
BN_CONTROLS = [
    ia.LogSlider("lr", [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0], default=0.1, label="learning rate"),
    ia.Choice("init", list(INITS), default="small", label="initialization"),
]
BN_JOINT = ("lr", "init")


@memo(maxsize=1024)
def train_bn_pair(lr, init, epochs=BN_EPOCHS, seed=0, nudge=0):
    """The same deep ReLU network trained without and with batch normalization.

    seed, nudge: as in `train_moons` (the figure uses seed 0, no nudge).
    Returns a dict "plain"/"batchnorm" -> (history, training accuracy in inference mode).
    """
    lr = check_positive(lr, "lr")
    init = check_choice(init, "init", INITS)
    X, Y = standard_moons()
    out = {}
    for name, cls in (("plain", Network), ("batchnorm", BatchNormNetwork)):
        net = _nudge(cls(BN_LAYERS, ["relu"] * (len(BN_LAYERS) - 2) + ["sigmoid"], "bce",
                         init=init, seed=seed), nudge)
        h = train(net, X, Y, optimizers.SGD(lr), epochs=epochs, on_divergence="ignore")
        out[name] = (h, accuracy(net, X, Y))
    return out


SCALE_LAYER = 2  # the layer whose scale invariance the chapter measures
SCALE_LRS = (0.1, 10.0)  # the figure's rate and its largest


@dataclass(frozen=True)
class ScaleStory:
    """Scale invariance of layer SCALE_LAYER over seeds (arrays indexed like `seeds`)."""

    seeds: tuple
    small_norm0: np.ndarray  # ||W2|| of the "small" initialization
    small_norm_end: np.ndarray  # after BN_EPOCHS steps at lr 0.1
    small_ratio0: np.ndarray  # first step's update/weight ratio at lr 0.1
    small_ratio_end: np.ndarray  # last step's
    he_ratio0: np.ndarray  # first step's with He's weights
    small_cos0: np.ndarray  # cos(W2, dW2) at the small init
    growth_vs_identity: np.ndarray  # first step's growth of ||W2||^2 / lr^2 ||dW2||^2
    var_over_eps: np.ndarray  # median over units of layer 2's batch variance, in units of eps
    large: dict  # seed -> tuple over nudges of scale_invariance.LargeRateRun at lr 10 (each
    # says whether layer SCALE_LAYER froze, its ratio below FROZEN_RATIO, and how: a dead
    # layer or saturated outputs)


@memo(maxsize=4)
def scale_story(seeds=SWEEP_SEEDS, nudges=NUDGES):
    """The numbers of the chapter's scale-invariance paragraph, over seeds (and, at the large
    rate, over nudged copies: which seeds' layers freeze, and how, is checked against the
    12th digit)."""
    from .. import scale_invariance as si

    X, Y = standard_moons()
    acts = ["relu"] * (len(BN_LAYERS) - 2) + ["sigmoid"]
    lo, hi = SCALE_LRS
    cols = collections.defaultdict(list)
    large = {}
    for seed in seeds:
        small = BatchNormNetwork(BN_LAYERS, acts, "bce", init="small", seed=seed)
        he = BatchNormNetwork(BN_LAYERS, acts, "bce", init="he", seed=seed)
        norms, ratios = si.norm_growth(small, X, Y, lo, BN_EPOCHS, layer=SCALE_LAYER)
        cols["small_norm0"].append(norms[0])
        cols["small_norm_end"].append(norms[-1])
        cols["small_ratio0"].append(ratios[0])
        cols["small_ratio_end"].append(ratios[-1])
        cols["he_ratio0"].append(si.norm_growth(he, X, Y, lo, 1, layer=SCALE_LAYER)[1][0])
        cols["small_cos0"].append(si.scale_layer(small, X, Y, SCALE_LAYER, (1.0,), lo)[0].cosine)
        cols["growth_vs_identity"].append((norms[1] ** 2 - norms[0] ** 2)
                                          / (norms[0] * ratios[0]) ** 2)
        small.forward(X)
        var = small.cache["Zlin"][SCALE_LAYER].var(axis=1)
        cols["var_over_eps"].append(float(np.median(var)) / small.eps)
        large[seed] = tuple(
            si.large_rate_run(_nudge(BatchNormNetwork(BN_LAYERS, acts, "bce", init="small",
                                                      seed=seed), k),
                              X, Y, hi, BN_EPOCHS, layer=SCALE_LAYER) for k in nudges)
    return ScaleStory(tuple(seeds), **{k: np.array(v) for k, v in cols.items()}, large=large)


@dataclass(frozen=True)
class BNFrame:
    lr: float
    init: str
    runs: dict  # name -> (history, accuracy)


def bn_compute(lr=0.1, init="small"):
    return BNFrame(float(lr), init, train_bn_pair(lr, init))


BN_STYLE = {"plain": (VERMILLION, "--", "without batch norm"),
            "batchnorm": (BLUE, "-", "with batch norm")}


def bn_draw(fig, r, artists):
    if artists is None:
        ax = fig.subplots(1, 1)
        ax.set_yscale("log")
        ax.set_xlim(0, BN_EPOCHS)
        ax.set_ylim(1e-3, LOSS_CAP * 1.3)
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss (BCE)")
        curves = {}
        for name, (colour, ls, label) in BN_STYLE.items():
            (curves[name],) = ax.plot([], [], color=colour, linestyle=ls, label=label)
        legend = ax.legend(fontsize=8, loc="lower left")
        note = ax.text(0.98, 0.95, "", transform=ax.transAxes, ha="right", va="top",
                       fontsize=8, color=WARNING_COLOR)
        title = ax.set_title("")
        plots.sparse_log_ticks(ax)
        artists = dict(curves=curves, legend=legend, note=note, title=title)
    a = artists
    notes = []
    for i, (name, (h, acc)) in enumerate(r.runs.items()):
        a["curves"][name].set_data(np.arange(len(h.loss)), np.minimum(h.loss, LOSS_CAP))
        label = BN_STYLE[name][2]
        if h.diverged:
            a["legend"].get_texts()[i].set_text(f"{label}: diverged")
            notes.append(f"{label}: diverged in epoch {h.stopped_epoch}")
        else:
            a["legend"].get_texts()[i].set_text(f"{label}: accuracy {acc:.2f}")
    a["note"].set_text("\n".join(notes))
    a["title"].set_text(f"4 hidden ReLU layers, lr {r.lr:g}, {r.init} initialization")
    return a


def bn_alt(params, r) -> str:
    parts = []
    for name, (h, acc) in r.runs.items():
        label = BN_STYLE[name][2]
        if h.diverged:
            parts.append(f"{label} training diverges in epoch {h.stopped_epoch}")
        else:
            parts.append(f"{label} the final loss is {h.final_loss:.4f} "
                         f"and the training accuracy {acc:.2f}")
    return (f"Loss curves at learning rate {r.lr:g} with {r.init} initialization: "
            + "; ".join(parts) + ".")


BN_FAIL_LOSS = 0.6  # a run fails if it diverges, ends above this loss or below BN_FAIL_ACC
BN_FAIL_ACC = 0.8


def bn_fails(history, acc) -> bool:
    """Whether a run of the batch-norm figure failed to learn."""
    return history.diverged or history.final_loss > BN_FAIL_LOSS or acc < BN_FAIL_ACC


def bn_fail_count(lr, name="batchnorm", seeds=SWEEP_SEEDS, nudges=NUDGES, inits=INITS):
    """How many of the len(inits) * len(seeds) runs of `name` ("plain" or "batchnorm") fail
    at `lr`: (smallest, largest) over the nudged copies, as in `breakdown_count`."""
    counts = [int(sum(bn_fails(*train_bn_pair(lr, init, seed=s, nudge=k)[name])
                      for init in inits for s in seeds)) for k in nudges]
    return min(counts), max(counts)


def bn_interactive():
    return ia.Interactive(bn_compute, bn_draw, BN_CONTROLS, joint=BN_JOINT, alt=bn_alt)


def bn_show():
    return ia.show(bn_compute, bn_draw, BN_CONTROLS, joint=BN_JOINT, alt=bn_alt, figsize=(7, 3))


# --------------------------------------------------------------------------- tables


def normalization_figure(runs=None):
    """Figure 1 of the chapter: a new Figure with `draw_normalization` in the book's style."""
    fig = plots.figure((8, 2.8))
    with plots.style():
        draw_normalization(fig, runs if runs is not None else normalization_runs())
    return fig


def monitor_figure(runs=None):
    """Figure 3 of the chapter: a new Figure with `draw_monitor` in the book's style."""
    fig = plots.figure((8, 2.8))
    with plots.style():
        draw_monitor(fig, runs if runs is not None else monitor_runs())
    return fig


def draw_validation(fig, runs):
    """Training (dashed) and validation (solid) loss per epoch for each remedy of
    `runs` (name -> regularization.Fit), the best validation epoch marked."""
    ax = fig.subplots()
    colours = {"plain": VERMILLION, "weight decay": BLUE, "dropout": GREEN,
               "early stopping": BLACK}
    for name, run in runs.items():
        c = colours.get(name, PURPLE)
        ax.plot(run.train_loss, color=c, linestyle="--", linewidth=1)
        ax.plot(run.val_loss, color=c, label=name)
        ax.plot([run.best_epoch], [run.val_loss[run.best_epoch]], "o", color=c, markersize=4)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (BCE)")
    # Beside the axes: inside, the legend covered the first epochs' steep fall.
    ax.legend(fontsize=8, title="solid: validation\ndashed: training", title_fontsize=8,
              loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    return fig


def validation_figure(runs):
    """The chapter's validation-curve figure: a new Figure with `draw_validation`."""
    fig = plots.figure((7.2, 3))
    with plots.style():
        draw_validation(fig, runs)
    return fig


def variance_factors(n_in=64, n_out=16, m=4000, seed=0):
    """Measured variance factors of one linear layer Z = W A with W ~ N(0, 1/n_in):
    forward Var(Z) / Var(A), backward Var(dA) / Var(dZ) (dA = W^T dZ), and the two
    predictions n_in sigma^2 and n_out sigma^2. A dict."""
    rng = np.random.default_rng(seed)
    var = 1.0 / n_in
    W = rng.normal(0.0, np.sqrt(var), (n_out, n_in))
    A, dZ = rng.normal(size=(n_in, m)), rng.normal(size=(n_out, m))
    return {"forward": float((W @ A).var() / A.var()),
            "backward": float((W.T @ dZ).var() / dZ.var()),
            "n_in_var": n_in * var, "n_out_var": n_out * var, "n_in": n_in, "n_out": n_out}


_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                 "ten")


def count_words_number(n) -> str:
    """A small count in words ("four"), as prose writes it; digits from 11 on."""
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else f"{n}"


def own_edges(runs, lrs=SWEEP_LRS):
    """Per initialization of a sweep (a dict init -> histories over `lrs`): (its best rate,
    its own edge: the smallest rate above the best at which that same network breaks down,
    None if it does not within the sweep)."""
    out = {}
    for init, hs in runs.items():
        best = lrs[int(np.nanargmin([final_loss(h) for h in hs]))]
        failing = [lr for lr, h in zip(lrs, hs, strict=True) if lr > best and broke_down(h)]
        out[init] = (best, min(failing) if failing else None)
    return out


def own_edge_factors(init, seeds=SWEEP_SEEDS, nudges=NUDGES, lrs=SWEEP_LRS):
    """For every seed and nudged copy, own edge / best rate of `init` (`own_edges`, each
    initialization against its own breakdown): a collections.Counter factor -> number of
    sweeps (None: that network does not break down within the sweep)."""
    out = collections.Counter()
    for s in seeds:
        for k in nudges:
            best, edge = own_edges(sweep_runs(seed=s, nudge=k, lrs=lrs), lrs)[init]
            out[None if edge is None else round(edge / best, 6)] += 1
    return out


def edge_factors(seeds=SWEEP_SEEDS, nudges=NUDGES, lrs=SWEEP_LRS, init="xavier"):
    """How far below the breakdown edge the best rate of `init` lies, for every seed and
    nudged copy: a collections.Counter edge / best -> number of sweeps (None: no edge)."""
    out = collections.Counter()
    for s in seeds:
        for k in nudges:
            best, edge = sweep_edges(sweep_runs(seed=s, nudge=k, lrs=lrs), lrs)
            out[None if edge is None else round(edge / best[init], 6)] += 1
    return out
