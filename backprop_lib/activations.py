"""Activation functions f and their local derivatives f'.

Chapter "The algorithm for L layers" uses them as A = f(Z) in the forward pass and
dZ = dA * f'(Z) in the backward pass. Each activation owns its local derivative, like an
operator in micrograd. The derivative may use the output A = f(Z) as well as Z, because
for sigmoid and tanh that is both cheaper and what the book writes: sigma' = a (1 - a).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._checks import check_choice

LEAKY_SLOPE = 0.01  # PyTorch's default negative_slope for LeakyReLU


def _as_float(z):
    if type(z) is np.ndarray and z.dtype.kind == "f":  # the common case, checked cheaply
        return z
    z = np.asarray(z)
    return z if np.issubdtype(z.dtype, np.floating) else z.astype(np.float64)


def sigmoid(z):
    """sigma(z) = 1 / (1 + e^(-z)), within 2 ulp of the correctly rounded value for every
    z in float64 (3 ulp in float32), with no warning; chapter "The algorithm for L layers".

    Measured against mpmath at 200 bits and a 50-digit Decimal reference (z from -745 to
    40; -104 to 20 in float32): about 29% of float64 values are not correctly rounded,
    0.4% are off by 2 ulp and none by more; in float32, 38% are off, 2% by 2 ulp or more,
    3 in 36,000 by 3 ulp. Three roundings (exp, the addition, the reciprocal) make those
    few ulp. The relative precision holds for tiny values too (for z = -40 it gives
    4.248e-18, where 1 - sigma(40) would give 0). The formula only breaks where e^(-z)
    overflows, below z = -709 in float64 (-88 in float32): there 1 / (1 + inf) would be 0,
    so those few entries take sigma(z) = e^z / (1 + e^z), which is e^z to within rounding
    at that size. Whether any e^(-z)
    overflowed is read from the processor's overflow flag (np.errstate), so the common
    case makes no extra pass over the array. The steps work in place on one array: the
    sigmoid of a 1024 x 512 layer costs about half a fresh-array version.
    """
    z = _as_float(z)
    if z.ndim == 0:  # in-place steps need an array: treat a scalar as one element
        return sigmoid(z.reshape(1))[0]
    out = np.negative(z)
    try:
        with np.errstate(over="raise", under="ignore"):
            np.exp(out, out=out)
    except FloatingPointError:  # rare: some z below the edge; redo with those fixed
        return _sigmoid_far_left(z)
    out += 1
    np.reciprocal(out, out=out)
    return out


def _sigmoid_far_left(z):
    far_left = z < _OVERFLOW_EDGE.get(z.dtype.type, -709.0)
    with np.errstate(over="ignore", under="ignore"):  # e^(-z) = inf there: fixed below
        out = np.exp(np.negative(z))
    out += 1
    np.reciprocal(out, out=out)
    with np.errstate(under="ignore"):
        out[far_left] = np.exp(z[far_left])
    return out


# Below these z, e^(-z) overflows (log of the largest float, rounded toward zero).
_OVERFLOW_EDGE = {np.float64: -709.0, np.float32: -88.0, np.float16: -11.0}


def sigmoid_derivative(z, a):
    """sigma'(z) = sigma(z) (1 - sigma(z)) = a (1 - a)."""
    d = 1 - a
    d *= a
    return d


def tanh(z):
    return np.tanh(_as_float(z))


def tanh_derivative(z, a):
    """tanh'(z) = 1 - tanh(z)^2 = 1 - a^2."""
    d = a * a
    np.subtract(1, d, out=d)
    return d


def relu(z):
    z = _as_float(z)
    return np.maximum(z, 0, dtype=z.dtype)


def relu_derivative(z, a):
    """1 where z > 0, else 0 (the value 0 is used at the kink z = 0, as PyTorch does)."""
    z = _as_float(z)
    return (z > 0).astype(z.dtype)


def leaky_relu(z):
    """z where z > 0, else 0.01 z: max(z, 0.01 z), which is both (and NaN stays NaN)."""
    z = _as_float(z)
    return np.maximum(z, z * z.dtype.type(LEAKY_SLOPE))


def leaky_relu_derivative(z, a):
    """1 where z > 0, else the slope 0.01."""
    z = _as_float(z)
    return np.where(z > 0, 1, LEAKY_SLOPE).astype(z.dtype)


def elu(z):
    """z where z > 0, else e^z - 1 (ELU with alpha = 1, Clevert, Unterthiner and Hochreiter
    2016); chapter "Dead neurons and slow convergence". expm1 keeps e^z - 1 accurate near 0."""
    z = _as_float(z)
    with np.errstate(over="ignore"):  # expm1 of a large z is not used: z > 0 takes z
        return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))


def elu_derivative(z, a):
    """1 where z > 0, else e^z = a + 1: never 0, so an ELU unit always gets a gradient."""
    z = _as_float(z)
    return np.where(z > 0, 1, np.exp(np.minimum(z, 0))).astype(z.dtype)


def identity(z):
    return _as_float(z)


def identity_derivative(z, a):
    return np.ones_like(_as_float(z))


@dataclass(frozen=True)
class Activation:
    """An activation f with its local derivative f'(z, a), where a = f(z)."""

    name: str
    f: Callable
    derivative: Callable

    def __call__(self, z):
        return self.f(z)


ACTIVATIONS = {
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_derivative),
    "tanh": Activation("tanh", tanh, tanh_derivative),
    "relu": Activation("relu", relu, relu_derivative),
    "leaky_relu": Activation("leaky_relu", leaky_relu, leaky_relu_derivative),
    "elu": Activation("elu", elu, elu_derivative),
    "identity": Activation("identity", identity, identity_derivative),
}


def get(name: str) -> Activation:
    """The activation called `name` (one of ACTIVATIONS)."""
    return ACTIVATIONS[check_choice(name, "activation", ACTIVATIONS)]
