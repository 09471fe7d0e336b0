"""Tests of backprop_lib.data: shapes, targets, seeding, and the geometry of each set."""

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import data


def test_xor():
    X, Y = data.xor()
    assert X.shape == (2, 4) and Y.shape == (1, 4)
    np.testing.assert_array_equal(Y[0], np.logical_xor(X[0], X[1]).astype(float))


@pytest.mark.parametrize("m", [2, 3, 200])
def test_two_moons_shapes_and_balanced_labels(m):
    X, Y = data.two_moons(m=m, seed=0)
    assert X.shape == (2, m) and Y.shape == (1, m)
    assert set(np.unique(Y)) <= {0.0, 1.0}
    assert Y.sum() == m - m // 2


def test_two_moons_without_noise_lies_on_two_unit_half_circles():
    X, Y = data.two_moons(m=50, noise=0.0, seed=0)
    upper = X[:, Y[0] == 0]
    lower = X[:, Y[0] == 1]
    np.testing.assert_allclose(np.hypot(upper[0], upper[1]), 1.0, rtol=1e-14)
    np.testing.assert_allclose(np.hypot(lower[0] - 1, lower[1] - 0.5), 1.0, rtol=1e-14)


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_spirals(n_classes):
    X, Y = data.spirals(m_per_class=30, n_classes=n_classes, seed=1)
    assert X.shape == (2, 30 * n_classes) and Y.shape == (n_classes, 30 * n_classes)
    np.testing.assert_array_equal(Y.sum(axis=0), 1.0)
    np.testing.assert_array_equal(Y.sum(axis=1), 30.0)
    assert np.hypot(X[0], X[1]).max() <= 1.0 + 1e-12  # radii run from 0.05 to 1


@pytest.mark.parametrize("m, n_classes", [(6, 2), (200, 3), (10, 4)])
def test_blobs(m, n_classes):
    X, Y = data.blobs(m=m, n_classes=n_classes, seed=2)
    assert X.shape == (2, m) and Y.shape == (n_classes, m)
    np.testing.assert_array_equal(Y.sum(axis=0), 1.0)
    counts = Y.sum(axis=1)
    assert counts.max() - counts.min() <= 1


def test_blobs_without_spread_sit_on_the_circle_of_radius_2():
    X, Y = data.blobs(m=9, n_classes=3, spread=0.0)
    np.testing.assert_allclose(np.hypot(X[0], X[1]), 2.0, rtol=1e-14)
    labels = Y.argmax(axis=0)
    np.testing.assert_allclose(np.arctan2(X[1], X[0]) % (2 * np.pi),
                               (2 * np.pi * labels / 3) % (2 * np.pi), atol=1e-12)


def test_regression_1d():
    X, Y = data.regression_1d(m=11, noise=0.0)
    assert X.shape == Y.shape == (1, 11)
    np.testing.assert_allclose(X[0], np.linspace(-1, 1, 11))
    np.testing.assert_allclose(Y[0], np.sin(3 * X[0]), rtol=1e-15)


@pytest.mark.parametrize("make", [
    lambda s: data.two_moons(m=20, seed=s),
    lambda s: data.spirals(m_per_class=5, seed=s),
    lambda s: data.blobs(m=20, seed=s),
    lambda s: data.regression_1d(m=20, seed=s),
], ids=["two_moons", "spirals", "blobs", "regression_1d"])
def test_seeded(make):
    X1, Y1 = make(4)
    X2, Y2 = make(4)
    X3, Y3 = make(5)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(Y1, Y2)
    assert not (np.array_equal(X1, X3) and np.array_equal(Y1, Y3))


def test_one_hot():
    Y = data.one_hot([2, 0, 1, 2], 3)
    np.testing.assert_array_equal(Y, [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]])
    assert Y.dtype == np.float64


def test_datasets_train_with_their_natural_loss():
    X, Y = data.spirals(m_per_class=10, seed=0)
    net = bp.Network([2, 8, 3], activations=["tanh", "identity"], loss="softmax_ce")
    assert np.isfinite(net.loss(X, Y))
    X, Y = data.two_moons(m=20)
    net = bp.Network([2, 8, 1], activations=["tanh", "sigmoid"], loss="bce")
    assert np.isfinite(net.loss(X, Y))
