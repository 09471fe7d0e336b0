"""Networks with a planted bug, for chapter "Gradient checking" to catch.

A gradient check is only worth something if it fails on a wrong gradient. `BuggyNetwork`
is a `Network` whose `loss` is computed correctly but whose backward pass has one of
these mistakes (`BUGS`):

* "loss_without_half": a loss paired with another loss's derivative. Its loss
  is mean((y - y_hat)^2), the "mse" loss, but its derivative is -(y - y_hat) = y_hat - y,
  the derivative of the half version 1/2 (y - y_hat)^2. With one output unit every
  gradient comes out half the true one (relative error 1/3); in general "mse" averages over
  all n_L m entries, so the factor is 2 / n_L, and with n_L = 2 the pairing is no bug.
  The fix is either loss "half_mse" (keep the derivative) or the
  derivative 2 (y_hat - y) / (n_L m) (keep the loss).
* "layer1_no_derivative": the first layer forgets its activation's derivative,
  dZ1 = dA1 instead of dA1 * f'(Z1). Only dW1 and db1 are wrong.
* "tanh_derivative_from_z": tanh's derivative written with the pre-activation where the
  activation belongs, 1 - Z^2 instead of 1 - A^2 = 1 - tanh(Z)^2. The two agree at Z = 0
  and differ by (2/3) Z^4 + ... near it, so the bug hides while the weights are small and
  shows once training makes the pre-activations large.
* "last_unit_skipped": a loop over the units of layer 1 that stops one short
  (range(n_1 - 1)), so the last row of dW1 and the last entry of db1 stay 0: a bug
  confined to one row, which a small random sample of entries usually misses.

The bug lives in the backward pass only, so `net.loss` stays the true loss and central
differences of it give the true gradient, which is what a check compares against.
"""

from __future__ import annotations

from dataclasses import replace

from . import losses as _losses
from ._checks import check_choice
from .network import Network

BUGS = ("loss_without_half", "layer1_no_derivative", "tanh_derivative_from_z",
        "last_unit_skipped")


class BuggyNetwork(Network):
    """A Network with the planted bug `bug` (one of BUGS) in its backward pass.

    For "loss_without_half" the loss must be "mse" (without the 1/2); its gradient is
    then taken, wrongly, from "half_mse". All other arguments are those of Network.
    """

    def __init__(self, layer_sizes, *args, bug="loss_without_half", **kwargs):
        super().__init__(layer_sizes, *args, **kwargs)
        self.bug = check_choice(bug, "bug", BUGS)
        if self.bug == "loss_without_half":
            if self.loss_name != "mse":
                raise ValueError(f"bug 'loss_without_half' plants its mismatch "
                                 f"in loss 'mse'; got loss {self.loss_name!r}")
            # value: mean (y_hat - y)^2; derivative: (y_hat - y) / m, the half loss's
            self._loss = replace(_losses.get("mse"),
                                 gradient=_losses.get("half_mse").gradient)

    def _dZ(self, l, dA):
        if self.bug == "tanh_derivative_from_z" and self._f[l - 1].name == "tanh":
            Z = self.cache["Z"][l]
            return dA * (1 - Z ** 2)  # the bug: should be 1 - A^2, A = tanh(Z)
        return super()._dZ(l, dA)

    def _backward(self, Y, keep_all):
        loss, out = super()._backward(Y, keep_all=keep_all or self.bug == "layer1_no_derivative")
        if self.bug == "layer1_no_derivative":
            dZ1 = out["dA1"]
            out["dW1"] = dZ1 @ self.cache["A"][0].T
            out["db1"] = dZ1.sum(axis=1, keepdims=True)
            if keep_all:
                out["dZ1"] = dZ1
        elif self.bug == "last_unit_skipped":
            out["dW1"][-1] = 0  # the loop over units never reached the last one
            out["db1"][-1] = 0
        return loss, out

    def fixed(self) -> Network:
        """The same network (same parameters and loss) with the bug removed: for
        "loss_without_half" that is the library's "mse", whose derivative is
        2 (y_hat - y) / (n_L m)."""
        twin = Network(self.layer_sizes, self.activation_names, self.loss_name,
                       self.init, self.init_scale, self.seed, self.dtype)
        twin.set_params(self.params)
        return twin

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f", bug={self.bug!r})"
