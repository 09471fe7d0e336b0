"""backprop_lib.jacobian_chain: the gradient as a chain of Jacobians, multiplied left to right
(reverse mode) and right to left (forward mode), with its multiply-adds counted."""

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import alternatives as alt
from backprop_lib import jacobian_chain as chain


def _net(sizes, acts, loss, seed=0):
    net = bp.Network(sizes, acts, loss=loss, seed=seed)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((sizes[0], 1))
    y = np.eye(sizes[-1])[:, [1]] if loss == "softmax_ce" else rng.random((sizes[-1], 1))
    return net, x, y


CASES = [([2, 3, 1], ["tanh", "sigmoid"], "bce"),
         ([3, 4, 5, 2], ["relu", "tanh", "identity"], "half_mse"),
         ([4, 1], ["sigmoid"], "mse"),
         ([2, 6, 6, 3], ["elu", "leaky_relu", "identity"], "softmax_ce")]


@pytest.mark.parametrize("sizes, acts, loss", CASES)
@pytest.mark.parametrize("order", chain.ORDERS)
def test_both_orders_give_backpropagation_s_gradient(sizes, acts, loss, order):
    net, x, y = _net(sizes, acts, loss)
    g, count = chain.chain_gradient(net, x, y, order)
    np.testing.assert_allclose(g, alt.flatten(net.gradients(x, y)), rtol=1e-12, atol=1e-15)
    assert count == chain.chain_cost(sizes, order)


def test_costs_by_hand_on_the_smallest_chain():
    # [1, 1, 1]: P_1 = P_2 = 2, so P = 4. Left to right: J_2 (1 x 1) once, then u_l B_l for
    # the four parameters: 1 + 4. Right to left: J_2 T_1 with T_1 of 2 columns, then u T_2
    # with 4 columns: 2 + 4.
    assert chain.layer_params([1, 1, 1]) == [2, 2]
    assert chain.chain_cost([1, 1, 1], "reverse") == 5
    assert chain.chain_cost([1, 1, 1], "forward") == 6


def test_dense_products_count_the_same_as_the_formula_for_the_jacobians():
    """An independent count: multiply the dense factors of dL/dtheta_1 (the first layer's
    chain) in both orders and count a b c per product."""
    sizes = [3, 5, 4, 2]
    P1 = chain.layer_params(sizes)[0]
    dims = [1, sizes[3], sizes[2], sizes[1], P1]   # u (1 x n_3) J_3 J_2 B_1
    left = sum(dims[0] * dims[i] * dims[i + 1] for i in range(1, len(dims) - 1))
    right = sum(dims[i] * dims[i + 1] * dims[-1] for i in range(len(dims) - 2))
    assert left < right
    # the library shares the prefixes between layers; on layer 1 alone its left-to-right
    # products are the same vector-matrix ones
    assert left == sizes[3] * sizes[2] + sizes[2] * sizes[1] + sizes[1] * P1


def test_right_to_left_costs_more_and_the_gap_grows_with_width():
    ratios = [chain.chain_cost([2, w, w, 1], "forward") / chain.chain_cost([2, w, w, 1], "reverse")
              for w in (4, 16, 64, 256)]
    assert ratios[0] > 1 and all(b > 3 * a for a, b in zip(ratios, ratios[1:], strict=False))


def test_bad_input():
    net, x, y = _net([2, 3, 1], ["tanh", "sigmoid"], "bce")
    with pytest.raises(ValueError, match="order"):
        chain.chain_gradient(net, x, y, "sideways")
    with pytest.raises(TypeError, match="order"):
        chain.chain_cost([2, 3, 1], 1)
    with pytest.raises(ValueError, match="one example"):
        chain.chain_gradient(net, np.zeros((2, 3)), np.zeros((1, 3)), "reverse")
    with pytest.raises(TypeError, match="net"):
        chain.chain_gradient("net", x, y, "reverse")
    with pytest.raises(ValueError, match="at least 2"):
        chain.chain_cost([3], "reverse")
    with pytest.raises(TypeError, match="layer_sizes"):
        chain.layer_params("2,3,1")
    with pytest.raises(ValueError, match="layer_sizes entry"):
        chain.layer_params([2, 0, 1])


def test_multiply_adds_by_hand():
    # [2, 3, 1], m = 4: forward (6 + 3) 4 = 36; backward adds dA1 = W2^T dZ2, 3 x 4 = 12
    # more than a forward pass; a tangent pass adds W_dot A and W A_dot: 36 + 12 more
    assert alt.multiply_adds("forward", [2, 3, 1], 4) == 36
    assert alt.multiply_adds("backward", [2, 3, 1], 4) == 48
    assert alt.multiply_adds("tangent", [2, 3, 1], 4) == 84
    with pytest.raises(ValueError, match="kind"):
        alt.multiply_adds("sideways", [2, 3, 1])
    with pytest.raises(ValueError, match="m must be"):
        alt.multiply_adds("forward", [2, 3, 1], 0)
