"""Near a minimum RMSprop hops and Adam converges: the memory of the running RMS.

Chapter "Optimizers". RMSprop steps by lr g / (sqrt(s) + eps) and Adam by
lr m-hat / (sqrt(v-hat) + eps), where s and v are running averages of g^2 that remember about
1 / (1 - beta) and 1 / (1 - beta2) steps. Near the minimum of the quadratic valley
f(w) = 1/2 (w_1^2 + kappa w_2^2) that memory decides what happens:

- RMSprop with beta = 0.9 remembers about ten steps. sqrt(s) follows |g| down, so every
  step stays about lr long however small g becomes, and the run ends hopping between
  +lr/2 and -lr/2 on each axis: f - f* = (1 + kappa) lr^2 / 8 (`hop_floor`), a floor that
  grows like lr^2.
- Adam with beta2 = 0.999 remembers about a thousand. Near the minimum sqrt(v-hat) still
  holds the squares of the large early gradients, so the step lr m-hat / sqrt(v-hat) shrinks
  with g: gradient descent with momentum at the rate lr / sqrt(v-hat) per axis, which
  converges geometrically (`memory_state` measures sqrt(v-hat) against |g|). As v-hat fades,
  that rate grows, and at a large lr the steep axis finally turns unstable.

`near_minimum` is the ablation that would refute this: swap the memories (Adam with
beta2 = 0.9, RMSprop with beta = 0.999) and the behaviours swap with them.

Pure NumPy.
"""

from __future__ import annotations

import numpy as np

from . import heavy_ball, surfaces
from ._checks import check_positive
from .optimizers import Adam, RMSprop
from .run_cache import memo

#: The learning rates of the study, and the steps of its runs.
MEMORY_LRS = (0.01, 0.03, 0.1, 0.3)
MEMORY_STEPS = 1000
LONG_STEPS = 5000  # a longer run: where Adam's fading v-hat finally destabilises it
CONDITION = 20.0  # the chapter's valley

#: The four variants: each optimizer with its usual memory and with the other's.
VARIANTS = {
    "RMSprop, beta 0.9": lambda lr: RMSprop(lr, beta=0.9),
    "RMSprop, beta 0.999": lambda lr: RMSprop(lr, beta=0.999),
    "Adam, beta2 0.999": lambda lr: Adam(lr, beta2=0.999),
    "Adam, beta2 0.9": lambda lr: Adam(lr, beta2=0.9),
}


def _valley():
    return surfaces.quadratic(condition=CONDITION)


def hop_floor(lr, condition=CONDITION):
    """(1 + kappa) lr^2 / 8: f - f* of the two-cycle w = (+-lr/2, +-lr/2) in which RMSprop
    ends on the valley, where sqrt(s) = |g| on each axis and every step is lr long."""
    lr = check_positive(lr, "lr")
    return (1.0 + check_positive(condition, "condition")) * lr**2 / 8.0


@memo(maxsize=8)
def near_minimum(lrs=MEMORY_LRS, steps=MEMORY_STEPS):
    """{variant: array of heavy_ball.tail_gap (the worst f - f* over the last fifth of the
    run), one per lr}, after `steps` steps on the valley from its start."""
    valley = _valley()
    return {label: np.array([heavy_ball.tail_gap(surfaces.trajectory(make(lr), valley,
                                                                     steps=steps))
                             for lr in lrs])
            for label, make in VARIANTS.items()}


def log_slope(lrs, gaps):
    """The slope of log(gap) against log(lr), fitted by least squares: 2 for a floor that
    grows like lr^2."""
    return float(np.polyfit(np.log(np.asarray(lrs, dtype=np.float64)),
                            np.log(np.asarray(gaps, dtype=np.float64)), 1)[0])


@memo(maxsize=8)
def memory_state(lr=0.1, steps=MEMORY_STEPS):
    """What Adam's v-hat holds after `steps` steps on the valley, per axis (w_1, w_2):
    dict root_v_hat (sqrt(v-hat)), grad (|g| at the last point), rate (lr lambda / sqrt(v-hat):
    gradient descent's lr lambda with Adam's effective rate) and gap (tail_gap of the run)."""
    valley, opt = _valley(), Adam(lr)
    run = surfaces.trajectory(opt, valley, steps=steps)
    root_v_hat = np.sqrt(opt.state["w.v"] / (1.0 - opt.beta2**opt.t))
    curvature = np.array([1.0, CONDITION])
    return dict(root_v_hat=root_v_hat, grad=np.abs(valley.grad(run.path[-1])),
                rate=lr * curvature / root_v_hat, gap=heavy_ball.tail_gap(run))
