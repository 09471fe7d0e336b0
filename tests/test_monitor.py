"""The per-layer gradient-norm monitor and its rule (chapter "Practical tips")."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib.monitor import GradientMonitor, GradientWarning


def test_rule_on_given_norms():
    mon = GradientMonitor(vanish=1e-6, explode=1e3, spread=1e3)
    assert mon.observe(0, [1e-2, 1e-1, 1.0]) == []
    new = mon.observe(1, [1e-7, 1e-1, 2e3])
    kinds = sorted((f.layer if f.layer else 0, f.kind) for f in new)
    assert kinds == [(0, "imbalance"), (1, "vanishing"), (3, "exploding")]
    assert mon.observe(2, [1e-8, 1e-1, 5e3]) == []  # each (layer, kind) is reported once
    assert mon.norms.shape == (3, 3)
    assert "layer 1" in mon.report() and "vanishing" in mon.report()
    # just inside every limit: nothing
    quiet = GradientMonitor()
    quiet.observe(0, [1.0, 1.0])
    assert quiet.observe(1, [1.01, 999.0]) == []
    assert GradientMonitor().observe(0, [1.01e-6, 1e-3]) == []


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
        mon.observe(0, [1e-9, 1.0])
        mon.observe(1, [1e-9, 1.0])
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
