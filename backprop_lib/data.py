"""Small toy datasets made in code from a seed: nothing is downloaded.

Every function returns (X, Y) in the book's convention: examples are columns, so X has
shape (n_0, m) and Y has shape (n_L, m). Classification targets are 0/1 rows (one row
for two classes) or one-hot columns (several classes).
"""

from __future__ import annotations

import numpy as np

from ._checks import check_int, check_real, check_seed


def xor():
    """The four corners of the unit square; the target is 1 where exactly one input is 1."""
    X = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    Y = np.array([[0.0, 1.0, 1.0, 0.0]])
    return X, Y


def two_moons(m=200, noise=0.1, seed=0):
    """Two interleaved half circles, m points in all, with Gaussian noise; Y is 0 or 1."""
    m = check_int(m, "m", low=2)
    noise = check_real(noise, "noise", low=0.0)
    rng = np.random.default_rng(check_seed(seed))
    m0 = m // 2
    t0 = np.linspace(0, np.pi, m0)
    t1 = np.linspace(0, np.pi, m - m0)
    X = np.concatenate(
        [np.stack([np.cos(t0), np.sin(t0)]), np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)])],
        axis=1,
    )
    X += noise * rng.standard_normal(X.shape)
    Y = np.concatenate([np.zeros(m0), np.ones(m - m0)])[None, :]
    return _shuffle(X, Y, rng)


def spirals(m_per_class=100, n_classes=3, noise=0.2, seed=0):
    """n_classes interleaved spiral arms in the plane; Y is one-hot, shape (n_classes, m)."""
    m_per_class = check_int(m_per_class, "m_per_class", low=1)
    n_classes = check_int(n_classes, "n_classes", low=2)
    noise = check_real(noise, "noise", low=0.0)
    rng = np.random.default_rng(check_seed(seed))
    radius = np.linspace(0.05, 1.0, m_per_class)
    Xs, labels = [], []
    for k in range(n_classes):
        angle = np.linspace(0, 4, m_per_class) + 2 * np.pi * k / n_classes
        angle = angle + noise * rng.standard_normal(m_per_class)
        Xs.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)]))
        labels.append(np.full(m_per_class, k))
    X = np.concatenate(Xs, axis=1)
    Y = one_hot(np.concatenate(labels), n_classes)
    return _shuffle(X, Y, rng)


def blobs(m=200, n_classes=3, spread=0.5, seed=0):
    """Gaussian clusters around points on a circle; Y is one-hot, shape (n_classes, m)."""
    n_classes = check_int(n_classes, "n_classes", low=2)
    m = check_int(m, "m", low=n_classes)
    spread = check_real(spread, "spread", low=0.0)
    rng = np.random.default_rng(check_seed(seed))
    labels = np.arange(m) % n_classes
    angles = 2 * np.pi * labels / n_classes
    X = np.stack([2 * np.cos(angles), 2 * np.sin(angles)])
    X += spread * rng.standard_normal(X.shape)
    return _shuffle(X, one_hot(labels, n_classes), rng)


def regression_1d(m=100, noise=0.1, seed=0):
    """y = sin(3x) + noise for x evenly spread on [-1, 1]; X and Y have shape (1, m)."""
    m = check_int(m, "m", low=2)
    noise = check_real(noise, "noise", low=0.0)
    rng = np.random.default_rng(check_seed(seed))
    x = np.linspace(-1, 1, m)
    y = np.sin(3 * x) + noise * rng.standard_normal(m)
    return x[None, :], y[None, :]


def one_hot(labels, n_classes):
    """Labels 0..n_classes-1 as one-hot columns of shape (n_classes, m)."""
    try:
        labels = np.asarray(labels)
    except (TypeError, ValueError) as exc:  # ragged nested lists
        raise ValueError(f"labels must be a 1-D array of integers: {exc}") from None
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be a 1-D array of integers; got {labels.dtype} "
                         f"of shape {labels.shape}")
    n_classes = check_int(n_classes, "n_classes", low=1)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels must lie in 0..{n_classes - 1}; "
                         f"got {labels.min()}..{labels.max()}")
    try:
        Y = np.zeros((n_classes, labels.size))
    except (ValueError, MemoryError):  # a dimension NumPy cannot allocate
        raise ValueError(f"n_classes must be small enough for a ({n_classes}, {labels.size}) "
                         f"array of float64; got {n_classes}") from None
    Y[labels, np.arange(labels.size)] = 1.0
    return Y


def _shuffle(X, Y, rng):
    order = rng.permutation(X.shape[1])
    return X[:, order], Y[:, order]
