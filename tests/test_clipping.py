"""Tests of backprop_lib.clipping: the global norm and clipping that keeps the direction."""

import warnings

import numpy as np
import pytest

from backprop_lib import clipping


def grads(scale=1.0, dtype=np.float64):
    rng = np.random.default_rng(0)
    return {"dW1": (rng.standard_normal((3, 2)) * scale).astype(dtype),
            "db1": (rng.standard_normal((3, 1)) * scale).astype(dtype)}


def test_global_norm_is_norm_of_all_entries_together():
    g = grads()
    flat = np.concatenate([v.ravel() for v in g.values()])
    assert clipping.global_norm(g) == pytest.approx(np.linalg.norm(flat), rel=1e-15)
    assert clipping.global_norm({"dW1": np.array([[3.0]]), "db1": np.array([[4.0]])}) == 5.0


def test_below_threshold_is_unchanged_and_a_new_dict():
    g = grads()
    out = clipping.clip_by_norm(g, clipping.global_norm(g) * 1.01)
    assert out is not g
    for k in g:
        np.testing.assert_array_equal(out[k], g[k])


@pytest.mark.parametrize("max_norm", [1e-3, 0.5, 2.0])
def test_above_threshold_scales_to_max_norm_keeping_direction(max_norm):
    g = grads(scale=10.0)
    before = {k: v.copy() for k, v in g.items()}
    out = clipping.clip_by_norm(g, max_norm)
    assert clipping.global_norm(out) == pytest.approx(max_norm, rel=1e-12)
    ratio = out["dW1"].ravel()[0] / g["dW1"].ravel()[0]
    for k in g:
        np.testing.assert_allclose(out[k], g[k] * ratio, rtol=1e-13)
        np.testing.assert_array_equal(g[k], before[k])  # the input is not modified


def test_float32_stays_float32():
    out = clipping.clip_by_norm(grads(scale=10.0, dtype=np.float32), 1.0)
    assert all(v.dtype == np.float32 for v in out.values())


def test_huge_finite_gradients_are_clipped_not_zeroed():
    """Squares of 1e200 overflow; the norm must not, or clipping would zero the gradient."""
    g = {"dW1": np.array([[1e200, -1e200]]), "db1": np.array([[1e200]])}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        norm = clipping.global_norm(g)
        out = clipping.clip_by_norm(g, 1.0)
    assert norm == pytest.approx(np.sqrt(3) * 1e200, rel=1e-14, abs=0)
    np.testing.assert_allclose(out["dW1"], [[1 / np.sqrt(3), -1 / np.sqrt(3)]], rtol=1e-14)


def test_tiny_gradients_keep_their_norm():
    g = {"dW1": np.array([[3e-200]]), "db1": np.array([[4e-200]])}
    assert clipping.global_norm(g) == pytest.approx(5e-200, rel=1e-14, abs=0)


def test_zero_gradients():
    g = {"dW1": np.zeros((2, 2))}
    assert clipping.global_norm(g) == 0.0
    np.testing.assert_array_equal(clipping.clip_by_norm(g, 1.0)["dW1"], 0.0)


def test_integer_gradients_are_clipped_as_floats_not_zeroed():
    out = clipping.clip_by_norm({"dW1": np.array([3, 4])}, 1.0)
    assert out["dW1"].dtype == np.float64
    np.testing.assert_allclose(out["dW1"], [0.6, 0.8], rtol=1e-15)


def test_lists_are_read_as_arrays_and_empty_or_non_finite_gradients_refused():
    assert clipping.global_norm({"dW1": [[3.0], [4.0]]}) == 5.0
    np.testing.assert_allclose(clipping.clip_by_norm({"dW1": [3.0, 4.0]}, 2.5)["dW1"], [1.5, 2.0])
    with pytest.raises(ValueError, match="at least one"):
        clipping.clip_by_norm({}, 1.0)
    with pytest.raises(ValueError, match=r"finite.*'db1'"):
        clipping.clip_by_norm({"dW1": np.ones(2), "db1": np.array([np.inf])}, 1.0)
    assert clipping.global_norm({"dW1": np.array([np.inf, 1.0])}) == np.inf
