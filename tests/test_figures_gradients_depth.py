"""The interactive figures of chapters 5 and 6: every frame of the static grid computes and
draws with no warning, divergence shows as a message (never NaN plots or tracebacks), and the
shared notebook helpers behave."""

import warnings

import numpy as np
import pytest

from backprop_lib import diagnostics as dg
from backprop_lib.figures import dead_neurons as dn
from backprop_lib.figures import gradients_depth as gd
from backprop_lib.figures import notebook

FIGURES = {
    "depth": gd.depth_interactive,
    "clipping": gd.clipping_interactive,
    "dead": dn.dead_interactive,
    "plateau": dn.plateau_interactive,
}


def _texts(fig):
    """Every text drawn inside the axes: notes and legend entries."""
    out = []
    for ax in fig.axes:
        out += [t.get_text() for t in ax.texts]
        if ax.get_legend() is not None:
            out += [t.get_text() for t in ax.get_legend().get_texts()]
    return out


def _curve_points(ax):
    """The axes' lines in display pixels, densely sampled along every segment."""
    out = [np.empty((0, 2))]
    for line in ax.get_lines():
        xy = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
        if len(xy) > 1:
            t = np.linspace(0, 1, 16)[:, None, None]
            xy = (xy[:-1] + t * (xy[1:] - xy[:-1])).reshape(-1, 2)
        out.append(xy)
    return np.concatenate(out)


def _covered(box, points):
    return int(np.count_nonzero((points[:, 0] >= box.x0) & (points[:, 0] <= box.x1)
                                & (points[:, 1] >= box.y0) & (points[:, 1] <= box.y1)))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["depth", "clipping"])
def test_notes_and_legends_cover_no_curve(name):
    """In every frame of chapter 5's players, each note and legend lies inside its axes and
    covers no point of any curve (the reader's review found a note on the clipped curve)."""
    fig = FIGURES[name]()
    for params in fig.grid():
        fig.update(**params)
        fig.fig.canvas.draw()
        renderer = fig.fig.canvas.get_renderer()
        for ax in fig.fig.axes:
            points, frame = _curve_points(ax), ax.get_window_extent(renderer)
            boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text()]
            if ax.get_legend() is not None:
                boxes.append(ax.get_legend().get_window_extent(renderer))
            for box in boxes:
                assert _covered(box, points) == 0, (params, box)
                assert frame.x0 <= box.x0 and box.x1 <= frame.x1, (params, box)
                assert frame.y0 <= box.y0 and box.y1 <= frame.y1, (params, box)


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_norms_are_labelled_in_the_book_notation():
    """Axis labels and notes are mathtext (||dW^[l]||), not the code's names (dW{l})."""
    for make in (gd.depth_interactive, gd.clipping_interactive):
        fig = make()
        fig.update()
        labels = [ax.get_ylabel() for ax in fig.fig.axes] + _texts(fig.fig)
        assert not any("{l}" in t or "||" in t for t in labels), labels
        assert any(r"\|dW^{[l]}\|" in t for t in labels)
    static = gd.residual_figure()
    assert all(ax.get_ylabel().startswith(r"$\|dW^{[l]}\|$") for ax in static.axes)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_frame_draws_without_warnings(name):
    fig = FIGURES[name]()
    grid = fig.grid()
    assert 10 <= len(grid) <= 130  # every pair of settings of six controls
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for params in grid:
            fig.update(**params)
            alt = fig.alt_text(params)
            assert alt and "nan" not in alt.lower()
            for ax in fig.fig.axes:
                for line in ax.lines:
                    assert np.all(np.isfinite(np.asarray(line.get_ydata(), dtype=float)))


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_depth_divergence_is_a_message():
    fig = gd.depth_interactive()
    fig.update(lr=0.3, init="he")
    r = fig.result(**fig.params)
    assert r.diverged
    assert any("diverged" in t for t in _texts(fig.fig))
    assert "diverged" in fig.alt_text(fig.params)


def test_depth_controls_include_lr_and_init():
    names = {c.name for c in gd.DEPTH["controls"]}
    assert {"lr", "init", "scale", "activation", "depth"} <= names
    for spec in (gd.CLIPPING, dn.DEAD, dn.PLATEAU):
        assert {"lr", "init", "scale"} <= {c.name for c in spec["controls"]}


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_clipping_figure_shows_the_unclipped_divergence():
    fig = gd.clipping_interactive()
    fig.update()
    assert any("no clipping: diverged" in t for t in _texts(fig.fig))


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_dead_figure_divergence_message():
    fig = dn.dead_interactive()
    fig.update(scale=2.0)
    assert fig.result(**fig.params).diverged
    assert any("diverged" in t for t in _texts(fig.fig))


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_notebook_helpers():
    table = notebook.markdown_table(["a", "b"], [[1, "x"], [2.5, "y"]])
    assert table.splitlines() == ["| a | b |", "| --- | --- |", "| 1 | x |", "| 2.5 | y |"]
    with pytest.raises(ValueError, match="rows must have 2 cells"):
        notebook.markdown_table(["a", "b"], [[1]])
    assert notebook.listed([1.361]) == "1.36"
    assert notebook.listed([1.361, 1.39]) == "1.36 and 1.39"
    assert notebook.listed([81.1, 99.4, 102.9], "{:.0f}") == "81, 99 and 103"
    with pytest.raises(ValueError, match="at least one"):
        notebook.listed([])
    fig = gd.residual_figure()
    img = notebook.as_image(fig)
    assert img.data[:8] == b"\x89PNG\r\n\x1a\n"
    # twice the pixels it is shown with: sharp on a 2x screen
    shown = round(fig.get_figwidth() * fig.dpi)
    assert img.width == shown and int.from_bytes(img.data[16:20], "big") == 2 * shown


def test_layer_factors_summarize_the_backward_factors():
    X, Y = gd.dataset()
    net = gd.deep_net("sigmoid", "he")
    r = gd.layer_factors("sigmoid", "he")
    all_factors = dg.backward_factors(net, X, Y)
    np.testing.assert_array_equal(r.factors, all_factors[1:])  # the hidden layers only
    assert r.output_factor == all_factors[0]
    assert len(r.factors) == 8
    assert r.product == pytest.approx(np.prod(r.factors), rel=1e-12)
    assert r.geometric_mean == pytest.approx(r.product ** (1 / 8), rel=1e-12)
    assert r.ratio == dg.first_last_ratio(dg.layer_gradient_norms(net, X, Y))


def test_the_output_layer_factor_is_the_norm_of_its_weights():
    # one linear output unit: dA{L-1} = W{L}^T dA{L}, a rank-one product
    for init in gd.INITS:
        net = gd.deep_net("sigmoid", init)
        r = gd.layer_factors("sigmoid", init)
        assert r.output_factor == pytest.approx(np.linalg.norm(net.params["W10"]), rel=1e-12)


def test_norm_profile_matches_the_trace():
    X, Y = gd.dataset()
    net = gd.deep_net("relu", "he", 1.5)
    p = gd.norm_profile("relu", "he", 1.5)
    trace = net.trace(X, Y)
    assert p.forward[0] == pytest.approx(np.linalg.norm(X))
    for l in range(1, 11):
        assert p.backward[l - 1] == pytest.approx(np.linalg.norm(trace[f"dA{l}"]), rel=1e-12)
        assert p.forward[l] == pytest.approx(np.linalg.norm(trace[f"A{l}"]), rel=1e-12)
    np.testing.assert_allclose(p.weights, dg.layer_gradient_norms(net, X, Y), rtol=1e-12)


def test_branch_scale_scales_the_relu_branch_output():
    X, _ = gd.dataset()
    net = gd.deep_net("relu", "he", residual=True, branch_scale=0.5)
    ref = gd.deep_net("relu", "he", residual=True)
    ref.forward(X)
    net.forward(X)
    first = net.residual_layers[0]  # same input A{first-1} in both: f(0.5 W a) = 0.5 f(W a)
    np.testing.assert_array_equal(net.cache["A"][first - 1], ref.cache["A"][first - 1])
    np.testing.assert_allclose(net.cache["F"][first], 0.5 * ref.cache["F"][first], rtol=1e-12)
    zero = gd.deep_net("relu", "he", residual=True, branch_scale=0.0)
    zero.forward(X)
    for l in zero.residual_layers:
        np.testing.assert_array_equal(zero.cache["A"][l], zero.cache["A"][l - 1])
    with pytest.raises(ValueError, match="branch_scale"):
        gd.deep_net("relu", "he", residual=True, branch_scale=-1.0)


def test_activation_and_backward_norms_reject_a_non_network():
    with pytest.raises(TypeError, match="net must be"):
        dg.activation_norms(object(), np.zeros((1, 2)))
    with pytest.raises(TypeError, match="net must be"):
        dg.backward_norms(object(), np.zeros((1, 2)), np.zeros((1, 2)))


@pytest.mark.parametrize("make", [gd.signal_figure, gd.residual_figure])
@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_static_figures_keep_their_legend_off_the_curves(make):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = make()
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (legend,) = fig.legends
    box = legend.get_window_extent(renderer)
    for ax in fig.axes:
        assert ax.get_legend() is None
        assert not box.overlaps(ax.get_window_extent(renderer))  # below every panel


def test_signal_figure_draws_the_profiles():
    fig = gd.signal_figure()
    ax1, ax2 = fig.axes[:2]
    for line, case in zip(ax1.get_lines(), gd.SIGNAL_CASES, strict=True):
        label, act, scale, residual, alpha = case[:5]
        p = gd.norm_profile(act, "he", scale, residual=residual, branch_scale=alpha)
        np.testing.assert_allclose(line.get_ydata(), p.forward[1:-1])
    for line, case in zip(ax2.get_lines(), gd.SIGNAL_CASES, strict=True):
        label, act, scale, residual, alpha = case[:5]
        p = gd.norm_profile(act, "he", scale, residual=residual, branch_scale=alpha)
        np.testing.assert_allclose(line.get_ydata(), p.backward[:-1])
    assert "A^{[l]}" in ax1.get_ylabel() and "dA^{[l]}" in ax2.get_ylabel()
