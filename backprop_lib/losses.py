"""Loss functions of a batch and their derivatives with respect to the output A_L.

Each loss is the mean over the m examples of a batch (the columns), so the gradient
dA_L = dL/dA_L carries the factor 1/m: every later gradient is the derivative of exactly
the number `value` returns. Chapter "The worked 2-2-1 example" explains the 1/2 in
half_mse; chapter "The algorithm for L layers" explains where 1/m belongs, why
softmax with cross-entropy gives the output error y_hat - y, and why binary
cross-entropy is computed from the logits Z_L.

For two pairs, the derivative of the loss and of the last activation multiply into a
simpler and more accurate expression for dZ_L, computed from the logits Z_L:

* sigmoid + bce:         dZ_L = (sigma(z) - y) / (n_L m),  L = mean(softplus(z) - y z)
* identity + softmax_ce: dZ_L = (softmax(z) - y) / m

The public functions check their arguments (2-D, finite, the same shape, no broadcasting,
each loss's domain); `Loss` objects hold the unchecked versions, for a Network that has
validated its data once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._checks import as_float_matrix, check_choice
from .activations import sigmoid

# ---------------------------------------------------------------------- argument checks


def _pair(A, Y, a_name="A", y_name="Y"):
    """A and Y as float arrays of one dtype and of the same 2-D shape (no broadcasting)."""
    A = as_float_matrix(A, a_name)
    Y = as_float_matrix(Y, y_name)
    if A.shape != Y.shape:
        raise ValueError(
            f"{a_name} and {y_name} must have the same shape (n_L, m), one column per "
            f"example; got {a_name} {A.shape} and {y_name} {Y.shape} (nothing is broadcast)"
        )
    if A.dtype != Y.dtype:  # float32 only when both are
        A, Y = A.astype(np.float64), Y.astype(np.float64)
    return A, Y


def _in_unit_interval(V, name, why):
    if (V < 0).any() or (V > 1).any():
        raise ValueError(f"{name} must lie in [0, 1] ({why}); "
                         f"got values from {V.min():.6g} to {V.max():.6g}")


def _check_bce(A, Y):
    A, Y = _pair(A, Y)
    _in_unit_interval(A, "A", "probabilities sigma(z); for logits use bce_with_logits")
    _in_unit_interval(Y, "Y", "targets: 0, 1 or a probability")
    return A, Y


def _check_logits(Z, Y):
    Z, Y = _pair(Z, Y, "Z")
    _in_unit_interval(Y, "Y", "targets: 0, 1 or a probability")
    return Z, Y


def _check_softmax_targets(Z, Y):
    if np.ndim(Y) == 1 and np.ndim(Z) == 2:  # class labels instead of one-hot columns
        raise ValueError(
            f"Y must hold one-hot columns of the shape of Z {np.shape(Z)}; got a 1-D array "
            f"of shape {np.shape(Y)}: for class labels use np.eye(K)[labels].T"
        )
    Z, Y = _pair(Z, Y, "Z")
    if (Y < 0).any():
        raise ValueError(f"Y must hold probabilities (>= 0) for softmax_ce; got {Y.min():.6g}")
    check_columns_sum_to_one(Y)
    return Z, Y


def check_columns_sum_to_one(Y, for_what="one column per example"):
    """softmax_ce's targets: one-hot (or probability) columns, each summing to 1."""
    sums = Y.sum(axis=0)
    if not np.allclose(sums, 1, atol=1e-6):
        raise ValueError(
            f"Y must hold one-hot (or probability) columns that sum to 1, {for_what}; "
            f"column sums range from {sums.min():.6g} to {sums.max():.6g}"
        )


# ---------------------------------------------------------------------- half_mse and mse
# Unchecked versions first (what a Network calls), then the checked public functions.


def _half_mse(A, Y):
    D = (A - Y).ravel()
    return 0.5 * float(np.dot(D, D)) / A.shape[1]


def _half_mse_gradient(A, Y):
    D = A - Y
    D /= A.shape[1]
    return D


def _half_mse_value_and_gradient(A, Y):
    D = A - Y  # both start from A - Y, computed a single time
    flat = D.ravel()
    value = 0.5 * float(np.dot(flat, flat)) / A.shape[1]
    D /= A.shape[1]
    return value, D


def _mse(A, Y):
    D = (A - Y).ravel()
    return float(np.dot(D, D)) / A.size


def _mse_gradient(A, Y):
    D = A - Y
    D *= 2 / A.size
    return D


def _mse_value_and_gradient(A, Y):
    D = A - Y
    flat = D.ravel()
    value = float(np.dot(flat, flat)) / A.size
    D *= 2 / A.size
    return value, D


def half_mse(A, Y):
    """L = (1/m) sum_i 1/2 ||a_i - y_i||^2, summed over output units."""
    return _half_mse(*_pair(A, Y))


def half_mse_gradient(A, Y):
    """dL/dA = (A - Y) / m."""
    return _half_mse_gradient(*_pair(A, Y))


def half_mse_value_and_gradient(A, Y):
    """(L, dL/dA) of half_mse at once: both start from A - Y, computed a single time."""
    return _half_mse_value_and_gradient(*_pair(A, Y))


def mse(A, Y):
    """L = mean of (a - y)^2 over all n_L * m entries, as numpy.mean and torch MSELoss."""
    return _mse(*_pair(A, Y))


def mse_gradient(A, Y):
    """dL/dA = 2 (A - Y) / (n_L m)."""
    return _mse_gradient(*_pair(A, Y))


def mse_value_and_gradient(A, Y):
    """(L, dL/dA) of mse at once: both start from A - Y, computed a single time."""
    return _mse_value_and_gradient(*_pair(A, Y))


# ---------------------------------------------------------------------- binary cross-entropy


def _bce(A, Y):
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(Y > 0, Y * np.log(A), 0) + np.where(Y < 1, (1 - Y) * np.log1p(-A), 0)
    return -float(np.sum(terms)) / A.size


def _bce_gradient(A, Y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return (A - Y) / (A * (1 - A)) / A.size


def bce(A, Y):
    """L = -mean(y log a + (1 - y) log(1 - a)) over all entries, as torch BCELoss, from the
    probabilities A; chapter "The algorithm for L layers".

    For a learner who has only probabilities. It fails where the logits are large: once
    |z| > about 37 (float64; 17 in float32), a = sigma(z) rounds to exactly 1 (or 1 - a
    loses all its digits), and a wrong answer's log(1 - a) becomes -inf though the true
    loss is only about |z|. A Network with loss "bce" never calls this: it uses
    `bce_with_logits` on Z_L. Unlike torch, the logarithm is not clamped at -100: an
    output of exactly 0 or 1 on the wrong side gives an infinite loss, the honest value
    for that A.
    """
    return _bce(*_check_bce(A, Y))


def bce_gradient(A, Y):
    """dL/dA = (a - y) / (a (1 - a)) / (n_L m), from the probabilities A (see `bce`: it is
    infinite or NaN where a is exactly 0 or 1)."""
    return _bce_gradient(*_check_bce(A, Y))


def _bce_logit_parts(Z, Y):
    """(L, dL/dZ) of binary cross-entropy from the logits Z, sharing one exponential.

    Per entry, with s = sigma(-|z|) = e^-|z| / (1 + e^-|z|), which is exact at any size:
        loss:  softplus(z) - y z = max(z, 0) - y z + log1p(e^-|z|), where max(z, 0) - y z
               is computed as (1 - y) z or -y z (exactly 0, z or -z for y = 0 or 1): no
               digits lost however large |z|, for soft labels too;
        dL/dz: sigma(z) - y = (1 - y) - s for z > 0, s - y otherwise,
               so a confident right answer keeps its tiny gradient (-s, not 1 - 1 = 0).
    """
    e = np.abs(Z)
    np.negative(e, out=e)
    with np.errstate(under="ignore"):  # e^-|z| below the smallest float is 0: still exact
        np.exp(e, out=e)
    value = float(np.sum(_bce_linear(Z, Y)) + np.sum(np.log1p(e))) / Z.size
    s = e / (1 + e)
    dZ = np.where(Z > 0, (1 - Y) - s, s - Y)
    dZ /= Z.size
    return value, dZ


def _bce_with_logits(Z, Y):
    e = np.abs(Z)
    np.negative(e, out=e)
    with np.errstate(under="ignore"):
        np.exp(e, out=e)
    return float(np.sum(_bce_linear(Z, Y)) + np.sum(np.log1p(e))) / Z.size


def _bce_linear(Z, Y):
    """max(z, 0) - y z, written (1 - y) z for z > 0 and -y z otherwise: one rounding each,
    where z - y z would cancel for a soft label (z = 78, y = 0.9: 78 - 70.2)."""
    return np.where(Z > 0, (1 - Y) * Z, -Y * Z)


def _bce_with_logits_gradient(Z, Y):
    return _bce_logit_parts(Z, Y)[1]


def _bce_dA_from_logits(Z, Y):
    """dL/dA = (a - y) / (a (1 - a)) / (n_L m) at a = sigma(z), for trace(): a (1 - a) is
    computed as sigma(|z|) sigma(-|z|), so it does not round to 0 once sigma(z) rounds to 1.

    Finite until the true value leaves the float range (|z| > about 709 in float64 on the
    wrong side: +-inf there); where e^-|z| underflows to 0 on the right side it is -1/N
    (y = 1) or +1/N (y = 0), the limit of the formula.
    """
    _, dZ = _bce_logit_parts(Z, Y)
    with np.errstate(under="ignore"):
        s = sigmoid(-np.abs(Z))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        dA = dZ / (s * (1 - s))
    flat = s == 0  # |z| so large that e^-|z| is 0: a is exactly 0 or 1
    if flat.any():
        pos, y = Z[flat] > 0, Y[flat]
        wrong = np.where(pos, y < 1, y > 0)  # the side where the true dL/dA is beyond floats
        sign = np.where(pos, 1.0, -1.0)
        near = np.where(pos, -y, 1 - y)  # the finite limit where the answer is right
        dA[flat] = np.where(wrong, sign * np.inf, near / Z.size)
    return dA


def bce_with_logits(Z, Y):
    """L = mean over all n_L m entries of softplus(z) - y z, the binary cross-entropy of
    a = sigma(z) computed from the logits Z, as torch's binary_cross_entropy_with_logits;
    chapter "The algorithm for L layers".

    Finite for every finite z (about |z| on the wrong side, about e^-|z| on the right
    side), where `bce(sigmoid(Z), Y)` turns infinite once sigma(z) rounds to 1. Each
    entry is max(z, 0) - y z + log1p(e^-|z|): for labels 0 and 1 the first two terms are
    exactly 0, z or -z, so nothing large cancels.
    """
    return _bce_with_logits(*_check_logits(Z, Y))


def bce_with_logits_gradient(Z, Y):
    """dL/dZ = (sigma(z) - y) / (n_L m) of `bce_with_logits`, the output layer's error dZ_L.

    Written as (1 - y) - sigma(-z) for z > 0, so that a confident right answer (y = 1,
    z = 40) gets its true gradient -sigma(-40) / (n_L m) ~ -4e-18 / (n_L m) instead of 0.
    """
    return _bce_with_logits_gradient(*_check_logits(Z, Y))


# ---------------------------------------------------------------------- softmax cross-entropy


def _log_softmax(Z):
    shifted = Z - Z.max(axis=0, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=0, keepdims=True))


def _softmax(Z):
    return np.exp(_log_softmax(Z))


def _softmax_ce(Z, Y):
    return -float(np.sum(Y * _log_softmax(Z))) / Z.shape[1]


def _softmax_ce_gradient(Z, Y):
    return (_softmax(Z) - Y) / Z.shape[1]


def log_softmax(Z):
    """log softmax over the output units (rows), shifted by the column max for stability."""
    return _log_softmax(as_float_matrix(Z, "Z"))


def softmax(Z):
    """softmax over the output units: each column becomes a probability vector."""
    return _softmax(as_float_matrix(Z, "Z"))


def softmax_ce(Z, Y):
    """L = (1/m) sum_i -sum_k y_ki log softmax(z_i)_k, on logits Z (last activation identity).

    Y: columns of probabilities (one-hot for labels), the shape of Z. With one output unit
    the softmax is always 1 and the loss always 0 (a Network refuses that configuration).
    """
    return _softmax_ce(*_check_softmax_targets(Z, Y))


def softmax_ce_gradient(Z, Y):
    """dL/dZ = (softmax(Z) - Y) / m for targets whose columns sum to 1."""
    return _softmax_ce_gradient(*_check_softmax_targets(Z, Y))


def identity_prediction(A):
    """For regression and sigmoid outputs the prediction is the output A_L itself."""
    return A


# ---------------------------------------------------------------------- Loss objects


@dataclass(frozen=True)
class FromLogits:
    """A fused loss computed from the last layer's logits Z_L instead of its output A_L."""

    value: Callable  # L(Z, Y)
    delta: Callable  # dL/dZ(Z, Y)
    value_and_delta: Callable  # (L, dL/dZ) sharing their work
    gradient: Callable  # dL/dA(Z, Y), computed as stably as Z allows (for trace)


@dataclass(frozen=True)
class Loss:
    """A loss: its value, its derivative dL/dA_L, and what a prediction is.

    `value` and `gradient` take (A_L, Y) unchecked (the public functions above check).
    Where the last activation is `fused_activation` and `from_logits` is set, a network
    uses `from_logits` on Z_L instead (`output_value`, `output_terms`).
    """

    name: str
    value: Callable
    gradient: Callable
    predict: Callable = identity_prediction
    fused_activation: str | None = None  # activation whose derivative cancels (see module doc)
    requires_activation: str | None = None
    from_logits: FromLogits | None = None

    def __call__(self, A, Y) -> float:
        """The loss of outputs A, with A and Y checked."""
        return self.value(*_CHECKS.get(self.name, _pair)(A, Y))

    def value_and_gradient(self, A, Y):
        """(L, dL/dA): computed together when the two share their work."""
        together = _TOGETHER.get((self.value, self.gradient))
        if together is not None:
            return together(A, Y)
        return self.value(A, Y), self.gradient(A, Y)

    def _fused(self, activation):
        return activation == self.fused_activation and self.from_logits is not None

    def output_value(self, Z, A, Y, activation: str) -> float:
        """L from the last layer's Z and A = f(Z): from Z where f is the fused activation."""
        if self._fused(activation):
            return self.from_logits.value(Z, Y)
        return self.value(A, Y)

    def output_terms(self, Z, A, Y, activation: str, with_dA: bool = False):
        """(L, dZ_L or None, dA_L or None) from the last layer's Z and A = f(Z).

        dZ_L comes in one step where f is the fused activation (else None: the caller
        multiplies dA_L by f'). dA_L is computed when with_dA or when dZ_L is None.
        """
        if self._fused(activation):
            loss, dZ = self.from_logits.value_and_delta(Z, Y)
            return loss, dZ, (self.from_logits.gradient(Z, Y) if with_dA else None)
        dZ = self.output_delta(A, Y, activation)
        if dZ is not None and not with_dA:
            return self.value(A, Y), dZ, None
        loss, dA = self.value_and_gradient(A, Y)
        return loss, dZ, dA

    def output_delta(self, A, Y, activation: str, Z=None):
        """dZ_L in one step where the last activation's derivative cancels, else None.

        Give Z (the logits) for bce: from A alone, sigma(z) - y loses its digits where
        sigma(z) rounds to 1.
        """
        if activation != self.fused_activation:
            return None
        if self.from_logits is not None and Z is not None:
            return self.from_logits.delta(Z, Y)
        if self.name == "bce":
            return (A - Y) / A.size
        return self.gradient(A, Y)  # softmax_ce: gradient is already dL/dZ


# Value and gradient computed in one go, looked up by the (value, gradient) pair: a Loss
# rebuilt with another value or gradient (a planted bug, a scaled loss) cannot reach a
# shortcut that belongs to the original pair.
_TOGETHER = {
    (_half_mse, _half_mse_gradient): _half_mse_value_and_gradient,
    (_mse, _mse_gradient): _mse_value_and_gradient,
}

_CHECKS = {"bce": _check_bce, "softmax_ce": _check_softmax_targets}

LOSSES = {
    "half_mse": Loss("half_mse", _half_mse, _half_mse_gradient),
    "mse": Loss("mse", _mse, _mse_gradient),
    "bce": Loss("bce", _bce, _bce_gradient, fused_activation="sigmoid",
                requires_activation="sigmoid",
                from_logits=FromLogits(_bce_with_logits, _bce_with_logits_gradient,
                                       _bce_logit_parts, _bce_dA_from_logits)),
    "softmax_ce": Loss(
        "softmax_ce",
        _softmax_ce,
        _softmax_ce_gradient,
        predict=_softmax,
        fused_activation="identity",
        requires_activation="identity",
    ),
}


def get(name: str) -> Loss:
    """The loss called `name` (one of LOSSES)."""
    return LOSSES[check_choice(name, "loss", LOSSES)]
