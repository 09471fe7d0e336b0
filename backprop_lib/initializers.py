"""Weight initializations: W{l} ~ N(0, std^2) with a scheme-specific std; biases at zero.

Chapter "Vanishing and exploding gradients" compares them. The standard deviations,
for a layer with n_in = n_{l-1} inputs and n_out = n_l outputs:

=========  =============================  ===============================
scheme     std                            source
=========  =============================  ===============================
zeros      0                              (breaks nothing but learns nothing)
small      0.01                           a common fixed choice (too small)
lecun      sqrt(1 / n_in)                 LeCun et al. 1998
xavier     sqrt(2 / (n_in + n_out))       Glorot and Bengio 2010
he         sqrt(2 / n_in)                 He et al. 2015
=========  =============================  ===============================

`init_scale` multiplies every weight, so a slider can move between schemes' scales.
Draws are made in float64 from one Generator, layer by layer (W1, W2, ...), and then
cast, so a float32 network starts from the rounded weights of its float64 twin.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import check_choice, check_int, check_real, describe


def weight_std(scheme: str, n_in: int, n_out: int) -> float:
    """The standard deviation of scheme `scheme` for a layer of shape (n_out, n_in)."""
    check_choice(scheme, "init", INITIALIZERS)
    check_int(n_in, "n_in", low=1)
    check_int(n_out, "n_out", low=1)
    return INITIALIZERS[scheme](n_in, n_out)


INITIALIZERS = {
    "zeros": lambda n_in, n_out: 0.0,
    "small": lambda n_in, n_out: 0.01,
    "lecun": lambda n_in, n_out: math.sqrt(1.0 / n_in),
    "xavier": lambda n_in, n_out: math.sqrt(2.0 / (n_in + n_out)),
    "he": lambda n_in, n_out: math.sqrt(2.0 / n_in),
}


def initialize(layer_sizes, scheme: str, scale: float, rng: np.random.Generator, dtype):
    """A dict W1, b1, ..., WL, bL for the given sizes [n_0, n_1, ..., n_L]."""
    scale = check_real(scale, "init_scale", low=0.0)
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator, e.g. np.random.default_rng(0); "
                        f"got {describe(rng)}")
    params = {}
    for l in range(1, len(layer_sizes)):
        n_in, n_out = layer_sizes[l - 1], layer_sizes[l]
        std = weight_std(scheme, n_in, n_out) * scale
        W = rng.standard_normal((n_out, n_in)) * std
        params[f"W{l}"] = W.astype(dtype)
        params[f"b{l}"] = np.zeros((n_out, 1), dtype=dtype)
    return params
