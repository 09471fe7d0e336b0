"""Batch normalization with mini-batches, and the scale invariance (chapter "Practical tips")."""

from __future__ import annotations

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import batch_statistics as bs
from backprop_lib import scale_invariance as si
from backprop_lib.batchnorm import BatchNormNetwork


def test_running_update_conventions_are_each_others_complement():
    for k in (0.1, 0.01, 0.5):
        assert bs.running_update(3.0, 5.0, k, "pytorch") == pytest.approx(
            bs.running_update(3.0, 5.0, 1 - k, "keras"))
    assert bs.running_update(0.0, 1.0, 0.99, "keras") == pytest.approx(0.01)
    with pytest.raises(ValueError, match="convention"):
        bs.running_update(0, 1, 0.1, "jax")


def test_batch_norm_network_keeps_pytorchs_convention():
    X, Y = bp.data.two_moons(8, seed=0)
    net = BatchNormNetwork([2, 3, 1], ["relu", "sigmoid"], "bce", momentum=0.2, seed=0)
    net.gradients(X, Y)
    Z = net.params["W1"] @ X
    np.testing.assert_allclose(net.running["mean1"], 0.2 * Z.mean(axis=1, keepdims=True))
    np.testing.assert_allclose(net.running["var1"],
                               0.8 + 0.2 * Z.var(axis=1, keepdims=True, ddof=1))


def test_batch_mean_spread_follows_one_over_sqrt_b():
    z = np.random.default_rng(0).normal(size=400)
    for B in (2, 8, 32):
        predicted = z.std() / np.sqrt(B) * np.sqrt((z.size - B) / (z.size - 1))
        assert bs.batch_mean_spread(z, B) == pytest.approx(predicted, rel=0.08)
    with pytest.raises(ValueError, match="batch_size"):
        bs.batch_mean_spread(z, 401)


def test_two_examples_normalize_to_minus_one_and_one():
    Z = np.random.default_rng(1).normal(size=(5, 2)) * 10
    out, _ = bp.batchnorm.batchnorm_forward(Z, np.ones((5, 1)), np.zeros((5, 1)))
    np.testing.assert_allclose(np.abs(out), 1, rtol=1e-3)  # up to eps
    assert (np.sign(out[:, 0]) == -np.sign(out[:, 1])).all()


def test_scale_invariance():
    X, Y = bp.data.two_moons(40, seed=0)
    net = BatchNormNetwork([2, 8, 8, 1], ["relu", "relu", "sigmoid"], "bce", init="he", seed=0)
    rows = si.scale_layer(net, X, Y, layer=2, factors=(1.0, 2.0, 4.0))
    assert rows[1].loss == pytest.approx(rows[0].loss, rel=1e-6)
    assert rows[1].grad_norm == pytest.approx(rows[0].grad_norm / 2, rel=1e-4)
    assert rows[2].update_ratio == pytest.approx(rows[0].update_ratio / 16, rel=1e-3)
    assert all(abs(r.cosine) < 1e-4 for r in rows)
    norms, ratios = si.norm_growth(net, X, Y, 0.5, 20, layer=2)
    assert (np.diff(norms) >= -1e-12).all()  # orthogonal steps only lengthen W
    with pytest.raises(TypeError, match="BatchNormNetwork"):
        si.scale_layer(bp.Network([2, 3, 1]), X, Y)
    with pytest.raises(ValueError, match="hidden layer"):
        si.scale_layer(net, X, Y, layer=3)


def test_large_rate_run_reports_a_dead_layer_and_a_zero_gradient():
    X, Y = bp.data.two_moons(40, seed=0)
    net = BatchNormNetwork([2, 8, 8, 1], ["relu", "relu", "sigmoid"], "bce", init="he", seed=0)
    calm = si.large_rate_run(net, X, Y, 0.1, 10, layer=1)
    assert calm.zero_from is None and calm.dead_layers == () and len(calm.ratios) == 10
    np.testing.assert_allclose(calm.ratios, si.norm_growth(net, X, Y, 0.1, 10, layer=1)[1])
    assert 0 <= calm.accuracy <= 1 and np.isfinite(calm.loss)
    # kill the last hidden layer: beta2 far below zero switches every ReLU off
    dead = net.copy()
    dead.params["beta2"][:] = -100.0
    run = si.large_rate_run(dead, X, Y, 0.1, 5, layer=1)
    assert run.zero_from == 0 and run.dead_layers == (2,) and (run.ratios == 0).all()
