"""The experiment module of chapter 11 (digits_study) and its planted bugs (digits_bugs):
conventions, caching and bad input. The chapter's claims are in test_claims_digits.py."""

import numpy as np
import pytest

from backprop_lib import (
    blas_threads,
    digits,
    digits_bugs,
    digits_ranges,
    loss_rounding,
    selection_bias,
)
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


def test_floor_rule_counts_both_splits_and_rounds_down():
    f = ds.floor_rule([0.97, 0.96, 0.98], m_val=397, m_test=400)
    var = 0.96 * 0.04
    assert f.p == 0.96 and np.isclose(f.se, np.sqrt(var / 397 + var / 400))
    assert np.isclose(f.raw, 0.96 - 2 * f.se) and f.floor == 0.93  # 0.9322... down
    assert ds.floor_rule([0.95], m_val=10**9, m_test=10**9).floor == 0.94  # 0.949999...
    assert ds.floor_rule([0.96], m_val=397, m_test=400, step=0.05).floor == 0.9
    assert ds.floor_rule([1.0]).floor == 1.0  # no spread at all: exactly on a step stays


def test_compare_reads_loss_and_accuracy_per_seed():
    rates = np.array([1e-3, 1e-2, 1e-1, 1.0])
    plain = ds.Search(False, rates, np.full((4, 2), 0.95), np.array(
        [[0.2, 0.2], [0.1, 0.1], [5.0, 6.0], [50.0, 60.0]]))
    bn = ds.Search(True, rates, np.array([[0.95, 0.95], [0.96, 0.96], [0.95, 0.95],
                                          [0.5, 0.3]]),
                   np.array([[0.2, 0.3], [0.1, 0.1], [0.3, 0.4], [1.0, 2.0]]))
    c = digits_ranges.compare(plain, bn)
    assert c.lead == 2 and np.isclose(c.lead_factor, 12.5) and c.both_good == 2
    with pytest.raises(ValueError, match="first"):
        digits_ranges.compare(bn, plain)


def test_loss_rounding_is_near_the_unit_roundoff_and_restores_the_weights():
    d = ds.prepared()
    net = ds.make_network()
    before = net.params["W1"].copy()
    s = loss_rounding.noise(net, d.X_train[:, :50], d.Y_train[:, :50])
    L = net.loss(d.X_train[:, :50], d.Y_train[:, :50])
    assert 0.01 * np.finfo(float).eps * L < s < 100 * np.finfo(float).eps * L
    np.testing.assert_array_equal(net.params["W1"], before)


def test_term_errors_see_the_rounding_of_one_plus_s_and_ablation_leaves_the_net():
    # a correctly classified column with a tiny s: the library's term rounds 1 + s, log1p
    # does not; the error is below one unit roundoff however small the term
    Z = np.array([[0.0, 0.0], [-30.0, -3.0], [-40.0, -35.0]])
    Y = np.array([[1.0, 1.0], [0.0, 0.0], [0.0, 0.0]])
    errs = loss_rounding.term_errors(Z, Y)
    assert errs.shape == (2,) and np.all(errs <= 2)
    exact = np.log1p(np.exp(-3.0) + np.exp(-35.0))
    shifted = Z[:, 1] - Z[:, 1].max()
    formula = np.log(np.exp(shifted).sum()) - shifted[0]  # as losses.log_softmax
    assert errs[1] == pytest.approx(abs(formula - exact) / loss_rounding.UNIT_ROUNDOFF)
    with pytest.raises(ValueError, match="same shape"):
        loss_rounding.term_errors(Z, Y[:, :1])
    d = ds.prepared()
    net = ds.make_network()
    before = {k: v.copy() for k, v in net.params.items()}
    a = loss_rounding.ablation(net, d.X_train[:, :20], d.Y_train[:, :20], points=20)
    for k, v in before.items():
        np.testing.assert_array_equal(net.params[k], v)
    assert a.loss["shifted"] == pytest.approx(a.loss["as trained"], rel=1e-9)
    assert a.largest_logit["scaled"] == pytest.approx(2 * a.largest_logit["as trained"])


def test_selection_flatters_pure_noise():
    rng = np.random.default_rng(0)
    correct = rng.random((50, 400)) < 0.9   # fifty equally good "networks"
    o = selection_bias.optimism(correct, halvings=100)
    assert o.chosen_on > o.other + 0.01 and abs(o.other - 0.9) < 0.03


def test_one_blas_thread_limits_inside_and_restores_after():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [p["num_threads"] for p in threadpoolctl.threadpool_info()
              if p["user_api"] == "blas"]
    with blas_threads.one_blas_thread():
        inside = [p["num_threads"] for p in threadpoolctl.threadpool_info()
                  if p["user_api"] == "blas"]
    after = [p["num_threads"] for p in threadpoolctl.threadpool_info()
             if p["user_api"] == "blas"]
    assert all(n == 1 for n in inside) and after == before


@pytest.mark.parametrize("call, match", [
    (lambda: ds.run(0.0), "lr"), (lambda: ds.run(1e-2, epochs=0), "epochs"),
    (lambda: ds.run(1e-2, monitor=3), "monitor"), (lambda: ds.make_network(init="wide"), "init"),
    (lambda: ds.make_network(batchnorm="yes"), "batchnorm"),
    (lambda: ds.evaluate(ds.make_network(), np.zeros((64, 3)), [0, 1]), "y must"),
    (lambda: ds.confusion([0, 1], [0]), "y_true and y_pred"),
    (lambda: ds.search_rates(low=1.0, high=0.1), "low must"),
    (lambda: digits_bugs.train_loop("typo"), "bug"),
    (lambda: ds.floor_rule([]), "accuracies"), (lambda: ds.floor_rule([1.2]), "accuracies"),
    (lambda: ds.floor_rule([0.9], m_val=0), "m_val"), (lambda: ds.floor_rule([0.9], z=-1), "z"),
    (lambda: loss_rounding.noise(ds.make_network(), np.zeros((64, 2)), np.zeros((10, 2)),
                                 name="W9"), "name"),
    (lambda: selection_bias.optimism(np.ones((1, 5))), "correct"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()


def test_a_loop_without_a_bug_learns_like_train():
    clean = digits_bugs.train_loop(None, epochs=5)
    assert clean.val_acc[-1] > 0.9
    assert np.all(np.diff(clean.train_loss) < 0)


def test_noise_refuses_a_loss_that_is_not_a_function():
    from backprop_lib import loss_rounding
    d = ds.prepared()
    net = ds.make_network()
    with pytest.raises(TypeError, match="loss must be a function"):
        loss_rounding.noise(net, d.X_train[:, :5], d.Y_train[:, :5], loss=3.0)
    with pytest.raises(ValueError, match="Y must have the logits' shape"):
        loss_rounding.log1p_loss(net, d.X_train[:, :5], d.Y_train[:, :4])
