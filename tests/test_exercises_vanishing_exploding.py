"""Every checker of chapter "Vanishing and exploding gradients" accepts its reference
solution and rejects typical wrong answers with the specific hint."""

import numpy as np

from backprop_lib.exercises import vanishing_exploding as ex


def test_chain_factor():
    assert ex.check_chain_factor(np.prod([w * 0.25 for w in ex.CHAIN_WEIGHTS])).ok
    assert "no answer yet" in ex.check_chain_factor(None).message
    assert "weight" in ex.check_chain_factor(0.25 ** 5).message
    assert "sigma'(0)" in ex.check_chain_factor(float(np.prod(ex.CHAIN_WEIGHTS))).message
    assert "sign" in ex.check_chain_factor(-ex.chain_factor()).message


def test_clip():
    def clip(g, c):
        n = np.linalg.norm(g)
        return g if n <= c else g * (c / n)

    assert ex.check_clip(clip).ok
    assert "by value" in ex.check_clip(lambda g, c: np.clip(g, -c, c)).message
    assert "only ever shrinks" in ex.check_clip(lambda g, c: g * c / np.linalg.norm(g)).message


def test_residual_backward():
    def good(dA, W, Z):
        return W.T @ (dA * (1 - np.tanh(Z) ** 2)) + dA

    assert ex.check_residual_backward(good).ok
    assert "skip" in ex.check_residual_backward(
        lambda dA, W, Z: W.T @ (dA * (1 - np.tanh(Z) ** 2))).message
    assert "tanh'" in ex.check_residual_backward(lambda dA, W, Z: W.T @ dA + dA).message
    bad_shape = ex.check_residual_backward(lambda dA, W, Z: W @ dA)
    assert not bad_shape.ok


def test_clip_prediction():
    assert ex.check_clip_prediction("unchanged").ok
    wrong = ex.check_clip_prediction("decreases")
    assert not wrong.ok and "one common factor" in wrong.message
    assert "answer with one of" in ex.check_clip_prediction("smaller").message
    before, after = ex.clipping_ratios()
    assert np.isclose(before, after, rtol=1e-9, atol=0)
