"""Unit tests of chapter "Gradient checking"'s second-edition modules: directional_check,
complex_step, dependency_check, error_measures, check_after_training, and the taken step
of gradcheck.numerical_gradient."""

import math

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import complex_step as cs
from backprop_lib import dependency_check as dc
from backprop_lib import directional_check as dcheck
from backprop_lib import error_measures as em
from backprop_lib.alternatives import flatten
from backprop_lib.figures import gradient_checking as gc
from backprop_lib.planted_bug import BUGS, BuggyNetwork


def small():
    return gc._eps_problem()


# ------------------------------------------------------------------ directional check
def test_directional_derivative_is_g_dot_v_and_restores_the_parameters():
    net, X, Y = small()
    before = {k: v.copy() for k, v in net.params.items()}
    v = dcheck.random_direction(net.params, seed=3)
    n = dcheck.directional_derivative(lambda: net.loss(X, Y), net.params, v)
    g = net.gradients(X, Y)
    a = sum(float(np.vdot(g["d" + k], v[k])) for k in net.params)
    assert abs(a - n) / (abs(a) + abs(n)) < 1e-8
    for k in before:
        np.testing.assert_array_equal(net.params[k], before[k])


def test_directional_check_passes_correct_and_fails_each_planted_gradient_bug():
    net, X, Y = small()
    result = dcheck.directional_check(net, X, Y, n_directions=4, seed=1)
    assert result.passed() and result.n_loss_evaluations == 8
    Xr, Yr = bp.data.regression_1d(20, seed=0)
    bad = BuggyNetwork([1, 4, 1], ["tanh", "identity"], loss="mse", seed=0)
    assert dcheck.directional_check(bad, Xr, Yr).max_relative_error > 0.1


def test_sampling_miss_probability_is_hypergeometric():
    assert dcheck.sampling_miss_probability(1, 4, 2) == pytest.approx(0.5)  # C(3,2)/C(4,2)
    assert dcheck.sampling_miss_probability(0, 10, 5) == 1.0
    assert dcheck.sampling_miss_probability(20, 5120, 10) == pytest.approx(
        (1 - 20 / 5120) ** 10, rel=1e-3)


def test_directional_bad_input_names_the_argument():
    net, X, Y = small()
    with pytest.raises(TypeError, match="params"):
        dcheck.random_direction([1, 2])
    with pytest.raises(ValueError, match="v must be a dict"):
        dcheck.directional_derivative(lambda: 0.0, net.params, {"W1": 1})
    with pytest.raises(ValueError, match=r"v\['W1'\] must have the shape"):
        v = dcheck.random_direction(net.params)
        v["W1"] = np.zeros((2, 2))
        dcheck.directional_derivative(lambda: 0.0, net.params, v)
    with pytest.raises(ValueError, match="n_directions"):
        dcheck.directional_check(net, X, Y, n_directions=0)
    with pytest.raises(ValueError, match="at most n_total"):
        dcheck.sampling_miss_probability(5, 4, 1)


# ------------------------------------------------------------------ complex step
def test_complex_loss_equals_the_real_loss():
    net, X, Y = small()
    assert cs.complex_loss(net, X, Y).real == pytest.approx(net.loss(X, Y), rel=1e-14)


def test_complex_step_matches_backprop_to_rounding_for_any_tiny_h():
    net, X, Y = small()
    g = flatten(net.gradients(X, Y))
    for h in (1e-20, 1e-200):
        assert bp.relative_error(g, flatten(cs.complex_step_gradients(net, X, Y, h=h))) < 1e-14
    v = dcheck.random_direction(net.params, seed=2)
    a = sum(float(np.vdot(net.gradients(X, Y)["d" + k], v[k])) for k in net.params)
    assert cs.complex_step_directional(net, X, Y, v) == pytest.approx(a, rel=1e-13)


def test_complex_step_breaks_on_abs():
    assert cs.complex_step_derivative(np.abs, -2.0) == 0.0  # the true derivative is -1
    assert cs.complex_step_derivative(np.tanh, 0.5) == pytest.approx(1 - np.tanh(0.5) ** 2)


def test_complex_step_bad_input():
    net, X, Y = small()
    with pytest.raises(ValueError, match="loss must be one of"):
        cs.complex_loss(net, X, Y, loss="softmax_ce")
    with pytest.raises(ValueError, match="activations must be among"):
        cs.complex_loss(bp.Network([3, 2, 1], "leaky_relu"), X, Y)
    with pytest.raises(ValueError, match="h must be > 0"):
        cs.complex_step_gradients(net, X, Y, h=0.0)
    with pytest.raises(TypeError, match="x must be a real number"):
        cs.complex_step_derivative(np.tanh, 1j)
    with pytest.raises(TypeError, match="f must be a function"):
        cs.complex_step_derivative(3, 1.0)


# ------------------------------------------------------------------ dependency check
def test_dependency_matrix_is_diagonal_for_a_plain_network():
    net, X, _ = small()
    D = dc.dependency_matrix(net.forward, X)
    assert dc.mixed_pairs(D) == 0 and np.all(np.diag(D) > 0)


def test_batch_axis_norm_mixes_and_its_backward_choice():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 8)), rng.standard_normal((1, 8))
    exact = dc.BatchAxisNormNetwork([3, 6, 1], "tanh", init="xavier", seed=0)
    const = dc.BatchAxisNormNetwork([3, 6, 1], "tanh", init="xavier", seed=0,
                                    backward="statistics_constant")
    assert dc.mixed_pairs(dc.dependency_matrix(exact.forward, X)) == 8 * 7
    assert bp.gradcheck(exact, X, Y).passed()
    assert bp.gradcheck(const, X, Y).max_relative_error > 1e-2
    assert "backward='statistics_constant'" in repr(const)


def test_dependency_bad_input():
    with pytest.raises(TypeError, match="model must be a function"):
        dc.dependency_matrix(None, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="one column per example"):
        dc.dependency_matrix(lambda A: A.sum(), np.ones((2, 3)))
    with pytest.raises(ValueError, match="D must be square"):
        dc.mixed_pairs(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="unknown backward"):
        dc.BatchAxisNormNetwork([3, 4, 1], backward="none")


# ------------------------------------------------------------------ error measures
def test_elementwise_error_and_floor():
    g = np.array([1.0, 1e-10])
    n = np.array([1.0, 2e-10])
    assert em.elementwise_relative_error(g, n) == pytest.approx(0.5)
    assert em.elementwise_relative_error(g, n, floor=1e-3) == pytest.approx(1e-7)
    assert em.elementwise_relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_torch_style_rule_is_atol_plus_rtol_times_numerical():
    n = np.array([1.0, 0.0])
    assert em.torch_style_passes(n + [9e-4, 9e-6], n)
    assert not em.torch_style_passes(n + [2e-3, 0.0], n)
    assert not em.torch_style_passes(n + [0.0, 2e-5], n)


def test_error_measures_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        em.elementwise_relative_error(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="floor"):
        em.elementwise_relative_error(np.zeros(2), np.zeros(2), floor=-1.0)
    with pytest.raises(TypeError, match="g must be an array of real numbers"):
        em.torch_style_passes(["a"], [1.0])


# ------------------------------------------------------------------ the taken step
def test_taken_step_divides_by_the_step_the_array_took():
    x = np.array([0.5], dtype=np.float32)
    f = lambda: float(np.float64(x[0]) * 3.0)  # noqa: E731 - exact in float64: slope 3
    nominal = bp.numerical_gradient(f, x, 1e-7)[0]
    taken = bp.numerical_gradient(f, x, 1e-7, taken_step=True)[0]
    assert abs(nominal - 3) > 0.1 and taken == pytest.approx(3.0, rel=1e-12)
    assert x[0] == np.float32(0.5)
    with pytest.raises(TypeError, match="taken_step must be True or False"):
        bp.numerical_gradient(f, x, 1e-7, taken_step="yes")


def test_taken_step_changes_nothing_in_float64_at_usual_steps():
    net, X, Y = small()
    a = flatten(bp.numerical_gradients(net, X, Y))
    b = flatten(bp.numerical_gradients(net, X, Y, taken_step=True))
    assert bp.relative_error(a, b) < 1e-9


# ------------------------------------------------------------------ planted bugs
def test_new_planted_bugs_touch_what_they_say():
    assert "tanh_derivative_from_z" in BUGS and "last_unit_skipped" in BUGS
    Xr, Yr = bp.data.regression_1d(16, seed=0)
    row = BuggyNetwork([1, 5, 1], ["tanh", "identity"], seed=0, bug="last_unit_skipped")
    g, ok = row.gradients(Xr, Yr), row.fixed().gradients(Xr, Yr)
    assert np.all(g["dW1"][-1] == 0) and np.allclose(g["dW1"][:-1], ok["dW1"][:-1])
    np.testing.assert_array_equal(g["dW2"], ok["dW2"])
    z = BuggyNetwork([1, 5, 1], ["tanh", "identity"], seed=0, init_scale=3.0,
                     bug="tanh_derivative_from_z")
    assert bp.gradcheck(z, Xr, Yr).errors["W1"] > 1e-3
    assert bp.gradcheck(z, Xr, Yr).errors["W2"] < 1e-7  # only layer 1's derivative is wrong
    assert math.isfinite(bp.gradcheck(z.fixed(), Xr, Yr).max_relative_error)
