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


def test_one_step_result_printed_in_the_text():
    # "After one step the loss is 0.02545, 5.9 % lower than before ... 0.7674 to 0.7744"
    net, X, Y = we.worked_network()
    u = we.one_update(net, X, Y, 0.5)
    assert u.loss_after == pytest.approx(0.025455, abs=5e-7)
    assert u.prediction_after == pytest.approx(0.774368, abs=5e-7)
    assert 100 * (1 - u.loss_after / u.loss_before) == pytest.approx(5.9, abs=0.05)


def test_the_update_written_out_is_bp_sgd():
    # "The library's bp.optimizers.SGD does exactly this subtraction": the chapter's loop
    # and the optimizer agree bit for bit
    net, X, Y = we.worked_network()
    t = net.trace(X, Y)
    new = {k: v - 0.5 * t["d" + k] for k, v in net.params.items()}
    twin = net.copy()
    bp.optimizers.SGD(lr=0.5).step(twin.params, twin.gradients(X, Y))
    for k in new:
        np.testing.assert_array_equal(new[k], twin.params[k])


def test_sigmoid_derivative_derivation_line_by_line():
    # each line of the derivation equals a 50-digit derivative of sigma, at several z
    import mpmath

    mpmath.mp.dps = 50
    for z in (-6.0, -1.0, 0.0, 0.69, 1.193525, 4.0):
        exact = float(mpmath.diff(lambda v: 1 / (1 + mpmath.exp(-v)), z))
        s = 1 / (1 + np.exp(-z))
        lines = [np.exp(-z) / (1 + np.exp(-z)) ** 2, s * np.exp(-z) / (1 + np.exp(-z)),
                 s * (1 - s)]
        for v in lines:
            assert v == pytest.approx(exact, rel=1e-12)
    assert 1 / (1 + np.exp(-0.0)) * (1 - 1 / (1 + np.exp(-0.0))) == 0.25  # "largest at z = 0"


def test_rounding_yhat_moves_the_output_error_far_more_than_yhat():
    # "Rounding moved y-hat by only 0.048 %, but dZ2 moved by 0.27 %": the error grows
    # because 1 - y_hat enters twice; an independent decimal computation agrees
    from decimal import Decimal, localcontext

    a3, dz_rounded, dz_true = we.rounded_chain(3)
    net, X, Y = we.worked_network()
    yhat = float(net.trace(X, Y)["A2"][0, 0])
    assert f"{abs(a3 / yhat - 1):.3%}" == "0.048%"
    assert f"{abs(dz_rounded / dz_true - 1):.2%}" == "0.27%"
    with localcontext() as ctx:
        ctx.prec = 40
        a = Decimal("0.767")
        assert float((a - 1) * a * (1 - a)) == pytest.approx(dz_rounded, rel=1e-15)
    # the magnification is |d log dZ2 / d log y_hat| = |1 - 2 y_hat / (1 - y_hat)| for
    # dZ2 = -y_hat (1 - y_hat)^2: the factor 2 is the difference 1 - y_hat entering twice
    ratio = abs(dz_rounded / dz_true - 1) / abs(a3 / yhat - 1)
    assert ratio == pytest.approx(abs(1 - 2 * yhat / (1 - yhat)), rel=0.05)


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


def test_hidden_gradient_ratio_named_mechanisms():
    # "The hidden layer's weight gradient is 6.9 times smaller ... Part of that is the
    # sigmoid's derivative ... part is the output weights 0.4 and 0.5": the ablations that
    # would refute it. With sigma' replaced by 1 at the hidden layer, or with output weights
    # of 1, the ratio shrinks.
    net, X, Y = we.worked_network()
    t = net.trace(X, Y)
    ratio = np.linalg.norm(t["dW2"]) / np.linalg.norm(t["dW1"])
    assert f"{ratio:.1f}" == "6.9"
    W2 = net.params["W2"]
    dZ1_no_sigma = W2.T @ t["dZ2"]
    dZ1_unit_w = np.ones_like(W2).T @ t["dZ2"] * t["A1"] * (1 - t["A1"])
    for dZ1 in (dZ1_no_sigma, dZ1_unit_w):
        assert np.linalg.norm(t["dW2"]) / np.linalg.norm(dZ1 @ X.T) < ratio


def test_the_steps_named_in_the_text():
    # "Steps 1 to 5 are the forward pass ... Steps 6 to 11 are the backward pass ..., step 12
    # the update and step 13 the forward pass with the new weights"; "Exercise 5: at step 1
    # ... x2 and W1[2,2]; at step 10, dZ of h2; ... the edge's label at step 12"
    phases = [s.phase for s in we.steps()]
    assert we.N_STEPS == 13
    assert phases[:5] == [we.FORWARD] * 5 and phases[5:11] == [we.BACKWARD] * 6
    assert phases[11:] == [we.UPDATE, we.AFTER]
    assert we.compute_step(1)["nodes"]["x2"] == ["x2 = 0.80"]
    assert we.compute_step(1)["weights"][("W1", 1, 1)] == 0.3
    assert we.compute_step(10)["nodes"]["h2"][-1].startswith("dZ = ")
    assert we.compute_step(11)["nodes"]["h2"][-1].startswith("dZ = ")  # step 11 adds none
    assert we.compute_step(12)["edges"][("W1", 1, 1)][-1].startswith("w → ")


def test_other_initializations_use_seed_0_and_the_output_weights_are_as_typed():
    # "weights drawn by one of the library's initializers (seed 0)"; "the output weights
    # 0.4 and 0.5"
    import inspect

    assert inspect.signature(we.worked_network).parameters["seed"].default == 0
    net, _, _ = we.worked_network()
    np.testing.assert_array_equal(net.params["W2"], [[0.4, 0.5]])
