"""The checkers of chapter 11's exercises accept the right answers and name the mistakes."""

import numpy as np
import pytest

from backprop_lib.exercises import digits as ex
from backprop_lib.exercises import in_page


def test_uniform_loss():
    assert ex.check_uniform_loss(np.log(10)).ok
    assert ex.check_uniform_loss(2.30).ok and ex.check_uniform_loss(2.3026).ok  # as printed
    assert not ex.check_uniform_loss(2.31).ok
    assert "minus" in ex.check_uniform_loss(-np.log(10)).message
    assert "bits" in ex.check_uniform_loss(np.log2(10)).message
    assert "summed" in ex.check_uniform_loss(10 * np.log(10)).message
    assert not ex.check_uniform_loss(None).ok


def test_bn_param_count():
    assert ex.check_bn_param_count(64 * 64 + 2 * 64 + 10 * 64 + 10).ok
    assert "plain network" in ex.check_bn_param_count(4810).message
    assert "running" in ex.check_bn_param_count(4874 + 128).message


@pytest.mark.slow
def test_chosen_rate_accepts_the_band_and_names_the_mistakes():
    band, by_training = ex.rate_band()
    assert band
    for rate in band:
        assert ex.check_chosen_rate(float(rate), "validation loss").ok
        assert ex.check_chosen_rate(rate, "validation accuracy").ok
    assert "test split" in ex.check_chosen_rate(band[0], "test accuracy").message
    assert "training loss" in ex.check_chosen_rate(band[0], "training loss").message
    if by_training not in band:
        assert "lowest training loss" in ex.check_chosen_rate(by_training,
                                                              "validation loss").message
    # the band's largest rate is accepted with a warning that it sits at the edge
    edge = ex.check_chosen_rate(band[-1], "validation loss")
    assert edge.ok and "edge" in edge.message
    assert "edge" not in ex.check_chosen_rate(band[0], "validation loss").message
    # a rate on the accuracy plateau with a blown-up loss, chosen by accuracy: told so
    hot = ex.check_chosen_rate(0.3, "validation accuracy")
    assert not hot.ok and "by accuracy 0.3 looks fine" in hot.message
    assert "times the lowest" in hot.message
    assert not ex.check_chosen_rate("0.0001", "validation loss").ok
    assert not ex.check_chosen_rate(0.02, "validation loss").ok  # not a rate of the slider
    off = ex.check_chosen_rate(0.0033, "validation loss").message
    assert "nearest to 0.0033 is 0.003" in off and "a string" not in off


@pytest.mark.slow
def test_bug_names_each_diagnosis():
    assert ex.check_bug(ex.MYSTERY).ok
    assert ex.check_bug("accumulated gradients").ok
    wrong = [b for b in ex.BUG_CHOICES if b != ex.MYSTERY]
    messages = {ex.check_bug(b).message for b in wrong}
    assert len(messages) == len(wrong) and not any(ex.check_bug(b).ok for b in wrong)


@pytest.mark.slow
def test_exploration_accepts_its_answer_and_names_each_mistake():
    assert len(ex.HOT_SEEDS) >= 5  # a chance agreement of every seed is unlikely
    _, order, longer, _, _ = ex.exploration()
    assert ex.check_exploration(order, longer).ok
    other_order = next(o for o in ex.ORDER_CHOICES if o != order)
    other_longer = next(o for o in ex.LONGER_CHOICES if o != longer)
    assert "compare the seeds" in ex.check_exploration(other_order, longer).message
    assert "compare the last epochs" in ex.check_exploration(order, other_longer).message
    assert not ex.check_exploration(None, None).ok


@pytest.mark.slow
@pytest.mark.parametrize("check, n", [(ex.check_uniform_loss, 1), (ex.check_bn_param_count, 1),
                                      (ex.check_chosen_rate, 2), (ex.check_bug, 1),
                                      (ex.check_exploration, 2)])
def test_every_exercise_answers_in_the_page(check, n):
    assert in_page.spec(check, n) is not None
