"""The experiment module of chapter 11 (digits_study) and its planted bugs (digits_bugs):
conventions, caching and bad input. The chapter's claims are in test_claims_digits.py."""

import numpy as np
import pytest

from backprop_lib import digits, digits_bugs
from backprop_lib import digits_study as ds
from backprop_lib.batchnorm import BatchNormNetwork


def test_inputs_are_standardized_with_the_training_split_only():
    d = ds.prepared()
    s = digits.split()
    mean, std = s.X_train.mean(axis=1, keepdims=True), s.X_train.std(axis=1, keepdims=True)
    std = np.where(std > 0, std, 1.0)
    np.testing.assert_allclose(d.X_val, (s.X_val - mean) / std)
    assert d.X_train.shape == (64, 1000) and d.Y_train.shape == (10, 1000)
    assert not hasattr(d, "X_test")


def test_the_network_is_the_chapters():
    net = ds.make_network()
    assert net.layer_sizes == [64, ds.HIDDEN, 10] and net.loss_name == "softmax_ce"
    assert net.activation_names == ["relu", "identity"] and net.init == "he"
    assert isinstance(ds.make_network(batchnorm=True), BatchNormNetwork)


def test_a_run_records_every_epoch_and_is_cached():
    r = ds.run(1e-2, epochs=3)
    assert r.train_loss.shape == r.val_acc.shape == (3,)
    assert ds.run(1e-2, epochs=3) is r
    loss, acc = ds.evaluate(r.net, ds.prepared().X_val, ds.prepared().y_val)
    assert loss == r.val_loss[-1] and acc == r.val_acc[-1]


def test_evaluate_matches_the_networks_own_loss():
    d = ds.prepared()
    net = ds.make_network(seed=3)
    loss, _ = ds.evaluate(net, d.X_train, d.y_train)
    assert np.isclose(loss, net.loss(d.X_train, d.Y_train), rtol=1e-12)


def test_search_rates_cover_every_slice_of_the_log_range():
    rates = ds.search_rates()
    edges = np.geomspace(*ds.SEARCH_RANGE, ds.SEARCH_RATES + 1)
    assert np.all((rates >= edges[:-1]) & (rates <= edges[1:]))


def test_confusion_counts():
    C = ds.confusion([0, 1, 1, 2], [0, 2, 1, 2], n_classes=3)
    np.testing.assert_array_equal(C, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])


def test_validation_floor_is_two_standard_errors_below_the_lowest():
    assert np.isclose(ds.validation_floor([0.96, 0.97], m=400),
                      0.96 - 2 * np.sqrt(0.96 * 0.04 / 400))


@pytest.mark.parametrize("call, match", [
    (lambda: ds.run(0.0), "lr"), (lambda: ds.run(1e-2, epochs=0), "epochs"),
    (lambda: ds.run(1e-2, monitor=3), "monitor"), (lambda: ds.make_network(init="wide"), "init"),
    (lambda: ds.make_network(batchnorm="yes"), "batchnorm"),
    (lambda: ds.evaluate(ds.make_network(), np.zeros((64, 3)), [0, 1]), "y must"),
    (lambda: ds.confusion([0, 1], [0]), "y_true and y_pred"),
    (lambda: ds.search_rates(low=1.0, high=0.1), "low must"),
    (lambda: digits_bugs.train_loop("typo"), "bug"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()


def test_a_loop_without_a_bug_learns_like_train():
    clean = digits_bugs.train_loop(None, epochs=5)
    assert clean.val_acc[-1] > 0.9
    assert np.all(np.diff(clean.train_loss) < 0)
