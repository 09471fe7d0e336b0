"""A residual (skip-connection) variant of the fully connected network.

Chapter "Vanishing and exploding gradients" uses it to show what a skip connection does to
the gradient norms of a deep network (He et al. 2016). Every hidden layer l whose width
equals the width of the layer before it (1 < l < L, n_l = n_{l-1}) adds its input back:

    Z{l} = W{l} A{l-1} + b{l}
    A{l} = A{l-1} + f_l(Z{l})            (a residual layer)
    A{l} = f_l(Z{l})                      (the first and the last layer, as in Network)

Backward through a residual layer the identity path adds the incoming gradient unchanged:

    dZ{l}   = dA{l} * f_l'(Z{l})
    dA{l-1} = W{l}^T dZ{l} + dA{l}

so even when W{l}^T dZ{l} is tiny (saturated sigmoids, tiny weights), dA{l-1} keeps at least
dA{l}: the gradient cannot vanish through the skip path. dW{l} and db{l} are as in Network.
"""

from __future__ import annotations

from .network import Network


class ResidualNetwork(Network):
    """Network with skip connections around its equal-width hidden layers.

    Same arguments, parameters, loss and public methods as `backprop_lib.Network`
    (forward, loss, gradients, loss_and_gradients, trace, ...), so `bp.train` and
    `bp.gradcheck` work with it unchanged. `residual_layers` lists the layers with a skip.
    """

    def __init__(self, layer_sizes, *args, **kwargs):
        super().__init__(layer_sizes, *args, **kwargs)
        n = self.layer_sizes
        self.residual_layers = [l for l in range(2, self.L) if n[l] == n[l - 1]]
        if not self.residual_layers:
            raise ValueError(
                "layer_sizes must have at least two equal consecutive hidden widths for a "
                f"residual layer (e.g. [2, 16, 16, 16, 1]); got {n}"
            )
        self._skip = set(self.residual_layers)

    def forward(self, X, checked=False):
        """A_L for the columns of X; keeps Z, A and F = f(Z) for the backward pass."""
        A = X if checked else self._check_X(X)
        self._check_params()
        Zs, As, Fs = [None], [A], [None]
        for l in range(1, self.L + 1):
            Z = self.params[f"W{l}"] @ A
            Z += self.params[f"b{l}"]
            F = self._f[l - 1](Z)
            A = A + F if l in self._skip else F
            Zs.append(Z)
            As.append(A)
            Fs.append(F)
        self.cache = {"Z": Zs, "A": As, "F": Fs}
        return A

    def _backward(self, Y, keep_all: bool):
        Zs, As, Fs = self.cache["Z"], self.cache["A"], self.cache["F"]
        out = {}
        # the loss and dZ{L} (from the logits Z{L} for sigmoid + bce), as in Network
        loss, dZ, dA = self._loss.output_terms(Zs[self.L], As[self.L], Y,
                                               self.activation_names[-1], with_dA=keep_all)
        if keep_all:
            out[f"dA{self.L}"] = dA
        for l in range(self.L, 0, -1):
            if l < self.L or dZ is None:
                # the local derivative is f'(Z) at F = f(Z), not at A = A_prev + F
                dZ = dA * self._f[l - 1].derivative(Zs[l], Fs[l])
            out[f"dW{l}"] = dZ @ As[l - 1].T
            out[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
            if keep_all:
                out[f"dZ{l}"] = dZ
            if l > 1 or keep_all:
                dA_prev = self.params[f"W{l}"].T @ dZ
                if l in self._skip:
                    dA_prev += dA  # the identity path
                dA = dA_prev
                if keep_all:
                    out[f"dA{l - 1}"] = dA
        return loss, out

    def __repr__(self) -> str:
        return "Residual" + super().__repr__() + f" with skips at layers {self.residual_layers}"
