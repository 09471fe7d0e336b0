"""Tests of backprop_lib.losses: values from their formulas, derivatives, fused deltas."""

import math
import warnings

import numpy as np
import pytest
from helpers import LOSSES, rel, targets

from backprop_lib import activations as act
from backprop_lib import losses


def loop_value(name, A, Y):
    """Each loss written as plain Python loops over examples i and units k."""
    n, m = A.shape
    total = 0.0
    for i in range(m):
        if name == "half_mse":
            total += 0.5 * sum((A[k, i] - Y[k, i]) ** 2 for k in range(n))
        elif name == "mse":
            total += sum((A[k, i] - Y[k, i]) ** 2 for k in range(n)) / n
        elif name == "bce":
            total -= sum(
                Y[k, i] * math.log(A[k, i]) + (1 - Y[k, i]) * math.log(1 - A[k, i])
                for k in range(n)
            ) / n
        else:  # softmax_ce on logits
            zmax = max(A[k, i] for k in range(n))
            lse = zmax + math.log(sum(math.exp(A[k, i] - zmax) for k in range(n)))
            total -= sum(Y[k, i] * (A[k, i] - lse) for k in range(n))
    return total / m


def sample(name, n=3, m=5, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.uniform(0.05, 0.95, (n, m)) if name == "bce" else rng.standard_normal((n, m))
    return A, targets(name, n, m, rng)


@pytest.mark.parametrize("name", LOSSES)
def test_value_matches_loop_formula(name):
    A, Y = sample(name)
    assert losses.get(name)(A, Y) == pytest.approx(loop_value(name, A, Y), rel=1e-13)


@pytest.mark.parametrize("name", LOSSES)
def test_value_is_python_float(name):
    A, Y = sample(name)
    assert type(losses.get(name)(A, Y)) is float


@pytest.mark.parametrize("name", LOSSES)
def test_gradient_matches_central_differences(name):
    A, Y = sample(name)
    loss = losses.get(name)
    h = 1e-6
    numeric = np.zeros_like(A)
    for idx in np.ndindex(A.shape):
        Ap, Am = A.copy(), A.copy()
        Ap[idx] += h
        Am[idx] -= h
        numeric[idx] = (loss(Ap, Y) - loss(Am, Y)) / (2 * h)
    assert rel(loss.gradient(A, Y), numeric) < 1e-8


def test_mse_is_numpy_mean_and_twice_half_mse_over_units():
    A, Y = sample("mse", n=4, m=6)
    assert losses.mse(A, Y) == pytest.approx(np.mean((A - Y) ** 2), rel=1e-14)
    assert losses.mse(A, Y) == pytest.approx(2 * losses.half_mse(A, Y) / 4, rel=1e-14)


def test_half_mse_gradient_is_error_over_m():
    A, Y = sample("half_mse", n=2, m=4)
    np.testing.assert_array_equal(losses.half_mse_gradient(A, Y), (A - Y) / 4)


def test_bce_fused_delta_equals_chain_rule():
    rng = np.random.default_rng(3)
    Z = rng.standard_normal((2, 5))
    A = act.sigmoid(Z)
    Y = targets("bce", 2, 5, rng)
    bce = losses.get("bce")
    fused = bce.output_delta(A, Y, "sigmoid")
    chained = bce.gradient(A, Y) * act.sigmoid_derivative(Z, A)
    assert rel(fused, chained) < 1e-13


def test_softmax_ce_gradient_is_softmax_minus_y_over_m():
    Z, Y = sample("softmax_ce", n=3, m=4)
    expected = (losses.softmax(Z) - Y) / 4
    np.testing.assert_allclose(losses.softmax_ce_gradient(Z, Y), expected, rtol=1e-15)
    assert rel(losses.get("softmax_ce").output_delta(Z, Y, "identity"), expected) < 1e-15


@pytest.mark.parametrize("name", ["half_mse", "mse"])
def test_no_fused_delta_for_regression_losses(name):
    A, Y = sample(name)
    assert losses.get(name).output_delta(A, Y, "identity") is None


def test_softmax_columns_are_probabilities_even_for_huge_logits():
    Z = np.array([[1000.0, -1000.0, 0.0], [0.0, 1000.0, 1e-300], [-1000.0, 0.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        P = losses.softmax(Z)
        L = losses.log_softmax(Z)
    assert np.isfinite(L).all()
    np.testing.assert_allclose(P.sum(axis=0), 1.0, rtol=1e-15)
    assert L[0, 0] == 0.0 and L[1, 0] == -1000.0


def test_softmax_ce_of_one_hot_is_mean_negative_log_probability():
    Z = np.array([[2.0, 0.0], [1.0, 0.0], [0.0, 3.0]])
    Y = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
    P = losses.softmax(Z)
    expected = -(math.log(P[0, 0]) + math.log(P[2, 1])) / 2
    assert losses.softmax_ce(Z, Y) == pytest.approx(expected, rel=1e-14)


def test_bce_is_infinite_not_clamped_on_a_certain_wrong_answer():
    A = np.array([[0.0, 1.0]])
    Y = np.array([[1.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert losses.bce(A, Y) == math.inf


def test_bce_of_exact_certain_right_answers_is_zero():
    A = np.array([[0.0, 1.0]])
    Y = np.array([[0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert losses.bce(A, Y) == 0.0


@pytest.mark.parametrize("name", LOSSES)
def test_loss_of_duplicated_batch_is_unchanged(name):
    """The loss is a mean over examples: repeating the batch does not change it."""
    A, Y = sample(name)
    loss = losses.get(name)
    assert loss(np.hstack([A, A]), np.hstack([Y, Y])) == pytest.approx(loss(A, Y), rel=1e-14)


def test_predict_is_softmax_only_for_softmax_ce():
    Z, _ = sample("softmax_ce")
    np.testing.assert_array_equal(losses.get("softmax_ce").predict(Z), losses.softmax(Z))
    assert losses.get("mse").predict(Z) is Z


def test_unknown_loss_lists_choices():
    with pytest.raises(ValueError, match=r"loss.*'l1'.*half_mse"):
        losses.get("l1")


@pytest.mark.parametrize("name", LOSSES)
def test_value_and_gradient_together_equal_each_alone(name):
    A, Y = sample(name, n=4, m=7)
    loss = losses.get(name)
    value, grad = loss.value_and_gradient(A, Y)
    assert value == loss.value(A, Y)
    np.testing.assert_array_equal(grad, loss.gradient(A, Y))


def test_a_loss_rebuilt_with_another_gradient_takes_no_shortcut():
    """The planted bug pairs mse's value with half_mse's gradient; computing both at once
    must give that pair, not mse's own gradient."""
    from dataclasses import replace

    A, Y = sample("mse")
    mixed = replace(losses.get("mse"), gradient=losses.get("half_mse").gradient)
    value, grad = mixed.value_and_gradient(A, Y)
    assert value == losses.mse(A, Y)
    np.testing.assert_array_equal(grad, losses.half_mse_gradient(A, Y))


# ---------------------------------------------------------------- bce from the logits

FAR_Z = [-1000.0, -700.0, -300.0, -100.0, -40.0, -37.0, -5.0, -1e-3, 0.0, 1e-3, 5.0, 37.0,
         40.0, 100.0, 300.0, 700.0, 1000.0]


def exact_bce_entry(z, y):
    """softplus(z) - y z per entry, written independently: log1p(e^-|z|) + max(z, 0) - y z,
    with max(z, 0) - y z evaluated exactly for the labels 0 and 1."""
    if y in (0.0, 1.0):
        linear = {(True, 1.0): 0.0, (True, 0.0): z, (False, 1.0): -z, (False, 0.0): 0.0}[
            (z > 0, y)]
    else:
        linear = max(z, 0.0) - y * z
    return math.log1p(math.exp(-abs(z))) + linear


def exact_bce_dz(z, y):
    """sigma(z) - y, with sigma(-z) = 1 / (1 + e^z) written out for the right side."""
    if y == 1.0:
        return -1.0 / (1.0 + math.exp(min(z, 709.0))) if z < 709 else -math.exp(-z)
    if y == 0.0:
        return 1.0 / (1.0 + math.exp(min(-z, 709.0))) if -z < 709 else math.exp(z)
    return 1.0 / (1.0 + math.exp(-z)) - y if z > -709 else -y


@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
def test_bce_with_logits_is_exact_at_every_logit(y):
    for z in FAR_Z:
        Z, Y = np.array([[z]]), np.array([[y]])
        expected = exact_bce_entry(z, y)
        got = losses.bce_with_logits(Z, Y)
        assert math.isfinite(got)
        # soft targets: max(z, 0) - y z itself rounds, relative to |z|
        tol = 4e-16 if y in (0.0, 1.0) else 4e-16 * (1 + abs(z) / max(expected, 1e-300))
        assert got == pytest.approx(expected, rel=tol, abs=0), (z, y)


@pytest.mark.parametrize("y", [0.0, 1.0])
def test_bce_with_logits_gradient_is_exact_at_every_logit(y):
    Z = np.array([FAR_Z])
    Y = np.full_like(Z, y)
    g = losses.bce_with_logits_gradient(Z, Y)
    for z, gz in zip(FAR_Z, g[0], strict=True):
        expected = exact_bce_dz(z, y) / Z.size
        assert gz == pytest.approx(expected, rel=4e-16, abs=0), (z, y)
    # a confident right answer keeps its tiny gradient: not 1 - 1 = 0
    assert losses.bce_with_logits_gradient(np.array([[40.0]]), np.array([[1.0]]))[0, 0] == \
        pytest.approx(-math.exp(-40.0), rel=1e-15)


def test_bce_from_probabilities_fails_where_the_logits_form_does_not():
    Z, Y = np.array([[40.0, -40.0]]), np.array([[0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert losses.bce(act.sigmoid(Z), Y) == math.inf  # sigma(40) rounds to exactly 1
        assert losses.bce_with_logits(Z, Y) == pytest.approx(40.0, rel=1e-15)


def test_bce_with_logits_equals_bce_where_the_probability_is_accurate():
    rng = np.random.default_rng(4)
    Z, Y = rng.standard_normal((3, 20)) * 4, rng.random((3, 20))
    assert losses.bce_with_logits(Z, Y) == pytest.approx(losses.bce(act.sigmoid(Z), Y),
                                                         rel=1e-13)
    np.testing.assert_allclose(losses.bce_with_logits_gradient(Z, Y),
                               (act.sigmoid(Z) - Y) / Z.size, rtol=1e-12, atol=1e-18)


def test_bce_with_logits_float32_stays_float32_and_finite():
    Z = np.array([[-700, -90, -40, 0, 40, 90, 700]], dtype=np.float32)
    Y = np.array([[1, 0, 1, 1, 0, 1, 0]], dtype=np.float32)
    g = losses.bce_with_logits_gradient(Z, Y)
    assert g.dtype == np.float32 and np.all(np.isfinite(g))
    expected = sum(exact_bce_entry(float(z), float(y)) for z, y in zip(Z[0], Y[0], strict=True))
    assert losses.bce_with_logits(Z, Y) == pytest.approx(expected / 7, rel=1e-6)


def test_loss_object_uses_the_logits_where_sigmoid_is_last():
    bce = losses.get("bce")
    Z, Y = np.array([[50.0, -50.0, 2.0]]), np.array([[0.0, 0.0, 1.0]])
    A = act.sigmoid(Z)
    assert bce.output_value(Z, A, Y, "sigmoid") == losses.bce_with_logits(Z, Y)
    loss, dZ, dA = bce.output_terms(Z, A, Y, "sigmoid", with_dA=True)
    assert loss == losses.bce_with_logits(Z, Y)
    np.testing.assert_array_equal(dZ, losses.bce_with_logits_gradient(Z, Y))
    # dA = (a - y) / (a (1 - a) n_L m): for y = 0 that is (1 + e^z) / 3, finite at z = 50
    np.testing.assert_allclose(dA[0], [(1 + math.exp(50)) / 3, (1 + math.exp(-50)) / 3,
                                       -(1 + math.exp(-2)) / 3], rtol=1e-14)
    assert bce.output_delta(A, Y, "sigmoid", Z=Z) is not None
    assert bce.output_terms(Z, A, Y, "sigmoid")[2] is None  # dA only when asked


def test_trace_dA_at_logits_beyond_the_float_range():
    Z = np.array([[800.0, 800.0, -800.0, -800.0, 715.0, 710.0]])
    Y = np.array([[1.0, 0.0, 0.0, 1.0, 0.0, 0.0]])
    dA = losses.get("bce").from_logits.gradient(Z, Y)
    # right answers: the limits -1/N and +1/N; wrong ones: beyond the floats, +-inf, except
    # e^710 / 6, which still is a float
    np.testing.assert_array_equal(dA[0, :5], [-1 / 6, np.inf, 1 / 6, -np.inf, np.inf])
    assert dA[0, 5] == pytest.approx(math.exp(710 - math.log(6)), rel=1e-13)


def test_checked_loss_call_equals_unchecked_value():
    for name in LOSSES:
        A, Y = sample(name)
        assert losses.get(name)(A, Y) == losses.get(name).value(A, Y)


def test_softmax_ce_is_finite_and_exact_at_huge_logits_too():
    """The other fused pair: softmax_ce works on the logits, shifted by the column max."""
    Z = np.array([[1000.0, -1000.0], [0.0, 0.0], [-1000.0, 1000.0]])
    Y = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    # column 1: -log softmax(z)_2 = 1000 + log(1 + e^-1000 + e^-2000); column 2: log(1 + ...)
    assert losses.softmax_ce(Z, Y) == pytest.approx(1000.0 / 2, rel=1e-15)
    g = losses.softmax_ce_gradient(Z, Y)
    np.testing.assert_array_equal(g, np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.0]]) / 2)
    from backprop_lib.network import Network

    net = Network([1, 3], activations="identity", loss="softmax_ce")
    net.set_params({"W1": [[1000.0], [0.0], [-1000.0]], "b1": [0.0, 0.0, 0.0]})
    assert net.loss([[1.0, -1.0]], Y) == pytest.approx(500.0, rel=1e-15)
