"""Figures of chapter "Optimizers": SGD, momentum, RMSprop and Adam side by side.

Four interactive figures, each a `Spec` with compute, draw, alt, controls and joint, and
`interactive()` / `show()` as in the other figure modules:

- RACE: the four optimizers at one learning rate on a 2-D surface (an ill-conditioned
  quadratic or Rosenbrock's valley): paths over the contours, and f - f* against the step.
- MOMENTUM: plain SGD against momentum in its two conventions (v = beta v + g, as in
  PyTorch, and the moving average v = beta v + (1 - beta) g of Ng's course) on the
  quadratic, for a learning rate and a beta.
- ADAM: Adam with bias correction (Kingma and Ba) against Adam without bias
  correction and with eps inside the root on f(w) = w^2: the position and each step's length.
- NETWORK: training curves of the four optimizers on two moons, for a learning rate, an
  initialization scheme and an initialization scale.

And one compute function for a static figure: `eps_response`, the step Adam takes for a
steady gradient g, with eps outside or inside the square root.

    from backprop_lib.figures import optimizers as fo
    fo.RACE.show()
    r = fo.RACE.compute(surface="quadratic", lr=0.03)   # the numbers behind one frame

This module imports matplotlib (through backprop_lib.interactive and plots); the
numerical core of backprop_lib never imports it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from .. import interactive as ia
from .. import surfaces
from .._checks import check_choice, check_positive, check_real
from ..data import two_moons
from ..network import Network
from ..optimizers import SGD, Adam, Momentum, RMSprop
from ..plots import BLACK, BLUE, ORANGE, PURPLE, VERMILLION, WARNING_COLOR, sparse_log_ticks
from ..run_cache import memo
from ..train import train
from .notebook import as_image as _as_image
from .notebook import markdown_table  # noqa: F401 - the chapter imports it from here

#: Colour, line style and marker of each optimizer, the same in every figure of the chapter.
#: Okabe-Ito colours far apart in hue and in lightness (black, blue, reddish purple, orange),
#: each with its own dash pattern and marker, so that the lines are told apart in grey and
#: by colour-blind readers too. The captions name them with `style_words`.
STYLES = {
    "SGD": (BLACK, "-", "o"),
    "Momentum": (BLUE, "--", "s"),
    "RMSprop": (PURPLE, "-.", "^"),
    "Adam": (ORANGE, "-", "D"),
}
COLOUR_WORDS = {BLACK: "black", BLUE: "blue", PURPLE: "reddish purple", ORANGE: "orange",
                VERMILLION: "vermillion"}
DASH_WORDS = {"-": "solid", "--": "dashed", "-.": "dash-dotted", ":": "dotted"}
MARKER_WORDS = {"o": "circles", "s": "squares", "^": "triangles", "D": "diamonds",
                "v": "down triangles"}


def style_words(style):
    """How a caption names a style (colour, line style, marker): 'blue, dashed, squares'."""
    colour, ls, marker = style
    return f"{COLOUR_WORDS[colour]}, {DASH_WORDS[ls]}, {MARKER_WORDS[marker]}"


GAP_FLOOR = 1e-10  # f - f* below this is drawn at the floor of the log axis


def four_optimizers(lr, beta=0.9, beta1=0.9, beta2=0.999):
    """Fresh SGD, Momentum, RMSprop and Adam (library defaults otherwise) at one lr."""
    return {"SGD": SGD(lr), "Momentum": Momentum(lr, beta=beta), "RMSprop": RMSprop(lr),
            "Adam": Adam(lr, beta1=beta1, beta2=beta2)}


@dataclass
class Spec:
    """One interactive figure: what `ia.show` needs, kept together."""

    compute: object
    draw: object
    alt: object
    controls: list
    joint: tuple
    figsize: tuple = (7.5, 3.2)

    def interactive(self, **kwargs):
        """The Interactive figure (not displayed): for tests and timing."""
        kwargs.setdefault("figsize", self.figsize)
        return ia.Interactive(self.compute, self.draw, self.controls, joint=self.joint,
                              alt=self.alt, **kwargs)

    def show(self, **kwargs):
        """Show the figure: live controls in a kernel, a static player in the book."""
        kwargs.setdefault("figsize", self.figsize)
        return ia.show(self.compute, self.draw, self.controls, joint=self.joint,
                       alt=self.alt, **kwargs)


# --------------------------------------------------------------------------- paths on a surface


@dataclass
class Paths:
    """Several optimizer runs on one surface: what the RACE and MOMENTUM frames show."""

    surface: surfaces.Surface
    key: str  # which surface, so draw knows when to redraw the contours
    runs: dict  # label -> Trajectory
    styles: dict  # label -> (colour, line style)
    title: str
    params: dict = field(default_factory=dict)

    def diverged(self):
        return {label: tr.stopped_step for label, tr in self.runs.items() if tr.diverged}


#: Steps per surface: enough for the good settings to get close to the minimum.
RACE_STEPS = {"quadratic": 100, "rosenbrock": 500}
CONDITION = 20.0


@memo(maxsize=None)
def race_surface(name):
    """The chapter's surfaces by name: quadratic (condition 20) or rosenbrock."""
    check_choice(name, "surface", set(RACE_STEPS))
    return surfaces.quadratic(CONDITION) if name == "quadratic" else surfaces.rosenbrock()


def race(surface="quadratic", lr=0.03):
    """The four optimizers at the same learning rate from the surface's start."""
    lr = check_positive(lr, "lr")
    s = race_surface(surface)
    runs = {name: surfaces.trajectory(opt, s, steps=RACE_STEPS[surface])
            for name, opt in four_optimizers(lr).items()}
    return Paths(s, surface, runs, STYLES, f"{s.name}, learning rate {lr:g}",
                 dict(lr=lr, surface=surface))


def race_alt(params, r):
    return _paths_alt(r, "SGD, momentum (beta 0.9), RMSprop and Adam")


#: The learning rates of Figures 1 and 3. 0.09 lies in gradient descent's zigzag window on the
#: quadratic, 1 / kappa < lr < 2 / kappa (heavy_ball.gd_zigzag_window): the only rates at
#: which its path bounces across the valley and still converges.
ZIGZAG_GRID = (0.001, 0.003, 0.01, 0.03, 0.09, 0.1, 0.3)

RACE = Spec(
    race, None, race_alt,
    [ia.Choice("surface", ["quadratic", "rosenbrock"], default="quadratic", label="surface"),
     ia.LogSlider("lr", ZIGZAG_GRID, default=0.03,
                  label="learning rate")],
    ("surface", "lr"),
)

MOMENTUM_STYLES = {
    "SGD": STYLES["SGD"],
    "v = beta v + g": STYLES["Momentum"],
    "v = beta v + (1-beta) g": (VERMILLION, ":", "v"),
}


def momentum_paths(lr=0.03, beta=0.9):
    """SGD and both momentum conventions at the same lr and beta, on the quadratic."""
    lr = check_positive(lr, "lr")
    beta = check_real(beta, "beta", low=0.0, high=1.0, high_open=True)
    s = race_surface("quadratic")
    opts = {"SGD": SGD(lr), "v = beta v + g": Momentum(lr, beta=beta),
            "v = beta v + (1-beta) g": Momentum(lr, beta=beta, average=True)}
    runs = {k: surfaces.trajectory(o, s, steps=RACE_STEPS["quadratic"]) for k, o in opts.items()}
    return Paths(s, "quadratic", runs, MOMENTUM_STYLES,
                 f"learning rate {lr:g}, beta {beta:g}", dict(lr=lr, beta=beta))


def momentum_alt(params, r):
    return _paths_alt(r, f"SGD and momentum with beta {params['beta']:g} in both conventions")


MOMENTUM = Spec(
    momentum_paths, None, momentum_alt,
    [ia.LogSlider("lr", ZIGZAG_GRID[1:], default=0.03, label="learning rate"),
     ia.Slider("beta", [0.5, 0.8, 0.9, 0.95, 0.99], default=0.9, label="momentum beta")],
    ("lr", "beta"),
)


def _outcomes(runs, stopped, reached):
    """'name diverges ...' or 'name <reached(run)>' for each run, joined by semicolons."""
    return "; ".join(f"{name} diverges {stopped(run)}" if run.diverged
                     else f"{name} {reached(run)}" for name, run in runs.items())


def _plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _names(names):
    """'A', 'A and B', 'A, B and C'."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def path_outcomes(r):
    """What happened to each run of `r` (a Paths), in words: which runs diverged at which
    step, which ran every step, and how far above the minimum each of those ended."""
    steps = RACE_STEPS[r.key]
    diverged = r.diverged()
    ran = [label for label, tr in r.runs.items() if not tr.diverged]
    gap = {label: f"{r.runs[label].gaps[-1]:.1e}" for label in ran}
    parts = [f"{label} diverged at step {t}" for label, t in diverged.items()]
    if not diverged:
        parts += [f"{label} ends {gap[label]} above the minimum" for label in ran]
    elif len(ran) == 1:
        parts.append(f"{ran[0]} ran all {_plural(steps, 'step')} and ends {gap[ran[0]]} "
                     "above the minimum")
    elif ran:
        ends = ", ".join([f"{ran[0]} ends {gap[ran[0]]} above the minimum"]
                         + [f"{label} {gap[label]}" for label in ran[1:]])
        parts.append(f"{_names(ran)} ran all {_plural(steps, 'step')}: {ends}")
    return "; ".join(parts)


def _paths_alt(r, who):
    where = (f"at learning rate {r.params['lr']:g} from "
             f"({r.surface.start[0]:g}, {r.surface.start[1]:g})")
    if not r.diverged():
        where = f", {_plural(RACE_STEPS[r.key], 'step')} " + where
    else:
        where = " " + where
    return (f"Paths of {who} over the contours of the {r.surface.name} surface{where}: "
            + path_outcomes(r) + ".")


def draw_paths(fig, r, artists):
    """Left: contours and paths; right: f - f* per step on a log axis; the legend in a row
    under both panels, outside the axes, so it never hides a path or a curve."""
    if artists is None:
        left, right = fig.subplots(1, 2, width_ratios=[3, 2])
        right.set_yscale("log")
        right.set_xlabel("step")
        right.set_ylabel("f(w) - f(w*)")
        right.set_ylim(GAP_FLOOR, 1e4)
        left.set_xlabel("$w_1$")
        left.set_ylabel("$w_2$")
        left.grid(False)
        lines, ends, curves = {}, {}, {}
        for i, (label, (colour, ls, marker)) in enumerate(r.styles.items()):
            (lines[label],) = left.plot([], [], ls, color=colour, linewidth=1.4,
                                        marker=".", markersize=2.5, zorder=3 + i / 10)
            # the path's last point, in the optimizer's own marker: tells paths apart in grey
            (ends[label],) = left.plot([], [], marker, color=colour, markersize=6,
                                       markeredgecolor="white", markeredgewidth=0.6,
                                       zorder=6)
            (curves[label],) = right.plot([], [], ls, color=colour, linewidth=1.5,
                                          marker=marker, markersize=4, label=label)
        legend = fig.legend(handles=list(curves.values()), loc="outside lower center",
                            ncols=len(curves), fontsize=8, frameon=False,
                            handlelength=3.2, columnspacing=1.6)
        warning = left.text(0.02, 0.02, "", transform=left.transAxes, color=WARNING_COLOR,
                            fontsize=8, va="bottom", ha="left",
                            bbox=dict(facecolor="white", alpha=0.85, edgecolor="none"))
        title = fig.suptitle("", fontsize=9)
        artists = dict(left=left, right=right, lines=lines, ends=ends, curves=curves,
                       legend=legend, warning=warning, title=title, key=None, contour=None,
                       marks=[])
    a = artists
    if a["key"] != r.key:
        _draw_surface(a, r.surface)
        a["key"] = r.key
    steps = RACE_STEPS[r.key]
    for i, (label, tr) in enumerate(r.runs.items()):
        a["lines"][label].set_data(tr.path[:, 0], tr.path[:, 1])
        a["ends"][label].set_data(tr.path[-1:, 0], tr.path[-1:, 1])
        t = np.arange(len(tr.values))
        curve = a["curves"][label]
        curve.set_data(t, np.maximum(tr.gaps, GAP_FLOOR))
        # about 8 markers along each curve, staggered so that curves lying on top of one
        # another still show every optimizer's marker
        every = max(1, steps // 8)
        curve.set_markevery((i * every // len(r.runs), every))
    a["right"].set_xlim(0, steps)
    div = r.diverged()
    a["warning"].set_text("\n".join(f"{k} diverged at step {t}" for k, t in div.items()))
    a["title"].set_text(r.title)
    return a


def _draw_surface(a, s):
    left = a["left"]
    if a["contour"] is not None:
        a["contour"].remove()
        for mark in a["marks"]:
            mark.remove()
    xx, yy, F = s.grid(120)
    levels = s.best + np.geomspace(1e-2, F.max() - s.best, 14)
    a["contour"] = left.contour(xx, yy, F, levels=levels, colors="#BBBBBB", linewidths=0.7)
    a["marks"] = [  # the minimum: a white star edged in black, a colour no path uses
        left.plot(*s.minimum, "*", color="white", markersize=14, markeredgecolor=BLACK,
                  markeredgewidth=0.8, zorder=7)[0],
        left.plot(*s.start, "o", color=BLACK, markersize=4, zorder=5)[0],
    ]
    x0, x1, y0, y1 = s.extent
    left.set_xlim(x0, x1)
    left.set_ylim(y0, y1)


RACE.draw = draw_paths
MOMENTUM.draw = draw_paths


# --------------------------------------------------------------------------- Adam on w^2

ADAM_STEPS = 80
CORRECTED = "Adam, bias-corrected (Kingma and Ba)"
UNCORRECTED = "Adam without bias correction, eps inside the root"
ADAM_STYLES = {CORRECTED: (ORANGE, "-"), UNCORRECTED: (BLUE, "--")}


@dataclass
class AdamRuns:
    """Both Adams on f(w) = w^2 from w = 1 with the same lr, beta1 and beta2."""

    lr: float
    beta1: float
    beta2: float
    runs: dict  # label -> Trajectory

    def step_ratios(self, label):
        """Each step's length divided by the learning rate."""
        return self.runs[label].steps / self.lr


def adam_square(lr=0.1, beta1=0.9, beta2=0.999):
    """Kingma and Ba's Adam and the uncorrected Adam on f(w) = w^2, ADAM_STEPS steps from w = 1."""
    lr = check_positive(lr, "lr")
    s = surfaces.square()
    opts = {CORRECTED: Adam(lr, beta1=beta1, beta2=beta2),
            UNCORRECTED: Adam(lr, beta1=beta1, beta2=beta2, bias_correction=False,
                          eps_inside=True)}
    runs = {label: surfaces.trajectory(o, s, steps=ADAM_STEPS) for label, o in opts.items()}
    return AdamRuns(lr, float(beta1), float(beta2), runs)


def draw_adam(fig, r, artists):
    """Left: w after each step; right: each step's length divided by the learning rate."""
    if artists is None:
        left, right = fig.subplots(1, 2)
        left.axhline(0.0, color="#888888", linewidth=0.8)
        left.set_xlabel("step")
        left.set_ylabel("$w$  (minimum at 0)")
        left.set_xlim(0, ADAM_STEPS)
        left.set_ylim(-1.6, 1.6)
        right.set_xlabel("step")
        right.set_ylabel("step length / learning rate")
        right.set_xlim(0.5, 20.5)
        lines, sizes = {}, {}
        for label, (colour, ls) in ADAM_STYLES.items():
            shown = label.replace("eps", r"$\epsilon$")  # real notation in the legend
            (lines[label],) = left.plot([], [], ls, color=colour, label=shown)
            (sizes[label],) = right.plot([], [], ls, color=colour, marker="o", markersize=3)
        # under the panels, outside every axes, so it never covers a curve
        fig.legend(handles=list(lines.values()), loc="outside lower center", ncol=2,
                   fontsize=10, frameon=False)
        title = fig.suptitle("", fontsize=9)
        artists = dict(left=left, right=right, lines=lines, sizes=sizes, title=title)
    a = artists
    top = 1.0
    for label, tr in r.runs.items():
        a["lines"][label].set_data(np.arange(len(tr.values)), tr.path[:, 0])
        ratio = r.step_ratios(label)
        a["sizes"][label].set_data(np.arange(1, len(ratio) + 1), ratio)
        top = max(top, float(ratio[:20].max()))
    a["right"].set_ylim(0, 1.1 * top)
    a["title"].set_text(f"$f(w) = w^2$, $\\alpha$ = {r.lr:g}, $\\beta_1$ = {r.beta1:g}, "
                        f"$\\beta_2$ = {r.beta2:g}")
    return a


def adam_alt(params, r):
    good, bad = r.runs[CORRECTED], r.runs[UNCORRECTED]
    return (f"Adam on f(w) = w^2 from w = 1 at learning rate {r.lr:g}, beta1 {r.beta1:g}, "
            f"beta2 {r.beta2:g}. The first step is {r.step_ratios(CORRECTED)[0]:.2f} times "
            f"the learning rate with bias correction and {r.step_ratios(UNCORRECTED)[0]:.2f} "
            f"times without; the largest of the first 20 steps is "
            f"{r.step_ratios(CORRECTED)[:20].max():.2f} against "
            f"{r.step_ratios(UNCORRECTED)[:20].max():.2f} times. The path goes "
            f"{good.overshoot():.3f} past the minimum with bias correction and "
            f"{bad.overshoot():.3f} without.")


ADAM = Spec(
    adam_square, draw_adam, adam_alt,
    [ia.LogSlider("lr", [0.01, 0.03, 0.1, 0.3], default=0.1, label="learning rate"),
     ia.Slider("beta1", [0.5, 0.8, 0.9, 0.95], default=0.9, label="beta1"),
     ia.Slider("beta2", [0.99, 0.999, 0.9999], default=0.999, label="beta2")],
    ("lr", "beta1"),
)


# --------------------------------------------------------------------------- eps in or out


def eps_response(grads, eps=1e-8, beta1=0.9, beta2=0.999):
    """Adam's step divided by lr for a gradient g that stays constant, for each g in grads.

    With bias correction, m_hat = g and v_hat = g^2 exactly at every step when g is
    constant, so one step from zero state is the steady step. Returns a dict:
    "eps outside" (Kingma and Ba): |g| / (|g| + eps); "eps inside": |g| / sqrt(g^2 + eps);
    "uncorrected" (no bias correction, eps inside), whose first step is returned.
    """
    g = np.asarray(grads, dtype=np.float64).reshape(-1)
    variants = {
        "eps outside": dict(eps_inside=False),
        "eps inside": dict(eps_inside=True),
        "uncorrected": dict(eps_inside=True, bias_correction=False),
    }
    out = {}
    for name, options in variants.items():
        w = np.zeros_like(g)
        Adam(lr=1.0, beta1=beta1, beta2=beta2, eps=eps, **options).step({"w": w}, {"dw": g})
        out[name] = np.abs(w)
    return out


# --------------------------------------------------------------------------- a network


NET_EPOCHS = 100
NET_SIZES = [2, 8, 1]


@functools.lru_cache(maxsize=1)
def moons():
    """The training set of the NETWORK figure: 100 points of two moons (seed 0)."""
    return two_moons(m=100, noise=0.15, seed=0)


@dataclass
class NetworkRuns:
    lr: float
    init: str
    scale: float
    histories: dict  # optimizer name -> History


#: Weight seeds over which the chapter reports the network race (the figure shows seed 0).
NET_SEEDS = tuple(range(15))
NET_EARLY = 6  # "the first epochs": where the top rates' spike happens
NUDGE = 1e-12  # relative change of the initial W1 in `nudge_effect`: rounding-sized
#: The versions of each run over which `regime_over_nudges` counts: W1 times (1 + k NUDGE)
#: for each k (0: the weights as drawn). A count over chaotic runs is one draw; its range
#: over these versions is what another CPU's rounding may print.
NET_NUDGES = tuple(range(16))
SPIKE = 2.0  # a run "still spikes" when its loss exceeds this in the last half of the epochs
SETTLED = 0.05  # a run "settles" when its loss stays below this over the last half


@memo(maxsize=4096)
def network_run(name, lr, init="xavier", scale=1.0, seed=0, nudge=0.0):
    """History of one optimizer training the 2-8-1 network (tanh, sigmoid, bce) on moons().

    Cached (the table, the regime and the figure share runs): treat the History as read-only.

    `nudge` multiplies the initial W1 by (1 + nudge): a change in the 12th digit when it is
    NUDGE, about what another CPU's rounding does to a run, to tell chaos from a trend.
    """
    lr = check_positive(lr, "lr")
    X, Y = moons()
    net = Network(NET_SIZES, activations=["tanh", "sigmoid"], loss="bce", init=init,
                  init_scale=scale, seed=seed)
    if nudge:
        net.params["W1"] *= 1.0 + check_real(nudge, "nudge")
    return train(net, X, Y, optimizer=four_optimizers(lr)[name], epochs=NET_EPOCHS, seed=0,
                 on_divergence="ignore")


def network_race(lr=0.1, init="xavier", scale=1.0, seed=0):
    """Train the same 2-8-1 network (tanh, sigmoid, bce) with each optimizer at one lr.

    No setting of the NETWORK grid diverges, for any of NET_SEEDS: the tanh layer bounds the
    output by the sum of |W2| and |b2|, which grows by a bounded step per epoch. At lr 3
    RMSprop's loss spikes to tens in the first epochs and seldom settles; where it ends is
    chaotic (see `spike_regime`, `regime_over_nudges` and `nudge_effect`, chapter
    "Optimizers").
    """
    lr = check_positive(lr, "lr")
    histories = {name: network_run(name, lr, init, scale, seed) for name in STYLES}
    return NetworkRuns(lr, init, float(scale), histories)


@dataclass
class Regime:
    """One optimizer at one lr over several initializations and seeds, one entry per run."""

    lr: float
    early_peak: np.ndarray  # the largest loss in the first NET_EARLY epochs
    tail_peak: np.ndarray  # the largest loss in the last half of the epochs
    final: np.ndarray  # the loss after the last epoch
    diverged: np.ndarray
    init: np.ndarray = None  # the initialization of each run
    nudge: float = 0.0  # W1 was multiplied by 1 + nudge

    @property
    def runs(self):
        return len(self.final)

    @property
    def spiking(self):
        """Runs whose loss still exceeds SPIKE in the last half of the epochs."""
        return self.tail_peak > SPIKE

    @property
    def settled(self):
        """Runs whose loss stays below SETTLED over the whole last half of the epochs."""
        return self.tail_peak < SETTLED

    def finals(self, init):
        """The final losses of the runs from `init`."""
        return self.final[self.init == init]


def spike_regime(lr=3.0, name="RMSprop", inits=("small", "xavier", "he"), seeds=NET_SEEDS,
                 nudge=0.0):
    """How `name` behaves at `lr` over every init and seed: spike, tail and end of each run
    (from W1 times 1 + nudge)."""
    hs = [network_run(name, lr, init, seed=s, nudge=nudge) for init in inits for s in seeds]
    half = NET_EPOCHS // 2
    return Regime(float(lr), np.array([h.loss[:NET_EARLY].max() for h in hs]),
                  np.array([h.loss[half:].max() for h in hs]),
                  np.array([h.final_loss for h in hs]), np.array([h.diverged for h in hs]),
                  np.array([init for init in inits for _ in seeds]), float(nudge))


def regime_over_nudges(lr=3.0, name="RMSprop", inits=("small", "xavier", "he"),
                       seeds=NET_SEEDS, nudges=NET_NUDGES):
    """`spike_regime` of the weights as drawn and of each nudged copy (W1 times
    1 + k NUDGE for k in `nudges`), one Regime per version.

    Where the loss is chaotic, a count (how many runs still spike, end above chance, ...) or
    a mean over the seeds is one draw from what rounding allows: report its range over the
    versions, and claim only what holds in every version.
    """
    return [spike_regime(lr, name, inits, seeds, nudge=k * NUDGE) for k in nudges]


def span(values, fmt="{:g}"):
    """'lo-hi' of `values` (one number when all agree), each formatted with `fmt`."""
    lo, hi = fmt.format(min(values)), fmt.format(max(values))
    return lo if lo == hi else f"{lo}-{hi}"


def nudge_effect(lr, name="RMSprop", init="xavier", seeds=NET_SEEDS, nudge=NUDGE):
    """|final loss - final loss with W1 nudged by a factor 1 + nudge|, one entry per seed."""
    return np.array([abs(network_run(name, lr, init, seed=s).final_loss
                         - network_run(name, lr, init, seed=s, nudge=nudge).final_loss)
                     for s in seeds])


def draw_network(fig, r, artists):
    """Loss per epoch of each optimizer (log axis), divergence written in the figure."""
    if artists is None:
        ax = fig.subplots()
        ax.set_yscale("log")
        ax.set_xlim(0, NET_EPOCHS)
        ax.set_ylim(1e-3, 100)  # RMSprop's spike at the top rates (about 30) stays in view
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss (BCE)")
        sparse_log_ticks(ax)  # fewer minor ticks: cheaper redraws
        curves = {}
        for i, (name, (colour, ls, marker)) in enumerate(STYLES.items()):
            (curves[name],) = ax.plot([], [], ls, color=colour, label=name, marker=marker,
                                      markersize=4, markevery=(3 * i, 12))
        fig.legend(handles=list(curves.values()), loc="outside lower center", fontsize=8,
                   ncols=len(curves), frameon=False, handlelength=3.2, columnspacing=1.6)
        warning = ax.text(0.98, 0.97, "", transform=ax.transAxes, color=WARNING_COLOR,
                          fontsize=8, ha="right", va="top")
        title = ax.set_title("")
        artists = dict(ax=ax, curves=curves, warning=warning, title=title)
    a = artists
    for name, h in r.histories.items():
        a["curves"][name].set_data(np.arange(1, len(h.loss) + 1), h.loss)
    a["warning"].set_text("\n".join(f"{name} diverged in epoch {h.stopped_epoch}"
                                     for name, h in r.histories.items() if h.diverged))
    a["title"].set_text(f"2-8-1 network on two moons: learning rate {r.lr:g}, "
                        f"{r.init} initialization, scale {r.scale:g}")
    return a


def network_alt(params, r):
    parts = _outcomes(r.histories, lambda h: f"in epoch {h.stopped_epoch}",
                      lambda h: f"reaches {h.final_loss:.3f}")
    return (f"Training loss over {NET_EPOCHS} epochs of a 2-8-1 network on two moons, "
            f"learning rate {r.lr:g}, {r.init} initialization at scale {r.scale:g}: "
            + parts + ".")


NETWORK = Spec(
    network_race, draw_network, network_alt,
    [ia.LogSlider("lr", [0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0], default=0.1,
                  label="learning rate"),
     ia.Choice("init", ["small", "xavier", "he"], default="xavier", label="initialization"),
     ia.Slider("scale", [0.5, 1.0, 2.0], default=1.0, label="init scale")],
    ("lr", "init"),
)


# --------------------------------------------------------------------------- static figure, tables


def eps_figure(grads=None):
    """Figure: Adam's steady step / lr against the gradient size, eps outside vs inside."""
    from .. import plots

    g = np.geomspace(1e-10, 1.0, 121) if grads is None else np.asarray(grads, dtype=np.float64)
    r = eps_response(g)
    fig = plots.figure((7, 3.4))
    ax = fig.subplots()
    styles = {
        "eps outside": (ORANGE, "-", r"$\epsilon$ outside: $\hat m/(\sqrt{\hat v}+\epsilon)$"),
        "eps inside": (BLUE, "--", r"$\epsilon$ inside: $\hat m/\sqrt{\hat v+\epsilon}$"),
    }
    for name, (colour, ls, label) in styles.items():
        ax.plot(g, r[name], ls, color=colour, label=label)
    ax.set_xscale("log")
    ax.set_xlabel("size of a steady gradient $|g|$")
    ax.set_ylabel("step length / learning rate")
    ax.set_ylim(-0.05, 1.1)
    ax.axvline(1e-8, color="#888888", linewidth=0.8, linestyle=":")
    ax.axvline(1e-4, color="#888888", linewidth=0.8, linestyle=":")
    ax.text(1e-8, 1.02, r" $\epsilon$", fontsize=10, color="#555555")
    ax.text(1e-4, 1.02, r" $\sqrt{\epsilon}$", fontsize=10, color="#555555")
    fig.legend(loc="outside lower center", ncol=2, fontsize=10, frameon=False)
    return fig


def constant_gradient_steps(at, g=1.0, **adam_options):
    """Length of Adam's step t (for each t in `at`) divided by lr, under a constant gradient g.

    With bias correction it is |g| / (|g| + eps), close to 1 at every step; without it,
    (1 - beta1^t) / sqrt(1 - beta2^t) when eps is negligible: Adam without bias correction.
    """
    at = sorted(int(t) for t in at)
    opt = Adam(lr=1.0, **adam_options)
    w = np.zeros(1)
    grad = {"dw": np.full(1, float(g))}
    out, previous = {}, 0.0
    for t in range(1, at[-1] + 1):
        opt.step({"w": w}, grad)
        if t in at:
            out[t] = float(abs(w[0] - previous))
        previous = float(w[0])
    return out


def race_table(surface="quadratic", lrs=(0.001, 0.003, 0.01, 0.03, 0.1, 0.3)):
    """Rows (lr, then f - f* after the run for each optimizer, or 'diverged at step t')."""
    rows = []
    for lr in lrs:
        r = race(surface, lr)
        rows.append([f"{lr:g}"] + [f"diverges (step {tr.stopped_step})" if tr.diverged
                                   else f"{tr.gaps[-1]:.1e}" for tr in r.runs.values()])
    return rows


def network_finals(lrs=(0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0), init="xavier", scale=1.0,
                   seeds=NET_SEEDS):
    """{lr: {optimizer: final losses over the seeds}}, np.inf where a run diverged."""
    out = {}
    for lr in lrs:
        out[lr] = {name: [] for name in STYLES}
        for seed in seeds:
            for name, h in network_race(lr, init, scale, seed).histories.items():
                out[lr][name].append(np.inf if h.diverged else h.final_loss)
        out[lr] = {name: np.array(v) for name, v in out[lr].items()}
    return out


def network_edge(names=("SGD", "Momentum"), lrs=(1.0, 3.0, 10.0, 30.0), init="xavier",
                 scale=1.0, seeds=NET_SEEDS):
    """{name: {lr: final losses over the seeds}} for learning rates around and above the
    table's top (chapter "Optimizers"): where SGD's and momentum's best lies when the
    table's grid stops at its best."""
    return {name: {lr: np.array([network_run(name, float(lr), init, scale, seed).final_loss
                                 for seed in seeds]) for lr in lrs} for name in names}


def network_table(lrs=(0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0), init="xavier", scale=1.0,
                  seeds=NET_SEEDS):
    """Rows (lr, then 'mean (min-max)' of the final loss over the seeds per optimizer) and
    each optimizer's best lr by that mean: {name: (lr, mean)}.

    Where the loss settles, the mean over the seeds and the range are what a reader can rely
    on. Where it does not (RMSprop at lr 3), one seed's final loss is chaotic: a change in
    the last bits of rounding moves it anywhere between near zero and several times chance,
    and with it the cell's mean and range (`regime_over_nudges` measures by how much): only
    that regime is reliable there, not the cell's digits. RMSprop at lr 1 is mildly
    sensitive too (its mean moves in the second or third digit).
    """
    finals = network_finals(lrs, init, scale, seeds)
    rows, best = [], {}
    for lr, per in finals.items():
        cells = []
        for name, f in per.items():
            if not np.isfinite(f).all():
                cells.append(f"diverges in {np.sum(~np.isfinite(f))} of {len(f)} runs")
                continue
            cells.append(f"{f.mean():.3f} ({f.min():.3f}-{f.max():.3f})")
            if name not in best or f.mean() < best[name][1]:
                best[name] = (lr, float(f.mean()))
        rows.append([f"{lr:g}"] + cells)
    return rows, best


def momentum_vs_sgd(finals, beta=0.9):
    """{lr: mean final loss of Momentum at lr / that of SGD at lr / (1 - beta)}, for each lr
    of `finals` (from network_finals) whose partner is in the grid too: near 1 when momentum
    behaves as SGD with a 1 / (1 - beta) times larger rate."""
    grid = {round(lr, 9): lr for lr in finals}
    out = {}
    for lr in finals:
        partner = grid.get(round(lr / (1 - beta), 9))
        if partner is not None:
            out[lr] = float(finals[lr]["Momentum"].mean() / finals[partner]["SGD"].mean())
    return out


def as_image(fig, dpi=80):
    """The figure as an IPython PNG Image at this chapter's resolution (see figures.notebook)."""
    return _as_image(fig, dpi)



def tuned_figure(steps=None):
    """Figure: the worst f - f* over the last fifth of the run (heavy_ball.tail_gap) against
    the learning rate, each optimizer on a fine grid (heavy_ball.tuned_gaps), on the
    quadratic (left) and Rosenbrock's valley (right). A learning rate at which a run
    diverged has no point."""
    from .. import heavy_ball, plots

    steps = RACE_STEPS if steps is None else steps
    fig = plots.figure((8, 3.6))
    axes = fig.subplots(1, 2)
    lrs = np.asarray(heavy_ball.TUNE_GRID)
    handles = []
    for ax, surface in zip(axes, ("quadratic", "rosenbrock"), strict=True):
        gaps = heavy_ball.tuned_gaps(surface, steps[surface])
        for name, g in gaps.items():
            colour, ls, marker = STYLES[name]
            shown = np.where(np.isfinite(g), np.maximum(g, GAP_FLOOR), np.nan)
            (h,) = ax.plot(lrs, shown, ls, color=colour, marker=marker, markersize=3,
                           markevery=6, label=name)
            if surface == "quadratic":
                handles.append(h)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(r"learning rate $\alpha$")
        title = (r"quadratic, $\kappa$ = 20, " if surface == "quadratic"
                 else "Rosenbrock, ") + f"{steps[surface]} steps"
        ax.set_title(title, fontsize=10)
    axes[0].set_ylabel(r"worst $f - f(w^\ast)$, last fifth")
    fig.legend(handles=handles, loc="outside lower center", ncol=4, fontsize=10, frameon=False)
    return fig
