"""Inverted dropout: a network whose hidden units are dropped at random while it trains.

Chapter "Practical tips" uses it (Srivastava et al. 2014). In training, each hidden
activation is kept with probability p (`keep`) and divided by p, so that its expected
value is unchanged:

    M{l}   ~ Bernoulli(p), shape (n_l, m), drawn anew for every batch
    A{l}   = f_l(Z{l}) * M{l} / p

and the backward pass multiplies by the same mask: dA{l} * M{l} / p is the gradient with
respect to f_l(Z{l}). At test time nothing is dropped and nothing is rescaled (that is
what the division by p during training buys): `predict`, `loss` and `forward` compute the
plain network's output, and only `loss_and_gradients` (a training step) drops units. The
masks of the last training step stay in `net.masks`, and `training_loss(X, Y)` recomputes
the loss with them (what a gradient check of a training step compares against).
"""

from __future__ import annotations

import numpy as np

from ._checks import check_real, check_seed
from .network import Network

__all__ = ["DropoutNetwork"]


class DropoutNetwork(Network):
    """A Network with inverted dropout on every hidden layer (keep probability `keep`)."""

    def __init__(self, layer_sizes, activations="relu", loss="half_mse", init="he",
                 init_scale=1.0, seed=0, dtype=np.float64, keep=0.5, mask_seed=0):
        super().__init__(layer_sizes, activations, loss, init, init_scale, seed, dtype)
        self.keep = check_real(keep, "keep", low=0.0, high=1.0, low_open=True)
        self.rng = np.random.default_rng(check_seed(mask_seed, "mask_seed"))
        self.masks = {}

    def copy(self) -> "DropoutNetwork":
        twin = super().copy()
        twin.rng = np.random.default_rng(self.rng.bit_generator.random_raw())
        twin.masks = {k: v.copy() for k, v in self.masks.items()}
        return twin

    def _forward_masked(self, X, masks):
        """A_L with the given masks (dict l -> mask) applied to the hidden activations;
        the cache keeps f(Z) as "F" for the backward pass."""
        A = X
        Zs, As, Fs = [None], [A], [A]
        for l in range(1, self.L + 1):
            Z = self.params[f"W{l}"] @ A + self.params[f"b{l}"]
            F = self._f[l - 1](Z)
            A = F * (masks[l] / self.keep) if l < self.L and l in masks else F
            Zs.append(Z)
            As.append(A)
            Fs.append(F)
        # "A" holds f(Z) (what the activation's derivative reads), "Adrop" the dropped one
        self.cache = {"Z": Zs, "A": Fs, "Adrop": As}
        return A

    def _backward_masked(self, Y, masks):
        c = self.cache
        out = {}
        loss, dZ = self._loss_and_output_delta(Y, out, False)
        dA = None  # dA{l} for the layer below, set at the end of each step
        for l in range(self.L, 0, -1):
            if l < self.L:
                dF = dA * (masks[l] / self.keep) if l in masks else dA
                dZ = self._dZ(l, dF)
            out[f"dW{l}"] = dZ @ c["Adrop"][l - 1].T
            out[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
            dA = self.params[f"W{l}"].T @ dZ
        return loss, out

    def _draw_masks(self, m):
        return {l: (self.rng.random((self.layer_sizes[l], m)) < self.keep).astype(self.dtype)
                for l in range(1, self.L)}

    def loss_and_gradients(self, X, Y, checked=False):
        """(L, grads) of one training step, with fresh masks (kept in `net.masks`)."""
        if not checked:
            X, Y = self.check_data(X, Y)
        self._check_params()
        self.masks = self._draw_masks(X.shape[1])
        self._forward_masked(X, self.masks)
        loss, out = self._backward_masked(Y, self.masks)
        return loss, {"d" + name: out["d" + name] for name in self.params}

    def training_loss(self, X, Y) -> float:
        """The loss with the masks of the last training step (what its gradients are of)."""
        X, Y = self.check_data(X, Y)
        if not self.masks:
            raise ValueError("training_loss needs the masks of a training step: call "
                             "loss_and_gradients (or gradients) first")
        A_L = self._forward_masked(X, self.masks)
        return self._loss.output_value(self.cache["Z"][self.L], A_L, Y,
                                       self.activation_names[-1])

    def __repr__(self) -> str:
        return "Dropout" + super().__repr__()[:-1] + f", keep={self.keep:g})"
