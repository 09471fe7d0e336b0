"""The compute functions behind chapter 4 (backprop_lib/figures/l_layers.py)."""

from __future__ import annotations

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib.figures import l_layers as ll


def _net_and_batch(loss="half_mse", m=5, seed=0):
    last = {"softmax_ce": "identity", "bce": "sigmoid"}.get(loss, "sigmoid")
    n_out = 3 if loss == "softmax_ce" else 1
    net = bp.Network([2, 4, 3, n_out], activations=["tanh", "relu", last], loss=loss, seed=seed)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2, m))
    if loss == "softmax_ce":
        Y = bp.data.one_hot(rng.integers(0, 3, size=m), 3)
    else:
        Y = rng.uniform(0.1, 0.9, size=(1, m))
    return net, X, Y


def test_shape_rows_match_the_symbols():
    net, X, Y = _net_and_batch()
    sizes, m = net.layer_sizes, X.shape[1]
    for name, sym, here in ll.shape_rows(net, X, Y):
        if name == "loss":
            continue
        assert here == str(_eval(sym, sizes, m)), name


def _eval(sym, sizes, m):
    parts = sym.strip("()").split(", ")
    return tuple(m if p == "m" else 1 if p == "1" else sizes[int(p[2:])] for p in parts)


@pytest.mark.parametrize("loss", ["half_mse", "mse", "bce", "softmax_ce"])
@pytest.mark.parametrize("m", [1, 4])
def test_per_example_backward_same_weights_m_times_the_intermediates(loss, m):
    net, X, Y = _net_and_batch(loss, m)
    t = net.trace(X, Y)
    pe = ll.per_example_backward(net, X, Y)
    for l in range(1, net.L + 1):
        np.testing.assert_allclose(pe[f"dW{l}"], t[f"dW{l}"], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(pe[f"db{l}"], t[f"db{l}"], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(pe[f"dZ{l}"], m * t[f"dZ{l}"], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("l", [1, 2, 3])
def test_library_dZ_is_the_true_partial_derivative(l):
    net, X, Y = _net_and_batch(m=6, seed=2)
    t = net.trace(X, Y)
    num = ll.dZ_true_partial(net, X, Y, l)
    assert bp.relative_error(t[f"dZ{l}"], num) < 1e-7
    pe = ll.per_example_backward(net, X, Y)
    assert bp.relative_error(pe[f"dZ{l}"], num) == pytest.approx(5 / 7, abs=1e-6)


def test_loss_from_Z_rejects_bad_layers():
    net, X, Y = _net_and_batch()
    with pytest.raises(ValueError, match="forward"):
        ll.loss_from_Z(net.copy(), 1, Y)
    net.forward(X)
    with pytest.raises(ValueError, match="l must be"):
        ll.loss_from_Z(net, 4, Y)
    with pytest.raises(TypeError, match="^l must be an integer"):
        ll.loss_from_Z(net, "1", Y)


def test_softmax_chain_equals_the_short_form_and_the_library():
    rng = np.random.default_rng(1)
    Z = rng.normal(scale=3, size=(4, 7))
    Y = bp.data.one_hot(rng.integers(0, 4, size=7), 4)
    chain, short = ll.softmax_chain(Z, Y)
    assert bp.relative_error(chain, short) < 1e-12
    from backprop_lib.losses import softmax_ce_gradient
    assert bp.relative_error(chain, softmax_ce_gradient(Z, Y)) < 1e-12
    with pytest.raises(ValueError, match="same shape"):
        ll.softmax_chain(Z, Y[:, :3])


def test_local_backward_reproduces_the_network():
    net, X, Y = _net_and_batch("bce", 5)
    local, full = ll.local_backward(net, X, Y), net.gradients(X, Y)
    for k in full:
        np.testing.assert_allclose(local[k], full[k], rtol=1e-12, atol=1e-15)
    net_sm, Xs, Ys = _net_and_batch("softmax_ce", 5)
    with pytest.raises(ValueError, match="softmax_ce"):
        ll.local_backward(net_sm, Xs, Ys)


def test_attribution_product_equals_gradient_and_nudge():
    net, X, Y = _net_and_batch(m=3, seed=4)
    rows = ll.attribution_rows(net, X, Y)
    assert len(rows) == sum(net.params[f"W{l}"].size for l in range(1, net.L + 1))
    for _name, _a, _dz, product, grad, measured in rows:
        assert product == pytest.approx(grad, rel=1e-10, abs=1e-15)
        assert measured == pytest.approx(grad, rel=1e-5, abs=1e-9)


def test_multiplication_counts_small_network_by_hand():
    c = ll.multiplication_counts([2, 2, 1], m=1)
    assert c["P"] == 9 and c["forward"] == 6
    # backward: dW 6, dA for layer 2 only 2, dZ one per unit 3
    assert c["backprop"] == 6 + 6 + 2 + 3
    assert c["finite_differences"] == 2 * 9 * 6
    assert ll.multiplication_counts([2, 2, 1], m=4)["forward"] == 24


def test_path_counts_match_enumeration():
    sizes = [3, 4, 5, 2]
    for l in range(1, 4):
        assert ll.count_paths(sizes, l) == int(np.prod(sizes[l + 1:]))


def test_multiplication_counts_rejects_bad_input():
    with pytest.raises(ValueError, match="layer_sizes"):
        ll.multiplication_counts([3])
    with pytest.raises(ValueError, match="^m must be >= 1"):
        ll.multiplication_counts([2, 2], m=0)


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_train_spirals_learns_and_draws():
    run = ll.train_spirals(epochs=200)
    assert not run.diverged and run.loss[-1] < run.loss[0]
    fig = ll.draw_regions(run)
    assert len(fig.axes) == 2
    img = ll.regions_image(run)
    assert img.data[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_saturation_figure_draws_both_losses_with_its_legend_outside_the_axes():
    from backprop_lib import reference as ref

    fig = ll.draw_saturation()
    (ax,) = fig.axes
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 2]
    assert len(lines) == 2 and {ln.get_linestyle() for ln in lines} == {"-", "--"}
    out = ref.saturated_output()
    np.testing.assert_allclose(lines[0].get_ydata(), out["bce"])
    assert ax.get_legend() is None and len(fig.legends) == 1  # under the axes, not on them
    fig.canvas.draw()
    box = fig.legends[0].get_window_extent()
    assert box.y1 <= ax.get_window_extent().y0
    assert min(t.get_fontsize() for t in fig.legends[0].get_texts()) >= 9  # 10 px at 80 dpi
    assert "\\sigma" in ax.get_ylabel()
    assert ll.saturation_image().data[:4] == b"\x89PNG"
