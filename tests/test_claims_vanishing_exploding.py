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
