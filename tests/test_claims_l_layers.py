"""Numbers and facts typed in the prose of chapter 4 (book/04_l_layers.ipynb), recomputed."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib.figures import l_layers as ll
from backprop_lib.figures import training
from backprop_lib.figures import worked_example as we


@pytest.mark.parametrize("m", [2, 5, 50])
def test_a_factor_m_gives_relative_error_m_minus_1_over_m_plus_1(m):
    g = np.random.default_rng(m).normal(size=(3, 4))
    assert bp.relative_error(m * g, g) == pytest.approx((m - 1) / (m + 1))


def test_weight_from_the_larger_input_gets_1_6_times_the_gradient():
    net, X, Y = we.worked_network()
    g = net.gradients(X, Y)["dW1"]
    np.testing.assert_allclose(g[:, 1] / g[:, 0], 0.8 / 0.5, rtol=1e-12)


def test_backprop_costs_about_three_forward_passes_and_paths_grow_a_hundredfold():
    ratios, paths = [], []
    for depth in (2, 4, 6, 8):
        c = ll.multiplication_counts([10] * depth + [1])
        ratios.append(c["backprop"] / c["forward"])
        paths.append(c["paths"])
        assert c["finite_differences"] == 2 * c["P"] * c["forward"]
    assert all(2 < r < 3 for r in ratios) and ratios == sorted(ratios)
    assert all(b / a > 100 for a, b in zip(paths, paths[1:], strict=False))


def test_zeros_never_moves_and_large_rates_diverge():
    """Zero weights: no weight gets a gradient, and with balanced classes neither does the
    output bias, so the loss stays at its first value (ln 2) at every learning rate."""
    lrs = next(c for c in training.CONTROLS if c.name == "lr").values
    for lr in lrs:
        r = training.compute(lr=lr, init="zeros", scale=1.0)
        assert not r.diverged, lr
        assert np.ptp(r.loss) < 1e-12 and abs(r.loss[0] - np.log(2)) < 1e-12, lr
    assert training.compute(lr=10.0, init="xavier").diverged
    assert not training.compute(lr=1.0, init="xavier").diverged


def test_figure_and_text_settings_agree():
    # "a 2-16-1 network (tanh hidden layer, sigmoid output, binary cross-entropy)"
    assert training.LAYERS == [2, 16, 1] and training.ACTIVATIONS == ["tanh", "sigmoid"]
    # "a 2-32-3 network (tanh hidden layer, Adam with a learning rate of 0.01, 1000 epochs)"
    sig = inspect.signature(ll.train_spirals).parameters
    assert (sig["hidden"].default, sig["lr"].default, sig["epochs"].default) == (32, 0.01, 1000)


def test_small_learning_rate_is_several_times_behind():
    # "after the same 300 epochs its loss is still several times higher than at a
    # learning rate of 1"
    slow = training.compute(lr=0.01, init="xavier").loss[-1]
    assert training.EPOCHS == 300
    assert slow > 3 * training.compute(lr=1.0, init="xavier").loss[-1]
