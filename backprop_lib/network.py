"""A fully connected network and backpropagation through it.

Chapter "The algorithm for L layers" derives every line here. Examples are columns:
A0 = X has shape (n_0, m). For l = 1, ..., L:

    Z{l} = W{l} A{l-1} + b{l}          W{l}: (n_l, n_{l-1}),  b{l}: (n_l, 1)
    A{l} = f_l(Z{l})

The loss L is the mean over the m examples. Backward, for l = L, ..., 1:

    dA{L} = dL/dA{L}                    (from the loss; it carries the 1/m)
    dZ{l} = dA{l} * f_l'(Z{l})          (elementwise)
    dW{l} = dZ{l} A{l-1}^T
    db{l} = sum of dZ{l} over the examples (columns)
    dA{l-1} = W{l}^T dZ{l}

Every dX is the true partial derivative dL/dX of the batch's mean loss.
"""

from __future__ import annotations

import copy as _copy
from collections.abc import Sequence
from string import ascii_letters

import numpy as np

from . import activations as _activations
from . import initializers as _initializers
from . import losses as _losses
from ._checks import (
    as_matrix,
    check_choice,
    check_dtype,
    check_int,
    check_real,
    check_same_examples,
    check_seed,
    describe,
)


class Network:
    """A fully connected network with one activation per layer and a mean loss.

    Parameters
    ----------
    layer_sizes : list of int
        [n_0, n_1, ..., n_L]: inputs, then the units of each layer.
    activations : str or list of str
        One activation name per layer (L of them), or one name for all layers.
        Names: "sigmoid", "tanh", "relu", "leaky_relu", "identity".
    loss : str
        "half_mse", "mse", "bce" or "softmax_ce" (see `backprop_lib.losses`).
    init : str
        "zeros", "small", "lecun", "xavier" or "he" (see `backprop_lib.initializers`).
    init_scale : float
        Multiplies every initial weight.
    seed : int
        Seed of the numpy.random.Generator that draws the initial weights.
    dtype : numpy.float64 or numpy.float32
        The type of the parameters and of every computation.
    """

    def __init__(
        self,
        layer_sizes,
        activations="sigmoid",
        loss="half_mse",
        init="xavier",
        init_scale=1.0,
        seed=0,
        dtype=np.float64,
    ):
        self.layer_sizes = _check_layer_sizes(layer_sizes)
        self.L = len(self.layer_sizes) - 1
        self.activation_names = _check_activations(activations, self.L)
        self._f = [_activations.get(a) for a in self.activation_names]
        self.loss_name = check_choice(loss, "loss", _losses.LOSSES)
        self._loss = _losses.get(loss)
        required = self._loss.requires_activation
        if required and self.activation_names[-1] != required:
            why = {"softmax_ce": " (it applies softmax to the logits itself)",
                   "bce": " (its logarithms need outputs strictly between 0 and 1)"}.get(loss, "")
            raise ValueError(
                f"loss {loss!r} expects the last activation to be {required!r}{why}; "
                f"got {self.activation_names[-1]!r}"
            )
        if loss == "softmax_ce" and self.layer_sizes[-1] < 2:
            raise ValueError(
                "loss 'softmax_ce' needs at least 2 output units (layer_sizes[-1]); got 1: "
                "a softmax over one unit is always 1, so the loss would always be 0 and every "
                "gradient 0. For two classes use one sigmoid unit with loss 'bce'"
            )
        self.init = check_choice(init, "init", _initializers.INITIALIZERS)
        self.init_scale = check_real(init_scale, "init_scale", low=0.0)
        self.seed = check_seed(seed)
        self.dtype = check_dtype(dtype)
        rng = np.random.default_rng(self.seed)
        self.params = _initializers.initialize(
            self.layer_sizes, self.init, self.init_scale, rng, self.dtype
        )
        self.cache = None  # the forward pass's Z and A, kept for the backward pass
        # Each layer's parameter and gradient names, formatted once: every pass looks them
        # up, and formatting f"W{l}" anew costs about 70 ns a time, a few percent of a
        # 2-2-1 network's step.
        self._names = [(f"W{l}", f"b{l}", f"dW{l}", f"db{l}") for l in range(1, self.L + 1)]

    # ------------------------------------------------------------------ parameters
    def param_shapes(self) -> dict:
        """The expected shape of every parameter, by name."""
        shapes = {}
        for l in range(1, self.L + 1):
            shapes[f"W{l}"] = (self.layer_sizes[l], self.layer_sizes[l - 1])
            shapes[f"b{l}"] = (self.layer_sizes[l], 1)
        return shapes

    @property
    def n_params(self) -> int:
        """The number of trainable numbers P."""
        return sum(p.size for p in self.params.values())

    def set_params(self, params) -> None:
        """Copy the given values into the network's parameters.

        `params` must name every parameter W1, b1, ..., WL, bL with its exact shape
        (a bias may also be given as a flat list of n_l numbers).
        """
        if not isinstance(params, dict):
            raise TypeError(f"params must be a dict of arrays by name; got {describe(params)}")
        shapes = self.param_shapes()
        unknown = sorted(set(params) - set(shapes))
        missing = sorted(set(shapes) - set(params))
        if unknown or missing:
            raise ValueError(
                f"params must have exactly the keys {sorted(shapes)}; "
                f"unknown: {unknown}, missing: {missing}"
            )
        new = {}
        for name, shape in shapes.items():
            value = params[name]
            if name.startswith("b") and np.ndim(value) == 1:
                value = np.reshape(value, (-1, 1))
            layer = name[1:]
            arr = as_matrix(value, f"params[{name!r}]", self.dtype, what=f"{shape}")
            if arr.shape != shape:
                raise ValueError(
                    f"params[{name!r}] (layer {layer}) must have shape {shape}; got {arr.shape}"
                )
            new[name] = arr
        for name, arr in new.items():
            self.params[name][...] = arr  # in place: optimizers may hold references

    def copy(self) -> "Network":
        """An independent copy (parameters included)."""
        twin = _copy.copy(self)
        twin.params = {k: v.copy() for k, v in self.params.items()}
        twin.cache = None
        return twin

    # ------------------------------------------------------------------ checks
    def _check_X(self, X, name="X"):
        n0 = self.layer_sizes[0]
        return as_matrix(X, name, self.dtype, rows=n0, what=f"(n_0, m) = ({n0}, m)")

    def check_data(self, X, Y):
        """X and Y as arrays of the network's dtype, or a clear error saying what is wrong."""
        X = self._check_X(X)
        nL = self.layer_sizes[-1]
        Y = as_matrix(Y, "Y", self.dtype, rows=nL, what=f"(n_L, m) = ({nL}, m)")
        check_same_examples(X, Y)
        if self.loss_name in ("bce", "softmax_ce") and ((Y < 0).any() or (Y > 1).any()):
            raise ValueError(f"Y must lie in [0, 1] for loss {self.loss_name!r}")
        if self.loss_name == "softmax_ce":
            _losses.check_columns_sum_to_one(Y, "for loss 'softmax_ce'")
        return X, Y

    # ------------------------------------------------------------------ forward
    def _check_params(self):
        """A cheap check that every parameter is still an array of its shape and dtype: the
        dict `params` is the network's own, and a learner may assign to it directly."""
        expected = self.__dict__.get("_expected")
        if expected is None:
            expected = self._expected = list(self.param_shapes().items())
        params, dtype = self.params, self.dtype
        for name, shape in expected:
            p = params.get(name)
            if not (type(p) is np.ndarray and p.shape == shape and p.dtype == dtype):
                self._param_error(name, p, shape)

    def _param_error(self, name, p, shape):
        where = f"net.params[{name!r}] (layer {name.lstrip(ascii_letters)})"
        if p is None:
            raise ValueError(f"{where} is missing; expected an array of shape {shape}")
        if not isinstance(p, np.ndarray):
            raise TypeError(f"{where} must be a NumPy array of shape {shape} and dtype "
                            f"{self.dtype}; got {describe(p)} (net.set_params converts)")
        if p.shape != shape:
            raise ValueError(f"{where} must have shape {shape}; got {p.shape}")
        raise TypeError(
            f"{where} must have the network's dtype {self.dtype}; got {p.dtype} "
            f"(net.set_params copies values in with the right dtype)"
        )

    def forward(self, X, checked=False):
        """A_L for the examples in the columns of X; keeps Z and A for backward."""
        A = X if checked else self._check_X(X)
        self._check_params()
        params = self.params
        Zs, As = [None], [A]
        for (w_name, b_name, _, _), f in zip(self._names, self._f, strict=True):  # l = 1..L
            Z = params[w_name] @ A
            Z += params[b_name]  # in place: one temporary fewer
            A = f(Z)
            Zs.append(Z)
            As.append(A)
        self.cache = {"Z": Zs, "A": As}
        return A

    def predict(self, X):
        """The prediction: A_L, or softmax(Z_L) probabilities for softmax_ce."""
        return self._loss.predict(self.forward(X))

    def loss(self, X, Y) -> float:
        """The batch's mean loss L (for bce computed from the logits Z_L, see losses)."""
        X, Y = self.check_data(X, Y)
        A_L = self.forward(X, checked=True)
        return self._loss.output_value(self.cache["Z"][self.L], A_L, Y, self.activation_names[-1])

    # ------------------------------------------------------------------ backward
    def _dZ(self, l, dA):
        """dZ{l} = dA{l} * f'(Z{l}), elementwise (the identity's f' = 1 needs no product)."""
        f = self._f[l - 1]
        if f.name == "identity":
            return dA
        if f.derivative is _activations.relu_derivative:
            # relu'(Z) is 1 or 0: dA times the mask is the same product, one array fewer
            return np.multiply(dA, self.cache["Z"][l] > 0)
        dZ = f.derivative(self.cache["Z"][l], self.cache["A"][l])
        dZ *= dA  # in place: the derivative array is ours
        return dZ

    def _loss_and_output_delta(self, Y, out: dict, keep_all: bool):
        """(L, dZ{L}): the loss and the output layer's error, sharing the work they have in
        common (for half_mse both start from A{L} - Y).

        Where the last activation's derivative cancels against the loss's, dZ{L} comes in
        one step, and for sigmoid + bce both come from the logits Z{L} (see losses), so
        they stay finite and exact however large |z| grows. With keep_all, dA{L} = dL/dA{L}
        is stored in `out`, for trace().
        """
        L = self.L
        loss, dZ, dA = self._loss.output_terms(self.cache["Z"][L], self.cache["A"][L], Y,
                                               self.activation_names[-1], with_dA=keep_all)
        if keep_all:
            out[f"dA{L}"] = dA
        if dZ is None:
            dZ = self._dZ(L, dA)
        return loss, dZ

    def _backward(self, Y, keep_all: bool):
        """(L, out): the loss, and in `out` every dW{l} and db{l} (with keep_all, every dZ{l}
        and dA{l} too)."""
        As = self.cache["A"]
        out = {}
        loss, dZ = self._loss_and_output_delta(Y, out, keep_all)
        dA = None  # dA{l} for the layer below, set at the end of each step
        for l in range(self.L, 0, -1):
            w_name, _, dw_name, db_name = self._names[l - 1]
            if l < self.L:
                dZ = self._dZ(l, dA)
            out[dw_name] = dZ @ As[l - 1].T
            out[db_name] = dZ.sum(axis=1, keepdims=True)
            if keep_all:
                out[f"dZ{l}"] = dZ
            if l > 1 or keep_all:
                dA = self.params[w_name].T @ dZ
                if keep_all:
                    out[f"dA{l - 1}"] = dA
        return loss, out

    def gradients(self, X, Y) -> dict:
        """dL/dW{l} and dL/db{l} of the batch's mean loss, as "dW1", "db1", ..."""
        return self.loss_and_gradients(X, Y)[1]

    def loss_and_gradients(self, X, Y, checked=False):
        """(L, grads) from one forward and one backward pass.

        checked=True skips validating X and Y, for loops that validated them once.
        """
        if not checked:
            X, Y = self.check_data(X, Y)
        self.forward(X, checked=True)
        loss, out = self._backward(Y, keep_all=False)
        grads = {}
        for _, _, dw_name, db_name in self._names:  # in the order of params: dW1, db1, ...
            grads[dw_name], grads[db_name] = out[dw_name], out[db_name]
        return loss, grads

    def trace(self, X, Y) -> "Trace":
        """Every intermediate of both passes, named as in the book, in computing order.

        Forward: A0, Z1, A1, ..., ZL, AL, loss. Backward: dAL, dZL, dWL, dbL, dA{L-1}, ...
        down to dZ1, dW1, db1, dA0.

        For sigmoid + bce, dZL comes from the logits, and dAL = (a - y) / (a (1 - a) n_L m)
        is computed with a (1 - a) = sigma(z) sigma(-z), so it stays finite where sigma(z)
        rounds to 1 (z > 37): about e^z / (n_L m) for a wrong answer, -1 / (n_L m) for a right
        one. Where that true value exceeds the largest float (|z| > about 709) it is +-inf;
        dZL, the loss and every gradient stay finite.
        """
        X, Y = self.check_data(X, Y)
        self.forward(X, checked=True)
        values = {"A0": self.cache["A"][0]}
        for l in range(1, self.L + 1):
            values[f"Z{l}"] = self.cache["Z"][l]
            values[f"A{l}"] = self.cache["A"][l]
        values["loss"], back = self._backward(Y, keep_all=True)
        values[f"dA{self.L}"] = back[f"dA{self.L}"]
        for l in range(self.L, 0, -1):
            for key in (f"dZ{l}", f"dW{l}", f"db{l}", f"dA{l - 1}"):
                values[key] = back[key]
        return Trace(values)

    def __repr__(self) -> str:
        return (
            f"Network({self.layer_sizes}, activations={self.activation_names}, "
            f"loss={self.loss_name!r}, init={self.init!r}, init_scale={self.init_scale}, "
            f"seed={self.seed}, dtype={self.dtype.name})"
        )


class Trace(dict):
    """The intermediates of one forward and backward pass, by name, in computing order."""

    @property
    def forward_names(self) -> list:
        return [k for k in self if not k.startswith("d")]

    @property
    def backward_names(self) -> list:
        return [k for k in self if k.startswith("d")]


def _check_layer_sizes(layer_sizes):
    # a sequence has an order; a set or a dict's keys would be silently reordered
    ordered = isinstance(layer_sizes, Sequence) or (
        isinstance(layer_sizes, np.ndarray) and layer_sizes.ndim == 1)
    if isinstance(layer_sizes, (str, bytes)) or not ordered:
        raise TypeError(
            f"layer_sizes must be a list or tuple of positive integers [n_0, ..., n_L], in "
            f"order (a set or a dict has no order to keep); got {describe(layer_sizes)}"
        )
    sizes = list(layer_sizes)
    if len(sizes) < 2:
        raise ValueError(
            "layer_sizes must list the inputs and at least one layer, e.g. [2, 2, 1]; "
            f"got {sizes}"
        )
    return [check_int(n, f"layer_sizes[{i}]", low=1) for i, n in enumerate(sizes)]


def _check_activations(activations, L):
    if isinstance(activations, str):
        activations = [activations] * L
    if not isinstance(activations, (list, tuple)):
        raise TypeError(
            f"activations must be a name or a list of {L} names; got {describe(activations)}"
        )
    if len(activations) != L:
        raise ValueError(
            f"activations must have one name per layer ({L} for these layer_sizes); "
            f"got {len(activations)}: {list(activations)}"
        )
    for i, a in enumerate(activations):
        check_choice(a, f"activations[{i}] (layer {i + 1})", _activations.ACTIVATIONS)
    return list(activations)
