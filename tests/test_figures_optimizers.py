"""backprop_lib.figures.optimizers: every frame computes and draws; divergence is a message."""

import warnings

import numpy as np
import pytest

from backprop_lib import plots
from backprop_lib.figures import optimizers as fo
from backprop_lib.train import History

SPECS = {"race": fo.RACE, "momentum": fo.MOMENTUM, "adam": fo.ADAM}


@pytest.mark.slow  # every frame drawn or many cases: make test, not make fast
@pytest.mark.parametrize("name", list(SPECS))
def test_every_frame_computes_draws_and_describes_itself_without_warnings(name):
    fig = SPECS[name].interactive()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for params in fig.grid():
            fig.update(**params)
            text = fig.alt_text(params)
            assert "nan" not in text.lower()
    assert fig.draw_count == len(fig.grid())
    assert len(fig.grid()) <= 45  # every pair of settings (interactive.frames)


@pytest.mark.slow
def test_network_frames_compute_and_draw_without_warnings():
    fig = fo.NETWORK.interactive()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for params in fig.grid():
            fig.update(**params)
            # "no setting of these controls diverges" (chapter 7, Figure 6)
            assert fig.artists["warning"].get_text() == "", params
    assert len(fig.grid()) <= 45  # every pair of settings (interactive.frames)


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_race_at_the_largest_lr_reports_divergence_in_the_figure():
    fig = fo.RACE.interactive()
    fig.update(surface="quadratic", lr=0.3)
    text = fig.artists["warning"].get_text()
    assert "SGD diverged at step" in text and "Momentum diverged at step" in text
    assert "SGD diverged at step 4; Momentum diverged at step 5; RMSprop and Adam ran all 100 " \
        "steps" in fig.alt_text(dict(surface="quadratic", lr=0.3))
    fig.update(surface="quadratic", lr=0.01)
    assert fig.artists["warning"].get_text() == ""


def test_race_description_counts_the_steps_of_the_runs_that_did_not_diverge():
    """The step count in the description is the plot's (500 on Rosenbrock), never the length
    of a path that diverged ('1 steps', '0 steps' before)."""
    for lr in (0.03, 0.1):
        r = fo.race("rosenbrock", lr)
        text = fo.race_alt({}, r)
        stopped = {k: tr.stopped_step for k, tr in r.runs.items() if tr.diverged}
        assert set(stopped) == {"SGD", "Momentum"}, stopped  # what the sentence below says
        for name, t in stopped.items():
            assert f"{name} diverged at step {t};" in text
        assert "RMSprop and Adam ran all 500 steps: RMSprop ends " in text
        assert " 0 steps" not in text and " 1 steps" not in text
    text = fo.race_alt({}, fo.race("rosenbrock", 0.001))  # nothing diverges
    assert "surface, 500 steps at learning rate 0.001" in text and "diverged" not in text
    text = fo.momentum_alt(dict(beta=0.99), fo.momentum_paths(lr=0.3, beta=0.99))
    assert "v = beta v + (1-beta) g ran all 100 steps and ends " in text  # one left: singular
    assert fo._plural(1, "step") == "1 step" and fo._plural(2, "step") == "2 steps"


def _overlap(a, b):
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.slow  # every frame drawn or many cases: make test, not make fast
@pytest.mark.parametrize("name", ["race", "momentum"])
def test_the_legend_lies_outside_both_panels_in_every_frame(name):
    """The legend must never hide a path or a curve: it sits outside both axes, whatever the
    frame (with the text raised to MIN_TEXT_PX, a legend inside the right panel covered
    RMSprop's curve)."""
    fig = SPECS[name].interactive()
    for params in fig.grid():
        fig.update(**params)
        fig.fig.canvas.draw()
        renderer = fig.fig.canvas.get_renderer()
        box = fig.artists["legend"].get_window_extent(renderer)
        for ax in (fig.artists["left"], fig.artists["right"]):
            assert not _overlap(box, ax.get_window_extent(renderer)), params
        assert 0 <= box.x0 and box.x1 <= fig.fig.bbox.x1 and 0 <= box.y0, params


def test_optimizer_styles_differ_in_colour_line_and_marker():
    """Told apart without colour (in grey, by colour-blind readers): every pair of styles
    differs in colour, and in marker, and the colours are Okabe-Ito's; the chapter's
    captions name each style as style_words does."""
    import json
    import pathlib

    for styles in (fo.STYLES, fo.MOMENTUM_STYLES):
        values = list(styles.values())
        assert len({colour for colour, _, _ in values}) == len(values)
        assert len({marker for _, _, marker in values}) == len(values)
        assert all(v[0] in plots.PALETTE for v in values)
    assert len({ls for _, ls, _ in fo.STYLES.values()}) >= 3
    nb = json.loads((pathlib.Path(__file__).parents[1] / "book" / "07_optimizers.ipynb")
                    .read_text())
    caption = {c.get("id"): " ".join("".join(c["source"]).split()) for c in nb["cells"]}
    for cid, styles in [("race-cap", fo.STYLES), ("network-cap", fo.STYLES),
                        ("momentum-cap", fo.MOMENTUM_STYLES)]:
        for style in styles.values():
            assert f"({fo.style_words(style)})" in caption[cid], (cid, style)
    assert "green" not in caption["network-cap"] and "light blue" not in caption["momentum-cap"]


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_switching_surface_redraws_the_contours():
    fig = fo.RACE.interactive()
    fig.update(surface="quadratic")
    first = fig.artists["contour"]
    fig.update(surface="rosenbrock")
    assert fig.artists["contour"] is not first
    assert fig.artists["left"].get_xlim() == (-2.0, 2.0)


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_network_spike_at_the_top_rate_is_drawn_not_called_divergence():
    """At the grid's largest lr no optimizer diverges: RMSprop's loss spikes and comes back
    down, the spike lies inside the axes, and no divergence is written."""
    fig = fo.NETWORK.interactive()
    for init in ("small", "xavier", "he"):
        r = fo.network_race(lr=3.0, init=init)
        assert not any(h.diverged for h in r.histories.values())
        rms = r.histories["RMSprop"].loss
        assert rms[:5].max() > 10 and rms[-1] < rms.max() / 5
        fig.update(lr=3.0, init=init)
        assert fig.artists["warning"].get_text() == ""
        assert "diverges" not in fig.alt_text(fig.params)
        y = fig.artists["curves"]["RMSprop"].get_ydata()
        assert np.isfinite(y).all() and y.max() < fig.artists["ax"].get_ylim()[1]


def test_regime_over_nudges_trains_one_version_per_nudge_and_counts_its_runs():
    """Version 0 is the weights as drawn, version k has W1 times 1 + k NUDGE; `spiking` and
    `settled` use SPIKE and SETTLED on the last half of the epochs; `finals` picks an init."""
    vs = fo.regime_over_nudges(3.0, inits=("small", "xavier"), seeds=(0, 1), nudges=(0, 2))
    assert [v.nudge for v in vs] == [0.0, 2 * fo.NUDGE] and all(v.runs == 4 for v in vs)
    assert np.array_equal(vs[0].final, fo.spike_regime(3.0, inits=("small", "xavier"),
                                                       seeds=(0, 1)).final)
    h = fo.network_run("RMSprop", 3.0, "xavier", seed=1, nudge=2 * fo.NUDGE)
    assert vs[1].finals("xavier")[1] == h.final_loss
    assert vs[1].spiking[3] == (h.loss[fo.NET_EPOCHS // 2:].max() > fo.SPIKE)
    assert vs[1].settled[3] == (h.loss[fo.NET_EPOCHS // 2:].max() < fo.SETTLED)
    assert not np.array_equal(vs[0].final, vs[1].final)  # the nudge reached the runs
    assert fo.span([3, 1, 2]) == "1-3" and fo.span([2, 2]) == "2"
    assert fo.span([0.1234, 0.5], "{:.2f}") == "0.12-0.50"


def test_network_divergence_is_written_not_plotted():
    """No frame of the grid diverges, so a diverged History is built by hand (what train
    leaves: the losses of the completed epochs, diverged, stopped_epoch)."""
    r = fo.network_race(lr=3.0)
    histories = dict(r.histories)
    histories["RMSprop"] = History(loss=np.array([0.7, 30.0]), diverged=True, stopped_epoch=2)
    broken = fo.NetworkRuns(r.lr, r.init, r.scale, histories)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        artists = fo.draw_network(plots.figure((6, 3)), broken, None)
    assert artists["warning"].get_text() == "RMSprop diverged in epoch 2"
    assert "RMSprop diverges in epoch 2" in fo.network_alt({}, broken)
    assert all(np.isfinite(line.get_ydata()).all() for line in artists["curves"].values())


def test_momentum_conventions_in_the_figure_are_the_equivalent_pair():
    r = fo.momentum_paths(lr=0.1, beta=0.9)
    avg = r.runs["v = beta v + (1-beta) g"].path
    ref = fo.momentum_paths(lr=0.1 * (1 - 0.9), beta=0.9).runs["v = beta v + g"].path
    assert np.abs(avg - ref).max() < 1e-12


def test_adam_alt_text_reports_measured_first_steps():
    r = fo.adam_square(lr=0.1)
    text = fo.adam_alt({}, r)
    assert "1.00 times the learning rate with bias correction and 3.16 times without" in text


def test_eps_response_formulas():
    g = np.array([1e-9, 1e-6, 1e-3, 1.0])
    r = fo.eps_response(g)
    assert np.allclose(r["eps outside"], g / (g + 1e-8), rtol=1e-10, atol=0)
    assert np.allclose(r["eps inside"], g / np.sqrt(g * g + 1e-8), rtol=1e-10, atol=0)
    assert np.allclose(r["uncorrected"], 0.1 * g / np.sqrt(0.001 * g * g + 1e-8), rtol=1e-10,
                       atol=0)


def test_constant_gradient_steps_matches_the_bias_formula():
    steps = fo.constant_gradient_steps([1, 10, 100], bias_correction=False)
    for t, s in steps.items():
        assert s == pytest.approx((1 - 0.9**t) / np.sqrt(1 - 0.999**t), rel=1e-6)


def test_tables_have_one_row_per_learning_rate():
    rows = fo.race_table("quadratic", lrs=(0.01, 0.3))
    assert [r[0] for r in rows] == ["0.01", "0.3"] and rows[1][1].startswith("diverges")
    md = fo.markdown_table(["a", "b"], [[1, 2]])
    assert md.splitlines() == ["| a | b |", "| --- | --- |", "| 1 | 2 |"]


@pytest.mark.parametrize("call, exc, words", [
    (lambda: fo.race(surface="bowl"), ValueError, "surface"),
    (lambda: fo.race(lr=0.0), ValueError, "lr"),
    (lambda: fo.momentum_paths(beta=1.0), ValueError, "beta"),
    (lambda: fo.adam_square(lr=-1), ValueError, "lr"),
    (lambda: fo.network_race(init="ones"), ValueError, "init"),
])
def test_bad_settings_name_the_argument(call, exc, words):
    with pytest.raises(exc, match=words):
        call()


@pytest.mark.slow  # every frame drawn or many cases: make test, not make fast
def test_updates_are_fast_enough_to_report():
    """Compute + draw of one new setting (no PNG), in ms: a loose bound that catches a
    figure made ten times slower; the chapter's report gives the measured numbers."""
    for spec, params in [(fo.RACE, dict(lr=0.1)), (fo.MOMENTUM, dict(beta=0.5)),
                         (fo.ADAM, dict(beta2=0.99))]:
        fig = spec.interactive()
        fig.update()
        times = fig.benchmark(settings=[params], cold=True, render=False)
        assert times.max() < 1000


@pytest.mark.slow  # every frame drawn or many cases: make test, not make fast
@pytest.mark.parametrize("make", ["tuned_figure", "eps_figure", "adam"])
def test_static_and_adam_legends_lie_outside_every_axes(make):
    """Figures 2, 4 and 5: no legend over a curve; labels in mathtext, not code names."""
    if make == "adam":
        player = fo.ADAM.interactive()
        player.update(**next(iter(player.grid())))
        fig = player.fig
    else:
        fig = getattr(fo, make)()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legends = fig.legends
    assert legends and not any(ax.get_legend() for ax in fig.axes)
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            assert not _overlap(box, ax.get_window_extent(renderer))
    text = " ".join(t.get_text() for legend in legends for t in legend.get_texts())
    text += " ".join(ax.get_xlabel() + ax.get_ylabel() for ax in fig.axes)
    for code_name in ("sqrt(", "eps ", "beta1", "v_hat"):
        assert code_name not in text, code_name
