"""Figures of chapter "Practical tips": extreme slider settings show divergence as a message,
never a traceback, a warning or a NaN curve; grids stay small."""

from __future__ import annotations

import warnings

import numpy as np

from backprop_lib import interactive as ia
from backprop_lib.figures import practical as pr


def test_grids_are_small():
    assert len(ia.frames(pr.LR_CONTROLS, pr.LR_JOINT)) <= 25
    assert len(ia.frames(pr.BN_CONTROLS, pr.BN_JOINT)) <= 25


def test_lr_figure_extremes_without_warnings():
    fig = pr.lr_interactive()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.update(lr=10.0, init="he", scale=2.0)
        note = fig.artists["note"].get_text()
        assert note.startswith("diverged in epoch")
        assert "diverges" in fig.alt_text(fig.params)
        y = fig.artists["curve"].get_ydata()
        assert np.isfinite(y).all()
        fig.update(lr=0.01, init="small", scale=0.5)
        assert fig.artists["note"].get_text() == ""
        assert "reaches a training loss" in fig.alt_text(fig.params)


def test_bn_figure_extremes_without_warnings():
    fig = pr.bn_interactive()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.update(lr=10.0, init="xavier")
        assert "diverged in epoch" in fig.artists["note"].get_text()
        assert "diverges" in fig.alt_text(fig.params)
        for line in fig.artists["curves"].values():
            assert np.isfinite(line.get_ydata()).all()
        fig.update(lr=0.01, init="he")
        assert fig.artists["note"].get_text() == ""


def test_static_figures_draw():
    f1 = pr.normalization_figure()
    f2 = pr.monitor_figure()
    assert len(f1.axes) == 3 and len(f2.axes) == 2
    assert f2.axes[1].get_title().startswith("unhealthy")
