"""Checkers for the exercises of chapter "Backpropagation against its alternatives".

1. `check_fd_passes(answer)`: the forward passes central differences need (a count).
2. `check_layer_tangent(fn)`: the tangent of one layer's pre-activation (forward mode).
3. `check_es_estimate(fn)`: the antithetic evolution-strategies gradient estimate.
4. `check_pass_prediction(answer)`: predict how the passes of reverse and forward mode grow
   with P, then the checker counts them.
5. `check_jacobian_passes(answer)`: the backward passes reverse mode needs for the Jacobian
   of a network's JACOBIAN_OUTPUTS outputs with respect to its JACOBIAN_INPUTS inputs.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import alternatives as alt
from ..network import Network
from .checking import check_count, check_function, judge_pair

CHOICES = ("stays the same", "doubles", "squares", "halves")
SYNONYMS = {"the same": "stays the same", "same": "stays the same",
            "unchanged": "stays the same", "double": "doubles", "square": "squares",
            "halve": "halves"}


@functools.lru_cache(maxsize=1)
def _fd_counts():
    """(passes measured by alternatives.finite_differences, P) for Network([2, 3, 1])."""
    net = Network([2, 3, 1], ["tanh", "sigmoid"], loss="bce", seed=0)
    X = np.array([[0.5, -1.0], [1.0, 0.2]])
    Y = np.array([[1.0, 0.0]])
    return alt.finite_differences(net, X, Y).forward_passes, net.n_params  # measured


def check_fd_passes(answer):
    """Exercise 1: forward passes central differences need for Network([2, 3, 1])."""
    expected, P = _fd_counts()
    diagnoses = [
        (P, "that is one pass per parameter; a central difference evaluates the loss twice "
            "per parameter, at w + eps and at w - eps."),
        (P + 1, "that is the count for forward differences (one shared L(w) plus one per "
                "parameter); central differences step both ways."),
        (2 ** P, "the cost is not exponential: each parameter needs its own passes, so it "
                 "grows linearly with P."),
    ]
    return check_count(answer, expected, name="your count", diagnoses=diagnoses,
                       praise="two loss evaluations for each of the P parameters.")


def layer_tangent(W, b, A_prev, dW, db, dA_prev):
    """Reference: the tangent dZ of Z = W A_prev + b."""
    return dW @ A_prev + W @ dA_prev + db


def check_layer_tangent(fn):
    """Exercise 2: the tangent of one layer's pre-activation, dZ from dW, db and dA_prev."""
    rng = np.random.default_rng(11)
    inputs = []
    for n_out, n_in, m in ((2, 3, 4), (3, 2, 1)):
        inputs.append((rng.standard_normal((n_out, n_in)), rng.standard_normal((n_out, 1)),
                       rng.standard_normal((n_in, m)), rng.standard_normal((n_out, n_in)),
                       rng.standard_normal((n_out, 1)), rng.standard_normal((n_in, m))))
    return check_function(
        fn, layer_tangent, inputs, name="your layer_tangent", rtol=1e-9,
        diagnoses=[
            (lambda W, b, A, dW, db, dA: dW @ A + db,
             "the term W dA_prev is missing: the input of the layer moves too when an "
             "earlier layer's parameters move."),
            (lambda W, b, A, dW, db, dA: W @ dA + db,
             "the term dW A_prev is missing: the product rule gives dW A + W dA."),
            (lambda W, b, A, dW, db, dA: dW @ A + W @ dA,
             "the bias's tangent db is missing."),
        ],
        praise="that is the product rule for W A + b; the activation then multiplies it "
               "by f'(Z).")


def es_reference(f, theta, sigma, E):
    """Reference antithetic estimate: rows of E are the perturbations e_k."""
    diffs = np.array([f(theta + sigma * e) - f(theta - sigma * e) for e in E])
    return diffs @ E / (2 * sigma * len(E))


def _quadratic(theta):
    return float(np.sum(theta ** 2) + theta[0] ** 3 + 0.5 * theta[0] * theta[1])


def check_es_estimate(fn):
    """Exercise 3: es_estimate(f, theta, sigma, E), the antithetic ES gradient estimate."""
    rng = np.random.default_rng(3)
    inputs = [(_quadratic, rng.standard_normal(2), 0.1, rng.standard_normal((5, 2))),
              (_quadratic, rng.standard_normal(3), 0.5, rng.standard_normal((4, 3)))]

    def one_sided(f, theta, sigma, E):
        return np.array([f(theta + sigma * e) - f(theta) for e in E]) @ E / (sigma * len(E))

    def no_mean(f, theta, sigma, E):
        return es_reference(f, theta, sigma, E) * len(E)

    return check_function(
        fn, es_reference, inputs, name="your es_estimate", rtol=1e-9,
        diagnoses=[
            (one_sided, "that is the one-sided estimate (f(theta + sigma e) - f(theta)) e / "
                        "sigma; the antithetic pair uses theta - sigma e, not theta."),
            (no_mean, "you sum over the N perturbations; the estimate is their mean."),
        ],
        praise="that is the antithetic estimate of the smoothed loss's gradient.")


@functools.lru_cache(maxsize=1)
def pass_ratios():
    """(reverse-mode ratio, forward-mode ratio) of passes when P roughly doubles."""
    from ..figures.alternatives import problem

    small, X, Y = problem(8)
    large, _, _ = problem(12)
    out = []
    for method in ("backprop", "forward_mode"):
        a = alt.gradient(method, small, X, Y).passes
        b = alt.gradient(method, large, X, Y).passes
        out.append(b / a)
    return out[0], out[1], large.n_params / small.n_params


def check_pass_prediction(answer):
    """Exercise 4: when P doubles, what happens to the passes of reverse and forward mode?

    answer: a pair of words from CHOICES, (reverse mode, forward mode).
    """
    if answer is None:
        return judge_pair(None, CHOICES, (), "", "", ())
    reverse, forward, growth = pass_ratios()
    truth = ("stays the same" if reverse == 1 else "doubles",
             "doubles" if abs(forward - growth) < 0.01 else "stays the same")
    return judge_pair(
        answer, CHOICES, truth, what="(reverse mode, forward mode)", synonyms=SYNONYMS,
        labels=("reverse mode", "forward mode"),
        praise=f"measured: P grew by {growth:.2f}x, reverse-mode passes by {reverse:.2f}x, "
               f"forward-mode passes by {forward:.2f}x.",
        hints=("reconsider reverse mode: how many backward passes does one scalar loss "
               "need, whatever the number of parameters?",
               "reconsider forward mode: one tangent pass gives the derivative along one "
               "direction; how many directions make up the gradient?"))


#: Exercise 5: a classifier of 28 x 28 images, with this many inputs and outputs.
JACOBIAN_INPUTS, JACOBIAN_OUTPUTS = 784, 10


def check_jacobian_passes(answer):
    """Exercise 5: backward passes for the (JACOBIAN_OUTPUTS, JACOBIAN_INPUTS) Jacobian of a
    network's outputs with respect to its inputs, for one example.

    A backward pass seeded with dA^[L] = e_k (one output) gives row k, the derivatives of
    output k with respect to every input: one pass per output.
    """
    n_in, n_out = JACOBIAN_INPUTS, JACOBIAN_OUTPUTS
    diagnoses = [
        (n_in, "that is forward mode's count, one tangent pass per input direction; a "
               "backward pass starts from one output and gives a whole row of the Jacobian."),
        (1, "one backward pass gives the gradient of one scalar, such as a loss; here each "
            "output is its own scalar, and each needs its own pass, seeded with dA^[L] set "
            "to a unit vector."),
        (n_in * n_out, "that is one pass per entry of the Jacobian; one backward pass gives a "
                       "whole row: the derivatives of one output with respect to all the "
                       "inputs."),
        (2 * n_out, "count the backward passes only: one forward pass, which stores the "
                    "activations, serves all of them."),
        (n_out + 1, "count the backward passes only: the one forward pass that stores the "
                    "activations serves all of them."),
    ]
    return check_count(answer, n_out, name="your count", diagnoses=diagnoses,
                       praise="one backward pass per output, each giving one row of the "
                              "Jacobian; forward mode would need one pass per input.")
