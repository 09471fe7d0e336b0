"""Numbers typed in the prose of chapter 3 (book/03_worked_example.ipynb), recomputed."""

from __future__ import annotations

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib.figures import one_step
from backprop_lib.figures import worked_example as we

# The chapter's claims, measured over seeds and grids: `make test` runs them, `make fast`
# does not.
pytestmark = pytest.mark.slow


def test_first_hidden_z_written_out_in_the_text():
    # "0.15 · 0.5 + 0.25 · 0.8 + 0.35 = 0.625" (filled in from the parameters): the printed
    # terms, rounded by :g, give the computed z exactly
    net, X, Y = we.worked_network()
    w, b = net.params["W1"], net.params["b1"]
    assert w[0, 0] * X[0, 0] + w[0, 1] * X[1, 0] + b[0, 0] == net.trace(X, Y)["Z1"][0, 0]
    assert f"{net.trace(X, Y)['Z1'][0, 0]:g}" == "0.625"


def test_starting_values_small_positive_all_different_but_the_hidden_biases():
    # "small and positive, and apart from the two hidden biases (both 0.35) all different"
    net, _, _ = we.worked_network()
    values = np.concatenate([v.ravel() for v in net.params.values()])
    assert (values > 0).all() and (values < 1).all()
    b1 = net.params["b1"].ravel()
    assert b1[0] == b1[1] == 0.35
    others = np.concatenate([net.params[k].ravel() for k in ("W1", "W2", "b2")] + [b1[:1]])
    assert len(set(others.tolist())) == others.size


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
    assert f"{abs(1 - 2 * yhat / (1 - yhat)):.1f}" == "5.6" and f"{1 - yhat:.4f}" == "0.2326"


def test_what_the_rounding_costs_a_gradient_check_and_training():
    # "a gradient check of these gradients reports a relative error of 1.35e-03 ... training
    # barely notices, since every gradient grows by the same 0.27 %"; "all of layer 1
    # through dA1 = W2^T dZ2": every gradient, rebuilt from the rounded dZ2 by the backward
    # equations, is the exact one times dz_rounded / dz_true
    _, dz_rounded, dz_true = we.rounded_chain(3)
    net, X, Y = we.worked_network()
    t = net.trace(X, Y)
    dz2 = np.array([[dz_rounded]])
    dz1 = (net.params["W2"].T @ dz2) * t["A1"] * (1 - t["A1"])
    rounded = {"dW2": dz2 @ t["A1"].T, "db2": dz2, "dW1": dz1 @ X.T, "db1": dz1}
    exact = net.gradients(X, Y)
    flat = lambda g: np.concatenate([g[k].ravel() for k in sorted(rounded)])  # noqa: E731
    err = bp.relative_error(flat(rounded), flat(exact))
    assert f"{err:.2e}" == "1.35e-03" == f"{bp.relative_error(dz_rounded, dz_true):.2e}"
    assert err > 1e-7  # a gradient check's threshold: it would flag a correct backward pass
    np.testing.assert_allclose(flat(rounded), dz_rounded / dz_true * flat(exact), rtol=1e-12)
    assert dz_rounded / dz_true == pytest.approx(1 + 0.0027, abs=5e-5)  # longer by 0.27 %


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
    # "In Figure 2 the loss after one step keeps falling as the step grows"
    after_one = np.array([one_step.sgd_losses(lr, 1)[1] for lr in one_step.SWEEP_LRS])
    assert np.all(np.diff(after_one) <= 0)
    assert np.all(after_one < one_step.sgd_losses(0.5, 0)[0])
    np.testing.assert_array_equal(one_step.target_sweep(1.0).after_one, after_one)


def _one_step_loss(P, X, y, lr):
    """An independent plain-NumPy step of the 2-2-1 sigmoid network, half MSE, one example."""
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    def fwd(P):
        a1 = sig(P["W1"] @ X + P["b1"])
        a2 = sig(P["W2"] @ a1 + P["b2"])
        return a1, a2
    a1, a2 = fwd(P)
    dz2 = (a2 - y) * a2 * (1 - a2)
    dz1 = (P["W2"].T @ dz2) * a1 * (1 - a1)
    G = dict(W1=dz1 @ X.T, b1=dz1, W2=dz2 @ a1.T, b2=dz2)
    with np.errstate(over="ignore"):
        new = {k: P[k] - lr * G[k] for k in P}
        a2_new = fwd(new)[1]
    return 0.5 * float(((a2 - y) ** 2).sum()), 0.5 * float(((a2_new - y) ** 2).sum()), G


def test_the_named_mechanism_signs_then_the_sigmoid_limit():
    # "the inputs and every starting weight are positive and every gradient is negative, so
    # one step raises every weight and bias, and raises y_hat the more, the larger alpha":
    # true for y = 1 and for the control's y = 0.8 (y_hat starts below both)
    net, X, _ = we.worked_network()
    assert (X > 0).all() and all((v > 0).all() for v in net.params.values())
    for y in (1.0, 0.8):
        s = one_step.target_sweep(y)
        assert s.yhat_before < y
        assert np.all(np.diff(s.yhat_after) > 0)  # y_hat climbs with alpha
        _, _, G = _one_step_loss(net.params, X, np.array([[y]]), 1.0)
        assert all((g < 0).all() for g in G.values())
    # with y = 1: below the limit at every rate, y_hat 0.99995 at 100 (as printed)
    s = one_step.target_sweep(1.0)
    assert (s.yhat_after < 1).all() and f"{s.yhat_after[-1]:.5f}" == "0.99995"


def test_control_a_target_inside_the_sigmoid_range_overshoots_with_one_example():
    # "With y = 0.8 the same single example overshoots ... the lowest loss after one step is
    # near alpha = 17.8, and from alpha ~ 38.3 on, one step leaves the loss higher than it
    # was, 0.00613 at alpha = 100 against 0.000532 before": the ablation of the mechanism
    # (only the target changes), with an independent implementation of the step
    friendly, control = one_step.target_sweep(1.0), one_step.target_sweep(0.8)
    assert friendly.monotone and friendly.first_rise_lr is None
    assert not control.monotone
    assert f"{control.best_lr:.3g}" == "17.8" and f"{control.first_rise_lr:.3g}" == "38.3"
    assert f"{control.after_one[-1]:.3g}" == "0.00613" and f"{control.before:.3g}" == "0.000532"
    # y_hat passes the target where the loss after one step is lowest on the grid, or next
    passes = control.lrs[np.argmax(control.yhat_after > 0.8)]
    assert passes == pytest.approx(control.best_lr, rel=0.3)
    net, X, _ = we.worked_network()
    for i, lr in enumerate(control.lrs):
        before, after, _ = _one_step_loss(net.params, X, np.array([[0.8]]), lr)
        assert after == pytest.approx(control.after_one[i], rel=1e-9)
        assert (after > before) == (lr >= control.first_rise_lr)
    # every target inside (0, 1) above y_hat that y_hat can pass overshoots at large rates:
    # the loss at alpha = 100 rises above its minimum over the sweep
    for y in (0.78, 0.8, 0.85, 0.9, 0.95):
        s = one_step.target_sweep(y)
        assert not s.monotone and s.after_one[-1] > s.after_one.min()


def test_with_target_1_no_step_overshoots_from_random_weights_either():
    # the chapter's y = 1 case over random starting weights of mixed signs (the reviewer's
    # check, here 5 scales x 10 seeds): the loss after one step never rises with alpha
    X = np.array([[0.5], [0.8]])
    y = np.array([[1.0]])
    for scale in (0.5, 1.0, 2.0):
        for seed in range(10):
            r = np.random.default_rng(seed)
            P = dict(W1=r.normal(0, scale, (2, 2)), b1=r.normal(0, scale, (2, 1)),
                     W2=r.normal(0, scale, (1, 2)), b2=r.normal(0, scale, (1, 1)))
            losses = [_one_step_loss(P, X, y, lr) for lr in one_step.SWEEP_LRS]
            after = np.array([a for _, a, _ in losses])
            assert np.all(np.diff(after) <= 1e-15) and np.all(after <= losses[0][0])


def test_exercise_4_target_0_9_overshoots_yet_ends_lower():
    # Exercise 4: y = 0.9, one step at 100: y_hat passes 0.9 but cannot pass 1, and
    # 1/2 (1 - 0.9)^2 is below the loss before the step, so the loss ends lower
    import json
    from pathlib import Path

    from backprop_lib.exercises import worked_example as ex

    net, X, _ = we.worked_network()
    y = np.array([[ex.LR_TARGET]])
    u = we.one_update(net, X, y, ex.LR_RATE)
    assert u.prediction_after > ex.LR_TARGET > u.prediction_before
    assert u.loss_after < 0.5 * (1 - ex.LR_TARGET) ** 2 < u.loss_before
    before, after, _ = _one_step_loss(net.params, X, y, ex.LR_RATE)
    assert after == pytest.approx(u.loss_after, rel=1e-9)
    # the exercise's text names the checker's setting
    nb = json.loads(Path(__file__).parents[1].joinpath(
        "book/03_worked_example.ipynb").read_text(encoding="utf-8"))
    text = next("".join(c["source"]) for c in nb["cells"]
                if "".join(c["source"]).startswith("**Exercise 4"))
    assert f"$y = {ex.LR_TARGET:g}$" in text and f"$\\alpha = {ex.LR_RATE:g}$" in text
    assert f"np.array([[{ex.LR_TARGET:g}]]), {ex.LR_RATE:.1f})" in text


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
    # "The next chapter trains on a data set, and there too a learning rate that is too
    # large makes the steps overshoot: the loss leaps up before gradient descent brings it
    # back down."
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
