"""Checkers for the exercises of chapter "The worked 2-2-1 example".

Each checker takes the learner's answer and returns a Feedback (see checking.py); none
prints the expected value. The expected values are computed here with backprop_lib from
the example's setup, never typed in (`page_facts`); what each exercise checks (the
diagnoses and their messages) is written once, in `worked_example_page`, which the HTML
book's page runs too, without NumPy, on the same facts.
"""

from __future__ import annotations

import numpy as np

from ..figures.worked_example import one_update, worked_network
from .checking import NO_ANSWER, check_function, check_scalar
from .worked_example_page import (  # noqa: F401 (the chapter's names, re-exported)
    HIDDEN_ERROR,
    HIDDEN_ERROR_MISTAKES,
    LR_OPTIONS,
    LR_RATE,
    LR_SYNONYMS,
    LR_TARGET,
    hidden_z_check,
    lr_prediction,
    new_weight_check,
    output_error_check,
)

__all__ = ["check_hidden_error", "check_hidden_z", "check_lr_prediction",
           "check_new_weight_by_hand", "check_output_error", "page_facts",
           "sigmoid_gradient_reference"]


def _trace():
    net, X, Y = worked_network()
    return net, X, Y, net.trace(X, Y)


def _hidden_z_facts():
    net, X, _, t = _trace()
    W, b = net.params["W1"], net.params["b1"]
    x = X[:, 0]
    return {"z2": float(t["Z1"][1, 0]), "z1": float(t["Z1"][0, 0]), "a2": float(t["A1"][1, 0]),
            "no_bias": float(W[1] @ x), "column": float(W[:, 1] @ x + b[1, 0])}


def check_hidden_z(answer):
    """Exercise 1: z of the second hidden unit, z_2^[1], computed by hand."""
    return check_scalar(answer, **hidden_z_check(_hidden_z_facts()))


def _output_error_facts():
    _, _, Y, t = _trace()
    return {"a": float(t["A2"][0, 0]), "y": float(Y[0, 0]), "dZ2": float(t["dZ2"][0, 0])}


def check_output_error(answer):
    """Exercise 2: the output error dZ2 = dL/dz^[2] of the example (half MSE, sigmoid)."""
    return check_scalar(answer, **output_error_check(_output_error_facts()))


def sigmoid_gradient_reference(W2, dZ2, A1):
    """The reference answer of exercise 3: dZ1 = (W2^T dZ2) * A1 (1 - A1)."""
    return (W2.T @ dZ2) * A1 * (1 - A1)


#: Exercise 3's mistakes, as functions (their messages: HIDDEN_ERROR_MISTAKES).
_HIDDEN_ERROR_WRONG = (
    lambda W2, dZ2, A1: W2.T @ dZ2,
    lambda W2, dZ2, A1: (W2.T @ dZ2) * A1,
    lambda W2, dZ2, A1: (W2.T @ dZ2) * (1 / (1 + np.exp(-A1))) * (1 - 1 / (1 + np.exp(-A1))),
)


def _hidden_error_inputs():
    rng = np.random.default_rng(3)
    _, _, _, t = _trace()
    net, _, _ = worked_network()
    inputs = [(net.params["W2"].copy(), t["dZ2"].copy(), t["A1"].copy())]
    for n1, n2, m in ((3, 2, 4), (4, 1, 5)):
        inputs.append((rng.normal(size=(n2, n1)), rng.normal(size=(n2, m)),
                       rng.uniform(0.05, 0.95, size=(n1, m))))
    return inputs


def check_hidden_error(fn):
    """Exercise 3: a function hidden_error(W2, dZ2, A1) returning dZ1 for sigmoid hidden units.

    Tested on the example and on random shapes (several hidden units and examples), so an
    answer that only works for 2 hidden units and one example is caught.
    """
    return check_function(fn, sigmoid_gradient_reference, _hidden_error_inputs(),
                          **HIDDEN_ERROR, diagnoses=list(
                              zip(_HIDDEN_ERROR_WRONG, HIDDEN_ERROR_MISTAKES, strict=True)))


def _lr_facts(lr, y):
    net, X, _ = worked_network()
    u = one_update(net, X, np.array([[y]]), lr)
    return {"lr": lr, "y": y, **{k: float(getattr(u, k)) for k in (
        "loss_before", "loss_after", "prediction_before", "prediction_after")}}


def check_lr_prediction(answer, lr=LR_RATE, y=LR_TARGET):
    """Exercise 4: with the target set to `y` (default 0.9), predict whether one step from
    the hand-set weights at learning rate `lr` (default 100) leaves the loss higher or lower
    than before the step; the checker computes the step."""
    if answer is None:
        return NO_ANSWER
    return lr_prediction(answer, _lr_facts(lr, y))


def _new_weight_facts():
    net, X, _, t = _trace()
    return {"w": float(net.params["W1"][1, 1]), "x1": float(X[0, 0]), "x2": float(X[1, 0]),
            "dz": float(t["dZ1"][1, 0]), "dz_h1": float(t["dZ1"][0, 0]),
            "da": float(t["dA1"][1, 0])}


def check_new_weight_by_hand(answer, lr=0.5):
    """Exercise 5: W1[2,2] after one step at `lr`, computed by hand from Figure 1's values
    (x2 and the weight at step 1, h2's dZ at step 10)."""
    return check_scalar(answer, **new_weight_check(_new_weight_facts(), lr))


def page_facts() -> dict:
    """What the page's checkers (`worked_example_page.checks`) need, computed with the
    library as JSON-ready data: the same numbers this module's checkers use."""
    inputs = _hidden_error_inputs()
    return {"hidden_z": _hidden_z_facts(), "output_error": _output_error_facts(),
            "lr_prediction": _lr_facts(LR_RATE, LR_TARGET), "new_weight": _new_weight_facts(),
            "hidden_error": {
                "inputs": [[a.tolist() for a in args] for args in inputs],
                "expected": [sigmoid_gradient_reference(*args).tolist() for args in inputs],
                "wrong": [[w(*args).tolist() for args in inputs] for w in _HIDDEN_ERROR_WRONG]}}
