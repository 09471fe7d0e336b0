"""Every checker of chapter "Gradient checking" accepts its reference solution and rejects
typical wrong answers with the specific hint."""

import numpy as np

from backprop_lib import losses, relative_error
from backprop_lib.exercises import gradient_checking as ex


def test_unanswered():
    for check in (ex.check_central_difference, ex.check_relative_error,
                  ex.check_scaling_prediction, ex.check_mse_gradient):
        assert str(check(None)).startswith("Not yet: no answer yet")


def test_central_difference():
    assert ex.check_central_difference((2.1 ** 3 - 1.9 ** 3) / 0.2).ok
    assert "forward difference" in str(ex.check_central_difference((2.1 ** 3 - 8) / 0.1))
    assert "backward difference" in str(ex.check_central_difference((8 - 1.9 ** 3) / 0.1))
    assert "exact derivative" in str(ex.check_central_difference(12.0))
    assert "twice" in str(ex.check_central_difference((2.1 ** 3 - 1.9 ** 3) / 0.1))
    assert not ex.check_central_difference(1.0).ok


def test_relative_error():
    assert ex.check_relative_error(relative_error).ok
    fb = ex.check_relative_error(lambda g, n: float(np.linalg.norm(g - n)))
    assert not fb.ok and "absolute difference" in fb.message
    fb = ex.check_relative_error(lambda g, n: float(np.linalg.norm(g - n) / np.linalg.norm(g)))
    assert not fb.ok  # 0/0 on the zero pair, or the over-||g|| hint
    def over_g(g, n):
        ng = np.linalg.norm(g)
        return 0.0 if ng == 0 else float(np.linalg.norm(g - n) / ng)
    assert "||g|| alone" in ex.check_relative_error(over_g).message
    def unstub(g, n):
        raise NotImplementedError
    assert "not written yet" in ex.check_relative_error(unstub).message


def test_scaling_prediction():
    assert ex.check_scaling_prediction(("grows", "stays the same")).ok
    assert "relative error again" in ex.check_scaling_prediction(("grows", "grows")).message
    assert "absolute difference again" in ex.check_scaling_prediction(
        ("stays the same", "stays the same")).message
    assert "pair of words" in ex.check_scaling_prediction("grows").message


def test_scaling_effect_is_measured():
    abs_ratio, rel_ratio = ex.scaling_effect(1000.0)
    assert 300 < abs_ratio < 3000 and 0.2 < rel_ratio < 5


def test_mse_gradient():
    # mean of (a - y)^2 over all n_L * m entries: dL/dA = 2 (A - Y) / (n_L m), written here
    # rather than passing losses.mse_gradient, which is the checker's own reference
    assert ex.check_mse_gradient(lambda A, Y: 2 * (A - Y) / (A.shape[0] * A.shape[1])).ok
    assert "article's derivative" in ex.check_mse_gradient(losses.half_mse_gradient).message
    assert "A.size" in ex.check_mse_gradient(lambda A, Y: 2 * (A - Y) / A.shape[1]).message
    assert "sign is flipped" in ex.check_mse_gradient(lambda A, Y: 2 * (Y - A) / A.size).message
