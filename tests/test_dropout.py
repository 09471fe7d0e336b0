"""Inverted dropout (chapter "Practical tips")."""

from __future__ import annotations

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib.dropout import DropoutNetwork

SIZES, ACTS = [2, 6, 5, 1], ["tanh", "relu", "sigmoid"]


def test_gradients_are_those_of_the_masked_loss():
    X, Y = bp.data.two_moons(10, seed=0)
    net = DropoutNetwork(SIZES, ACTS, "bce", init="xavier", keep=0.7)
    grads = net.gradients(X, Y)
    assert any((m == 0).any() for m in net.masks.values())
    for name, w in net.params.items():
        num = bp.numerical_gradient(lambda: net.training_loss(X, Y), w)
        assert bp.relative_error(grads["d" + name], num) < 1e-7


def test_off_at_test_time_and_the_plain_network_at_keep_1():
    X, Y = bp.data.two_moons(30, seed=1)
    drop = DropoutNetwork(SIZES, ACTS, "bce", init="xavier", keep=0.5)
    plain = bp.Network(SIZES, ACTS, "bce", init="xavier")
    np.testing.assert_array_equal(drop.predict(X), plain.predict(X))
    assert drop.loss(X, Y) == plain.loss(X, Y)
    full = DropoutNetwork(SIZES, ACTS, "bce", init="xavier", keep=1.0)
    for k, g in full.gradients(X, Y).items():
        np.testing.assert_array_equal(g, plain.gradients(X, Y)[k])


def test_inverted_scaling_keeps_the_expected_activation():
    net = DropoutNetwork([2, 400, 1], ["relu", "sigmoid"], "bce", keep=0.25, mask_seed=3)
    X = np.ones((2, 500))
    net.loss_and_gradients(X, np.ones((1, 500)))
    dropped, kept = net.cache["Adrop"][1], net.cache["A"][1]
    assert dropped.mean() == pytest.approx(kept.mean(), rel=0.02)


def test_bad_input():
    with pytest.raises(ValueError, match="keep"):
        DropoutNetwork(SIZES, ACTS, keep=0.0)
    with pytest.raises(ValueError, match="keep"):
        DropoutNetwork(SIZES, ACTS, keep=1.5)
    with pytest.raises(ValueError, match="training_loss"):
        DropoutNetwork(SIZES, ACTS).training_loss(np.ones((2, 3)), np.ones((1, 3)))
