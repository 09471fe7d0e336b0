"""Tests of backprop_lib.alternatives (chapter "Backpropagation against its alternatives")
and of the planted bugs of chapter "Gradient checking"."""

import numpy as np
import pytest
from helpers import last_activation, targets

import backprop_lib as bp
from backprop_lib import alternatives as alt
from backprop_lib.planted_bug import BuggyNetwork


def _problem(loss="half_mse", hidden="tanh", sizes=(3, 4, 5, 2), m=6, seed=0):
    rng = np.random.default_rng(seed)
    acts = [hidden] * (len(sizes) - 2) + [last_activation(loss, "identity")]
    net = bp.Network(list(sizes), acts, loss=loss, seed=seed)
    X = rng.standard_normal((sizes[0], m))
    return net, X, targets(loss, sizes[-1], m, rng)


@pytest.mark.parametrize("loss", ["half_mse", "mse", "bce", "softmax_ce"])
@pytest.mark.parametrize("hidden", ["tanh", "sigmoid", "leaky_relu"])
def test_forward_mode_equals_backprop(loss, hidden):
    net, X, Y = _problem(loss, hidden)
    ref = alt.backprop(net, X, Y)
    est = alt.forward_mode(net, X, Y)
    assert alt.relative_error_to(ref, est) < 1e-12
    assert est.tangent_passes == net.n_params
    assert est.forward_passes == 0 and est.backward_passes == 0


def test_finite_differences_counts_and_accuracy():
    net, X, Y = _problem("bce")
    est = alt.finite_differences(net, X, Y)
    assert est.forward_passes == 2 * net.n_params
    assert alt.relative_error_to(alt.backprop(net, X, Y), est) < 1e-7


def test_backprop_costs_one_forward_and_one_backward_whatever_p():
    for width in (2, 20):
        net, X, Y = _problem(sizes=(3, width, width, 1))
        est = alt.backprop(net, X, Y)
        assert (est.forward_passes, est.backward_passes) == (1, 1)
        assert est.floats_kept == (3 + 2 * width + 1 + 2 * width + 1) * X.shape[1]


def test_directional_derivative_is_gradient_dot_tangent():
    net, X, Y = _problem("softmax_ce", sizes=(3, 4, 3))
    rng = np.random.default_rng(1)
    V = {k: rng.standard_normal(v.shape) for k, v in net.params.items()}
    grads = net.gradients(X, Y)
    expected = sum(float(np.sum(grads["d" + k] * V[k])) for k in V)
    assert abs(alt.directional_derivative(net, X, Y, V) - expected) < 1e-12 * (1 + abs(expected))
    assert alt.directional_derivative(net, X, Y, {}) == 0.0


def test_jvp_of_a_deep_layer_only():
    net, X, Y = _problem()
    V = {"b3": np.ones((2, 1))}
    expected = float(np.sum(net.gradients(X, Y)["db3"]))
    assert alt.directional_derivative(net, X, Y, V) == pytest.approx(expected, rel=1e-12)


def test_es_is_unbiased_for_a_linear_loss_and_restores_params():
    # identity network with half_mse is quadratic; with tiny sigma the antithetic
    # difference is exact up to rounding, and the estimate's error shrinks like 1/sqrt(N)
    net, X, Y = _problem(sizes=(3, 2), hidden="identity")
    before = {k: v.copy() for k, v in net.params.items()}
    ref = alt.backprop(net, X, Y)
    errs = [alt.relative_error_to(ref, alt.evolution_strategy(net, X, Y, 1e-4, n, seed=s))
            for n in (10, 1000) for s in (0, 1)]
    assert max(errs[2:]) < min(errs[:2])
    assert max(errs[2:]) < 0.15
    for k in before:
        np.testing.assert_array_equal(net.params[k], before[k])
    assert alt.evolution_strategy(net, X, Y, n_pairs=7).forward_passes == 14


def test_es_is_deterministic_given_seed():
    net, X, Y = _problem()
    a = alt.evolution_strategy(net, X, Y, n_pairs=5, seed=3)
    b = alt.evolution_strategy(net, X, Y, n_pairs=5, seed=3)
    np.testing.assert_array_equal(alt.flatten(a.grads), alt.flatten(b.grads))


def test_es_converges_to_the_smoothed_gradient_not_the_gradient():
    from backprop_lib.figures.alternatives import es_smoothing

    r = es_smoothing(sigma=0.5, n_pairs=1000)
    assert abs(r["es"] - r["smoothed"]) < 0.1 * abs(r["smoothed"])
    assert abs(r["exact"] - r["smoothed"]) > 0.3 * abs(r["smoothed"])


def test_smoothed_loss_of_a_quadratic():
    # E[(a + sigma e)^2] = a^2 + sigma^2
    assert alt.smoothed_loss(lambda u: (1.5 + u) ** 2, 0.3) == pytest.approx(1.5 ** 2 + 0.09)


def test_loss_value_matches_network_loss():
    net, X, Y = _problem("bce")
    Xc, Yc = net.check_data(X, Y)
    assert alt.loss_value(net, Xc, Yc) == pytest.approx(net.loss(X, Y), rel=1e-14)


def test_flatten_unflatten_round_trip():
    net, _, _ = _problem()
    back = alt.unflatten(alt.flatten(net.params), net.params)
    for k in net.params:
        np.testing.assert_array_equal(back[k], net.params[k])
    with pytest.raises(ValueError, match="vector must be 1-D with"):
        alt.unflatten(np.zeros(3), net.params)


def test_bad_input():
    net, X, Y = _problem()
    with pytest.raises(ValueError, match="method must be one of"):
        alt.gradient("magic", net, X, Y)
    with pytest.raises(TypeError, match="net must be a backprop_lib.Network"):
        alt.backprop("net", X, Y)
    with pytest.raises(ValueError, match="sigma must be > 0"):
        alt.evolution_strategy(net, X, Y, sigma=0.0)
    with pytest.raises(ValueError, match="n_pairs must be >= 1"):
        alt.evolution_strategy(net, X, Y, n_pairs=0)
    with pytest.raises(TypeError, match="n_pairs must be an integer"):
        alt.evolution_strategy(net, X, Y, n_pairs=2.5)
    with pytest.raises(ValueError, match="eps must be > 0"):
        alt.finite_differences(net, X, Y, eps=-1.0)
    with pytest.raises(ValueError, match=r"tangent\['W1'\] must have shape"):
        alt.directional_derivative(net, X, Y, {"W1": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="unknown parameter 'W9'"):
        alt.directional_derivative(net, X, Y, {"W9": np.zeros((2, 2))})
    with pytest.raises(TypeError, match="tangent must be a dict"):
        alt.directional_derivative(net, X, Y, [1, 2])
    with pytest.raises(ValueError, match="X must have shape"):
        alt.forward_mode(net, X[:2], Y)


# ------------------------------------------------------------------ planted bugs


def test_loss_without_half_mismatch_is_caught_and_fixed():
    X, Y = bp.data.regression_1d(20, seed=0)
    net = BuggyNetwork([1, 4, 1], ["tanh", "identity"], loss="mse", seed=0)
    check = net and bp.gradcheck(net, X, Y)
    assert not check.passed()
    # with one output unit the buggy gradient is exactly half the true one
    g, n = net.gradients(X, Y), bp.numerical_gradients(net, X, Y)
    np.testing.assert_allclose(2 * g["dW1"], n["dW1"], rtol=1e-6)
    assert check.max_relative_error == pytest.approx(1 / 3, rel=1e-4)
    fixed = net.fixed()
    assert fixed.loss_name == "mse" and fixed.loss(X, Y) == net.loss(X, Y)
    assert bp.gradcheck(fixed, X, Y).passed()


def test_layer1_bug_only_touches_layer1():
    from backprop_lib.figures.gradient_checking import false_pass_problem

    net, X, Y = false_pass_problem(init="xavier")
    check = bp.gradcheck(net, X, Y)
    assert check.errors["W1"] > 1e-2 and check.errors["b1"] > 1e-2
    assert all(v < 1e-6 for k, v in check.errors.items() if not k.endswith("1"))
    assert bp.gradcheck(net.fixed(), X, Y).passed()


def test_buggy_network_bad_input():
    with pytest.raises(ValueError, match="unknown bug"):
        BuggyNetwork([1, 1], "identity", loss="mse", bug="typo")
    with pytest.raises(ValueError, match="loss 'half_mse'"):
        BuggyNetwork([1, 1], "identity", loss="half_mse", bug="loss_without_half")


def test_floats_kept_matches_estimates_and_grows_with_depth_for_backprop_only():
    net, X, Y = _problem("bce")
    m = X.shape[1]
    for method in alt.METHODS:
        kwargs = {"n_pairs": 1} if method == "evolution_strategy" else {}
        estimate = alt.gradient(method, net, X, Y, **kwargs)
        assert alt.floats_kept(method, net, m) == estimate.floats_kept
    shallow = bp.Network([3, 8, 8, 1], "tanh")
    deep = bp.Network([3] + [8] * 6 + [1], "tanh")
    assert alt.floats_kept("backprop", deep, 4) > 2 * alt.floats_kept("backprop", shallow, 4)
    assert alt.floats_kept("finite_differences", deep, 4) == \
        alt.floats_kept("finite_differences", shallow, 4)
    with pytest.raises(ValueError, match="method must be one of"):
        alt.floats_kept("nope", net, 4)
    with pytest.raises(ValueError, match="m must be >= 1"):
        alt.floats_kept("backprop", net, 0)


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_smoothing_figure_every_frame():
    from backprop_lib.figures import alternatives as fa
    from backprop_lib.plots import figure

    it = fa.smoothing_interactive()
    fig = figure()
    artists = None
    for params in it.grid():
        r = fa.es_smoothing(**params)
        assert np.isfinite(r["smooth"]).all() and np.isfinite(r["es"])
        artists = fa.smoothing_draw(fig, r, artists)
        assert "evolution strategy" in fa.smoothing_alt(params, r)
    narrow, wide = fa.es_smoothing(0.05, 1000), fa.es_smoothing(1.0, 1000)
    assert abs(narrow["smoothed"] - narrow["exact"]) < 0.05 * abs(narrow["exact"])
    assert abs(wide["smoothed"]) < 0.5 * abs(wide["exact"])
    # the smoothed curve from the fine grid agrees with quadrature at t = 0
    assert abs(wide["smooth"][len(wide["t"]) // 2] - wide["smooth_at_zero"]) < 1e-4


def test_losses_along_matches_perturbing_the_parameter():
    from backprop_lib.figures.alternatives import losses_along

    net, X, Y = _problem("bce", sizes=(3, 4, 5, 1))
    Xc, Yc = net.check_data(X, Y)
    for name, index in (("W2", (1, 3)), ("b1", (2, 0)), ("W3", (0, 4))):
        got = losses_along(net, Xc, Yc, name, index, [-0.3, 0.0, 0.7])
        for t, value in zip([-0.3, 0.0, 0.7], got, strict=True):
            twin = net.copy()
            twin.params[name][index] += t
            assert value == pytest.approx(twin.loss(X, Y), rel=1e-12)


def test_measured_memory_backprop_grows_with_depth_a_forward_pass_does_not():
    from backprop_lib.figures.alternatives import problem

    peaks = {}
    for depth in (2, 8):
        net, X, Y = problem(32, depth=depth, m=256)
        peaks[depth] = {m: alt.pass_peak_bytes(m, net, X, Y) for m in alt.METHODS}
    assert peaks[8]["backprop"] > 2 * peaks[2]["backprop"]
    assert peaks[8]["finite_differences"] == peaks[2]["finite_differences"]
    # the activations backprop keeps are really allocated: at least the counted floats
    net, X, Y = problem(32, depth=8, m=256)
    assert alt.pass_peak_bytes("backprop", net, X, Y) >= 8 * alt.floats_kept("backprop", net, 256)
    with pytest.raises(TypeError, match="fn must be callable"):
        alt.peak_bytes(3)
    with pytest.raises(ValueError, match="method must be one of"):
        alt.pass_peak_bytes("guess", net, X, Y)


@pytest.mark.parametrize("method", ["backprop", "finite_differences", "forward_mode"])
def test_a_directly_assigned_parameter_of_the_wrong_shape_is_named(method):
    net = bp.Network([2, 3, 1], activations=["tanh", "sigmoid"], loss="bce", seed=0)
    X, Y = np.zeros((2, 4)), np.ones((1, 4))
    net.params["W2"] = np.zeros((3, 3))
    with pytest.raises(ValueError, match=r"net.params\['W2'\].*shape \(1, 3\)"):
        alt.gradient(method, net, X, Y)
