"""Layer and group normalization (chapter "Practical tips"): forward, backward, network."""

from __future__ import annotations

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib.layernorm import LayerNormNetwork, groupnorm_backward, groupnorm_forward


@pytest.mark.parametrize("groups", [1, 2, 3])
def test_forward_normalizes_each_example_over_its_groups(groups):
    rng = np.random.default_rng(0)
    Z = rng.normal(3.0, 2.0, size=(6, 5))
    out, _ = groupnorm_forward(Z, np.ones((6, 1)), np.zeros((6, 1)), groups=groups)
    g = out.reshape(groups, 6 // groups, 5)
    np.testing.assert_allclose(g.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(g.var(axis=1), 1, rtol=1e-3)


@pytest.mark.parametrize("groups", [1, 2])
def test_backward_matches_central_differences(groups):
    rng = np.random.default_rng(1)
    Z, R = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    gamma, beta = rng.uniform(0.5, 2, (4, 1)), rng.normal(size=(4, 1))
    _, cache = groupnorm_forward(Z, gamma, beta, groups)
    dZ, dgamma, dbeta = groupnorm_backward(R, cache)
    for value, x in ((dZ, Z), (dgamma, gamma), (dbeta, beta)):
        num = bp.numerical_gradient(
            lambda: float(np.sum(R * groupnorm_forward(Z, gamma, beta, groups)[0])), x)
        assert bp.relative_error(value, num) < 1e-7


@pytest.mark.parametrize("groups", [1, 2])
def test_network_gradcheck_and_a_batch_of_one(groups):
    X, Y = bp.data.two_moons(12, seed=0)
    net = LayerNormNetwork([2, 6, 4, 1], ["tanh", "tanh", "sigmoid"], "bce", init="xavier",
                           groups=groups)
    assert bp.gradcheck(net, X, Y).max_relative_error < 1e-6
    assert bp.gradcheck(net, X[:, :1], Y[:, :1]).max_relative_error < 1e-6
    # no running statistics: predicting an example alone gives what it gets in a batch
    np.testing.assert_allclose(net.predict(X[:, :1]), net.predict(X)[:, :1])
    assert net.running == {}


def test_matches_batch_norm_of_the_transpose():
    rng = np.random.default_rng(2)
    Z = rng.normal(size=(5, 7))
    ln, _ = groupnorm_forward(Z, np.ones((5, 1)), np.zeros((5, 1)))
    bn, _ = bp.batchnorm.batchnorm_forward(Z.T, np.ones((7, 1)), np.zeros((7, 1)))
    np.testing.assert_allclose(ln, bn.T, atol=1e-12)


def test_bad_input():
    with pytest.raises(ValueError, match="groups"):
        groupnorm_forward(np.ones((6, 2)), np.ones((6, 1)), np.zeros((6, 1)), groups=4)
    with pytest.raises(ValueError, match="gamma"):
        groupnorm_forward(np.ones((6, 2)), np.ones((5, 1)), np.zeros((6, 1)))
    with pytest.raises(TypeError, match="groups"):
        groupnorm_forward(np.ones((6, 2)), np.ones((6, 1)), np.zeros((6, 1)), groups=1.5)
    with pytest.raises(ValueError, match="groups"):
        LayerNormNetwork([2, 5, 1], groups=2)
    with pytest.raises(TypeError, match="cache"):
        groupnorm_backward(np.ones((2, 2)), (1, 2))
