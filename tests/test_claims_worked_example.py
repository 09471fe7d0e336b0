"""Numbers typed in the prose of chapter 3 (book/03_worked_example.ipynb), recomputed."""

from __future__ import annotations

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib.figures import one_step
from backprop_lib.figures import worked_example as we


def test_first_hidden_z_typed_in_the_text():
    # "0.15 · 0.5 + 0.25 · 0.8 + 0.35 = 0.625"
    net, X, Y = we.worked_network()
    assert net.trace(X, Y)["Z1"][0, 0] == pytest.approx(0.625, abs=1e-15)


def test_article_claims_typed_in_the_text_are_the_articles_and_wrong():
    # the text quotes the article's "0.0265" and "0.772" and says both are wrong
    assert we.ARTICLE["loss_after"] == 0.0265 and we.ARTICLE["A2_after"][0][0] == 0.772
    net, X, Y = we.worked_network()
    u = we.one_update(net, X, Y, 0.5)
    assert round(u.loss_after, 4) != 0.0265 and round(u.prediction_after, 3) != 0.772
    assert u.loss_after == pytest.approx(0.025455, abs=5e-7)  # what the page shows (glued)
    assert u.prediction_after == pytest.approx(0.774368, abs=5e-7)


def test_the_article_weights_after_the_update_agree_to_its_printed_digits_within_rounding():
    # "Its updated weights agree with ours to within 0.05 percent" (relative, 5e-4)
    net, X, Y = we.worked_network()
    rows = {r[0]: r for r in we.compare_with_article(we.one_update(net, X, Y, 0.5))}
    for name in ("W2_new", "b2_new", "W1_new", "b1_new"):
        assert rows[name][3] < 5e-4


def test_mismatched_loss_and_derivative_give_one_third():
    # "relative error 1/3" for a gradient off by a factor of 2
    net, X, Y = we.worked_network()
    net_mse, _, _ = we.worked_network(loss="mse")
    num = bp.numerical_gradients(net_mse, X, Y)
    g = net.gradients(X, Y)
    for k in g:
        assert bp.relative_error(g[k], num[k]) == pytest.approx(1 / 3, abs=1e-6)


def test_sigmoid_derivative_is_at_most_a_quarter():
    z = np.linspace(-10, 10, 2001)
    s = 1 / (1 + np.exp(-z))
    assert (s * (1 - s)).max() == pytest.approx(0.25)


def test_larger_single_steps_keep_lowering_the_loss():
    # "For this single example the loss keeps falling as the step grows"
    after_one = np.array([one_step.sgd_losses(lr, 1)[1] for lr in one_step.SWEEP_LRS])
    assert np.all(np.diff(after_one) <= 0)
    assert np.all(after_one < one_step.sgd_losses(0.5, 0)[0])


def _rows():
    net, X, Y = we.worked_network()
    return {r[0]: r for r in we.compare_with_article(we.one_update(net, X, Y, 0.5))}


def test_all_article_numbers_but_one_within_half_a_percent():
    rows = _rows()
    outside = {name for name, r in rows.items() if r[3] >= 0.005}
    assert outside == {"loss_after"}


def test_article_z2_comes_from_the_rounded_activations():
    # "z^[2] is computed from the rounded activations, so its fourth decimal is off too"
    w, b = we.SETUP["W2"][0], we.SETUP["b2"][0][0]
    a_rounded = [row[0] for row in we.ARTICLE["A1"]]
    assert w[0] * a_rounded[0] + w[1] * a_rounded[1] + b == pytest.approx(1.1934, abs=1e-12)
    assert not _rows()["Z2"][4]


def test_every_gradient_of_the_example_is_negative():
    # "Every gradient is negative"
    net, X, Y = we.worked_network()
    for g in net.gradients(X, Y).values():
        assert (g < 0).all()


def test_mse_derivative_over_all_entries():
    # "mse" with 2 (y_hat - y) / (n_L m)
    from backprop_lib.losses import mse_gradient
    A, Y = np.array([[0.2, 0.4, 0.9], [0.1, 0.5, 0.3]]), np.zeros((2, 3))
    np.testing.assert_allclose(mse_gradient(A, Y), 2 * (A - Y) / (2 * 3))


def test_figure_2_spans_learning_rates_from_0_01_to_100():
    # "for learning rates from 0.01 to 100"
    assert one_step.SWEEP_LRS[0] == pytest.approx(0.01)
    assert one_step.SWEEP_LRS[-1] == pytest.approx(100)


def test_next_chapter_too_large_a_rate_overshoots_then_recovers():
    # "In the next chapter, with many examples that pull the weights in different
    # directions, a learning rate that is too large makes the steps overshoot: the loss
    # leaps up before gradient descent brings it back down."
    from backprop_lib.figures import training

    r = training.compute(lr=10.0, init="xavier")
    assert not r.diverged
    assert r.loss.max() > 10 * r.loss[0] and r.loss[-1] < 0.01 * r.loss[0]
    calm = training.compute(lr=1.0, init="xavier")
    assert calm.loss.max() == calm.loss[0]  # at 1 there is no leap
