"""Layer and group normalization: batch normalization's statistics taken per example.

Chapter "Practical tips" uses them where batches are small (Ba, Kiros and Hinton 2016;
Wu and He 2018). Batch normalization averages each feature over the m examples of the
batch; group normalization averages each example over a group of features instead, so no
example's output depends on another's and a batch of one is fine. With the n_l features of
a hidden layer split into G groups of n_l / G (G = 1: layer normalization), for every
example i and group g:

    mu_gi   = mean of Z{l}[g, i] over the features of group g
    var_gi  = mean of (Z{l}[g, i] - mu_gi)^2 over the same features
    Zhat    = (Z{l} - mu) / sqrt(var + eps)
    Ztilde  = gamma{l} * Zhat + beta{l}              gamma, beta: (n_l, 1), per feature

The backward pass is batch normalization's with the means taken over the group's
features instead of over the examples (the same graph, transposed):

    dZhat   = gamma{l} * dZtilde
    dZ{l}   = (dZhat - mean_g(dZhat) - Zhat * mean_g(dZhat * Zhat)) / sqrt(var + eps)
    dgamma  = sum over examples of dZtilde * Zhat,   dbeta = sum over examples of dZtilde

Training and inference compute the same thing: there are no running statistics.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_int, check_real
from .batchnorm import BatchNormNetwork, _as_float_matrix

__all__ = ["LayerNormNetwork", "groupnorm_backward", "groupnorm_forward"]


def groupnorm_forward(Z, gamma, beta, groups=1, eps=1e-5):
    """Normalize each example (column) of Z over each group of `groups` equal groups of
    rows, then scale by gamma and shift by beta. groups=1 is layer normalization.

    Returns (Ztilde, cache); the cache serves `groupnorm_backward`.
    """
    Z = _as_float_matrix(Z, "Z")
    if Z.ndim != 2 or Z.shape[1] == 0:
        raise ValueError(f"Z must be a 2-D array (features, examples) with at least one "
                         f"example; got shape {Z.shape}")
    n = Z.shape[0]
    groups = check_int(groups, "groups", low=1)
    if n % groups or n // groups < 2:
        raise ValueError(f"groups must divide the {n} features of Z into groups of at least "
                         f"2 (a group of one feature has no variance); got groups={groups}")
    gamma = _as_float_matrix(gamma, "gamma", Z.dtype)
    beta = _as_float_matrix(beta, "beta", Z.dtype)
    for name, v in (("gamma", gamma), ("beta", beta)):
        if v.shape != (n, 1):
            raise ValueError(f"{name} must have shape ({n}, 1), one entry per feature of Z; "
                             f"got shape {v.shape}")
    eps = check_real(eps, "eps", low=0.0, low_open=True)
    return _forward(Z, gamma, beta, groups, eps)


def _forward(Z, gamma, beta, groups, eps):
    n, m = Z.shape
    Zg = Z.reshape(groups, n // groups, m)
    mu = Zg.mean(axis=1, keepdims=True)
    D = Zg - mu
    var = (D ** 2).mean(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    Zhat = (D * inv_std).reshape(n, m)
    return gamma * Zhat + beta, (Zhat, inv_std, gamma, groups)


def groupnorm_backward(dZtilde, cache):
    """(dZ, dgamma, dbeta) from dZtilde and the cache of `groupnorm_forward`."""
    if not (isinstance(cache, tuple) and len(cache) == 4):
        raise TypeError("cache must be the second value returned by groupnorm_forward")
    Zhat, inv_std, gamma, groups = cache
    dZtilde = _as_float_matrix(dZtilde, "dZtilde", Zhat.dtype)
    if dZtilde.shape != Zhat.shape:
        raise ValueError(f"dZtilde must have the shape of the forward pass's Z, {Zhat.shape}; "
                         f"got {dZtilde.shape}")
    n, m = Zhat.shape
    dgamma = (dZtilde * Zhat).sum(axis=1, keepdims=True)
    dbeta = dZtilde.sum(axis=1, keepdims=True)
    dZhat = (gamma * dZtilde).reshape(groups, n // groups, m)
    Zh = Zhat.reshape(groups, n // groups, m)
    dZ = inv_std * (dZhat - dZhat.mean(axis=1, keepdims=True)
                    - Zh * (dZhat * Zh).mean(axis=1, keepdims=True))
    return dZ.reshape(n, m), dgamma, dbeta


class LayerNormNetwork(BatchNormNetwork):
    """A Network with layer (or group) normalization before every hidden activation.

    The parameters are BatchNormNetwork's (W{l}, gamma{l}, beta{l}; W{L}, b{L}), but every
    example is normalized over its own features (in `groups` groups; 1: layer
    normalization), in training and at inference alike: `running` is empty.
    """

    def __init__(self, layer_sizes, activations="relu", loss="half_mse", init="he",
                 init_scale=1.0, seed=0, dtype=np.float64, eps=1e-5, groups=1):
        super().__init__(layer_sizes, activations, loss, init, init_scale, seed, dtype, eps)
        self.groups = check_int(groups, "groups", low=1)
        for l in range(1, self.L):
            n = self.layer_sizes[l]
            if n % self.groups or n // self.groups < 2:
                raise ValueError(f"groups must divide every hidden layer into groups of at "
                                 f"least 2 features; layer {l} has {n}, groups={self.groups}")
        self.running = {}

    def _normalize(self, Z, gamma, beta):
        return _forward(Z, gamma, beta, self.groups, self.eps)

    def _normalize_backward(self, dZt, cache):
        return groupnorm_backward(dZt, cache)

    def update_running(self) -> None:
        """Nothing to update: layer normalization keeps no running statistics."""

    def loss_and_gradients(self, X, Y, checked=False):
        """(L, grads): any batch size, one example included."""
        if not checked:
            X, Y = self.check_data(X, Y)
        self.forward(X, checked=True)
        loss, out = self._backward(Y, keep_all=False)
        return loss, {"d" + name: out["d" + name] for name in self.params}

    def __repr__(self) -> str:
        return "Layer" + super().__repr__()[len("Batch"):-1] + f", groups={self.groups})"
