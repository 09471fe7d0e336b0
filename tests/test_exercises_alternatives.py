"""Every checker of chapter "Backpropagation against its alternatives" accepts its reference
solution and rejects typical wrong answers with the specific hint."""

import numpy as np

from backprop_lib.exercises import alternatives as ex


def test_unanswered():
    for check in (ex.check_fd_passes, ex.check_layer_tangent, ex.check_es_estimate,
                  ex.check_pass_prediction):
        assert str(check(None)).startswith("Not yet: no answer yet")


def test_fd_passes():
    assert ex.check_fd_passes(26).ok
    assert "one pass per parameter" in ex.check_fd_passes(13).message
    assert "forward differences" in ex.check_fd_passes(14).message
    assert "not exponential" in ex.check_fd_passes(2 ** 13).message
    assert not ex.check_fd_passes(25).ok


def test_layer_tangent():
    def by_difference(W, b, A, dW, db, dA, h=0.5):
        # Z = W A + b is bilinear, so the central difference along the direction is exact:
        # an independent answer, not the reference the checker compares with
        def Z(t):
            return (W + t * dW) @ (A + t * dA) + (b + t * db)
        return (Z(h) - Z(-h)) / (2 * h)

    assert ex.check_layer_tangent(by_difference).ok
    assert "W dA_prev is missing" in ex.check_layer_tangent(
        lambda W, b, A, dW, db, dA: dW @ A + db).message
    assert "dW A_prev is missing" in ex.check_layer_tangent(
        lambda W, b, A, dW, db, dA: W @ dA + db).message
    assert "db is missing" in ex.check_layer_tangent(
        lambda W, b, A, dW, db, dA: dW @ A + W @ dA).message


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
