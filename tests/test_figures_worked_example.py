"""The worked example's compute functions and its step-through figure (chapter 3)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib.figures import worked_example as we


def test_worked_network_holds_the_article_setup():
    net, X, Y = we.worked_network()
    for k in ("W1", "b1", "W2", "b2"):
        np.testing.assert_array_equal(net.params[k], np.array(we.SETUP[k]))
    assert X.shape == (2, 1) and Y.shape == (1, 1)
    assert net.loss_name == "half_mse" and net.activation_names == ["sigmoid", "sigmoid"]


@pytest.mark.parametrize("init", ["small", "xavier", "he"])
def test_worked_network_other_inits_draw_other_weights(init):
    net, _, _ = we.worked_network(init)
    assert not np.allclose(net.params["W1"], np.array(we.SETUP["W1"]))


def test_one_update_is_sgd_and_leaves_the_network_alone():
    net, X, Y = we.worked_network()
    before = {k: v.copy() for k, v in net.params.items()}
    u = we.one_update(net, X, Y, 0.5)
    for k, v in before.items():
        np.testing.assert_array_equal(net.params[k], v)  # untouched
    twin = net.copy()
    bp.optimizers.SGD(lr=0.5).step(twin.params, twin.gradients(X, Y))
    for k in before:
        np.testing.assert_allclose(u.new_params[k], twin.params[k], rtol=0, atol=1e-15)
    assert u.loss_after == pytest.approx(twin.loss(X, Y), rel=1e-14)
    assert u.prediction_after == pytest.approx(float(twin.forward(X)[0, 0]), rel=1e-14)
    assert u.loss_after < u.loss_before


@pytest.mark.parametrize("lr, exc", [(0, ValueError), (-1.0, ValueError),
                                     (float("nan"), ValueError), ("0.5", TypeError),
                                     (True, TypeError)])
def test_one_update_rejects_bad_learning_rates(lr, exc):
    net, X, Y = we.worked_network()
    with pytest.raises(exc, match="lr"):
        we.one_update(net, X, Y, lr)


def test_compare_with_article_flags_the_wrong_values():
    net, X, Y = we.worked_network()
    rows = {r[0]: r for r in we.compare_with_article(we.one_update(net, X, Y, 0.5))}
    assert set(rows) == set(we.ARTICLE)
    big = {name for name, r in rows.items() if r[3] > 0.01}
    assert big == {"loss_after"}
    assert not rows["loss_after"][4] and not rows["A2_after"][4]
    assert rows["Z1"][4] and rows["A1"][4] and rows["loss"][4]
    assert not rows["dZ2"][4]  # -0.0416 printed, -0.04153 true


def test_compare_with_article_rejects_a_wrong_shape():
    net, X, Y = we.worked_network()
    with pytest.raises(ValueError, match="article\\['Z1'\\]"):
        we.compare_with_article(we.one_update(net, X, Y, 0.5), {"Z1": (0.6, 0.7, 0.8)})


def test_rounded_chain_counts_the_rounding_twice():
    a, dz_rounded, dz_true = we.rounded_chain(3)
    assert a == 0.767
    assert dz_rounded == pytest.approx((a - 1) * a * (1 - a))
    assert abs(dz_rounded / dz_true - 1) > 0.002  # beyond the 0.05 % of rounding y_hat itself


def test_steps_walk_forward_then_backward_then_update():
    walk = we.steps()
    phases = [s.phase for s in walk]
    assert len(walk) == we.N_STEPS
    first_back = phases.index(we.BACKWARD)
    assert set(phases[:first_back]) == {we.FORWARD}
    assert phases[-2:] == [we.UPDATE, we.AFTER]
    # the error reaches the output before the hidden units
    order = [k for s in walk[first_back:] for k in s.nodes]
    assert order.index("o") < order.index("h1") < order.index("h2")


def test_step_values_are_the_traced_values():
    net, X, Y = we.worked_network()
    t = net.trace(X, Y)
    last = we.compute_step(we.N_STEPS)
    assert f"z = {t['Z1'][0, 0]:.4f}" in last["nodes"]["h1"]
    assert f"dZ = {t['dZ1'][1, 0]:.4g}" in last["nodes"]["h2"]
    assert f"dW = {t['dW1'][1, 0]:.4g}" in last["edges"][("W1", 1, 0)]
    u = we.one_update(net, X, Y, 0.5)
    assert f"new loss = {u.loss_after:.5f}" in last["nodes"]["L"]


def test_compute_step_reveals_values_cumulatively():
    sizes = [sum(map(len, we.compute_step(s)["nodes"].values()))
             for s in range(1, we.N_STEPS + 1)]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    assert we.compute_step(1)["edges"][("W2", 0, 0)] == []


@pytest.mark.parametrize("step, exc", [(0, ValueError), (99, ValueError), ("1", TypeError),
                                       (1.5, TypeError)])
def test_compute_step_rejects_bad_steps(step, exc):
    with pytest.raises(exc, match="step"):
        we.compute_step(step)


@pytest.mark.parametrize("lr", we.STEP_LRS)
@pytest.mark.parametrize("init", we.INITS)
def test_every_setting_computes_without_warnings(lr, init):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = we.compute_step(we.N_STEPS, lr, init)
    assert "nan" not in " ".join(sum(r["nodes"].values(), [])).lower()


def test_the_figure_draws_every_frame_and_updates_fast():
    pytest.importorskip("matplotlib")
    fig = we.steps_interactive()
    grid = fig.grid()
    assert len(grid) <= 170  # every pair of step, learning rate and init
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for params in grid:
            fig.update(**params)
            fig.png()
    times = fig.benchmark(settings=grid[:6], cold=True, render=False)
    assert np.median(times) < 100
    assert f"Step {we.N_STEPS} of {we.N_STEPS}" in fig.alt_text({"step": we.N_STEPS})


def test_table_and_fmt_array():
    assert we.fmt_array(np.array([[0.5]]), 2) == "0.50"
    assert we.fmt_array(np.array([[1, 2], [3, 4]]), 1) == "(1.0, 2.0); (3.0, 4.0)"
    text = we.table(["a", "bb"], [("x", 1), ("yyy", 22)])
    assert text.splitlines()[1] == "---  --"


@pytest.mark.parametrize("init, exc", [("bogus", ValueError), (3, TypeError)])
def test_worked_network_rejects_unknown_inits(init, exc):
    with pytest.raises(exc, match="init"):
        we.worked_network(init)


def test_step_captions_give_the_numbers_they_use_and_biases_show_from_the_start():
    net, X, Y = we.worked_network()
    t = net.trace(X, Y)
    walk = we.steps()
    first = we.compute_step(1)["nodes"]
    assert first["h1"] == [f"b = {we.SETUP['b1'][0][0]:.2f}"] and first["o"] == ["b = 0.60"]
    a = t["A1"][0, 0]
    step9 = next(s.text for s in walk if "hidden unit 1 along" in s.text)
    assert f"{a * (1 - a):.4f}" in step9 and f"{t['dZ1'][0, 0]:.4g}" in step9
    step11 = next(s.text for s in walk if s.text.startswith("Input weights"))
    for i in range(2):
        for j in range(2):
            assert f"dW1[{i + 1},{j + 1}] = ({t['dZ1'][i, 0]:.4g})·{X[j, 0]:.1f} = " \
                   f"{t['dW1'][i, j]:.4g}" in step11
