"""The book's shared look: colours, figure size and style, decision boundaries.

Every figure in every chapter uses these so that the book reads as one piece:

- `PALETTE` and the named colours: the Okabe-Ito palette, which readers with the common
  forms of colour blindness can tell apart (Okabe and Ito, "Color Universal Design", 2008).
- `figure(figsize)`: a matplotlib Figure with an opaque white background, so that it stays
  readable when the book is shown in its dark theme. It is made without pyplot, so it is
  never shown twice in a notebook and never kept alive by pyplot's figure manager.
- `decision_grid(predict, X)`: the predictions of a model over a grid covering the data,
  for decision-boundary plots (chapters "The algorithm for L layers" and after).

This module imports matplotlib; the numerical core of backprop_lib never imports it.
"""

from __future__ import annotations

import numpy as np
from cycler import cycler
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator

# Okabe-Ito, in its usual order.
BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
SKY = "#56B4E9"
YELLOW = "#F0E442"
BLACK = "#000000"
PALETTE = (BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, YELLOW, BLACK)

#: Two classes: blue for class 0, orange for class 1 (as in the decision-boundary plots).
CLASS_COLORS = (BLUE, ORANGE)
#: A diverging map between the two class colours through white, for predicted probabilities;
#: missing values (NaN, e.g. after divergence) show light grey.
CLASS_CMAP = LinearSegmentedColormap.from_list(
    "backprop_classes", [BLUE, "#FFFFFF", ORANGE]).with_extremes(bad="#DDDDDD")
#: Colour of warnings written inside a figure (divergence, clipping).
WARNING_COLOR = VERMILLION

STYLE = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.edgecolor": "#333333",
    "axes.labelcolor": "#111111",
    "text.color": "#111111",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.6,
    "font.size": 9,
    "axes.titlesize": 10,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
}


def figure(figsize=(7, 3), dpi=80):
    """A new Figure in the book's style, with an Agg canvas attached (no pyplot involved).

    The style is applied through `matplotlib.rc_context` while the figure is made; the
    figure's own white background keeps it readable on the dark theme.
    """
    import matplotlib

    figsize = _check_figsize(figsize)
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=figsize, dpi=dpi, facecolor="white", layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def style():
    """A context manager that applies the book's style: `with plots.style(): ...`."""
    import matplotlib

    return matplotlib.rc_context(STYLE)


class SparseLogMinorLocator(LogLocator):
    """Minor ticks (2..9 x 10^k) of a log axis only while it spans at most `max_decades`.

    Below about one decade they carry the labels (matplotlib labels minor ticks only
    there); over wider ranges they are unlabelled marks, dozens of them over many decades,
    and drawing them is most of the cost of redrawing an interactive figure (each tick is
    several artists), so the labelled major ticks alone mark those axes.
    """

    def __init__(self, max_decades=1.0):
        super().__init__(10.0, "auto")
        self.max_decades = float(max_decades)

    def tick_values(self, vmin, vmax):
        if vmin > 0 and vmax > 0 and abs(np.log10(vmax / vmin)) > self.max_decades:
            return np.array([])
        return super().tick_values(vmin, vmax)


def sparse_log_ticks(*axes):
    """Give every log-scaled x or y axis of `axes` a `SparseLogMinorLocator` (call it after
    set_xscale/set_yscale("log"), which install matplotlib's default locators)."""
    for ax in axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() == "log":
                axis.set_minor_locator(SparseLogMinorLocator())


def decision_grid(predict, X, n=60, margin=0.25):
    """Evaluate `predict` over an n x n grid that covers the 2-D points X (shape (2, m)).

    predict: a function of an array of shape (2, n*n) (examples are columns) that returns
    shape (1, n*n) or (n*n,), for example `net.forward`. Returns (xx, yy, P) with P of shape
    (n, n), ready for `ax.contourf(xx, yy, P)` or `ax.imshow(P, extent=...)`.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] != 2:
        raise ValueError(f"X must have shape (2, m), points as columns; got shape {X.shape}")
    if not callable(predict):
        raise TypeError(f"predict must be callable; got {type(predict).__name__}")
    lo = X.min(axis=1) - margin
    hi = X.max(axis=1) + margin
    xs = np.linspace(lo[0], hi[0], n)
    ys = np.linspace(lo[1], hi[1], n)
    xx, yy = np.meshgrid(xs, ys)
    P = np.asarray(predict(np.stack([xx.ravel(), yy.ravel()])))
    if P.size != n * n:
        raise ValueError(f"predict must return one value per grid point ({n * n}); "
                         f"got shape {P.shape}")
    return xx, yy, P.reshape(n, n)


#: The smallest text a figure may show, in CSS pixels as displayed (the book's rule).
MIN_TEXT_PX = 10


def raise_small_text(fig, dpi=None, min_px=MIN_TEXT_PX):
    """Raise every text of `fig` that would show smaller than `min_px` CSS pixels.

    dpi: the figure's displayed resolution (None: its own). Figures set small sizes for
    legends and notes (6 to 8 pt), which at 80 dpi show at 7-9 CSS pixels: too small to
    read, blurrier still on a phone. Returns how many texts were raised.
    """
    from matplotlib.text import Text

    floor_pt = min_px * 72 / (dpi or fig.dpi)
    raised = 0
    for text in fig.findobj(Text):
        if text.get_text() and text.get_fontsize() < floor_pt - 1e-9:
            text.set_fontsize(floor_pt)
            raised += 1
    return raised


def _check_figsize(figsize):
    try:
        w, h = (float(v) for v in figsize)
    except (TypeError, ValueError):
        raise TypeError("figsize must be a pair (width, height) in inches; "
                        f"got {figsize!r}") from None
    if not (w > 0 and h > 0 and np.isfinite(w) and np.isfinite(h)):
        raise ValueError(f"figsize must be two positive finite numbers; got {figsize!r}")
    return (w, h)
