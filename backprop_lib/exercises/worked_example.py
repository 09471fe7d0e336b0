"""Checkers for the exercises of chapter "The worked 2-2-1 example".

Each checker takes the learner's answer and returns a Feedback (see checking.py); none
prints the expected value. The expected values are computed here with backprop_lib from
the example's setup, never typed in.
"""

from __future__ import annotations

import numpy as np

from ..figures.worked_example import one_update, worked_network
from .checking import NO_ANSWER, check_choice, check_function, check_scalar

__all__ = ["check_hidden_error", "check_hidden_z", "check_lr_prediction",
           "check_new_weight_by_hand", "check_output_error", "sigmoid_gradient_reference"]


def _trace():
    net, X, Y = worked_network()
    return net, X, Y, net.trace(X, Y)


def check_hidden_z(answer):
    """Exercise 1: z of the second hidden unit, z_2^[1], computed by hand."""
    net, X, _, t = _trace()
    W, b = net.params["W1"], net.params["b1"]
    x = X[:, 0]
    diagnoses = [
        (W[1] @ x, "the bias b is missing: z = w·x + b."),
        (W[:, 1] @ x + b[1, 0], "you used a column of W1 instead of a row: unit i's weights are "
                                "row i of W1 (W1 has shape (n_1, n_0))."),
        (t["A1"][1, 0], "that is the activation a = σ(z), one step too far: the question asks "
                        "for z, before the sigmoid."),
        (t["Z1"][0, 0], "that is z of the first hidden unit; the question asks for the second."),
        # before the generic sign message, which speaks of gradients: z has no step direction
        (-t["Z1"][1, 0], "the sign is flipped: every weight, input and bias here is positive, "
                         "so z = w·x + b is positive."),
    ]
    return check_scalar(answer, t["Z1"][1, 0], name="z_2^[1]", rtol=1e-3, diagnoses=diagnoses)


def check_output_error(answer):
    """Exercise 2: the output error dZ2 = dL/dz^[2] of the example (half MSE, sigmoid)."""
    _, _, Y, t = _trace()
    a, y = t["A2"][0, 0], Y[0, 0]
    diagnoses = [
        (a - y, "that is dL/dŷ = ŷ − y only: multiply by the sigmoid's derivative ŷ(1 − ŷ)."),
        ((a - y) * a, "the sigmoid's derivative is ŷ(1 − ŷ), not ŷ."),
        ((a - y) * (1 - a), "the sigmoid's derivative is ŷ(1 − ŷ): a factor ŷ is missing."),
    ]
    return check_scalar(answer, t["dZ2"][0, 0], name="dZ2", rtol=1e-3, diagnoses=diagnoses)


def sigmoid_gradient_reference(W2, dZ2, A1):
    """The reference answer of exercise 3: dZ1 = (W2^T dZ2) * A1 (1 - A1)."""
    return (W2.T @ dZ2) * A1 * (1 - A1)


def check_hidden_error(fn):
    """Exercise 3: a function hidden_error(W2, dZ2, A1) returning dZ1 for sigmoid hidden units.

    Tested on the example and on random shapes (several hidden units and examples), so an
    answer that only works for 2 hidden units and one example is caught.
    """
    rng = np.random.default_rng(3)
    _, _, _, t = _trace()
    net, _, _ = worked_network()
    inputs = [(net.params["W2"].copy(), t["dZ2"].copy(), t["A1"].copy())]
    for n1, n2, m in ((3, 2, 4), (4, 1, 5)):
        inputs.append((rng.normal(size=(n2, n1)), rng.normal(size=(n2, m)),
                       rng.uniform(0.05, 0.95, size=(n1, m))))
    diagnoses = [
        (lambda W2, dZ2, A1: W2.T @ dZ2,
         "that is dA1 = W2ᵀ dZ2; multiply it elementwise by the sigmoid's derivative A1 (1 − A1)."),
        (lambda W2, dZ2, A1: (W2.T @ dZ2) * A1,
         "the sigmoid's derivative is A1 (1 − A1), not A1."),
        (lambda W2, dZ2, A1: (W2.T @ dZ2) * (1 / (1 + np.exp(-A1))) * (1 - 1 / (1 + np.exp(-A1))),
         "you applied the sigmoid to A1 again: A1 is already σ(Z1), so σ'(Z1) = A1 (1 − A1)."),
    ]
    return check_function(fn, sigmoid_gradient_reference, inputs, name="hidden_error",
                          diagnoses=diagnoses)


LR_OPTIONS = ("higher than before the step", "lower than before the step")
LR_SYNONYMS = {"higher": LR_OPTIONS[0], "lower": LR_OPTIONS[1]}
#: Exercise 4's setting: the target moved inside (0, 1), one step at a large learning rate.
LR_TARGET, LR_RATE = 0.9, 100.0


def check_lr_prediction(answer, lr=LR_RATE, y=LR_TARGET):
    """Exercise 4: with the target set to `y` (default 0.9), predict whether one step from
    the hand-set weights at learning rate `lr` (default 100) leaves the loss higher or lower
    than before the step; the checker computes the step."""
    if answer is None:
        return NO_ANSWER
    net, X, _ = worked_network()
    u = one_update(net, X, np.array([[y]]), lr)
    truth = LR_OPTIONS[0] if u.loss_after > u.loss_before else LR_OPTIONS[1]
    passed = u.prediction_after > y > u.prediction_before
    ceiling = 0.5 * (1 - y) ** 2  # the loss if the step carried y_hat all the way to 1
    if truth == LR_OPTIONS[1] and passed:
        right = (f"the step does overshoot (ŷ climbs past {y:g}), but a sigmoid's output stays "
                 f"below 1, so the loss can grow no larger than ½(1 − {y:g})² = {ceiling:.4f}, "
                 f"less than the {u.loss_before:.4f} before the step.")
        wrong = (f"ŷ does climb past {y:g}; now ask how far it can go. A sigmoid stays below 1: "
                 f"compare ½(1 − {y:g})² with the loss before the step.")
    else:
        right = f"the computation agrees: the loss after one step at {lr:g} is {truth}."
        wrong = (f"follow ŷ: every gradient has the sign of ŷ − y, so the step moves ŷ toward "
                 f"{y:g}, by more the larger the rate; then compare the loss where it lands "
                 "with the loss before the step.")
    return check_choice(answer, LR_OPTIONS, truth, right, wrong, synonyms=LR_SYNONYMS)


def check_new_weight_by_hand(answer, lr=0.5):
    """Exercise 5: W1[2,2] after one step at `lr`, computed by hand from Figure 1's values
    (x2 and the weight at step 1, h2's dZ at step 10)."""
    net, X, _, t = _trace()
    w, x2, dz = net.params["W1"][1, 1], X[1, 0], t["dZ1"][1, 0]
    diagnoses = [
        (w + lr * dz * x2, "the update subtracts: w ← w − α·dW, and dW = dZ·x₂ is negative "
                           "here, so the weight grows."),
        (w - dz * x2, "the learning rate is missing: w ← w − α·dW with α = 0.5."),
        (w - lr * dz, "dW is dZ times the input at the edge's start: dW = dZ·x₂, not dZ."),
        (w - lr * dz * X[0, 0], "the edge into h₂ from x₂ carries x₂ = 0.8, not x₁."),
        (w - lr * t["dA1"][1, 0] * x2, "that uses dA of h₂; the gradient needs dZ = dA·a(1 − a), "
                                       "the error after the sigmoid."),
        (w - lr * t["dZ1"][0, 0] * x2, "that uses dZ of h₁; the edge ends at h₂."),
        (dz * x2, "that is the gradient dW itself; the question asks for the new weight."),
    ]
    return check_scalar(answer, w - lr * dz * x2, name="the new W1[2,2]", rtol=5e-4,
                        diagnoses=diagnoses)
