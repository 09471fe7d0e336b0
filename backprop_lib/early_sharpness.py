"""Chapter "Dead neurons and slow convergence": the curvature of the loss over the first steps.

On a quadratic whose Hessian has largest eigenvalue lambda_max, plain gradient descent
with learning rate alpha diverges when alpha > 2 / lambda_max, that is when
alpha lambda_max / 2 > 1. A network's loss is no quadratic: its curvature changes as it
trains. `first_steps` replays the first mini-batch steps of dead_units.dead_run (the same
network, batches and divergence rule, because it runs the same `train`) and measures,
after the chosen steps, lambda_max of the full-batch loss (dead_units.largest_curvature,
Lanczos on exact Hessian-vector products) and the fraction of dead hidden units. At the rates
where alpha lambda_max / 2 starts above 1, the first steps throw the network to a flatter
region, lambda_max falls below 2 / alpha within the first epoch, and at the larger rate
many units die in that same epoch (the "catapult" of Lewkowycz et al. 2020; Cohen et al.
2021 call the regime where lambda_max hovers near 2 / alpha the edge of stability).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dead_units import (
    BATCH,
    SEEDS,
    below_zero_fraction,
    largest_curvature,
    moons,
    rectifier_net,
    spread,
)
from .optimizers import SGD
from .run_cache import memo
from .train import train

STEPS = (0, 1, 2, 5, 10)  # the steps after which lambda_max is measured (10 steps: one epoch)


class _MeasuringSGD(SGD):
    """SGD that, after the steps in `at`, records lambda_max and the dead fraction of net."""

    def __init__(self, lr, net, at):
        super().__init__(lr)
        self.net, self.at, self.records = net, set(at), {}

    def step(self, params, grads):
        super().step(params, grads)  # counts the steps in self.t
        if self.t in self.at:
            X, Y = moons()
            self.records[self.t] = (largest_curvature(self.net, X, Y),
                                    below_zero_fraction(self.net, X), self.net.loss(X, Y))


@dataclass
class FirstSteps:
    steps: tuple  # the steps measured (0: the start)
    lam: np.ndarray  # lambda_max after each (NaN after a divergence)
    dead: np.ndarray  # dead fraction after each (NaN after a divergence)
    diverged: bool
    loss: np.ndarray  # the full-batch loss after each (NaN after a divergence)


@memo(maxsize=128)
def first_steps(lr, bias=0.0, seed=0, steps=STEPS) -> FirstSteps:
    """(Cached.) lambda_max of the full-batch loss and the dead fraction after each of
    `steps` mini-batch SGD steps (BATCH examples each) of dead_units.dead_run(lr, bias,
    seed=seed): the same start, batch order and divergence rule."""
    X, Y = moons()
    net = rectifier_net(bias=bias, seed=seed)
    later = [s for s in steps if s > 0]
    opt = _MeasuringSGD(lr, net, later)
    start = (largest_curvature(net, X, Y), below_zero_fraction(net, X), net.loss(X, Y))
    epochs = -(-max(later) * BATCH // X.shape[1]) if later else 0
    h = train(net, X, Y, opt, epochs=epochs, batch_size=BATCH, seed=seed,
              on_divergence="ignore") if epochs else None
    rec = {0: start, **opt.records}
    nan = (np.nan, np.nan, np.nan)
    lam, dead, loss = (np.array([rec.get(s, nan)[i] for s in steps]) for i in range(3))
    return FirstSteps(tuple(steps), lam, dead, bool(h is not None and h.diverged), loss)


def loss_over_seeds(lr, bias=0.0, seeds=SEEDS, steps=STEPS) -> dict:
    """{step: Spread of the full-batch loss after it} over seeds (the catapult's spike: the
    loss rises over the first steps before it falls)."""
    runs = [first_steps(lr, bias, s, steps) for s in seeds]
    return {st: spread([r.loss[i] for r in runs]) for i, st in enumerate(steps)}


def ratio_at_start(lr, bias=0.0, seeds=SEEDS):
    """alpha lambda_max / 2 at initialization over seeds (dead_units.sharpness): above 1, a
    quadratic this curved would diverge under gradient descent at rate alpha."""
    from .dead_units import sharpness
    return spread([lr * sharpness("relu", "he", bias, seed=s)[0] / 2 for s in seeds])


def over_seeds(lr, bias=0.0, seeds=SEEDS, steps=STEPS) -> dict:
    """{step: (Spread of lambda_max, Spread of the dead fraction)} over seeds; a run that
    diverged within the steps counts as diverged (NaN) from then on."""
    runs = [first_steps(lr, bias, s, steps) for s in seeds]
    return {st: (spread([r.lam[i] for r in runs]), spread([r.dead[i] for r in runs]))
            for i, st in enumerate(steps)}

def seed_by_seed(lr, bias=0.0, seeds=SEEDS, steps=STEPS) -> dict:
    """Chapter "Dead neurons", the first epoch seed by seed at rate lr: in how many seeds the
    full-batch loss rises above its start ("rises"), the median and largest ratio of its peak
    to its start, the least and most units that died per run that did not diverge ("died",
    units at the last step minus at the start), in how many seeds lambda_max ends below
    2/lr ("below") and in how many it does so with no unit dying ("no_death")."""
    from .dead_units import HIDDEN, WIDTH

    runs = [first_steps(lr, bias, s, steps) for s in seeds]
    ok = [r for r in runs if not r.diverged]
    peak = [np.nanmax(r.loss[1:]) / r.loss[0] for r in runs]
    died = [round(WIDTH * HIDDEN * (r.dead[-1] - r.dead[0])) for r in ok]
    below = [r.lam[-1] < 2 / lr for r in ok]
    return {"runs": len(runs), "rises": int(sum(p > 1 for p in peak)),
            "peak_median": float(np.median(peak)), "peak_max": float(max(peak)),
            "died": (min(died), max(died)), "below": int(sum(below)),
            "no_death": int(sum(d <= 0 and b for d, b in zip(died, below, strict=True)))}
