"""Figures of chapter "Why gradients": random search against gradient descent.

- `cosine_figure(study)`: the mean cos^2 between random directions and a gradient against
  the number of parameters P, on log-log axes, beside the line 1/P.
- `scaling_figure(studies)`: loss evaluations to reach a target against P, for random
  search and for gradient descent (its gradients counted in forward-pass equivalents),
  one panel per task, with fitted power laws.
- The interactive race (`compute`, `draw`, `alt`, `CONTROLS`, `JOINT`, `show()`): both
  methods on the teacher task from the same start; controls for the learning rate of
  gradient descent, the initialization (scheme and scale) and the number of inputs n_in
  (which sets P).

The numbers come from `backprop_lib.search`; this module only draws them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .. import interactive as ia
from .. import search
from ..plots import BLACK, BLUE, ORANGE, WARNING_COLOR, figure, sparse_log_ticks
from ..run_cache import memo
from . import notebook
from .notebook import as_image, markdown_table  # noqa: F401 - the chapter imports them from here

#: The learning rates, initializations, scales and input sizes of the interactive race.
CONTROLS = [
    ia.LogSlider("lr", [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0], default=0.3, label="learning rate"),
    ia.Choice("init", ["small", "xavier", "he"], default="xavier", label="initialization"),
    ia.Slider("scale", [0.5, 1.0, 2.0], default=1.0, label="init scale"),
    ia.Slider("n_in", [2, 8, 32], default=8, label="inputs n_in"),
]
JOINT = ("lr", "init")

#: Budgets of the interactive race (both capped, so that every frame computes quickly).
MAX_EVALS = 4000
MAX_STEPS = 300


#: Legends and notes: 9 pt, which shows at 10 CSS pixels at the figures' 80 dpi.
LEGEND_PT = 9


def image(fig):
    """The figure as an IPython PNG Image, for myst-nb's glue (see figures.notebook)."""
    return as_image(fig)


def fmt_slope(slope) -> str:
    """A fitted slope with two decimals (never "-0.00")."""
    text = f"{slope:.2f}"
    return "0.00" if text == "-0.00" else text


def _loglog(ax, xlabel, ylabel):
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)


def label_log_ticks(*axes):
    """Label enough ticks on every log axis of `axes`, as plain numbers (5, 10, 20, 50 ...).

    Call it after the data is drawn (it reads the axis limits). An axis spanning up to about
    two decades gets labels at 1, 2 and 5 times each power of ten, up to three and a half at
    1 and 3 times, wider ones at the powers of ten; the other log ticks stay unlabelled marks.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    plain = FuncFormatter(lambda v, _: f"{v:g}")
    for ax in axes:
        for axis, lim in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            if axis.get_scale() != "log":
                continue
            decades = abs(np.log10(lim[1] / lim[0]))
            subs = (1.0, 2.0, 5.0) if decades <= 2.2 else (1.0, 3.0) if decades <= 3.5 else (1.0,)
            axis.set_major_locator(LogLocator(10.0, subs=subs))
            axis.set_major_formatter(plain)
            axis.set_minor_formatter(NullFormatter())


def _fit_line(ax, x, y, color, label):
    slope, intercept = search.fit_slope(x, y)
    xs = np.geomspace(np.min(x), np.max(x), 20)
    ax.plot(xs, 10 ** intercept * xs ** slope, color=color, linewidth=1, linestyle="--",
            label=f"{label}: slope {fmt_slope(slope)}")
    return slope


def cosine_figure(study):
    """Mean cos^2 (with +-2 standard errors) against P, and the line 1/P."""
    fig = figure((7, 3))
    ax = fig.subplots()
    P = study["P"]
    ax.errorbar(P, study["mean"], yerr=2 * study["stderr"], fmt="o", color=ORANGE,
                markersize=5, label=r"measured mean of $\cos^2$")
    ax.plot(P, 1.0 / P, color=BLACK, linewidth=1, label=r"$1/P$")
    _fit_line(ax, P, study["mean"], ORANGE, "fitted")
    _loglog(ax, r"number of parameters $P$", r"mean $\cos^2$")
    label_log_ticks(ax)
    ax.legend(loc="lower left", fontsize=LEGEND_PT)
    return fig


def scaling_figure(studies):
    """Evaluations to target against P: one panel per (title, study) pair of `studies`
    (medians over seeds, with bars from the smallest to the largest count when given)."""
    fig = figure((7.5, 3.2))
    axes = fig.subplots(1, len(studies), sharey=True, squeeze=False)[0]
    for ax, (title, st) in zip(axes, studies, strict=True):
        P = st["P"]
        for key, marker, color, label in (("random", "o", ORANGE, "random search"),
                                          ("gradient_forward", "s", BLUE, "gradient descent")):
            if f"{key}_lo" in st:  # the bar spans the seeds' smallest to largest count
                yerr = [st[key] - st[f"{key}_lo"], st[f"{key}_hi"] - st[key]]
                ax.errorbar(P, st[key], yerr=yerr, fmt=marker, color=color, capsize=2,
                            markersize=5, label=label)
            else:
                ax.plot(P, st[key], marker, color=color, label=label)
        _fit_line(ax, P, st["random"], ORANGE, "random")
        _fit_line(ax, P, st["gradient_forward"], BLUE, "gradient")
        _loglog(ax, r"number of parameters $P$", "")
        ax.set_title(title)
        ax.legend(loc="lower right", fontsize=LEGEND_PT)
    # room below the lowest bar, so that the legends sit under every curve and bar
    low = min(np.min(st.get("gradient_forward_lo", st["gradient_forward"])) for _, st in studies)
    high = max(np.max(st.get("random_hi", st["random"])) for _, st in studies)
    axes[0].set_ylim(low / 100, high * 1.5)
    label_log_ticks(*axes)
    axes[0].set_ylabel("forward passes to target")
    return fig


# --------------------------------------------------------------------------- the interactive race


@dataclass(frozen=True)
class RaceFrame:
    """One frame: the two loss curves (relative to the start) against cost in forward passes."""

    lr: float
    init: str
    scale: float
    n_in: int
    race: search.Race

    @property
    def random_cost(self):
        return np.arange(1, len(self.race.random.losses) + 1, dtype=float)

    @property
    def gradient_cost(self):
        n = len(self.race.gradient.losses)
        return np.arange(1, n + 1, dtype=float) * self.race.gradient_cost

    def relative(self, losses):
        return np.asarray(losses) / self.race.initial_loss


@memo(maxsize=64)
def compute(lr=0.3, init="xavier", scale=1.0, n_in=8):
    """Race both methods on the teacher task with n_in inputs (seed 0)."""
    r = search.race(int(n_in), lr=float(lr), init=init, init_scale=float(scale), seed=0,
                    max_evals=MAX_EVALS, max_steps=MAX_STEPS)
    return RaceFrame(float(lr), init, float(scale), int(n_in), r)


def _outcome(result, cost_per_eval, name):
    if result.diverged:
        return f"{name}: diverged (learning rate too large)"
    if result.evals is None:
        return f"{name}: target not reached within the budget"
    return f"{name}: target after {result.evals * cost_per_eval:.0f} forward passes"


def draw(fig, f, artists):
    """Draw frame f on fig (first call) or update the artists made then."""
    if artists is None:
        ax = fig.subplots()
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(1, 1.5 * MAX_EVALS)
        ax.set_ylim(1e-2, 3)
        ax.set_xlabel("cost in forward passes (loss evaluations)")
        ax.set_ylabel("loss / starting loss")
        (rs,) = ax.plot([], [], color=ORANGE, label="random search")
        # gradient descent above random search, a little thicker: when it diverges its
        # curve is a stub of a few steps, which must not hide under the orange one
        (gd,) = ax.plot([], [], color=BLUE, linewidth=2.6, zorder=3, label="gradient descent")
        target = ax.axhline(1, color=BLACK, linestyle=":", linewidth=1, label="target")
        ax.legend(loc="lower left", fontsize=LEGEND_PT)
        title = ax.set_title("")
        note = ax.text(0.98, 0.96, "", transform=ax.transAxes, ha="right", va="top",
                       fontsize=LEGEND_PT, color=BLACK)
        # where gradient descent stopped: a cross, and "diverged" written just above it
        (end,) = ax.plot([], [], "X", color=WARNING_COLOR, markersize=12,
                         markeredgecolor="white", zorder=6)
        warn = ax.annotate("", xy=(1, 1), xycoords="data", xytext=(0, 9),
                           textcoords="offset points", ha="center", va="bottom",
                           fontsize=LEGEND_PT + 1, color=WARNING_COLOR, fontweight="bold")
        sparse_log_ticks(ax)
        artists = dict(ax=ax, rs=rs, gd=gd, target=target, title=title, note=note, warn=warn,
                       end=end)
    a, r = artists, f.race
    a["rs"].set_data(f.random_cost, np.clip(f.relative(r.random.losses), 1e-3, 1e3))
    gd_losses = f.relative(r.gradient.losses) if len(r.gradient.losses) else np.array([])
    gd_cost, gd_shown = f.gradient_cost, np.clip(gd_losses, 1e-3, 1e3)
    a["gd"].set_data(gd_cost, gd_shown)
    a["target"].set_ydata([r.target / r.initial_loss] * 2)
    a["title"].set_text(rf"$P = {r.P}$ parameters ($n_\mathrm{{in}} = {f.n_in}$), "
                        rf"init {f.init} $\times$ {f.scale:g}, learning rate $\alpha = {f.lr:g}$")
    a["note"].set_text(_outcome(r.random, 1, "random search") + "\n"
                       + _outcome(r.gradient, r.gradient_cost, "gradient descent"))
    diverged = bool(r.gradient.diverged and len(gd_shown))
    if diverged:  # the last point drawn, kept inside the axes
        stop = (float(gd_cost[-1]), float(min(gd_shown[-1], 0.8 * a["ax"].get_ylim()[1])))
        a["end"].set_data([stop[0]], [stop[1]])
        a["warn"].xy = stop
    else:
        a["end"].set_data([], [])
    a["warn"].set_text("diverged" if diverged else "")
    a["warn"].set_visible(diverged)
    return a


def alt(params, f):
    """The frame in words (alt text and caption)."""
    r = f.race
    return (f"Loss relative to its start against the cost in forward passes (log axes) for "
            f"random search and gradient descent on a network with P = {r.P} parameters, "
            f"initialization {f.init} scaled by {f.scale:g}, learning rate {f.lr:g}. "
            f"{_outcome(r.random, 1, 'Random search')}; "
            f"{_outcome(r.gradient, r.gradient_cost, 'gradient descent')}.")


SPEC = dict(compute=compute, draw=draw, controls=CONTROLS, joint=JOINT, alt=alt,
            figsize=(7, 3.2))
# The Interactive figure, not yet shown (tests and timing call it), and the figure shown:
# live controls in a kernel, a static player in the book (see figures.notebook).
interactive = functools.partial(notebook.interactive, SPEC)
show = functools.partial(notebook.show, SPEC)
