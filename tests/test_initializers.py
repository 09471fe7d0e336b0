"""Tests of backprop_lib.initializers: scale of each scheme, seeding, dtypes."""

import math

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import initializers as init

FORMULAS = {
    "zeros": lambda i, o: 0.0,
    "small": lambda i, o: 0.01,
    "lecun": lambda i, o: math.sqrt(1 / i),
    "xavier": lambda i, o: math.sqrt(2 / (i + o)),
    "he": lambda i, o: math.sqrt(2 / i),
}


@pytest.mark.parametrize("scheme", sorted(FORMULAS))
@pytest.mark.parametrize("n_in, n_out", [(1, 1), (3, 7), (400, 100)])
def test_weight_std_formula(scheme, n_in, n_out):
    assert init.weight_std(scheme, n_in, n_out) == pytest.approx(FORMULAS[scheme](n_in, n_out))


@pytest.mark.parametrize("scheme", ["small", "lecun", "xavier", "he"])
def test_empirical_std_of_a_large_layer(scheme):
    net = bp.Network([300, 200, 1], activations="tanh", init=scheme, seed=1)
    W = net.params["W1"]
    # 60000 draws: the sample std is within 2% of the target with overwhelming probability
    assert W.std() == pytest.approx(FORMULAS[scheme](300, 200), rel=0.02)
    assert abs(W.mean()) < 0.02 * FORMULAS[scheme](300, 200)


def test_draws_are_standard_normals_layer_by_layer():
    net = bp.Network([3, 4, 2], activations="tanh", init="he", seed=7)
    rng = np.random.default_rng(7)
    W1 = rng.standard_normal((4, 3)) * math.sqrt(2 / 3)
    W2 = rng.standard_normal((2, 4)) * math.sqrt(2 / 4)
    np.testing.assert_array_equal(net.params["W1"], W1)
    np.testing.assert_array_equal(net.params["W2"], W2)


def test_biases_start_at_zero_with_column_shape():
    net = bp.Network([3, 4, 2], seed=0)
    for name, n in (("b1", 4), ("b2", 2)):
        assert net.params[name].shape == (n, 1)
        assert not net.params[name].any()


def test_zeros_scheme_gives_all_zero_weights():
    net = bp.Network([3, 4, 2], init="zeros")
    assert all(not p.any() for p in net.params.values())


def test_init_scale_multiplies_every_weight():
    a = bp.Network([3, 4, 2], init="xavier", init_scale=1.0, seed=3)
    b = bp.Network([3, 4, 2], init="xavier", init_scale=2.5, seed=3)
    for name in ("W1", "W2"):
        np.testing.assert_allclose(b.params[name], 2.5 * a.params[name], rtol=1e-15)


def test_same_seed_same_weights_other_seed_other_weights():
    a = bp.Network([3, 4, 2], seed=11)
    b = bp.Network([3, 4, 2], seed=11)
    c = bp.Network([3, 4, 2], seed=12)
    np.testing.assert_array_equal(a.params["W1"], b.params["W1"])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


def test_float32_weights_are_the_rounded_float64_weights():
    a = bp.Network([3, 4, 2], seed=5, dtype=np.float64)
    b = bp.Network([3, 4, 2], seed=5, dtype=np.float32)
    for name, p in b.params.items():
        assert p.dtype == np.float32
        np.testing.assert_array_equal(p, a.params[name].astype(np.float32))


def test_unknown_scheme():
    with pytest.raises(ValueError, match=r"init.*'glorot'.*xavier"):
        init.weight_std("glorot", 2, 2)


@pytest.mark.parametrize("scheme", ["lecun", "xavier", "he"])
@pytest.mark.parametrize("n_in, n_out", [(300, 200), (50, 400)])
def test_uniform_and_normal_draws_share_the_variance(scheme, n_in, n_out):
    rng = np.random.default_rng(3)
    target = init.weight_std(scheme, n_in, n_out) ** 2
    r = init.uniform_limit(scheme, n_in, n_out)
    assert r == pytest.approx(math.sqrt(3 * target))
    U = init.draw(scheme, n_out, n_in, rng, distribution="uniform")
    N = init.draw(scheme, n_out, n_in, rng)
    assert U.shape == N.shape == (n_out, n_in)
    assert np.abs(U).max() <= r
    # >= 20000 draws: the sample variance is within 4% of the target
    assert U.var() == pytest.approx(target, rel=0.04)
    assert N.var() == pytest.approx(target, rel=0.04)
    assert abs(U.mean()) < 0.05 * math.sqrt(target) and abs(N.mean()) < 0.05 * math.sqrt(target)


def test_glorot_uniform_limit_is_sqrt_6_over_fan_sum():
    assert init.uniform_limit("xavier", 30, 70) == pytest.approx(math.sqrt(6 / 100))
    assert init.uniform_limit("he", 30, 70) == pytest.approx(math.sqrt(6 / 30))


@pytest.mark.parametrize("n_out, n_in", [(16, 16), (10, 30), (30, 10)])
def test_orthogonal_has_unit_singular_values(n_out, n_in):
    W = init.orthogonal(n_out, n_in, np.random.default_rng(0), gain=2.0)
    assert W.shape == (n_out, n_in)
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), 2.0, rtol=1e-12)
    # variance per entry: gain^2 min(n_out, n_in) / (n_out n_in)
    assert np.sum(W ** 2) == pytest.approx(4.0 * min(n_out, n_in))


def test_orthogonal_draw_is_not_biased_in_sign():
    diag = [init.orthogonal(4, 4, np.random.default_rng(s))[0, 0] for s in range(400)]
    assert abs(np.mean(diag)) < 0.1  # a raw QR would give a biased sign pattern


def test_new_draws_reject_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="distribution"):
        init.draw("he", 2, 2, rng, distribution="gaussian")
    with pytest.raises(TypeError, match="rng"):
        init.draw("he", 2, 2, 0)
    with pytest.raises(TypeError, match="rng"):
        init.orthogonal(2, 2, None)
    with pytest.raises(ValueError, match="n_in"):
        init.orthogonal(2, 0, rng)
