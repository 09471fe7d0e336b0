"""Chapter 11's figures: every frame of the player computes and draws, and the static
figures draw from the study's results."""

import numpy as np
import pytest

from backprop_lib import digits, digits_bugs
from backprop_lib import digits_study as ds
from backprop_lib.figures import digits as fd


@pytest.mark.slow
def test_every_frame_of_the_player_draws():
    fig = fd.CURVES.interactive()
    for params in fig.grid():
        fig.update(**params)
        assert "validation accuracy" in fig.alt_text()


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_a_frame_updates_its_artists():
    fig = fd.CURVES.interactive()
    fig.update(lr=1e-2, init="he")
    first = fig.png()
    fig.update(lr=1e-3, init="he")
    assert fig.png() != first


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_static_figures_draw():
    s = digits.split()
    fd.samples_figure(s.X_train, s.y_train)
    C = ds.confusion(s.y_val, s.y_val)
    fd.confusion_figure(C)
    fd.mistakes_figure(s.X_val, s.y_val, s.y_val, [0, 1])
    fd.norms_figure(np.ones((3, 2)), np.full((3, 2), 0.1))
    clean = digits_bugs.train_loop(None, epochs=2)
    fd.mystery_figure(clean, clean)


@pytest.mark.slow
def test_the_search_figure_shows_every_seed_s_point():
    plain, bn = ds.search(False), ds.search(True)
    fig = fd.search_figure(plain, bn)
    ax_acc = fig.axes[1]
    lo, hi = ax_acc.get_ylim()
    values = np.concatenate([plain.val_acc.ravel(), bn.val_acc.ravel()])
    assert lo <= values.min() and values.max() <= hi
