"""Tests for backprop_lib.diagnostics (chapters "Vanishing and exploding gradients" and
"Dead neurons and slow convergence")."""

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import diagnostics as dg


def _data(m=12, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((3, m)), rng.standard_normal((1, m))


def test_layer_gradient_norms_match_gradients():
    X, Y = _data()
    net = bp.Network([3, 5, 4, 1], ["tanh", "relu", "identity"], seed=2)
    grads = net.gradients(X, Y)
    expected = [np.linalg.norm(grads[f"dW{l}"]) for l in (1, 2, 3)]
    np.testing.assert_allclose(dg.layer_gradient_norms(net, X, Y), expected, rtol=1e-12)


def test_first_last_ratio_and_edge_cases():
    assert dg.first_last_ratio([2.0, 5.0, 0.5]) == pytest.approx(4.0)
    assert dg.first_last_ratio([1.0, 0.0]) == float("inf")
    assert np.isnan(dg.first_last_ratio([0.0, 0.0]))
    with pytest.raises(ValueError, match="norms"):
        dg.first_last_ratio([1.0])
    with pytest.raises(ValueError, match="non-negative"):
        dg.first_last_ratio([1.0, -2.0])


def test_backward_factors_multiply_to_dA1_over_dAL():
    X, Y = _data()
    net = bp.Network([3, 4, 4, 4, 1], ["sigmoid"] * 3 + ["identity"], seed=1)
    f = dg.backward_factors(net, X, Y)
    t = net.trace(X, Y)
    assert f.shape == (3,)
    assert np.prod(f) == pytest.approx(np.linalg.norm(t["dA1"]) / np.linalg.norm(t["dA4"]))


def test_sigmoid_small_init_factor_is_far_below_quarter():
    """The per-layer factor includes the weights: 0.01 weights make it ~ 0.25 * 0.01 * sqrt(n)."""
    X, Y = _data(m=32)
    net = bp.Network([3] + [16] * 5 + [1], ["sigmoid"] * 5 + ["identity"], init="small", seed=0)
    f = dg.backward_factors(net, X, Y)
    assert np.all(f < 0.05)


def test_dead_units_counted_from_biases():
    X, _ = _data()
    net = bp.Network([3, 4, 4, 1], ["relu", "relu", "identity"], seed=0)
    net.params["b1"][:2] = -1e6  # two of the four first-layer units can never fire
    masks = dg.inactive_units(net, X)
    assert masks[1][:2].all()
    assert dg.dead_unit_fraction(net, X) >= 2 / 8
    assert dg.frozen_unit_fraction(net, X, _data()[1]) >= 2 / 8


def test_leaky_units_are_inactive_but_not_frozen():
    X, Y = _data()
    net = bp.Network([3, 4, 1], ["leaky_relu", "identity"], seed=0)
    net.params["b1"][...] = -1e3
    assert dg.dead_unit_fraction(net, X) == 1.0
    assert dg.frozen_unit_fraction(net, X, Y) == 0.0


def test_no_rectifier_layers_means_zero():
    X, Y = _data()
    net = bp.Network([3, 4, 1], ["tanh", "identity"], seed=0)
    assert dg.dead_unit_fraction(net, X) == 0.0
    assert dg.frozen_unit_fraction(net, X, Y) == 0.0


def test_bad_input():
    X, Y = _data()
    with pytest.raises(TypeError, match="net"):
        dg.layer_gradient_norms("not a net", X, Y)
    net = bp.Network([3, 2], "identity")
    with pytest.raises(ValueError, match="at least 2 layers"):
        dg.backward_factors(net, X, Y[:, :])
    with pytest.raises(ValueError, match="X"):
        dg.dead_unit_fraction(bp.Network([3, 4, 1], ["relu", "identity"]), X[:2])


def test_first_last_ratio_refuses_what_is_not_a_list_of_numbers():
    with pytest.raises(TypeError, match="norms must hold real numbers"):
        dg.first_last_ratio(["a", "b"])
    with pytest.raises(TypeError, match="norms"):
        dg.first_last_ratio(None)
    assert dg.first_last_ratio(np.array([4, 2])) == 2.0  # integers are numbers
