"""Batch normalization (chapter "Practical tips"): forward statistics, gradients against
central differences and against autograd, running statistics, training, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import last_activation, targets

import backprop_lib as bp
from backprop_lib.batchnorm import BatchNormNetwork, batchnorm_backward, batchnorm_forward

anp = pytest.importorskip("autograd.numpy")
autograd = pytest.importorskip("autograd")


def _net(hidden="relu", loss="bce", sizes=(3, 5, 4, 2), seed=1, **kw):
    L = len(sizes) - 1
    acts = [hidden] * (L - 1) + [last_activation(loss, hidden)]
    return BatchNormNetwork(list(sizes), activations=acts, loss=loss, seed=seed, **kw)


def _data(net, m=7, seed=2):
    rng = np.random.default_rng(seed)
    X = rng.normal(loc=1.0, scale=2.0, size=(net.layer_sizes[0], m))
    return X, targets(net.loss_name, net.layer_sizes[-1], m, rng)


def test_forward_normalizes_each_feature_over_the_examples():
    rng = np.random.default_rng(0)
    Z = rng.normal(loc=5.0, scale=3.0, size=(4, 50))
    out, (Zhat, inv_std, _, mu, var) = batchnorm_forward(Z, np.ones((4, 1)), np.zeros((4, 1)))
    np.testing.assert_allclose(Zhat.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(Zhat.var(axis=1), Z.var(axis=1) / (Z.var(axis=1) + 1e-5))
    np.testing.assert_allclose(mu[:, 0], Z.mean(axis=1))
    gamma, beta = np.array([[2.0], [0.5], [1.0], [3.0]]), np.array([[1.0], [-1.0], [0.0], [4.0]])
    out, _ = batchnorm_forward(Z, gamma, beta)
    np.testing.assert_allclose(out.mean(axis=1, keepdims=True), beta, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=1, keepdims=True), gamma, rtol=1e-5)


def test_backward_of_layer_matches_central_differences():
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(3, 6))
    gamma, beta = rng.uniform(0.5, 2, (3, 1)), rng.normal(size=(3, 1))
    R = rng.normal(size=(3, 6))  # loss = sum(R * out): dL/dout = R

    def loss():
        return float((R * batchnorm_forward(Z, gamma, beta)[0]).sum())

    _, cache = batchnorm_forward(Z, gamma, beta)
    dZ, dgamma, dbeta = batchnorm_backward(R, cache)
    for analytic, x in ((dZ, Z), (dgamma, gamma), (dbeta, beta)):
        assert bp.relative_error(analytic, bp.numerical_gradient(loss, x)) < 1e-7


@pytest.mark.parametrize("hidden,loss", [("relu", "bce"), ("tanh", "half_mse"),
                                         ("sigmoid", "softmax_ce"), ("leaky_relu", "mse")])
def test_network_gradcheck_float64(hidden, loss):
    net = _net(hidden, loss)
    X, Y = _data(net)
    check = bp.gradcheck(net, X, Y)
    assert set(check.errors) == {"W1", "gamma1", "beta1", "W2", "gamma2", "beta2", "W3", "b3"}
    assert check.max_relative_error < 1e-7, check.table()


def test_gradcheck_does_not_touch_running_statistics():
    net = _net()
    X, Y = _data(net)
    before = {k: v.copy() for k, v in net.running.items()}
    bp.numerical_gradients(net, X, Y)
    net.loss(X, Y)
    for k in before:
        np.testing.assert_array_equal(net.running[k], before[k])


def _autograd_loss(params, X, Y, L, hidden, eps):
    """The BatchNormNetwork's bce loss written independently with autograd.numpy."""
    acts = {"relu": lambda z: anp.maximum(z, 0), "tanh": anp.tanh}
    A = X
    for l in range(1, L):
        Z = anp.dot(params[f"W{l}"], A)
        mu = anp.mean(Z, axis=1, keepdims=True)
        var = anp.mean((Z - mu) ** 2, axis=1, keepdims=True)
        Zt = params[f"gamma{l}"] * (Z - mu) / anp.sqrt(var + eps) + params[f"beta{l}"]
        A = acts[hidden](Zt)
    Z = anp.dot(params[f"W{L}"], A) + params[f"b{L}"]
    P = 1 / (1 + anp.exp(-Z))
    return -anp.mean(Y * anp.log(P) + (1 - Y) * anp.log(1 - P))


@pytest.mark.parametrize("hidden", ["relu", "tanh"])
def test_network_gradients_match_autograd(hidden):
    net = _net(hidden, "bce", sizes=(3, 6, 5, 4, 2), seed=4)
    net.params["gamma2"][...] = np.linspace(0.5, 2.0, 5).reshape(-1, 1)
    net.params["beta1"][...] = np.linspace(-1, 1, 6).reshape(-1, 1)
    X, Y = _data(net, m=9)
    grads = net.gradients(X, Y)
    ref = autograd.grad(_autograd_loss)(dict(net.params), X, Y, net.L, hidden, net.eps)
    assert abs(net.loss(X, Y) - _autograd_loss(net.params, X, Y, net.L, hidden, net.eps)) < 1e-12
    for name in net.params:
        assert bp.relative_error(grads["d" + name], ref[name]) < 1e-10, name


def test_running_statistics_and_inference_mode():
    net = _net("tanh", "bce", momentum=0.5)
    X, Y = _data(net, m=10)
    net.loss_and_gradients(X, Y)
    Z1 = net.params["W1"] @ X
    np.testing.assert_allclose(net.running["mean1"], 0.5 * Z1.mean(axis=1, keepdims=True))
    np.testing.assert_allclose(net.running["var1"],
                               0.5 + 0.5 * Z1.var(axis=1, ddof=1, keepdims=True))
    for _ in range(60):  # constant parameters: running averages converge to the batch values
        net.loss_and_gradients(X, Y)
    np.testing.assert_allclose(net.running["mean1"], Z1.mean(axis=1, keepdims=True), rtol=1e-9)
    # inference with running stats equals training mode up to the m/(m-1) variance factor,
    # and a single example's prediction does not depend on the rest of the batch
    single = net.predict(X[:, :1])
    np.testing.assert_allclose(single, net.predict(X)[:, :1])
    assert not np.allclose(net.forward(X[:, :2]), net.forward(X[:, :2], training=False))


def test_copy_is_independent():
    net = _net()
    X, Y = _data(net)
    twin = net.copy()
    net.loss_and_gradients(X, Y)
    assert not np.allclose(twin.running["mean1"], net.running["mean1"])
    twin.params["gamma1"][...] = 3.0
    assert np.all(net.params["gamma1"] == 1.0)


def test_trains_where_plain_network_cannot():
    X, Y = bp.data.two_moons(100, noise=0.1, seed=0)
    X = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
    sizes, acts = [2, 8, 8, 8, 1], ["relu"] * 3 + ["sigmoid"]
    plain = bp.Network(sizes, acts, "bce", init="small", seed=0)
    bn = BatchNormNetwork(sizes, acts, "bce", init="small", seed=0)
    hp = bp.train(plain, X, Y, bp.optimizers.SGD(0.3), epochs=100)
    hb = bp.train(bn, X, Y, bp.optimizers.SGD(0.3), epochs=100)
    assert hp.final_loss > 0.69 and hb.final_loss < 0.2
    assert ((bn.predict(X) > 0.5) == Y).mean() > 0.95


def test_set_params_and_shapes():
    net = _net()
    shapes = net.param_shapes()
    assert shapes == {k: v.shape for k, v in net.params.items()}
    assert "b1" not in shapes and "b3" in shapes
    new = {k: np.full(s, 0.5) for k, s in shapes.items()}
    net.set_params(new)
    assert np.all(net.params["beta2"] == 0.5)
    with pytest.raises(ValueError, match="gamma1"):
        net.set_params({**new, "gamma1": np.ones((2, 1))})
    with pytest.raises(ValueError, match="missing"):
        net.set_params({k: v for k, v in new.items() if k != "beta1"})


def test_float32():
    net = _net("tanh", "bce", dtype=np.float32)
    X, Y = _data(net)
    grads = net.gradients(X, Y)
    assert all(g.dtype == np.float32 for g in grads.values())
    ref = _net("tanh", "bce").gradients(X, Y)
    for k in ref:
        assert bp.relative_error(grads[k], ref[k]) < 1e-4


def test_trace_names_and_values():
    net = _net("tanh", "half_mse")
    X, Y = _data(net)
    t = net.trace(X, Y)
    assert t.forward_names[:5] == ["A0", "Z1", "Zhat1", "Ztilde1", "A1"]
    grads = net.gradients(X, Y)
    for k, g in grads.items():
        np.testing.assert_allclose(t[k], g)


def test_bad_input():
    with pytest.raises(ValueError, match="eps"):
        _net(eps=0.0)
    with pytest.raises(ValueError, match="momentum"):
        _net(momentum=1.5)
    with pytest.raises(TypeError, match="momentum"):
        _net(momentum="fast")
    net = _net()
    X, Y = _data(net)
    with pytest.raises(ValueError, match="at least 2 examples"):
        net.gradients(X[:, :1], Y[:, :1])
    with pytest.raises(ValueError, match="X"):
        net.gradients(X[:2], Y)
    with pytest.raises(ValueError, match="gamma"):
        batchnorm_forward(np.ones((3, 4)), np.ones((4, 1)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="Z must be a 2-D"):
        batchnorm_forward(np.ones(3), np.ones((3, 1)), np.zeros((3, 1)))
    _, cache = batchnorm_forward(np.arange(12.0).reshape(3, 4), np.ones((3, 1)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="dZtilde"):
        batchnorm_backward(np.ones((4, 3)), cache)


def _checks_and_diagnostics(net, X, Y):
    """Every check and diagnostic of the library, run on (X, Y)."""
    from backprop_lib import diagnostics as dg

    return {
        "gradcheck": lambda: bp.gradcheck(net, X, Y),
        "gradcheck_sampled": lambda: bp.gradcheck(net, X, Y, n_samples=2),
        "numerical_gradients": lambda: bp.numerical_gradients(net, X, Y),
        "layer_gradient_norms": lambda: dg.layer_gradient_norms(net, X, Y),
        "gradient_ratio": lambda: dg.gradient_ratio(net, X, Y),
        "backward_factors": lambda: dg.backward_factors(net, X, Y),
        "inactive_units": lambda: dg.inactive_units(net, X),
        "dead_unit_fraction": lambda: dg.dead_unit_fraction(net, X),
        "frozen_unit_fraction": lambda: dg.frozen_unit_fraction(net, X, Y),
    }


@pytest.mark.parametrize("check", list(_checks_and_diagnostics(None, None, None)))
def test_checks_and_diagnostics_change_nothing(check):
    """predict, the running statistics and the parameters are equal bit for bit afterwards
    (one gradcheck used to move predict by about 0.016)."""
    net = _net("relu", "bce")
    X, Y = _data(net, m=8)
    bp.train(net, X, Y, bp.optimizers.SGD(0.1), epochs=3)  # running statistics not at init
    before = net.predict(X)
    running = {k: v.copy() for k, v in net.running.items()}
    params = {k: v.copy() for k, v in net.params.items()}
    _checks_and_diagnostics(net, X, Y)[check]()
    np.testing.assert_array_equal(net.predict(X), before)
    for k, v in running.items():
        np.testing.assert_array_equal(net.running[k], v)
    for k, v in params.items():
        np.testing.assert_array_equal(net.params[k], v)


def test_training_still_updates_the_running_statistics():
    net = _net("relu", "bce")
    X, Y = _data(net, m=8)
    bp.gradcheck(net, X, Y)
    start = {k: v.copy() for k, v in net.running.items()}
    bp.train(net, X, Y, bp.optimizers.SGD(0.1), epochs=1)
    assert not np.allclose(net.running["mean1"], start["mean1"])
    net.gradients(X, Y)  # outside a check, a training step's gradients update them, as before
    after_train = net.running["mean2"].copy()
    net.loss_and_gradients(X, Y)
    assert not np.array_equal(net.running["mean2"], after_train)


def test_unchanged_statistics_restores_after_an_error_and_ignores_plain_networks():
    from backprop_lib.batchnorm import unchanged_statistics

    net = _net()
    X, Y = _data(net)
    mean1 = net.running["mean1"]
    keep = mean1.copy()
    with pytest.raises(RuntimeError), unchanged_statistics(net):
        net.loss_and_gradients(X, Y)
        mean1 += 1.0  # even an update in place is undone
        raise RuntimeError("boom")
    assert net.running["mean1"] is mean1
    np.testing.assert_array_equal(mean1, keep)
    plain = bp.Network([3, 2], "identity")
    with unchanged_statistics(plain) as same:
        assert same is plain


def test_forward_names_a_directly_assigned_parameter_of_the_wrong_shape():
    net = BatchNormNetwork([2, 3, 1], seed=0)
    net.params["W1"] = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"net.params\['W1'\].*shape \(3, 2\)"):
        net.forward(np.zeros((2, 4)))


def test_backward_steps_match_the_graph_and_the_compact_formula():
    from backprop_lib import batchnorm_graph
    from backprop_lib.batchnorm import batchnorm_backward_steps

    rng = np.random.default_rng(4)
    Z, R = rng.normal(2.0, 3.0, size=(3, 6)), rng.normal(size=(3, 6))
    gamma, beta = rng.uniform(0.5, 2.0, (3, 1)), rng.normal(size=(3, 1))
    _, cache = batchnorm_forward(Z, gamma, beta)
    steps = batchnorm_backward_steps(R, cache)
    numeric = batchnorm_graph.numerical_adjoints(Z, gamma, beta, R)
    for node in batchnorm_graph.NODES:
        assert bp.relative_error(steps["d" + node], numeric[node]) < 1e-7, node
    np.testing.assert_allclose(steps["dZ"], batchnorm_backward(R, cache)[0], atol=1e-14)
    # the two mean terms: the path via mu is -mean(dZhat)/s, the one via var the Zhat term
    dZhat, s = gamma * R, 1 / cache[1]
    np.testing.assert_allclose(steps["dZ_via_mu"], -dZhat.mean(axis=1, keepdims=True) / s
                               * np.ones_like(Z), atol=1e-14)
    np.testing.assert_allclose(steps["dZ_via_var"],
                               -cache[0] * (dZhat * cache[0]).mean(axis=1, keepdims=True) / s,
                               atol=1e-14)
    # holding mu and var constant (the direct path alone) is far off
    assert bp.relative_error(steps["dZ_direct"], numeric["Z"]) > 0.1
    with pytest.raises(ValueError, match="node"):
        batchnorm_graph.downstream("W", Z, Z, gamma, beta, R)
