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


def test_large_rate_run_reports_a_dead_layer_and_a_frozen_gradient():
    X, Y = bp.data.two_moons(40, seed=0)
    net = BatchNormNetwork([2, 8, 8, 1], ["relu", "relu", "sigmoid"], "bce", init="he", seed=0)
    calm = si.large_rate_run(net, X, Y, 0.1, 10, layer=1)
    assert calm.frozen_from is None and calm.mechanism is None and len(calm.ratios) == 10
    assert calm.dead_layers == () and calm.live_examples > 0 and calm.live_max_error > 1e-3
    np.testing.assert_allclose(calm.ratios, si.norm_growth(net, X, Y, 0.1, 10, layer=1)[1])
    assert 0 <= calm.accuracy <= 1 and np.isfinite(calm.loss)
    # kill the last hidden layer: beta2 far below zero switches every ReLU off
    dead = net.copy()
    dead.params["beta2"][:] = -100.0
    run = si.large_rate_run(dead, X, Y, 0.1, 5, layer=1)
    assert run.frozen_from == 0 and run.dead_layers == (2,) and (run.ratios == 0).all()
    assert run.mechanism == "dead layer" and run.live_examples == 0
    # saturate the output instead: a huge positive output weight makes every live example's
    # logit tens of units wide; labelled 1, each is right and its error sigma(-z) is ~1e-38
    sat = net.copy()
    sat.forward(X)
    on = (sat.cache["A"][2] > 0).any(axis=0)
    Ys = np.where(on, 1.0, Y.ravel())[None, :]
    sat.params["W3"][:] = 1e3
    run = si.large_rate_run(sat, X, Ys, 1e-6, 3, layer=1)
    assert run.live_examples == on.sum() > 0 and run.dead_layers == ()
    assert run.live_min_logit > 40 and run.live_max_error < si.FROZEN_RATIO
    assert run.frozen_from == 0 and run.mechanism == "saturated output"

def test_bias_two_cycle_is_the_period_2_orbit_above_the_stability_limit():
    b, loss = si.bias_two_cycle(10.0)
    sig = 1 / (1 + np.exp(-b))
    assert b - 10.0 * (sig - 0.5) == pytest.approx(-b, abs=1e-12)  # b -> -b -> b
    assert loss == pytest.approx(-0.5 * (np.log(sig) + np.log(1 - sig)))
    x = 0.01  # the map itself, from near the unstable fixed point 0, lands on the cycle
    for _ in range(500):
        x -= 10.0 * (1 / (1 + np.exp(-x)) - 0.5)
    assert abs(x) == pytest.approx(b, rel=1e-9)
    with pytest.raises(ValueError, match="stable"):
        si.bias_two_cycle(8.0)
