"""The sanity checks of a training recipe (chapter "Practical tips")."""

from __future__ import annotations

import math

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import recipe as rc


def test_expected_initial_loss():
    assert rc.expected_initial_loss("bce") == pytest.approx(math.log(2))
    assert rc.expected_initial_loss("softmax_ce", 10) == pytest.approx(math.log(10))
    with pytest.raises(ValueError, match="loss"):
        rc.expected_initial_loss("mse")
    with pytest.raises(ValueError, match="n_classes"):
        rc.expected_initial_loss("softmax_ce", 1)


def test_update_ratios_are_lr_times_gradient_over_weight_norm():
    X, Y = bp.data.two_moons(20, seed=0)
    net = bp.Network([2, 5, 1], ["tanh", "sigmoid"], "bce", seed=0)
    r = rc.update_ratios(net, X, Y, 0.5)
    g = net.gradients(X, Y)
    assert r[0] == pytest.approx(0.5 * np.linalg.norm(g["dW1"]) / np.linalg.norm(net.params["W1"]))
    np.testing.assert_allclose(rc.update_ratios(net, X, Y, 1.0), 2 * r)
    with pytest.raises(ValueError, match="lr"):
        rc.update_ratios(net, X, Y, -1.0)


def test_search_helpers():
    grid = rc.grid_search(0, budget=4)
    assert len(grid) == 4 and len({t[0] for t in grid}) == 2
    rand = rc.random_search(0, budget=4)
    assert len({t[0] for t in rand}) == 4
    assert all(rc.LR_RANGE[0] <= t[0] <= rc.LR_RANGE[1] for t in rand)
    (lo, hi), _ = rc.refine(rand)
    best = min(rand, key=lambda t: t[2])[0]
    assert lo == pytest.approx(best / 3) and hi == pytest.approx(best * 3)
    assert rc.steps_to_overfit(0, max_steps=5) is None


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_search_test_losses_score_each_chosen_trial_on_fresh_points():
    out = rc.search_test_losses(seed=0)
    assert set(out) == {"grid", "centred", "random", "more", "fine"}
    assert all(0 < v < 1 for v in out.values())
    Xt, Yt = rc.search_test_data()
    assert Xt.shape == (2, rc.SEARCH_TEST_SIZE) and Yt.shape == (1, rc.SEARCH_TEST_SIZE)
    X, _, Xv, _ = rc.search_data()
    assert not np.isin(Xt[0], X[0]).any() and not np.isin(Xt[0], Xv[0]).any()
