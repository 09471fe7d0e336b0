"""The exercise checkers of chapter "Practical tips": each accepts its reference solution
and rejects typical wrong answers with the specific hint."""

from __future__ import annotations

import json
import math
import pathlib

import numpy as np

from backprop_lib.exercises import practical_tips as ex
from backprop_lib.preprocessing import Standardizer


def test_standardized():
    assert not ex.check_standardized(None).ok
    good = Standardizer().fit(ex.X_TRAIN).transform(ex.X_NEW)
    assert ex.check_standardized(good).ok
    assert ex.check_standardized(good.tolist()).ok
    mean, std = ex.X_TRAIN.mean(axis=1, keepdims=True), ex.X_TRAIN.std(axis=1, keepdims=True)
    cases = {
        "sample standard deviation": (ex.X_NEW - mean) / ex.X_TRAIN.std(axis=1, ddof=1,
                                                                        keepdims=True),
        "one mean and one standard deviation": (ex.X_NEW - ex.X_TRAIN.mean()) / ex.X_TRAIN.std(),
        "training set only": None,
        "mean is not subtracted": ex.X_NEW / std,
        "variance": (ex.X_NEW - mean) / ex.X_TRAIN.var(axis=1, keepdims=True),
        "transpose": good.T,
    }
    both = np.concatenate([ex.X_TRAIN, ex.X_NEW], axis=1)
    cases["training set only"] = ((ex.X_NEW - both.mean(axis=1, keepdims=True))
                                  / both.std(axis=1, keepdims=True))
    for hint, wrong in cases.items():
        fb = ex.check_standardized(wrong)
        assert not fb.ok and hint in fb.message, (hint, fb.message)
    # the expected value is never shown
    for value in good.ravel():
        assert f"{value:.3f}" not in ex.check_standardized(good * 1.37).message


def test_bn_param_grads():
    assert not ex.check_bn_param_grads(None).ok
    assert ex.check_bn_param_grads(
        lambda d, Zh: (np.einsum("ij,ij->i", d, Zh)[:, None], np.einsum("ij->i", d)[:, None])).ok

    def stub(d, Zh):
        raise NotImplementedError

    wrong = {
        "not written yet": stub,
        "summed over the features": lambda d, Zh: ((d * Zh).sum(axis=0, keepdims=True),
                                                   d.sum(axis=0, keepdims=True)),
        "mean over the examples": lambda d, Zh: ((d * Zh).mean(axis=1, keepdims=True),
                                                 d.mean(axis=1, keepdims=True)),
        "missing its factor Zhat": lambda d, Zh: (d.sum(axis=1, keepdims=True),
                                                  d.sum(axis=1, keepdims=True)),
        "swapped": lambda d, Zh: (d.sum(axis=1, keepdims=True),
                                  (d * Zh).sum(axis=1, keepdims=True)),
        "keepdims=True": lambda d, Zh: ((d * Zh).sum(axis=1), d.sum(axis=1)),
        "must return the tuple (dgamma, dbeta)": lambda d, Zh: (d * Zh).sum(axis=1, keepdims=True),
    }
    for hint, fn in wrong.items():
        fb = ex.check_bn_param_grads(fn)
        assert not fb.ok and hint in fb.message, (hint, fb.message)


def test_bn_input_grad():
    assert not ex.check_bn_input_grad(None).ok

    def closed_form(d, Z, g, eps=1e-5):
        # the textbook closed form, independent of batchnorm_backward behind the reference:
        # dZ = gamma / sqrt(var + eps) * (d - mean(d) - Zhat * mean(d * Zhat))
        m = Z.shape[1]
        mu = Z.sum(axis=1, keepdims=True) / m
        var = ((Z - mu) ** 2).sum(axis=1, keepdims=True) / m
        Zhat = (Z - mu) / np.sqrt(var + eps)
        return g / np.sqrt(var + eps) * (d - d.sum(axis=1, keepdims=True) / m
                                         - Zhat * (d * Zhat).sum(axis=1, keepdims=True) / m)

    assert ex.check_bn_input_grad(closed_form).ok

    def frozen(d, Z, g):
        return g * d / np.sqrt(Z.var(axis=1, keepdims=True) + 1e-5)

    def mean_only(d, Z, g):
        dZhat = g * d
        return (dZhat - dZhat.mean(axis=1, keepdims=True)) / np.sqrt(
            Z.var(axis=1, keepdims=True) + 1e-5)

    def sign(d, Z, g):
        return -ex.bn_input_grad_reference(d, Z, g)

    def eps_1e8(d, Z, g):  # written out: another library's epsilon (review 4, m5)
        return closed_form(d, Z, g, eps=1e-8)

    def eps_0(d, Z, g):
        return closed_form(d, Z, g, eps=0.0)

    for hint, fn in {"as constants": frozen, "through the variance": mean_only,
                     "sign is flipped": sign, "you used eps = 1e-8": eps_1e8,
                     "epsilon is missing": eps_0,
                     "gamma is missing": lambda d, Z, g: ex.bn_input_grad_reference(
                         d, Z, np.ones_like(g))}.items():
        fb = ex.check_bn_input_grad(fn)
        assert not fb.ok and hint in fb.message, (hint, fb.message)


def test_one_scalar_prediction():
    assert not ex.check_one_scalar_prediction(None, None).ok
    assert ex.check_one_scalar_prediction("feature 1", "lower").ok
    fb = ex.check_one_scalar_prediction("feature 2", "lower")
    assert not fb.ok and "small scale" in fb.message
    fb = ex.check_one_scalar_prediction("feature 1", "about the same")
    assert not fb.ok and "squeezed feature is right" in fb.message
    fb = ex.check_one_scalar_prediction("feature 3", "lower")
    assert not fb.ok and "must be one of" in fb.message


def test_relu_init_std():
    assert not ex.check_relu_init_std(None).ok
    n_in, n_out = ex.RELU_N_IN, ex.RELU_N_OUT
    # He et al. 2015: Var(W) = 2 / n_in for a ReLU layer, written out here
    right = math.sqrt(2 / n_in)
    assert ex.check_relu_init_std(right).ok
    assert ex.check_relu_init_std(float(f"{right:.3g}")).ok  # 3 significant digits
    assert ex.check_relu_init_std(np.float32(right)).ok
    cases = {
        "LeCun's scale": math.sqrt(1 / n_in),
        "Glorot's (Xavier) scale": math.sqrt(2 / (n_in + n_out)),
        "that is the variance": 2 / n_in,
        "LeCun's variance": 1 / n_in,
        "halved LeCun's variance": math.sqrt(1 / (2 * n_in)),
        "backward variant": math.sqrt(2 / n_out),
        "ignores the layer's width": 0.01,
        "sign is flipped": -right,
    }
    for hint, wrong in cases.items():
        for given in (wrong, float(f"{wrong:.3g}")):
            fb = ex.check_relu_init_std(given)
            assert not fb.ok and hint in fb.message, (hint, given, fb.message)
            assert f"{right:.3g}" not in fb.message  # the expected value is never shown
    assert "not right yet" in ex.check_relu_init_std(1.5 * right).message


def test_relu_init_statement_quotes_the_constants():
    """The exercise text in the notebook names the layer the checker judges."""
    path = pathlib.Path(__file__).resolve().parent.parent / "book" / "10_practical_tips.ipynb"
    cells = json.loads(path.read_text("utf-8"))["cells"]
    text = next("".join(c["source"]) for c in cells
                if c["cell_type"] == "markdown" and "Exercise 5" in "".join(c["source"]))
    assert f"{ex.RELU_N_IN} inputs" in text and f"{ex.RELU_N_OUT} units" in text


def test_torch_momentum():
    assert ex.check_torch_momentum(0.01).ok
    for wrong, word in ((0.99, "Keras's number"), (0.1, "default"), (0.9, "turned around")):
        fb = ex.check_torch_momentum(wrong)
        assert not fb.ok and word in fb.message


def test_initial_loss():
    assert ex.check_initial_loss(math.log(10)).ok
    assert ex.check_initial_loss(2.30).ok
    for wrong, word in ((1.0, "base-10"), (math.log(2), "sigmoid"), (0.1, "probability"),
                        (10 * math.log(10), "true class")):
        fb = ex.check_initial_loss(wrong)
        assert not fb.ok and word in fb.message


def test_ratio_factor():
    assert ex.check_ratio_factor(0.25).ok
    for wrong, word in ((0.5, "gradient"), (1.0, "loss does not change"), (2.0, "smaller"),
                        (4.0, "shrinks")):
        fb = ex.check_ratio_factor(wrong)
        assert not fb.ok and word in fb.message


def test_new_checkers_answer_in_the_page():
    from backprop_lib.exercises.in_page import spec

    for check in (ex.check_torch_momentum, ex.check_initial_loss, ex.check_ratio_factor):
        assert spec(check)["kind"] == "number"


def test_sign_flips_and_axis_0_get_their_own_diagnoses():  # review m9
    from backprop_lib.exercises import practical_tips as _ex
    from backprop_lib.preprocessing import Standardizer as _S

    right = _S().fit(_ex.X_TRAIN).transform(_ex.X_NEW)
    assert "subtract the training mean" in _ex.check_standardized(-right).message
    assert "never negative" in _ex.check_initial_loss(-np.log(_ex.N_CLASSES)).message
    assert "positive" in _ex.check_ratio_factor(-1 / _ex.W_FACTOR ** 2).message

    def axis0(d, Z, g):
        mu, v = Z.mean(axis=0, keepdims=True), Z.var(axis=0, keepdims=True) + 1e-5
        dZhat, Zhat = g * d, (Z - mu) / np.sqrt(v)
        return (dZhat - dZhat.mean(axis=0, keepdims=True)
                - Zhat * (dZhat * Zhat).mean(axis=0, keepdims=True)) / np.sqrt(v)
    assert "axis 0" in _ex.check_bn_input_grad(axis0).message
