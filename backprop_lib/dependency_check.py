"""The dependency check: no example's output may depend on another example.

Chapter "Gradient checking". A network meant to treat its m examples independently
computes each output column from its own input column alone:

    d yhat_i / d x_j = 0      for every pair of examples i != j

A bug that mixes the batch (normalizing over the batch axis where the features were meant,
a mean over the wrong axis, a reshape that interleaves examples) breaks that. A gradient
check cannot see it when the backward pass differentiates exactly what the forward pass
computes: the gradient is then right for the function computed, and the function is the
bug. So perturb each example j and watch every other example's output:

    D[i, j] = max over output units of |yhat_i(X + delta e_j) - yhat_i(X)| / delta

(e_j moves every feature of example j by a random normal amount). D must be diagonal;
an off-diagonal entry above rounding (about u |yhat| / delta) is a batch-mixing bug. It
needs no gradient at all, so it also tests code whose backward pass is not written yet.

The planted bug `BatchAxisNormNetwork` is a layer-normalized network (each example
normalized over its own features, `LayerNormNetwork`) whose normalization runs over the
batch axis by mistake, the one-word slip axis=1 for axis=0; its backward pass is the exact
derivative of that forward pass ("exact"), so every gradient check passes, or treats the
batch statistics as constants ("statistics_constant"), which a gradient check catches.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_matrix, check_choice, check_positive, check_seed, describe
from .batchnorm import _forward as _batch_axis_forward
from .batchnorm import batchnorm_backward
from .layernorm import LayerNormNetwork

__all__ = ["BACKWARDS", "BatchAxisNormNetwork", "dependency_matrix", "mixed_pairs"]

BACKWARDS = ("exact", "statistics_constant")


def dependency_matrix(model, X, delta=1e-6, seed=0):
    """D[i, j]: how much example i's output moves per unit move of example j
    (chapter "Gradient checking"). model maps an (n_0, m) array to an (n_out, m) one."""
    if not callable(model):
        raise TypeError(f"model must be a function from X (n_0, m) to outputs (n_out, m); "
                        f"got {describe(model)}")
    X = as_float_matrix(X, "X")
    delta = check_positive(delta, "delta")
    rng = np.random.default_rng(check_seed(seed))
    base = np.asarray(model(X), dtype=np.float64)
    m = X.shape[1]
    if base.ndim != 2 or base.shape[1] != m:
        raise ValueError(f"model must return one column per example, shape (n_out, {m}); "
                         f"got shape {base.shape}")
    D = np.zeros((m, m))
    for j in range(m):
        moved = X.copy()
        moved[:, j] += delta * rng.standard_normal(X.shape[0])
        out = np.asarray(model(moved), dtype=np.float64)
        D[:, j] = np.abs(out - base).max(axis=0) / delta
    return D


def mixed_pairs(D, tol=1e-6) -> int:
    """How many off-diagonal entries of D exceed tol (0 for a model that keeps examples
    apart; chapter "Gradient checking")."""
    D = as_float_matrix(D, "D")
    if D.shape[0] != D.shape[1]:
        raise ValueError(f"D must be square (examples x examples); got shape {D.shape}")
    off = D[~np.eye(D.shape[0], dtype=bool)]
    return int(np.count_nonzero(off > tol))


class BatchAxisNormNetwork(LayerNormNetwork):
    """The planted batch-mixing bug of chapter "Gradient checking": a LayerNormNetwork
    whose normalization averages over the batch axis (each feature over the examples)
    instead of over each example's features.

    backward: "exact" differentiates that forward pass exactly (batch normalization's
    backward pass), so gradient checks pass; "statistics_constant" treats the batch mean
    and variance as constants, dZ = gamma dZtilde / sqrt(var + eps), which they catch.
    """

    def __init__(self, layer_sizes, *args, backward="exact", **kwargs):
        super().__init__(layer_sizes, *args, **kwargs)
        self.backward = check_choice(backward, "backward", BACKWARDS)

    def _normalize(self, Z, gamma, beta):
        return _batch_axis_forward(Z, gamma, beta, self.eps)  # the bug: axis 1, the batch

    def _normalize_backward(self, dZt, cache):
        dZ, dgamma, dbeta = batchnorm_backward(dZt, cache)
        if self.backward == "statistics_constant":
            _, inv_std, gamma, _, _ = cache
            dZ = gamma * dZt * inv_std
        return dZ, dgamma, dbeta

    def __repr__(self) -> str:
        return "BatchAxisNorm" + super().__repr__()[len("LayerNorm"):-1] + \
            f", backward={self.backward!r})"
