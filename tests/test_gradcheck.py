"""Tests of backprop_lib.gradcheck: the relative error, central differences, detection."""

import math

import numpy as np
import pytest
from helpers import rel

import backprop_lib as bp


def small_problem(loss="half_mse", seed=0):
    acts = ["tanh", {"bce": "sigmoid", "softmax_ce": "identity"}.get(loss, "tanh")]
    net = bp.Network([3, 4, 2], activations=acts, loss=loss, seed=seed)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, 5))
    Y = bp.data.one_hot(rng.integers(0, 2, 5), 2) if loss in ("bce", "softmax_ce") \
        else rng.standard_normal((2, 5))
    return net, X, Y


def test_relative_error_known_values():
    assert bp.relative_error([1.0, 0.0], [0.0, 1.0]) == pytest.approx(math.sqrt(2) / 2)
    assert bp.relative_error([3.0, 4.0], [3.0, 4.0]) == 0.0
    assert bp.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert bp.relative_error([1.0], [-1.0]) == 1.0  # opposite signs: the maximum


def test_relative_error_is_scale_free_where_absolute_error_is_not():
    g = np.array([1.0, 2.0, 3.0])
    n = g * (1 + 1e-6)
    for scale in (1e-8, 1.0, 1e8):
        assert bp.relative_error(g * scale, n * scale) == pytest.approx(
            bp.relative_error(g, n), rel=1e-6)
    assert np.linalg.norm(g * 1e8 - n * 1e8) > 1e2  # the absolute error only tracks the scale


def test_relative_error_of_huge_values_is_finite_and_silent():
    g = np.array([1e308, -1e308])
    assert bp.relative_error(g, g) == 0.0
    assert bp.relative_error(g, -g) == 1.0


def test_relative_error_shape_mismatch():
    with pytest.raises(ValueError, match="same shape"):
        bp.relative_error(np.zeros(3), np.zeros(4))


def test_numerical_gradient_of_a_cubic():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    num = bp.numerical_gradient(lambda: float(np.sum(x**3)), x, eps=1e-5)
    np.testing.assert_allclose(num, 3 * x**2, rtol=1e-9)


def test_numerical_gradient_restores_x_even_when_f_fails():
    x = np.array([1.0, 2.0])
    calls = []

    def f():
        calls.append(x.copy())
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        bp.numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])
    assert calls[0][0] != 1.0  # it was perturbed before f failed


@pytest.mark.parametrize("loss", ["half_mse", "mse", "bce", "softmax_ce"])
def test_numerical_gradients_agree_with_backprop(loss):
    net, X, Y = small_problem(loss)
    num = bp.numerical_gradients(net, X, Y)
    grads = net.gradients(X, Y)
    assert list(num) == list(grads)
    for k in grads:
        assert rel(grads[k], num[k]) < 1e-7


def test_numerical_gradients_subset_of_names():
    net, X, Y = small_problem()
    assert list(bp.numerical_gradients(net, X, Y, names=["W2"])) == ["dW2"]
    assert list(bp.numerical_gradients(net, X, Y, names="b1")) == ["db1"]


@pytest.mark.parametrize("loss", ["half_mse", "mse", "bce", "softmax_ce"])
def test_gradcheck_passes_on_correct_backprop(loss):
    net, X, Y = small_problem(loss)
    check = bp.gradcheck(net, X, Y)
    assert list(check.errors) == ["W1", "b1", "W2", "b2"]
    assert check.max_relative_error == max(check.errors.values())
    assert check.passed()
    assert check.n_loss_evaluations == 2 * net.n_params


def test_gradcheck_leaves_params_exactly_unchanged():
    net, X, Y = small_problem()
    before = {k: v.copy() for k, v in net.params.items()}
    bp.gradcheck(net, X, Y)
    for k, v in net.params.items():
        np.testing.assert_array_equal(v, before[k])


class BuggyNetwork(bp.Network):
    """Forgets the 1/m in dW1 (multiplies it by m), the kind of bug gradcheck must catch."""

    def loss_and_gradients(self, X, Y, checked=False):
        loss, grads = super().loss_and_gradients(X, Y, checked)
        grads["dW1"] = grads["dW1"] * np.shape(X)[1]
        return loss, grads


def test_gradcheck_catches_a_missing_one_over_m():
    net = BuggyNetwork([3, 4, 2], activations=["tanh", "tanh"], seed=0)
    _, X, Y = small_problem()
    check = bp.gradcheck(net, X, Y)
    assert not check.passed()
    assert check.errors["W1"] == pytest.approx((5 - 1) / (5 + 1), rel=1e-6)  # |5g-g|/(5g+g)
    assert check.errors["W2"] < 1e-7


def test_gradcheck_n_samples_checks_a_subset():
    net = bp.Network([6, 8, 2], activations=["tanh", "tanh"], seed=1)
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((6, 4)), rng.standard_normal((2, 4))
    check = bp.gradcheck(net, X, Y, n_samples=5)
    # W1 (48 entries) and W2 (16): 5 each; b1 (8): 5; b2 (2 entries): both
    assert check.n_loss_evaluations == 2 * (5 + 5 + 5 + 2)
    assert check.analytic["dW1"].shape == (5,)
    assert check.passed()
    again = bp.gradcheck(net, X, Y, n_samples=5)
    assert again.errors == check.errors  # seeded choice of entries


def test_gradcheck_names_limits_the_check():
    net, X, Y = small_problem()
    check = bp.gradcheck(net, X, Y, names=["W1"])
    assert list(check.errors) == ["W1"]


def test_gradcheck_table_lists_every_parameter():
    net, X, Y = small_problem()
    lines = bp.gradcheck(net, X, Y).table().splitlines()
    assert lines[0].split() == ["parameter", "relative", "error"]
    assert [line.split()[0] for line in lines[1:]] == ["W1", "b1", "W2", "b2"]


def test_passed_threshold_is_strict():
    check = bp.GradCheck(errors={"W1": 1e-7}, analytic={}, numeric={})
    assert not check.passed()
    assert check.passed(threshold=1e-6)


def test_relu_kink_can_fool_the_check():
    """A pre-activation within eps of 0: central differences straddle the kink."""
    net = bp.Network([1, 1, 1], activations=["relu", "identity"])
    net.set_params({"W1": [[1.0]], "b1": [0.0], "W2": [[1.0]], "b2": [0.0]})
    X, Y = [[1e-7]], [[1.0]]
    check = bp.gradcheck(net, X, Y, eps=1e-6)
    assert check.errors["b1"] > 1e-3


def test_abs_errors_are_the_largest_entry_difference():
    net, X, Y = small_problem()
    check = bp.gradcheck(net, X, Y)
    for name in check.errors:
        diff = np.abs(check.analytic["d" + name] - check.numeric["d" + name]).max()
        assert check.abs_errors[name] == diff
    assert check.max_abs_error == max(check.abs_errors.values())
    L = net.loss(X, Y)
    assert check.rounding_error == pytest.approx(np.finfo(np.float64).eps * L / 1e-6, rel=1e-12)
    # the default table is unchanged (the chapters print it); absolute=True adds a column
    assert check.table().splitlines()[0].split() == ["parameter", "relative", "error"]
    lines = check.table(absolute=True).splitlines()
    assert lines[0].split() == ["parameter", "relative", "error", "absolute", "error"]
    assert float(lines[1].split()[2]) == pytest.approx(check.abs_errors["W1"], rel=0.01)
    assert lines[-1].startswith("rounding error of the step")


def test_tiny_gradients_fail_the_relative_test_but_their_absolute_error_is_rounding():
    """The module docstring's claim: init="small" gives gradients of 1e-9 whose relative
    error reaches 1e-2 although backpropagation is right; the absolute error stays at the
    step's rounding error u |L| / eps."""
    net = bp.Network([3, 4, 4, 2], ["tanh", "tanh", "sigmoid"], loss="bce", init="small",
                     seed=34)
    rng = np.random.default_rng(34)
    X, Y = rng.standard_normal((3, 6)), (rng.random((2, 6)) > 0.5).astype(float)
    check = bp.gradcheck(net, X, Y)
    assert np.abs(check.analytic["db1"]).max() < 1e-8  # tiny gradients
    assert check.errors["b1"] > 1e-3 and not check.passed()
    assert check.max_abs_error < 3 * check.rounding_error
    assert check.rounding_error < 1e-9


def test_gradient_zero_by_construction_scores_about_one():
    """beta1 of a batch-normalized network whose layer 2 normalizes again through identity
    layers: a shift of Ztilde1 is removed by layer 2's mean, so dL/dbeta1 = 0 exactly; both
    estimates are rounding noise and the relative error is about 1."""
    from backprop_lib.batchnorm import BatchNormNetwork

    net = BatchNormNetwork([3, 4, 4, 2], ["identity"] * 3, loss="half_mse", seed=0)
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 6)), rng.standard_normal((2, 6))
    check = bp.gradcheck(net, X, Y)
    assert check.errors["beta1"] > 0.5
    assert check.abs_errors["beta1"] < 1e-14 < check.rounding_error
    assert max(e for k, e in check.errors.items() if k != "beta1") < 1e-7


def test_numerical_gradient_accepts_any_real_scalar_and_restores_x():
    x = np.array([1.0, 2.0])
    num = bp.numerical_gradient(lambda: np.array(np.sum(x**2)), x)  # a 0-d array
    np.testing.assert_allclose(num, 2 * x, rtol=1e-8)
    with pytest.raises(TypeError, match=r"f must return a scalar.*shape \(2,\)"):
        bp.numerical_gradient(lambda: x**2, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])
