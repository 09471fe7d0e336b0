"""Every checker of chapter "Backpropagation against its alternatives" accepts its reference
solution and rejects typical wrong answers with the specific hint."""

import json
import pathlib

import numpy as np

from backprop_lib.exercises import alternatives as ex


def test_unanswered():
    for check in (ex.check_fd_passes, ex.check_layer_tangent, ex.check_es_estimate,
                  ex.check_pass_prediction, ex.check_jacobian_passes):
        assert str(check(None)).startswith("Not yet: no answer yet")


def test_fd_passes():
    assert ex.check_fd_passes(26).ok
    assert "one pass per parameter" in ex.check_fd_passes(13).message
    assert "forward differences" in ex.check_fd_passes(14).message
    assert "not exponential" in ex.check_fd_passes(2 ** 13).message
    assert not ex.check_fd_passes(25).ok
    # every checker reads a one-element list or array as its one value (checking.py's
    # rule, held by test_checker_fuzz), so a wrapped count is judged like the count
    for wrapped in ([26], (26,), np.array([26])):
        assert ex.check_fd_passes(wrapped).ok


def test_layer_tangent():
    def by_difference(W, b, A, W_dot, b_dot, A_dot, h=0.5):
        # Z = W A + b is bilinear, so the central difference along the direction is exact:
        # an independent answer, not the reference the checker compares with
        def Z(t):
            return (W + t * W_dot) @ (A + t * A_dot) + (b + t * b_dot)
        return (Z(h) - Z(-h)) / (2 * h)

    assert ex.check_layer_tangent(by_difference).ok
    assert "W A_prev_dot is missing" in ex.check_layer_tangent(
        lambda W, b, A, W_dot, b_dot, A_dot: W_dot @ A + b_dot).message
    assert "W_dot A_prev is missing" in ex.check_layer_tangent(
        lambda W, b, A, W_dot, b_dot, A_dot: W @ A_dot + b_dot).message
    assert "b_dot is missing" in ex.check_layer_tangent(
        lambda W, b, A, W_dot, b_dot, A_dot: W_dot @ A + W @ A_dot).message
    assert "Z itself" in ex.check_layer_tangent(
        lambda W, b, A, W_dot, b_dot, A_dot: W @ A + b).message
    assert "Z plus its tangent" in ex.check_layer_tangent(
        lambda W, b, A, W_dot, b_dot, A_dot: W_dot @ A + W @ A_dot + b_dot + W @ A + b).message


def test_es_estimate():
    def by_loop(f, theta, sigma, E):
        # the antithetic estimate written out term by term, independent of es_reference
        total = np.zeros_like(theta, dtype=float)
        for e in E:
            total += (f(theta + sigma * e) - f(theta - sigma * e)) / (2 * sigma) * e
        return total / len(E)

    assert ex.check_es_estimate(by_loop).ok

    def one_sided(f, theta, sigma, E):
        return np.array([f(theta + sigma * e) - f(theta) for e in E]) @ E / (sigma * len(E))

    def summed(f, theta, sigma, E):
        return np.array([f(theta + sigma * e) - f(theta - sigma * e) for e in E]) @ E / (
            2 * sigma)

    assert "one-sided" in ex.check_es_estimate(one_sided).message
    assert "mean" in ex.check_es_estimate(summed).message


def test_pass_prediction():
    assert ex.check_pass_prediction(("stays the same", "doubles")).ok
    assert "reverse mode" in ex.check_pass_prediction(("doubles", "doubles")).message
    assert "forward mode" in ex.check_pass_prediction(
        ("stays the same", "stays the same")).message
    assert "pair of words" in ex.check_pass_prediction(("same",)).message


def test_jacobian_passes():
    n_in, n_out = ex.JACOBIAN_INPUTS, ex.JACOBIAN_OUTPUTS
    # An independent check of the claim behind the answer, on a small tanh network with
    # those inputs and outputs: n_out backward passes (seeds dA = e_k) give the whole
    # Jacobian (it matches central differences), and no fewer can, since k passes give k
    # vector-Jacobian products u^T J and the Jacobian has rank n_out.
    rng = np.random.default_rng(5)
    W1, b1 = rng.standard_normal((16, n_in)) / np.sqrt(n_in), rng.standard_normal((16, 1))
    W2, b2 = rng.standard_normal((n_out, 16)) / 4, rng.standard_normal((n_out, 1))
    x = rng.standard_normal((n_in, 1))

    def f(x):
        return W2 @ np.tanh(W1 @ x + b1) + b2

    A1 = np.tanh(W1 @ x + b1)  # the one forward pass, kept
    rows = []
    for k in range(n_out):  # one backward pass per output
        dA2 = np.eye(n_out)[:, [k]]
        dZ1 = (W2.T @ dA2) * (1 - A1 ** 2)
        rows.append((W1.T @ dZ1).ravel())
    J = np.array(rows)
    h = 1e-5
    numeric = np.column_stack([((f(x + h * e) - f(x - h * e)) / (2 * h)).ravel()
                               for e in np.eye(n_in)[:, :, None]])
    assert np.allclose(J, numeric, atol=1e-8)
    assert np.linalg.matrix_rank(J) == n_out == len(rows)

    assert ex.check_jacobian_passes(len(rows)).ok
    assert ex.check_jacobian_passes(float(len(rows))).ok
    wrong = {n_in: "forward mode's count", 1: "gradient of one scalar",
             n_in * n_out: "one pass per entry", n_out + 1: "backward passes only",
             2 * n_out: "backward passes only"}
    for answer, hint in wrong.items():
        fb = ex.check_jacobian_passes(answer)
        assert not fb.ok and hint in fb.message, (answer, fb.message)
        assert str(n_out) not in fb.message  # the expected count is never shown
    assert not ex.check_jacobian_passes(n_out - 1).ok


def test_jacobian_statement_quotes_the_constants():
    """The exercise text in the notebook names the sizes the checker judges."""
    path = pathlib.Path(__file__).resolve().parent.parent / "book" / "09_alternatives.ipynb"
    cells = json.loads(path.read_text("utf-8"))["cells"]
    text = next("".join(c["source"]) for c in cells
                if c["cell_type"] == "markdown" and "Exercise 5" in "".join(c["source"]))
    assert f"its {ex.JACOBIAN_INPUTS} inputs" in text
    assert f"to {ex.JACOBIAN_OUTPUTS} outputs" in text
    assert f"{ex.JACOBIAN_OUTPUTS} x {ex.JACOBIAN_INPUTS} matrix" in text


def test_chain_cost():
    """Exercise 6: the count is the one jacobian_chain's sparse rule gives for the same
    shapes (the chain of a network's first layer), and the named slips are diagnosed."""
    from backprop_lib import jacobian_chain as chain

    one, n_L, n_2, n_1, P = ex.CHAIN
    right_to_left = n_2 * P + n_L * n_2 * P + one * n_L * P
    left_to_right = one * n_L * n_2 + one * n_2 * n_1 + one * P
    assert ex._counted_chain(ex.CHAIN, "forward") == right_to_left
    assert ex._counted_chain(ex.CHAIN, "reverse") == left_to_right
    # the same chain inside jacobian_chain's count of [n_0, n_1, n_2, n_L]: its layer-1 part
    n_0 = P // n_1 - 1
    assert n_1 * (n_0 + 1) == P
    fb = ex.check_chain_cost(right_to_left)
    assert fb.ok and str(left_to_right) in fb.message
    wrong = {left_to_right: "left-to-right", n_2 * n_1 * P + n_L * n_2 * P + one * n_L * P:
             "as a dense product", n_2 * P + n_L * n_2 * P: "still multiplies",
             n_L * n_2 * P + one * n_L * P: "costs", left_to_right - P + n_1 * P: "charged dense"}
    for answer, hint in wrong.items():
        fb = ex.check_chain_cost(answer)
        assert not fb.ok and hint in fb.message, (answer, fb.message)
        assert str(right_to_left) not in fb.message
    assert not ex.check_chain_cost(right_to_left + 1).ok
    assert not ex.check_chain_cost(None).ok
    assert chain.chain_cost([n_0, n_1, n_2, n_L], "forward") > right_to_left


def test_forward_gradient_error():
    """Exercise 7: the answer P + 1, confirmed by simulation over seeds; named slips."""
    P = ex.NOISE_P
    ratios = []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        grad = rng.standard_normal(P)
        v = rng.standard_normal((4000, P))
        g = (v @ grad)[:, None] * v
        ratios.append(np.mean(np.sum((g - grad) ** 2, axis=1)) / (grad @ grad))
    assert abs(np.mean(ratios) - (P + 1)) < 0.05 * (P + 1), ratios
    assert ex.check_forward_gradient_error(P + 1).ok
    for answer, hint in {P: "close", P + 2: "second moment", 0: "unbiased on average",
                         10: "not its square"}.items():
        fb = ex.check_forward_gradient_error(answer)
        assert not fb.ok and hint in fb.message, (answer, fb.message)
        assert str(P + 1) not in fb.message


def test_chain_and_noise_statements_quote_the_constants():
    """Exercises 6 and 7 print their statements from the checkers' constants."""
    path = pathlib.Path(__file__).resolve().parent.parent / "book" / "09_alternatives.ipynb"
    cells = json.loads(path.read_text("utf-8"))["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    assert any("Exercise 6" in s and "ex.CHAIN" in s for s in sources)
    assert any("Exercise 7" in s and "ex.NOISE_P" in s for s in sources)
