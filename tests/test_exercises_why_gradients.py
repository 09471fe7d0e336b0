"""The checkers of chapter "Why gradients" accept the reference answers and diagnose slips."""

import numpy as np

from backprop_lib.exercises import why_gradients as ex


def test_expected_cos2():
    assert ex.check_expected_cos2(1 / 400, P=400).ok
    assert "no answer yet" in str(ex.check_expected_cos2(None))
    assert "|cos|" in ex.check_expected_cos2(1 / 20, P=400).message
    assert "upside down" in ex.check_expected_cos2(400, P=400).message
    assert "sign is flipped" in ex.check_expected_cos2(-1 / 400, P=400).message


def test_first_order_decrease():
    g, lr = ex.GRADIENT, ex.LR
    assert ex.check_first_order_decrease(lr * g @ g).ok
    assert "length of the step" in ex.check_first_order_decrease(lr * np.linalg.norm(g)).message
    assert "learning rate is missing" in ex.check_first_order_decrease(g @ g).message
    assert "sign is flipped" in ex.check_first_order_decrease(-lr * g @ g).message


def test_squared_cosine():
    def right(u, g):
        return float((u @ g) ** 2 / ((u @ u) * (g @ g)))

    assert ex.check_squared_cosine(right).ok
    msg = ex.check_squared_cosine(lambda u, g: float(u @ g / np.linalg.norm(u) / np.linalg.norm(g)))
    assert "cosine itself" in msg.message
    msg = ex.check_squared_cosine(lambda u, g: float((u @ g) ** 2 / (g @ g)))
    assert "not a unit vector" in msg.message

    def stub(u, g):
        raise NotImplementedError

    assert "not written yet" in ex.check_squared_cosine(stub).message
    assert "no answer yet" in str(ex.check_squared_cosine(None))


def test_doubling_prediction():
    assert ex.check_doubling("double", "same").ok
    wrong = ex.check_doubling("quadruple", "same")
    assert not wrong.ok and "random_search" in wrong.message
    assert "gradient_descent" not in wrong.message
    wrong = ex.check_doubling("double", "double")
    assert not wrong.ok and "gradient_descent" in wrong.message
    assert "must be one of" in ex.check_doubling("twice", "same").message
    assert "no answer yet" in str(ex.check_doubling(None, None))
    # no numbers of the measurement leak into a wrong answer's feedback
    assert "times as many" not in ex.check_doubling("same", "same").message


def test_best_decrease_on_a_round_bowl():
    g, h, u = ex.GRADIENT, ex.CURVATURE, ex.DIRECTION
    right = float(g @ u) ** 2 / (2 * h)
    assert ex.check_best_decrease(right).ok
    assert right == 1.125  # (3^2) / (2 * 4), the number exercise 5 expects
    # every likely slip names its own mistake: none of the diagnosed values coincide
    assert "divide by h once" in ex.check_best_decrease(9 / (2 * h * h)).message
    assert not ex.check_best_decrease(right / 2).ok
    assert "divide by h once" not in ex.check_best_decrease(right / 2).message
    assert "factor 1/2" in ex.check_best_decrease(2 * right).message
    assert "gradient's own direction" in ex.check_best_decrease(float(g @ g) / (2 * h)).message
    assert "best step length" in ex.check_best_decrease(3 / h).message
    assert "cos²" in ex.check_best_decrease(9 / 25).message
    assert "rate of change" in ex.check_best_decrease(3.0).message
    assert "sign is flipped" in ex.check_best_decrease(-right).message
    assert "no answer yet" in str(ex.check_best_decrease(None))
