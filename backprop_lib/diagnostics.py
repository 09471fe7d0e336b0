"""Measurements that tell what is going wrong inside a network: gradient norms by layer,
how much the backward pass shrinks or grows from layer to layer, and dead ReLU units.

Chapter "Vanishing and exploding gradients" reads the per-layer norms ||dW{l}|| and the
ratio of the first layer's norm to the last layer's; it also measures the factor

    ||dA{l-1}|| / ||dA{l}||,   where dA{l-1} = W{l}^T (dA{l} * f'(Z{l})),

by which one layer of the backward pass scales the gradient: the product of f'(Z) and of
the weights, not f' alone. Chapter "Dead neurons and slow convergence" counts dead units:
a unit of a ReLU layer is dead on a dataset when Z <= 0 for every example, so its output is
0 and its local derivative is 0 for all of them; no gradient reaches its weights. For a
leaky ReLU layer the same test finds units that are merely inactive: their gradient is
0.01 times smaller, not zero, so they can recover.

Every function works with any network that has `L`, `params`, `layer_sizes`,
`activation_names`, `check_data`, `forward` (keeping `cache["Z"]`), `gradients` and `trace`:
`backprop_lib.Network`, `backprop_lib.residual.ResidualNetwork` and
`backprop_lib.batchnorm.BatchNormNetwork`. None of them changes the network: a
BatchNormNetwork's running statistics are put back as they were (so `predict` is unchanged).
NumPy only.
"""

from __future__ import annotations

import numpy as np

from ._checks import describe
from .batchnorm import unchanged_statistics

RECTIFIERS = ("relu", "leaky_relu")


def _check_net(net, *more):
    for attr in ("L", "params", "check_data", "forward", "gradients", *more):
        if not hasattr(net, attr):
            raise TypeError(f"net must be a backprop_lib Network; got {describe(net)}")


def _gradients(net, X, Y) -> dict:
    """net.gradients(X, Y), leaving the network's running statistics as they were."""
    with unchanged_statistics(net):
        return net.gradients(X, Y)


def layer_gradient_norms(net, X, Y) -> np.ndarray:
    """||dW{l}|| (Frobenius norm) for l = 1, ..., L, at the batch (X, Y), as an array."""
    _check_net(net)
    grads = _gradients(net, X, Y)
    return np.array([np.linalg.norm(grads[f"dW{l}"]) for l in range(1, net.L + 1)])


def first_last_ratio(norms) -> float:
    """norms[0] / norms[-1]: the first layer's gradient norm over the last layer's.

    Far below 1: the gradient vanishes on its way back; far above 1: it explodes.
    Returns inf when only the last norm is 0, and nan when both are.
    """
    arr = _as_norms(norms)
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(f"norms must be a 1-D array of at least 2 per-layer norms; "
                         f"got shape {arr.shape}")
    if not np.all(arr >= 0):
        raise ValueError("norms must be non-negative (they are norms); got a negative or NaN value")
    first, last = arr[0], arr[-1]
    if last == 0:
        return float("nan") if first == 0 else float("inf")
    return float(first / last)


def _as_norms(norms) -> np.ndarray:
    """norms as a float64 array, or a TypeError that says what came."""
    if norms is None or isinstance(norms, (str, bytes, dict, set)):
        raise TypeError(f"norms must be a 1-D array of per-layer norms; got {describe(norms)}")
    try:
        arr = np.asarray(norms)
    except (TypeError, ValueError) as exc:  # ragged nested lists
        raise ValueError(f"norms must be a 1-D array of per-layer norms: {exc}") from None
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"norms must hold real numbers, one norm per layer; got dtype {arr.dtype}")
    return arr.astype(np.float64)


def gradient_ratio(net, X, Y) -> float:
    """first_last_ratio(layer_gradient_norms(net, X, Y)): ||dW1|| / ||dW{L}||."""
    return first_last_ratio(layer_gradient_norms(net, X, Y))


def backward_factors(net, X, Y) -> np.ndarray:
    """||dA{l-1}|| / ||dA{l}|| for l = L, ..., 2 (in that order): the factor by which each
    layer of the backward pass scales the gradient on its way to the input.

    Entry 0 is the last layer's factor. Their product is ||dA1|| / ||dA{L}||. A factor is
    inf where only ||dA{l}|| is 0 and nan where both norms are (the gradient has died out).
    """
    _check_net(net, "trace")
    if net.L < 2:
        raise ValueError("net must have at least 2 layers to measure backward factors; "
                         f"got L = {net.L}")
    with unchanged_statistics(net):
        trace = net.trace(X, Y)
    norms = {l: np.linalg.norm(trace[f"dA{l}"]) for l in range(1, net.L + 1)}
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.array([norms[l - 1] / norms[l] for l in range(net.L, 1, -1)])


def inactive_units(net, X) -> dict:
    """For each hidden rectifier layer l (relu or leaky_relu, l < L): a boolean array of
    shape (n_l,), True where Z{l} <= 0 for every example of X.

    For relu these units are dead on X (output 0, gradient 0); for leaky_relu they are
    only inactive (output 0.01 Z, gradient 0.01 times what it would be).
    """
    _check_net(net, "activation_names")
    X = net._check_X(X) if hasattr(net, "_check_X") else X
    with unchanged_statistics(net):
        net.forward(X)
    Zs = net.cache["Z"]
    return {
        l: np.all(Zs[l] <= 0, axis=1)
        for l in range(1, net.L)
        if net.activation_names[l - 1] in RECTIFIERS
    }


def dead_unit_fraction(net, X) -> float:
    """The fraction of all hidden relu / leaky_relu units that are <= 0 on every example
    of X (see inactive_units): dead units for relu, inactive ones for leaky_relu.
    Returns 0.0 when the network has no hidden rectifier layer.
    """
    masks = list(inactive_units(net, X).values())
    return float(np.mean(np.concatenate(masks))) if masks else 0.0


def frozen_unit_fraction(net, X, Y) -> float:
    """The fraction of hidden relu / leaky_relu units that receive no gradient at all on
    (X, Y): their row of dW{l} and their entry of db{l} (of dgamma{l} and dbeta{l} in a
    BatchNormNetwork) are exactly 0, so gradient descent cannot change their incoming
    weights. A dead relu unit is frozen; a leaky one is not.
    Returns 0.0 when the network has no hidden rectifier layer.
    """
    _check_net(net, "activation_names")
    grads = _gradients(net, X, Y)
    frozen = []
    for l in range(1, net.L):
        if net.activation_names[l - 1] not in RECTIFIERS:
            continue
        mask = np.all(grads[f"dW{l}"] == 0, axis=1)
        for key in (f"db{l}", f"dgamma{l}", f"dbeta{l}"):  # the unit's own parameters
            if key in grads:
                mask &= grads[key][:, 0] == 0
        frozen.append(mask)
    return float(np.mean(np.concatenate(frozen))) if frozen else 0.0


def activation_norms(net, X) -> np.ndarray:
    """||A{l}|| (Frobenius norm over units and examples) for l = 0, ..., L, at the inputs X:
    the forward signal, layer by layer (entry 0 is ||X||).

    Chapter "Vanishing and exploding gradients" reads them beside backward_norms: dW{l} =
    dZ{l} A{l-1}^T needs both, so a forward signal that shrinks hides a backward one that
    grows, and the other way round.
    """
    _check_net(net)
    X = net._check_X(X) if hasattr(net, "_check_X") else X
    with unchanged_statistics(net):
        net.forward(X)
    return np.array([np.linalg.norm(A) for A in net.cache["A"]])


def backward_norms(net, X, Y) -> np.ndarray:
    """||dA{l}|| (Frobenius norm) for l = 1, ..., L, at the batch (X, Y): the gradient on
    its way back, before any weight enters it (chapter "Vanishing and exploding gradients").
    """
    _check_net(net, "trace")
    with unchanged_statistics(net):
        trace = net.trace(X, Y)
    return np.array([np.linalg.norm(trace[f"dA{l}"]) for l in range(1, net.L + 1)])
