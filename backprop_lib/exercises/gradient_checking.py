"""Checkers for the exercises of chapter "Gradient checking".

1. `check_central_difference(answer)`: the central difference of w^3 at w = 2, eps = 0.1.
2. `check_relative_error(fn)`: a function relative_error(g, g_num), including the case where
   both gradients are zero.
3. `check_scaling_prediction(answer)`: predict what multiplying the loss by 1000 does to the
   absolute difference and to the relative error, then the checker measures it.
4. `check_mse_gradient(fn)`: the corrected derivative of the mean squared error.
5. `check_forward_step(answer)`: the power of ten of the best step of a forward difference in
   float64 (about sqrt(u)), which `forward_difference_errors` measures.
6. `check_taken_step(answer)`: the step h = fl(w + eps) - w that float32 actually takes at
   w = 0.5 for eps = 1e-7.
7. `check_miss_probability(answer)`: the probability that 10 sampled entries all miss a bug
   confined to one of 256 rows.
8. `check_dependency_prediction(answer)`: predict what a gradient check and the dependency
   check say of a network that normalizes over the batch axis by mistake.
9. `check_complex_step(fn)`: a function complex_step(f, x, h) = Im f(x + i h) / h.
"""

from __future__ import annotations

import numpy as np

from ..run_cache import memo
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


def relative_error(g, g_num):
    """The reference: ||g - g~|| / (||g|| + ||g~||), and 0 when both are zero (as gradcheck);
    g~ (`g_num`) is the numerical gradient."""
    denominator = np.linalg.norm(g) + np.linalg.norm(g_num)
    return 0.0 if denominator == 0 else float(np.linalg.norm(g - g_num) / denominator)


def _guarded(top, bottom):
    return 0.0 if bottom == 0 else float(top / bottom)


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

    def over_max(g, n):
        return _guarded(np.linalg.norm(g - n), max(np.linalg.norm(g), np.linalg.norm(n)))

    def over_sum(g, n):
        return _guarded(np.linalg.norm(g - n), np.linalg.norm(g + n))

    def squared(g, n):
        return _guarded(np.linalg.norm(g - n) ** 2,
                        np.linalg.norm(g) ** 2 + np.linalg.norm(n) ** 2)

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
            (over_max, "you divide by max(||g||, ||g_num||), the denominator of the CS231n "
                       "notes' element-wise measure; this chapter's measure divides by the "
                       "sum ||g|| + ||g_num||, which bounds it by 1."),
            (over_sum, "you divide by ||g + g_num||, the norm of the sum; divide by the sum "
                       "of the norms, ||g|| + ||g_num||: ||g + g_num|| is 0 for opposite "
                       "gradients, exactly where the error should be 1."),
            (squared, "you square the norms; the measure uses them as they are, "
                      "||g - g_num|| / (||g|| + ||g_num||)."),
        ],
        praise="it matches bp.relative_error, including when both gradients are zero.")


#: Exercise 3 measures at this step, where the truncation error dominates both measures:
#: at 1e-6 the relative error of this network is rounding noise, which multiplying the loss
#: by 1000 (not a power of two) re-draws, so its ratio there says nothing (review m21).
SCALING_EPS = 1e-3


@memo(maxsize=4)
def scaling_effect(factor=1000.0, eps=SCALING_EPS):
    """How the absolute difference ||g - n|| and the relative error change when the
    loss of a correct network is multiplied by `factor` (each: ratio new / old), measured
    at the step `eps`."""
    from ..figures.gradient_checking import absolute_differences, false_fail_problem

    out = []
    for f in (1.0, factor):
        absolute, check = absolute_differences(*false_fail_problem(f), eps=eps)
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
        praise=f"measured at eps = {SCALING_EPS:.0e}, where truncation dominates: the absolute "
               f"difference changed by a factor {abs_ratio:.4g}, the relative error by "
               f"{rel_ratio:.6f}. (At eps = 1e-6 this network's relative error is rounding "
               f"noise, which the new loss re-draws: it moves by a factor of order 1 either "
               f"way, while the true relative error does not change at all.)",
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


#: Exercise 6: float32 at w = 0.5 with the nominal step 1e-7.
TAKEN_W, TAKEN_EPS = 0.5, 1e-7


def taken_step(w=TAKEN_W, eps=TAKEN_EPS, dtype=np.float32):
    """fl(w + eps) - w in `dtype`: the step a parameter stored in that type actually takes."""
    w = np.asarray(w, dtype=dtype)
    return float(np.asarray(w + np.asarray(eps, dtype=dtype), dtype=dtype)) - float(w)


#: Exercise 6 asks for TAKEN_DIGITS significant digits. A number rounded to 3 digits is
#: within 5e-3 of itself (relative; half a unit of the third digit over a leading 1), so
#: the tolerance is that: 1.19e-7 is right (1.8e-3 off 1.1920929e-7), and every diagnosed
#: slip lies far outside it (eps 16%, one spacing 50%, the step down 25%, 2 eps 68%).
TAKEN_DIGITS = 3
TAKEN_RTOL = 0.5 * 10.0 ** (1 - TAKEN_DIGITS)


def taken_step_down(w=TAKEN_W, eps=TAKEN_EPS, dtype=np.float32):
    """w - fl(w - eps) in `dtype`: the step down, which below a power of two counts the
    finer spacing there (at 0.5: 3 spacings of 2^-25, 8.94e-8)."""
    w = np.asarray(w, dtype=dtype)
    return float(w) - float(np.asarray(w - np.asarray(eps, dtype=dtype), dtype=dtype))


def check_taken_step(answer):
    """Exercise 6: the step h = fl(w + eps) - w of float32 at w = 0.5 for eps = 1e-7, to
    TAKEN_DIGITS significant digits."""
    spacing = float(np.spacing(np.float32(TAKEN_W)))
    return check_scalar(answer, taken_step(), name="your step", rtol=TAKEN_RTOL, atol=0.0,
                        diagnoses=[
        # (float64's step is eps to 9 digits, so this message answers it too)
        (TAKEN_EPS, "that is eps itself: w + eps is rounded to a float32 number, and near "
                    "w = 0.5 those are spaced 2^-24 apart. Count how many spacings eps is, "
                    "rounded to the nearest whole number."),
        (spacing, "that is one spacing of float32 near 0.5; eps is more than one and a "
                  "half spacings, and w + eps rounds to the nearest float32 number."),
        (0.0, "eps is larger than half a spacing of float32 near 0.5, so w + eps does not "
              "round back to w."),
        (2 * TAKEN_EPS, "that is the width 2 eps of the central difference; the exercise asks "
                        "for the one step up, fl(w + eps) - w."),
        (taken_step_down(), "that is the step down, w - fl(w - eps): just below 0.5 float32 "
                            "numbers are 2^-25 apart, half as far. The exercise asks for the "
                            "step up, where they are 2^-24 apart."),
    ], praise=f"w + eps rounds to w plus {round(taken_step() / spacing)} spacings of "
              f"2^{int(np.log2(spacing))}: the step taken is {taken_step() / TAKEN_EPS - 1:.0%} "
              "larger than eps, which is why dividing by 2 eps misleads where the loss "
              "itself is computed more precisely than the parameter is stored.")


#: Exercise 7: a bug confined to one of MISS_ROWS rows, MISS_SAMPLES entries sampled.
MISS_ROWS, MISS_SAMPLES = 256, 10


def check_miss_probability(answer):
    """Exercise 7: the probability that MISS_SAMPLES sampled entries, each independently in
    the wrong row with probability 1 / MISS_ROWS, all miss it: (1 - 1/256)^10."""
    p, k = 1 / MISS_ROWS, MISS_SAMPLES
    miss = (1 - p) ** k
    return check_scalar(answer, miss, name="your probability", rtol=1e-4, atol=0.0, diagnoses=[
        (1 - miss, "that is the probability of catching the bug (at least one sample in the "
                   "wrong row); the exercise asks for the probability of missing it."),
        (k * p, "that is about the probability of catching it, k / 256 for small k; the "
                "exercise asks for missing it, exactly."),
        (1 - k * p, "that is the first-order approximation 1 - k/256; give the exact "
                    "probability that every one of the k independent samples misses."),
        (1 - p, "that is the probability that one sample misses; all ten must miss."),
        (p ** k, "that is the probability that all ten samples land in the wrong row."),
    ], praise=f"{miss:.0%}: {k} sampled entries almost always miss a one-row bug, while a "
              "single random direction v sees it (it moves g . v by a normal amount of "
              "spread ||delta||, zero with probability zero).")


DEPENDENCY_CHOICES = ("passes", "fails")


@memo(maxsize=1)
def dependency_verdicts():
    """(gradient check, dependency check) verdicts on the planted batch-axis normalization
    with its exact backward pass, measured."""
    from ..dependency_check import BatchAxisNormNetwork, dependency_matrix, mixed_pairs
    from ..gradcheck import gradcheck

    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 8)), rng.standard_normal((1, 8))
    net = BatchAxisNormNetwork([3, 6, 6, 1], "tanh", loss="half_mse", init="xavier", seed=0)
    grad = "passes" if gradcheck(net, X, Y).passed() else "fails"
    dep = "passes" if mixed_pairs(dependency_matrix(lambda A: net.forward(A), X)) == 0 \
        else "fails"
    return grad, dep


def check_dependency_prediction(answer):
    """Exercise 8: predict (gradient check, dependency check) for a network that normalizes
    over the batch axis by mistake, with a backward pass that differentiates exactly that."""
    if answer is None:
        return judge_pair(None, DEPENDENCY_CHOICES, (), "", "", ())
    return judge_pair(
        answer, DEPENDENCY_CHOICES, dependency_verdicts(),
        synonyms={"pass": "passes", "fail": "fails", "passed": "passes", "failed": "fails"},
        what="one for the gradient check of the mean loss, one for the dependency check",
        labels=("the gradient check", "the dependency check"),
        praise="measured: the gradient check passes, because the backward pass is the exact "
               "derivative of what the forward pass computes, and the dependency check fails, "
               "because what it computes mixes the examples. A gradient check compares two "
               "ways of differentiating one function; it cannot tell that the function is "
               "the wrong one.",
        hints=("think about the gradient check again: it compares the backward pass with "
               "central differences of the same forward pass. Is the backward pass wrong "
               "for the function the forward pass computes?",
               "think about the dependency check again: it moves example j and watches "
               "example i's output. Does a mean over the batch axis let one example move "
               "another's output?"))


def _complex_step(f, x, h):
    return complex(f(complex(x, h))).imag / h


def check_complex_step(fn):
    """Exercise 9: complex_step(f, x, h) = Im f(x + i h) / h."""
    inputs = [(np.tanh, 0.3, 1e-20), (np.exp, -1.5, 1e-20), (lambda z: z ** 3, 2.0, 1e-20),
              (lambda z: 1 / (1 + np.exp(-z)), 4.0, 1e-10), (np.tanh, -0.5, 1e-20)]

    def modulus(f, x, h):
        return abs(complex(f(complex(x, h)))) / h

    def real_part(f, x, h):
        return complex(f(complex(x, h))).real / h

    def central(f, x, h):
        return (complex(f(complex(x, h))).imag - complex(f(complex(x, -h))).imag) / h

    def no_division(f, x, h):
        return complex(f(complex(x, h))).imag

    def real_step(f, x, h):
        return (f(x + h) - f(x - h)) / (2 * h)

    return check_function(
        fn, _complex_step, inputs, name="your complex_step", rtol=1e-12, atol=1e-300,
        notes=["tanh at 0.3", "exp at -1.5", "z^3 at 2", "sigmoid at 4 with h = 1e-10",
               "tanh at -0.5"],
        diagnoses=[
            (modulus, "you take the modulus, abs(f(x + i h)): a real number, so the "
                      "imaginary part that carries the derivative is gone (the failure of "
                      "abs in the section on the complex step). Take .imag."),
            (real_part, "you take the real part, which is f(x) to order h^2; the derivative "
                        "sits in the imaginary part."),
            (central, "you step both ways: Im f(x - i h) = -Im f(x + i h), so that doubles "
                      "the derivative; one evaluation is the whole method."),
            (no_division, "divide the imaginary part by h: Im f(x + i h) = h f'(x) + O(h^3)."),
            (real_step, "that is a central difference along the real axis, which with "
                        "h = 1e-20 gives 0: x + h rounds to x. Step along the imaginary axis, "
                        "x + i h."),
        ],
        praise="one complex evaluation gives the derivative to rounding level, whatever h, "
               "because nothing is subtracted.")
