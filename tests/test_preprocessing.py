"""Standardization fitted on the training set only (chapter "Practical tips")."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from backprop_lib.preprocessing import Standardizer, standardize


def test_per_feature_statistics_from_training_set_only():
    rng = np.random.default_rng(0)
    X_tr = rng.normal(loc=[[1.0], [500.0]], scale=[[2.0], [300.0]], size=(2, 50))
    X_te = rng.normal(loc=[[1.0], [500.0]], scale=[[2.0], [300.0]], size=(2, 20))
    s = Standardizer().fit(X_tr)
    A, B = s.transform(X_tr), s.transform(X_te)
    np.testing.assert_allclose(A.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(A.std(axis=1), 1)
    np.testing.assert_allclose(B, (X_te - X_tr.mean(axis=1, keepdims=True))
                               / X_tr.std(axis=1, keepdims=True))
    assert not np.allclose(B.mean(axis=1), 0, atol=1e-3)  # test data are not re-centred
    # one example is transformed exactly as inside a batch
    np.testing.assert_allclose(s.transform(X_te[:, 3:4]), B[:, 3:4])
    np.testing.assert_allclose(s.inverse_transform(B), X_te)
    A2, B2 = standardize(X_tr, X_te)
    np.testing.assert_array_equal(A2, A)
    np.testing.assert_array_equal(B2, B)


def test_one_scalar_squeezes_the_small_feature():
    rng = np.random.default_rng(1)
    X = np.stack([rng.normal(size=100), 1000 * rng.normal(size=100) + 3000])
    one = Standardizer(per_feature=False).fit_transform(X)
    np.testing.assert_allclose(one, (X - X.mean()) / X.std())
    spread = one.std(axis=1)
    assert spread[0] < 1e-3 * spread[1]
    np.testing.assert_allclose(Standardizer().fit_transform(X).std(axis=1), 1)


def test_constant_feature_is_only_centred():
    X = np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]])
    out = Standardizer().fit_transform(X)
    np.testing.assert_array_equal(out[1], 0.0)
    assert np.isfinite(out).all()


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(2, 12)),
              elements=st.floats(-1e3, 1e3)))
def test_property_zero_mean_and_unit_or_zero_std(X):
    out = Standardizer().fit_transform(X)
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-8)
    std = out.std(axis=1)
    # a feature with real spread gets std 1; one without (constant) stays 0
    for k in range(X.shape[0]):
        if X[k].std() > 1e-6 * max(1.0, np.abs(X[k]).max()):
            assert abs(std[k] - 1) < 1e-6
        elif np.all(X[k] == X[k, 0]):
            assert np.abs(out[k]).max() < 1e-9


def test_bad_input():
    with pytest.raises(ValueError, match="not fitted"):
        Standardizer().transform(np.ones((2, 3)))
    with pytest.raises(ValueError, match="not fitted"):
        Standardizer().inverse_transform(np.ones((2, 3)))
    s = Standardizer().fit(np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match=r"X must have shape \(2, m\)"):
        s.transform(np.ones((3, 4)))
    with pytest.raises(ValueError, match="X must be finite"):
        Standardizer().fit(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="2-D"):
        Standardizer().fit(np.ones(4))
    with pytest.raises(TypeError, match="per_feature"):
        Standardizer(per_feature="yes")
