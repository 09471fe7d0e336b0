"""Every checker of chapter 3 accepts its solution and names the typical slips."""

from __future__ import annotations

import numpy as np

from backprop_lib.exercises import worked_example as ex
from backprop_lib.figures import worked_example as we

NET, X, Y = we.worked_network()
T = NET.trace(X, Y)


def test_hidden_z():
    assert ex.check_hidden_z(0.20 * 0.5 + 0.30 * 0.8 + 0.35).ok
    assert "no answer" in str(ex.check_hidden_z(None))
    assert "bias" in ex.check_hidden_z(0.20 * 0.5 + 0.30 * 0.8).message
    assert "column" in ex.check_hidden_z(0.25 * 0.5 + 0.30 * 0.8 + 0.35).message
    assert "σ(z)" in ex.check_hidden_z(float(T["A1"][1, 0])).message
    assert "first hidden unit" in ex.check_hidden_z(0.625).message


def test_output_error():
    a, y = float(T["A2"][0, 0]), 1.0
    good = (a - y) * a * (1 - a)
    assert ex.check_output_error(good).ok
    assert "sign" in ex.check_output_error(-good).message
    assert "sigmoid's derivative" in ex.check_output_error(a - y).message
    assert "twice" in ex.check_output_error(2 * good).message  # plain MSE's derivative
    assert "not ŷ" in ex.check_output_error((a - y) * a).message
    assert not ex.check_output_error("0.04").ok


def test_hidden_error():
    assert ex.check_hidden_error(lambda W2, dZ2, A1: (W2.T @ dZ2) * A1 * (1 - A1)).ok
    assert "W2ᵀ dZ2" in ex.check_hidden_error(lambda W2, dZ2, A1: W2.T @ dZ2).message
    assert "not A1" in ex.check_hidden_error(lambda W2, dZ2, A1: (W2.T @ dZ2) * A1).message
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    assert "again" in ex.check_hidden_error(
        lambda W2, dZ2, A1: (W2.T @ dZ2) * sig(A1) * (1 - sig(A1))).message
    assert "shape" in ex.check_hidden_error(lambda W2, dZ2, A1: (dZ2.T @ W2) * 1.0).message


def test_hidden_error_only_for_one_example_is_caught():
    def one_example(W2, dZ2, A1):
        return (W2.T * dZ2[0, 0]) * A1 * (1 - A1)  # right only when m = 1 and n_2 = 1
    assert not ex.check_hidden_error(one_example).ok


def test_hidden_error_stub_and_crash():
    def stub(W2, dZ2, A1):
        raise NotImplementedError
    assert "not written yet" in ex.check_hidden_error(stub).message
    assert "raised" in ex.check_hidden_error(lambda W2, dZ2, A1: 1 / 0).message


def test_lr_prediction():
    # target 0.9, one step at 100: y_hat overshoots the target, yet the loss ends lower
    assert ex.check_lr_prediction("lower than before the step").ok
    assert ex.check_lr_prediction("lower").ok
    wrong = ex.check_lr_prediction("higher than before the step")
    assert not wrong.ok and "climb past 0.9" in wrong.message and "below 1" in wrong.message
    assert "one of" in ex.check_lr_prediction("faster").message
    assert "no answer" in str(ex.check_lr_prediction(None))
    # the checker runs the computation: with the target 0.8 the same step raises the loss
    assert ex.check_lr_prediction("higher", y=0.8).ok
    assert ex.check_lr_prediction("lower", y=1.0).ok


def test_lr_prediction_messages_do_not_give_the_losses_away():
    u = we.one_update(NET, X, np.array([[ex.LR_TARGET]]), ex.LR_RATE)
    message = ex.check_lr_prediction("higher").message
    assert f"{u.loss_before:.4f}" not in message and f"{u.loss_after:.4f}" not in message


def test_hidden_z_sign_flip_is_named_for_a_pre_activation():
    message = ex.check_hidden_z(-(0.20 * 0.5 + 0.30 * 0.8 + 0.35)).message
    assert "positive" in message and "gradient" not in message


def test_messages_never_state_the_answer():
    value = f"{float(T['dZ2'][0, 0]):.4f}"
    for wrong in (0.0, 1.0, -1.0, float(T["dA2"][0, 0])):
        assert value not in ex.check_output_error(wrong).message


def test_new_weight_by_hand_from_the_figure():
    # the solution's numbers, read from Figure 1 as it prints them
    w, x1, x2, dz = 0.30, 0.5, 0.8, float(we.compute_step(10)["nodes"]["h2"][-1].split("= ")[1])
    assert ex.check_new_weight_by_hand(w - 0.5 * dz * x2).ok
    assert "subtracts" in ex.check_new_weight_by_hand(w + 0.5 * dz * x2).message
    assert "learning rate" in ex.check_new_weight_by_hand(w - dz * x2).message
    assert "dW = dZ·x₂, not dZ" in ex.check_new_weight_by_hand(w - 0.5 * dz).message
    assert "not x₁" in ex.check_new_weight_by_hand(w - 0.5 * dz * x1).message
    assert "dA of h₂" in ex.check_new_weight_by_hand(
        w - 0.5 * float(T["dA1"][1, 0]) * x2).message
    assert "dZ of h₁" in ex.check_new_weight_by_hand(
        w - 0.5 * float(T["dZ1"][0, 0]) * x2).message
    assert "gradient dW itself" in ex.check_new_weight_by_hand(dz * x2).message
    assert "no answer" in str(ex.check_new_weight_by_hand(None))


def test_no_checker_message_asks_to_run_anything():
    messages = [ex.check_lr_prediction(a).message for a in
                ("higher than before the step", "lower", "sideways")]
    messages += [ex.check_new_weight_by_hand(x).message for x in (0.0, 0.3, 1.0)]
    assert not any("run" in m.lower().split() for m in messages)


def test_new_weight_by_hand_accepts_the_figures_four_decimals():
    label = we.compute_step(12)["edges"][("W1", 1, 1)][-1]  # "w → 0.3018"
    assert ex.check_new_weight_by_hand(float(label.split("→ ")[1])).ok
