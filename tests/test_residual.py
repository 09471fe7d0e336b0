"""Tests for backprop_lib.residual (chapter "Vanishing and exploding gradients")."""

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import diagnostics as dg
from backprop_lib.residual import ResidualNetwork


def _data(n0=2, nL=1, m=10, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n0, m)), rng.uniform(0.1, 0.9, (nL, m))


@pytest.mark.parametrize("act,loss,out", [("tanh", "half_mse", "identity"),
                                          ("sigmoid", "bce", "sigmoid"),
                                          ("leaky_relu", "mse", "identity"),
                                          ("relu", "softmax_ce", "identity")])
def test_gradcheck(act, loss, out):
    nL = 3 if loss == "softmax_ce" else 1
    X, Y = _data(nL=nL)
    if loss == "softmax_ce":
        Y = Y / Y.sum(axis=0, keepdims=True)
    net = ResidualNetwork([2, 5, 5, 5, nL], [act] * 3 + [out], loss=loss, seed=3)
    assert net.residual_layers == [2, 3]
    check = bp.gradcheck(net, X, Y)
    assert check.max_relative_error < 1e-7, check.table()


def test_forward_adds_the_input():
    X, _ = _data()
    net = ResidualNetwork([2, 3, 3, 1], ["tanh", "tanh", "identity"], seed=0)
    net.forward(X)
    A1, A2 = net.cache["A"][1], net.cache["A"][2]
    Z2 = net.params["W2"] @ A1 + net.params["b2"]
    np.testing.assert_allclose(A2, A1 + np.tanh(Z2), rtol=1e-12)


def test_zero_weights_pass_the_gradient_through_unchanged():
    """With W = 0 in the residual layers, each is the identity, and dA{l-1} = dA{l}."""
    X, Y = _data()
    net = ResidualNetwork([2, 4, 4, 4, 1], ["tanh"] * 3 + ["identity"], seed=0)
    for l in (2, 3):
        net.params[f"W{l}"][...] = 0.0
    t = net.trace(X, Y)
    np.testing.assert_allclose(t["dA1"], t["dA3"], rtol=1e-12)


def test_trace_matches_gradients_and_train_runs():
    X, Y = _data()
    net = ResidualNetwork([2, 4, 4, 1], ["relu", "relu", "identity"], seed=0)
    g = net.gradients(X, Y)
    t = net.trace(X, Y)
    for k in g:
        np.testing.assert_allclose(g[k], t[k])
    h = bp.train(net, X, Y, bp.optimizers.SGD(0.05), epochs=20)
    assert h.loss[-1] < h.loss[0]


def test_residual_keeps_sigmoid_gradients_from_vanishing():
    X, Y = _data(n0=1, m=32)
    sizes = [1] + [16] * 9 + [1]
    acts = ["sigmoid"] * 9 + ["identity"]
    plain = dg.gradient_ratio(bp.Network(sizes, acts, seed=0), X, Y)
    res = dg.gradient_ratio(ResidualNetwork(sizes, acts, seed=0), X, Y)
    assert plain < 1e-4 < res


def test_needs_equal_hidden_widths():
    with pytest.raises(ValueError, match="layer_sizes"):
        ResidualNetwork([2, 3, 4, 1], ["tanh", "tanh", "identity"])
