"""Input standardization, fitted on the training set only.

Chapter "Practical tips" explains why. Rows of X are features, columns are examples.
`Standardizer().fit(X_train)` learns one mean and one standard deviation per feature
(per row), over the training examples only; `transform` applies those same numbers to
any data (training, validation, test), so that no statistic of the test set leaks into
the model and a single new example is transformed the same way as a whole batch:

    X_std[i, j] = (X[i, j] - mean_i) / std_i

A feature that is constant on the training set (std_i = 0, or rounding noise below 1e-12
times its largest magnitude) is only centred (std_i is replaced by 1), as scikit-learn's
StandardScaler does.

`per_feature=False` reproduces a common one-scalar normalization,
(X - X.mean()) / X.std(), with one mean and one standard deviation over every entry. The
chapter shows what it does to features of very different scales: the feature with the
small scale is squeezed to almost a constant.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_matrix, describe

__all__ = ["Standardizer", "standardize"]


class Standardizer:
    """Per-feature (or, with per_feature=False, one-scalar) standardization.

    Attributes after `fit`: mean_ and std_, each of shape (n_features, 1) (the same
    number repeated in every row when per_feature=False).
    """

    def __init__(self, per_feature=True):
        if not isinstance(per_feature, (bool, np.bool_)):
            raise TypeError(f"per_feature must be True or False; got {describe(per_feature)}")
        self.per_feature = bool(per_feature)
        self.mean_ = None
        self.std_ = None

    def fit(self, X) -> "Standardizer":
        """Learn the mean and standard deviation from the training data X (n_features, m)."""
        X = as_matrix(X, "X", np.float64, what="(n_features, m)")
        if self.per_feature:
            mean = X.mean(axis=1, keepdims=True)
            std = X.std(axis=1, keepdims=True)
        else:
            mean = np.full((X.shape[0], 1), X.mean())
            std = np.full((X.shape[0], 1), X.std())
        # a constant feature's std is rounding noise, not spread: treat it as zero
        scale = np.abs(X).max(axis=1, keepdims=True)
        self.mean_, self.std_ = mean, np.where(std > 1e-12 * scale, std, 1.0)
        return self

    def transform(self, X) -> np.ndarray:
        """(X - mean) / std with the statistics learned by `fit`."""
        if self.mean_ is None:
            raise ValueError("this Standardizer is not fitted yet: call fit(X_train) first")
        n = self.mean_.shape[0]
        X = as_matrix(X, "X", np.float64, rows=n, what=f"({n}, m), as the data it was fitted on")
        return (X - self.mean_) / self.std_

    def fit_transform(self, X) -> np.ndarray:
        return self.fit(X).transform(X)

    def inverse_transform(self, X) -> np.ndarray:
        """Back to the original units: X * std + mean."""
        if self.mean_ is None:
            raise ValueError("this Standardizer is not fitted yet: call fit(X_train) first")
        n = self.mean_.shape[0]
        X = as_matrix(X, "X", np.float64, rows=n, what=f"({n}, m)")
        return X * self.std_ + self.mean_

    def __repr__(self) -> str:
        return f"Standardizer(per_feature={self.per_feature})"


def standardize(X_train, *others, per_feature=True):
    """Fit on X_train, transform it and every array in `others` with the same statistics.

    Returns a tuple (X_train_std, *others_std).
    """
    s = Standardizer(per_feature=per_feature).fit(X_train)
    return (s.transform(X_train),) + tuple(s.transform(X) for X in others)
