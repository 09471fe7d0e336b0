"""The per-layer gradient-norm monitor and its rule (chapter "Practical tips")."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib.monitor import GradientMonitor, GradientWarning, scaled_loss


def test_rule_on_given_norms():
    mon = GradientMonitor(vanish=1e-6, explode=1e3, spread=1e3)
    assert mon.observe(0, [1e-2, 1e-1, 1.0]) == []
    new = mon.observe(1, [1e-7, 1e-1, 2e3], ratios=[1e-7, 1e-3, 1e-3])
    kinds = sorted((f.layer if f.layer else 0, f.kind) for f in new)
    assert kinds == [(0, "imbalance"), (1, "vanishing"), (3, "exploding")]
    assert mon.observe(2, [1e-8, 1e-1, 5e3], [1e-8, 1e-3, 1e-3]) == []  # each reported once
    assert mon.norms.shape == (3, 3)
    assert "layer 1" in mon.report() and "vanishing" in mon.report()
    # just inside every limit: nothing
    quiet = GradientMonitor()
    quiet.observe(0, [1.0, 1.0])
    assert quiet.observe(1, [1.01, 999.0]) == []
    assert GradientMonitor().observe(0, [1.01e-6, 1e-3], [1.01e-6, 1e-3]) == []
    # the relative rule waits for a ratio: a tiny gradient alone is not "vanishing"
    assert GradientMonitor().observe(0, [1e-9, 1e-7]) == []
    # the old absolute rule, kept to show the difference, looks at the gradient itself
    kinds = [f.kind for f in GradientMonitor(rule="absolute").observe(0, [1e-9, 1e-7])]
    assert kinds == ["vanishing", "vanishing"]


def test_ratios_are_read_from_the_weights_and_ignore_the_loss_scale():
    X, Y = bp.data.two_moons(100, seed=0)
    deep = bp.Network([2] + [16] * 7 + [1], "sigmoid", "bce", init="small", seed=0)
    verdicts = {}
    for rule in ("relative", "absolute"):
        for factor in (1.0, 1e4):
            mon = GradientMonitor(rule=rule)
            net = scaled_loss(deep, factor) if factor != 1 else deep.copy()
            before = net.copy()
            bp.train(net, X, Y, bp.optimizers.SGD(0.3 / factor), epochs=30, callback=mon)
            verdicts[rule, factor] = [(f.epoch, f.layer, f.kind) for f in mon.findings]
            assert np.isnan(mon.ratios[0]).all() and mon.ratios.shape == (30, 8)
        # the first ratio is the step of epoch 1, measured on the weights themselves
        one = before.copy()
        bp.train(one, X, Y, bp.optimizers.SGD(0.3), epochs=1)
        two = one.copy()
        bp.train(two, X, Y, bp.optimizers.SGD(0.3), epochs=1)
        expected = np.linalg.norm(two.params["W8"] - one.params["W8"]) / np.linalg.norm(
            one.params["W8"])
        mon = GradientMonitor()
        bp.train(before.copy(), X, Y, bp.optimizers.SGD(0.3), epochs=2, callback=mon)
        assert mon.ratios[1, 7] == pytest.approx(expected, rel=1e-9)
    assert verdicts["relative", 1.0] == verdicts["relative", 1e4]  # scale-free
    assert verdicts["absolute", 1.0] != verdicts["absolute", 1e4]  # the flaw it replaces
    assert any(k == "vanishing" for _, _, k in verdicts["relative", 1.0])


def test_scaled_loss_multiplies_loss_and_gradients():
    X, Y = bp.data.two_moons(20, seed=1)
    net = bp.Network([2, 4, 1], ["tanh", "sigmoid"], "bce", seed=0)
    big = scaled_loss(net, 100.0)
    loss, grads = net.loss_and_gradients(X, Y)
    loss2, grads2 = big.loss_and_gradients(X, Y)
    assert loss2 == pytest.approx(100 * loss)
    for k in grads:
        np.testing.assert_allclose(grads2[k], 100 * grads[k])
    with pytest.raises(ValueError, match="factor"):
        scaled_loss(net, -1.0)


def test_as_train_callback_finds_vanishing_in_deep_sigmoid_net():
    X, Y = bp.data.two_moons(100, seed=0)
    deep = bp.Network([2] + [16] * 7 + [1], "sigmoid", "bce", init="small", seed=0)
    mon = GradientMonitor()
    h = bp.train(deep, X, Y, bp.optimizers.SGD(0.3), epochs=20, callback=mon)
    np.testing.assert_array_equal(mon.norms, h.grad_norms)
    kinds = {f.kind for f in mon.findings}
    assert {"vanishing", "imbalance"} <= kinds
    assert min(f.layer for f in mon.findings if f.kind == "vanishing") == 1


def test_healthy_network_gives_no_findings_and_stop_ends_training():
    X, Y = bp.data.two_moons(100, seed=0)
    X = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
    net = bp.Network([2, 16, 16, 1], ["tanh", "tanh", "sigmoid"], "bce", seed=0)
    mon = GradientMonitor()
    bp.train(net, X, Y, bp.optimizers.SGD(0.3), epochs=50, callback=mon)
    assert mon.findings == [] and mon.report() == "no findings in 50 epochs"
    deep = bp.Network([2] + [16] * 7 + [1], "sigmoid", "bce", init="small", seed=0)
    stopper = GradientMonitor(stop=True)
    h = bp.train(deep, X, Y, bp.optimizers.SGD(0.3), epochs=50, callback=stopper)
    assert len(h.loss) == 1


def test_warn_option_issues_one_warning_per_finding():
    mon = GradientMonitor(warn=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mon.observe(0, [1e-9, 1.0])  # imbalance
        mon.observe(1, [1e-9, 1.0], [1e-9, 1e-3])  # vanishing; the imbalance is not repeated
    assert [type(w.message) for w in caught] == [GradientWarning, GradientWarning]
    mon.reset()
    assert mon.findings == [] and mon.norms.shape == (0, 0)


def test_bad_input():
    with pytest.raises(ValueError, match="vanish"):
        GradientMonitor(vanish=0)
    with pytest.raises(TypeError, match="explode"):
        GradientMonitor(explode="big")
    with pytest.raises(TypeError, match="stop"):
        GradientMonitor(stop=1)
    with pytest.raises(ValueError, match="rule"):
        GradientMonitor(rule="gradient")
    with pytest.raises(ValueError, match="ratios"):
        GradientMonitor().observe(0, [1.0, 1.0], [1.0])
    with pytest.raises(ValueError, match="ratios"):
        GradientMonitor().observe(0, [1.0, 1.0], [1.0, -1.0])
    mon = GradientMonitor()
    with pytest.raises(ValueError, match="norms must be finite"):
        mon.observe(0, [np.nan, 1.0])
    mon.observe(0, [1.0, 1.0])
    with pytest.raises(ValueError, match="one entry per layer"):
        mon.observe(1, [1.0, 1.0, 1.0])


def test_observe_refuses_what_is_not_a_list_of_norms():
    with pytest.raises(TypeError, match="norms must hold real numbers"):
        GradientMonitor().observe(0, ["a", "b"])
    with pytest.raises(ValueError, match="non-negative"):
        GradientMonitor().observe(0, [1.0, -1.0])
    with pytest.raises(TypeError, match="epoch"):
        GradientMonitor().observe(0.5, [1.0])
