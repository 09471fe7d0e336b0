"""Tests of backprop_lib.activations: values, local derivatives, stability, dtypes."""

import math
import warnings
from decimal import Decimal, getcontext

import numpy as np
import pytest
from helpers import ACTIVATIONS

from backprop_lib import activations as act

getcontext().prec = 50


def decimal_sigmoid(z: float) -> float:
    """1 / (1 + e^(-z)) at 50 digits, rounded once to float."""
    return float(1 / (1 + (-Decimal(z)).exp()))


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_derivative_matches_central_differences(name):
    f = act.get(name)
    rng = np.random.default_rng(1)
    z = rng.uniform(-3, 3, size=200)
    z = z[np.abs(z) > 1e-3]  # away from the kink of relu and leaky_relu
    h = 1e-6
    numeric = (f(z + h) - f(z - h)) / (2 * h)
    analytic = f.derivative(z, f(z))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize(
    "name, z, expected",
    [
        ("sigmoid", 0.0, 0.5),
        ("tanh", 0.0, 0.0),
        ("relu", -2.0, 0.0),
        ("relu", 3.0, 3.0),
        ("leaky_relu", -2.0, -0.02),
        ("leaky_relu", 3.0, 3.0),
        ("identity", -1.5, -1.5),
    ],
)
def test_known_values(name, z, expected):
    assert act.get(name)(np.array([z]))[0] == pytest.approx(expected, rel=1e-15, abs=0)


def test_relu_derivative_at_kink_is_zero_like_pytorch():
    assert act.relu_derivative(np.array([0.0]), np.array([0.0]))[0] == 0.0


def test_leaky_relu_slope_is_pytorch_default():
    assert act.LEAKY_SLOPE == 0.01
    d = act.leaky_relu_derivative(np.array([-5.0, 0.0, 5.0]), None)
    np.testing.assert_array_equal(d, [0.01, 0.01, 1.0])


@pytest.mark.parametrize("z", [-1000.0, 1000.0, -1e308, 1e308])
def test_sigmoid_has_no_overflow_warning_at_extremes(z):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = act.sigmoid(np.array([z]))
    assert s[0] == (1.0 if z > 0 else 0.0)


@pytest.mark.parametrize("z", [-745.0, -700.0, -100.0, -40.0, -20.0, -1.0, 0.0, 1.0, 20.0, 36.0])
def test_sigmoid_full_relative_precision(z):
    """Relative precision even where sigma(z) is tiny (e.g. e^-40 ~ 4e-18)."""
    exact = decimal_sigmoid(z)
    got = float(act.sigmoid(np.array([z]))[0])
    assert abs(got - exact) <= 4 * np.finfo(np.float64).eps * exact


def test_sigmoid_minus_40_beats_naive_formula_reference():
    # e^-40 / (1 + e^-40) with math.exp: a second independent reference.
    ref = math.exp(-40) / (1 + math.exp(-40))
    assert float(act.sigmoid(-40.0)) == pytest.approx(ref, rel=1e-15)


def test_sigmoid_symmetry():
    z = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(act.sigmoid(-z), 1 - act.sigmoid(z), rtol=0, atol=2.3e-16)


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(name, dtype):
    f = act.get(name)
    z = np.linspace(-2, 2, 7, dtype=dtype)
    a = f(z)
    assert a.dtype == dtype
    assert f.derivative(z, a).dtype == dtype


def test_float32_sigmoid_at_extremes_is_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = act.sigmoid(np.array([-200.0, 200.0], dtype=np.float32))
    np.testing.assert_array_equal(s, np.array([0.0, 1.0], dtype=np.float32))


def test_integer_input_is_cast_to_float64():
    assert act.sigmoid(np.array([0, 1])).dtype == np.float64
    assert act.relu(np.array([-1, 2])).dtype == np.float64


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_derivative_from_output(name):
    """sigma' = a (1 - a) and tanh' = 1 - a^2: the derivative reads the output."""
    z = np.array([-1.0, 0.5, 2.0])
    f = act.get(name)
    a = f(z)
    expected = a * (1 - a) if name == "sigmoid" else 1 - a**2
    np.testing.assert_array_equal(f.derivative(z, a), expected)


def test_get_unknown_name_lists_choices():
    with pytest.raises(ValueError, match=r"activation.*'softplus'.*sigmoid"):
        act.get("softplus")


def test_get_non_string_is_type_error():
    with pytest.raises(TypeError, match="activation"):
        act.get(3)


@pytest.mark.parametrize("dtype, z", [(np.float64, -720.0), (np.float32, -95.0)])
def test_sigmoid_where_e_to_minus_z_overflows_is_e_to_z(dtype, z):
    """Below the overflow edge the result is e^z (subnormal here), not 0; the overflow is
    detected from the floating-point flag, so this path must be taken and be silent."""
    zs = np.array([z, 0.0, 3.0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = act.sigmoid(zs)
    assert s.dtype == dtype
    assert s[0] > 0 and s[0] == np.exp(zs[0])
    assert s[1] == 0.5


def test_sigmoid_respects_no_global_error_setting():
    """A learner's np.seterr(all='raise') must not turn the sigmoid's harmless overflow
    or underflow into an exception."""
    with np.errstate(all="raise"):
        s = act.sigmoid(np.array([-720.0, -1.0, 800.0]))
    assert s[0] > 0 and s[2] == 1.0


def ulps_from_correctly_rounded(z, dtype):
    """|sigmoid(z) - the correctly rounded sigma(z)| in units in the last place, per z."""
    it = np.int64 if dtype == np.float64 else np.int32
    got = act.sigmoid(z).view(it).astype(np.int64)
    exact = np.array([str(1 / (1 + (-Decimal(float(v))).exp())) for v in z], dtype=dtype)
    return np.abs(got - exact.view(it).astype(np.int64))


@pytest.mark.parametrize("dtype, lo, hi, bound", [(np.float64, -745.0, 40.0, 2),
                                                   (np.float32, -104.0, 20.0, 3)])
def test_sigmoid_is_within_the_docstrings_ulps_and_not_always_correctly_rounded(
        dtype, lo, hi, bound):
    # docstring: "within 2 ulp of the correctly rounded value in float64, 3 in float32";
    # "about 28% of the values are not correctly rounded" (50-digit Decimal reference)
    rng = np.random.default_rng(11)
    z = np.concatenate([rng.uniform(lo, hi, 3000), -np.geomspace(1e-8, -lo, 500),
                        np.geomspace(1e-8, hi, 500)]).astype(dtype)
    u = ulps_from_correctly_rounded(z, dtype)
    assert u.max() <= bound
    assert 0.15 < np.mean(u > 0) < 0.45


# ELU (chapter "Dead neurons and slow convergence"): values against mpmath, the local
# derivative against central differences, and a network's gradient check.
def test_elu_values_and_derivative_against_mpmath():
    import mpmath

    mpmath.mp.dps = 50
    z = np.concatenate([np.linspace(-30, 5, 351), [-1e-12, 1e-12, -1e-300]])
    f = act.get("elu")
    ref = np.array([float(mpmath.expm1(mpmath.mpf(v))) if v <= 0 else v for v in z])
    np.testing.assert_allclose(f(z), ref, rtol=4e-16, atol=0)
    dref = np.array([float(mpmath.exp(mpmath.mpf(v))) if v <= 0 else 1.0 for v in z])
    np.testing.assert_allclose(f.derivative(z, f(z)), dref, rtol=4e-16, atol=0)
    assert np.all(f.derivative(z, f(z)) > 0)  # never zero: no ELU unit is ever frozen


def test_elu_derivative_matches_central_differences_and_keeps_dtype():
    f = act.get("elu")
    z = np.random.default_rng(2).uniform(-4, 4, size=300)
    z = z[np.abs(z) > 1e-3]
    h = 1e-6
    np.testing.assert_allclose(f.derivative(z, f(z)), (f(z + h) - f(z - h)) / (2 * h),
                               rtol=1e-8, atol=1e-10)
    z32 = z.astype(np.float32)
    assert f(z32).dtype == np.float32 and f.derivative(z32, f(z32)).dtype == np.float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f(np.array([1e308, -1e308])).tolist() == [1e308, -1.0]


def test_elu_network_passes_gradient_check():
    from backprop_lib import Network, gradcheck

    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 7)), rng.standard_normal((1, 7))
    net = Network([3, 5, 4, 1], ["elu", "elu", "identity"], loss="half_mse", seed=1)
    assert gradcheck(net, X, Y).max_relative_error < 1e-7
