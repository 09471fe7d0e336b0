"""Tests of backprop_lib.Network: shapes, parameters, the mean loss, trace, copy."""

import numpy as np
import pytest
from helpers import LOSSES, last_activation, rel, targets

import backprop_lib as bp
from backprop_lib.batchnorm import BatchNormNetwork
from backprop_lib.residual import ResidualNetwork


def make(loss="half_mse", sizes=(3, 4, 2), hidden="tanh", seed=0, m=5, dtype=np.float64):
    acts = [hidden] * (len(sizes) - 2) + [last_activation(loss, hidden)]
    net = bp.Network(list(sizes), activations=acts, loss=loss, seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed + 100)
    X = rng.standard_normal((sizes[0], m))
    return net, X, targets(loss, sizes[-1], m, rng)


def test_shapes_of_params_forward_and_gradients():
    net, X, Y = make(sizes=(3, 5, 4, 2), m=7)
    assert net.L == 3
    assert {k: v.shape for k, v in net.params.items()} == net.param_shapes() == {
        "W1": (5, 3), "b1": (5, 1), "W2": (4, 5), "b2": (4, 1), "W3": (2, 4), "b3": (2, 1)}
    assert net.forward(X).shape == (2, 7)
    grads = net.gradients(X, Y)
    assert list(grads) == ["dW1", "db1", "dW2", "db2", "dW3", "db3"]
    for name, p in net.params.items():
        assert grads["d" + name].shape == p.shape


def test_n_params_counts_every_number():
    net = bp.Network([3, 5, 4, 2])
    assert net.n_params == 3 * 5 + 5 + 5 * 4 + 4 + 4 * 2 + 2


def test_params_is_the_networks_own_dict():
    net, X, _ = make()
    before = net.forward(X).copy()
    net.params["b2"] += 1.0
    assert not np.allclose(net.forward(X), before)


def test_set_params_copies_in_place_and_keeps_array_identity():
    net, X, _ = make()
    ids = {k: id(v) for k, v in net.params.items()}
    new = {k: np.full(v.shape, 0.1) for k, v in net.params.items()}
    net.set_params(new)
    assert {k: id(v) for k, v in net.params.items()} == ids
    new["W1"][...] = 99.0  # later changes to the source do not leak in
    assert (net.params["W1"] == 0.1).all()


def test_set_params_accepts_flat_bias_and_casts_to_dtype():
    net = bp.Network([2, 2, 1], dtype=np.float32)
    net.set_params({"W1": [[1, 2], [3, 4]], "b1": [0.5, -0.5], "W2": [[1, 1]], "b2": [0]})
    assert net.params["b1"].shape == (2, 1) and net.params["b1"].dtype == np.float32
    np.testing.assert_array_equal(net.params["b1"], [[0.5], [-0.5]])


def test_forward_by_hand():
    net = bp.Network([2, 2, 1], activations=["relu", "identity"])
    net.set_params({"W1": [[1.0, -1.0], [2.0, 0.5]], "b1": [0.5, -3.0], "W2": [[2.0, -1.0]],
                    "b2": [0.25]})
    X = np.array([[1.0, 2.0], [3.0, -4.0]])
    Z1 = np.array([[1 - 3 + 0.5, 2 + 4 + 0.5], [2 + 1.5 - 3, 4 - 2 - 3]])
    A1 = np.maximum(Z1, 0)
    expected = 2 * A1[0] - A1[1] + 0.25
    np.testing.assert_allclose(net.forward(X)[0], expected, rtol=1e-15)


@pytest.mark.parametrize("loss", LOSSES)
def test_predict(loss):
    net, X, _ = make(loss)
    P = net.predict(X)
    if loss == "softmax_ce":
        np.testing.assert_allclose(P.sum(axis=0), 1.0, rtol=1e-14)
        np.testing.assert_allclose(P, bp.losses.softmax(net.forward(X)), rtol=1e-15)
    else:
        np.testing.assert_array_equal(P, net.forward(X))


@pytest.mark.parametrize("loss", LOSSES)
def test_loss_is_mean_of_per_example_losses(loss):
    net, X, Y = make(loss, m=6)
    per_example = [net.loss(X[:, [i]], Y[:, [i]]) for i in range(6)]
    assert net.loss(X, Y) == pytest.approx(np.mean(per_example), rel=1e-13)
    assert type(net.loss(X, Y)) is float


@pytest.mark.parametrize("loss", LOSSES)
def test_gradients_are_mean_of_per_example_gradients(loss):
    """The 1/m sits where it belongs: the batch gradient is the mean of the examples'."""
    net, X, Y = make(loss, m=6)
    grads = net.gradients(X, Y)
    singles = [net.gradients(X[:, [i]], Y[:, [i]]) for i in range(6)]
    for k, g in grads.items():
        assert rel(g, np.mean([s[k] for s in singles], axis=0)) < 1e-13


@pytest.mark.parametrize("loss", LOSSES)
def test_duplicated_batch_gives_same_gradients(loss):
    net, X, Y = make(loss)
    g1 = net.gradients(X, Y)
    g2 = net.gradients(np.hstack([X, X]), np.hstack([Y, Y]))
    for k in g1:
        assert rel(g2[k], g1[k]) < 1e-13


def test_loss_and_gradients_agrees_with_separate_calls():
    net, X, Y = make("bce")
    loss, grads = net.loss_and_gradients(X, Y)
    assert loss == net.loss(X, Y)
    for k, g in net.gradients(X, Y).items():
        np.testing.assert_array_equal(grads[k], g)


@pytest.mark.parametrize("loss", LOSSES)
def test_trace_names_order_and_consistency(loss):
    net, X, Y = make(loss, sizes=(3, 4, 2))
    t = net.trace(X, Y)
    assert list(t) == ["A0", "Z1", "A1", "Z2", "A2", "loss",
                       "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1", "dA0"]
    assert t.forward_names == ["A0", "Z1", "A1", "Z2", "A2", "loss"]
    assert t.backward_names[0] == "dA2"
    grads = net.gradients(X, Y)
    for k, g in grads.items():
        np.testing.assert_array_equal(t[k], g)
    assert t["loss"] == net.loss(X, Y)
    # the book's equations hold between the traced quantities
    np.testing.assert_allclose(t["Z1"], net.params["W1"] @ X + net.params["b1"], rtol=1e-14)
    np.testing.assert_allclose(t["dW1"], t["dZ1"] @ t["A0"].T, rtol=1e-14)
    np.testing.assert_allclose(t["db1"], t["dZ1"].sum(axis=1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(t["dA1"], net.params["W2"].T @ t["dZ2"], rtol=1e-14)
    np.testing.assert_allclose(t["dZ1"], t["dA1"] * (1 - t["A1"] ** 2), rtol=1e-14)
    if loss != "softmax_ce":  # there dZ2 comes from the logits, dA2 = dZ2 (identity)
        f = bp.activations.get(net.activation_names[-1])
        assert rel(t["dZ2"], t["dA2"] * f.derivative(t["Z2"], t["A2"])) < 1e-13


def test_dA0_is_gradient_with_respect_to_input():
    net, X, Y = make("mse", m=2)
    t = net.trace(X, Y)
    num = bp.numerical_gradient(lambda: net.loss(X, Y), X)
    assert rel(t["dA0"], num) < 1e-8


def test_activation_name_broadcasts_to_all_layers():
    net = bp.Network([2, 3, 3, 1], activations="relu")
    assert net.activation_names == ["relu", "relu", "relu"]


def test_copy_is_independent():
    net, X, Y = make()
    twin = net.copy()
    twin.params["W1"] += 1
    assert not np.array_equal(twin.params["W1"], net.params["W1"])
    assert twin.loss(X, Y) != net.loss(X, Y)
    assert twin.layer_sizes == net.layer_sizes and twin.loss_name == net.loss_name


def test_inputs_are_not_modified():
    net, X, Y = make()
    X0, Y0 = X.copy(), Y.copy()
    net.trace(X, Y)
    net.gradients(X, Y)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)


def test_lists_ints_and_bools_are_accepted_as_data():
    net = bp.Network([2, 3, 1], loss="bce")
    X = [[0, 1, 1], [1, 0, 1]]
    Y = np.array([[True, False, True]])
    assert np.isfinite(net.loss(X, Y))
    assert net.forward(X).dtype == np.float64


def test_repr_names_the_configuration():
    r = repr(bp.Network([2, 3, 1], activations=["relu", "sigmoid"], loss="bce", seed=4))
    assert "[2, 3, 1]" in r and "'bce'" in r and "seed=4" in r and "float64" in r


def test_zero_init_keeps_hidden_units_identical():
    """With zeros everywhere the hidden units get equal gradients: symmetry is never broken."""
    net, X, Y = make("half_mse", sizes=(3, 4, 2), hidden="sigmoid")
    net.set_params({k: np.zeros(v.shape) for k, v in net.params.items()})
    bp.train(net, X, Y, optimizer=bp.optimizers.SGD(lr=0.5), epochs=20)
    W1 = net.params["W1"]
    assert np.abs(W1).max() > 0  # it learned something
    np.testing.assert_allclose(W1, np.broadcast_to(W1[0], W1.shape), rtol=1e-14)


def test_permuting_hidden_units_permutes_gradients():
    net, X, Y = make("bce", sizes=(3, 5, 2), hidden="tanh")
    perm = np.array([3, 0, 4, 1, 2])
    twin = net.copy()
    p = net.params
    twin.set_params({"W1": p["W1"][perm], "b1": p["b1"][perm], "W2": p["W2"][:, perm],
                     "b2": p["b2"]})
    assert twin.loss(X, Y) == pytest.approx(net.loss(X, Y), rel=1e-14)
    g, gt = net.gradients(X, Y), twin.gradients(X, Y)
    np.testing.assert_allclose(gt["dW1"], g["dW1"][perm], rtol=1e-12)
    np.testing.assert_allclose(gt["db1"], g["db1"][perm], rtol=1e-12)
    np.testing.assert_allclose(gt["dW2"], g["dW2"][:, perm], rtol=1e-12)
    np.testing.assert_allclose(gt["db2"], g["db2"], rtol=1e-12)


# ---------------------------------------------------------------- bce from the logits


def far_bce(cls=bp.Network, scale=60.0, sizes=(2, 3, 3, 1), **kw):
    """A tanh/sigmoid bce network whose output logits are about +-scale, half of them on the
    wrong side: sigma(z) rounds to 0 or 1 there, so a loss from probabilities is infinite."""
    net = cls(list(sizes), activations=["tanh"] * (len(sizes) - 2) + ["sigmoid"], loss="bce",
              seed=1, **kw)
    rng = np.random.default_rng(5)
    X = rng.standard_normal((sizes[0], 8))
    Y = np.array([[0, 1, 0, 1, 1, 0, 1, 0]], dtype=float)
    L = net.L
    net.params[f"W{L}"][...] = 0.1
    net.params[f"b{L}"][...] = scale  # Z_L about scale for every example
    return net, X, Y


@pytest.mark.parametrize("cls", [bp.Network, ResidualNetwork, BatchNormNetwork])
def test_bce_network_loss_comes_from_the_logits(cls):
    net, X, Y = far_bce(cls)
    loss = net.loss(X, Y)
    Z = net.cache["Z"][net.L]
    assert np.abs(Z).min() > 55  # far past sigma(z) = 1.0
    assert loss == bp.losses.bce_with_logits(Z, Y)
    assert 25 < loss < 35  # half the examples cost about 60, half about e^-60
    value, grads = net.loss_and_gradients(X, Y)
    assert value == pytest.approx(loss, rel=1e-15)
    assert all(np.all(np.isfinite(g)) for g in grads.values())


@pytest.mark.parametrize("cls", [bp.Network, ResidualNetwork, BatchNormNetwork])
def test_bce_network_gradients_equal_central_differences_at_large_logits(cls):
    net, X, Y = far_bce(cls, scale=45.0)
    check = bp.gradcheck(net, X, Y)
    assert check.max_relative_error < 1e-6, check.errors


def test_bce_trace_gives_finite_dA_and_exact_dZ_at_large_logits():
    net, X, Y = far_bce(scale=60.0)
    t = net.trace(X, Y)
    Z, L = t["Z3"], net.L
    assert t["loss"] == bp.losses.bce_with_logits(Z, Y)
    np.testing.assert_array_equal(t["dZ3"], bp.losses.bce_with_logits_gradient(Z, Y))
    # dA = (1 + e^z) / m for y = 0, -(1 + e^-z) / m for y = 1: finite, if huge
    expected = np.where(Y == 0, 1 + np.exp(Z), -(1 + np.exp(-Z))) / Z.size
    np.testing.assert_allclose(t[f"dA{L}"], expected, rtol=1e-13)
    for key, value in t.items():
        assert np.all(np.isfinite(value)), key


def test_alternatives_evaluate_the_loss_from_the_logits():
    net, X, Y = far_bce(scale=60.0)
    X, Y = net.check_data(X, Y)
    assert bp.alternatives.loss_value(net, X, Y) == pytest.approx(net.loss(X, Y), rel=1e-15)
    tangent = {k: np.random.default_rng(2).standard_normal(v.shape)
               for k, v in net.params.items()}
    loss, slope = bp.alternatives.jvp(net, X, Y, tangent)
    grads = net.gradients(X, Y)
    expected = sum(float(np.sum(grads["d" + k] * v)) for k, v in tangent.items())
    assert np.isfinite(loss) and loss == pytest.approx(net.loss(X, Y), rel=1e-15)
    assert np.isfinite(slope) and slope == pytest.approx(expected, rel=1e-10)


def test_half_mse_mse_and_softmax_gradients_are_unchanged_bit_for_bit():
    """The fused and unfused paths compute what they computed before the logits form."""
    for loss in ("half_mse", "mse", "softmax_ce"):
        net, X, Y = make(loss)
        A = net.forward(X)
        out = {"half_mse": (A - Y) / A.shape[1], "mse": (A - Y) * (2 / A.size),
               "softmax_ce": (bp.losses.softmax(A) - Y) / A.shape[1]}[loss]
        t = net.trace(X, Y)
        if loss == "softmax_ce":
            np.testing.assert_array_equal(t["dZ2"], out)
        else:
            np.testing.assert_array_equal(t["dA2"], out)


def test_gradients_and_cache_are_fresh_arrays_the_caller_may_keep():
    """Each call returns new arrays: gradients and cached Z, A kept from one call are not
    overwritten by the next (no buffer is reused across calls)."""
    net, X, Y = make(sizes=(3, 5, 4, 2), m=6)
    loss1, grads1 = net.loss_and_gradients(X, Y)
    kept = {k: v.copy() for k, v in grads1.items()}
    Z1, A1 = net.cache["Z"][1], net.cache["A"][1]
    Z1_kept, A1_kept = Z1.copy(), A1.copy()
    loss2, grads2 = net.loss_and_gradients(2 * X, Y)
    assert loss2 != loss1
    for k, v in grads1.items():
        np.testing.assert_array_equal(v, kept[k])
        assert not np.shares_memory(v, grads2[k])
    np.testing.assert_array_equal(Z1, Z1_kept)
    np.testing.assert_array_equal(A1, A1_kept)
