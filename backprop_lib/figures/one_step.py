"""The worked 2-2-1 example: the loss after one and after k SGD steps against the learning rate.

Chapter "The worked 2-2-1 example" computes one forward pass, one backward pass and one SGD step by
hand for a 2-2-1 sigmoid network with weights set by hand and a single example
(x = [0.5, 0.8], y = 1, loss half_mse). This figure asks what that step does at other
learning rates:

- left: the loss before the step (dashed), after one step and after k steps, for learning
  rates from 0.01 to 100 on a log axis, with the chosen learning rate marked;
- right: the loss after each of the k steps at the chosen learning rate.

    from backprop_lib.figures import one_step
    one_step.show()                      # controls: learning rate (log) and k
    r = one_step.compute(lr=0.5, k=10)   # the numbers behind one frame
    s = one_step.target_sweep(0.8)       # the control: one step, a target inside (0, 1)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from matplotlib.ticker import NullFormatter

from .. import interactive as ia
from .. import optimizers
from .._checks import check_int, check_positive
from ..plots import BLACK, BLUE, ORANGE
from ..run_cache import memo
from . import notebook
from . import worked_example as _we

#: The chapter's 2-2-1 example (defined once, in backprop_lib.figures.worked_example).
X = np.array(_we.SETUP["X"])
Y = np.array(_we.SETUP["Y"])
PARAMS = {k: np.array(_we.SETUP[k]) for k in ("W1", "b1", "W2", "b2")}
CHAPTER_LR = _we.SETUP["lr"]

#: The learning rates of the curves (log-spaced) and the most steps the figure takes.
SWEEP_LRS = np.logspace(-2, 2, 49)
MAX_STEPS = 100

CONTROLS = [
    ia.LogSlider("lr", [0.01, 0.03, 0.1, 0.5, 1.0, 3.0, 10.0, 30.0, 100.0], default=CHAPTER_LR,
                 label="learning rate"),
    ia.Slider("k", [1, 3, 10, 30, 100], default=10, label="steps k"),
]
JOINT = ("lr", "k")


def worked_network():
    """A fresh 2-2-1 sigmoid network (half_mse) holding the hand-set initial parameters."""
    return _we.worked_network()[0]


def sgd_losses(lr, steps):
    """Losses of the worked example before and after each of `steps` SGD steps at `lr`.

    Returns an array of steps + 1 losses: entry s is the loss after s steps.
    """
    lr = check_positive(lr, "lr")
    steps = check_int(steps, "steps", low=0)
    net, opt = worked_network(), optimizers.SGD(lr=lr)
    losses = np.empty(steps + 1)
    with np.errstate(over="ignore", under="ignore"):
        for s in range(steps):
            losses[s], grads = net.loss_and_gradients(X, Y)
            opt.step(net.params, grads)
        losses[steps] = net.loss(X, Y)
    return losses


@memo(maxsize=4)
def _sweep(steps):
    """Loss after 0..steps SGD steps for every learning rate of SWEEP_LRS: (len, steps+1)."""
    table = np.stack([sgd_losses(lr, steps) for lr in SWEEP_LRS])
    table.flags.writeable = False
    return table


@dataclass(frozen=True)
class OneStep:
    """What one frame shows (all losses are half_mse of the single example)."""

    lr: float
    k: int
    sweep_lrs: np.ndarray  # learning rates of the curves
    after_one: np.ndarray  # loss after one step, per sweep learning rate
    after_k: np.ndarray  # loss after k steps, per sweep learning rate
    path: np.ndarray  # loss after 0..k steps at lr

    @property
    def before(self):
        return float(self.path[0])

    @property
    def loss_after_one(self):
        return float(self.path[1])

    @property
    def loss_after_k(self):
        return float(self.path[-1])


def compute(lr=CHAPTER_LR, k=10):
    """The curves (loss after 1 and after k steps against the learning rate) and the path."""
    lr = check_positive(lr, "lr")
    k = check_int(k, "k", low=1)
    table = _sweep(max(k, MAX_STEPS))
    return OneStep(lr=lr, k=k, sweep_lrs=SWEEP_LRS, after_one=table[:, 1], after_k=table[:, k],
                   path=sgd_losses(lr, k))


@dataclass(frozen=True)
class TargetSweep:
    """One step from the hand-set weights at every learning rate of SWEEP_LRS, for target y.

    The chapter's control of the mechanism it names: with y = 1 (the sigmoid's upper limit)
    a larger step only lowers the loss; with a target inside (0, 1) a large step carries y_hat
    past the target and the loss rises again, with the same single example.
    """

    y: float
    lrs: np.ndarray
    before: float  # loss before the step
    yhat_before: float
    after_one: np.ndarray  # loss after one step, per learning rate
    yhat_after: np.ndarray  # prediction after one step, per learning rate

    @property
    def monotone(self):
        """True if the loss after one step never rises as the learning rate grows."""
        return bool(np.all(np.diff(self.after_one) <= 0))

    @property
    def best_lr(self):
        """The learning rate of the sweep whose single step leaves the lowest loss."""
        return float(self.lrs[np.argmin(self.after_one)])

    @property
    def first_rise_lr(self):
        """The smallest learning rate whose step leaves the loss above where it started
        (None if there is none)."""
        above = self.lrs[self.after_one > self.before]
        return float(above[0]) if above.size else None


@memo(maxsize=8)
def target_sweep(y=1.0):
    """The loss and prediction after one SGD step at each learning rate of SWEEP_LRS, from
    the hand-set weights of chapter "The worked 2-2-1 example", with the target set to `y`."""
    y = float(check_positive(y, "y"))
    if y > 1:  # a sigmoid output lies in (0, 1): a target above 1 is out of its reach
        raise ValueError(f"y must be a target in (0, 1]; got {y!r}")
    target = np.array([[y]])
    net = worked_network()
    ups = [_we.one_update(net, X, target, float(lr)) for lr in SWEEP_LRS]
    return TargetSweep(y=y, lrs=SWEEP_LRS, before=ups[0].loss_before,
                       yhat_before=ups[0].prediction_before,
                       after_one=np.array([u.loss_after for u in ups]),
                       yhat_after=np.array([u.prediction_after for u in ups]))


def draw(fig, r, artists):
    """Draw frame `r` on fig (first call) or update the artists made then."""
    if artists is None:
        left, right = fig.subplots(1, 2, width_ratios=[3, 2])
        before = r.before
        left.set_xscale("log")
        left.xaxis.set_minor_formatter(NullFormatter())
        left.set_xlim(SWEEP_LRS[0], SWEEP_LRS[-1])
        left.set_ylim(-0.05 * before, 1.1 * before)
        left.set_xlabel(r"learning rate $\alpha$")
        left.set_ylabel(r"loss $\mathcal{L}$ (half MSE)")
        left.axhline(before, color=BLACK, linestyle=":", linewidth=1.2, label="before the step")
        (one,) = left.plot(r.sweep_lrs, r.after_one, color=ORANGE, label="after 1 step")
        (many,) = left.plot(r.sweep_lrs, r.after_k, color=BLUE, linestyle="--",
                           label="after k steps")  # told apart by dash, not colour only
        (m_one,) = left.plot([], [], "o", color=ORANGE, markersize=6)
        (m_many,) = left.plot([], [], "s", color=BLUE, markersize=6)
        # above the axes, in a row: no curve is ever under it (10 px text at 80 dpi)
        legend = left.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3, fontsize=9,
                             frameon=False, borderaxespad=0.2, handlelength=2.2)
        right.set_ylim(-0.05 * before, 1.1 * before)
        right.set_xlabel("gradient-descent step")
        right.set_ylabel(r"loss $\mathcal{L}$")
        (path,) = right.plot([], [], ".-", color=BLUE, markersize=4)
        title = right.set_title("")
        artists = dict(one=one, many=many, m_one=m_one, m_many=m_many, legend=legend,
                       path=path, right=right, title=title)
    a = artists
    a["many"].set_ydata(r.after_k)
    a["m_one"].set_data([r.lr], [r.loss_after_one])
    a["m_many"].set_data([r.lr], [r.loss_after_k])
    a["legend"].get_texts()[2].set_text(f"after {r.k} step{'s' if r.k > 1 else ''}")
    steps = np.arange(r.k + 1)
    a["path"].set_data(steps, r.path)
    a["right"].set_xlim(-0.02 * r.k - 0.1, 1.02 * r.k + 0.1)
    a["title"].set_text(f"learning rate {r.lr:g}")
    return a


def alt(params, r):
    """The frame in words (alt text and caption)."""
    steps = f"{r.k} step{'s' if r.k > 1 else ''}"
    # every loss with 3 significant digits, so the numbers of one caption read alike
    return (f"Loss of the worked 2-2-1 example against the learning rate (log axis, 0.01 to "
            f"100). Before any step the loss is {r.before:.3g}. At learning rate {r.lr:g} it "
            f"is {r.loss_after_one:.3g} after one SGD step and {r.loss_after_k:.3g} after "
            f"{steps}; the right panel shows the loss after each step.")


SPEC = dict(compute=compute, draw=draw, controls=CONTROLS, joint=JOINT, alt=alt,
            figsize=(7.5, 3))
# The Interactive figure, not yet shown (tests and timing call it), and the figure shown:
# live controls in a kernel, a static player in the book (see figures.notebook).
interactive = functools.partial(notebook.interactive, SPEC)
show = functools.partial(notebook.show, SPEC)
