"""The figures of chapter "Why gradients": every frame draws, cleanly."""

import warnings

import numpy as np
import pytest

from backprop_lib.figures import why_gradients as wg


@pytest.mark.slow  # every frame drawn or many cases: make test, not make fast
def test_every_frame_of_the_race_draws_without_warnings():
    fig = wg.interactive()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for params in fig.grid():
            fig.update(**params)
            text = wg.alt(params, wg.compute(**params))
            assert "P = " in text
    assert len(fig.grid()) <= 70  # every pair of settings (interactive.frames)


def test_divergence_is_written_in_the_figure():
    fig = wg.interactive()
    fig.update(lr=10.0, init="xavier", scale=1.0, n_in=8)
    assert fig.artists["warn"].get_text() == "diverged"
    assert "diverged" in fig.artists["note"].get_text()
    # the cross marks where gradient descent stopped: its last point drawn
    gd_x = fig.artists["gd"].get_xdata()
    assert list(fig.artists["end"].get_xdata()) == [gd_x[-1]]
    fig.update(lr=0.3, init="xavier", scale=1.0, n_in=8)
    assert fig.artists["warn"].get_text() == ""
    assert len(fig.artists["end"].get_xdata()) == 0


def _labelled_ticks(axis):
    lo, hi = sorted(axis.get_view_interval())
    return [t.get_text() for t in axis.get_ticklabels()
            if t.get_text() and lo <= t.get_position()[axis.axis_name == "y"] <= hi]


@pytest.mark.slow  # every frame drawn or many cases: make test, not make fast
def test_static_figures_label_at_least_two_ticks_on_every_log_axis():
    st = {"P": np.array([3, 5, 9, 17, 33, 65]), "random": np.array([50, 57, 130, 240, 470, 900]),
          "gradient_forward": np.array([10.0] * 6), "mean": np.array([0.3] * 6),
          "stderr": np.array([0.01] * 6)}
    for fig in (wg.cosine_figure(st), wg.scaling_figure([("a", st), ("b", st)])):
        fig.canvas.draw()
        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                if axis.axis_name == "y" and ax is not fig.axes[0]:
                    continue  # panels share the first one's y axis and its labels
                assert len(_labelled_ticks(axis)) >= 2, (ax.get_title(), axis.axis_name)
            legend = ax.get_legend()
            # legends at >= 10 CSS pixels: points * dpi / 72
            assert min(t.get_fontsize() for t in legend.get_texts()) * fig.dpi / 72 >= 10 - 1e-9


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_static_figures_and_helpers():
    st = {"P": np.array([10, 100]), "mean": np.array([0.1, 0.01]),
          "stderr": np.array([0.01, 0.001])}
    assert wg.cosine_figure(st).axes
    assert wg.fmt_slope(-0.001) == "0.00" and wg.fmt_slope(-1.234) == "-1.23"
    table = wg.markdown_table(["a", "b"], [(1, 2)])
    assert table.splitlines()[0] == "| a | b |" and table.splitlines()[2] == "| 1 | 2 |"
    assert wg.image(wg.cosine_figure(st)).data[:4] == b"\x89PNG"


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_scaling_legends_cover_no_point_or_bar():
    # Figure 2 with the seeds' ranges: each legend sits below every marker and bar
    P = np.array([17, 25, 41, 73, 137, 265])
    st = {"P": P, "random": np.array([57.0, 68, 158, 221, 817, 1802]),
          "random_lo": np.array([22.0, 39, 138, 99, 111, 221]),
          "random_hi": np.array([862.0, 108, 499, 273, 1058, 1967]),
          "gradient_forward": np.array([16.0, 26, 63, 33, 51, 52]),
          "gradient_forward_lo": np.array([7.0, 20, 17, 19, 47, 28]),
          "gradient_forward_hi": np.array([726.0, 86, 262, 66, 104, 137])}
    fig = wg.scaling_figure([("a", st), ("b", st)])
    fig.canvas.draw()
    for ax in fig.axes:
        box = ax.get_legend().get_window_extent()
        for key in ("random", "gradient_forward"):
            for lo_key in (key, f"{key}_lo"):
                pts = ax.transData.transform(np.column_stack([P, st[lo_key]]))
                assert not any(box.contains(x, y) for x, y in pts), (key, lo_key)
