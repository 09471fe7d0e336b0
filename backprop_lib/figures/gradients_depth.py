"""Figures of chapter "Vanishing and exploding gradients".

A deep, narrow network (width 16) fits y = sin(3x) (`backprop_lib.data.regression_1d`) with
the half squared error, so the loss stays finite even when the weights are huge. Three
figures, each a pure compute function (cached by the interactive layer), a draw function
that updates its artists in place, an alt text, and `*_interactive()` / `show_*()`:

- DEPTH: per-layer gradient norms ||dW{l}|| at initialization, and the training loss, for
  an activation, an initialization scheme and scale, a depth, a learning rate, and plain or
  residual connections.
- CLIPPING: an exploding ReLU network trained with and without clipping by norm (for a
  threshold, a learning rate, an initialization), and what the same clipping does to the
  per-layer norms of a vanishing sigmoid network (it scales them all by one factor, so
  their first/last ratio does not change).
- `residual_figure()`: a static figure, per-layer gradient norms of plain and residual
  networks of the same size.

This module imports matplotlib through backprop_lib.interactive and plots.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from matplotlib.text import Text
from matplotlib.ticker import LogLocator, MaxNLocator, MultipleLocator

from .. import diagnostics, plots
from .. import interactive as ia
from ..activations import get as get_activation
from ..clipping import clip_by_norm, global_norm
from ..data import regression_1d
from ..initializers import weight_std
from ..network import Network
from ..optimizers import SGD
from ..residual import ResidualNetwork
from ..run_cache import memo
from ..train import train
from . import notebook

WIDTH = 16
EPOCHS = 100
CLIP_EPOCHS = 60  # the clipped run levels off within 20 epochs; 100 only cost every frame more
NORM_FLOOR = 1e-30  # a norm below this is drawn at the floor of the log axis
HEADROOM = 0.22  # the top of a panel with a legend or a note above its curves stays free
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")
INITS = ("small", "lecun", "xavier", "he")


@functools.lru_cache(maxsize=1)
def dataset():
    """The chapter's data: 64 points of y = sin(3x) + noise on [-1, 1] (seed 0)."""
    return regression_1d(m=64, noise=0.1, seed=0)


def deep_net(activation="sigmoid", init="xavier", scale=1.0, depth=10, residual=False,
             width=WIDTH, seed=0, branch_scale=1.0):
    """A network [1, width, ..., width, 1] with `depth` layers: `activation` in the
    depth - 1 hidden layers, identity at the output, half squared error loss.
    residual=True: the same sizes as a ResidualNetwork (skips around hidden layers 2..L-1).
    branch_scale multiplies the weights of every residual branch (its W{l}); with zero
    biases and a ReLU branch that is the branch's output times branch_scale (the branch
    scaling of Fixup and SkipInit, chapter "Vanishing and exploding gradients").
    """
    branch_scale = float(branch_scale)
    if not branch_scale >= 0:
        raise ValueError(f"branch_scale must be a number >= 0; got {branch_scale!r}")
    sizes = [1] + [width] * (depth - 1) + [1]
    cls = ResidualNetwork if residual else Network
    net = cls(sizes, [activation] * (depth - 1) + ["identity"], loss="half_mse",
              init=init, init_scale=scale, seed=seed)
    if residual and branch_scale != 1.0:
        for l in net.residual_layers:
            net.params[f"W{l}"] *= branch_scale
    return net


SEEDS = (0, 1, 2, 3, 4)  # a claim that depends on the draw is reported over these


@dataclass(frozen=True)
class LayerFactors:
    """What one deep network does to the gradient at initialization, layer by layer."""

    factors: np.ndarray  # ||dA{l-1}|| / ||dA{l}|| over the hidden layers, l = depth-1 .. 2
    output_factor: float  # ||dA{depth-1}|| / ||dA{depth}||: the linear output layer's, apart
    geometric_mean: float  # the typical hidden factor, exp(mean(log factors))
    product: float  # the product of the hidden factors, ||dA1|| / ||dA{depth-1}||
    ratio: float  # ||dW1|| / ||dW{depth}||


def layer_factors(activation="sigmoid", init="xavier", scale=1.0, depth=10, seed=0):
    """The backward factors of `deep_net(activation, init, scale, depth, seed=seed)` on
    `dataset()`, the hidden layers' apart from the output layer's (which has no f' in it:
    with one output unit it is ||W{depth}|| exactly)."""
    X, Y = dataset()
    net = deep_net(activation, init, scale, depth, seed=seed)
    f = diagnostics.backward_factors(net, X, Y)
    hidden = f[1:]
    norms = diagnostics.layer_gradient_norms(net, X, Y)
    return LayerFactors(hidden, float(f[0]), float(np.exp(np.mean(np.log(hidden)))),
                        float(np.prod(hidden)), float(diagnostics.first_last_ratio(norms)))


@memo(maxsize=64)
def factors_over_seeds(activation="sigmoid", init="xavier", scale=1.0, depth=10, seeds=SEEDS):
    """layer_factors for each seed of `seeds`, as a tuple."""
    return tuple(layer_factors(activation, init, scale, depth, seed=s) for s in seeds)


@dataclass(frozen=True)
class NormProfile:
    """The forward and backward signal of one network at initialization."""

    forward: np.ndarray  # ||A{l}||, l = 0 .. L
    backward: np.ndarray  # ||dA{l}||, l = 1 .. L
    weights: np.ndarray  # ||dW{l}||, l = 1 .. L
    loss: float  # the loss at initialization


@memo(maxsize=64)
def norm_profile(activation="relu", init="he", scale=1.0, depth=10, residual=False,
                 branch_scale=1.0, seed=0):
    """||A{l}||, ||dA{l}|| and ||dW{l}|| of `deep_net(...)` on `dataset()`."""
    X, Y = dataset()
    net = deep_net(activation, init, scale, depth, residual=residual, seed=seed,
                   branch_scale=branch_scale)
    return NormProfile(diagnostics.activation_norms(net, X), diagnostics.backward_norms(net, X, Y),
                       diagnostics.layer_gradient_norms(net, X, Y), float(net.loss(X, Y)))


def variance_step(activation="tanh", init="lecun", n=512, m=4096, in_var=1.0, seed=0):
    """One wide layer, measured against the variance argument of the chapter.

    Inputs a ~ N(0, in_var) of shape (n, m) are fed through W (n x n, the scheme's std):
    returns dict with E[a^2] of the layer's input, n Var(w), the predicted Var(z) = n Var(w)
    E[a^2] and the measured Var(z), the output's E[f(z)^2], and for a backward vector g of
    unit variance the measured Var(W^T (g * f'(z))) against n Var(w) E[f'(z)^2].
    """
    rng = np.random.default_rng(seed)
    std = weight_std(init, n, n)
    W = rng.standard_normal((n, n)) * std
    a = rng.standard_normal((n, m)) * np.sqrt(in_var)
    z = W @ a
    f = get_activation(activation)
    out = f(z)
    slope = f.derivative(z, out)
    g = rng.standard_normal((n, m))
    back = W.T @ (g * slope)
    return dict(mean_sq_in=float(np.mean(a ** 2)), n_var_w=float(n * std ** 2),
                var_z_predicted=float(n * std ** 2 * np.mean(a ** 2)), var_z=float(np.var(z)),
                mean_sq_out=float(np.mean(out ** 2)),
                var_back_predicted=float(n * std ** 2 * np.mean(slope ** 2)),
                var_back=float(np.var(back)))


def _fmt_norm(x):
    return f"{x:.2g}"


#: Axis labels and notes in the book's notation, as matplotlib mathtext.
NORM_LABEL = r"$\|dW^{[l]}\|$"


def ratio_label(L):
    """The first/last ratio ||dW1|| / ||dW{L}|| as mathtext."""
    return rf"$\|dW^{{[1]}}\| \,/\, \|dW^{{[{L}]}}\|$"


# Places for a note, in axes fractions: (x, y, horizontal and vertical alignment).
UPPER_LEFT, UPPER_RIGHT = (0.03, 0.96, "left", "top"), (0.97, 0.96, "right", "top")
LOWER_LEFT, LOWER_RIGHT = (0.03, 0.04, "left", "bottom"), (0.97, 0.04, "right", "bottom")
CENTER, CENTER_RIGHT = (0.5, 0.5, "center", "center"), (0.97, 0.5, "right", "center")
UPPER_CENTER = (0.5, 0.96, "center", "top")


class FreeNote(Text):
    """A note that, each time it is drawn, sits at the first of its places (axes fractions)
    where it lies inside its axes and crosses no line and no legend of them.

    The curves of a player move from frame to frame, so a note fixed in one place ends up
    on a curve in some frame; this one moves out of the way. Where no place is free it takes
    the one that covers the fewest points of the curves.
    """

    PAD_PT = 4.0  # clearance around the text, in points (about a marker's radius)

    def __init__(self, ax, places, **kwargs):
        x, y, ha, va = places[0]
        super().__init__(x, y, "", transform=ax.transAxes, ha=ha, va=va, **kwargs)
        self.places = list(places)
        self.cost = None  # (outside the axes, on the legend, points of curves covered)
        ax._add_text(self)

    def _curve_points(self):
        """The axes' visible lines in display pixels, 16 points on every segment."""
        out = []
        for line in self.axes.get_lines():
            xy = np.asarray(line.get_xydata(), dtype=float)
            if not line.get_visible() or len(xy) == 0:
                continue
            xy = line.get_transform().transform(xy)
            xy = xy[np.all(np.isfinite(xy), axis=1)]
            if len(xy) > 1:
                t = np.linspace(0.0, 1.0, 16)[:, None, None]
                xy = (xy[:-1] + t * (xy[1:] - xy[:-1])).reshape(-1, 2)
            out.append(xy)
        return np.concatenate(out) if out else np.empty((0, 2))

    def _place(self, renderer):
        points = self._curve_points()
        frame = self.axes.get_window_extent(renderer)
        legend = self.axes.get_legend()
        legend_box = legend.get_window_extent(renderer) if legend is not None else None
        pad = renderer.points_to_pixels(self.PAD_PT)
        best = None
        for place in self.places:
            x, y, ha, va = place
            self.set_position((x, y))
            self.set_horizontalalignment(ha)
            self.set_verticalalignment(va)
            box = self.get_window_extent(renderer).padded(pad)
            hits = int(np.count_nonzero((points[:, 0] >= box.x0) & (points[:, 0] <= box.x1)
                                        & (points[:, 1] >= box.y0) & (points[:, 1] <= box.y1)))
            inside = (box.x0 >= frame.x0 - pad and box.x1 <= frame.x1 + pad
                      and box.y0 >= frame.y0 - pad and box.y1 <= frame.y1 + pad)
            on_legend = legend_box is not None and box.overlaps(legend_box)
            cost = (not inside, on_legend, hits)
            self.cost = cost
            if cost == (False, False, 0):
                return
            if best is None or cost < best[0]:
                best = (cost, place)
        self.cost, (x, y, ha, va) = best
        self.set_position((x, y))
        self.set_horizontalalignment(ha)
        self.set_verticalalignment(va)

    def draw(self, renderer):
        if self.get_visible() and self.get_text():
            self._place(renderer)
        super().draw(renderer)


# --------------------------------------------------------------------------- DEPTH


@dataclass
class DepthResult:
    norms: np.ndarray  # ||dW{l}|| at initialization, l = 1..L
    ratio: float  # norms[0] / norms[-1]
    loss: np.ndarray  # training loss per epoch
    diverged: bool
    stopped_epoch: int | None
    label: str


def depth_compute(activation="tanh", init="xavier", scale=1.0, depth=10, lr=0.03,
                  connection="plain", epochs=EPOCHS):
    """Per-layer gradient norms at initialization, then `epochs` of full-batch SGD.
    connection: "plain" (Network) or "residual" (ResidualNetwork, same sizes and weights)."""
    X, Y = dataset()
    net = deep_net(activation, init, scale, int(depth), residual=connection == "residual")
    norms = diagnostics.layer_gradient_norms(net, X, Y)
    hist = train(net, X, Y, SGD(lr), epochs=epochs, on_divergence="ignore")
    label = f"{activation}, {init} x {scale:g}, {int(depth)} layers" + (
        ", residual" if connection == "residual" else "")
    return DepthResult(norms, diagnostics.first_last_ratio(norms), hist.loss, hist.diverged,
                       hist.stopped_epoch, label)


def log_ylim(ax, values, floor=NORM_FLOOR, headroom=0.0):
    """Fit a log y axis to the positive values (those below `floor` count as `floor`).

    headroom: the fraction of the axis kept free above the data, for a legend or a note.
    """
    v = np.maximum(np.asarray(values, dtype=float), floor)
    lo, hi = v.min(), v.max()
    bottom, top = np.floor(np.log10(lo)) - 0.2, np.ceil(np.log10(hi)) + 0.2
    top += headroom * (top - bottom) / (1.0 - headroom)
    ax.set_ylim(10 ** bottom, 10 ** top)


def loss_panel(ax, epochs, title="", places=None):
    """Set up `ax` for a training loss on a log axis: returns (line, message text), the
    message in the warning colour (for "diverged in epoch ..."), centred in the panel, or
    a FreeNote at the first free one of `places`."""
    ax.set_yscale("log")
    ax.set_ylim(1e-3, 1.0)
    ax.set_xlim(0, epochs)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.set_title(title)
    (line,) = ax.plot([], [], color=plots.ORANGE)
    if places is not None:
        return line, FreeNote(ax, places, color=plots.WARNING_COLOR)
    msg = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center",
                  color=plots.WARNING_COLOR)
    return line, msg


def depth_draw(fig, r, artists):
    if artists is None:
        ax1, ax2 = fig.subplots(1, 2)
        ax1.set_yscale("log")
        ax1.set_ylim(1e-3, 1.0)
        ax1.set_xlabel("layer $l$")
        ax1.set_ylabel(NORM_LABEL + " at initialization")
        (norm_line,) = ax1.plot([], [], "o-", color=plots.BLUE)
        ratio_text = FreeNote(ax1, [UPPER_LEFT, UPPER_RIGHT, LOWER_RIGHT, LOWER_LEFT, CENTER],
                              fontsize=8)
        loss_line, msg = loss_panel(ax2, EPOCHS, r"full-batch SGD on $y = \sin 3x$",
                                    places=[CENTER, CENTER_RIGHT, UPPER_RIGHT, LOWER_RIGHT])
        plots.sparse_log_ticks(ax1, ax2)
        # fewer major ticks, as in the clipping figure: cheaper to redraw, as readable
        ax1.yaxis.set_major_locator(LogLocator(numticks=5))
        ax2.yaxis.set_major_locator(LogLocator(numticks=5))
        ax2.xaxis.set_major_locator(MultipleLocator(25))
        artists = dict(ax1=ax1, ax2=ax2, norm=norm_line, ratio=ratio_text, loss=loss_line,
                       msg=msg)
    a = artists
    L = len(r.norms)
    a["norm"].set_data(np.arange(1, L + 1), np.maximum(r.norms, NORM_FLOOR))
    a["ax1"].set_xlim(0.5, L + 0.5)
    log_ylim(a["ax1"], r.norms, headroom=HEADROOM)
    a["ax1"].set_title(r.label)
    a["ratio"].set_text(f"{ratio_label(L)} = {_fmt_norm(r.ratio)}")
    a["loss"].set_data(np.arange(len(r.loss)), r.loss)
    if len(r.loss):
        log_ylim(a["ax2"], r.loss, floor=1e-6)
    a["msg"].set_text(f"diverged in epoch {r.stopped_epoch}:\nthe loss blew up" if r.diverged
                      else "")
    return artists


def depth_alt(params, r):
    L = len(r.norms)
    text = (f"{r.label}: gradient norms at initialization run from {_fmt_norm(r.norms[0])} "
            f"in layer 1 to {_fmt_norm(r.norms[-1])} in layer {L} "
            f"(ratio {_fmt_norm(r.ratio)}). ")
    if r.diverged:
        return (text + f"With learning rate {params['lr']:g} training diverged in epoch "
                f"{r.stopped_epoch}.")
    return (text + f"With learning rate {params['lr']:g} the loss goes from {r.loss[0]:.3f} to "
            f"{r.loss[-1]:.3f} in {len(r.loss)} epochs.")


DEPTH_CONTROLS = [
    ia.LogSlider("lr", [0.003, 0.01, 0.03, 0.1, 0.3], default=0.03, label="learning rate"),
    ia.Choice("init", list(INITS), default="xavier", label="initialization"),
    ia.Slider("scale", [0.5, 1.0, 1.5, 2.0], default=1.0, label="init scale"),
    ia.Choice("activation", list(ACTIVATIONS), default="tanh", label="activation"),
    ia.Slider("depth", [4, 10, 20], default=10, label="layers"),
    ia.Choice("connection", ["plain", "residual"], default="plain", label="connections"),
]
DEPTH_JOINT = ("lr", "init")


DEPTH = dict(compute=depth_compute, draw=depth_draw, controls=DEPTH_CONTROLS, joint=DEPTH_JOINT,
             alt=depth_alt, figsize=(7.5, 3.2))
depth_interactive = functools.partial(notebook.interactive, DEPTH)
show_depth = functools.partial(notebook.show, DEPTH)


# --------------------------------------------------------------------------- CLIPPING


@dataclass
class ClipResult:
    plain: np.ndarray  # loss per epoch without clipping
    plain_stop: int | None  # epoch of divergence, or None
    clipped: np.ndarray
    clipped_stop: int | None
    vanish_before: np.ndarray  # per-layer ||dW{l}|| of the sigmoid net
    vanish_after: np.ndarray  # the same after clip_by_norm at the threshold
    threshold: float


@memo(maxsize=64)
def _run(lr, init, scale, threshold, seed=0):
    X, Y = dataset()
    net = deep_net("relu", init, scale, 10, seed=seed)
    h = train(net, X, Y, SGD(lr), epochs=CLIP_EPOCHS, clip_norm=threshold,
              on_divergence="ignore")
    return h.loss, (h.stopped_epoch if h.diverged else None)


CLIP_LRS = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1)  # the grid on which each is tuned
CLIP_THRESHOLDS = (1.0, 3.0, 10.0, 30.0, 100.0)
# what clip_tuned finds on these grids (held by tests/test_claims_vanishing_exploding.py):
TUNED_PLAIN_LR = 3e-4  # the unclipped network's best learning rate
TUNED_CLIP = (100.0, 0.03)  # the best (threshold, learning rate) with clipping


def clip_final_losses(lr, threshold=None, init="he", scale=1.5, seeds=SEEDS):
    """The final training loss of the exploding ReLU network (clipped at `threshold`, or
    not when None) for each seed of `seeds`; inf where training diverged."""
    out = []
    for seed in seeds:
        loss, stop = _run(lr, init, scale, threshold, seed)
        out.append(np.inf if stop is not None else float(loss[-1]))
    return np.array(out)


def clip_tuned(threshold=None, lrs=CLIP_LRS, init="he", scale=1.5, seeds=SEEDS):
    """(lr, losses): the learning rate of `lrs` with the lowest mean final loss over
    `seeds` (a diverged seed counts as inf), and those losses."""
    runs = [(lr, clip_final_losses(lr, threshold, init, scale, seeds)) for lr in lrs]
    return min(runs, key=lambda r: r[1].mean())


def clipped_norms(net, X, Y, threshold):
    """Per-layer ||dW{l}|| of `net` at (X, Y), before and after clip_by_norm(threshold)."""
    grads = net.gradients(X, Y)
    after = clip_by_norm(grads, threshold)
    before = np.array([np.linalg.norm(grads[f"dW{l}"]) for l in range(1, net.L + 1)])
    after = np.array([np.linalg.norm(after[f"dW{l}"]) for l in range(1, net.L + 1)])
    return before, after, global_norm(grads)


def clipping_compute(threshold=1.0, lr=0.01, init="he", scale=1.5):
    """A 10-layer ReLU network trained with and without clipping at `threshold`, and the
    per-layer norms of a 10-layer sigmoid network (same init) before and after clipping."""
    plain, plain_stop = _run(lr, init, scale, None)
    clipped, clipped_stop = _run(lr, init, scale, threshold)
    X, Y = dataset()
    before, after, _ = clipped_norms(deep_net("sigmoid", init, scale, 10), X, Y, threshold)
    return ClipResult(plain, plain_stop, clipped, clipped_stop, before, after, threshold)


def clipping_draw(fig, r, artists):
    if artists is None:
        ax1, ax2 = fig.subplots(1, 2)
        ax1.set_yscale("log")
        ax1.set_ylim(1e-3, 1.0)
        ax1.set_xlim(0, CLIP_EPOCHS)
        ax1.set_xlabel("epoch")
        ax1.set_ylabel("training loss")
        ax1.set_title("ReLU, 10 layers: exploding")
        (p,) = ax1.plot([], [], color=plots.BLACK, label="no clipping")
        (c,) = ax1.plot([], [], color=plots.ORANGE, label="clipped")
        # Each curve's outcome is its legend entry ("no clipping: diverged in epoch 4"): the
        # legend sits in the headroom above the curves, where a note cannot cover one.
        legend = ax1.legend(loc="upper right", fontsize=8)
        ax2.set_yscale("log")
        ax2.set_ylim(1e-3, 1.0)
        ax2.set_xlabel("layer $l$")
        ax2.set_ylabel(NORM_LABEL)
        ax2.set_title("sigmoid, 10 layers: vanishing")
        (b,) = ax2.plot([], [], "o-", color=plots.BLUE, label="before clipping")
        (a,) = ax2.plot([], [], "s--", color=plots.ORANGE, label="after clipping")
        ax2.legend(loc="lower right", fontsize=8)
        ratio = FreeNote(ax2, [UPPER_LEFT, UPPER_RIGHT, UPPER_CENTER, CENTER], fontsize=8)
        plots.sparse_log_ticks(ax1, ax2)
        # Fewer major ticks (a label every other decade over a wide range): each tick is
        # several artists, and this figure redraws two wide log axes at every move.
        ax1.yaxis.set_major_locator(LogLocator(numticks=5))
        ax2.yaxis.set_major_locator(LogLocator(numticks=5))
        ax1.xaxis.set_major_locator(MaxNLocator(nbins=4))
        artists = dict(ax1=ax1, ax2=ax2, p=p, c=c, legend=legend.get_texts(),
                       legend_color=legend.get_texts()[0].get_color(), b=b, a=a, ratio=ratio)
    a = artists
    a["p"].set_data(np.arange(len(r.plain)), r.plain)
    a["c"].set_data(np.arange(len(r.clipped)), r.clipped)
    shown = np.concatenate([r.plain, r.clipped])
    if shown.size:
        log_ylim(a["ax1"], shown, floor=1e-6, headroom=HEADROOM)
    for text, name, stop in zip(a["legend"], ("no clipping", "clipped"),
                                (r.plain_stop, r.clipped_stop), strict=True):
        text.set_text(name if stop is None else f"{name}: diverged in epoch {stop}")
        text.set_color(a["legend_color"] if stop is None else plots.WARNING_COLOR)
    layers = np.arange(1, len(r.vanish_before) + 1)
    a["b"].set_data(layers, np.maximum(r.vanish_before, NORM_FLOOR))
    a["a"].set_data(layers, np.maximum(r.vanish_after, NORM_FLOOR))
    a["ax2"].set_xlim(0.5, len(layers) + 0.5)
    log_ylim(a["ax2"], np.concatenate([r.vanish_before, r.vanish_after]), headroom=HEADROOM)
    rb = diagnostics.first_last_ratio(r.vanish_before)
    ra = diagnostics.first_last_ratio(r.vanish_after)
    a["ratio"].set_text(f"{ratio_label(len(layers))}:\n{_fmt_norm(rb)} before, "
                        f"{_fmt_norm(ra)} after")
    return artists


def _outcome(loss, stop):
    if stop is not None:
        return f"diverges in epoch {stop}"
    return f"reaches loss {loss[-1]:.3f}"


def clipping_alt(params, r):
    before = _fmt_norm(diagnostics.first_last_ratio(r.vanish_before))
    after = _fmt_norm(diagnostics.first_last_ratio(r.vanish_after))
    return (f"Learning rate {params['lr']:g}, {params['init']} x {params['scale']:g}: without "
            f"clipping the ReLU network {_outcome(r.plain, r.plain_stop)}; clipped at "
            f"{r.threshold:g} it {_outcome(r.clipped, r.clipped_stop)}. The sigmoid network's "
            f"first/last gradient ratio is {before} before clipping and {after} after.")


CLIPPING_CONTROLS = [
    ia.LogSlider("threshold", [0.1, 0.3, 1.0, 3.0, 10.0, 30.0], default=1.0,
                 label="clipping threshold"),
    ia.LogSlider("lr", [0.001, 0.003, 0.01, 0.03, 0.1], default=0.01, label="learning rate"),
    ia.Choice("init", ["lecun", "xavier", "he"], default="he", label="initialization"),
    ia.Slider("scale", [1.0, 1.5, 2.0], default=1.5, label="init scale"),
]
CLIPPING_JOINT = ("threshold", "lr")


CLIPPING = dict(compute=clipping_compute, draw=clipping_draw, controls=CLIPPING_CONTROLS,
                joint=CLIPPING_JOINT, alt=clipping_alt, figsize=(7.5, 3.2))
clipping_interactive = functools.partial(notebook.interactive, CLIPPING)
show_clipping = functools.partial(notebook.show, CLIPPING)


# --------------------------------------------------------------------------- RESIDUAL


def residual_norms(activation, init, scale=1.0, depth=10):
    """(plain norms, residual norms): per-layer ||dW{l}|| at initialization of a plain
    and a residual network with the same sizes, activation, initialization and seed."""
    X, Y = dataset()
    plain = diagnostics.layer_gradient_norms(deep_net(activation, init, scale, depth), X, Y)
    res = diagnostics.layer_gradient_norms(
        deep_net(activation, init, scale, depth, residual=True), X, Y)
    return plain, res


def residual_figure(cases=(("sigmoid", "xavier"), ("tanh", "small")), depth=10):
    """A static figure: one panel per (activation, init), plain against residual."""
    fig = plots.figure((7.5, 3.0))
    with plots.style():
        axes = fig.subplots(1, len(cases))
        for ax, (act, init) in zip(np.atleast_1d(axes), cases, strict=True):
            plain, res = residual_norms(act, init, depth=depth)
            layers = np.arange(1, depth + 1)
            ax.semilogy(layers, np.maximum(plain, NORM_FLOOR), "o-", color=plots.BLUE,
                        label="plain")
            ax.semilogy(layers, np.maximum(res, NORM_FLOOR), "s--", color=plots.ORANGE,
                        label="residual")
            ax.set_title(f"{act}, {init} init, {depth} layers")
            ax.set_xlabel("layer $l$")
            ax.set_ylabel(NORM_LABEL + " at initialization")
        # one legend under the panels, outside every axes, so it covers no curve
        handles, labels = np.atleast_1d(axes)[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=len(labels), frameon=False)
    return fig


#: The cases of the forward/backward figure: (label, activation, init scale, residual,
#: branch scale), all with He weights, and how each is drawn (colour, marker, line).
SIGNAL_CASES = (
    ("plain, He", "relu", 1.0, False, 1.0, plots.BLUE, "o", "-"),
    ("plain, He $\\times$ 1.5", "relu", 1.5, False, 1.0, plots.VERMILLION, "^", "--"),
    ("residual, $\\kappa = 1$", "relu", 1.0, True, 1.0, plots.ORANGE, "s", "-."),
    ("residual, $\\kappa = 1/\\sqrt{8}$", "relu", 1.0, True, 1 / np.sqrt(8), plots.GREEN, "D",
     ":"),
)


def signal_figure(cases=SIGNAL_CASES, depth=10):
    """A static figure: the forward norms ||A{l}|| (left) and the backward norms ||dA{l}||
    (right) of ReLU networks at initialization, one line per case, the legend below."""
    fig = plots.figure((7.5, 3.4))
    with plots.style():
        ax1, ax2 = fig.subplots(1, 2)
        layers = np.arange(1, depth + 1)
        for label, act, scale, residual, alpha, color, marker, ls in cases:
            p = norm_profile(act, "he", scale, depth, residual=residual, branch_scale=alpha)
            style = dict(color=color, marker=marker, linestyle=ls, label=label)
            ax1.semilogy(layers[:-1], p.forward[1:-1], **style)
            ax2.semilogy(layers[:-1], p.backward[:-1], **style)
        ax1.set_ylabel(r"forward $\|A^{[l]}\|$")
        ax2.set_ylabel(r"backward $\|dA^{[l]}\|$")
        ax1.set_title("the signal, input to output")
        ax2.set_title("the gradient, output to input")
        for ax in (ax1, ax2):
            ax.set_xlabel("hidden layer $l$")
            ax.xaxis.set_major_locator(MultipleLocator(2))
        handles, labels = ax1.get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=len(labels), frameon=False)
    return fig


def mean_slope(activation="tanh", init="xavier", scale=1.0, depth=10, seed=0):
    """The mean local slope f'(Z{l}) over the hidden layers of `deep_net(...)` on `dataset()`:
    near 0 when large weights drive the units into saturation."""
    X, Y = dataset()
    net = deep_net(activation, init, scale, depth, seed=seed)
    net.forward(X)
    f = get_activation(activation)
    return float(np.mean([np.mean(f.derivative(net.cache["Z"][l], net.cache["A"][l]))
                          for l in range(1, net.L)]))


BN_DEPTHS = (5, 10, 20, 40)
BN_INPUTS = 16  # a 16-D input: with one input every first-layer unit is +-x normalized


def batchnorm_data(seed=0, n_inputs=BN_INPUTS, m=64):
    """(X, Y): m standard normal inputs of dimension n_inputs and targets, from `seed`."""
    rng = np.random.default_rng([seed, 5])
    return rng.standard_normal((n_inputs, m)), rng.standard_normal((1, m))


def batchnorm_weights(activation, depth, seed=0, n_inputs=BN_INPUTS):
    """The weights W1..W{depth} of the batch-norm network (He for ReLU, Xavier otherwise)."""
    init = "he" if activation in diagnostics.RECTIFIERS else "xavier"
    rng = np.random.default_rng([seed, 6])
    sizes = [n_inputs] + [WIDTH] * (depth - 1) + [1]
    return [rng.standard_normal((sizes[l + 1], sizes[l])) * weight_std(init, sizes[l], sizes[l + 1])
            for l in range(depth)]


def batchnorm_backward_norms(activation="relu", depth=10, seed=0, batch_statistics=True):
    """||dA{l}||, l = 1 .. depth-1, at initialization of a plain network with batch
    normalization (gamma = 1, beta = 0) before every hidden activation, on
    `batchnorm_data(seed)`. batch_statistics=False is the ablation: the backward pass
    treats the batch mean and standard deviation as constants, so each layer divides the
    gradient by the batch standard deviation and does nothing else."""
    X, Y = batchnorm_data(seed)
    Ws = batchnorm_weights(activation, depth, seed)
    f = get_activation(activation)
    A, cache = X, []
    for W in Ws[:-1]:
        Z = W @ A
        sd = np.sqrt(Z.var(axis=1, keepdims=True) + 1e-5)  # eps as in BatchNormNetwork
        Zhat = (Z - Z.mean(axis=1, keepdims=True)) / sd
        A = f(Zhat)
        cache.append((Zhat, sd, A))
    dA = Ws[-1].T @ ((Ws[-1] @ A - Y) / X.shape[1])  # half squared error, mean over m
    norms = []
    for W, (Zhat, sd, A) in zip(Ws[-2::-1], cache[::-1], strict=True):
        norms.append(np.linalg.norm(dA))
        g = dA * f.derivative(Zhat, A)
        if batch_statistics:  # the terms through the batch mean and variance
            g = g - g.mean(axis=1, keepdims=True) - Zhat * (g * Zhat).mean(axis=1, keepdims=True)
        dA = W.T @ (g / sd)
    return np.array(norms[::-1])


@memo(maxsize=128)
def batchnorm_growth(activation="relu", depth=10, seed=0, batch_statistics=True):
    """||dA1|| / ||dA{depth-1}|| of `batchnorm_backward_norms(...)`: how much the gradient
    grows over the hidden layers on its way to the input (Yang et al. 2019 predict growth
    exponential in depth)."""
    b = batchnorm_backward_norms(activation, depth, seed, batch_statistics)
    return float(b[0] / b[-1])


def batchnorm_gain_predicted(activation, n=200_001):
    """sqrt(E[f'(z)^2] / Var f(z)) for z ~ N(0, 1): the growth of the gradient's norm per
    batch-normalized layer that dividing by the batch standard deviation predicts (>= 1 by
    the Gaussian Poincare inequality); pi / (pi - 1) under the root for ReLU."""
    f = get_activation(activation)
    z = np.linspace(-10, 10, n)
    w = np.exp(-z ** 2 / 2)
    w /= w.sum()
    a = f(z)
    var = np.sum(w * a ** 2) - np.sum(w * a) ** 2
    return float(np.sqrt(np.sum(w * f.derivative(z, a) ** 2) / var))
