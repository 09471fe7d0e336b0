"""Chapter 11's claims, tested on their meaning (marked slow: they train the chapter's runs).

- The stated floor was set honestly from validation alone (at or below the lowest of the
  five validation accuracies less two standard errors), and every one of the five final
  runs reaches it on the untouched test split.
- The learning-rate search: the best rate of each variant lies inside the searched range
  (not at its edge); at large rates accuracy stays on its plateau while the validation loss
  grows a hundredfold; batch normalization keeps its loss within twice its best up to a
  larger rate than the plain network.
- Batch normalization against none, each at its own best rate: their mean validation
  accuracies differ by less than the range of either over five seeds.
- The gradient check passes on the real network at initialization and after training.
- The gradient monitor finds nothing in the plain network's run.
- The planted bugs show the symptoms the exercise's checker names.
"""

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import digits_bugs
from backprop_lib import digits_study as ds

pytestmark = pytest.mark.slow


def test_the_floor_comes_from_validation_and_holds_on_test_over_five_seeds():
    chosen = ds.chosen_variant()
    val = np.array([r.final_val_acc for r in ds.final_runs(chosen)])
    assert len(val) == len(ds.FINAL_SEEDS) == 5
    bound = np.floor(100 * ds.validation_floor(val) + 1e-9) / 100
    assert ds.FLOOR <= bound
    assert ds.FLOOR < val.min()
    result = ds.test_runs()
    assert result.accuracy.shape == (5,)
    assert np.all(result.accuracy >= ds.FLOOR), result.accuracy
    assert result.y.size == 400


def test_the_best_rates_are_inside_the_range_and_found_by_the_loss():
    for bn in (False, True):
        s = ds.search(bn)
        assert 0 < s.best < len(s.rates) - 1
        assert s.best == int(np.argmin(s.mean_loss))
        # the best rate's accuracy is on the plateau: within 1 point of the best accuracy
        assert s.mean_acc[s.best] >= s.mean_acc.max() - 0.01


def test_accuracy_hides_what_the_loss_shows_at_large_rates():
    s = ds.search(False)
    top = int(np.argmax(s.mean_loss))
    assert s.mean_loss[top] > 100 * s.mean_loss.min()
    assert s.mean_acc[top] > 0.93


def test_batch_normalization_widens_the_range_of_good_rates():
    plain, bn = ds.search(False), ds.search(True)

    def edge(s):
        return s.rates[s.mean_loss <= 2 * s.mean_loss.min()].max()

    assert edge(bn) > edge(plain)
    assert bn.mean_loss[-1] < plain.mean_loss[-1] / 10


def test_batch_normalization_is_not_a_better_classifier_here():
    acc = {bn: np.array([r.final_val_acc for r in ds.final_runs(bn)]) for bn in (False, True)}
    diff = abs(acc[True].mean() - acc[False].mean())
    assert diff < min(np.ptp(a) for a in acc.values())


def test_the_real_network_passes_the_gradient_check_before_and_after_training():
    d = ds.prepared()
    X, Y = d.X_train[:, :100], d.Y_train[:, :100]
    assert bp.gradcheck(ds.make_network(), X, Y).max_relative_error < 1e-7
    trained = ds.run(ds.search(False).best_rate).net
    assert bp.gradcheck(trained, X, Y).max_relative_error < 1e-7
    bn = ds.final_runs(True)[0].net
    assert bp.gradcheck(bn, X, Y, n_samples=50).max_relative_error < 1e-6


def test_the_monitor_finds_a_healthy_run():
    monitor = bp.monitor.GradientMonitor()
    ds.run(ds.search(False).best_rate, monitor=monitor)
    assert monitor.findings == []
    g = monitor.norms
    assert np.all(g[0] / g[-1] > 10)  # both layers' gradients shrink as the network fits


def test_the_planted_bugs_show_their_symptoms():
    clean = digits_bugs.buggy_run(None)
    acc = digits_bugs.buggy_run("accumulated_gradients")
    assert np.any(np.diff(acc.train_loss) > 0) and not np.any(np.diff(clean.train_loss) > 0)
    assert acc.val_loss.max() > 10 * clean.val_loss[-1]
    leak = digits_bugs.buggy_run("test_statistics")
    assert np.abs(leak.val_acc - clean.val_acc).max() < 0.02
    eval_bug = digits_bugs.buggy_run("train_mode_eval")
    assert eval_bug.val_acc[-1] < 0.2 and eval_bug.train_acc[-1] > 0.95
    unshuffled = digits_bugs.buggy_run("no_shuffle")
    assert unshuffled.train_loss[-1] < unshuffled.train_loss[0]


def test_the_player_shows_large_rates_overfitting():
    hot = ds.run(0.1, "he")
    assert hot.val_loss[-1] > 3 * hot.val_loss.min()
    assert hot.train_loss.min() < 0.01  # it fits the training images meanwhile
    assert ds.run(1e-4, "he").val_acc[-1] < 0.9
