"""The figures of chapter "The chain rule": every figure draws and labels what it shows."""

import pytest

from backprop_lib import graph
from backprop_lib.figures import chain_rule as cr
from backprop_lib.figures.one_step import PARAMS, X, Y


def test_graph_figure_labels_local_derivatives():
    G = graph.network_graph(PARAMS, X, Y)
    G.backward()
    fig = cr.graph_figure(G)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert f"{PARAMS['W1'][0, 0]:.3f}" in texts  # the weight on the edge x1 -> z1_1
    assert any(t.startswith(r"$\mathcal{L}$") for t in texts)  # the book's notation
    assert any(t.startswith("$z^{[1]}_{1}$") for t in texts)
    assert cr.node_label("a2_1") == "$a^{[2]}_{1}$" and cr.node_label("x2") == "$x_2$"
    with pytest.raises(ValueError, match="node name"):
        cr.node_label("hidden")
    assert cr.local_derivative(G["a1_1"], G["z1_1"]) == pytest.approx(
        G["a1_1"].value * (1 - G["a1_1"].value))
    with pytest.raises(ValueError, match="is not a parent"):
        cr.local_derivative(G["loss"], G["x1"])
    costs = {2: graph.depth_costs(range(1, 4), width=2)}
    fig = cr.depth_figure(costs)
    assert fig.axes and not fig.axes[0].get_legend()  # the legend sits under the axes
    assert len(fig.legends) == 1


def test_shapes_table_pairs_each_quantity_with_its_gradient():
    import numpy as np

    import backprop_lib as bp

    net = bp.Network([3, 4, 2], activations="tanh", loss="half_mse", seed=0)
    rng = np.random.default_rng(0)
    rows = cr.shapes_table(net.trace(rng.standard_normal((3, 5)), rng.standard_normal((2, 5))),
                           net.params)
    assert rows[0] == ("$A^{[0]}$", "3×5", "$dA^{[0]}$", "3×5")
    assert ("$W^{[2]}$", "2×4", "$dW^{[2]}$", "2×4") in rows
    assert len(rows) == 9 and all(r[1] == r[3] for r in rows)
