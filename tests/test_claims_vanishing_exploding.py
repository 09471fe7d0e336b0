"""Claims the prose of chapters 5 and 6 makes in words (not glued numbers), recomputed."""

import numpy as np
import pytest

from backprop_lib import diagnostics as dg
from backprop_lib.figures import dead_neurons as dn
from backprop_lib.figures import gradients_depth as gd


def test_quarter_to_the_tenth():
    assert f"{0.25 ** 10:.2e}" == "9.54e-07"


def test_sigmoid_vanishes_under_every_scheme_and_fan_in_schemes_keep_others_balanced():
    X, Y = gd.dataset()
    for init in gd.INITS:
        r = dg.gradient_ratio(gd.deep_net("sigmoid", init), X, Y)
        assert r < 1e-4
    for act in ("tanh", "relu", "leaky_relu"):
        for init in ("lecun", "xavier", "he"):
            r = dg.gradient_ratio(gd.deep_net(act, init), X, Y)
            assert 0.05 < r < 20, (act, init, r)  # "within about one order of magnitude"


def test_weights_make_a_sigmoid_layer_factor_exceed_a_quarter():
    X, Y = gd.dataset()
    assert dg.backward_factors(gd.deep_net("sigmoid", "he"), X, Y).max() > 0.25


def test_clipping_rescues_the_exploding_net_and_leaves_the_ratio():
    r = gd.clipping_compute(threshold=1.0, lr=0.01, init="he", scale=1.5)
    assert r.plain_stop is not None and r.clipped_stop is None
    assert dg.first_last_ratio(r.vanish_after) == pytest.approx(
        dg.first_last_ratio(r.vanish_before), rel=1e-9)


def test_residual_relu_he_has_larger_gradients():
    plain, res = gd.residual_norms("relu", "he")
    assert res[0] > 100 * plain[0]


def test_leaky_relu_units_are_never_frozen_and_relu_ones_are():
    relu = dn.dead_run(lr=0.3, activation="relu")
    leaky = dn.dead_run(lr=0.3, activation="leaky_relu")
    assert relu.frozen[-1] > 0.2 and leaky.frozen[-1] == 0.0
    assert leaky.dead[-1] > 0.2  # "about as many leaky units end up below zero"


def test_small_init_plateau_is_ln2_and_xavier_needs_a_large_enough_rate():
    r = dn.plateau_run(lr=3.0, init="small")
    assert r.reached is None and abs(r.loss[-1] - np.log(2)) < 1e-3
    assert dn.plateau_run(lr=0.3, init="xavier").reached is None
    assert dn.plateau_run(lr=3.0, init="xavier").reached is not None


def test_small_init_plateau_outputs_one_half_for_every_input():
    """'the network outputs 0.5 for every input' (small init, learning rate 3, on XOR).
    The run is rebuilt as dn.plateau_run builds it; equal loss curves show it is the same run."""
    from backprop_lib.network import Network
    from backprop_lib.optimizers import SGD
    from backprop_lib.train import train
    X, Y = dn.xor()
    net = Network([2, 4, 1], "sigmoid", loss="bce", init="small", init_scale=1.0, seed=0)
    h = train(net, X, Y, SGD(3.0), epochs=dn.PLATEAU_EPOCHS, on_divergence="ignore")
    assert np.array_equal(h.loss, dn.plateau_run(lr=3.0, init="small").loss)
    assert np.allclose(net.predict(X), 0.5, rtol=0, atol=1e-5)


def test_residual_skips_around_layers_2_to_9_of_the_width_16_network():
    # "a skip around every hidden layer whose width equals the one before (layers 2 to 9
    # here)"; "a 10-layer sigmoid network of width 16"
    assert gd.WIDTH == 16
    assert gd.deep_net("sigmoid", "xavier", residual=True).residual_layers == list(range(2, 10))


def test_sigmoid_20_layers_and_tanh_small_get_no_further_than_predicting_the_mean():
    # Interactive figure 1: "Try sigmoid at 20 layers, or tanh with the `small` scheme: the
    # loss falls no lower than that of a constant prediction, the mean of y, and stays flat
    # there" (the figure's defaults otherwise: learning rate 0.03, 100 epochs)
    X, Y = gd.dataset()
    constant = 0.5 * np.mean((Y - Y.mean()) ** 2)
    assert gd.EPOCHS == 100
    for kw in (dict(activation="sigmoid", depth=20), dict(activation="tanh", init="small")):
        r = gd.depth_compute(**kw)
        assert not r.diverged
        assert r.loss.min() >= constant * (1 - 1e-9), kw
        assert r.loss[-1] == pytest.approx(constant, rel=1e-4), kw
        assert np.ptp(r.loss[-20:]) < 1e-4 * constant, kw  # flat over the last 20 epochs
