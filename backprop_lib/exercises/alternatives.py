"""Checkers for the exercises of chapter "Backpropagation against its alternatives".

1. `check_fd_passes(answer)`: the forward passes central differences need (a count).
2. `check_layer_tangent(fn)`: the tangent Z_dot of one layer's pre-activation (forward mode).
3. `check_es_estimate(fn)`: the antithetic evolution-strategies gradient estimate.
4. `check_pass_prediction(answer)`: predict how the passes of reverse and forward mode grow
   with P, then the checker counts them.
5. `check_jacobian_passes(answer)`: the backward passes reverse mode needs for the Jacobian
   of a network's JACOBIAN_OUTPUTS outputs with respect to its JACOBIAN_INPUTS inputs.
6. `check_chain_cost(answer)`: the multiply-adds of the chain of Jacobians with shapes
   CHAIN, evaluated right to left (forward mode), B_1's sparsity used as in both orders.
7. `check_forward_gradient_error(answer)`: E||g - grad||^2 / ||grad||^2 for a forward
   gradient from one Gaussian direction in NOISE_P dimensions.
"""

from __future__ import annotations

import numpy as np

from .. import alternatives as alt
from ..jacobian_chain import _Counter
from ..network import Network
from ..run_cache import memo
from .checking import check_count, check_function, judge_pair

CHOICES = ("stays the same", "doubles", "squares", "halves")
SYNONYMS = {"the same": "stays the same", "same": "stays the same",
            "unchanged": "stays the same", "double": "doubles", "square": "squares",
            "halve": "halves"}


@memo(maxsize=1)
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


def layer_tangent(W, b, A_prev, W_dot, b_dot, A_prev_dot):
    """Reference: the tangent Z_dot of Z = W A_prev + b."""
    return W_dot @ A_prev + W @ A_prev_dot + b_dot


def check_layer_tangent(fn):
    """Exercise 2: the tangent of one layer's pre-activation, Z_dot from W_dot, b_dot and
    A_prev_dot."""
    rng = np.random.default_rng(11)
    inputs = []
    for n_out, n_in, m in ((2, 3, 4), (3, 2, 1)):
        inputs.append((rng.standard_normal((n_out, n_in)), rng.standard_normal((n_out, 1)),
                       rng.standard_normal((n_in, m)), rng.standard_normal((n_out, n_in)),
                       rng.standard_normal((n_out, 1)), rng.standard_normal((n_in, m))))
    return check_function(
        fn, layer_tangent, inputs, name="your layer_tangent", rtol=1e-9,
        diagnoses=[
            (lambda W, b, A, W_dot, b_dot, A_dot: W_dot @ A + b_dot,
             "the term W A_prev_dot is missing: the input of the layer moves too when an "
             "earlier layer's parameters move."),
            (lambda W, b, A, W_dot, b_dot, A_dot: W @ A_dot + b_dot,
             "the term W_dot A_prev is missing: the product rule gives W_dot A + W A_dot."),
            (lambda W, b, A, W_dot, b_dot, A_dot: W_dot @ A + W @ A_dot,
             "the bias's tangent b_dot is missing."),
            (lambda W, b, A, W_dot, b_dot, A_dot: W @ A + b,
             "that is Z itself, the value; the tangent is how Z moves along the direction."),
            (lambda W, b, A, W_dot, b_dot, A_dot: W_dot @ A + W @ A_dot + b_dot + W @ A + b,
             "that is Z plus its tangent; the tangent alone is W_dot A + W A_dot + b_dot."),
        ],
        praise="that is the product rule for W A + b; the activation then multiplies it "
               "by f'(Z).")


def es_reference(f, theta, sigma, V):
    """Reference antithetic estimate: rows of V are the perturbation directions v_k."""
    diffs = np.array([f(theta + sigma * v) - f(theta - sigma * v) for v in V])
    return diffs @ V / (2 * sigma * len(V))


def _quadratic(theta):
    return float(np.sum(theta ** 2) + theta[0] ** 3 + 0.5 * theta[0] * theta[1])


def check_es_estimate(fn):
    """Exercise 3: es_estimate(f, theta, sigma, V), the antithetic ES gradient estimate."""
    rng = np.random.default_rng(3)
    inputs = [(_quadratic, rng.standard_normal(2), 0.1, rng.standard_normal((5, 2))),
              (_quadratic, rng.standard_normal(3), 0.5, rng.standard_normal((4, 3)))]

    def one_sided(f, theta, sigma, V):
        return np.array([f(theta + sigma * v) - f(theta) for v in V]) @ V / (sigma * len(V))

    def no_mean(f, theta, sigma, V):
        return es_reference(f, theta, sigma, V) * len(V)

    return check_function(
        fn, es_reference, inputs, name="your es_estimate", rtol=1e-9,
        diagnoses=[
            (one_sided, "that is the one-sided estimate (f(theta + sigma v) - f(theta)) v / "
                        "sigma; the antithetic pair uses theta - sigma v, not theta."),
            (no_mean, "you sum over the N perturbations; the estimate is their mean."),
        ],
        praise="that is the antithetic estimate of the smoothed loss's gradient.")


@memo(maxsize=1)
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


#: Exercise 6: the chain u_3 J_3 J_2 B_1 of the first layer's P_1 parameters of a network
#: [9, 10, 5, 2]: (1 x 2)(2 x 5)(5 x 10)(10 x 100), B_1 with one nonzero per column.
CHAIN = (1, 2, 5, 10, 100)


def _counted_chain(dims, order):
    """Multiply-adds measured by multiplying random factors of shapes (dims[i], dims[i+1])
    in `order` ("reverse": left to right, "forward": right to left), the last factor B_1
    with one nonzero per column, counted by the chapter's rule (jacobian_chain): a dense
    (a x b)(b x c) product costs a b c, an (r x n) matrix times B_1 costs r per column."""
    rng = np.random.default_rng(0)
    factors = [rng.standard_normal((a, b)) for a, b in zip(dims[:-2], dims[1:-1], strict=False)]
    n, p = dims[-2], dims[-1]
    rows, values = rng.integers(0, n, size=p), rng.standard_normal(p)   # B_1's nonzeros
    count = _Counter()
    if order == "reverse":
        out = factors[0]
        for f in factors[1:]:
            out = count.matmul(out, f)
        count.times_sparse(out, rows, values, dense_rule=False)
    else:
        out = count.times_sparse(factors[-1], rows, values, dense_rule=False)
        for f in reversed(factors[:-1]):
            out = count.matmul(f, out)
    return count.multiply_adds


def check_chain_cost(answer):
    """Exercise 6: multiply-adds of the chain with shapes CHAIN, right to left, B_1's one
    nonzero per column used (as in both orders of the chapter's count)."""
    forward, reverse = _counted_chain(CHAIN, "forward"), _counted_chain(CHAIN, "reverse")
    one, n_L, n_2, n_1, P = CHAIN
    sparse_first, middle, last = n_2 * P, n_L * n_2 * P, one * n_L * P
    dense_first = n_2 * n_1 * P
    diagnoses = [
        (reverse, "that is the left-to-right order (reverse mode): vector times matrix at "
                  "each step. Right to left starts with the two matrices at the right."),
        (dense_first + middle + last,
         f"you charged ({n_2} x {n_1})({n_1} x {P}) as a dense product, {dense_first}; "
         f"B_1 has one nonzero per column, so each of its {P} columns costs {n_2}, as the "
         f"left-to-right count charges it {one} per column."),
        (sparse_first + middle, f"the row vector ({one} x {n_L}) still multiplies the "
                                f"({n_L} x {P}) result at the end."),
        (middle + last, f"the first product, J_2 B_1, costs {n_2} per column of B_1 too."),
        (reverse - P + n_1 * P, "that is left to right with B_1 charged dense; "
                                            "the question asks for right to left."),
    ]
    return check_count(answer, forward, name="your count", diagnoses=diagnoses,
                       praise=f"right to left, {sparse_first} + {middle} + {last}: "
                              f"{forward / reverse:.1f} times the {reverse} multiply-adds "
                              f"of left to right, counted by the same rule.")


#: Exercise 7: the number of parameters of the forward gradient's direction.
NOISE_P = 100


def check_forward_gradient_error(answer):
    """Exercise 7: E||g - grad||^2 / ||grad||^2 for g = (grad . v) v, v ~ N(0, I) in
    NOISE_P dimensions.

    E[(grad . v)^2 v v^T] = ||grad||^2 I + 2 grad grad^T (Isserlis), so E||g||^2 =
    (P + 2) ||grad||^2 and, g being unbiased, E||g - grad||^2 = (P + 1) ||grad||^2.
    """
    P = NOISE_P
    diagnoses = [
        (P, "close: that counts the spread of v's P entries but misses the extra term "
            "along grad itself: with grad along the first axis, g_1 = |grad| v_1^2, and v_1 "
            "has a fourth moment of 3, not 1."),
        (P + 2, "that is E||g||^2 / ||grad||^2, the second moment; the error subtracts "
                "the mean, grad, which takes away ||grad||^2."),
        (P - 1, "the error is larger than P - 1: every one of the P directions is noisy, "
                "and the one along grad most of all."),
        (1, "that is the error of an estimate with no noise but a bias of one gradient; "
            "this one is unbiased, and its noise grows with P."),
        (0, "g is unbiased on average, but one draw is far from grad: its error grows "
            "with the number of dimensions."),
        (10, "that is about sqrt(P), the size of the relative error, not its square."),
    ]
    return check_count(answer, P + 1, name="your value", diagnoses=diagnoses,
                       praise="P + 1: the root-mean-square relative error of one draw is "
                              "sqrt(P + 1) (one draw's own error is near |c| sqrt(P), c "
                              "standard normal, so typically a bit smaller), and averaging N "
                              "draws divides the mean square by N.")
