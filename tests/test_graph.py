"""Tests of backprop_lib.graph (chapter "The chain rule")."""

import math

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import graph as g

ARTICLE = {
    "W1": np.array([[0.15, 0.25], [0.20, 0.30]]),
    "b1": np.array([[0.35], [0.35]]),
    "W2": np.array([[0.40, 0.50]]),
    "b2": np.array([[0.60]]),
}


def _random_params(sizes, seed):
    rng = np.random.default_rng(seed)
    return {k: v for l in range(1, len(sizes)) for k, v in (
        (f"W{l}", rng.standard_normal((sizes[l], sizes[l - 1]))),
        (f"b{l}", rng.standard_normal((sizes[l], 1))))}


def _network_gradients(params, sizes, activations, x, y):
    net = bp.Network(sizes, activations=activations, loss="half_mse")
    net.set_params(params)
    X = np.reshape(x, (-1, 1))
    Y = np.reshape(y, (-1, 1))
    return net.loss(X, Y), net.gradients(X, Y)


def test_article_graph_equals_network():
    G = g.network_graph(ARTICLE, [0.5, 0.8], [1.0])
    G.backward()
    loss, grads = _network_gradients(ARTICLE, [2, 2, 1], "sigmoid", [0.5, 0.8], [1.0])
    assert G.loss.value == pytest.approx(loss, rel=1e-14)
    for k, v in G.gradients().items():
        assert bp.relative_error(v, grads[k]) < 1e-12, k


@pytest.mark.parametrize("sizes,acts", [
    ([3, 4, 2], "tanh"),
    ([2, 3, 3, 1], ["sigmoid", "tanh", "identity"]),
    ([1, 1], "identity"),
])
def test_graph_equals_network_on_random_networks(sizes, acts):
    params = _random_params(sizes, seed=len(sizes))
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal(sizes[0]), rng.standard_normal(sizes[-1])
    G = g.network_graph(params, x, y, activations=acts)
    G.backward()
    loss, grads = _network_gradients(params, sizes, acts, x, y)
    assert G.loss.value == pytest.approx(loss, rel=1e-13)
    for k, v in G.gradients().items():
        assert bp.relative_error(v, grads[k]) < 1e-7, k


def test_scalar_chain_against_central_differences():
    def loss(w):
        x, b, y = 1.5, -0.2, 1.0
        return g.half_squared_error([g.sigmoid(g.constant(x) * w + b)], [y])

    w = g.parameter(0.8, "w")
    L = loss(w)
    g.backward(L)
    theta = np.array([0.8])  # numerical_gradient nudges theta in place and calls f()
    num = bp.numerical_gradient(lambda: loss(g.parameter(float(theta[0]))).value, theta)
    assert bp.relative_error(np.array([w.grad]), num) < 1e-7


def test_arithmetic_local_derivatives():
    a, b = g.parameter(2.0, "a"), g.parameter(-3.0, "b")
    c = a * b + a - b
    g.backward(c)
    assert c.value == 2 * -3 + 2 + 3
    assert a.grad == pytest.approx(-3 + 1) and b.grad == pytest.approx(2 - 1)
    t = g.tanh(a)
    g.backward(t)
    assert a.grad == pytest.approx(1 - math.tanh(2.0) ** 2)
    r = 5.0 - a
    g.backward(r)
    assert r.value == 3.0 and a.grad == -1.0


def test_sigmoid_is_stable_for_large_inputs():
    big = g.sigmoid(g.parameter(800.0))
    small = g.sigmoid(g.parameter(-800.0))
    assert big.value == 1.0 and small.value == 0.0
    assert big.local == (0.0,) and small.local == (0.0,)


def test_naive_paths_equal_backprop_and_counts_match_dynamic_programming():
    params = _random_params([2, 3, 2, 1], seed=3)
    G = g.network_graph(params, [0.3, -0.7], [0.2], activations="tanh")
    G.backward()
    counts = g.path_counts(G.loss)
    total = 0
    for p in G.parameters:
        value, mults = g.naive_gradient(G.loss, p)
        assert value == pytest.approx(p.grad, rel=1e-12, abs=1e-15)
        assert mults == counts[id(p)][1]  # literal enumeration = the DP count of edges
        total += mults
    costs = G.costs()
    assert costs["naive"] == total
    assert costs["backprop"] == G.backward()  # one multiplication per edge carrying a gradient


def test_backprop_cost_of_the_article_network_by_hand():
    G = g.network_graph(ARTICLE, [0.5, 0.8], [1.0])
    c = G.costs()
    # edges carrying a gradient: layer 1 units: 2 weights + 1 bias each (inputs are data) = 6;
    # z -> a: 2; layer 2: 2 weights + 2 inputs + 1 bias = 5; z2 -> a2: 1; a2 -> loss: 1
    assert c["backprop"] == 6 + 2 + 5 + 1 + 1 == 15
    # paths: every parameter has exactly one path to the single output
    assert c["paths"] == 9
    assert c["forward"] == 2 * 2 + 1 * 2


def test_depth_costs_grow_as_claimed():
    c = g.depth_costs(range(1, 8), width=3)
    assert np.all(np.diff(np.diff(c["backprop"])[1:]) == 0)  # linear in depth after layer 2
    ratios = c["naive"][3:] / c["naive"][2:-1]
    assert (ratios > 3).all()  # exponential: more than x3 per layer of width 3
    with pytest.raises(ValueError, match="depths"):
        g.depth_costs([0])


def test_topological_order_handles_deep_graphs_without_recursion():
    x = g.parameter(0.1)
    y = x
    for _ in range(5000):
        y = g.tanh(y)
    assert len(g.topological_order(y)) == 5001
    g.backward(y)
    assert np.isfinite(x.grad)


def test_bad_input():
    with pytest.raises(TypeError, match="value must be a real number"):
        g.Node("1")
    with pytest.raises(ValueError, match="one derivative per parent"):
        g.Node(1.0, (g.parameter(1.0),), ())
    with pytest.raises(TypeError, match="root must be a Node"):
        g.backward(3.0)
    with pytest.raises(ValueError, match="params must hold W1, b1"):
        g.network_graph({"W1": np.ones((1, 1))}, [1.0], [1.0])
    with pytest.raises(ValueError, match=r"params\['W2'\] \(layer 2\) must have shape"):
        g.network_graph({"W1": np.ones((2, 2)), "b1": np.zeros(2), "W2": np.ones((1, 3)),
                         "b2": np.zeros(1)}, [1.0, 1.0], [1.0])
    with pytest.raises(ValueError, match="x must hold 2 numbers"):
        g.network_graph(ARTICLE, [1.0], [1.0])
    with pytest.raises(ValueError, match="unknown activations"):
        g.network_graph(ARTICLE, [1.0, 2.0], [1.0], activations="relu")
    with pytest.raises(ValueError, match="equally long"):
        g.linear([1.0], [1.0, 2.0], 0.0)
    with pytest.raises(ValueError, match="leaf must be a node"):
        g.naive_gradient(g.parameter(1.0) * 2.0, g.parameter(3.0))
