"""Figures of chapter "The whole book at work: handwritten digits". They only draw: the runs
come from `backprop_lib.digits_study` and `backprop_lib.digits_bugs`.

- CURVES (interactive): training and validation loss and accuracy per epoch, for a learning
  rate and an initialization (the player's grid: digits_study.LR_GRID x INITS, seed 0).
- `samples_figure`: a few training digits as images.
- `search_figure`: the random search, validation accuracy against the learning rate.
- `norms_figure`: per-layer gradient norms and update/weight ratios over the epochs.
- `confusion_figure` and `mistakes_figure`: the test split's confusion matrix and a few
  misclassified test digits.
- `mystery_figure`: the curves of the last exercise's buggy run beside a correct one's.

    from backprop_lib.figures import digits as fd
    fd.CURVES.show()

This module imports matplotlib; the numerical core of backprop_lib never imports it.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import digits as _digits
from .. import digits_study as ds
from .. import interactive as ia
from .. import plots
from ..plots import BLACK, BLUE, ORANGE, VERMILLION, WARNING_COLOR, sparse_log_ticks
from .notebook import (
    as_image,  # noqa: F401 - the chapter imports it from here
    markdown_table,  # noqa: F401 - the chapter imports it from here
)
from .optimizers import Spec

#: Training: blue, solid; validation: orange, dashed (the same in every figure here).
TRAIN_STYLE = dict(color=BLUE, ls="-", label="training")
VAL_STYLE = dict(color=ORANGE, ls="--", label="validation")


@functools.lru_cache(maxsize=1)
def loss_limits():
    """The loss axis of CURVES, the same in every frame and wide enough for all of them: from
    the power of ten below the smallest to the power of ten above the largest finite loss,
    training or validation, of the runs of the player's grid (LR_GRID x INITS, seed 0), so
    that no frame's values are cut off."""
    values = np.concatenate([np.concatenate([r.train_loss, r.val_loss])
                             for r in (curves(lr, init) for lr in ds.LR_GRID
                                       for init in ds.INITS)])
    values = values[np.isfinite(values) & (values > 0)]
    return (10.0 ** np.floor(np.log10(values.min())), 10.0 ** np.ceil(np.log10(values.max())))


def _in_book_style(draw):
    """Make the figure's axes inside the book's style (plots.figure styles only the figure
    itself, and axes made after it would take matplotlib's defaults)."""
    @functools.wraps(draw)
    def styled(*args, **kwargs):
        with plots.style():
            return draw(*args, **kwargs)
    return styled


def curves(lr=1e-2, init="he"):
    """The Run behind one frame of CURVES (seed 0, cached in digits_study)."""
    return ds.run(lr, init, seed=0)


def draw_curves(fig, r, artists):
    """Loss (log axis) and accuracy per epoch, training and validation."""
    if artists is None:
        ax_loss, ax_acc = fig.subplots(1, 2)
        epochs = np.arange(1, ds.EPOCHS + 1)
        ax_loss.set_yscale("log")
        ax_loss.set_ylim(*loss_limits())
        ax_acc.set_ylim(0.0, 1.02)
        for ax, what in ((ax_loss, "loss (softmax cross-entropy)"), (ax_acc, "accuracy")):
            ax.set_xlim(0, ds.EPOCHS)
            ax.set_xlabel("epoch")
            ax.set_ylabel(what)
        sparse_log_ticks(ax_loss)
        lines = {}
        for key, ax in (("loss", ax_loss), ("acc", ax_acc)):
            for split, style in (("train", TRAIN_STYLE), ("val", VAL_STYLE)):
                (lines[f"{split}_{key}"],) = ax.plot(epochs, np.full(ds.EPOCHS, np.nan),
                                                     **style)
        fig.legend(handles=[lines["train_loss"], lines["val_loss"]], loc="outside lower center",
                   ncols=2, frameon=False, fontsize=8, handlelength=3)
        note = ax_acc.text(0.97, 0.05, "", transform=ax_acc.transAxes, ha="right", va="bottom",
                           fontsize=8)
        title = fig.suptitle("")
        artists = dict(lines=lines, note=note, title=title)
    a = artists
    for key, values in (("train_loss", r.train_loss), ("val_loss", r.val_loss),
                        ("train_acc", r.train_acc), ("val_acc", r.val_acc)):
        y = np.full(ds.EPOCHS, np.nan)
        y[:len(values)] = values  # the loss axis holds every frame's values (loss_limits)
        a["lines"][key].set_ydata(y)
    a["note"].set_text(f"validation accuracy after epoch {len(r.val_acc)}: {r.val_acc[-1]:.3f}"
                       + ("\ntraining diverged" if r.diverged else ""))
    a["note"].set_color(WARNING_COLOR if r.diverged else BLACK)
    a["title"].set_text(f"64-64-10 network, Adam, learning rate {r.lr:g}, {r.init} "
                        "initialization (seed 0)")
    return a


def curves_alt(params, r):
    return (f"Loss and accuracy per epoch on the training and validation splits, learning "
            f"rate {r.lr:g}, {r.init} initialization: after {len(r.val_acc)} epochs the "
            f"training loss is {r.train_loss[-1]:.3g} and the validation loss "
            f"{r.val_loss[-1]:.3g}; training accuracy {r.train_acc[-1]:.3f}, validation "
            f"accuracy {r.val_acc[-1]:.3f}" + (" (training diverged)." if r.diverged else "."))


CURVES = Spec(
    curves, draw_curves, curves_alt,
    [ia.LogSlider("lr", ds.LR_GRID, default=1e-2, label="learning rate"),
     ia.Choice("init", ds.INITS, default="he", label="initialization")],
    ("lr", "init"),
    figsize=(7.5, 3.2),
)


@_in_book_style
def samples_figure(X, y, per_class=2):
    """per_class images of each digit from the columns of X (raw pixels), labelled."""
    fig = plots.figure((7.5, 0.85 * per_class + 0.3))
    axes = fig.subplots(per_class, _digits.CLASSES)
    imgs = _digits.images(X)
    for k in range(_digits.CLASSES):
        which = np.flatnonzero(y == k)[:per_class]
        for row, j in enumerate(which):
            ax = axes[row, k]
            ax.imshow(imgs[j], cmap="gray_r", vmin=0, vmax=_digits.MAX_PIXEL)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            ax.set_title(str(k), fontsize=9)
    return fig


@_in_book_style
def search_figure(plain, bn):
    """Validation loss (left, log axis) and accuracy (right) after the last epoch against the
    learning rate: every seed a small point, the mean over seeds a line, for the plain
    network (blue circles, solid) and batch normalization (vermillion squares, dashed); each
    one's best rate (lowest mean loss) circled by a large hollow marker."""
    fig = plots.figure((7.5, 3.2))
    ax_loss, ax_acc = fig.subplots(1, 2)
    for s, colour, marker, ls, label in ((plain, BLUE, "o", "-", "without batch norm."),
                                         (bn, VERMILLION, "s", "--", "with batch norm.")):
        for ax, values, mean in ((ax_loss, s.val_loss, s.mean_loss),
                                 (ax_acc, s.val_acc, s.mean_acc)):
            for j in range(values.shape[1]):
                ax.plot(s.rates, values[:, j], marker, color=colour, alpha=0.4, markersize=3)
            ax.plot(s.rates, mean, ls, color=colour, marker=marker, markersize=5, label=label)
            ax.plot(s.rates[s.best], mean[s.best], marker, markersize=13,
                    markerfacecolor="none", markeredgecolor=colour, markeredgewidth=1.6)
    ax_loss.set_yscale("log")
    # from 0.6, or lower when a point is lower: every seed's point stays on the axis
    lowest = min(float(np.min(plain.val_acc)), float(np.min(bn.val_acc)))
    ax_acc.set_ylim(min(0.6, np.floor(10 * lowest) / 10), 1.0)
    for ax, what in ((ax_loss, "validation loss"), (ax_acc, "validation accuracy")):
        ax.set_xscale("log")
        ax.set_xlabel("learning rate (Adam)")
        ax.set_ylabel(what)
        sparse_log_ticks(ax)
    ax_loss.legend(loc="upper left", fontsize=8)
    return fig


@_in_book_style
def norms_figure(norms, ratios):
    """Left: ||dW{l}|| per epoch for each layer; right: the update/weight ratio per epoch."""
    fig = plots.figure((7.5, 2.9))
    ax_g, ax_r = fig.subplots(1, 2)
    epochs = np.arange(1, len(norms) + 1)
    for l, (colour, ls) in enumerate(((BLUE, "-"), (ORANGE, "--")), start=1):
        ax_g.plot(epochs, norms[:, l - 1], ls, color=colour, label=f"layer {l}")
        ax_r.plot(epochs, ratios[:, l - 1], ls, color=colour, label=f"layer {l}")
    for ax, what in ((ax_g, r"gradient norm $\|dW^{[l]}\|$"),
                     (ax_r, "update / weight ratio per epoch")):
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel(what)
        sparse_log_ticks(ax)
    ax_g.legend(fontsize=8)
    return fig


@_in_book_style
def confusion_figure(C):
    """The confusion matrix C[true, predicted] as counts in a grey grid."""
    fig = plots.figure((4.4, 4.0))
    ax = fig.subplots()
    ax.imshow(np.log1p(C), cmap="Greys", vmin=0, vmax=np.log1p(C.max()) * 1.6)
    ax.grid(False)
    for i in range(C.shape[0]):
        for j in range(C.shape[1]):
            if C[i, j]:
                ax.text(j, i, str(C[i, j]), ha="center", va="center", fontsize=8,
                        color=BLACK if i == j else VERMILLION,
                        fontweight="normal" if i == j else "bold")
    ticks = np.arange(C.shape[0])
    ax.set_xticks(ticks)
    ax.set_yticks(ticks)
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    return fig


@_in_book_style
def mistakes_figure(X_raw, y, pred, which):
    """The test images `which` (columns of X_raw), each titled 'true t, predicted p'."""
    which = list(which)
    fig = plots.figure((7.5, 1.45))
    axes = np.atleast_1d(fig.subplots(1, max(len(which), 1)))
    imgs = _digits.images(X_raw)
    for ax, j in zip(axes, which, strict=False):  # axes: at least one, even for no mistakes
        ax.imshow(imgs[j], cmap="gray_r", vmin=0, vmax=_digits.MAX_PIXEL)
        ax.set_title(f"{y[j]} as {pred[j]}", fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    return fig


@_in_book_style
def mystery_figure(mystery, clean):
    """Loss per epoch of the mystery run (solid) and of the loop without a bug (thin, grey),
    training and validation."""
    fig = plots.figure((7.5, 3.0))
    ax_loss, ax_acc = fig.subplots(1, 2)
    epochs = np.arange(1, len(mystery.train_loss) + 1)
    for run, width, alpha, tag in ((clean, 1.0, 0.5, " (no bug)"), (mystery, 1.8, 1.0, "")):
        for split, style in (("train", TRAIN_STYLE), ("val", VAL_STYLE)):
            kwargs = dict(style, lw=width, alpha=alpha, label=style["label"] + tag)
            if tag:
                kwargs["color"] = "#777777"
            ax_loss.plot(epochs, getattr(run, f"{split}_loss"), **kwargs)
            ax_acc.plot(epochs, getattr(run, f"{split}_acc"), **kwargs)
    ax_loss.set_yscale("log")
    sparse_log_ticks(ax_loss)
    ax_acc.set_ylim(0, 1.02)
    for ax, what in ((ax_loss, "loss"), (ax_acc, "accuracy")):
        ax.set_xlabel("epoch")
        ax.set_ylabel(what)
    ax_acc.legend(fontsize=7, loc="lower right")
    return fig
