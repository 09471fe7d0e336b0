"""Hessian-vector products by forward-over-reverse (Pearlmutter 1994).

Chapter "Backpropagation against its alternatives" pushes a tangent theta_dot = (W_dot{l},
b_dot{l}) through both passes: the forward pass carries Z_dot{l} and A_dot{l} beside Z{l}
and A{l} (the tangent pass of `alternatives.jvp`), and the backward pass carries the
tangent of every adjoint beside it, by the product rule applied to each backward line:

    dZ{l}  = dA{l} * f'(Z{l})          ->  dZ_dot{l}  = dA_dot{l} * f'(Z{l})
                                                       + dA{l} * f''(Z{l}) * Z_dot{l}
    dW{l}  = dZ{l} A{l-1}^T            ->  dW_dot{l}  = dZ_dot{l} A{l-1}^T + dZ{l} A_dot{l-1}^T
    db{l}  = sum_i dZ{l}               ->  db_dot{l}  = sum_i dZ_dot{l}
    dA{l-1} = W{l}^T dZ{l}             ->  dA_dot{l-1} = W_dot{l}^T dZ{l} + W{l}^T dZ_dot{l}

The tangent of the gradient along theta_dot is H theta_dot, the Hessian times the direction,
exactly, for the cost of about two backward passes and with no P x P matrix. Frameworks do
the same by composing their forward mode with their reverse mode: torch.func.jvp applied
to torch.func.grad, jax.jvp applied to jax.grad. `hvp_by_differences` is the check:
central differences of exact gradients, (g(theta + h theta_dot) - g(theta - h theta_dot)) / 2h.

Supported: hidden and output activations whose f'' is below (sigmoid, tanh, identity, relu,
leaky_relu, elu; f'' = 0 away from a kink), with half_mse or mse, bce after a sigmoid or
softmax_ce after the identity. NumPy alone.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_positive, describe
from .alternatives import _check_net, _check_tangent


def _second_derivative(name, Z, A):
    """f''(Z) from Z and A = f(Z)."""
    if name == "tanh":
        return -2.0 * A * (1.0 - A ** 2)
    if name == "sigmoid":
        return A * (1.0 - A) * (1.0 - 2.0 * A)
    if name == "elu":
        return np.where(Z > 0, 0.0, A + 1.0)  # exp(z) for z <= 0
    return np.zeros_like(Z)  # identity, relu, leaky_relu: piecewise linear


SUPPORTED = ("sigmoid", "tanh", "identity", "relu", "leaky_relu", "elu")


def _check_supported(net):
    for name in net.activation_names:
        if name not in SUPPORTED:
            raise ValueError(f"hessian_vector_product supports the activations {list(SUPPORTED)}; "
                             f"the network has {name!r}")
    loss, last = net.loss_name, net.activation_names[-1]
    if loss in ("half_mse", "mse") or (loss, last) in (("bce", "sigmoid"),
                                                       ("softmax_ce", "identity")):
        return
    raise ValueError(f"hessian_vector_product supports half_mse, mse, bce after sigmoid and "
                     f"softmax_ce after identity; the network has {loss!r} after {last!r}")


def _output_adjoint(net, Z, A, Z_dot, A_dot, Y):
    """(dZ{L}, its tangent dZ_dot{L}) for the supported losses."""
    loss, m = net.loss_name, Y.shape[1]
    if loss == "bce":  # dZ = (sigma(Z) - Y) / (n_L m), from the logits
        size = Y.size
        return net._loss.output_delta(A, Y, "sigmoid", Z=Z), A * (1 - A) * Z_dot / size
    if loss == "softmax_ce":  # dZ = (S - Y) / m with S = softmax(Z)
        S = np.exp(Z - Z.max(axis=0, keepdims=True))
        S /= S.sum(axis=0, keepdims=True)
        S_dot = S * Z_dot - S * np.sum(S * Z_dot, axis=0, keepdims=True)
        return (S - Y) / m, S_dot / m
    scale = 1.0 / m if loss == "half_mse" else 2.0 / Y.size  # dL/dA = scale (A - Y)
    dA, dA_dot = scale * (A - Y), scale * A_dot
    name = net.activation_names[-1]
    slope = net._f[-1].derivative(Z, A)
    return dA * slope, dA_dot * slope + dA * _second_derivative(name, Z, A) * Z_dot


def hessian_vector_product(net, X, Y, tangent) -> dict:
    """H theta_dot by forward-over-reverse, as a dict "dW1", "db1", ... (the tangents of
    the gradient's entries), for the batch's mean loss.

    tangent: the direction theta_dot, a dict of parameter names to arrays of their shapes
    (a missing name is a zero tangent).
    """
    _check_net(net)
    _check_supported(net)
    X, Y = net.check_data(X, Y)
    tangent = _check_tangent(net, tangent)
    As, Zs, A_dots, Z_dots = [X], [None], [np.zeros_like(X)], [None]
    for l in range(1, net.L + 1):  # the tangent pass, keeping values and tangents
        W, b = net.params[f"W{l}"], net.params[f"b{l}"]
        W_dot = tangent.get(f"W{l}", np.zeros_like(W))
        b_dot = tangent.get(f"b{l}", np.zeros_like(b))
        Z = W @ As[-1] + b
        Z_dot = W_dot @ As[-1] + W @ A_dots[-1] + b_dot
        A = net._f[l - 1](Z)
        Zs.append(Z)
        Z_dots.append(Z_dot)
        As.append(A)
        A_dots.append(net._f[l - 1].derivative(Z, A) * Z_dot)
    dZ, dZ_dot = _output_adjoint(net, Zs[-1], As[-1], Z_dots[-1], A_dots[-1], Y)
    out, dA, dA_dot = {}, None, None
    for l in range(net.L, 0, -1):  # the backward pass, each line with its tangent
        if l < net.L:
            slope = net._f[l - 1].derivative(Zs[l], As[l])
            second = _second_derivative(net.activation_names[l - 1], Zs[l], As[l])
            dZ, dZ_dot = dA * slope, dA_dot * slope + dA * second * Z_dots[l]
        out[f"dW{l}"] = dZ_dot @ As[l - 1].T + dZ @ A_dots[l - 1].T
        out[f"db{l}"] = dZ_dot.sum(axis=1, keepdims=True)
        W = net.params[f"W{l}"]
        W_dot = tangent.get(f"W{l}", np.zeros_like(W))
        dA, dA_dot = W.T @ dZ, W_dot.T @ dZ + W.T @ dZ_dot
    return {k: out[k] for k in ("d" + name for name in net.params)}


def hvp_by_differences(net, X, Y, tangent, h=1e-5) -> dict:
    """(g(theta + h theta_dot) - g(theta - h theta_dot)) / (2h), g the exact gradient: the
    finite-difference check of `hessian_vector_product` (error of order h^2)."""
    _check_net(net)
    h = check_positive(h, "h")
    X, Y = net.check_data(X, Y)
    tangent = _check_tangent(net, tangent)
    if not tangent:
        raise ValueError(f"tangent must name at least one parameter; got {describe(tangent)}")
    original = {k: v.copy() for k, v in net.params.items()}
    grads = []
    try:
        for sign in (1.0, -1.0):
            for name, value in original.items():
                net.params[name][...] = value + sign * h * tangent.get(name, 0.0)
            grads.append(net.loss_and_gradients(X, Y, checked=True)[1])
    finally:
        for name, value in original.items():
            net.params[name][...] = value
    return {k: (grads[0][k] - grads[1][k]) / (2 * h) for k in grads[0]}
