"""The worked example's compute functions and its step-through figure (chapter 3)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib.figures import worked_example as we


def test_worked_network_holds_the_hand_set_weights():
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


def test_the_init_option_is_named_for_what_it_is():
    assert we.INITS[0] == "hand"
    with pytest.raises(ValueError, match="init must be one of"):
        we.worked_network("book")
    with pytest.raises(TypeError, match="init must be 'hand'"):
        we.worked_network(3)


def test_the_step_through_opens_at_step_1():
    controls = {c.name: c for c in we.step_controls()}
    assert controls["step"].default == 1
    assert we.compute_step()["step"] == 1


def test_the_step_survives_a_change_of_learning_rate_or_init():
    # the player's grid holds every (step, lr) and (step, init) pair, so moving the learning
    # rate or the init keeps the step the reader is at
    from backprop_lib import interactive as ia

    grid = ia.frames(we.step_controls(), ("step",))
    keys = {(p["step"], p["lr"], p["init"]) for p in grid}
    for step in range(1, we.N_STEPS + 1):
        for lr in we.STEP_LRS:
            assert (step, lr, "hand") in keys
        for init in we.INITS:
            assert (step, we.SETUP["lr"], init) in keys


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
    assert f"ℒ → {u.loss_after:.5f}" in last["nodes"]["L"]
    assert last["edges"][("W2", 0, 1)][-1] == f"w → {u.new_params['W2'][0, 1]:.4f}"
    assert last["biases"][("b1", 1, 0)][-1] == f"b → {u.new_params['b1'][1, 0]:.4f}"


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


@pytest.mark.slow  # every frame drawn or many cases: make test, not make fast
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
    first = we.node_lines(we.compute_step(1))
    assert first["h1"] == [f"b = {we.SETUP['b1'][0][0]:.2f}"] and first["o"] == ["b = 0.60"]
    a = t["A1"][0, 0]
    step9 = next(s.text for s in walk if "hidden unit 1 along" in s.text)
    assert f"{a * (1 - a):.4f}" in step9 and f"{t['dZ1'][0, 0]:.4g}" in step9
    step11 = next(s.text for s in walk if s.text.startswith("Input weights"))
    for i in range(2):
        for j in range(2):
            assert f"dW1[{i + 1},{j + 1}] = ({t['dZ1'][i, 0]:.4g})·{X[j, 0]:.1f} = " \
                   f"{t['dW1'][i, j]:.4g}" in step11


# ----------------------------------------------------------------------------- the drawing's text

PHONE_PX = 342  # the player's frame width on a 390 px phone screen
CLEARANCE_PX = 1.0  # texts keep this far (CSS px) from each other and from edges and nodes


def _text_polygon(text, renderer, margin=0.0):
    """The corners (display pixels) of a text's box, padded by its background box and
    turned with the text about its anchor: from the renderer's window extent of the text
    laid out unturned (the extent of a turned text is the upright box around it); `margin`
    (display pixels) widens it on every side."""
    angle = text.get_rotation()
    if angle:
        assert text.get_rotation_mode() == "anchor"
        text.set_rotation(0)
    box = text.get_window_extent(renderer)
    text.set_rotation(angle)
    pad = 0.0
    if text.get_bbox_patch() is not None:
        pad = text.get_bbox_patch().get_boxstyle().pad * text.get_fontsize() \
            * text.figure.dpi / 72
    anchor = np.asarray(text.get_transform().transform(text.get_position()), dtype=float)
    offset = np.array([box.x0 + box.width / 2, box.y0 + box.height / 2]) - anchor
    t = np.radians(angle)
    u, v = np.array([np.cos(t), np.sin(t)]), np.array([-np.sin(t), np.cos(t)])
    centre = anchor + offset[0] * u + offset[1] * v
    w, h = box.width / 2 + pad + margin, box.height / 2 + pad + margin
    return np.array([centre - w * u - h * v, centre + w * u - h * v, centre + w * u + h * v,
                     centre - w * u + h * v])


def _separated(p, q):
    """True if convex polygons p and q (vertex arrays) do not overlap (separating axes)."""
    for poly in (p, q):
        for i in range(len(poly)):
            d = poly[(i + 1) % len(poly)] - poly[i]
            n = np.array([-d[1], d[0]])
            if not n.any():
                continue
            a, b = p @ n, q @ n
            if a.max() <= b.min() or b.max() <= a.min():
                return True
    return False


def _segment_box(p, q, half):
    """A line segment of half-width `half` as a rectangle."""
    d = (q - p) / np.linalg.norm(q - p)
    n = np.array([-d[1], d[0]]) * half
    return np.array([p - n, q - n, q + n, p + n])


def _frame_geometry(fig):
    """Text polygons {artist: (name, polygon)} and obstacles [(name, polygon)] of a frame."""
    from matplotlib.patches import Circle, Rectangle
    from matplotlib.text import Text

    ax = fig.artists["ax"]
    renderer = fig.fig.canvas.get_renderer()
    texts = [t for t in fig.fig.findobj(Text)
             if t.get_visible() and t.get_text().strip() and t.get_gid()]
    css = fig.fig.dpi / fig.dpi  # display pixels per CSS pixel
    polys = [(t.get_gid(), t, _text_polygon(t, renderer, CLEARANCE_PX * css)) for t in texts]
    obstacles = []
    px = fig.fig.dpi / 72
    for line in ax.lines:
        xy = line.get_transform().transform(line.get_xydata())
        obstacles.append((line.get_gid(),
                          _segment_box(xy[0], xy[1], line.get_linewidth() * px / 2)))
    for patch in ax.patches:
        if isinstance(patch, (Circle, Rectangle)):
            path = patch.get_path().transformed(patch.get_transform())
            obstacles.append(("node", path.vertices[:-1]))
    for arrows in fig.artists["arrows"].values():
        for a in arrows:
            if a.get_visible():
                b = a.arrow_patch.get_window_extent(renderer)
                obstacles.append(("arrow", np.array([[b.x0, b.y0], [b.x1, b.y0], [b.x1, b.y1],
                                                     [b.x0, b.y1]])))
    return polys, obstacles


def frame_overlaps(fig):
    """What overlaps in the frame drawn now: [(text, text or obstacle)]."""
    fig.fig.canvas.draw()
    polys, obstacles = _frame_geometry(fig)
    bad = []
    for i, (gid, t, p) in enumerate(polys):
        own = gid.replace("label ", "edge ") if gid.startswith("label ") else None
        inside = gid.startswith("name ")  # a node's name sits in its own circle or box
        for name, q in obstacles:
            if name == own or (inside and name == "node"):
                continue
            if not _separated(p, q):
                bad.append((t.get_text(), name))
        for _, t2, q in polys[i + 1:]:
            if not _separated(p, q):
                bad.append((t.get_text(), t2.get_text()))
    return bad


@pytest.mark.slow  # every frame drawn or many cases: make test, not make fast
def test_no_text_overlaps_an_edge_a_node_or_other_text_in_any_frame():
    pytest.importorskip("matplotlib")
    fig = we.steps_interactive()
    bad = {}
    for params in fig.grid():
        fig.update(**params)
        found = frame_overlaps(fig)
        if found:
            bad[tuple(params.values())] = found
    assert not bad, f"{len(bad)} frames with overlaps, e.g. {list(bad.items())[:3]}"


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_the_overlap_check_sees_an_overlap():
    pytest.importorskip("matplotlib")
    fig = we.steps_interactive()
    fig.update(step=we.N_STEPS)
    label = fig.artists["edge_text"][("W1", 0, 1)]
    label.set_position(we.NODE_XY["h1"])  # onto the other edges that meet at h1
    assert frame_overlaps(fig)


def test_every_text_is_readable_on_a_phone():
    pytest.importorskip("matplotlib")
    fig = we.steps_interactive()
    width = fig.size_px()[0]
    assert width <= 460 and fig.size_px()[1] <= 420  # about 440 x 400 CSS px
    scale = PHONE_PX / width
    for step in (1, we.N_STEPS):
        fig.update(step=step)
        fig.fig.canvas.draw()
        polys, _ = _frame_geometry(fig)
        assert len(polys) > 15
        for gid, t, _ in polys:
            # the font's size in CSS pixels, and the drawn text's height (of one line)
            assert t.get_fontsize() * fig.dpi / 72 * scale >= 10, (t.get_text(), gid)
            angle = t.get_rotation()
            t.set_rotation(0)
            h = t.get_window_extent(fig.fig.canvas.get_renderer()).height
            t.set_rotation(angle)
            assert h / (fig.figsize[0] * fig.fig.dpi) >= 0.029, (t.get_text(), gid)


def test_the_drawing_has_a_short_header_and_the_caption_the_arithmetic():
    pytest.importorskip("matplotlib")
    fig = we.steps_interactive()
    for step in range(1, we.N_STEPS + 1):
        fig.update(step=step)
        r = fig.result(step=step)
        # the footer names the learning rate: until the update it changes nothing else drawn
        assert fig.artists["phase"].get_text() == \
            f"Step {step} of {we.N_STEPS} · {r['phase']} · α = {r['lr']:g}"
        alt = fig.alt_text({"step": step})
        assert alt.startswith(f"Step {step} of {we.N_STEPS} ({r['phase']}, learning rate "
                              f"{r['lr']:g}): ")
        assert "=" in alt and any(c.isdigit() for c in alt.split(":", 1)[1])
        drawn = [t.get_text() for t in fig.fig.findobj(lambda a: hasattr(a, "get_text"))
                 if t.get_text().strip()]
        assert all(len(s) <= 44 for s in drawn)  # no sentence in the drawing


def _numbers(text):
    import re

    return [float(m) for m in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text)]


@pytest.mark.parametrize("init", we.INITS)
@pytest.mark.parametrize("lr", [0.5, 10.0])
def test_the_caption_gives_every_value_the_step_draws(init, lr):
    """The drawing shows values only; each one the step adds is in its caption (the step's
    arithmetic), to the digits drawn."""
    for k, s in enumerate(we.steps(lr, init), start=1):
        caption = we.step_alt({}, we.compute_step(k, lr, init))
        said = _numbers(caption.split(":", 1)[1])
        drawn = [line for lines in s.nodes.values() for line in lines] + list(s.edges.values())
        assert drawn, k
        for line in drawn:
            value = line.replace("→", "=").split("=", 1)[1]
            (v,) = _numbers(value)
            decimals = len(value.strip().split("e")[0].split(".")[1]) if "." in value else 0
            tol = 0.5 * 10.0 ** -decimals * (10.0 ** int(value.split("e")[1]) if "e" in value
                                               else 1) + 1e-12
            assert any(abs(v - c) <= tol for c in said), (k, line, caption)


# ------------------------------------------------------------------ the SVG drawing (Figure 1)

def _svg_texts(doc):
    import xml.etree.ElementTree as ET

    root = ET.fromstring(doc)  # well-formed XML, or this raises
    ns = "{http://www.w3.org/2000/svg}"
    return root, [t.text for t in root.iter(f"{ns}text")]


def test_svg_module_needs_the_standard_library_only(tmp_path):
    # loaded as a file on its own, with NumPy and matplotlib made unimportable
    import subprocess
    import sys
    from pathlib import Path

    path = Path(we.__file__).with_name("stepper_svg.py")
    code = ("import sys, importlib.util\n"
            "for m in ('numpy', 'matplotlib', 'backprop_lib'): sys.modules[m] = None\n"
            f"spec = importlib.util.spec_from_file_location('stepper_svg', {str(path)!r})\n"
            "mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)\n"
            "r = {'step': 1, 'n_steps': 13, 'phase': 'forward', 'nodes': {k: [] for k in "
            "mod.NODE_XY}, 'edges': {e: [] for e in mod.EDGES}, 'biases': {b: [] for b in "
            "mod.BIASES}, 'new': set(), 'new_lines': {}, 'flow': (), 'weights': "
            "{e: 0.1 for e in mod.EDGES}, 'lr': 0.5}\n"
            "print(mod.svg(r)[:4])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "<svg"


@pytest.mark.parametrize("lr", [0.5, 10.0])
@pytest.mark.parametrize("init", ["hand", "he"])
def test_every_svg_frame_draws_every_value_of_its_step(lr, init):
    for step in range(1, we.N_STEPS + 1):
        r = we.compute_step(step, lr, init)
        _, texts = _svg_texts(we.svg(r))
        assert f"Step {step} of {we.N_STEPS} · {r['phase']} · α = {r['lr']:g}" in texts
        for lines in we.node_lines(r).values():
            for line in lines:
                assert line in texts
        for e, shown in r["edges"].items():
            assert (shown[-1] if shown else f"w = {r['weights'][e]:.3g}") in texts


def test_svg_text_is_at_least_10_px_on_a_phone():
    root, _ = _svg_texts(we.svg(we.compute_step(we.N_STEPS)))
    width = float(root.get("width"))
    assert width == we.FIG_PX[0]
    # shown 342 px wide (a 390 px phone's column), every text stays >= 10 px
    assert float(root.get("font-size")) * 342 / width >= 10
    assert all("font-size" not in el.attrib for el in root.iter()
               if el is not root)  # one type size, set once


def test_svg_rejects_what_is_not_a_frame():
    with pytest.raises(ValueError, match="compute_step result"):
        we.svg({"step": 1})


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_the_book_player_shows_the_svg_frames_with_their_arithmetic():
    import base64
    import json
    import re

    fig = we.steps_interactive()
    html = fig.static_html()
    spec = json.loads(re.search(r'<script type="application/json">(.*?)</script>', html,
                                re.S).group(1).replace("<\\/", "</"))
    assert len(spec["frames"]) == len(fig.grid())
    key = ",".join(str(c.index(v)) for c, v in zip(fig.controls, (6, 0.5, "hand"), strict=True))
    frame = spec["frames"][key]
    assert frame["src"].startswith("data:image/svg+xml;base64,")
    doc = base64.b64decode(frame["src"].split(",", 1)[1]).decode()
    assert doc == we.svg(we.compute_step(6, 0.5, "hand"))
    assert frame["alt"] == we.step_alt(None, we.compute_step(6, 0.5, "hand"))
    assert spec["start"][0] == 0  # opens at step 1


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_the_book_player_writes_svg_files_once(tmp_path):
    fig = we.steps_interactive()
    fig.static_html(frames_dir=str(tmp_path), frames_url="frames")
    files = list(tmp_path.iterdir())
    assert files and all(f.suffix == ".svg" for f in files)
    assert len(files) <= len(fig.grid())
