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
    ([2, 2, 1], "relu"),
    ([3, 4, 2], "leaky_relu"),
    ([2, 3, 3, 1], ["relu", "leaky_relu", "sigmoid"]),
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
        g.network_graph(ARTICLE, [1.0, 2.0], [1.0], activations="softmax")
    with pytest.raises(ValueError, match="equally long"):
        g.linear([1.0], [1.0, 2.0], 0.0)
    with pytest.raises(ValueError, match="leaf must be a node"):
        g.naive_gradient(g.parameter(1.0) * 2.0, g.parameter(3.0))


# --------------------------------------------------------------------------- micrograd's operations


def _central(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


UNARY = [  # (method, the same function on floats, points away from kinks and edges)
    ("relu", lambda t: max(t, 0.0), [-1.3, 0.7]),
    ("leaky_relu", lambda t: t if t > 0 else 0.01 * t, [-1.3, 0.7]),
    ("tanh", math.tanh, [-2.0, 0.3]),
    ("sigmoid", lambda t: 1 / (1 + math.exp(-t)), [-2.0, 0.3]),
    ("exp", math.exp, [-2.0, 1.5]),
    ("log", math.log, [0.2, 3.0]),
    ("__neg__", lambda t: -t, [1.7]),
]


@pytest.mark.parametrize("method,f,points", UNARY, ids=[u[0] for u in UNARY])
def test_unary_operations_own_their_local_derivatives(method, f, points):
    for t in points:
        x = g.Value(t)
        y = getattr(x, method)()
        y.backward()
        assert y.data == pytest.approx(f(t), rel=1e-15)
        assert x.grad == pytest.approx(_central(f, t), rel=1e-8)
        assert y.local == (x.grad,)  # one edge: its local derivative is the gradient


BINARY = [
    ("+", lambda a, b: a + b), ("-", lambda a, b: a - b), ("*", lambda a, b: a * b),
    ("/", lambda a, b: a / b),
]


@pytest.mark.parametrize("op,f", BINARY, ids=[b[0] for b in BINARY])
def test_binary_operations_with_nodes_and_numbers_on_either_side(op, f):
    a0, b0 = 1.7, -0.6
    for left_node, right_node in ((True, True), (True, False), (False, True)):
        a, b = g.Value(a0), g.Value(b0)
        out = f(a if left_node else a0, b if right_node else b0)
        assert isinstance(out, g.Node)
        assert out.data == f(a0, b0)
        out.backward()
        if left_node:
            assert a.grad == pytest.approx(_central(lambda t: f(t, b0), a0), rel=1e-8)
        if right_node:
            assert b.grad == pytest.approx(_central(lambda t: f(a0, t), b0), rel=1e-8)


@pytest.mark.parametrize("a0,n", [(1.7, 3), (-1.5, 2), (-2.0, -1), (2.5, 0.5), (0.0, 2),
                                  (0.0, 1), (3.0, 0)])
def test_power_by_a_number(a0, n):
    a = g.Value(a0)
    y = a ** n
    y.backward()
    assert y.data == a0 ** n
    expected = 0.0 if n == 0 else n * a0 ** (n - 1)
    assert a.grad == pytest.approx(expected, rel=1e-15)
    if a0 != 0:
        assert a.grad == pytest.approx(_central(lambda t: t ** n, a0), rel=1e-7)


def test_fan_out_adds_one_contribution_per_use():
    x = g.Value(3.0)
    y = x * x  # x is used twice by one node: dy/dx = x + x
    y.backward()
    assert x.grad == 6.0
    u = g.Value(-1.5)
    w = u.tanh()  # w feeds two branches
    z = w * 2.0 + w.exp()
    z.backward()
    assert u.grad == pytest.approx((2 + math.exp(math.tanh(-1.5))) * (1 - math.tanh(-1.5) ** 2))
    assert w.grad == pytest.approx(2 + math.exp(w.data))


def test_backward_twice_gives_the_same_gradients():
    a, b = g.Value(-4.0), g.Value(3.0)
    loss = (a * b + b ** 3).relu() + a / b
    first = loss.backward()
    grads = (a.grad, b.grad, loss.grad)
    assert loss.backward() == first
    assert (a.grad, b.grad, loss.grad) == grads  # zeroed, then accumulated again: not 2x
    assert a.grad == pytest.approx(3 + 1 / 3) and b.grad == pytest.approx(-4 + 27 + 4 / 9)


def test_shared_subgraph_and_two_roots():
    x, y = g.Value(0.5), g.Value(-2.0)
    s = (x * y).sigmoid()  # a subgraph used by two roots
    r1, r2 = s * s, s + x
    r1.backward()
    ds = s.data * (1 - s.data)
    assert x.grad == pytest.approx(2 * s.data * ds * y.data)
    r2.backward()  # zeroes only what r2 depends on: x, y, s hold dr2/d(.) alone now
    assert x.grad == pytest.approx(ds * y.data + 1)
    assert y.grad == pytest.approx(ds * x.data)
    assert r1.grad == 1.0  # r1 is not below r2: left as it was
    # s reached along two paths from a sum of both roots: the contributions add up
    both = r1 + r2
    both.backward()
    assert x.grad == pytest.approx(2 * s.data * ds * y.data + ds * y.data + 1)


def test_user_leaves_get_gradients_and_data_is_the_value():
    x = g.Node(2.0)  # the micrograd user's first leaf: it requires a gradient
    assert x.requires_grad and g.Value is g.Node
    y = 3.0 * x + 1.0
    y.backward()
    assert x.grad == 3.0
    c = g.constant(5.0)
    (c * x).backward()
    assert c.grad is None and x.grad == 5.0  # data: no gradient, said with None, not 0
    assert "grad = None" in repr(c)
    x.data = 4.0
    assert x.value == 4.0 and x.data == 4.0


def test_a_micrograd_style_training_loop():
    # rebuild the expression each step, read .grad, move .data: as micrograd's demo does
    w, b = g.Value(0.0), g.Value(0.0)
    data = [(1.0, 3.0), (2.0, 5.0), (-1.0, -1.0)]  # y = 2x + 1
    for _ in range(300):
        loss = sum((w * x + b - y) ** 2 for x, y in data) / len(data)
        loss.backward()
        for p in (w, b):
            p.data -= 0.1 * p.grad
    assert w.data == pytest.approx(2.0, abs=1e-6) and b.data == pytest.approx(1.0, abs=1e-6)


def test_network_graph_with_relu_reaches_both_sides_of_the_kink():
    params = _random_params([3, 4, 2], seed=7)
    G = g.network_graph(params, [0.4, -1.2, 0.9], [0.1, -0.3],
                        activations=["relu", "identity"])
    z = [G[f"z1_{i}"].value for i in range(1, 5)]
    assert min(z) < 0 < max(z)
    G.backward()
    assert any(v == 0 for v in G.gradients()["dW1"].ravel())  # a dead unit: zero row
    assert np.abs(G.gradients()["dW1"]).max() > 0


def test_depth_costs_do_not_depend_on_the_weights():
    a, b = g.depth_costs(range(1, 5), width=3, seed=0), g.depth_costs(range(1, 5), width=3, seed=9)
    assert all((a[k] == b[k]).all() for k in a)
    assert a["naive"].dtype.kind == "i"


def test_bad_input_to_the_operations():
    x = g.Value(2.0)
    with pytest.raises(ValueError, match="log needs a positive input; got 0.0"):
        g.Value(0.0).log()
    with pytest.raises(ValueError, match="log needs a positive input; got -1.0"):
        g.log(-1.0)
    with pytest.raises(ValueError, match="division by zero"):
        x / 0
    with pytest.raises(ValueError, match="division by zero"):
        1.0 / g.Value(0.0)
    with pytest.raises(TypeError, match="exponent of \\*\\* must be a number, not a Node"):
        x ** g.Value(2.0)
    with pytest.raises(TypeError, match="exponent of \\*\\* must be a real number"):
        x ** "2"
    with pytest.raises(TypeError, match="number \\*\\* a Node"):
        2 ** x
    with pytest.raises(ValueError, match="not a real number"):
        g.Value(-8.0) ** (1 / 3)
    with pytest.raises(ValueError, match="0 to a negative power"):
        g.Value(0.0) ** -1
    with pytest.raises(ValueError, match="0 to a negative power"):
        g.Value(0.0) ** 0.5  # the value is 0 but its derivative is infinite
    with pytest.raises(ValueError, match="overflows"):
        g.Value(1e200) ** 2
    with pytest.raises(ValueError, match="overflows"):
        x ** 10**400  # the exponent itself is too large for a float
    with pytest.raises(ValueError, match="overflows a float: z must be at most 709.78"):
        g.Value(710.0).exp()
    with pytest.raises(TypeError, match="inputs of \\+ must be Nodes or real numbers"):
        x + "1"
    with pytest.raises(TypeError, match="inputs of \\* must be Nodes or real numbers"):
        [1.0] * x
    with pytest.raises(TypeError, match="local must hold real numbers"):
        g.Node(1.0, (x,), local=("x",))
    with pytest.raises(TypeError, match="parents and local must be tuples"):
        g.Node(1.0, x, local=(1.0,))
    with pytest.raises(TypeError, match="data must be a real number"):
        x.data = "3"
    with pytest.raises(TypeError, match="value must be a real number"):
        g.Value(True)
    with pytest.raises(TypeError, match=r"params\['W1'\] must hold only real numbers"):
        g.network_graph({"W1": [["a"]], "b1": [0.0]}, [1.0], [1.0])
    with pytest.raises(ValueError, match=r"params\['W1'\] must be a rectangular"):
        g.network_graph({"W1": [[1.0], [1.0, 2.0]], "b1": [0.0, 0.0]}, [1.0], [1.0])
    with pytest.raises(ValueError, match=r"params\['W1'\] must be finite"):
        g.network_graph({"W1": [[float("nan")]], "b1": [0.0]}, [1.0], [1.0])
    with pytest.raises(ValueError, match=r"params\['b1'\] \(layer 1\) must hold 1 numbers"):
        g.network_graph({"W1": [[1.0]], "b1": [0.0, 1.0]}, [1.0], [1.0])
    with pytest.raises(ValueError, match="x must be finite"):
        g.network_graph({"W1": [[1.0]], "b1": [0.0]}, [math.inf], [1.0])
    with pytest.raises(TypeError, match=r"activations\[0\] \(layer 1\) must be a string"):
        g.network_graph({"W1": [[1.0]], "b1": [0.0]}, [1.0], [1.0], activations=[3])
