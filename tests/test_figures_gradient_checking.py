"""Tests of the computations behind chapter "Gradient checking"'s figures and tables."""

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib.figures import gradient_checking as gc


@pytest.fixture(scope="module")
def curve():
    return gc.eps_curve()


def test_eps_curve_is_u_shaped_and_float32_is_worse(curve):
    for dtype in gc.DTYPES:
        errs = curve[dtype]
        i = int(np.argmin(errs))
        assert 0 < i < len(errs) - 1  # the minimum is inside: rounding left, truncation right
        assert errs[0] > 30 * errs[i] and errs[-1] > 30 * errs[i]
    assert gc.best_eps(curve, "float64")[1] < 1e-9
    assert gc.best_eps(curve, "float32")[1] > 1e-6
    assert gc.best_eps(curve, "float32")[0] > gc.best_eps(curve, "float64")[0]


def test_truncation_error_falls_like_eps_squared(curve):
    # on the right of the U, ten times smaller eps gives about 100 times smaller error
    e = curve["float64"]
    assert 50 < e[-2] / e[-3] < 200


def test_absolute_threshold_misleads_both_ways():
    rows = gc.verdict_rows([("pass", *gc.false_pass_problem()),
                            ("fail", *gc.false_fail_problem())])
    false_pass, false_fail = rows
    assert false_pass["absolute verdict"] == "pass" and false_pass["relative"] > 0.1
    assert false_fail["absolute verdict"] == "fail" and false_fail["relative verdict"] == "pass"


def test_scale_loss_scales_gradient_not_relative_error():
    net, X, Y = gc.false_fail_problem(1.0)
    big = gc.scale_loss(net, 1e3)
    assert big.loss(X, Y) == pytest.approx(1e3 * net.loss(X, Y))
    np.testing.assert_allclose(big.gradients(X, Y)["dW1"], 1e3 * net.gradients(X, Y)["dW1"])
    assert bp.gradcheck(big, X, Y).passed()


def test_kink_straddled_only_when_closer_than_eps():
    errs = gc.kink_errors([0.0, 1e-7, 1e-4], eps=1e-6)
    assert errs[0] > 1e-4 and errs[1] > 1e-4 and errs[2] < 1e-7


def test_place_on_kink_and_count():
    net, X, Y = gc.kink_problem()
    z = gc.place_on_kink(net, X, 1e-9, unit=2, example=3)
    assert abs(z - 1e-9) < 1e-12
    assert gc.pre_activations_near_zero(net, X, 1e-6) >= 1
    with pytest.raises(ValueError, match="unit must be <"):
        gc.place_on_kink(net, X, 0.0, unit=99)
    with pytest.raises(TypeError, match="offset must be a real number"):
        gc.place_on_kink(net, X, "0")


def test_eps_frame_snaps_to_grid():
    r = gc.compute(2e-6)
    assert r["eps"] == pytest.approx(1e-6)
    with pytest.raises(ValueError, match="eps must be > 0"):
        gc.compute(0.0)


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_every_frame_draws_and_updates_fast():
    import time

    fig_obj = gc.interactive()
    from backprop_lib.plots import figure

    fig = figure()
    artists = gc.draw(fig, gc.compute(1e-6), None)
    start = time.perf_counter()
    for eps in gc.EPS_VALUES:
        r = gc.compute(eps)
        assert gc.draw(fig, r, artists) is artists
        assert "relative error" in gc.alt({"eps": eps}, r).lower()
    # compute + update of the artists (rendering the PNG is the player's job)
    assert (time.perf_counter() - start) / len(gc.EPS_VALUES) < 0.1
    fig.canvas.draw()
    assert fig_obj is not None
