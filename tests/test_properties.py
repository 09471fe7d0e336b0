"""Property-based tests: random architectures, activations, losses and batch sizes.

Each drawn case is kept only where a numerical check is meaningful: pre-activations of
ReLU layers away from the kink, sigmoid outputs not saturated, gradients not vanishingly
small. There backpropagation must agree with central differences to a relative error
below 1e-7 in float64. derandomize=True makes the drawn cases the same on every run.
"""

import numpy as np
from helpers import ACTIVATIONS, LOSSES, last_activation, rel, targets
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import backprop_lib as bp

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])


@st.composite
def problems(draw):
    loss = draw(st.sampled_from(LOSSES))
    depth = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 4)) for _ in range(depth)]
    n_out = draw(st.integers(2, 3)) if loss == "softmax_ce" else draw(st.integers(1, 3))
    sizes.append(n_out)
    hidden = [draw(st.sampled_from(ACTIVATIONS)) for _ in range(depth - 1)]
    out_act = last_activation(loss, draw(st.sampled_from(ACTIVATIONS)))
    m = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**16))
    init = draw(st.sampled_from(["xavier", "he", "lecun"]))
    net = bp.Network(sizes, activations=hidden + [out_act], loss=loss, init=init, seed=seed)
    rng = np.random.default_rng(seed)
    for name, p in net.params.items():  # nonzero biases, so they matter too
        if name.startswith("b"):
            p[...] = 0.5 * rng.standard_normal(p.shape)
    X = rng.standard_normal((sizes[0], m))
    Y = targets(loss, n_out, m, rng)
    return net, X, Y


def meaningful(net, X, Y):
    """True where central differences can resolve the gradient to 1e-7."""
    t = net.trace(X, Y)
    for k, name in enumerate(net.activation_names, start=1):
        Z, A = t[f"Z{k}"], t[f"A{k}"]
        if name in ("relu", "leaky_relu") and np.abs(Z).min() < 1e-3:
            return False
        if name == "sigmoid" and not ((A > 0.01).all() and (A < 0.99).all()):
            return False
    grads = net.gradients(X, Y)
    return all(np.linalg.norm(g) > 1e-2 for g in grads.values())


@SETTINGS
@given(problems())
def test_backprop_matches_central_differences(problem):
    net, X, Y = problem
    assume(meaningful(net, X, Y))
    check = bp.gradcheck(net, X, Y)
    assert check.max_relative_error < 1e-7, (net, check.errors)


@SETTINGS
@given(problems())
def test_batch_gradient_is_weighted_mean_of_split_batches(problem):
    net, X, Y = problem
    m = X.shape[1]
    assume(m >= 2)
    k = m // 2
    g = net.gradients(X, Y)
    g1 = net.gradients(X[:, :k], Y[:, :k])
    g2 = net.gradients(X[:, k:], Y[:, k:])
    for name in g:
        combined = (k * g1[name] + (m - k) * g2[name]) / m
        assert np.allclose(g[name], combined, rtol=1e-12, atol=1e-15)
    split = (k * net.loss(X[:, :k], Y[:, :k]) + (m - k) * net.loss(X[:, k:], Y[:, k:])) / m
    assert np.isclose(net.loss(X, Y), split, rtol=1e-12, atol=0)


@SETTINGS
@given(problems())
def test_trace_agrees_with_gradients_and_forward(problem):
    net, X, Y = problem
    t = net.trace(X, Y)
    grads = net.gradients(X, Y)
    for name, g in grads.items():
        np.testing.assert_array_equal(t[name], g)
    np.testing.assert_array_equal(t[f"A{net.L}"], net.forward(X))
    assert t["loss"] == net.loss(X, Y)
    # dA0 = W1^T dZ1 has the shape of X
    assert t["dA0"].shape == X.shape


@SETTINGS
@given(problems(), st.floats(1e-3, 1.0))
def test_sgd_step_is_w_minus_lr_g(problem, lr):
    net, X, Y = problem
    before = {k: v.copy() for k, v in net.params.items()}
    grads = net.gradients(X, Y)
    bp.optimizers.SGD(lr=lr).step(net.params, grads)
    for k, w in net.params.items():
        np.testing.assert_allclose(w, before[k] - lr * grads["d" + k], rtol=1e-15, atol=1e-300)


@SETTINGS
@given(problems())
def test_float32_twin_is_close_to_float64(problem):
    net, X, Y = problem
    assume(meaningful(net, X, Y))
    twin = bp.Network(net.layer_sizes, net.activation_names, net.loss_name, seed=0,
                      dtype=np.float32)
    twin.set_params(net.params)
    g32, g64 = twin.gradients(X, Y), net.gradients(X, Y)
    for k in g64:
        assert g32[k].dtype == np.float32
        assert rel(g32[k], g64[k]) < 1e-4, k
