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
    inverse = ex.check_chain_factor(1 / ex.chain_factor())  # dA0/dA5, read literally: 56.9
    assert not inverse.ok and "inverse" in inverse.message


def test_layer_factor():
    """The factor sigma'(0) s sqrt(n) = sqrt(2) / 4 is accepted (to 4 digits), and each
    likely mistake gets its own message."""
    assert ex.check_layer_factor(np.sqrt(2) / 4).ok
    assert ex.check_layer_factor(0.3536).ok
    assert "no answer yet" in ex.check_layer_factor(None).message
    n, s = ex.LAYER_WIDTH, np.sqrt(2 / ex.LAYER_WIDTH)
    mistakes = {
        s * np.sqrt(n): "slope sigma'(0) = 1/4",            # forgot the sigmoid's 1/4
        0.5 * s * np.sqrt(n): "not sigma(0) = 1/2",         # sigma(0) for sigma'(0)
        0.25 * s: "Multiply by sqrt(n)",                    # forgot the sqrt(n) of the sum
        0.25 * n * s ** 2: "factor of the squared norm, E",  # n s^2 instead of its root
        (0.25 * s) ** 2 * n: "squared norm ||dA||^2",       # squared the whole factor
        0.25 * (2 / n) * np.sqrt(n): "He's variance",       # the variance as the std
        -np.sqrt(2) / 4: "cannot be negative",
    }
    for wrong, named in mistakes.items():
        feedback = ex.check_layer_factor(wrong)
        assert not feedback.ok and named in feedback.message, (wrong, feedback.message)
    assert "not right yet" in ex.check_layer_factor(0.3).message


def test_layer_factor_is_the_mean_square_factor_of_random_he_layers():
    """The expected value is what the exercise says: the root of E||dA{l-1}||^2 / ||dA{l}||^2
    over He weights of a 64-unit layer with every Z = 0, by sampling (an independent check of
    the formula n s^2 sigma'(0)^2 behind the checker)."""
    rng = np.random.default_rng(0)
    n = ex.LAYER_WIDTH
    v = rng.standard_normal((n, 1))
    W = rng.normal(0.0, np.sqrt(2 / n), size=(2000, n, n))
    sigma0 = 1 / (1 + np.exp(-0.0))
    dA_prev = np.swapaxes(W, 1, 2) @ (v * sigma0 * (1 - sigma0))
    ratio2 = np.mean(np.sum(dA_prev ** 2, axis=(1, 2))) / np.sum(v ** 2)
    assert np.isclose(np.sqrt(ratio2), ex.layer_factor(), rtol=0.01, atol=0)
    assert ex.layer_factor() < 1  # even He's scale leaves a sigmoid layer shrinking


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
    assert "transpose" in ex.check_residual_backward(
        lambda dA, W, Z: W @ (dA * (1 - np.tanh(Z) ** 2)) + dA).message
    bad_shape = ex.check_residual_backward(lambda dA, W, Z: W @ dA)
    assert not bad_shape.ok


def test_clip_prediction():
    assert ex.check_clip_prediction("unchanged").ok
    wrong = ex.check_clip_prediction("decreases")
    assert not wrong.ok and "one common factor" in wrong.message
    assert "answer with one of" in ex.check_clip_prediction("smaller").message
    before, after = ex.clipping_ratios()
    assert np.isclose(before, after, rtol=1e-9, atol=0)


def test_glorot_uniform_limit():
    right = np.sqrt(6 / (784 + 100))
    assert ex.check_glorot_uniform_limit(right).ok
    assert "no answer yet" in ex.check_glorot_uniform_limit(None).message
    for wrong, word in [(np.sqrt(2 / 884), "standard deviation"), (np.sqrt(3 / 784), "LeCun"),
                        (np.sqrt(6 / 784), "He"), (2 / 884, "variance"), (6 / 884, "square root"),
                        (np.sqrt(6 / 100), "fan-out")]:
        fb = ex.check_glorot_uniform_limit(wrong)
        assert not fb.ok and word in fb.message, (wrong, fb.message)
    for fb in (ex.check_glorot_uniform_limit(0.5), ex.check_clip_prediction("increases")):
        assert "run" not in fb.message.lower().split()
