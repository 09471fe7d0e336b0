"""Batch normalization: forward, backward, and a network that uses it.

Chapter "Practical tips" derives every line here (Ioffe and Szegedy 2015). Rows are
features and columns are the m examples of the batch, as everywhere in the book. For a
hidden layer l, batch normalization sits between the weighted sum and the activation:

    Z{l}      = W{l} A{l-1}                          (no bias: beta{l} takes its place)
    mu        = mean of Z{l} over the examples       shape (n_l, 1)
    D         = Z{l} - mu
    var       = mean of D^2 over the examples        (biased, as in the paper)
    s         = sqrt(var + eps)
    Zhat{l}   = D / s
    Ztilde{l} = gamma{l} * Zhat{l} + beta{l}         gamma, beta: (n_l, 1), learned
    A{l}      = f_l(Ztilde{l})

Backward, node by node on that graph (`batchnorm_backward_steps`), with
dZtilde = dA{l} * f_l'(Ztilde{l}); sums and means run over the m examples, per feature:

    dgamma{l} = sum(dZtilde * Zhat)                  dbeta{l} = sum(dZtilde)
    dZhat     = gamma{l} * dZtilde
    dvar      = sum(dZhat * D) * (-1/2) s^-3         (var reaches L only through Zhat)
    dmu       = -sum(dZhat) / s                      (+ dvar * (-2/m) sum(D), which is 0)
    dZ{l}     = dZhat / s                            (the direct path)
              + dvar * 2 D / m                       (the path through var)
              + dmu / m                              (the path through mu)

and the three paths collect into the compact formula `batchnorm_backward` computes:

    dZ{l}     = (dZhat - mean(dZhat) - Zhat * mean(dZhat * Zhat)) / s

(the path through mu gives the first mean, the path through var the second: they are there
because every example's Zhat depends on the whole batch). The output layer keeps its bias
and no normalization.

Training and inference: during training each batch is normalized by its own mean and
variance, and a running average of them is kept in PyTorch's convention (momentum 0.1:
running = (1 - momentum) running + momentum batch), with the unbiased batch variance
var * m / (m - 1), as PyTorch keeps it, while the normalization itself uses the biased var.
(Keras writes the same average with momentum 0.99 meaning the weight of the old value,
and keeps the biased variance: `batch_statistics.running_update` computes both.)
`predict` and `forward(X, training=False)` use the running averages, so a prediction for
one example does not depend on which other examples share its batch.

The running averages are updated only by `loss_and_gradients` (a training step, which
`gradients` also takes), never by `loss` or `forward`. A check must not change the network
it checks: `gradcheck` and the diagnostics run inside `unchanged_statistics(net)`, which
puts the running averages back exactly as they were, so `predict` gives the same numbers
after a check as before it, while `train` goes on updating them.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from ._checks import check_real, describe
from .network import Network, Trace

__all__ = ["BatchNormNetwork", "batchnorm_backward", "batchnorm_backward_steps",
           "batchnorm_forward",
           "unchanged_statistics"]


def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    """Normalize each row of Z over its columns, then scale by gamma and shift by beta.

    Returns (Ztilde, cache) where cache = (Zhat, inv_std, gamma, mu, var) serves
    `batchnorm_backward`. Z keeps its floating dtype; an integer Z is computed in float64
    (gamma and beta are cast to that dtype, never to integers).
    """
    Z, gamma, beta = _check_bn_inputs(Z, gamma, beta)
    eps = check_real(eps, "eps", low=0.0, low_open=True)
    return _forward(Z, gamma, beta, eps)


def _row_mean(x):
    """x.mean(axis=1, keepdims=True), computed as NumPy computes it (its sum, then a division
    by the count, in place), without the Python wrapper that costs more than a small sum."""
    if x.dtype.kind != "f" or x.dtype.itemsize < 4:  # NumPy averages these differently
        return x.mean(axis=1, keepdims=True)
    s = np.add.reduce(x, axis=1, keepdims=True)
    return np.true_divide(s, np.intp(x.shape[1]), out=s, casting="unsafe", subok=False)


def _forward(Z, gamma, beta, eps):
    """`batchnorm_forward` without checking its arguments (the network checked them once)."""
    mu = _row_mean(Z)
    D = Z - mu
    var = _row_mean(D ** 2)
    inv_std = 1.0 / np.sqrt(var + eps)
    Zhat = D * inv_std
    return gamma * Zhat + beta, (Zhat, inv_std, gamma, mu, var)


def batchnorm_backward(dZtilde, cache):
    """(dZ, dgamma, dbeta) from dZtilde = dL/dZtilde and the cache of the forward pass."""
    Zhat, inv_std, gamma = _check_cache(cache)
    dZtilde = _as_float_matrix(dZtilde, "dZtilde", Zhat.dtype)
    if dZtilde.shape != Zhat.shape:
        raise ValueError(
            f"dZtilde must have the shape of the forward pass's Z, {Zhat.shape}; "
            f"got {dZtilde.shape}"
        )
    # np.add.reduce is what ndarray.sum calls, without its Python wrapper
    dgamma = np.add.reduce(dZtilde * Zhat, axis=1, keepdims=True)
    dbeta = np.add.reduce(dZtilde, axis=1, keepdims=True)
    dZhat = gamma * dZtilde
    dZ = inv_std * (dZhat - _row_mean(dZhat) - Zhat * _row_mean(dZhat * Zhat))
    return dZ, dgamma, dbeta


def batchnorm_backward_steps(dZtilde, cache):
    """The backward pass node by node, as chapter "Practical tips" derives it.

    Returns a dict of the adjoints of the graph's nodes (names as in the module docstring):
    "dgamma", "dbeta", "dZhat", "dvar", "dmu", the three paths into dZ ("dZ_direct",
    "dZ_via_var", "dZ_via_mu") and their sum "dZ", which equals `batchnorm_backward`'s.
    """
    Zhat, inv_std, gamma = _check_cache(cache)
    dZtilde = _as_float_matrix(dZtilde, "dZtilde", Zhat.dtype)
    if dZtilde.shape != Zhat.shape:
        raise ValueError(f"dZtilde must have the shape of the forward pass's Z, {Zhat.shape}; "
                         f"got {dZtilde.shape}")
    m = Zhat.shape[1]
    s = 1.0 / inv_std
    D = Zhat * s  # Z - mu
    dZhat = gamma * dZtilde
    dvar = (dZhat * D).sum(axis=1, keepdims=True) * (-0.5) * inv_std ** 3
    dmu = -dZhat.sum(axis=1, keepdims=True) * inv_std + dvar * (-2.0 / m) * D.sum(
        axis=1, keepdims=True)
    paths = {"dZ_direct": dZhat * inv_std, "dZ_via_var": dvar * 2.0 * D / m,
             "dZ_via_mu": np.broadcast_to(dmu / m, Zhat.shape).copy()}
    return {"dgamma": (dZtilde * Zhat).sum(axis=1, keepdims=True),
            "dbeta": dZtilde.sum(axis=1, keepdims=True), "dZhat": dZhat, "dvar": dvar,
            "dmu": dmu, **paths, "dZ": paths["dZ_direct"] + paths["dZ_via_var"]
            + paths["dZ_via_mu"]}


def _as_float_matrix(value, name, dtype=None):
    """value as a finite real array of `dtype` (default: its own floating dtype, float64 for
    integers), or a TypeError/ValueError naming `name`."""
    if value is None or isinstance(value, (str, bytes, dict, set)):
        raise TypeError(f"{name} must be an array of real numbers; got {describe(value)}")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of real numbers: {exc}") from None
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(f"{name} must be a plain array: a masked array's hidden entries "
                        "would be used as numbers; pass value.filled(...) instead")
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{name} must hold real numbers; got dtype {arr.dtype}")
    if dtype is None:
        dtype = arr.dtype if arr.dtype.kind == "f" else np.float64
    arr = arr.astype(dtype, copy=False)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite; it holds NaN or infinite values")
    return arr


def _check_cache(cache):
    """(Zhat, inv_std, gamma) from the cache of `batchnorm_forward`, or a clear TypeError."""
    if not (isinstance(cache, tuple) and len(cache) == 5
            and all(isinstance(c, np.ndarray) for c in cache) and cache[0].ndim == 2):
        raise TypeError("cache must be the second value returned by batchnorm_forward, a tuple "
                        f"(Zhat, inv_std, gamma, mu, var) of arrays; got {describe(cache)}")
    return cache[0], cache[1], cache[2]


def _check_bn_inputs(Z, gamma, beta):
    Z = _as_float_matrix(Z, "Z")
    if Z.ndim != 2:
        raise ValueError(f"Z must be a 2-D array (features, examples); got {describe(Z)}")
    n = Z.shape[0]
    if Z.shape[1] == 0:
        raise ValueError(f"Z must hold at least one example (column); got shape {Z.shape}")
    out = [Z]
    for name, v in (("gamma", gamma), ("beta", beta)):
        arr = _as_float_matrix(v, name, Z.dtype)  # Z's float dtype: integers would truncate
        if arr.shape != (n, 1):
            raise ValueError(f"{name} must have shape ({n}, 1), one entry per feature of Z; "
                             f"got shape {arr.shape}")
        out.append(arr)
    return out


@contextmanager
def unchanged_statistics(net):
    """Within this block, whatever runs on `net` leaves its running statistics as they were.

        with unchanged_statistics(net):
            grads = net.gradients(X, Y)   # would update the running averages; here it does not

    On leaving (also through an exception) every array of `net.running` gets back its
    values, bit for bit, and the dict its arrays. A network without `running` (a plain
    Network) has nothing to keep, and the block changes nothing. `gradcheck` and the
    diagnostics use it, so that checking a network does not change what it predicts
    (chapter "Practical tips" checks a BatchNormNetwork's gradients).
    """
    running = getattr(net, "running", None)
    if not isinstance(running, dict):
        yield net
        return
    arrays = dict(running)
    values = {k: np.array(v, copy=True) for k, v in arrays.items()}
    try:
        yield net
    finally:
        for k, v in arrays.items():
            if isinstance(v, np.ndarray) and v.flags.writeable:
                np.copyto(v, values[k])
        running.clear()
        running.update(arrays)
        if net.running is not running:  # a new dict was assigned: put the old one back
            net.running = running


class BatchNormNetwork(Network):
    """A Network with batch normalization before the activation of every hidden layer.

    Same arguments and public methods as `Network` (so `gradcheck` and `train` work on it
    unchanged), plus `eps` (added to the variance) and `momentum` (of the running
    averages). Parameters: for a hidden layer l, W{l}, gamma{l} and beta{l}; for the
    output layer L, W{L} and b{L}. `net.running` holds "mean1", "var1", ... (not trained
    by the optimizer).
    """

    def __init__(self, layer_sizes, activations="relu", loss="half_mse", init="he",
                 init_scale=1.0, seed=0, dtype=np.float64, eps=1e-5, momentum=0.1):
        super().__init__(layer_sizes, activations, loss, init, init_scale, seed, dtype)
        self.eps = check_real(eps, "eps", low=0.0, low_open=True)
        self.momentum = check_real(momentum, "momentum", low=0.0, high=1.0)
        params = {}
        for l in range(1, self.L + 1):
            params[f"W{l}"] = self.params[f"W{l}"]
            n = self.layer_sizes[l]
            if l < self.L:
                params[f"gamma{l}"] = np.ones((n, 1), dtype=self.dtype)
                params[f"beta{l}"] = np.zeros((n, 1), dtype=self.dtype)
            else:
                params[f"b{l}"] = self.params[f"b{l}"]
        self.params = params
        self.running = {}
        for l in range(1, self.L):
            n = self.layer_sizes[l]
            self.running[f"mean{l}"] = np.zeros((n, 1), dtype=self.dtype)
            self.running[f"var{l}"] = np.ones((n, 1), dtype=self.dtype)

    def param_shapes(self) -> dict:
        shapes = {}
        for l in range(1, self.L + 1):
            n_out, n_in = self.layer_sizes[l], self.layer_sizes[l - 1]
            shapes[f"W{l}"] = (n_out, n_in)
            if l < self.L:
                shapes[f"gamma{l}"] = (n_out, 1)
                shapes[f"beta{l}"] = (n_out, 1)
            else:
                shapes[f"b{l}"] = (n_out, 1)
        return shapes

    def copy(self) -> "BatchNormNetwork":
        twin = super().copy()
        twin.running = {k: v.copy() for k, v in self.running.items()}
        return twin

    # ------------------------------------------------------------------ forward
    def forward(self, X, checked=False, training=True):
        """A_L; training=True normalizes by the batch's statistics, False by the running ones."""
        A = X if checked else self._check_X(X)
        self._check_params()  # a learner may assign to net.params directly
        # cache["Z"][l] is what the activation is applied to (Ztilde{l} in a hidden layer),
        # as in Network, so that Network._dZ serves the backward pass; "Zlin" is W{l} A{l-1}.
        cache = {"Zlin": [None], "Zhat": [None], "Z": [None], "bn": [None], "A": [A]}
        for l in range(1, self.L + 1):
            Z = self.params[f"W{l}"] @ A
            if l < self.L:
                gamma, beta = self.params[f"gamma{l}"], self.params[f"beta{l}"]
                if training or not self.running:
                    Zt, bn = self._normalize(Z, gamma, beta)
                    Zhat = bn[0]
                else:
                    mean, var = self.running[f"mean{l}"], self.running[f"var{l}"]
                    Zhat = (Z - mean) / np.sqrt(var + self.eps)
                    Zt, bn = gamma * Zhat + beta, None
            else:
                Z = Z + self.params[f"b{l}"]
                Zt, Zhat, bn = Z, None, None
            A = self._f[l - 1](Zt)
            for key, value in (("Zlin", Z), ("Zhat", Zhat), ("Z", Zt), ("bn", bn), ("A", A)):
                cache[key].append(value)
        self.cache = cache
        return A

    def _normalize(self, Z, gamma, beta):
        """(Ztilde, cache) of one hidden layer in training mode: batch statistics."""
        return _forward(Z, gamma, beta, self.eps)

    def _normalize_backward(self, dZt, cache):
        """(dZ, dgamma, dbeta) of one hidden layer from its cache."""
        return batchnorm_backward(dZt, cache)

    def predict(self, X):
        """The prediction in inference mode (running statistics)."""
        return self._loss.predict(self.forward(X, training=False))

    def update_running(self) -> None:
        """Fold the last training forward pass's batch statistics into the running averages."""
        m = self.cache["A"][0].shape[1]
        k = self.momentum
        for l in range(1, self.L):
            _, _, _, mu, var = self.cache["bn"][l]
            unbiased = var * (m / (m - 1)) if m > 1 else var
            self.running[f"mean{l}"] = (1 - k) * self.running[f"mean{l}"] + k * mu
            self.running[f"var{l}"] = (1 - k) * self.running[f"var{l}"] + k * unbiased

    # ------------------------------------------------------------------ backward
    def _backward(self, Y, keep_all: bool):
        c = self.cache
        out = {}
        loss, dZ = self._loss_and_output_delta(Y, out, keep_all)
        dA = None  # dA{l} for the layer below, set at the end of each step
        for l in range(self.L, 0, -1):
            if l < self.L:
                dZt = self._dZ(l, dA)  # dL/dZtilde{l}
                dZ, dgamma, dbeta = self._normalize_backward(dZt, c["bn"][l])
                out[f"dgamma{l}"], out[f"dbeta{l}"] = dgamma, dbeta
                if keep_all:
                    out[f"dZtilde{l}"] = dZt
            else:
                out[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
            out[f"dW{l}"] = dZ @ c["A"][l - 1].T
            if keep_all:
                out[f"dZ{l}"] = dZ
            if l > 1 or keep_all:
                dA = self.params[f"W{l}"].T @ dZ
                if keep_all:
                    out[f"dA{l - 1}"] = dA
        return loss, out

    def loss_and_gradients(self, X, Y, checked=False):
        """(L, grads) of one training step; also updates the running statistics."""
        if not checked:
            X, Y = self.check_data(X, Y)
        if X.shape[1] < 2:
            raise ValueError("X must hold at least 2 examples for batch normalization "
                             f"(a batch of one has no variance); got {X.shape[1]}")
        self.forward(X, checked=True)
        loss, out = self._backward(Y, keep_all=False)
        grads = {"d" + name: out["d" + name] for name in self.params}
        self.update_running()
        return loss, grads

    def trace(self, X, Y) -> Trace:
        """Every intermediate of both passes (batch statistics), named as in the book."""
        X, Y = self.check_data(X, Y)
        self.forward(X, checked=True)
        c = self.cache
        values = {"A0": c["A"][0]}
        for l in range(1, self.L + 1):
            values[f"Z{l}"] = c["Zlin"][l]
            if l < self.L:
                values[f"Zhat{l}"] = c["Zhat"][l]
                values[f"Ztilde{l}"] = c["Z"][l]
            values[f"A{l}"] = c["A"][l]
        values["loss"], back = self._backward(Y, keep_all=True)
        values[f"dA{self.L}"] = back[f"dA{self.L}"]
        for l in range(self.L, 0, -1):
            if l < self.L:
                keys = [f"dZtilde{l}", f"dgamma{l}", f"dbeta{l}", f"dZ{l}", f"dW{l}"]
            else:
                keys = [f"dZ{l}", f"dW{l}", f"db{l}"]
            for key in keys + [f"dA{l - 1}"]:
                values[key] = back[key]
        return Trace(values)

    def __repr__(self) -> str:
        return "BatchNorm" + super().__repr__()[:-1] + f", eps={self.eps:g})"
