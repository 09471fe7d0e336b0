"""Loss functions of a batch and their derivatives with respect to the output A_L.

Each loss is the mean over the m examples of a batch (the columns), so the gradient
dA_L = dL/dA_L carries the factor 1/m: every later gradient is the derivative of exactly
the number `value` returns. Chapter "The worked 2-2-1 example" explains the 1/2 in
half_mse; chapter "The algorithm for L layers" explains where 1/m belongs and why
softmax with cross-entropy gives the output error y_hat - y.

For two pairs, the derivative of the loss and of the last activation multiply into a
simpler and more accurate expression for dZ_L, which `output_delta` returns:

* sigmoid + bce:        dZ_L = (a - y) / (n_L m)
* identity + softmax_ce: dZ_L = (softmax(z) - y) / m
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._checks import check_choice


def half_mse(A, Y):
    """L = (1/m) sum_i 1/2 ||a_i - y_i||^2, summed over output units."""
    D = (A - Y).ravel()
    return 0.5 * float(np.dot(D, D)) / A.shape[1]


def half_mse_gradient(A, Y):
    """dL/dA = (A - Y) / m."""
    D = A - Y
    D /= A.shape[1]
    return D


def half_mse_value_and_gradient(A, Y):
    """(L, dL/dA) of half_mse at once: both start from A - Y, computed a single time."""
    D = A - Y
    flat = D.ravel()
    value = 0.5 * float(np.dot(flat, flat)) / A.shape[1]
    D /= A.shape[1]
    return value, D


def mse(A, Y):
    """L = mean of (a - y)^2 over all n_L * m entries, as numpy.mean and torch MSELoss."""
    D = (A - Y).ravel()
    return float(np.dot(D, D)) / A.size


def mse_gradient(A, Y):
    """dL/dA = 2 (A - Y) / (n_L m)."""
    D = A - Y
    D *= 2 / A.size
    return D


def mse_value_and_gradient(A, Y):
    """(L, dL/dA) of mse at once: both start from A - Y, computed a single time."""
    D = A - Y
    flat = D.ravel()
    value = float(np.dot(flat, flat)) / A.size
    D *= 2 / A.size
    return value, D


def bce(A, Y):
    """L = -mean(y log a + (1 - y) log(1 - a)) over all entries, as torch BCELoss.

    Unlike torch, the logarithm is not clamped at -100: an output of exactly 0 or 1
    on the wrong side gives an infinite loss, which is the honest value.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(Y > 0, Y * np.log(A), 0) + np.where(Y < 1, (1 - Y) * np.log1p(-A), 0)
    return -float(np.sum(terms)) / A.size


def bce_gradient(A, Y):
    """dL/dA = (a - y) / (a (1 - a)) / (n_L m)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return (A - Y) / (A * (1 - A)) / A.size


def log_softmax(Z):
    """log softmax over the output units (rows), shifted by the column max for stability."""
    shifted = Z - Z.max(axis=0, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=0, keepdims=True))


def softmax(Z):
    """softmax over the output units: each column becomes a probability vector."""
    return np.exp(log_softmax(Z))


def softmax_ce(Z, Y):
    """L = (1/m) sum_i -sum_k y_ki log softmax(z_i)_k, on logits Z (last activation identity)."""
    return -float(np.sum(Y * log_softmax(Z))) / Z.shape[1]


def softmax_ce_gradient(Z, Y):
    """dL/dZ = (softmax(Z) - Y) / m for targets whose columns sum to 1."""
    return (softmax(Z) - Y) / Z.shape[1]


def identity_prediction(A):
    """For regression and sigmoid outputs the prediction is the output A_L itself."""
    return A


@dataclass(frozen=True)
class Loss:
    """A loss: its value, its derivative dL/dA_L, and what a prediction is."""

    name: str
    value: Callable
    gradient: Callable
    predict: Callable = identity_prediction
    fused_activation: str | None = None  # activation whose derivative cancels (see module doc)
    requires_activation: str | None = None

    def __call__(self, A, Y) -> float:
        return self.value(A, Y)

    def value_and_gradient(self, A, Y):
        """(L, dL/dA): computed together when the two share their work."""
        together = _TOGETHER.get((self.value, self.gradient))
        if together is not None:
            return together(A, Y)
        return self.value(A, Y), self.gradient(A, Y)

    def output_delta(self, A, Y, activation: str):
        """dZ_L in one step where the last activation's derivative cancels, else None."""
        if activation == self.fused_activation:
            if self.name == "bce":
                return (A - Y) / A.size
            return self.gradient(A, Y)  # softmax_ce: gradient is already dL/dZ
        return None


# Value and gradient computed in one go, looked up by the (value, gradient) pair: a Loss
# rebuilt with another value or gradient (a planted bug, a scaled loss) cannot reach a
# shortcut that belongs to the original pair.
_TOGETHER = {
    (half_mse, half_mse_gradient): half_mse_value_and_gradient,
    (mse, mse_gradient): mse_value_and_gradient,
}

LOSSES = {
    "half_mse": Loss("half_mse", half_mse, half_mse_gradient),
    "mse": Loss("mse", mse, mse_gradient),
    "bce": Loss("bce", bce, bce_gradient, fused_activation="sigmoid",
                requires_activation="sigmoid"),
    "softmax_ce": Loss(
        "softmax_ce",
        softmax_ce,
        softmax_ce_gradient,
        predict=softmax,
        fused_activation="identity",
        requires_activation="identity",
    ),
}


def get(name: str) -> Loss:
    """The loss called `name` (one of LOSSES)."""
    return LOSSES[check_choice(name, "loss", LOSSES)]
