"""backprop_lib.interactive (live widgets and static players) and the figures built on it.

The mechanism: controls and their checks, the grid of frames, the snapping rule, the cache,
the live path (ipywidgets created headless; a value change redraws the same artists), and
the static player (one frame per grid point, no remote URL, plain HTML controls). The
figures one_step and training: their compute functions at several settings, checked
against independent computations, including a learning rate that makes training diverge.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import math
import re
import warnings

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("ipywidgets")

import backprop_lib as bp  # noqa: E402
from backprop_lib import interactive as ia  # noqa: E402
from backprop_lib.figures import one_step, training  # noqa: E402


def controls3():
    return [
        ia.LogSlider("lr", [1e-3, 1e-2, 0.1, 1.0], default=0.1, label="learning rate"),
        ia.Choice("init", ["small", "xavier", "he"], default="xavier", label="initialization"),
        ia.Slider("scale", [0.5, 1.0, 2.0], default=1.0, label="init scale"),
    ]


class Toy:
    """A figure whose compute counts its calls and whose draw records the artists it got."""

    def __init__(self):
        self.calls = 0
        self.seen = []

    def compute(self, lr, init, scale):
        self.calls += 1
        x = np.linspace(0, 1, 20)
        return x, scale * np.exp(-lr * 10 * x) + ["small", "xavier", "he"].index(init)

    def draw(self, fig, result, artists):
        self.seen.append(artists)
        x, y = result
        if artists is None:
            ax = fig.add_subplot()
            ax.set_ylim(0, 5)
            (line,) = ax.plot(x, y)
            return {"line": line}
        artists["line"].set_data(x, y)
        return artists

    def figure(self, **kwargs):
        return ia.Interactive(self.compute, self.draw, controls3(), joint=("lr", "init"),
                              alt=lambda p, r: f"lr {p['lr']:g} {p['init']} {p['scale']:g} "
                              f"y0 {r[1][0]:.3f}", figsize=(4, 2), **kwargs)


# ------------------------------------------------------------------------------ controls


@pytest.mark.parametrize("make, match", [
    (lambda: ia.Slider("1x", [1, 2]), "name"),
    (lambda: ia.Slider("k", []), "values of control 'k'"),
    (lambda: ia.Slider("k", [1, 1]), "distinct"),
    (lambda: ia.Slider("k", [2, 1]), "increasing"),
    (lambda: ia.Slider("k", [1, float("nan")]), "finite"),
    (lambda: ia.Slider("k", [1, 2], default=3), "default of control 'k'"),
    (lambda: ia.LogSlider("lr", [0.0, 1.0]), "positive"),
])
def test_bad_controls_raise_value_error_naming_the_control(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_control_types_raise_type_error():
    with pytest.raises(TypeError, match="values of control 'k'"):
        ia.Slider("k", 3)
    with pytest.raises(TypeError, match="must be numbers"):
        ia.Slider("k", ["a", "b"])
    with pytest.raises(TypeError, match="controls must be"):
        ia.frames([1, 2])
    with pytest.raises(TypeError, match="compute must be"):
        ia.Interactive(3, lambda *a: None, controls3())
    with pytest.raises(TypeError, match="draw must be"):
        ia.Interactive(lambda **k: None, None, controls3())


def test_controls_check_names_and_joint():
    with pytest.raises(ValueError, match="distinct"):
        ia.frames([ia.Slider("k", [1]), ia.Slider("k", [2])])
    with pytest.raises(ValueError, match="joint must name controls"):
        ia.frames(controls3(), joint=("lr", "momentum"))
    with pytest.raises(ValueError, match="at least one"):
        ia.frames([])
    with pytest.raises(ValueError, match="keyword 'scale'"):
        ia.frames(lambda lr, init: None, controls3(), ("lr",))


def test_default_is_the_middle_value_when_not_given():
    assert ia.Slider("k", [1, 2, 3, 4, 5]).default == 3
    lr = ia.LogSlider("lr", [1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 0.5, 1.0, 3.0])
    assert lr.normalize(0.123456) == 0.12
    # a grid value computed through logs (10**-0.52 = 0.302) is read as the grid value
    for v in lr.values:
        assert lr.normalize(10 ** (round(math.log10(v), 2))) == v


def test_log_slider_steps_one_grid_value_per_key_press_with_plain_readouts():
    lr = ia.LogSlider("lr", [0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0],
                      default=0.1, label="learning rate")
    w = lr.widget()
    # A selection slider: the track positions are exactly the grid (ArrowRight = index + 1)
    assert [v for _, v in w.options] == list(lr.values)
    assert w.index == lr.values.index(0.1)
    w.index += 1  # what one ArrowRight does in the browser
    assert w.value == 0.3
    labels = [label for label, _ in w.options]
    assert labels[0] == "0.003" and labels[-1] == "100" and labels[1] == "0.01"
    assert not any("e" in label for label in labels)  # no 1.0e+2, no 3.0e-3


def test_controls_of_a_figure_share_one_label_width():
    fig = Toy().figure()
    import ipywidgets as W

    box = fig.widget
    longest = max(len(c.label) for c in controls3())
    width = f"{longest + 2}ch"
    rows = box.children[1].children
    assert rows[0] is fig._controls["lr"] and rows[2] is fig._controls["scale"]
    assert fig._controls["lr"].style.description_width == width
    assert fig._controls["scale"].style.description_width == width
    # ToggleButtons sit in a row behind a label of the same width, as the sliders do
    assert isinstance(rows[1], W.HBox) and rows[1].children[1] is fig._controls["init"]
    label = rows[1].children[0]
    assert label.layout.width == width and "initialization" in label.value
    assert fig._controls["init"].description == ""
    assert "line-height:1.4" in fig._caption.value  # the caption is not double-spaced


# ------------------------------------------------------------------------------ the grid


def every_pair_is_in(grid, controls):
    """Every pair of values of every pair of controls appears, the others at their defaults."""
    default = {c.name: c.default for c in controls}
    for a, b in itertools.combinations(controls, 2):
        for va, vb in itertools.product(a.values, b.values):
            if {**default, a.name: va, b.name: vb} not in grid:
                return False
    return True


def test_grid_holds_every_pair_of_values_of_every_pair_of_controls():
    controls = controls3()
    for joint in ((), ("lr", "init")):
        grid = ia.frames(controls, joint)
        keys = [tuple(p.values()) for p in grid]
        assert len(set(keys)) == len(keys)
        assert every_pair_is_in(grid, controls)
        # nothing more: 1 default + 3 + 2 + 2 alone + 3*2 + 3*2 + 2*2 in pairs
        assert len(grid) == 1 + (3 + 2 + 2) + (3 * 2 + 3 * 2 + 2 * 2)
        defaults = {"lr": 0.1, "init": "xavier", "scale": 1.0}
        assert all(sum(p[k] != v for k, v in defaults.items()) <= 2 for p in grid)
    # the test itself: a grid of one-at-a-time variations does not pass it
    alone = [p for p in grid if sum(p[k] != v for k, v in defaults.items()) <= 1]
    assert not every_pair_is_in(alone, controls)


def test_grid_adds_the_full_product_of_the_joint_controls():
    controls = controls3() + [ia.Slider("k", [1, 2, 3], default=1)]
    grid = ia.frames(controls, ("lr", "init", "scale"))
    assert every_pair_is_in(grid, controls)
    for lr, init, scale in itertools.product(*(c.values for c in controls[:3])):
        assert {"lr": lr, "init": init, "scale": scale, "k": 1} in grid
    pairs = len(ia.frames(controls))
    # the triples of the product not already among the pairs: 3 * 2 * 2
    assert len(grid) == pairs + 3 * 2 * 2
    assert grid[:4 * 3 * 3] == [dict(zip(("lr", "init", "scale", "k"), (*combo, 1), strict=True))
                                for combo in itertools.product(*(c.values for c in
                                                                 controls[:3]))]


def test_frames_accepts_compute_first():
    toy = Toy()
    assert ia.frames(toy.compute, controls3(), ("lr", "init")) == ia.frames(controls3(),
                                                                             ("lr", "init"))


def test_snap_keeps_the_last_two_controls_moved_and_resets_the_others():
    c, joint = controls3(), ("lr", "init")
    inside = {"lr": 1.0, "init": "xavier", "scale": 2.0}  # a pair, init at its default
    assert ia.snap(inside, "scale", c, joint) == inside
    assert ia.snap(inside, "lr", c, joint, moved=["init", "scale"]) == inside
    third = {"lr": 1.0, "init": "he", "scale": 2.0}
    # moved lr, then init, then scale: init and scale stay, lr goes back
    assert ia.snap(third, "scale", c, joint, moved=["lr", "init"]) == \
        {"lr": 0.1, "init": "he", "scale": 2.0}
    # moved init, then lr, then scale: lr and scale stay
    assert ia.snap(third, "scale", c, joint, moved=["init", "lr"]) == \
        {"lr": 1.0, "init": "xavier", "scale": 2.0}
    # the reader went back to lr after init: scale is the older move and is reset
    assert ia.snap(third, "lr", c, joint, moved=["lr", "scale", "init"]) == \
        {"lr": 1.0, "init": "he", "scale": 1.0}
    # no history (a setting made from code): the others go back in their order, as needed
    assert ia.snap(third, "init", c, joint) == {"lr": 0.1, "init": "he", "scale": 2.0}
    # every setting and every order of moves lands on the grid, the last two moved kept
    names = [x.name for x in c]
    grid = [tuple(p.values()) for p in ia.frames(c, joint)]
    for values in itertools.product(*(x.values for x in c)):
        params = dict(zip(names, values, strict=True))
        for order in itertools.permutations(names):
            p = ia.snap(params, order[-1], c, joint, moved=order[:-1])
            assert tuple(p.values()) in grid
            for n in order[-2:]:
                assert p[n] == params[n]
    with pytest.raises(ValueError, match="changed must be one of"):
        ia.snap(inside, "momentum", c, joint)
    with pytest.raises(ValueError, match="moved must name"):
        ia.snap(inside, "lr", c, joint, moved=["momentum"])
    with pytest.raises(ValueError, match="lr must be one of"):
        ia.snap({**inside, "lr": 0.5}, "lr", c, joint)


def test_snap_resets_only_as_many_controls_as_the_grid_needs():
    controls = controls3() + [ia.Slider("k", [1, 2, 3], default=1)]
    joint = ("lr", "init", "scale")
    # inside the product of the joint controls: three off their defaults, nothing reset
    p = {"lr": 1.0, "init": "he", "scale": 2.0, "k": 1}
    assert ia.snap(p, "scale", controls, joint, moved=["lr", "init"]) == p
    # k moved as well: four off their defaults are not in the grid; the least recently
    # moved (lr) goes back first, then init, which makes a pair (scale and k)
    q = ia.snap({**p, "k": 3}, "k", controls, joint, moved=["lr", "init", "scale"])
    assert q == {"lr": 0.1, "init": "xavier", "scale": 2.0, "k": 3}
    # moved k, lr, init: the oldest, k, goes back, and lr and init stay (a pair)
    r = ia.snap({"lr": 1.0, "init": "he", "scale": 1.0, "k": 3}, "init", controls, joint,
                moved=["k", "lr"])
    assert r == {"lr": 1.0, "init": "he", "scale": 1.0, "k": 1}


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_the_snap_note_names_the_reset_controls_and_sends_no_one_to_run_anything():
    one = ia.snap_note(["learning rate"])
    assert one == ("This page has a frame for every pair of settings, not for every "
                   "combination, so learning rate went back to its default. "
                   "The notebooks (this page's download button) compute any combination.")
    two = ia.snap_note(["learning rate", "init scale"])
    assert "learning rate and init scale went back to their defaults" in two
    assert "initialization, learning rate and init scale" in ia.snap_note(
        ["initialization", "learning rate", "init scale"])
    assert ia.snap_note([]) == ""
    for text in (one, two):
        assert "run" not in text.lower()  # an HTML reader has no kernel to run
    # the player gets the same pieces
    spec = player_spec(Toy().figure().static_html())
    assert spec["note"] == ia.SNAP_NOTE
    assert [c["label"] for c in spec["controls"]] == [c.label for c in controls3()]


# ------------------------------------------------------------------------------ live path


def test_results_are_cached_by_parameters():
    toy = Toy()
    fig = toy.figure()
    fig.result(lr=1.0)
    fig.result(lr=1.0)
    fig.result(lr=1.0, init="xavier", scale=1.0)
    assert toy.calls == 1
    fig.result(lr=0.01)
    assert toy.calls == 2
    fig.clear_cache()
    fig.result(lr=1.0)
    assert toy.calls == 3
    with pytest.raises(ValueError, match="unknown parameter 'momentum'"):
        fig.result(momentum=0.9)


def test_update_draws_on_the_same_artists():
    toy = Toy()
    fig = toy.figure()
    first = fig.update()
    line = first["line"]
    fig.update(lr=1.0)
    fig.update(init="he")
    assert toy.seen[0] is None and all(a is first for a in toy.seen[1:])
    assert fig.artists["line"] is line
    assert fig.params == {"lr": 1.0, "init": "he", "scale": 1.0}  # update keeps earlier changes
    np.testing.assert_allclose(line.get_ydata(), toy.compute(1.0, "he", 1.0)[1])


def test_live_widget_change_redraws_same_artists_and_image():
    toy = Toy()
    fig = toy.figure()
    box = fig.widget
    import ipywidgets as W

    assert isinstance(box, W.VBox)
    kinds = {name: type(w).__name__ for name, w in fig._controls.items()}
    assert kinds == {"lr": "SelectionSlider", "init": "ToggleButtons", "scale": "SelectionSlider"}
    artists, image, caption = fig.artists, fig._image.value, fig._caption.value
    draws = fig.draw_count
    fig._controls["lr"].value = 1.0
    fig._controls["init"].value = "he"  # two controls together, off the defaults
    assert fig.draw_count == draws + 2
    assert fig.artists is artists
    assert bytes(fig._image.value) != bytes(image)
    assert bytes(fig._image.value).startswith(b"\x89PNG")
    assert fig._caption.value != caption and "lr 1 he 1" in fig._caption.value
    # A value set from code between grid values: compute gets it rounded.
    fig.update(lr=0.0316227766)
    assert fig.params["lr"] == 0.032


def png_size(data):
    from PIL import Image

    return Image.open(io.BytesIO(data)).size


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_live_image_has_twice_the_pixels_it_is_shown_at():
    fig = Toy().figure()  # figsize (4, 2) at 80 dpi: shown at 320 x 160 CSS pixels
    assert fig.size_px() == (320, 160)
    _ = fig.widget
    assert png_size(bytes(fig._image.value)) == (640, 320)
    assert fig._image.layout.width == "320px"  # displayed at the 1x size
    fig._controls["lr"].value = 1.0
    assert png_size(bytes(fig._image.value)) == (640, 320)
    # the static book's frames keep their 1x size
    assert png_size(fig.png(colors=48)) == (320, 160)
    assert png_size(fig.png(scale=2)) == (640, 320)


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_live_outputs_are_a_css_rule_a_fallback_its_words_then_the_widget_view_alone(
        monkeypatch):
    """A saved notebook keeps the fallback in an output of its own.

    JupyterLab prefers a widget view over every other type of the same output, and shows
    "Loading widget..." for it once the kernel that made it is gone; so the view must be
    alone in its output and the fallback (PNG and text) before it. JupyterLab shows only the
    PNG of the fallback, so its description in words is an output of its own.
    """
    monkeypatch.delenv(ia.STATIC_ENV, raising=False)
    fig = Toy().figure()
    (style, style_meta), (fallback, meta), (words, words_meta), (view, view_meta) = \
        fig.outputs()
    assert set(words) == {"text/html", "text/plain"} and words_meta == {}
    said = fig.alt_text(fig.defaults())
    hint = ("Run this cell for the live figure and its controls (learning rate, "
            "initialization, init scale).")
    assert words["text/plain"] == f"{said}\n{hint}"
    assert words["text/html"] == f'<p class="bp-desc">{said}</p><p><em>{hint}</em></p>'
    assert said in fallback["text/plain"]
    assert set(fallback) == {"image/png", "text/plain"}
    # a CSS rule, the same text every time (strict nbval compares it), hidden itself
    assert set(style) == {"text/html"} and style_meta == {}
    assert style == Toy().figure().outputs()[0][0]
    css = style["text/html"]
    assert css.startswith('<style class="bp-style">') and css.endswith("</style>")
    child = ".jp-OutputArea-child"
    assert f"{child}:has(.bp-style){{display:none}}" in css
    # live: the fallback and its words after the style output are hidden when the view
    # after them is live
    assert f"{child}:has(.bp-style)+{child}:has(+{child}+{child} .bp-live){{display:none}}" in css
    assert f"{child}:has(.bp-style)+{child}+{child}:has(+{child} .bp-live){{display:none}}" in css
    # reopened: the view that is not live (its model gone) is hidden, the fallback shows
    assert (f"{child}:has(.bp-style)+{child}+{child}+{child}:not(:has(.bp-live))"
            "{display:none}") in css
    assert set(view) == {ia.WIDGET_VIEW} and view_meta == {}
    assert view[ia.WIDGET_VIEW]["model_id"] == fig.widget.model_id
    png = base64.b64decode(fallback["image/png"])
    assert png_size(png) == (640, 320)  # sharp on a 2x screen too
    assert meta == {"image/png": {"width": 320, "height": 160}}  # shown at the 1x size
    # the live widget hides the words and the fallback just above it (only while shown)
    css = fig.widget.children[0].value
    assert f"{child}:has(.bp-desc):has(+ {child} .bp-live)" in css
    assert f"{child}:has(+ {child} .bp-desc):has(+ {child} + {child} .bp-live)" in css
    assert "display:none" in css and "bp-live" in fig.widget._dom_classes
    # the object's own mime bundle is the fallback, never a widget view
    assert fig._repr_mimebundle_() == (fallback, meta)
    again = Toy().figure().outputs()[1][0]
    assert fallback["text/plain"] == again["text/plain"]
    assert "At learning rate 0.1, initialization xavier, init scale 1: lr 0.1 xavier 1 y0" \
        in fallback["text/plain"]
    assert not re.search(r"0x[0-9a-f]{6,}", fallback["text/plain"])  # no addresses


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_display_sends_the_four_outputs_in_order(monkeypatch):
    monkeypatch.delenv(ia.STATIC_ENV, raising=False)
    sent = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display",
                        lambda data, metadata=None, raw=False: sent.append((data, metadata, raw)))
    fig = Toy().figure()
    fig.display()
    assert [set(d) for d, _, _ in sent] == [{"text/html"}, {"image/png", "text/plain"},
                                             {"text/html", "text/plain"}, {ia.WIDGET_VIEW}]
    assert all(raw for _, _, raw in sent)
    assert sent[1][1] == {"image/png": {"width": 320, "height": 160}}
    sent.clear()
    monkeypatch.setenv(ia.STATIC_ENV, "1")
    Toy().figure().display()
    assert [set(d) for d, _, _ in sent] == [{"text/html", "text/plain"}]


# ------------------------------------------------------------------------------ static path


def player_spec(html):
    found = re.search(r'<script type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1).replace("<\\/", "</"))


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_static_output_is_a_self_contained_player(monkeypatch):
    monkeypatch.setenv(ia.STATIC_ENV, "1")
    toy = Toy()
    fig = toy.figure()
    bundle, _ = fig._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}  # no ipywidgets at all
    html = bundle["text/html"]
    assert not re.search(r"https?://|//cdn|require\.js", html)
    spec = player_spec(html)
    grid = ia.frames(controls3(), ("lr", "init"))
    assert len(spec["frames"]) == len(grid) == toy.calls
    assert html.count('type="range"') == 2 and html.count("<select") == 1
    assert html.count("<option") == 3
    assert 'aria-live="polite"' in html and 'class="bp-state"' in html
    assert "<figcaption" not in html  # the numbered caption follows the player, once
    for params in grid:
        key = ",".join(str(c.index(params[c.name])) for c in controls3())
        frame = spec["frames"][key]
        assert frame["alt"] == fig.alt_text(params)
        png = base64.b64decode(frame["src"].split(",", 1)[1])
        assert png.startswith(b"\x89PNG")
    srcs = {f["src"] for f in spec["frames"].values()}
    assert len(srcs) == len(grid)  # every frame differs


def test_static_frames_are_small_pngs(monkeypatch):
    from PIL import Image

    fig = Toy().figure()
    fig.update()
    small, full = fig.png(colors=64), fig.png()
    assert len(small) < len(full)
    img = Image.open(io.BytesIO(small))
    assert img.size == (320, 160)  # figsize (4, 2) at 80 dpi
    assert img.convert("RGB").getpixel((0, 0)) == (255, 255, 255)  # opaque white, dark mode


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_player_frames_have_twice_the_displayed_pixels_and_stay_small():
    from PIL import Image

    fig = Toy().figure()
    html = fig.static_html()
    # shown at the figure's 1x size: figsize (4, 2) at 80 dpi
    assert re.search(r'<img [^>]*width="320" height="160"', html)
    spec = player_spec(html)
    sizes = []
    for frame in spec["frames"].values():
        png = base64.b64decode(frame["src"].split(",", 1)[1])
        img = Image.open(io.BytesIO(png))
        assert img.size == (640, 320)  # 2x, sharp on a 2x screen
        assert img.mode == "P" and len(img.getcolors()) <= 48  # a small palette
        assert img.convert("RGB").getpixel((0, 0)) == (255, 255, 255)
        sizes.append(len(png))
    assert max(sizes) < 20_000  # a simple line plot stays a few kB at 2x


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_small_text_is_raised_to_ten_css_pixels():
    from matplotlib.text import Text

    def draw(fig, result, artists):
        if artists is None:
            ax = fig.add_subplot()
            (line,) = ax.plot([0, 1], [0, result], label="a legend at 6 pt")
            ax.legend(fontsize=6)
            note = ax.text(0.5, 0.5, "", fontsize=7)
            big = ax.set_title("a title at 12 pt", fontsize=12)
            return {"line": line, "note": note, "big": big}
        artists["line"].set_ydata([0, result])
        artists["note"].set_text(f"y {result:g}")
        # a text made again on every frame is raised too
        artists["ax"] = artists["line"].axes
        artists["line"].axes.legend(fontsize=6)
        return artists

    for dpi in (80, 100):
        fig = ia.Interactive(lambda k: k, draw, [ia.Slider("k", [1, 2, 3])], figsize=(4, 2),
                             dpi=dpi)
        for k in (1, 2, 3):
            fig.update(k=k)
            texts = [t for t in fig.fig.findobj(Text) if t.get_text()]
            assert texts
            for t in texts:
                px = t.get_fontsize() * dpi / 72  # CSS pixels at the displayed size
                assert px >= 10 - 1e-9, (t.get_text(), px)
        assert fig.artists["big"].get_fontsize() == 12  # larger text is left alone


def test_static_mode_is_read_from_the_environment(monkeypatch):
    for value, expected in (("1", True), ("true", True), ("0", False), ("", False)):
        monkeypatch.setenv(ia.STATIC_ENV, value)
        assert ia.is_static() is expected


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_benchmark_times_every_grid_update():
    toy = Toy()
    times = toy.figure().benchmark()
    assert times.shape == (len(ia.frames(controls3(), ("lr", "init"))),)
    assert np.all(times > 0)


# ------------------------------------------------------------------------------ one_step


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_one_step_matches_a_hand_written_sgd_step():
    net = one_step.worked_network()
    X, Y = one_step.X, one_step.Y
    for lr in (0.01, 0.5, 3.0, 100.0):
        r = one_step.compute(lr=lr, k=1)
        grads = net.gradients(X, Y)
        stepped = net.copy()
        stepped.set_params({k: v - lr * grads["d" + k] for k, v in net.params.items()})
        assert r.before == pytest.approx(net.loss(X, Y), rel=1e-12)
        assert r.loss_after_one == pytest.approx(stepped.loss(X, Y), rel=1e-12)


def test_one_step_at_several_settings():
    matched = 0
    for lr in one_step.CONTROLS[0].values:
        for k in one_step.CONTROLS[1].values:
            r = one_step.compute(lr=lr, k=k)
            assert r.path.shape == (k + 1,)
            assert np.all(np.isfinite(r.path)) and np.all(r.path >= 0)
            # the curve at the sweep's own learning rates agrees with the path
            i = np.argmin(abs(r.sweep_lrs - lr))
            if np.isclose(r.sweep_lrs[i], lr):
                matched += 1
                assert r.after_k[i] == pytest.approx(r.loss_after_k, rel=1e-9)
    assert matched > 0  # the agreement above was checked at least once
    # With one example and a sigmoid output, a bigger step always lowers this loss more.
    r = one_step.compute(lr=0.5, k=1)
    assert np.all(np.diff(r.after_one) < 0)
    with pytest.raises(ValueError, match="lr"):
        one_step.compute(lr=-1.0)
    with pytest.raises(ValueError, match="^k must be >= 1"):
        one_step.compute(k=0)


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_one_step_draws_every_frame_on_the_same_artists():
    fig = one_step.interactive()
    artists = fig.update()
    for params in fig.grid()[::7]:
        assert fig.update(**params) is artists
        xs, ys = artists["path"].get_data()
        assert len(xs) == params["k"] + 1
        assert artists["title"].get_text() == f"learning rate {params['lr']:g}"
    text = fig.alt_text({"lr": 0.5, "k": 10})
    assert "0.0271" in text and "learning rate 0.5" in text


# ------------------------------------------------------------------------------ training


def test_training_learns_with_a_good_setting():
    r = training.compute(lr=1.0, init="xavier", scale=1.0)
    assert not r.diverged and r.accuracy > 0.9
    assert r.loss.shape == (training.EPOCHS,) and r.loss[-1] < 0.5 * r.loss[0]
    # the decision grid is the trained network's prediction: recompute one point
    X, Y = training.dataset()
    net = bp.Network(training.LAYERS, training.ACTIVATIONS, loss="bce", init="xavier", seed=0)
    bp.train(net, X, Y, bp.optimizers.SGD(lr=1.0), epochs=training.EPOCHS)
    point = np.array([[r.xx[10, 20]], [r.yy[10, 20]]])
    assert r.proba[10, 20] == pytest.approx(float(net.forward(point)[0, 0]), rel=1e-12)


def test_training_with_zero_init_cannot_break_symmetry():
    r = training.compute(lr=1.0, init="zeros")
    assert r.accuracy == 0.5 and np.allclose(r.proba, r.proba[0, 0])


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_training_at_the_top_learning_rate_recovers_and_divergence_draws_a_message():
    import dataclasses

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # BCE from the logits: lr 10 is a spike in the loss that recovers (chapter 4)
        r = training.compute(lr=10.0, init="xavier", scale=1.0)
        assert not r.diverged and np.all(np.isfinite(r.loss)) and r.loss.max() > r.loss[0]
        # a run that did diverge (as bp.train reports it) is drawn as a note, not NaNs
        broken = dataclasses.replace(r, loss=r.loss[:3], diverged=True, accuracy=float("nan"),
                                     message="diverged in epoch 3",
                                     proba=np.full_like(r.proba, np.nan))
        fig = ia.Interactive(lambda lr: broken if lr == 10.0 else training.compute(lr=lr),
                             training.draw, [training.CONTROLS[0]], alt=training.alt)
        artists = fig.update(lr=10.0)
        assert artists["note"].get_visible() and "diverged" in artists["note"].get_text()
        assert np.all(np.isfinite(artists["curve"].get_ydata()))
        assert "diverged" in fig.alt_text({"lr": 10.0})
        fig.png(scale=2)
        fig.update(lr=1.0)
        assert not artists["note"].get_visible()


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_training_frames_at_several_settings():
    fig = training.interactive()
    artists = fig.update()
    for params in fig.grid()[::5]:
        assert fig.update(**params) is artists
        r = fig.result(**params)
        assert (r.lr, r.init, r.scale) == (params["lr"], params["init"], params["scale"])
    with pytest.raises(ValueError, match="init"):
        training.compute(init="orthogonal")


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_static_frames_as_files_with_relative_urls(tmp_path, monkeypatch):
    """In the book build the frames become files next to the pages, named by their content."""
    html_root, source = tmp_path / "html", tmp_path / "src"
    (source / "book").mkdir(parents=True)
    monkeypatch.chdir(source / "book")  # notebooks run in their own folder
    monkeypatch.setenv(ia.FRAMES_ENV, str(html_root / "frames"))
    monkeypatch.setenv(ia.PAGES_ENV, str(source))
    frames_dir, url = ia.frame_store()
    assert url == "../frames" and frames_dir == str(html_root / "frames")
    fig = Toy().figure()
    spec = player_spec(fig.static_html(frames_dir=frames_dir, frames_url=url))
    files = sorted(p.name for p in (html_root / "frames").iterdir())
    srcs = sorted(f["src"] for f in spec["frames"].values())
    assert srcs == [f"../frames/{name}" for name in files]
    assert len(files) == len(ia.frames(controls3(), ("lr", "init")))
    monkeypatch.delenv(ia.FRAMES_ENV)
    assert ia.frame_store() == (None, None)
