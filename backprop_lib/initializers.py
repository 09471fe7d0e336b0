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

Each scheme fixes a variance; `uniform_limit` gives the half-width r = sqrt(3) std of the
uniform draw U(-r, r) with that variance (Glorot and Bengio state their scale this way),
`draw` makes either draw, and `orthogonal` a matrix whose singular values are all 1
(Saxe et al. 2014). They are for the chapter's comparisons; `Network` draws normal weights.

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


DISTRIBUTIONS = ("normal", "uniform")


def uniform_limit(scheme: str, n_in: int, n_out: int) -> float:
    """r such that U(-r, r) has the variance of `scheme`: r = sqrt(3) * weight_std(...)
    (chapter "Vanishing and exploding gradients")."""
    return math.sqrt(3.0) * weight_std(scheme, n_in, n_out)


def draw(scheme: str, n_out: int, n_in: int, rng: np.random.Generator,
         distribution: str = "normal") -> np.ndarray:
    """A weight matrix of shape (n_out, n_in) with the variance of `scheme`, drawn from a
    normal distribution or from the uniform one on [-r, r], r = uniform_limit(...)."""
    check_choice(distribution, "distribution", DISTRIBUTIONS)
    _check_rng(rng)
    if distribution == "normal":
        return rng.standard_normal((n_out, n_in)) * weight_std(scheme, n_in, n_out)
    r = uniform_limit(scheme, n_in, n_out)
    return rng.uniform(-r, r, size=(n_out, n_in))


def orthogonal(n_out: int, n_in: int, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    """A (n_out, n_in) matrix with orthonormal rows or columns (whichever are fewer), times
    `gain`: every singular value equals `gain` (Saxe et al. 2014). From the QR decomposition
    of a Gaussian matrix, with the signs fixed so the draw is uniform over such matrices."""
    check_int(n_out, "n_out", low=1)
    check_int(n_in, "n_in", low=1)
    gain = check_real(gain, "gain", low=0.0)
    _check_rng(rng)
    big, small = max(n_out, n_in), min(n_out, n_in)
    Q, R = np.linalg.qr(rng.standard_normal((big, small)))
    Q = Q * np.sign(np.diag(R))  # without this the QR's sign convention biases the draw
    return gain * (Q if n_out >= n_in else Q.T)


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator, e.g. np.random.default_rng(0); "
                        f"got {describe(rng)}")
