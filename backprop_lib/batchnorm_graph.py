"""The batch-normalization graph node by node, for checking its derivation numerically.

Chapter "Practical tips" derives the backward pass of batch normalization on its graph
Z -> mu -> D = Z - mu -> var -> Zhat = D / sqrt(var + eps) -> Ztilde = gamma Zhat + beta
(see `backprop_lib.batchnorm`), and checks each adjoint with central differences. The loss
is L = sum(R * Ztilde) for a fixed R, so that dL/dZtilde = R. The adjoint of a node is the
derivative of L with respect to that node's value when everything downstream of it is
recomputed and everything else is held: `downstream(node, value, ...)` is L as that
function, and `numerical_adjoints` differentiates it for the nodes "Zhat", "var", "mu", "Z".
"""

from __future__ import annotations

import numpy as np

from ._checks import check_choice

__all__ = ["NODES", "downstream", "numerical_adjoints"]

NODES = ("Zhat", "var", "mu", "Z")


def _values(Z, eps):
    mu = Z.mean(axis=1, keepdims=True)
    D = Z - mu
    return mu, D, (D ** 2).mean(axis=1, keepdims=True)


def downstream(node, value, Z, gamma, beta, R, eps=1e-5):
    """L = sum(R * Ztilde) with `node` set to `value`, its descendants recomputed from it."""
    node = check_choice(node, "node", NODES)
    mu, D, var = _values(Z, eps)
    if node == "Z":
        mu, D, var = _values(value, eps)
    elif node == "mu":  # D and var descend from mu
        D = Z - value
        var = (D ** 2).mean(axis=1, keepdims=True)
    elif node == "var":
        var = value
    Zhat = value if node == "Zhat" else D / np.sqrt(var + eps)
    return float(np.sum(R * (gamma * Zhat + beta)))


def numerical_adjoints(Z, gamma, beta, R, eps=1e-5, h=1e-6):
    """Central differences of `downstream` for every node: a dict node -> array dL/dnode."""
    mu, D, var = _values(Z, eps)
    start = {"Z": Z, "mu": mu, "var": var, "Zhat": D / np.sqrt(var + eps)}
    out = {}
    for node in NODES:
        x = np.array(start[node], dtype=float)
        grad = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            old = x[idx]
            x[idx] = old + h
            up = downstream(node, x, Z, gamma, beta, R, eps)
            x[idx] = old - h
            down = downstream(node, x, Z, gamma, beta, R, eps)
            x[idx] = old
            grad[idx] = (up - down) / (2 * h)
        out[node] = grad
    return out
