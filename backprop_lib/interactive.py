"""Interactive figures that work in a live kernel and in the offline HTML book.

A chapter writes two functions and makes one call:

    from backprop_lib import interactive as ia

    def compute(lr, init, scale):          # pure function of its keyword parameters
        ...                                # -> any result object (cached by parameters)
    def draw(fig, result, artists):        # artists is None the first time: make axes and
        ...                                # artists on fig and return them; later calls
        return artists                     # update those same artists in place

    ia.show(compute, draw,
            controls=[ia.LogSlider("lr", [1e-3, 1e-2, 0.1, 1.0], default=0.1,
                                   label="learning rate"),
                      ia.Choice("init", ["small", "xavier", "he"], default="xavier"),
                      ia.Slider("scale", [0.5, 1.0, 2.0], default=1.0, label="init scale")],
            joint=("lr", "init"),
            alt=lambda params, result: "what this frame shows, in words")

Two ways the same call shows itself:

- In a live kernel (the default): ipywidgets controls over one figure made once. Each
  change calls `compute` (cached) and `draw` with the existing artists, then shows the
  re-rendered PNG (drawn at twice its displayed size, so it is sharp on a 2x screen) and its
  description. The cell gets four outputs. The fallback, second: a PNG of the default
  frame with a text/plain summary (the description of the default frame), which is what
  strict nbval compares (nbval skips widget views and images) and what a viewer without the
  live widget shows: GitHub, or JupyterLab after the notebook is saved and reopened with a
  new kernel. JupyterLab shows one type of an output (there, the PNG), so the default
  frame's description in words follows in an output of its own. Last, the widget view
  alone: JupyterLab prefers a widget view over every other type of its output and, once
  the kernel that made it is gone, shows it as "Loading widget..." or "Error displaying
  widget", so it must not share an output with the fallback. First, a CSS rule (an HTML
  output with only a <style>, itself hidden) for JupyterLab: while the live widget is shown
  the fallback and its description are hidden (the widget shows its own); while it is not
  (loading, or its model is gone), the dead view is hidden and the fallback shows.
- In the book build (environment variable BACKPROP_BOOK_STATIC=1, set by tools/build_book.py):
  no ipywidgets at all. Every frame of the grid is computed and drawn at build time into a
  small PNG, and one self-contained HTML output holds plain HTML controls (<input type=range>
  and <select>, keyboard operable, with visible values), the frames, and a few lines of
  inline JavaScript that swap frame and description. It needs no server and no network,
  so it works from file:// as well.

The grid of settings (`frames`): any two controls combine. The grid holds every pair of
values of every pair of controls, the other controls at their defaults, plus the full
product of the controls named in `joint` (for a chapter that wants more than pairs). When
a reader of the static book sets a third control so that the combination is not in the
grid, the player keeps the control just moved and the one moved before it, resets the
others to their defaults (the least recently moved first, only as many as needed), moves
those controls visibly, and says so in a note below the figure (`snap`, `snap_note`).

Frames are PNGs with twice the displayed pixels (sharp on a 2x screen, shown at their 1x
size), quantized to a small palette; text in a figure is at least `MIN_TEXT_PX` CSS pixels
as displayed (smaller font sizes are raised when the figure is drawn).

Chapter "A worked example" and chapter "The algorithm for L layers" use this module
(through backprop_lib.figures). This module imports matplotlib and ipywidgets; the
numerical core of backprop_lib never imports it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import inspect
import io
import itertools
import json
import math
import os
import time

import numpy as np

from . import plots

STATIC_ENV = "BACKPROP_BOOK_STATIC"

__all__ = [
    "STATIC_ENV",
    "Choice",
    "Interactive",
    "LogSlider",
    "Slider",
    "frames",
    "is_static",
    "show",
    "snap",
    "snap_note",
]


# --------------------------------------------------------------------------- controls


class Control:
    """One named parameter of a figure: its grid of values, its default and its label."""

    kind = "control"

    def __init__(self, name, values, default=None, label=None):
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError("name must be a Python identifier (a keyword of compute); "
                             f"got {name!r}")
        values = _as_tuple(values, f"values of control {name!r}", "a sequence")
        if not values:
            raise ValueError(f"values of control {name!r} must not be empty")
        if len(set(values)) != len(values):
            raise ValueError(f"values of control {name!r} must be distinct; got {values!r}")
        self.name = name
        self.values = self._check_values(values)
        if default is None:
            default = self.values[len(self.values) // 2]
        if default not in self.values:
            raise ValueError(f"default of control {name!r} must be one of its values "
                             f"{list(self.values)}; got {default!r}")
        self.default = default
        self.label = name if label is None else str(label)

    def _check_values(self, values):
        return values

    def index(self, value):
        """Position of `value` in the grid (ValueError naming the control if absent)."""
        try:
            return self.values.index(value)
        except ValueError:
            raise ValueError(f"{self.name} must be one of {list(self.values)}; "
                             f"got {value!r}") from None

    def fmt(self, value):
        """The value as the controls show it."""
        return f"{value:g}" if isinstance(value, (int, float)) else str(value)

    def normalize(self, value):
        """A live widget's value as passed to compute (identity for grid-valued controls)."""
        return value

    def widget(self):  # pragma: no cover - overridden
        raise NotImplementedError

    def __repr__(self):
        return (f"{type(self).__name__}({self.name!r}, {list(self.values)!r}, "
                f"default={self.default!r}, label={self.label!r})")


    def row(self, widget, label_width):
        """The control as one row of the live view (the widget itself for most controls)."""
        return widget


class _Numeric(Control):
    def _check_values(self, values):
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
                raise TypeError(f"values of control {self.name!r} must be numbers; got {v!r}")
            if not math.isfinite(v):
                raise ValueError(f"values of control {self.name!r} must be finite; got {v!r}")
        if list(values) != sorted(values):
            raise ValueError(f"values of control {self.name!r} must be increasing; "
                             f"got {list(values)}")
        return tuple(v.item() if isinstance(v, np.generic) else v for v in values)


class LogSlider(_Numeric):
    """A positive number on a log scale, such as a learning rate.

    Live and static alike, a slider over `values` (usually spaced evenly in log, 1-3-10):
    one key press moves one grid value, and the readout is the plain number (100, 0.003).
    compute receives the value rounded to 2 significant digits, so a value such as
    10**-0.52 = 0.302 set from code is read as the grid's 0.3.
    """

    kind = "log"

    def _check_values(self, values):
        values = super()._check_values(values)
        if values[0] <= 0:
            raise ValueError(f"values of log slider {self.name!r} must be positive; "
                             f"got {list(values)}")
        return values

    def normalize(self, value):
        return float(f"{float(value):.2g}")

    # A FloatLogSlider cannot step through a 1-3-10 grid (its steps are even in log10) and
    # reads 100 as 1.0e+2, so the live control is the same selection slider as Slider's.
    def widget(self, label_width="initial"):
        return _selection_slider(self, label_width)


class Slider(_Numeric):
    """A number from a short list, such as an initialization scale or a number of steps.

    Live: an ipywidgets SelectionSlider over `values`. Static: a range input over `values`.
    """

    kind = "slider"

    def widget(self, label_width="initial"):
        return _selection_slider(self, label_width)


def _selection_slider(control, label_width):
    import ipywidgets as W

    # Wide enough for a track beside the shared label width (ipywidgets' 300 px is not).
    width = "initial" if label_width == "initial" else f"calc({label_width} + 22em)"
    return W.SelectionSlider(options=[(control.fmt(v), v) for v in control.values],
                             value=control.default, description=control.label,
                             continuous_update=True, style={"description_width": label_width},
                             layout=W.Layout(width=width, max_width="100%"))


class Choice(Control):
    """One of a few named options, such as an initialization scheme.

    Live: ipywidgets ToggleButtons (a Dropdown beyond 5 options). Static: a <select>.
    """

    kind = "choice"

    def widget(self, label_width="initial"):
        import ipywidgets as W

        options = [(self.fmt(v), v) for v in self.values]
        if len(self.values) > 5:
            return W.Dropdown(options=options, value=self.default, description=self.label,
                              style={"description_width": label_width})
        return W.ToggleButtons(options=options, value=self.default, tooltips=[],
                               style={"button_width": "auto"})

    def row(self, widget, label_width):
        """The control as one row: ToggleButtons put their own label on a line above the
        buttons, so they get a label like the sliders' instead (same width, right-aligned).
        """
        import ipywidgets as W

        if not isinstance(widget, W.ToggleButtons):
            return widget
        label = W.HTML(f'<span style="display:block;text-align:right;padding-right:8px">'
                       f"{html.escape(self.label)}</span>", layout=W.Layout(width=label_width))
        return W.HBox([label, widget], layout=W.Layout(align_items="center"))


# --------------------------------------------------------------------------- the grid


def _check_controls(controls, joint):
    if isinstance(controls, Control):
        controls = [controls]
    controls = _as_tuple(controls, "controls", "a list of LogSlider/Slider/Choice")
    if not controls:
        raise ValueError("controls must hold at least one LogSlider, Slider or Choice; got none")
    for c in controls:
        if not isinstance(c, Control):
            raise TypeError(f"controls must be LogSlider, Slider or Choice objects; got {c!r}")
    names = [c.name for c in controls]
    if len(set(names)) != len(names):
        raise ValueError(f"control names must be distinct; got {names}")
    if isinstance(joint, str):
        joint = (joint,)
    joint = tuple(joint or ())
    for j in joint:
        if j not in names:
            raise ValueError(f"joint must name controls among {names}; got {j!r}")
    if len(set(joint)) != len(joint):
        raise ValueError(f"joint must not repeat a name; got {joint}")
    return controls, joint


def frames(*args, controls=None, joint=()):
    """The grid of parameter dicts a static figure precomputes, in a fixed order.

    Call as `frames(controls, joint)` or `frames(compute, controls, joint)` (compute is then
    checked to accept every control name). First the full product of the `joint` controls
    (the others at their defaults), then every control alone through its values, then
    every pair of controls through every pair of their values, the rest at their defaults:
    any two controls combine. No setting appears twice.
    """
    args = list(args)
    compute = args.pop(0) if args and callable(args[0]) else None
    if args:
        controls = args.pop(0)
    if args:
        joint = args.pop(0)
    if args:
        raise TypeError("frames takes (compute, controls, joint) or (controls, joint)")
    controls, joint = _check_controls(controls, joint)
    if compute is not None:
        _check_signature(compute, controls)
    default = {c.name: c.default for c in controls}
    by_name = {c.name: c for c in controls}
    grid, seen = [], set()

    def add(params):
        key = tuple(params[c.name] for c in controls)
        if key not in seen:
            seen.add(key)
            grid.append(dict(params))

    for combo in itertools.product(*(by_name[j].values for j in joint)):
        add({**default, **dict(zip(joint, combo, strict=True))})
    for c in controls:
        for v in c.values:
            add({**default, c.name: v})
    for a, b in itertools.combinations(controls, 2):
        for va, vb in itertools.product(a.values, b.values):
            add({**default, a.name: va, b.name: vb})
    return grid


def snap(params, changed, controls, joint=(), moved=()):
    """The grid setting the static player shows after the reader moves control `changed`.

    moved: the names of the controls moved before, oldest first (repeats allowed; the
    player passes the order of the reader's moves). If `params` is in the grid it is
    returned unchanged. Otherwise `changed` and the control moved just before it keep
    their values, and the others go back to their defaults one at a time (never-moved
    controls first, then the least recently moved) until the setting is in the grid; since
    the grid holds every pair, at most the two kept ones stay off their defaults. (The
    player in the HTML book implements the same rule in JavaScript.)
    """
    controls, joint = _check_controls(controls, joint)
    names = [c.name for c in controls]
    if changed not in names:
        raise ValueError(f"changed must be one of {names}; got {changed!r}")
    for n in moved:
        if n not in names:
            raise ValueError(f"moved must name controls among {names}; got {n!r}")
    for c in controls:
        if c.name not in params:
            raise ValueError(f"params must set every control {names}; {c.name!r} is missing")
        c.index(params[c.name])
    grid = {tuple(p[n] for n in names) for p in frames(controls, joint)}
    params = {n: params[n] for n in names}
    if tuple(params.values()) in grid:
        return params
    history = []  # distinct names, least recently moved first, without `changed`
    for n in moved:
        if n in history:
            history.remove(n)
        if n != changed:
            history.append(n)
    keep = {changed, *history[-1:]}
    order = [n for n in names if n not in history] + history
    for c in sorted(controls, key=lambda c: order.index(c.name)):
        if c.name in keep:
            continue
        params[c.name] = c.default
        if tuple(params.values()) in grid:
            break
    return params


#: The note under a static player whose other controls went back to their defaults: the
#: first part, then the reset controls' labels, then one of the endings.
#: Shown under a figure on a narrow screen, where the figure scrolls sideways in its box.
FRAME_LABEL = "the figure; on a narrow screen it scrolls sideways"
SCROLL_HINT = "Swipe the figure sideways to see all of it."

SNAP_NOTE = {
    "lead": "This page has a frame for every pair of settings, not for every combination, so ",
    "one": " went back to its default.",
    "many": " went back to their defaults.",
    "tail": " The notebooks (this page's download button) compute any combination.",
}


def snap_note(reset_labels):
    """The note the player shows when the controls labelled `reset_labels` were reset."""
    labels = list(reset_labels)
    if not labels:
        return ""
    if len(labels) == 1:
        names = labels[0]
    else:
        names = ", ".join(labels[:-1]) + " and " + labels[-1]
    ending = SNAP_NOTE["one"] if len(labels) == 1 else SNAP_NOTE["many"]
    return SNAP_NOTE["lead"] + names + ending + SNAP_NOTE["tail"]


def _as_tuple(x, what, expected):
    try:
        return tuple(x)
    except TypeError:
        raise TypeError(f"{what} must be {expected}; got {type(x).__name__}") from None


def _check_signature(compute, controls):
    try:
        sig = inspect.signature(compute)
    except (TypeError, ValueError):
        return
    accepts_kwargs = any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values())
    for c in controls:
        if c.name not in sig.parameters and not accepts_kwargs:
            raise ValueError(f"compute must accept the keyword {c.name!r} of control "
                             f"{c.label!r}; its parameters are {list(sig.parameters)}")


FRAMES_ENV = "BACKPROP_BOOK_FRAMES"
PAGES_ENV = "BACKPROP_BOOK_SOURCE"


def frame_store():
    """(directory, URL prefix) for the book's frame files, or (None, None) to inline them.

    tools/build_book.py sets BACKPROP_BOOK_FRAMES (a folder directly inside the built HTML
    root, e.g. _build/html/frames) and BACKPROP_BOOK_SOURCE (the book's source root). The
    notebook runs in its own folder, and its page sits at the same place relative to the
    HTML root as the notebook relative to the source root, so the URL is the path from the
    page's folder to the frames folder.
    """
    frames, source = os.environ.get(FRAMES_ENV), os.environ.get(PAGES_ENV)
    if not frames or not source:
        return None, None
    html_root = os.path.dirname(os.path.abspath(frames))
    page_dir = os.path.join(html_root, os.path.relpath(os.getcwd(), os.path.abspath(source)))
    os.makedirs(frames, exist_ok=True)
    return frames, os.path.relpath(os.path.abspath(frames), page_dir).replace(os.sep, "/")


BENCH_ENV = "BACKPROP_FIGURE_BENCH"  # set by tools/bench.py: where to record timings
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# JupyterLab's outputs of a live figure: [style] [fallback PNG] [description] [widget view].
# While the widget is live (.bp-live) the fallback and its description are hidden (the
# widget shows its own); otherwise the view is (it would read "Loading widget...") and the
# two show. The rules only match outputs that follow a .bp-style output.
_CHILD = ".jp-OutputArea-child"
_STYLE_HTML = (
    '<style class="bp-style">'
    f"{_CHILD}:has(.bp-style){{display:none}}"
    f"{_CHILD}:has(.bp-style)+{_CHILD}:has(+{_CHILD}+{_CHILD} .bp-live){{display:none}}"
    f"{_CHILD}:has(.bp-style)+{_CHILD}+{_CHILD}:has(+{_CHILD} .bp-live){{display:none}}"
    f"{_CHILD}:has(.bp-style)+{_CHILD}+{_CHILD}+{_CHILD}:not(:has(.bp-live)){{display:none}}"
    "</style>")
# The same rules inside the live widget (an ipywidgets HTML), for an output area whose
# style output was not rendered: the description just above a live widget, and the
# fallback above that description, are hidden.
_LIVE_CSS = (f"<style>{_CHILD}:has(.bp-desc):has(+ {_CHILD} .bp-live),"
             f"{_CHILD}:has(+ {_CHILD} .bp-desc):has(+ {_CHILD} + {_CHILD} .bp-live)"
             "{display:none}</style>")


def is_static():
    """True in the book build (BACKPROP_BOOK_STATIC set to 1, true or yes)."""
    return os.environ.get(STATIC_ENV, "").strip().lower() in {"1", "true", "yes"}


# --------------------------------------------------------------------------- the figure


class Interactive:
    """One interactive figure: compute and draw functions, controls, a grid, a cache.

    Usually made and shown by `show`. Useful on its own in tests and benchmarks:
    `update(**params)` recomputes (through the cache) and redraws the same artists;
    `widget` builds the live ipywidgets view; `static_html()` renders the book's player;
    `benchmark()` times updates.
    """

    def __init__(self, compute, draw, controls, joint=(), alt=None, figsize=(7, 3), dpi=80,
                 cache_size=512):
        if not callable(compute):
            raise TypeError(f"compute must be a function of the control values; got {compute!r}")
        if not callable(draw):
            raise TypeError(f"draw must be a function draw(fig, result, artists); got {draw!r}")
        if alt is not None and not callable(alt) and not isinstance(alt, str):
            raise TypeError("alt must be None, a string or a function alt(params, result); "
                            f"got {alt!r}")
        self.controls, self.joint = _check_controls(controls, joint)
        _check_signature(compute, self.controls)
        self.compute, self.draw, self._alt = compute, draw, alt
        self.figsize, self.dpi = plots._check_figsize(figsize), dpi
        self.cache_size = int(cache_size)
        self._cache = {}
        self.fig = None
        self.artists = None
        self.params = self.defaults()
        self.draw_count = 0
        self._widget = None
        self._displayed = False

    # parameters and results
    def defaults(self):
        return {c.name: c.default for c in self.controls}

    def grid(self):
        return frames(self.controls, self.joint)

    def _key(self, params):
        return tuple(params[c.name] for c in self.controls)

    def result(self, **params):
        """compute(**params), cached by the parameter values."""
        params = self._complete(params)
        key = self._key(params)
        if key not in self._cache:
            if len(self._cache) >= self.cache_size:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = self.compute(**params)
        return self._cache[key]

    def clear_cache(self):
        self._cache.clear()

    def _complete(self, params, base=None):
        names = [c.name for c in self.controls]
        for k in params:
            if k not in names:
                raise ValueError(f"unknown parameter {k!r}; the controls are {names}")
        full = self.defaults() | (base or {}) | params
        return {c.name: c.normalize(full[c.name]) for c in self.controls}

    def alt_text(self, params=None, result=None):
        """The description of a frame (alt text of the image, caption under it).

        params: the frame's settings (missing ones at their defaults); None: the frame shown now.
        """
        params = self._complete(self.params if params is None else params)
        if self._alt is None:
            return "Figure at " + self.describe(params) + "."
        if isinstance(self._alt, str):
            return self._alt
        if result is None:
            result = self.result(**params)
        return str(self._alt(params, result))

    def describe(self, params):
        return ", ".join(f"{c.label} {c.fmt(params[c.name])}" for c in self.controls)

    # drawing
    def update(self, **params):
        """Set parameters, compute (cached) and draw on the existing artists; return them."""
        self.params = self._complete(params, base=self.params)
        result = self.result(**self.params)
        if self.fig is None:
            self.fig = plots.figure(self.figsize, dpi=self.dpi)
            with plots.style():
                self.artists = self.draw(self.fig, result, None)
            self._raise_small_text()  # before the layout, which makes room for it
            # Lay the figure out once, then freeze it: later frames only move data, and
            # skipping the layout engine halves the cost of each redraw.
            self.fig.canvas.draw()
            self.fig.set_layout_engine("none")
        else:
            with plots.style():
                self.artists = self.draw(self.fig, result, self.artists)
            self._raise_small_text()
        self.draw_count += 1
        return self.artists

    MIN_TEXT_PX = 10  # the smallest text in a figure, in CSS pixels as displayed

    def min_text_pt(self):
        """The smallest font size (points) that shows at MIN_TEXT_PX at the figure's size."""
        return self.MIN_TEXT_PX * 72 / self.dpi

    def _raise_small_text(self):
        """Raise every text of the figure smaller than min_text_pt() (plots.raise_small_text)."""
        plots.raise_small_text(self.fig, dpi=self.dpi, min_px=self.MIN_TEXT_PX)

    def png(self, colors=None, scale=1):
        """The current figure as PNG bytes; with colors, quantized to a small palette.

        scale: pixels per displayed pixel (the live view renders at 2, for 2x screens, and
        shows the image at its 1x size). Without colors the PNG is encoded fast rather than
        small.
        """
        from PIL import Image

        if self.fig is None:
            self.update()
        if self.fig.dpi != self.dpi * scale:
            self.fig.set_dpi(self.dpi * scale)  # the frozen layout is in figure units
        canvas = self.fig.canvas
        canvas.draw()
        img = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(),
                               "raw", "RGBA", 0, 1).convert("RGB")
        out = io.BytesIO()
        if colors:
            img = img.quantize(colors=colors, method=Image.Quantize.MEDIANCUT,
                               dither=Image.Dither.NONE)
            img.save(out, format="PNG", optimize=True)
        else:
            img.save(out, format="PNG", compress_level=1)
        return out.getvalue()

    # the live view
    @property
    def widget(self):
        """The ipywidgets view (built on first use): controls, image, description."""
        if self._widget is None:
            self._widget = self._build_widget()
        return self._widget

    LIVE_SCALE = 2  # live PNGs have twice the displayed pixels: sharp on a 2x screen

    def size_px(self):
        """(width, height) of the figure as displayed, in CSS pixels."""
        return (int(round(self.figsize[0] * self.dpi)), int(round(self.figsize[1] * self.dpi)))

    def _build_widget(self):
        import ipywidgets as W

        self.update(**self.defaults())
        # One label width for every control of the figure, so that the tracks line up.
        label_width = f"{max(len(c.label) for c in self.controls) + 2}ch"
        self._controls = {c.name: c.widget(label_width) for c in self.controls}
        width, _ = self.size_px()
        self._image = W.Image(value=self.png(scale=self.LIVE_SCALE), format="png",
                              layout=W.Layout(width=f"{width}px", max_width="100%",
                                              height="auto"))
        self._caption = W.HTML(value=self._caption_html())
        for c in self.controls:
            self._controls[c.name].observe(self._on_change, names="value")
        rows = [c.row(self._controls[c.name], label_width) for c in self.controls]
        box = W.VBox([W.HTML(_LIVE_CSS), W.VBox(rows), self._image, self._caption])
        box.add_class("bp-live")
        return box

    def _caption_html(self):
        # The widget area sets a 28 px line height (one control row); text wants its own.
        return ('<p style="max-width:40em;line-height:1.4;margin:0.3em 0" aria-live="polite">'
                f"{html.escape(self.alt_text())}</p>")

    def _on_change(self, change=None):
        params = {name: w.value for name, w in self._controls.items()}
        self.update(**params)
        self._image.value = self.png(scale=self.LIVE_SCALE)
        self._caption.value = self._caption_html()

    def summary(self):
        """The text/plain form of the output: deterministic, what strict nbval compares."""
        controls = "; ".join(f"{c.label}: {', '.join(c.fmt(v) for v in c.values)}"
                             for c in self.controls)
        return (f"Interactive figure ({controls}). At {self.describe(self.defaults())}: "
                f"{self.alt_text(self.defaults())}")

    # the static player
    STATIC_SCALE = 2  # frames have twice the displayed pixels, as the live PNGs

    #: The narrowest width (CSS px) a frame may shrink to on a phone with its smallest text
    #: still at MIN_TEXT_PX; None: the frame keeps its own width there and scrolls in its box
    #: (a matplotlib frame's smallest text is MIN_TEXT_PX at its own width).
    phone_min_width = None

    def static_frame(self, params, colors=48):
        """One frame of the static player at `params`: (bytes, file extension, MIME type).

        A PNG of the matplotlib figure at STATIC_SCALE. A figure drawn another way overrides
        this (chapter 3's step-through returns SVG documents drawn in plain Python).
        """
        self.update(**params)
        return self.png(colors=colors, scale=self.STATIC_SCALE), "png", "image/png"

    def static_html(self, colors=48, frames_dir=None, frames_url=None):
        """One HTML player over the grid (no ipywidgets, no network).

        Each frame is a PNG at STATIC_SCALE times the displayed size (shown at 1x through
        the image's width and height), quantized to `colors` colours.

        By default every frame is inlined as a data: URL, so the HTML stands alone. With
        frames_dir and frames_url (the book build passes them through the environment, see
        `frame_store`), each frame is written once as frames_dir/<hash>.png and referenced
        as frames_url/<hash>.png: a page then loads only the frames a reader looks at.
        """
        saved = self.params
        frames_json = {}
        for params in self.grid():
            key = ",".join(str(c.index(params[c.name])) for c in self.controls)
            data, ext, mime = self.static_frame(params, colors=colors)
            if frames_dir is None:
                src = f"data:{mime};base64," + base64.b64encode(data).decode("ascii")
            else:
                name = hashlib.sha256(data).hexdigest()[:20] + "." + ext
                path = os.path.join(frames_dir, name)
                if not os.path.exists(path):
                    with open(path, "wb") as f:
                        f.write(data)
                src = f"{frames_url}/{name}"
            frames_json[key] = {"src": src, "alt": self.alt_text(params)}
        self.update(**saved)
        return _player_html(self, frames_json)

    # display
    def outputs(self):
        """The outputs the cell gets, as a list of (data, metadata) pairs.

        Static: one, the HTML player with the text summary. Live: a hidden CSS rule, the
        fallback (the default frame's PNG, shown at the figure's size, and the text
        summary), the default frame's description in words, then the widget view alone
        (see the module's docstring for why).
        """
        if is_static():
            frames_dir, frames_url = frame_store()
            html_text = self.static_html(frames_dir=frames_dir, frames_url=frames_url)
            return [({"text/html": html_text, "text/plain": self.summary()}, {})]
        width, height = self.size_px()
        fallback = {"image/png": base64.b64encode(self._default_png()).decode("ascii"),
                    "text/plain": self.summary()}
        # JupyterLab shows one type of each output, the PNG: the words get their own.
        words = self.alt_text(self.defaults())
        # Before the cell runs (a saved notebook) there are no controls: say how to get them.
        hint = ("Run this cell for the live figure and its controls ("
                + ", ".join(c.label for c in self.controls) + ").")
        description = {"text/html": f'<p class="bp-desc">{html.escape(words)}</p>'
                                    f"<p><em>{html.escape(hint)}</em></p>",
                       "text/plain": f"{words}\n{hint}"}
        view = {WIDGET_VIEW: self.widget._repr_mimebundle_()[WIDGET_VIEW]}
        return [({"text/html": _STYLE_HTML}, {}),
                (fallback, {"image/png": {"width": width, "height": height}}),
                (description, {}), (view, {})]

    def _repr_mimebundle_(self, include=None, exclude=None):
        # Only the fallback: a single bundle holding a widget view would hide it behind
        # "Loading widget..." once the notebook is saved and reopened.
        return self.outputs()[-1 if is_static() else 1]

    def _default_png(self):
        shown = self.params
        self.update(**self.defaults())
        data = self.png(colors=self.FALLBACK_COLORS, scale=self.LIVE_SCALE)
        self.update(**shown)
        return data

    FALLBACK_COLORS = 64

    def _ipython_display_(self):
        if self._displayed:
            return
        self.display()

    def display(self):
        """Show the figure in the running notebook (live widget or static player)."""
        from IPython.display import display

        self._displayed = True
        if os.environ.get(BENCH_ENV):
            self._record_benchmark(os.environ[BENCH_ENV])
        for data, metadata in self.outputs():
            display(data, metadata=metadata, raw=True)

    def show(self):
        """Display now if running under IPython; return self either way."""
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover
            return self
        if get_ipython() is not None:
            self.display()
        return self

    # timing
    def benchmark(self, settings=None, cold=True, render=True, clock=time.perf_counter):
        """Milliseconds per update over `settings` (default: the grid), one per setting.

        An update is what a slider move costs: compute (after clearing the cache when
        `cold`), draw on the existing artists and, when `render`, the PNG the live view shows.
        clock: time.perf_counter (wall time, the default) or time.process_time (CPU time of
        this process, which other programs competing for the processor do not inflate).
        """
        settings = self.grid() if settings is None else list(settings)
        if cold:
            self.clear_cache()
        self.update(**self.defaults())
        times = []
        for params in settings:
            t0 = clock()
            self.update(**params)
            if render:
                self.png(scale=self.LIVE_SCALE)
            times.append(1e3 * (clock() - t0))
        return np.array(times)


    def _record_benchmark(self, path):
        """Append this figure's timings to the JSON-lines file `path` (for `make bench`).

        Live: every grid setting once, cold cache, compute + draw + the live PNG, in order
        of the grid (each update moves from the previous frame, as a slider does).
        Build: the time the static player takes to compute and render every frame.
        """
        live = self.benchmark(cold=True, render=True)
        self.clear_cache()
        t0 = time.perf_counter()
        self.static_html(frames_dir=None)
        build = time.perf_counter() - t0
        record = {
            "name": f"{self.compute.__module__}.{self.compute.__qualname__}",
            "n": int(live.size), "p50_ms": float(np.percentile(live, 50)),
            "p95_ms": float(np.percentile(live, 95)), "frames": len(self.grid()),
            "build_s": build,
        }
        with open(path, "a") as f:
            f.write(json.dumps(record) + "\n")


def show(compute, draw, controls, joint=(), alt=None, figsize=(7, 3), **kwargs):
    """Make an Interactive figure and show it (live widget, or static player in the book).

    Returns the Interactive object (showing it again as the cell's last value is a no-op).
    Outside IPython nothing is displayed; the object still works (tests, benchmarks).
    """
    return Interactive(compute, draw, controls, joint=joint, alt=alt, figsize=figsize,
                       **kwargs).show()


# --------------------------------------------------------------------------- HTML player

_PLAYER_CSS = """
.bp-player{margin:1em 0;max-width:100%}
.bp-player .bp-controls{display:flex;flex-wrap:wrap;gap:.4em 1.5em;align-items:center;
 margin-bottom:.4em}
.bp-player label{display:inline-flex;gap:.5em;align-items:center;color:inherit}
.bp-player select{color:inherit;background:transparent;border:1px solid currentColor;
 border-radius:3px;padding:.1em .3em}
.bp-player select option{color:#111;background:#fff}
.bp-player output{font-variant-numeric:tabular-nums;min-width:3.5em;display:inline-block}
.bp-player img{max-width:100%;height:auto;display:block;background:#fff}
.bp-player .bp-scroll-hint{display:none;font-size:.85em;font-style:italic;margin:.2em 0 0}
@media (max-width:40rem){.bp-player .bp-frame{overflow-x:auto}
 .bp-player .bp-frame img{max-width:none}.bp-player .bp-frame img.bp-fits{max-width:100%}
 .bp-player .bp-scroll-hint{display:block}
 .bp-player .bp-frame:has(img.bp-fits)+.bp-scroll-hint{display:none}}
.bp-player .bp-state,.bp-player label,.bp-player output{color:inherit!important}
.bp-player .bp-state{font-size:.9em;margin:.3em 0 0;opacity:.85}
.bp-player .bp-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);
 white-space:nowrap}
.bp-player .bp-note{font-size:.85em;font-style:italic;min-height:1.2em;margin:.2em 0}
.bp-player input:focus-visible,.bp-player select:focus-visible{outline:2px solid #E69F00;
 outline-offset:2px}
html[data-theme=dark] .cell_output .text_html:has(>.bp-player),
html[data-theme=dark] .output_area:has(>.bp-player){
 background:var(--pst-color-background)!important;color:var(--pst-color-text-base)!important;
 padding:0!important}
html[data-theme=dark] .bp-player{background:var(--pst-color-background);
 color:var(--pst-color-text-base)}
html[data-theme=dark] .bp-player img{background:#fff!important;padding:0!important;
 border-radius:2px}
"""

# The static player: read the frames, wire the controls, apply the snapping rule of `snap`
# (the reader's moves are remembered, least recent first, in `moved`).
_PLAYER_JS = """
(function(){
var root=document.currentScript.parentNode;
var spec=JSON.parse(root.querySelector('script[type="application/json"]').textContent);
var inputs=spec.controls.map(function(c){
 return root.querySelector('[data-bp-name="'+c.name+'"]');});
var img=root.querySelector('img'),cap=root.querySelector('.bp-state'),
 sr=root.querySelector('.bp-sr'),
 note=root.querySelector('.bp-note'),moved=[];
function idx(){return inputs.map(function(el){return parseInt(el.value,10);});}
function setIdx(v){inputs.forEach(function(el,i){el.value=String(v[i]);label(i);});}
function label(i){var c=spec.controls[i],el=inputs[i];if(c.kind==='choice')return;
 var t=c.labels[parseInt(el.value,10)];el.setAttribute('aria-valuetext',t);
 root.querySelector('output[data-bp-for="'+c.name+'"]').textContent=t;}
function snap(v,changed){
 if(spec.frames[v.join(',')])return v;
 var hist=moved.filter(function(i){return i!==changed;}),
  keep=[changed].concat(hist.slice(-1)),w=v.slice(),order=[];
 spec.controls.forEach(function(c,i){if(hist.indexOf(i)<0)order.push(i);});
 order=order.concat(hist);
 for(var k=0;k<order.length;k++){var i=order[k];if(keep.indexOf(i)>=0)continue;
  w[i]=spec.controls[i].default;if(spec.frames[w.join(',')])break;}
 return w;}
function noteFor(v,w){var n=spec.note,reset=[];
 spec.controls.forEach(function(c,i){if(v[i]!==w[i])reset.push(c.label);});
 if(!reset.length)return '';
 var names=reset.length===1?reset[0]:reset.slice(0,-1).join(', ')+' and '+reset[reset.length-1];
 return n.lead+names+(reset.length===1?n.one:n.many)+n.tail;}
function show(changed){var v=idx(),w=snap(v,changed),f=spec.frames[w.join(',')];
 if(changed>=0){moved=moved.filter(function(i){return i!==changed;});moved.push(changed);}
 setIdx(w);img.src=f.src;img.alt=f.alt;cap.textContent=f.alt;
 if(changed>=0)sr.textContent=f.alt;
 note.textContent=noteFor(v,w);preload(w);}
// Fetch the frames one step away on every control, so the next move shows at once.
function preload(v){spec.controls.forEach(function(c,i){[-1,1].forEach(function(d){
 var w=v.slice();w[i]+=d;if(w[i]<0||w[i]>=c.labels.length)return;
 var f=spec.frames[snap(w,i).join(',')];
 if(f&&f.src.slice(0,5)!=='data:')new Image().src=f.src;
});});}
inputs.forEach(function(el,i){el.addEventListener('input',function(){show(i);});});
setIdx(spec.start);show(-1);
})();
"""

_counter = itertools.count(1)


def _player_html(fig, frames_json):
    controls = fig.controls
    joint = set(fig.joint)
    uid = f"bp-player-{next(_counter)}"
    start = [c.index(c.default) for c in controls]
    spec = {
        "controls": [
            {"name": c.name, "label": c.label, "kind": c.kind,
             "labels": [c.fmt(v) for v in c.values],
             "default": c.index(c.default), "joint": c.name in joint}
            for c in controls
        ],
        "frames": frames_json,
        "start": start,
        "note": SNAP_NOTE,
    }
    parts = [f'<figure class="bp-player" id="{uid}">', f"<style>{_PLAYER_CSS}</style>",
             '<div class="bp-controls">']
    for i, c in enumerate(controls):
        cid = f"{uid}-{c.name}"
        if c.kind == "choice":
            options = "".join(
                f'<option value="{k}"{" selected" if k == start[i] else ""}>'
                f"{html.escape(c.fmt(v))}</option>"
                for k, v in enumerate(c.values))
            parts.append(f'<label for="{cid}">{html.escape(c.label)} '
                         f'<select id="{cid}" data-bp-name="{c.name}">{options}</select></label>')
        else:
            text = html.escape(c.fmt(c.default))
            parts.append(
                f'<label for="{cid}">{html.escape(c.label)} '
                f'<input type="range" id="{cid}" data-bp-name="{c.name}" min="0" '
                f'max="{len(c.values) - 1}" step="1" value="{start[i]}" aria-valuetext="{text}">'
                f'<output data-bp-for="{c.name}" for="{cid}">{text}</output></label>')
    parts.append("</div>")
    first = frames_json[",".join(map(str, start))]
    w = int(round(fig.figsize[0] * fig.dpi))
    h = int(round(fig.figsize[1] * fig.dpi))
    fits = (f' class="bp-fits" data-min-width="{fig.phone_min_width}" '
            f'style="min-width:{fig.phone_min_width}px"' if fig.phone_min_width else "")
    # Focusable, so that a keyboard can scroll it where it is wider than a phone's screen.
    parts.append(f'<div class="bp-frame" tabindex="0" role="group" '
                 f'aria-label="{html.escape(FRAME_LABEL)}"><img src="{first["src"]}" '
                 f'alt="{html.escape(first["alt"])}" width="{w}" height="{h}"{fits}></div>')
    # On a phone the frame keeps its size and scrolls in its box: say so, or the right of it
    # (a legend, the end of a title) is easily missed.
    parts.append(f'<p class="bp-scroll-hint" aria-hidden="true">{SCROLL_HINT}</p>')
    # The frame's description is the image's alt text and, for sighted readers, a line under
    # it; it is not the figure's caption (the numbered caption follows the player). Screen
    # readers hear it once, as the alt text, and each change once, from the hidden live region.
    parts.append(f'<p class="bp-state" aria-hidden="true">{html.escape(first["alt"])}</p>')
    parts.append('<span class="bp-sr" aria-live="polite"></span>')
    parts.append('<p class="bp-note" aria-live="polite"></p>')
    payload = json.dumps(spec, separators=(",", ":")).replace("</", "<\\/")
    parts.append(f'<script type="application/json">{payload}</script>')
    parts.append(f"<script>{_PLAYER_JS}</script>")
    parts.append("</figure>")
    return "".join(parts)
