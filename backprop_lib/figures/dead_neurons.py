"""Figures of chapter "Dead neurons and slow convergence".

- DEAD: a ReLU (or leaky ReLU) network with three hidden layers of 32 units, trained on two
  moons with mini-batch SGD, for a learning rate, a bias initialization, an initialization
  scheme and scale: the fraction of dead (inactive) hidden units and of units that get no
  gradient at all, epoch by epoch, and the loss.
- `dead_heatmap`: the mean fraction of dead units after training over seeds, on a grid of
  learning rates and bias initializations (a static figure; dead_units computes it).
- PLATEAU: a 2-4-1 sigmoid network learning XOR with full-batch SGD, for a learning rate
  and an initialization: the loss and the gradient norm per epoch, and the epoch in
  which the loss first falls below a threshold.
- `rate_scan_figure`: gradient descent, momentum and Adam from the tiny start over fine
  grids of rates (plateau_catapult.rate_scan): the epochs to learn XOR and how many seeds
  learn it or end as one unit, with each method's stability limit (a static figure).

Each interactive figure has a compute function, a draw function that updates its artists
in place, an alt text, and `*_interactive()` / `show_*()`. Imports matplotlib through
backprop_lib.interactive and plots.
"""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import MultipleLocator

from .. import dead_units, plots
from .. import interactive as ia
from . import notebook
from .gradients_depth import log_ylim, loss_panel

# The experiments live in backprop_lib.dead_units; this module only draws them.
DEAD_EPOCHS, BATCH, PLATEAU_EPOCHS, THRESHOLD = (dead_units.DEAD_EPOCHS, dead_units.BATCH,
                                                 dead_units.PLATEAU_EPOCHS, dead_units.THRESHOLD)
moons, rectifier_net, dead_run, plateau_run = (dead_units.moons, dead_units.rectifier_net,
                                               dead_units.dead_run, dead_units.plateau_run)
DeadResult, PlateauResult = dead_units.DeadResult, dead_units.PlateauResult
xor = dead_units.xor  # the XOR data, for readers of this module (chapter 5's claims tests)


def dead_draw(fig, r, artists):
    if artists is None:
        ax1, ax2 = fig.subplots(1, 2)
        ax1.set_xlim(0, DEAD_EPOCHS)
        ax1.set_ylim(-0.03, 1.03)
        ax1.set_xlabel("epoch")
        ax1.set_ylabel("fraction of hidden units")
        (d,) = ax1.plot([], [], color=plots.VERMILLION, label=r"$Z \leq 0$ on every example")
        (f,) = ax1.plot([], [], "D", color=plots.BLUE, label="no gradient at all")
        ax1.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=9,
                   frameon=False)  # under the axes: never over a curve
        loss, msg = loss_panel(ax2, DEAD_EPOCHS, "mini-batch SGD on two moons")
        plots.sparse_log_ticks(ax2)
        for ax in (ax1, ax2):  # epoch ticks every 10: fewer artists to redraw on every move
            ax.xaxis.set_major_locator(MultipleLocator(10))
        artists = dict(ax1=ax1, ax2=ax2, d=d, f=f, loss=loss, msg=msg)
    a = artists
    a["d"].set_data(np.arange(len(r.dead)), r.dead)
    a["f"].set_data([0, len(r.dead) - 1][: len(r.frozen)], r.frozen)
    if r.diverged:
        a["ax1"].set_title(f"{r.activation}: {r.dead[0]:.0%} below zero at the start")
    else:
        a["ax1"].set_title(f"{r.activation}: {r.dead[-1]:.0%} below zero, "
                          f"{r.frozen[-1]:.0%} no gradient")
    a["loss"].set_data(np.arange(1, len(r.loss) + 1), r.loss)
    if len(r.loss):
        log_ylim(a["ax2"], r.loss, floor=1e-6)
    a["msg"].set_text(f"diverged in epoch {r.stopped_epoch}" if r.diverged else "")
    return artists


def dead_alt(params, r):
    text = (f"{r.activation}, learning rate {params['lr']:g}, biases {params['bias']:g}, "
            f"{params['init']} x {params['scale']:g}: at initialization {r.dead[0]:.0%} of "
            f"the hidden units are <= 0 on every example; ")
    if r.diverged:
        return text + f"training diverged in epoch {r.stopped_epoch}."
    return (text + f"after {len(r.loss)} epochs {r.dead[-1]:.0%} are, {r.frozen[-1]:.0%} get "
            f"no gradient at all, and the training loss (the mean over the last epoch's "
            f"mini-batches) is {r.loss[-1]:.4f}.")


DEAD_CONTROLS = [
    ia.LogSlider("lr", [0.01, 0.03, 0.1, 0.2, 0.3], default=0.1, label="learning rate"),
    ia.Choice("activation", ["relu", "leaky_relu"], default="relu", label="activation"),
    ia.Slider("bias", [-0.5, -0.25, 0.0, 0.1], default=0.0, label="initial bias"),
    ia.Choice("init", ["lecun", "xavier", "he"], default="he", label="initialization"),
    ia.Slider("scale", [0.5, 1.0, 2.0], default=1.0, label="init scale"),
]
DEAD_JOINT = ("lr", "activation")


DEAD = dict(compute=dead_run, draw=dead_draw, controls=DEAD_CONTROLS, joint=DEAD_JOINT,
            alt=dead_alt, figsize=(7.5, 3.2))
dead_interactive = functools.partial(notebook.interactive, DEAD)
show_dead = functools.partial(notebook.show, DEAD)


def dead_heatmap(summary, lrs, biases):
    """A static figure: the mean fraction of dead units over seeds, one cell per (initial
    bias, learning rate), annotated with the mean and, below it, how many runs diverged.
    summary: dead_units.seed_summary output ([[Spread per lr] per bias])."""
    fig = plots.figure((6.0, 3.0))
    with plots.style():
        ax = fig.subplots()
        means = np.array([[sp.mean for sp in row] for row in summary])
        im = ax.imshow(np.nan_to_num(means, nan=1.0), vmin=0, vmax=0.6, cmap="cividis",
                       origin="lower", aspect="auto")
        for i in range(len(biases)):
            for j in range(len(lrs)):
                sp = summary[i][j]
                text = "all div." if sp.diverged == sp.runs else f"{sp.mean:.2f}"
                if 0 < sp.diverged < sp.runs:
                    text += f"\n{sp.diverged}/{sp.runs} div."
                ax.text(j, i, text, ha="center", va="center", fontsize=10,
                        color="black" if not np.isfinite(sp.mean) or sp.mean > 0.3 else "white")
        ax.set_xticks(range(len(lrs)), [f"{lr:g}" for lr in lrs])
        ax.set_yticks(range(len(biases)), [f"{b:g}" for b in biases])
        ax.set_xlabel(r"learning rate $\alpha$")
        ax.set_ylabel(r"initial bias $b$")
        ax.set_title(r"ReLU: mean fraction with $Z \leq 0$ on every example")
        ax.grid(False)
        fig.colorbar(im, ax=ax, shrink=0.9)
    return fig


# --------------------------------------------------------------------------- PLATEAU


def plateau_draw(fig, r, artists):
    if artists is None:
        ax1, ax2 = fig.subplots(1, 2)
        loss, msg = loss_panel(ax1, PLATEAU_EPOCHS, "2-4-1 sigmoid network on XOR")
        ax1.axhline(THRESHOLD, color=plots.BLACK, lw=0.8, ls=":")
        note = ax1.text(0.03, 0.04, "", transform=ax1.transAxes, fontsize=8)
        ax2.set_yscale("log")
        ax2.set_ylim(1e-3, 1.0)
        ax2.set_xlim(0, PLATEAU_EPOCHS)
        ax2.set_xlabel("epoch")
        ax2.set_ylabel("gradient norm")
        (g,) = ax2.plot([], [], color=plots.BLUE)
        plots.sparse_log_ticks(ax1, ax2)
        artists = dict(ax1=ax1, ax2=ax2, loss=loss, note=note, g=g, msg=msg)
    a = artists
    e = np.arange(len(r.loss))
    a["loss"].set_data(e, r.loss)
    a["g"].set_data(e, np.maximum(r.grad_norm, 1e-12))
    if len(r.loss):
        # down to THRESHOLD / 10 at least, so that the threshold line is always in view
        a["ax1"].set_ylim(max(1e-4, min(THRESHOLD / 10, r.loss.min() / 2)),
                          max(1.0, r.loss.max() * 2))
        a["ax2"].set_ylim(max(1e-8, r.grad_norm.min() / 2), max(1e-2, r.grad_norm.max() * 2))
    if r.reached is not None:
        a["note"].set_text(f"loss < {THRESHOLD:g} from epoch {r.reached}")
    else:
        a["note"].set_text(f"loss never below {THRESHOLD:g} in {PLATEAU_EPOCHS} epochs")
    a["msg"].set_text(f"diverged in epoch {r.stopped_epoch}" if r.diverged else "")
    return artists


def plateau_alt(params, r):
    head = f"Learning rate {params['lr']:g}, {params['init']} x {params['scale']:g}: "
    if r.diverged:
        return head + f"training diverged in epoch {r.stopped_epoch}."
    where = (f"the loss first falls below {THRESHOLD:g} in epoch {r.reached}" if r.reached
             is not None else f"the loss never falls below {THRESHOLD:g}")
    return (head + f"{where}; it ends at {r.loss[-1]:.3f} after {len(r.loss)} epochs, with "
            f"gradient norm {r.grad_norm[-1]:.2g}.")


PLATEAU_CONTROLS = [
    ia.LogSlider("lr", [0.3, 1.0, 3.0, 5.0, 10.0, 30.0], default=3.0, label="learning rate"),
    ia.Choice("init", ["small", "lecun", "xavier", "he"], default="xavier",
              label="initialization"),
    ia.Slider("scale", [0.3, 1.0, 3.0], default=1.0, label="init scale"),
]
PLATEAU_JOINT = ("lr", "init")


PLATEAU = dict(compute=plateau_run, draw=plateau_draw, controls=PLATEAU_CONTROLS,
               joint=PLATEAU_JOINT, alt=plateau_alt, figsize=(7.5, 3.0))
plateau_interactive = functools.partial(notebook.interactive, PLATEAU)
show_plateau = functools.partial(notebook.show, PLATEAU)


# --------------------------------------------------------------------------- RATE SCAN

SCAN_TITLES = {"gd": "gradient descent", "momentum": "momentum", "adam": "Adam"}
SCAN_STYLE = ((plots.BLUE, "o", "-"), (plots.VERMILLION, "s", "--"))  # one per scale


def rate_scan_figure(tables, limits=None):
    """A static figure over fine grids of learning rates from the tiny start, one column per
    optimizer. tables: {optimizer: plateau_catapult.rate_scan output}; limits: {optimizer:
    stability limit of its output layer} drawn as a dotted line. Top: the epoch at which the
    loss first falls below THRESHOLD, mean (markers; filled where every seed learns XOR,
    open where only some do) and range over the seeds that learn (band). Bottom: how many
    seeds learn XOR (solid) and how many end as one unit (thin)."""
    limits = limits or {}
    names = list(tables)
    fig = plots.figure((3.1 * len(names), 4.6))
    with plots.style():
        axes = fig.subplots(2, len(names), sharex="col", squeeze=False)
        handles = []
        for j, opt in enumerate(names):
            top, bottom = axes[0, j], axes[1, j]
            table = tables[opt]
            scales = sorted({c for c, _ in table}, reverse=True)
            for (colour, marker, ls), c in zip(SCAN_STYLE, scales, strict=False):
                rates = np.array(sorted(r for cc, r in table if cc == c))
                runs = [table[c, r] for r in rates]
                n = len(runs[0])
                got = [[x.reach for x in v if x.reach is not None] for v in runs]
                learned = np.array([len(g) for g in got])
                mean = np.array([np.mean(g) if g else np.nan for g in got])
                lo = np.array([min(g) if g else np.nan for g in got])
                hi = np.array([max(g) if g else np.nan for g in got])
                full = learned == n
                top.fill_between(rates, np.where(full, lo, np.nan), np.where(full, hi, np.nan),
                                 color=colour, alpha=0.2, lw=0)
                top.plot(rates[full], mean[full], marker, color=colour, ms=3.5, ls="none")
                some = (learned > 0) & ~full
                top.plot(rates[some], mean[some], marker, color=colour, ms=3.5, ls="none",
                         mfc="white")
                bottom.plot(rates, learned, ls, color=colour, lw=1.6)
                bottom.plot(rates, [sum(x.one_unit for x in v) for v in runs], ls,
                            color=colour, lw=0.7)
                if j == 0:
                    handles += [Line2D([], [], color=colour, marker=marker, ls=ls, lw=1.6, ms=4,
                                       label=f"weights c = {c:g}: epochs; seeds that learn XOR"),
                                Line2D([], [], color=colour, ls=ls, lw=0.7,
                                       label=f"weights c = {c:g}: seeds that end as one unit")]
            top.set_yscale("log")
            top.set_title(SCAN_TITLES.get(opt, opt))
            bottom.set_ylim(-0.5, n + 0.5)
            bottom.set_yticks(range(0, n + 1, max(1, n // 5)))
            bottom.set_xlabel(r"learning rate $\alpha$")
            if opt == "adam":
                top.set_xscale("log")
            if opt in limits:
                for ax in (top, bottom):
                    ax.axvline(limits[opt], color=plots.BLACK, lw=0.8, ls=":")
            if j == 0:
                top.set_ylabel(f"epoch with loss < {THRESHOLD:g}")
                bottom.set_ylabel(f"seeds (of {n})")
        lows = [ax.get_ylim()[0] for ax in axes[0]]
        highs = [ax.get_ylim()[1] for ax in axes[0]]
        for ax in axes[0]:  # one epoch scale for the three optimizers
            ax.set_ylim(min(lows), max(highs))
        fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=8)
        plots.sparse_log_ticks(*axes[0])
    return fig
