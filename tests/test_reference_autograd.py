"""Agreement with an independent autodiff library (autograd) on random networks.

The network, activations and losses are written again below in autograd.numpy from their
definitions, not from backprop_lib; autograd differentiates them. The loss value and every
gradient must agree to 1e-10 relative, for every activation and every loss, in float64.
"""

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from helpers import ACTIVATIONS, LOSSES, last_activation, rel, targets

import backprop_lib as bp

ACT = {
    "sigmoid": lambda z: 1 / (1 + anp.exp(-z)),
    "tanh": anp.tanh,
    "relu": lambda z: anp.where(z > 0, z, 0.0),
    "leaky_relu": lambda z: anp.where(z > 0, z, 0.01 * z),
    "identity": lambda z: z,
}


def loss_fn(name, A, Y):
    m = A.shape[1]
    if name == "half_mse":
        return 0.5 * anp.sum((A - Y) ** 2) / m
    if name == "mse":
        return anp.mean((A - Y) ** 2)
    if name == "bce":
        return -anp.mean(Y * anp.log(A) + (1 - Y) * anp.log(1 - A))
    # softmax_ce on logits
    zmax = anp.max(A, axis=0, keepdims=True)
    log_p = A - zmax - anp.log(anp.sum(anp.exp(A - zmax), axis=0, keepdims=True))
    return -anp.sum(Y * log_p) / m


def reference_loss(flat_params, shapes, acts, loss, X, Y):
    A, i = X, 0
    for k, f in enumerate(acts, start=1):
        (rw, cw), (rb, _) = shapes[f"W{k}"], shapes[f"b{k}"]
        W = anp.reshape(flat_params[i:i + rw * cw], (rw, cw))
        i += rw * cw
        b = anp.reshape(flat_params[i:i + rb], (rb, 1))
        i += rb
        A = ACT[f](anp.dot(W, A) + b)
    return loss_fn(loss, A, Y)


def problem(hidden, loss, seed, sizes=(3, 5, 4)):
    n_out = 3 if loss == "softmax_ce" else 2
    acts = [hidden] * len(sizes[1:]) + [last_activation(loss, hidden)]
    net = bp.Network([*sizes, n_out], activations=acts, loss=loss, seed=seed)
    rng = np.random.default_rng(seed + 1000)
    for name in net.params:
        net.params[name][...] = rng.standard_normal(net.params[name].shape) * 0.8
    X = rng.standard_normal((sizes[0], 7))
    return net, X, targets(loss, n_out, 7, rng)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("hidden", ACTIVATIONS)
def test_loss_and_every_gradient_match_autograd(hidden, loss, seed):
    net, X, Y = problem(hidden, loss, seed)
    shapes = {k: v.shape for k, v in net.params.items()}
    flat = np.concatenate([v.ravel() for v in net.params.values()])
    args = (shapes, net.activation_names, loss, X, Y)
    ref_loss = reference_loss(flat, *args)
    ref_grad = grad(reference_loss)(flat, *args)
    got_loss, got = net.loss_and_gradients(X, Y)
    assert got_loss == pytest.approx(float(ref_loss), rel=1e-10, abs=0)
    i = 0
    for name, p in net.params.items():
        g_ref = ref_grad[i:i + p.size].reshape(p.shape)
        i += p.size
        assert rel(got["d" + name], g_ref) < 1e-10, name


@pytest.mark.parametrize("loss", LOSSES)
def test_input_gradient_dA0_matches_autograd(loss):
    net, X, Y = problem("tanh", loss, 3)
    shapes = {k: v.shape for k, v in net.params.items()}
    flat = np.concatenate([v.ravel() for v in net.params.values()])
    dX = grad(lambda x: reference_loss(flat, shapes, net.activation_names, loss, x, Y))(X)
    assert rel(net.trace(X, Y)["dA0"], dX) < 1e-10


def test_mixed_activations_in_a_deep_network():
    acts = ["sigmoid", "relu", "tanh", "leaky_relu", "identity"]
    net = bp.Network([4, 6, 5, 5, 4, 3], activations=acts, loss="softmax_ce", seed=9)
    rng = np.random.default_rng(9)
    X = rng.standard_normal((4, 8))
    Y = bp.data.one_hot(rng.integers(0, 3, 8), 3)
    shapes = {k: v.shape for k, v in net.params.items()}
    flat = np.concatenate([v.ravel() for v in net.params.values()])
    ref_grad = grad(reference_loss)(flat, shapes, acts, "softmax_ce", X, Y)
    got = net.gradients(X, Y)
    i = 0
    for name, p in net.params.items():
        assert rel(got["d" + name], ref_grad[i:i + p.size].reshape(p.shape)) < 1e-10, name
        i += p.size
