"""Checkers for the exercises of chapter "The algorithm for L layers".

Each checker returns a Feedback (see checking.py) and never prints the expected value;
expected values are computed here with backprop_lib.
"""

from __future__ import annotations

import functools

import numpy as np

from ..figures.l_layers import multiplication_counts
from .checking import Feedback, as_choice, as_shape, check_choice, check_count, check_function

__all__ = ["check_cache_bytes", "check_dW_shape", "check_forward_cost", "check_softmax_error",
           "check_weight_gradient", "check_zeros_prediction"]

SIZES, M = (3, 5, 2), 7  # the network of exercises 1 and 2: [n_0, n_1, n_2], m examples


def check_dW_shape(answer, layer=2):
    """Exercise 1: the shape of dW{layer} for layer sizes SIZES and M examples, as a tuple."""
    n, m = SIZES, M
    expected = (n[layer], n[layer - 1])
    got = as_shape(answer, name=f"the shape of dW{layer}")
    if isinstance(got, Feedback):
        return got
    if got == expected:
        return Feedback(True, "dW has the shape of W: one entry per weight.")
    if got == expected[::-1]:
        return Feedback(False, "that is the transpose: W{l} maps n_{l-1} inputs to n_l outputs, "
                               "so its rows are the units of layer l.")
    if got in ((n[layer], m), (n[layer - 1], m)):
        return Feedback(False, "that is the shape of a dZ or an A (one column per example); "
                               "dW sums over the examples, so m does not appear.")
    if got == (n[layer], 1):
        return Feedback(False, "that is the shape of db; dW has one column per input of the layer.")
    return Feedback(False, "dW{l} has the shape of W{l}, (n_l, n_{l-1}).")


def check_forward_cost(answer):
    """Exercise 2: multiplications of one forward pass (the products W A) for SIZES, M."""
    n, m = SIZES, M
    expected = multiplication_counts(n, m)["forward"]
    per_example = expected // m
    with_bias = m * (per_example + sum(n[1:]))
    diagnoses = [
        (per_example, f"that is the count for one example; the batch has m = {m}."),
        (with_bias, "adding b is an addition, not a multiplication: count only W A."),
        (m * n[0] * n[1] * n[2], "the layers' products are done one after the other, so their "
                                 "counts add; they do not multiply."),
    ]
    return check_count(answer, expected, name="the count", diagnoses=diagnoses,
                       praise="one multiplication per weight per example.")


def _inputs(seed, shapes):
    rng = np.random.default_rng(seed)
    return [tuple(rng.normal(size=s) for s in pair) for pair in shapes]


def check_weight_gradient(fn):
    """Exercise 3: weight_gradient(dZ, A_prev) -> dW, with dZ already carrying the 1/m."""
    inputs = _inputs(4, [((2, 3), (4, 3)), ((3, 5), (2, 5)), ((1, 1), (2, 1))])
    diagnoses = [
        (lambda dZ, A: dZ @ A.T / dZ.shape[1],
         "this divides by m, but dZ is already a true partial derivative of the mean loss "
         "(the 1/m entered once, in dA_L): dividing again applies 1/m twice."),
        (lambda dZ, A: dZ.sum(axis=1, keepdims=True) * A.sum(axis=1, keepdims=True).T,
         "sum the products example by example (a matrix product), not the products of sums."),
    ]
    return check_function(fn, lambda dZ, A: dZ @ A.T, inputs, name="weight_gradient",
                          diagnoses=diagnoses)


def _one_hot_inputs(seed):
    rng = np.random.default_rng(seed)
    out = []
    for n, m in ((3, 4), (5, 2), (2, 6)):
        Y = np.zeros((n, m))
        Y[rng.integers(0, n, size=m), np.arange(m)] = 1
        out.append((rng.normal(size=(n, m)), Y))
    return out


def softmax(Z):
    """softmax over each column (one example per column), shifted by the column max."""
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def check_softmax_error(fn):
    """Exercise 4: output_error(Z, Y) -> dL/dZ_L for softmax + mean cross-entropy."""
    diagnoses = [
        (lambda Z, Y: softmax(Z) - Y,
         "the loss is the mean over the m examples: divide by m (here, in dZ_L, and nowhere "
         "later)."),
        (lambda Z, Y: (Z - Y) / Z.shape[1],
         "apply softmax to the logits first: the output error is (y_hat - y) / m with "
         "y_hat = softmax(Z)."),
        (lambda Z, Y: (np.exp(Z) / np.exp(Z).sum() - Y) / Z.shape[1],
         "softmax normalizes each column (each example) separately: sum over axis 0."),
        (lambda Z, Y: (softmax(Z.T).T - Y) / Z.shape[1],
         "your softmax normalizes each row (a sum over axis 1); each column is one example, "
         "so sum over axis 0, keepdims=True."),
        (lambda Z, Y: (softmax(Z) - Y) / Z.size,
         "you divided by n_L * m (Z.size); the mean cross-entropy averages over the m "
         "examples only (Z.shape[1]): the sum over the n_L classes belongs to each "
         "example's loss."),
    ]
    return check_function(fn, lambda Z, Y: (softmax(Z) - Y) / Z.shape[1], _one_hot_inputs(5),
                          name="output_error", diagnoses=diagnoses)


ZEROS_OPTIONS = ("falls as with xavier", "stays where it started", "diverges")
ZEROS_SYNONYMS = {"falls": ZEROS_OPTIONS[0], "stays": ZEROS_OPTIONS[1],
                  "stays the same": ZEROS_OPTIONS[1], "unchanged": ZEROS_OPTIONS[1]}


def check_zeros_prediction(answer):
    """Exercise 5: predict what training from all-zero weights does, then verify it."""
    invalid = as_choice(answer, ZEROS_OPTIONS, synonyms=ZEROS_SYNONYMS)
    if isinstance(invalid, Feedback):  # before the training run
        return invalid
    from ..figures import training  # the chapter's two-moons figure (imports matplotlib)

    r = training.compute(lr=1.0, init="zeros", scale=1.0)
    if r.diverged:
        truth = ZEROS_OPTIONS[2]
    elif abs(r.loss[-1] - r.loss[0]) < 1e-3 * r.loss[0]:
        truth = ZEROS_OPTIONS[1]
    else:
        truth = ZEROS_OPTIONS[0]
    right = ("with every weight zero, the hidden activations tanh(0) are zero, so dW2 = dZ2 A1ᵀ "
             "is zero, and dA1 = W2ᵀ dZ2 is zero too: no weight ever moves. The output bias's "
             "gradient, σ(b2) - ȳ, is exactly zero as well, because the classes are balanced: "
             "nothing moves at all.")
    if truth != ZEROS_OPTIONS[1]:
        right = f"the computation agrees: the loss {truth}."
    wrong = ("move the initialization control to 'zeros' and look; then write down dW2 and dA1 "
             "for W1 = 0 and W2 = 0.")
    return check_choice(answer, ZEROS_OPTIONS, truth, right, wrong, synonyms=ZEROS_SYNONYMS)


CACHE_SIZES, CACHE_M = (784, 256, 128, 10), 64  # exercise 6: layer sizes and batch size


@functools.lru_cache(maxsize=1)
def _expected_cache_bytes():
    # counted from a real forward pass of a 784-256-128-10 network: once, not per answer
    from ..reference import cache_bytes

    return cache_bytes(CACHE_SIZES, CACHE_M)


def check_cache_bytes(answer):
    """Exercise 6: bytes of the forward cache (A0 = X, every Z{l} and A{l}) in float64."""
    n, m = CACHE_SIZES, CACHE_M
    expected = _expected_cache_bytes()
    hidden = sum(n[1:])
    diagnoses = [
        (8 * m * 2 * hidden, "the input X = A0 is kept too: dW1 = dZ1 A0^T needs it."),
        (8 * m * (n[0] + hidden),
         "the library keeps every Z{l} as well as A{l} (its f' reads Z), and the question "
         "counts what it keeps; a framework that computes f' from A alone could drop the "
         "Z{l}, which is your count."),
        (expected // 2, "that is float32 (4 bytes a number); the network is float64."),
        (expected // 8, "that counts numbers; each float64 number takes 8 bytes."),
        (expected // m, f"that is one example; the batch has m = {m} columns."),
        (8 * sum(a * b + a for a, b in zip(n[1:], n[:-1], strict=True)),
         "that is the weights and biases; the cache holds activations, one column per example."),
    ]
    return check_count(answer, expected, name="the byte count", diagnoses=diagnoses,
                       praise="8 m (n_0 + 2 (n_1 + ... + n_L)) bytes, growing with batch "
                              "and depth.")

