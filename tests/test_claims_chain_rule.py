"""Statements typed in the prose of book/02_chain_rule.ipynb, recomputed."""

import numpy as np

import backprop_lib as bp
from backprop_lib import graph
from backprop_lib.figures import chain_rule as cr
from backprop_lib.figures.chain_rule import local_derivative
from backprop_lib.figures.one_step import PARAMS, X, Y


def _worked_graph():
    G = graph.network_graph(PARAMS, X, Y)
    G.backward()
    return G


def test_nine_parameters_and_one_path_of_five_factors():
    # "every one of the nine parameters"; "There is one path ... the five local derivatives"
    G = _worked_graph()
    assert len(G.parameters) == 9
    counts = graph.path_counts(G.loss)
    assert counts[id(G["W1_11"])] == (1, 5)
    assert all(counts[id(p)][0] == 1 for p in G.parameters)  # one output: one path each


def test_first_two_factors_are_dL_dz2_and_first_four_dL_dz1():
    G = _worked_graph()
    chain = [("loss", "a2_1"), ("a2_1", "z2_1"), ("z2_1", "a1_1"), ("a1_1", "z1_1")]
    f = [local_derivative(G[c], G[p]) for c, p in chain]
    assert np.isclose(f[0] * f[1], G["z2_1"].grad, atol=0)
    assert np.isclose(np.prod(f), G["z1_1"].grad, atol=0)


def test_input_gradient_is_the_sum_over_both_hidden_units():
    # "its gradient is the *sum* of what comes back along both edges"
    G = _worked_graph()
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


def test_naive_cost_grows_faster_than_the_paths_toward_the_width_and_backprop_adds():
    # "the naive cost grows faster still, because every path also gets longer"; "a factor
    # that falls from 6.3 (depth 1 to 2) to 3.4 (depth 7 to 8), toward the width 3 from above"
    c = graph.depth_costs(range(1, 9), width=3)
    ratios = c["naive"][1:] / c["naive"][:-1]
    path_ratios = c["paths"][1:] / c["paths"][:-1]
    assert (ratios > path_ratios).all() and (np.diff(ratios) < 0).all() and (ratios > 3).all()
    assert (f"{ratios[0]:.1f}", f"{ratios[-1]:.1f}") == ("6.3", "3.4")
    # toward 3: the excess over the width shrinks about like 1/depth (the paths' length)
    far = graph.depth_costs([20, 21], width=3)["naive"]
    assert 3 < far[1] / far[0] < 3.2 < ratios[-1]
    # "adds a constant 24 multiplications to backpropagation's (from depth 2 on)"
    assert set(np.diff(c["backprop"][1:])) == {24} and c["backprop"][1] - c["backprop"][0] != 24
    # central differences stay below the naive expansion at depth 8 but far above backprop
    assert c["backprop"][-1] < 2 * c["params"][-1] * c["forward"][-1] < c["naive"][-1]


def test_counting_the_forward_pass_and_sigma_prime_keeps_the_gap():
    # "the forward pass (63 products w a at depth 8) and one product a(1 - a) per unit (22),
    # gives 250 multiplications against 172,858, still a factor of 691"
    c = graph.depth_costs([8], width=3)
    sizes = [2] + [3] * 7 + [1]
    assert c["forward"][0] == sum(a * b for a, b in zip(sizes[1:], sizes[:-1], strict=True))
    units = sum(sizes[1:])
    assert units == 22
    total_bp = c["backprop"][0] + c["forward"][0] + units
    total_naive = c["naive"][0] + c["forward"][0] + units
    assert (total_bp, total_naive, round(total_naive / total_bp)) == (250, 172858, 691)
    # the σ' products are one per unit: the graph's a-from-z edges, one per unit
    G = graph.network_graph({f"W{l}": np.ones((sizes[l], sizes[l - 1])) for l in range(1, 9)}
                            | {f"b{l}": np.zeros((sizes[l], 1)) for l in range(1, 9)},
                            np.ones(2), np.zeros(1))
    assert sum(1 for name in G.nodes if name.startswith("a")) == units


def test_width_one_grows_quadratically_not_exponentially():
    # "With one unit per layer ... grows only quadratically (9, 21, 37, 57 for depths 1 to 4)"
    n = graph.depth_costs(range(1, 12), width=1)["naive"]
    assert list(n[:4]) == [9, 21, 37, 57]
    assert len(set(np.diff(n, 2))) == 1 and np.diff(n, 2)[0] > 0  # constant second difference


def test_exercise_statements_quote_the_checkers_constants():
    # the exercises' settings are typed in markdown: they must be the checkers' own
    import json
    from pathlib import Path

    from backprop_lib.exercises import chain_rule as ex
    nb = json.loads((Path(__file__).resolve().parents[1] / "book" / "02_chain_rule.ipynb")
                    .read_text())
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    u, f = ex.UNIT, ex.FORK
    assert (f"$x = {u['x']:g}$, $w = {u['w']:g}$, $b = {u['b']:g}$" in text
            and f"target $y = {u['y']:g}$" in text)
    assert f"With $a = {f['a']:g}$ and $b = {f['b']:g}$" in text
    assert f"layer sizes {ex.LAYER_SIZES}" in text
    # exercise 1's wrong answers are told apart: z (1 - z) is not 0 there
    z = u["w"] * u["x"] + u["b"]
    assert abs(z * (1 - z)) > 0.1


def test_per_example_graphs_reproduce_the_batch_gradient():
    # "the scalar graph, built once per example, must reproduce the vectorized network on a
    # whole batch" ([3, 4, 2] tanh network, 5 examples, as in the notebook)
    deep = bp.Network([3, 4, 2], activations="tanh", loss="half_mse", seed=0)
    Xb = np.random.default_rng(0).standard_normal((3, 5))
    Yb = np.random.default_rng(1).standard_normal((2, 5))
    assert cr.graphs_vs_batch(deep, Xb, Yb, activations="tanh") < 1e-12



def _fork():
    a, b = graph.parameter(2.0, "a"), graph.parameter(-3.0, "b")
    c = a * b
    d = c + a
    L = d * a
    return a, b, c, d, L


def test_fork_shares_add_up_to_the_gradient():
    # "The three shares are -4, 2, -6, and their sum, -8, is the gradient"; "only the direct
    # use ... -4, which is simply wrong"
    a, b, c, d, L = _fork()
    graph.backward(L)
    shares = [L.grad * local_derivative(L, a), d.grad * local_derivative(d, a),
              c.grad * local_derivative(c, a)]
    assert shares == [-4.0, 2.0, -6.0]
    assert a.grad == sum(shares) == 2 * 2.0 * (-3.0 + 1)
    h = 1e-6
    f = lambda t: (t * -3.0 + t) * t  # noqa: E731
    assert abs((f(2 + h) - f(2 - h)) / (2 * h) - a.grad) < 1e-8
    # the same through the independent lab engine, which shares no code with graph.backward
    from backprop_lib import engine_lab as lab
    root, leaves = lab.build(lab.EXPRESSIONS[0][1], {"a": 2.0, "b": -3.0})
    lab.reference_backward(root, lab.reference_local_grads, lab.reference_topological_order)
    assert leaves["a"].grad == -8.0 and leaves["b"].grad == 4.0


def test_lab_page_prints_a_value_and_a_gradient_that_differ():
    # the lab's cell prints Value(L = -12.5, ...) and the verdict "d L/da expected -10, got
    # -7.5": the value, the gradient and the wrong answer all differ
    from backprop_lib import engine_lab as lab
    label, fork, values = lab.EXPRESSIONS[0]
    root, leaves = lab.build(fork, values)
    assert f"{root.data:g}" == "-12.5"
    lab.reference_backward(root, lab.reference_local_grads, lab.reference_topological_order)
    assert f"{leaves['a'].grad:g}" == "-10"
    assert len({root.data, leaves["a"].grad, values["a"] * values["b"]}) == 3  # = keeps a b


def test_gate_patterns():
    # add distributes (5, 5), multiply swaps (5 y, 5 x), max routes (5, 0)
    out = {}
    for name, gate in (("add", lambda x, y: x + y), ("mul", lambda x, y: x * y),
                       ("max", graph.maximum)):
        x, y = graph.parameter(3.0), graph.parameter(-2.0)
        graph.backward(gate(x, y) * 5.0)
        out[name] = (x.grad, y.grad)
    assert out == {"add": (5.0, 5.0), "mul": (-10.0, 15.0), "max": (5.0, 0.0)}


def test_wrong_order_and_assignment_give_wrong_gradients():
    # "c before d": b gets nothing and a misses one share; "with =": the last share alone
    a, b, c, d, L = _fork()

    def run(visits, assign=False):
        for n in visits:
            n.grad = 0.0
        L.grad = 1.0
        for n in visits:
            for p, loc in zip(n.parents, n.local, strict=True):
                p.grad = n.grad * loc if assign else p.grad + n.grad * loc

    run([L, c, d, a, b])
    assert (a.grad, b.grad) == (-2.0, 0.0)
    order = graph.topological_order(L)
    assert [n.name for n in order] == ["a", "b", "", "", ""] and order[-1] is L
    run(list(reversed(order)))
    assert (a.grad, b.grad) == (-8.0, 4.0)
    run(list(reversed(order)), assign=True)
    assert a.grad == -6.0  # the share through c = a b, which arrives last


def test_dW_from_indices_steps():
    # step 2 agrees with central differences (~1e-10), step 3 with dZ @ A.T to rounding
    for seed in range(5):
        net = bp.Network([3, 4, 2], activations="tanh", loss="half_mse", seed=seed)
        rng = np.random.default_rng(seed)
        Xb, Yb = rng.standard_normal((3, 5)), rng.standard_normal((2, 5))
        t = net.trace(Xb, Yb)
        W, A, dZ = net.params["W2"], t["A1"], t["dZ2"]
        by_index = np.einsum("ik,jk->ij", dZ, A)
        numeric = bp.numerical_gradient(lambda: net.loss(Xb, Yb), W)  # noqa: B023
        assert bp.relative_error(by_index, numeric) < 1e-7
        assert bp.relative_error(by_index, dZ @ A.T) < 1e-14
        assert bp.relative_error(dZ @ A.T, t["dW2"]) < 1e-14
        assert bp.relative_error(W.T @ dZ, t["dA1"]) < 1e-14
        assert np.allclose(dZ.sum(axis=1, keepdims=True), t["db2"], rtol=1e-14, atol=0)


def test_per_example_graphs_reproduce_the_batch_over_five_seeds():
    # "2e-16 to 4e-16 over 5 seeds": rounding, on every seed
    worst = []
    for seed in range(5):
        net = bp.Network([3, 4, 2], activations="tanh", loss="half_mse", seed=seed)
        rng = np.random.default_rng(seed)
        Xs, Ys = rng.standard_normal((3, 5)), rng.standard_normal((2, 5))
        worst.append(cr.graphs_vs_batch(net, Xs, Ys, activations="tanh"))
    assert max(worst) < 1e-14
