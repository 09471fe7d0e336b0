"""Statements typed in the prose of book/02_chain_rule.ipynb, recomputed."""

import numpy as np

import backprop_lib as bp
from backprop_lib import graph
from backprop_lib.figures import chain_rule as cr
from backprop_lib.figures.chain_rule import local_derivative
from backprop_lib.figures.one_step import PARAMS, X, Y


def _article_graph():
    G = graph.network_graph(PARAMS, X, Y)
    G.backward()
    return G


def test_nine_parameters_and_one_path_of_five_factors():
    # "every one of the nine parameters"; "There is one path ... the five local derivatives"
    G = _article_graph()
    assert len(G.parameters) == 9
    counts = graph.path_counts(G.loss)
    assert counts[id(G["W1_11"])] == (1, 5)
    assert all(counts[id(p)][0] == 1 for p in G.parameters)  # one output: one path each


def test_first_two_factors_are_dL_dz2_and_first_four_dL_dz1():
    G = _article_graph()
    chain = [("loss", "a2_1"), ("a2_1", "z2_1"), ("z2_1", "a1_1"), ("a1_1", "z1_1")]
    f = [local_derivative(G[c], G[p]) for c, p in chain]
    assert np.isclose(f[0] * f[1], G["z2_1"].grad, atol=0)
    assert np.isclose(np.prod(f), G["z1_1"].grad, atol=0)


def test_input_gradient_is_the_sum_over_both_hidden_units():
    # "its gradient is the *sum* of what comes back along both edges"
    G = _article_graph()
    total = sum(G[f"z1_{i}"].grad * local_derivative(G[f"z1_{i}"], G["x1"]) for i in (1, 2))
    net = bp.Network([2, 2, 1], activations="sigmoid", loss="half_mse")
    net.set_params(PARAMS)
    assert np.isclose(total, net.trace(X, Y)["dA0"][0, 0], atol=0)


def test_every_dX_has_the_shape_of_X():
    net = bp.Network([3, 4, 2], activations="tanh", loss="half_mse", seed=0)
    rng = np.random.default_rng(0)
    t = net.trace(rng.standard_normal((3, 5)), rng.standard_normal((2, 5)))
    for name, value in t.items():
        if name.startswith("d"):
            base = name[1:]
            ref = t[base] if base in t else net.params[base]
            assert value.shape == ref.shape, name


def test_naive_cost_multiplies_by_about_the_width_and_backprop_adds():
    c = graph.depth_costs(range(1, 9), width=3)
    ratios = c["naive"][4:] / c["naive"][3:-1]
    assert ((ratios > 3) & (ratios < 4)).all()  # "multiplies by the width" (3, plus the new edges)
    assert len(set(np.diff(c["backprop"][1:]))) == 1
    # central differences stay below the naive expansion at depth 8 but far above backprop
    assert c["backprop"][-1] < 2 * c["params"][-1] * c["forward"][-1] < c["naive"][-1]


def test_per_example_graphs_reproduce_the_batch_gradient():
    # "the scalar graph, built once per example, must reproduce the vectorized network on a
    # whole batch" ([3, 4, 2] tanh network, 5 examples, as in the notebook)
    deep = bp.Network([3, 4, 2], activations="tanh", loss="half_mse", seed=0)
    Xb = np.random.default_rng(0).standard_normal((3, 5))
    Yb = np.random.default_rng(1).standard_normal((2, 5))
    assert cr.graphs_vs_batch(deep, Xb, Yb, activations="tanh") < 1e-12
