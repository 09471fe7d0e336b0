"""backprop_lib.hvp: Hessian-vector products by forward-over-reverse (Pearlmutter 1994),
against the Hessian from differences of gradients and against differences along the
direction."""

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import alternatives as alt
from backprop_lib import hvp, search

CASES = [(["tanh", "sigmoid"], "bce"), (["sigmoid", "identity"], "softmax_ce"),
         (["relu", "tanh"], "half_mse"), (["elu", "sigmoid"], "mse"),
         (["leaky_relu", "identity"], "mse"), (["tanh", "tanh", "sigmoid"], "half_mse")]


def _problem(acts, loss, seed=1):
    sizes = [3] + [5] * (len(acts) - 1) + [2]
    net = bp.Network(sizes, acts, loss=loss, seed=seed)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, 7))
    Y = (np.eye(2)[:, rng.integers(0, 2, 7)] if loss == "softmax_ce"
         else (rng.random((2, 7)) > 0.5).astype(float))
    tangent = {k: rng.standard_normal(v.shape) for k, v in net.params.items()}
    return net, X, Y, tangent


@pytest.mark.parametrize("acts, loss", CASES)
def test_forward_over_reverse_equals_the_hessian_times_the_direction(acts, loss):
    net, X, Y, t = _problem(acts, loss)
    got = alt.flatten(hvp.hessian_vector_product(net, X, Y, t))
    H = search.hessian(net, X, Y)   # central differences of gradients, entry by entry
    want = H @ alt.flatten(t)
    assert np.linalg.norm(got - want) <= 1e-6 * np.linalg.norm(want)


SMOOTH = [c for c in CASES if set(c[0]) <= {"tanh", "sigmoid", "identity"}]


@pytest.mark.parametrize("acts, loss", SMOOTH)
def test_differences_along_the_direction_converge_like_h_squared(acts, loss):
    # smooth activations only: a step across the kink of a ReLU (or of ELU's f'') is no
    # Taylor expansion
    net, X, Y, t = _problem(acts, loss)
    exact = alt.flatten(hvp.hessian_vector_product(net, X, Y, t))
    errs = [np.linalg.norm(alt.flatten(hvp.hvp_by_differences(net, X, Y, t, h=h)) - exact)
            for h in (1e-2, 1e-3)]
    assert 50 < errs[0] / errs[1] < 200   # h^2: tenfold smaller h, a hundredfold closer


def test_linear_in_the_direction_symmetric_and_params_untouched():
    net, X, Y, u = _problem(["tanh", "sigmoid"], "bce")
    _, _, _, v = _problem(["tanh", "sigmoid"], "bce", seed=2)
    before = {k: w.copy() for k, w in net.params.items()}
    Hu = alt.flatten(hvp.hessian_vector_product(net, X, Y, u))
    Hv = alt.flatten(hvp.hessian_vector_product(net, X, Y, v))
    both = {k: 2 * u[k] - 3 * v[k] for k in u}
    np.testing.assert_allclose(alt.flatten(hvp.hessian_vector_product(net, X, Y, both)),
                               2 * Hu - 3 * Hv, rtol=1e-10, atol=1e-12)
    assert abs(alt.flatten(v) @ Hu - alt.flatten(u) @ Hv) < 1e-10 * abs(alt.flatten(u) @ Hv)
    hvp.hvp_by_differences(net, X, Y, u)
    assert all(np.array_equal(before[k], net.params[k]) for k in before)


def test_a_missing_name_is_a_zero_tangent():
    net, X, Y, t = _problem(["tanh", "sigmoid"], "bce")
    only = {"W1": t["W1"]}
    full = {k: (t["W1"] if k == "W1" else np.zeros_like(w)) for k, w in net.params.items()}
    np.testing.assert_array_equal(alt.flatten(hvp.hessian_vector_product(net, X, Y, only)),
                                  alt.flatten(hvp.hessian_vector_product(net, X, Y, full)))


def test_bad_input():
    net, X, Y, t = _problem(["tanh", "sigmoid"], "bce")
    with pytest.raises(ValueError, match="W9"):
        hvp.hessian_vector_product(net, X, Y, {"W9": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="W1"):
        hvp.hessian_vector_product(net, X, Y, {"W1": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="h must be"):
        hvp.hvp_by_differences(net, X, Y, t, h=0.0)
    with pytest.raises(ValueError, match="tangent must name"):
        hvp.hvp_by_differences(net, X, Y, {})
    with pytest.raises(TypeError, match="net"):
        hvp.hessian_vector_product([], X, Y, t)
