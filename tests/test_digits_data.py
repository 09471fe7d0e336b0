"""The handwritten digits shipped in backprop_lib/datasets (chapter 11): the copy equals
scikit-learn's, the loader follows the book's conventions, and the one split is fixed."""

import hashlib

import numpy as np
import pytest

from backprop_lib import digits


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_the_copy_equals_scikit_learns_exactly():
    datasets = pytest.importorskip("sklearn.datasets")
    source = datasets.load_digits()
    X, labels = digits.load_digits()
    assert X.shape == (64, 1797) and labels.shape == (1797,)
    np.testing.assert_array_equal(X, source.data.T)
    np.testing.assert_array_equal(labels, source.target)
    assert X.dtype == np.float64 and labels.dtype == np.int64


def test_the_file_is_small_and_has_its_licence_beside_it():
    assert digits.DATA_FILE.stat().st_size < 60_000
    note = (digits.DATA_FILE.parent / "README.md").read_text("utf-8")
    for words in ("CC BY 4.0", "Alpaydin", "Kaynak", "10.24432/C50P49", "13 people"):
        assert words in note


def test_the_loader_returns_fresh_arrays():
    X, labels = digits.load_digits()
    X[0, 0] = 99.0
    assert digits.load_digits()[0][0, 0] == 0.0


def test_the_split_is_stratified_disjoint_and_complete():
    s = digits.split()
    assert s.sizes == digits.SIZES == (1000, 397, 400)
    every = np.concatenate([s.idx_train, s.idx_val, s.idx_test])
    assert np.array_equal(np.sort(every), np.arange(1797))
    _, labels = digits.load_digits()
    counts = np.bincount(labels)
    for idx, size in zip((s.idx_train, s.idx_val), digits.SIZES[:2], strict=True):
        share = np.bincount(labels[idx], minlength=10)
        assert np.all(np.abs(share - counts * size / counts.sum()) < 1)
    X, _ = digits.load_digits()
    np.testing.assert_array_equal(s.X_test, X[:, s.idx_test])
    np.testing.assert_array_equal(s.y_val, labels[s.idx_val])


def test_the_split_is_pinned():
    """The chapter's numbers rest on this one split: any change to it must be deliberate."""
    s = digits.split()
    assert s.idx_train[:8].tolist() == [1537, 540, 1341, 601, 1603, 1631, 1067, 883]
    assert s.idx_test[:8].tolist() == [1216, 1456, 1268, 775, 1499, 14, 949, 1664]
    digest = hashlib.sha256(np.concatenate([s.idx_train, s.idx_val, s.idx_test])
                            .astype(np.int64).tobytes()).hexdigest()
    assert digest == "909241820347411e7e7d2544b2c7f6ee775ca6b389a7f1b1a8de32b313bbee0b"
    assert int(s.idx_test.sum()) == 368947
    assert not np.array_equal(digits.split(seed=1).idx_test, s.idx_test)


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="sizes must sum"):
        digits.split(sizes=(1000, 397, 401))
    with pytest.raises(TypeError, match="sizes"):
        digits.split(sizes=1000)
    with pytest.raises(ValueError, match="sizes\\[1\\]"):
        digits.split(sizes=(1797, 0, 0))
    with pytest.raises(TypeError, match="seed"):
        digits.split(seed="a")
    with pytest.raises(ValueError, match="shape \\(64, m\\)"):
        digits.images(np.zeros((63, 2)))


def test_images_are_the_columns_row_by_row():
    X, _ = digits.load_digits()
    img = digits.images(X[:, :3])
    assert img.shape == (3, 8, 8)
    np.testing.assert_array_equal(img[1].ravel(), X[:, 1])
