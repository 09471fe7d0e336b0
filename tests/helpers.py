"""Small helpers shared by the core tests (not a test module itself)."""

from __future__ import annotations

import numpy as np

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
LOSSES = ["half_mse", "mse", "bce", "softmax_ce"]


def rel(a, b) -> float:
    """||a - b|| / ||b|| over all entries (0 when both vanish): a norm-wise relative error."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    nb = np.linalg.norm(b)
    na = np.linalg.norm(a - b)
    if nb == 0:
        return 0.0 if na == 0 else float("inf")
    return float(na / nb)


def last_activation(loss: str, hidden: str) -> str:
    """The output activation a loss needs (sigmoid for bce, identity for softmax_ce)."""
    return {"bce": "sigmoid", "softmax_ce": "identity"}.get(loss, hidden)


def targets(loss: str, n_out: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """Valid random targets Y of shape (n_out, m) for the loss."""
    if loss == "bce":
        return rng.uniform(0.05, 0.95, size=(n_out, m))
    if loss == "softmax_ce":
        P = rng.uniform(0.1, 1.0, size=(n_out, m))
        return P / P.sum(axis=0, keepdims=True)
    return rng.standard_normal((n_out, m))
