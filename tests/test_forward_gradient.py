"""backprop_lib.forward_gradient: g = (grad . v) v from tangent passes (Baydin et al. 2022)."""

import numpy as np
import pytest

from backprop_lib import alternatives as alt
from backprop_lib import forward_gradient as fg
from backprop_lib.figures import alternatives as fa


def test_one_direction_is_the_directional_derivative_times_the_direction():
    net, X, Y = fa.problem(4)
    est = fg.forward_gradient(net, X, Y, n_directions=1, seed=3)
    v = np.random.default_rng(3).standard_normal(net.n_params)   # the same draw
    grad = alt.flatten(alt.backprop(net, X, Y).grads)
    np.testing.assert_allclose(alt.flatten(est.grads), (grad @ v) * v, rtol=1e-10, atol=1e-14)
    assert (est.tangent_passes, est.forward_passes, est.backward_passes) == (1, 0, 0)
    assert est.floats_kept == alt.floats_kept("forward_mode", net, X.shape[1])


def test_deterministic_given_the_seed_and_params_untouched():
    net, X, Y = fa.problem(4)
    before = alt.flatten(net.params).copy()
    a, b = (alt.flatten(fg.forward_gradient(net, X, Y, 5, seed=1).grads) for _ in range(2))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, alt.flatten(fg.forward_gradient(net, X, Y, 5, seed=2).grads))
    np.testing.assert_array_equal(before, alt.flatten(net.params))


def test_squared_error_is_p_plus_one_gradients_squared_over_seeds():
    """E||g - grad||^2 = (P + 1) ||grad||^2 for one Gaussian direction: the mean over 400
    single draws is within a few standard errors of it."""
    net, X, Y = fa.problem(2)
    ref = alt.backprop(net, X, Y)
    sq = np.array([alt.error_to(ref, fg.forward_gradient(net, X, Y, 1, seed=s)) ** 2
                   for s in range(400)])
    se = sq.std(ddof=1) / np.sqrt(sq.size)
    assert abs(sq.mean() - (net.n_params + 1)) < 4 * se


def test_noise_study_shapes_and_prediction():
    net, X, Y = fa.problem(2)
    out = fg.noise_study(net, X, Y, counts=(3, 30), seeds=range(2))
    assert out["forward_gradient"].shape == out["evolution_strategy"].shape == (2, 2)
    np.testing.assert_allclose(out["predicted"], np.sqrt((net.n_params + 1) / np.array([3, 30])))


def test_bias_z_scores_are_small_for_the_unbiased_estimate():
    net, X, Y = fa.problem(2)
    z = fg.bias_z_scores(net, X, Y, n_directions=500, seed=0)
    assert z.shape == (net.n_params,) and np.abs(z).max() < 5


def test_bad_input():
    net, X, Y = fa.problem(2)
    with pytest.raises(ValueError, match="n_directions"):
        fg.forward_gradient(net, X, Y, n_directions=0)
    with pytest.raises(ValueError, match="seed"):
        fg.forward_gradient(net, X, Y, seed=-1)
    with pytest.raises(ValueError, match="n_directions"):
        fg.bias_z_scores(net, X, Y, n_directions=1)
    with pytest.raises(ValueError, match="at least one"):
        fg.noise_study(net, X, Y, counts=())
    with pytest.raises(ValueError, match="sigma"):
        fg.noise_study(net, X, Y, sigma=0.0)
    with pytest.raises(TypeError, match="net"):
        fg.forward_gradient("net", X, Y)
