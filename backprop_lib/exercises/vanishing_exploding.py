"""Checkers for the exercises of chapter "Vanishing and exploding gradients".

1. check_chain_factor: the factor dA5/dA0 of a chain of five one-unit sigmoid layers (the
   same number scales the gradient dL/dA5 on its way back to dL/dA0).
2. check_layer_factor: the typical backward factor ||dA{l-1}|| / ||dA{l}|| of one wide
   sigmoid layer with He's weight scale.
3. check_clip: clipping a gradient vector by its norm.
4. check_residual_backward: dA{l-1} of a residual tanh layer.
5. check_clip_prediction: what clipping does to the first/last gradient ratio (predict,
   then the checker compares with the measured ratios).
6. check_glorot_uniform_limit: the half-width r of Glorot's uniform draw for a 784 -> 100
   layer.
"""

from __future__ import annotations

import numpy as np

from ..run_cache import memo
from .checking import Feedback, as_choice, check_function, check_scalar

#: The chain's weights w1..w5; every Z{l} is 0, where sigma'(0) = 1/4.
CHAIN_WEIGHTS = (2.0, 0.5, 3.0, 1.5, 4.0)
PREDICTIONS = ("increases", "decreases", "unchanged")
SYNONYMS = {"increase": "increases", "decrease": "decreases", "the same": "unchanged",
            "same": "unchanged", "stays the same": "unchanged", "does not change": "unchanged"}


def chain_factor():
    """dA5/dA0 = prod over l of w_l sigma'(Z{l}) with every Z{l} = 0; the backward pass
    multiplies dL/dA5 by the same product to give dL/dA0."""
    return float(np.prod([w * 0.25 for w in CHAIN_WEIGHTS]))


def check_chain_factor(answer):
    """dA5/dA0 (the derivative of the top of the chain by its input) for CHAIN_WEIGHTS,
    every Z{l} = 0."""
    L = len(CHAIN_WEIGHTS)
    return check_scalar(answer, chain_factor(), name="dA5/dA0", rtol=1e-6, diagnoses=[
        (1.0 / chain_factor(), "that is the inverse, dA0/dA5: the derivative of the top "
                               "A5 by the input A0 is the product of w_l sigma'(0) itself."),
        (0.25 ** L, "that is sigma'(0)^5 alone: each layer also multiplies by its weight w_l "
                    "(dA{l-1} = w_l sigma'(Z{l}) dA{l})."),
        (float(np.prod(CHAIN_WEIGHTS)), "that is the product of the weights alone: each layer "
                                       "also multiplies by sigma'(0)."),
        (0.5 ** L * float(np.prod(CHAIN_WEIGHTS)), "sigma'(0) is sigma(0)(1 - sigma(0)), not "
                                                   "sigma(0)."),
    ])


#: The layer of exercise 2: n units fed by n inputs, He's scale, every Z{l} = 0.
LAYER_WIDTH = 64
SIGMOID_SLOPE = 0.25  # sigma'(0)


def he_std(n_in=LAYER_WIDTH):
    """He's standard deviation sqrt(2 / n_in)."""
    return float(np.sqrt(2.0 / n_in))


def layer_factor(n=LAYER_WIDTH):
    """sqrt(E||dA{l-1}||^2 / ||dA{l}||^2) for dA{l-1} = W^T (dA{l} * sigma'(0)), W of shape
    (n, n) with independent N(0, s^2) entries: each of the n entries of W^T v sums n terms
    w_ji v_j, so has variance s^2 ||v||^2, and E||W^T v||^2 = n s^2 ||v||^2."""
    return SIGMOID_SLOPE * he_std(n) * float(np.sqrt(n))


def check_layer_factor(answer):
    """The typical factor ||dA{l-1}|| / ||dA{l}|| of the sigmoid layer of LAYER_WIDTH units."""
    n, s = LAYER_WIDTH, he_std()
    slope = SIGMOID_SLOPE
    return check_scalar(answer, layer_factor(), name="the factor", rtol=1e-3, diagnoses=[
        (s * np.sqrt(n), "that is the weights' factor s sqrt(n) alone: the backward step also "
                         "multiplies by the sigmoid's slope sigma'(0) = 1/4."),
        (0.5 * s * np.sqrt(n), "sigma'(0) is sigma(0)(1 - sigma(0)) = 1/4, not sigma(0) = 1/2."),
        (slope * s, "W^T v has n entries, each a sum of n terms w_ji v_j of variance s^2 v_j^2: "
                    "its norm is about s sqrt(n) ||v||, not s ||v||. Multiply by sqrt(n)."),
        (slope * n * s ** 2, "n s^2 is the factor of the squared norm, E||W^T v||^2 = n s^2 "
                             "||v||^2: the norm's factor is its square root, s sqrt(n)."),
        ((slope * s) ** 2 * n, "that is the factor of the squared norm ||dA||^2: the question "
                               "asks for the norm's factor, its square root."),
        (slope * (2.0 / n) * np.sqrt(n), "2 / n_in is He's variance; the standard deviation s "
                                         "is its square root."),
        (-layer_factor(), "a ratio of two norms cannot be negative."),
    ])


def _clip_reference(g, max_norm):
    n = np.linalg.norm(g)
    return g if n <= max_norm else g * (max_norm / n)


def _clip_by_value(g, max_norm):
    return np.clip(g, -max_norm, max_norm)


def _no_clip(g, max_norm):
    return g


def _always_rescale(g, max_norm):
    return g * (max_norm / np.linalg.norm(g))


CLIP_INPUTS = [
    (np.array([3.0, 4.0]), 1.0),
    (np.array([0.3, -0.4, 1.2]), 5.0),
    (np.array([-6.0, 0.5, 2.0, 0.0]), 2.0),
]


def check_clip(fn):
    """fn(g, max_norm) -> g rescaled to norm max_norm if ||g|| > max_norm, else g."""
    return check_function(fn, _clip_reference, CLIP_INPUTS, name="clip", diagnoses=[
        (_clip_by_value, "that clips each entry to [-max_norm, max_norm] (clipping by value): it "
                         "changes the gradient's direction. Rescale the whole vector instead."),
        (_no_clip, "you returned g unchanged: when ||g|| > max_norm, multiply g by "
                   "max_norm / ||g|| so that its norm becomes max_norm."),
        (_always_rescale, "you rescaled a gradient that was already short enough: clipping only "
                          "ever shrinks, it leaves g alone when ||g|| <= max_norm."),
    ])


def _residual_reference(dA, W, Z):
    return W.T @ (dA * (1 - np.tanh(Z) ** 2)) + dA


def _no_skip(dA, W, Z):
    return W.T @ (dA * (1 - np.tanh(Z) ** 2))


def _no_derivative(dA, W, Z):
    return W.T @ dA + dA


def _not_transposed(dA, W, Z):
    return W @ (dA * (1 - np.tanh(Z) ** 2)) + dA


def _residual_inputs():
    rng = np.random.default_rng(5)
    return [(rng.standard_normal((3, 4)), rng.standard_normal((3, 3)), rng.standard_normal((3, 4)))
            for _ in range(3)]


def check_residual_backward(fn):
    """fn(dA, W, Z) -> dA{l-1} for A{l} = A{l-1} + tanh(Z{l}), Z{l} = W A{l-1} + b."""
    return check_function(fn, _residual_reference, _residual_inputs(),
                          name="residual_backward", diagnoses=[
        (_no_skip, "that is the backward pass of a plain layer: the skip A{l-1} -> A{l} adds "
                   "dA{l} itself to dA{l-1}."),
        (_no_derivative, "the path through the layer passes through tanh: multiply dA by "
                         "tanh'(Z) = 1 - tanh(Z)^2 before W^T."),
        (_not_transposed, "you multiplied by W{l}; the gradient goes back through the "
                          "transpose W{l}^T (Z{l} = W{l} A{l-1}, so dA{l-1} = W{l}^T dZ{l})."),
    ])


@memo(maxsize=8)
def clipping_ratios(threshold=1e-3):
    """||dW1||/||dW10|| of the chapter's 10-layer sigmoid network (xavier) before and after
    clipping the whole gradient at `threshold`."""
    from ..diagnostics import first_last_ratio
    from ..figures.gradients_depth import clipped_norms, dataset, deep_net

    X, Y = dataset()
    before, after, _ = clipped_norms(deep_net("sigmoid", "xavier"), X, Y, threshold)
    return first_last_ratio(before), first_last_ratio(after)


def check_clip_prediction(answer, threshold=1e-3):
    """answer: "increases", "decreases" or "unchanged" (the ratio ||dW1||/||dW10||)."""
    answer = as_choice(answer, PREDICTIONS, synonyms=SYNONYMS)
    if isinstance(answer, Feedback):
        return answer
    before, after = clipping_ratios(threshold)
    if np.isclose(after, before, rtol=1e-9):
        truth = "unchanged"
    else:
        truth = "increases" if after > before else "decreases"
    measured = f"measured: {before:.3g} before clipping, {after:.3g} after"
    if answer == truth:
        return Feedback(True, "clipping multiplies every layer's gradient by the same factor, "
                              f"so the ratio cannot change ({measured}).")
    return Feedback(False, f"not what happens ({measured}). Clipping rescales all layers by "
                           "one common factor.")


#: The layer of exercise 6: n_in inputs, n_out units.
GLOROT_LAYER = (784, 100)


def check_glorot_uniform_limit(answer):
    """r of U(-r, r) with Glorot's variance 2 / (n_in + n_out), for GLOROT_LAYER."""
    from ..initializers import uniform_limit, weight_std

    n_in, n_out = GLOROT_LAYER
    return check_scalar(answer, uniform_limit("xavier", n_in, n_out), name="the limit r",
                        rtol=1e-3, diagnoses=[
        (weight_std("xavier", n_in, n_out), "that is the standard deviation; a uniform draw on "
                                            "[-r, r] has variance r^2 / 3, so r = sqrt(3) std."),
        (uniform_limit("lecun", n_in, n_out), "that is LeCun's limit sqrt(3 / n_in): Glorot's "
                                              "averages fan-in and fan-out."),
        (uniform_limit("he", n_in, n_out), "that is He's limit sqrt(6 / n_in), for ReLU; "
                                           "Glorot's divides by n_in + n_out."),
        (2.0 / (n_in + n_out), "that is the variance itself: r = sqrt(3 variance)."),
        (6.0 / (n_in + n_out), "that is r^2: take the square root."),
        (np.sqrt(6.0 / n_out), "that uses the fan-out alone; Glorot's uses n_in + n_out."),
    ])
