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
@pytest.mark.parametrize("rule", chain.RULES)
def test_both_orders_give_backpropagation_s_gradient(sizes, acts, loss, order, rule):
    net, x, y = _net(sizes, acts, loss)
    g, count = chain.chain_gradient(net, x, y, order, rule)
    np.testing.assert_allclose(g, alt.flatten(net.gradients(x, y)), rtol=1e-12, atol=1e-15)
    assert count == chain.chain_cost(sizes, order, rule)


def _explicit_count(net, x, y, order, rule):
    """An independent evaluation: dense B_l matrices, the chain of each layer multiplied on
    its own (no shared prefixes, no library code), counting a b c per dense product and,
    under the sparse rule, r per column for an r-row matrix times a B_l. Returns (gradient,
    count of the shared evaluation: reverse shares u_l, forward shares T_l)."""
    A, Js, Bs = x, [], []
    for l in range(1, net.L + 1):
        W, b = net.params[f"W{l}"], net.params[f"b{l}"]
        Z = W @ A + b
        A_new = net._f[l - 1](Z)
        s = net._f[l - 1].derivative(Z, A_new)[:, 0]
        Js.append(s[:, None] * W)
        B = np.hstack([np.kron(np.eye(W.shape[0]), A[:, 0][None, :]), np.eye(W.shape[0])])
        Bs.append(s[:, None] * B)
        A = A_new
    u = net._loss.gradient(A, y)[:, 0][None, :]

    def cost(a, b, b_is_B):
        return a.shape[0] * b.shape[1] * (1 if b_is_B and rule == "sparse" else a.shape[1])

    count, L = 0, net.L
    if order == "reverse":
        pieces, row = [], u
        for l in range(L, 0, -1):
            count += cost(row, Bs[l - 1], True)
            pieces.insert(0, (row @ Bs[l - 1])[0])
            if l > 1:
                count += cost(row, Js[l - 1], False)
                row = row @ Js[l - 1]
        return np.concatenate(pieces), count
    blocks = []                                   # (matrix, is a bare B)
    for l in range(1, L + 1):
        new = []
        for M, bare in blocks:
            count += cost(Js[l - 1], M, bare)
            new.append((Js[l - 1] @ M, False))
        blocks = new + [(Bs[l - 1], True)]
    out = []
    for M, bare in blocks:
        count += cost(u, M, bare)
        out.append((u @ M)[0])
    return np.concatenate(out), count


@pytest.mark.parametrize("sizes, acts, loss", CASES)
@pytest.mark.parametrize("rule", chain.RULES)
def test_counts_equal_an_explicit_evaluation_s(sizes, acts, loss, rule):
    """C1: both orders, counted by one rule, equal an explicit evaluation of the chain
    with dense B_l matrices; the right-to-left product equals the left-to-right one."""
    net, x, y = _net(sizes, acts, loss)
    results = {}
    for order in chain.ORDERS:
        g, count = _explicit_count(net, x, y, order, rule)
        assert count == chain.chain_cost(sizes, order, rule) == \
            chain.chain_gradient(net, x, y, order, rule)[1]
        results[order] = g
    np.testing.assert_allclose(results["forward"], results["reverse"], rtol=1e-12, atol=1e-15)


def test_parameter_jacobian_times_u_is_the_gradient():
    net, x, y = _net([3, 4, 5, 2], ["relu", "tanh", "identity"], "half_mse")
    T = chain.parameter_jacobian(net, x)
    assert T.shape == (2, net.n_params)
    u = net._loss.gradient(net.forward(x), y)[:, 0]
    np.testing.assert_allclose(u @ T, alt.flatten(net.gradients(x, y)), rtol=1e-12, atol=1e-15)


def test_costs_by_hand_on_the_smallest_chain():
    # [1, 1, 1]: P_1 = P_2 = 2, so P = 4. Left to right: J_2 (1 x 1) once, then u_l B_l for
    # the four parameters: 1 + 4. Right to left: J_2 B_1 (2 columns), then u T_2 with 4
    # columns: 2 + 4. With one unit per layer, the two rules agree.
    assert chain.layer_params([1, 1, 1]) == [2, 2]
    for rule in chain.RULES:
        assert chain.chain_cost([1, 1, 1], "reverse", rule) == 5
        assert chain.chain_cost([1, 1, 1], "forward", rule) == 6
    # [2, 16, 16, 1], the chapter's: P = 48 + 272 + 17 = 337. Sparse: left to right 256 +
    # 16 + 337 = 609; right to left J_2 B_1 16 x 48, J_3 (J_2 B_1) 16 x 48, J_3 B_2 272,
    # u (320 dense columns) and B_3 17: 768 + 768 + 272 + 320 + 17 = 2145.
    assert chain.chain_cost([2, 16, 16, 1], "reverse") == 609
    assert chain.chain_cost([2, 16, 16, 1], "forward") == 2145
    assert chain.chain_cost([2, 16, 16, 1], "reverse", "dense") == 272 + 16 * 48 + 16 * 272 + 17
    assert chain.chain_cost([2, 16, 16, 1], "forward", "dense") == 17745


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


def test_right_to_left_costs_more_and_the_gap_grows_with_depth_not_on_two_layers():
    shallow = [chain.chain_cost([2, w, w, 1], "forward") / chain.chain_cost([2, w, w, 1], "reverse")
               for w in (4, 16, 64, 256)]
    assert all(2.5 < r < 4.1 for r in shallow)
    deep = [chain.cost_table([w], [6])[0]["ratio"] for w in (4, 16, 64, 256)]
    assert deep[0] > 1 and all(b > 8 * a for a, b in zip(deep, deep[1:], strict=False))


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
    with pytest.raises(ValueError, match="rule"):
        chain.chain_cost([2, 3, 1], "forward", "lazy")
    with pytest.raises(ValueError, match="rule"):
        chain.chain_gradient(net, x, y, "forward", "lazy")
    with pytest.raises(ValueError, match="width"):
        chain.uniform_sizes(0, 2)
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
