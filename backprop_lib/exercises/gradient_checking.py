"""Checkers for the exercises of chapter "Gradient checking".

1. `check_central_difference(answer)`: the central difference of w^3 at w = 2, eps = 0.1.
2. `check_relative_error(fn)`: a function relative_error(g, n), including the case where
   both gradients are zero.
3. `check_scaling_prediction(answer)`: predict what multiplying the loss by 1000 does to the
   absolute difference and to the relative error, then the checker measures it.
4. `check_mse_gradient(fn)`: the corrected derivative of the mean squared error.
5. `check_forward_step(answer)`: the power of ten of the best step of a forward difference in
   float64 (about sqrt(u)), which `forward_difference_errors` measures.
"""

from __future__ import annotations

import functools

import numpy as np

from .checking import check_function, check_scalar, judge_pair

CHOICES = ("grows", "shrinks", "stays the same")
SYNONYMS = {"grow": "grows", "shrink": "shrinks", "the same": "stays the same",
            "same": "stays the same", "unchanged": "stays the same"}


def _cube(w):
    return w ** 3


def check_central_difference(answer):
    """Exercise 1: the central difference of f(w) = w^3 at w = 2 with eps = 0.1."""
    w, eps = 2.0, 0.1
    expected = (_cube(w + eps) - _cube(w - eps)) / (2 * eps)
    diagnoses = [
        ((_cube(w + eps) - _cube(w)) / eps,
         "that is the forward difference (f(w + eps) - f(w)) / eps; the central one "
         "steps both ways."),
        ((_cube(w) - _cube(w - eps)) / eps,
         "that is the backward difference (f(w) - f(w - eps)) / eps; the central one "
         "steps both ways."),
        (3 * w ** 2, "that is the exact derivative 3 w^2; the exercise asks for what the "
                     "central difference gives, which differs from it by eps^2."),
    ]
    return check_scalar(answer, expected, name="your central difference", rtol=1e-6,
                        diagnoses=diagnoses,
                        praise="that is the central difference; it differs from the exact "
                               "derivative by eps^2 = 0.01 exactly for a cubic.")


def _test_pairs():
    rng = np.random.default_rng(5)
    g = rng.standard_normal((3, 2))
    return [(g, g + 1e-3 * rng.standard_normal((3, 2))),
            (1e-9 * g, 2e-9 * g),
            (np.array([[1.0, -2.0]]), np.array([[1.5, -2.5]])),
            (np.zeros((2, 2)), np.zeros((2, 2)))]


def relative_error(g, n):
    """The reference: ||g - n|| / (||g|| + ||n||), and 0 when both are zero (as gradcheck)."""
    denominator = np.linalg.norm(g) + np.linalg.norm(n)
    return 0.0 if denominator == 0 else float(np.linalg.norm(g - n) / denominator)


def check_relative_error(fn):
    """Exercise 2: a function relative_error(g, n) as used by gradcheck."""
    def unguarded(g, n):
        return float(np.linalg.norm(g - n) / (np.linalg.norm(g) + np.linalg.norm(n)))

    def absolute(g, n):
        return float(np.linalg.norm(g - n))

    def over_g(g, n):
        ng = np.linalg.norm(g)
        return 0.0 if ng == 0 else float(np.linalg.norm(g - n) / ng)

    def elementwise_max(g, n):
        d = np.abs(g) + np.abs(n)
        return float(np.max(np.where(d > 0, np.abs(g - n) / np.where(d > 0, d, 1), 0)))

    return check_function(
        fn, relative_error, _test_pairs(), name="your relative_error", rtol=1e-9,
        notes=[None, None, None, "g and n both zero: 0/0, which must give 0"],
        diagnoses=[
            (unguarded, "right except when both gradients are zero: then ||g|| + ||n|| = 0 "
                        "and 0/0 gives NaN. Return 0 in that case (two zero gradients "
                        "agree)."),
            (absolute, "that is the absolute difference ||g - n||: it depends on the scale "
                       "of the loss. Divide by the sizes of both gradients."),
            (over_g, "you divide by ||g|| alone; divide by ||g|| + ||n||, so that the "
                     "error is symmetric and at most 1."),
            (elementwise_max, "you take the largest error entry by entry; gradcheck uses "
                              "the norms of whole arrays."),
        ],
        praise="it matches bp.relative_error, including when both gradients are zero.")


@functools.lru_cache(maxsize=4)
def scaling_effect(factor=1000.0):
    """How the absolute difference ||g - n|| and the relative error change when the
    loss of a correct network is multiplied by `factor` (each: ratio new / old)."""
    from ..figures.gradient_checking import absolute_differences, false_fail_problem

    out = []
    for f in (1.0, factor):
        absolute, check = absolute_differences(*false_fail_problem(f))
        out.append((max(absolute.values()), check.max_relative_error))
    return out[1][0] / out[0][0], out[1][1] / out[0][1]


def _describe(ratio):
    if ratio > 10:
        return "grows"
    if ratio < 0.1:
        return "shrinks"
    return "stays the same"


def check_scaling_prediction(answer):
    """Exercise 3: predict (absolute, relative) when the loss is multiplied by 1000.

    answer: a pair of words from CHOICES, e.g. ("grows", "shrinks").
    """
    if answer is None:
        return judge_pair(None, CHOICES, (), "", "", ())
    abs_ratio, rel_ratio = scaling_effect()
    return judge_pair(
        answer, CHOICES, (_describe(abs_ratio), _describe(rel_ratio)), synonyms=SYNONYMS,
        what="one for the absolute difference, one for the relative error",
        labels=("the absolute difference", "the relative error"),
        praise=f"measured: the absolute difference changed by a factor {abs_ratio:.3g}, "
               f"the relative error by {rel_ratio:.3g}.",
        hints=("think about the absolute difference again: both gradients are multiplied "
               "by the same factor, and so is their difference.",
               "think about the relative error again: what happens to a ratio when its top "
               "and bottom are multiplied by the same factor?"))


def check_mse_gradient(fn):
    """Exercise 4: fix the planted "loss_without_half" bug: dL/dA for L = mean of (A - Y)^2
    over all entries."""
    rng = np.random.default_rng(7)
    inputs = [(rng.standard_normal((1, 5)), rng.standard_normal((1, 5))),
              (rng.standard_normal((3, 4)), rng.standard_normal((3, 4)))]

    def mse_gradient(A, Y):
        return 2 * (A - Y) / A.size

    def half_mse_gradient(A, Y):
        return (A - Y) / A.shape[1]

    def per_example_only(A, Y):
        return 2 * (A - Y) / A.shape[1]

    return check_function(
        fn, mse_gradient, inputs, name="your mse gradient", rtol=1e-9,
        diagnoses=[
            (half_mse_gradient, "that is the planted bug's derivative, (y_hat - y) / m, "
                                "the derivative of the loss with the 1/2: without "
                                "the 1/2, the square's derivative brings a 2."),
            (per_example_only, "right for one output unit, but the mean runs over all "
                               "n_L * m entries: divide by A.size."),
            (lambda A, Y: -2 * (A - Y) / A.size, "the sign is flipped: the derivative of "
                                                 "(a - y)^2 with respect to a is 2 (a - y)."),
        ],
        praise="that is the derivative of mean((A - Y)^2); gradcheck now passes.")


#: The unit roundoff of float64 (half its machine epsilon), as in the chapter.
U64 = float(np.finfo(np.float64).eps) / 2


def check_forward_step(answer):
    """Exercise 5: the exponent k of the best step eps ~ 10^k of a forward difference in
    float64, within half a decade. Balancing the truncation error eps |L''| / 2 against the
    rounding error u |L| / eps gives eps = sqrt(2 u |L| / |L''|), of the order of sqrt(u).

    Every diagnosed exponent is a whole number, like the answer: where a diagnosis and a
    generic candidate (the flipped sign, 2 x, x / 2) meet, they sit at the same number with
    the same window of half a decade, so the HTML page's rule (`in_page`) gives the
    checker's own verdict everywhere.
    """
    expected = round(np.log10(np.sqrt(U64)))
    u32 = float(np.finfo(np.float32).eps) / 2
    return check_scalar(answer, expected, name="your exponent", rtol=0.0, atol=0.5, diagnoses=[
        (round(np.log10(U64 ** (1 / 3))),
         "that is the central difference's best step, u^(1/3), which balances an error of "
         "order eps^2 against u / eps. The forward difference's truncation error is of order "
         "eps: balance eps against u / eps."),
        (-6, "10^-6 is the library's default step for central differences. Balance the "
             "forward difference's truncation error, of order eps, against the rounding "
             "error u / eps."),
        (round(np.log10(U64)),
         "eps = u is far too small: L(w + eps) and L(w) would differ only in their last "
         "bit, so the rounding error u / eps is of order 1."),
        (round(np.log10(np.sqrt(u32))),
         "that is sqrt(u) for float32's u; the exercise asks about float64."),
        (-expected, "a step must be small: the exponent is negative."),
        (0, "give the exponent k, not eps itself: for eps = 10^-3 the answer is -3."),
    ], praise="balancing eps |L''| / 2 against u |L| / eps puts the best step at about "
              "sqrt(u), half the exponent of u; the error there is of the order of sqrt(u) "
              "too, far above the central difference's best, of the order of u^(2/3).")


def forward_difference_errors(net, X, Y, eps_values):
    """The relative error of forward differences (L(w + eps) - L(w)) / eps against `net`'s
    backpropagation gradient, over all parameters at once, for each step in `eps_values`."""
    params = net.params
    grads = net.gradients(X, Y)
    reference = np.concatenate([grads["d" + name].ravel() for name in params])
    base = net.loss(X, Y)
    errors = []
    for eps in eps_values:
        estimate = []
        for name in params:
            p = params[name]
            for idx in np.ndindex(p.shape):
                old = p[idx]
                p[idx] = old + eps
                estimate.append((net.loss(X, Y) - base) / eps)
                p[idx] = old
        errors.append(relative_error(np.array(estimate), reference))
    return np.array(errors)
