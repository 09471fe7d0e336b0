"""The checkers of chapter 11's exercises accept the right answers and name the mistakes."""

import math

import numpy as np
import pytest

from backprop_lib import digits_study as ds
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
    # every out-of-band rate is diagnosed from its run: under-trained or blown up
    he = {f"{lr:g}": ds.run(lr, "he", seed=0) for lr in ds.LR_GRID}
    lowest = min(r.val_loss[-1] for r in he.values())
    for rate, r in he.items():
        if rate in band:
            continue
        falling = int(np.argmin(r.val_loss)) == len(r.val_loss) - 1
        ratio = r.val_loss[-1] / lowest
        shown = f"{ratio:.1f}" if ratio < 10 else f"{ratio:.0f}"
        for criterion in ("validation loss", "validation accuracy"):
            m = ex.check_chosen_rate(rate, criterion)
            assert not m.ok and f"{shown} times the grid's lowest" in m.message
            assert " 1 times" not in m.message and "1.0 times" not in m.message
            assert ("still falling at the last epoch" in m.message) == falling
            assert "under-trained" in m.message if falling else "blew up" in m.message
            assert ("near certainty" in m.message) == (not falling
                                                        and r.val_loss[-1] >= 3 * r.val_loss.min())
            if criterion == "validation accuracy" and rate != by_training:
                assert "lowest training loss" not in m.message
    # 0.001 chosen by accuracy: under-trained, 1.4 times the lowest, no confident mistakes
    slow = ex.check_chosen_rate(0.001, "validation accuracy").message
    ratio = he["0.001"].val_loss[-1] / lowest
    assert "by accuracy 0.001 looks fine" in slow and 1.2 < ratio < 1.6
    assert f"{ratio:.1f} times the grid's lowest" in slow
    assert "still falling at the last epoch, epoch 30 (under-trained)" in slow
    assert "near certainty" not in slow and "confident" not in slow
    # 0.3 chosen by accuracy: behind by accuracy too, blown up; not "lowest training loss"
    hot = ex.check_chosen_rate(0.3, "validation accuracy").message
    assert "by accuracy" in hot and "blew up" in hot
    assert "lowest training loss" not in hot and "near certainty" in hot
    # a right answer by accuracy names the rates accuracy alone would accept, with their reason
    ok = ex.check_chosen_rate(band[0], "validation accuracy")
    assert ok.ok and "Accuracy alone would also have accepted 0.001, where the validation loss "\
                     "is still falling" in ok.message and "hundredfold" not in ok.message
    assert "Accuracy alone" not in ex.check_chosen_rate(band[0], "validation loss").message
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
    # the rule is the paired standard error of the change, image by image, and is stated
    _, _, _, short, long = ex.exploration()
    assert np.array_equal(long.val_acc[:len(short.val_acc)], short.val_acc)  # run continued
    c = ds.paired_change(short, long)
    d = ds.prepared()
    right = [np.argmax(ds.logits(r.net, d.X_val), axis=0) == d.y_val for r in (short, long)]
    assert c.gained == int(np.sum(right[1] & ~right[0]))
    assert c.lost == int(np.sum(right[0] & ~right[1]))
    assert math.isclose(c.diff, long.val_acc[-1] - short.val_acc[-1], abs_tol=1e-12)
    k, n = c.gained + c.lost, len(d.y_val)
    # with k disagreeing images the paired error is about sqrt(k) / n, far below a single
    # accuracy's sqrt(p (1 - p) / n), the yardstick the exercise must not use
    p = short.val_acc[-1]
    assert c.se < 0.5 * math.sqrt(p * (1 - p) / n)
    assert (longer == ex.LONGER_CHOICES[0]) == (c.diff > ex.LONGER_Z * c.se)
    wrong = ex.check_exploration(order, other_longer).message
    assert f"{c.gained} images gained, {c.lost} lost of the {n}" in wrong
    assert f"paired standard error of {c.se:.3f}" in wrong
    assert f"more than {ex.LONGER_Z:g} paired standard errors" in wrong
    if longer == "only the training loss":
        assert "within the noise" in wrong
        if k:
            luck = sum(math.comb(k, j) for j in range(c.gained, k + 1)) / 2 ** k
            assert f"with probability {luck:.2g}" in wrong
    right = ex.check_exploration(order, longer).message
    assert f"paired standard error of {c.se:.3f}" in right
    assert not ex.check_exploration(None, None).ok


@pytest.mark.slow
@pytest.mark.parametrize("check, n", [(ex.check_uniform_loss, 1), (ex.check_bn_param_count, 1),
                                      (ex.check_chosen_rate, 2), (ex.check_bug, 1),
                                      (ex.check_exploration, 2)])
def test_every_exercise_answers_in_the_page(check, n):
    assert in_page.spec(check, n) is not None


def test_paired_change_refuses_what_is_not_a_run():
    with pytest.raises(TypeError, match="before and after must be Runs"):
        ds.paired_change(0.96, 0.97)
