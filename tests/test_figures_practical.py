"""Figures of chapter "Practical tips": extreme slider settings show divergence as a message,
never a traceback, a warning or a NaN curve; grids stay small."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from backprop_lib import interactive as ia
from backprop_lib import plots
from backprop_lib.figures import practical as pr


def test_grids_are_small():
    # 8 learning rates x 3 initializations + 2 other init scales: each frame trains one
    # 2-16-16-1 network; 30, the sweep's top, is where training breaks down
    assert len(ia.frames(pr.LR_CONTROLS, pr.LR_JOINT)) <= 50  # every pair of settings
    assert len(ia.frames(pr.BN_CONTROLS, pr.BN_JOINT)) <= 25


@pytest.mark.slow  # every frame drawn or many cases: make test, not make fast
def test_lr_figure_extremes_without_warnings():
    fig = pr.lr_interactive()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # the top of the sweep: no divergence (tanh bounds the output), but no convergence
        fig.update(lr=pr.SWEEP_LRS[-1], init="he", scale=1.0)
        assert fig.artists["note"].get_text().startswith("does not settle")
        alt = fig.alt_text(fig.params)
        assert "does not settle" in alt and "diverge" not in alt
        y = fig.artists["curve"].get_ydata()
        assert np.isfinite(y).all() and y.max() > 10  # the jumps are drawn, under the cap
        assert y.max() <= pr.LOSS_CAP
        fig.update(lr=10.0, init="he", scale=2.0)
        assert fig.artists["note"].get_text() == ""
        fig.update(lr=0.01, init="small", scale=0.5)
        assert fig.artists["note"].get_text() == ""
        assert "reaches a training loss" in fig.alt_text(fig.params)


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_lr_figure_writes_a_divergence_and_draws_no_nan():
    """No frame of the grid diverges, so a diverged run is built by hand: the figure must
    still say so in words, keep the curve finite, and cross the sweep's diverged cells."""
    r = pr.lr_compute(lr=1.0, init="xavier")
    table = dict(r.sweep)
    table["he"] = np.where(np.array(pr.SWEEP_LRS) == 30.0, np.nan, table["he"])
    broken = pr.LRFrame(30.0, "he", 1.0, table, np.array([0.7, 5.0, 3e3]), True, 3,
                        float("nan"), True)
    fig = plots.figure((7, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        artists = pr.lr_draw(fig, broken, None)
        assert artists["note"].get_text() == "diverged in epoch 3"
        assert "diverges in epoch 3" in pr.lr_alt({}, broken)
        assert np.isfinite(artists["curve"].get_ydata()).all()
        assert np.isfinite(artists["marker"].get_ydata()).all()
        assert len(artists["crosses"]["he"].get_xdata()) == 1
        assert "x = diverged" in fig.axes[0].get_legend().get_title().get_text()


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_bn_figure_extremes_without_warnings():
    fig = pr.bn_interactive()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # He initialization at 10: the plain network's loss explodes, a real divergence
        fig.update(lr=10.0, init="he")
        assert fig.artists["note"].get_text() == "without batch norm: diverged in epoch 3"
        assert "without batch norm training diverges in epoch 3" in fig.alt_text(fig.params)
        for line in fig.artists["curves"].values():
            assert np.isfinite(line.get_ydata()).all()
        fig.update(lr=10.0, init="xavier")  # both fail or falter there, neither diverges
        assert fig.artists["note"].get_text() == ""
        fig.update(lr=0.01, init="he")
        assert fig.artists["note"].get_text() == ""


def test_static_figures_draw():
    f1 = pr.normalization_figure()
    f2 = pr.monitor_figure()
    assert len(f1.axes) == 3 and len(f2.axes) == 2
    assert f2.axes[1].get_title().startswith("unhealthy")
