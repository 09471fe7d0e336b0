"""The handwritten digits: a real data set, and one fixed train / validation / test split.

Chapter "The whole book at work: handwritten digits" trains on it. The data are the UCI
*Optical Recognition of Handwritten Digits* set as scikit-learn ships it
(`sklearn.datasets.load_digits`): 1,797 images of 8x8 pixels, each pixel a whole number from
0 to 16, ten classes. A copy lives in `backprop_lib/datasets/digits.npz` (CC BY 4.0;
provenance and licence in `backprop_lib/datasets/README.md`), so the book needs no
scikit-learn; a test checks that the copy equals scikit-learn's.

Examples are columns, as everywhere in the book: `load_digits()` returns X of shape (64, m)
(pixel values as float64, unscaled) and the labels, shape (m,).

`split()` cuts the 1,797 images once, with a fixed seed, into SIZES = (1000, 397, 400)
examples for training, validation and test, stratified: each class is divided in the same
proportions, its counts rounded by largest remainder so the totals are exact. Every model
choice of the chapter that reasoning does not fix in advance (learning rate, batch
normalization, the stated accuracy floor) is made on the validation split; the
initialization and the optimizer are fixed beforehand; the test split is evaluated once, at
the end.
"""

from __future__ import annotations

import functools
import pathlib
from dataclasses import dataclass

import numpy as np

from ._checks import check_int, check_seed, describe

__all__ = ["CLASSES", "DATA_FILE", "SIZES", "SPLIT_SEED", "Split", "load_digits", "split",
           "images"]

DATA_FILE = pathlib.Path(__file__).resolve().parent / "datasets" / "digits.npz"
#: Examples in the training, validation and test splits.
SIZES = (1000, 397, 400)
#: The seed of the chapter's one split.
SPLIT_SEED = 2024
CLASSES = 10
SIDE = 8  # the images are SIDE x SIDE pixels
MAX_PIXEL = 16


@functools.lru_cache(maxsize=1)
def _read():
    with np.load(DATA_FILE, allow_pickle=False) as f:
        pixels, labels = f["pixels"], f["labels"]
    for a in (pixels, labels):
        a.setflags(write=False)
    return pixels, labels


def load_digits():
    """(X, labels): X of shape (64, 1797), float64 pixel values 0..16, one image per column
    (its pixels row by row); labels of shape (1797,), int64 digits 0..9. Fresh arrays."""
    pixels, labels = _read()
    return pixels.T.astype(np.float64), labels.astype(np.int64)


@dataclass(frozen=True)
class Split:
    """The three splits: X_* of shape (64, m_*) (raw pixels), y_* the labels, idx_* the
    positions of their examples in `load_digits()`'s order."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    idx_train: np.ndarray
    idx_val: np.ndarray
    idx_test: np.ndarray

    @property
    def sizes(self):
        return (self.y_train.size, self.y_val.size, self.y_test.size)


def _quotas(counts, size):
    """Per-class shares of `size` proportional to `counts`, rounded by largest remainder."""
    exact = counts * size / counts.sum()
    quota = np.floor(exact).astype(int)
    short = size - quota.sum()
    order = np.argsort(-(exact - quota), kind="stable")  # largest remainders first
    quota[order[:short]] += 1
    return quota


def split(seed=SPLIT_SEED, sizes=SIZES):
    """The stratified train / validation / test split of the digits (see the module).

    seed: of the numpy Generator that shuffles each class and then each split.
    sizes: (train, validation, test), positive and summing to 1797.
    """
    seed = check_seed(seed)
    if not isinstance(sizes, (tuple, list)) or len(sizes) != 3:
        raise TypeError(f"sizes must be three counts (train, validation, test); "
                        f"got {describe(sizes)}")
    sizes = tuple(check_int(s, f"sizes[{i}]", low=1) for i, s in enumerate(sizes))
    X, y = load_digits()
    if sum(sizes) != y.size:
        raise ValueError(f"sizes must sum to the {y.size} examples; got {sizes} "
                         f"(sum {sum(sizes)})")
    rng = np.random.default_rng(seed)
    counts = np.bincount(y, minlength=CLASSES)
    q_train, q_val = _quotas(counts, sizes[0]), _quotas(counts, sizes[1])
    if np.any(q_train + q_val > counts):
        raise ValueError(f"sizes {sizes} leave some class with no test examples")
    parts = ([], [], [])
    for k in range(CLASSES):
        members = rng.permutation(np.flatnonzero(y == k))
        a, b = q_train[k], q_train[k] + q_val[k]
        for part, chunk in zip(parts, (members[:a], members[a:b], members[b:]), strict=True):
            part.append(chunk)
    idx = [rng.permutation(np.concatenate(p)) for p in parts]  # no order by class
    if idx[2].size != sizes[2]:  # pragma: no cover - the quotas sum exactly
        raise AssertionError("the test split has the wrong size")
    out = {}
    for name, i in zip(("train", "val", "test"), idx, strict=True):
        out[f"X_{name}"], out[f"y_{name}"], out[f"idx_{name}"] = X[:, i], y[i], i
    return Split(**out)


def images(X):
    """The columns of X (64, m) as m images of 8x8 pixels, shape (m, 8, 8)."""
    X = np.asarray(X)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[0] != SIDE * SIDE:
        raise ValueError(f"X must have shape (64, m), one image per column; got "
                         f"{describe(X)}")
    return X.T.reshape(-1, SIDE, SIDE)
