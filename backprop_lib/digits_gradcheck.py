"""The gradient check of the real digits network, from several seeds (chapter "The whole
book at work: handwritten digits").

The chapter checks every parameter of the 64-64-10 network on the first CHECK_IMAGES
training images, at its initialization and after training at the searched best rate, and
explains why the largest relative error grows with training: the relative error is the
absolute error over the gradient's size,

    relative error ~ (rounding of L / eps) / |dW|,

and training shrinks |dW| much more than the rounding of the loss (`loss_rounding`), which
stops following the loss once almost every image is classified right. `check` does this for
one seed; `spread` repeats it for each seed of SPREAD_SEEDS, so that the chapter can give
each factor as a range, not as one seed's number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import digits_study as _study
from . import loss_rounding as _rounding
from ._checks import check_seed
from .gradcheck import GradCheck, gradcheck
from .run_cache import memo

__all__ = ["CHECK_IMAGES", "Check", "Spread", "check", "spread"]

#: The check uses the first CHECK_IMAGES training images (every parameter, two loss
#: evaluations each).
CHECK_IMAGES = 100


@dataclass(frozen=True)
class Check:
    """One seed's check: the network at its initialization (`start`) and after training at
    the plain network's best searched rate (`trained`), each one's GradCheck, the rounding
    of its loss (`loss_rounding.noise`) and its loss, on the CHECK_IMAGES images."""

    seed: int
    start: object
    trained: object
    at_start: GradCheck
    after: GradCheck
    noise: tuple
    loss: tuple


@memo(maxsize=8)
def _check(seed):
    d = _study.prepared()
    X, Y = d.X_train[:, :CHECK_IMAGES], d.Y_train[:, :CHECK_IMAGES]
    start = _study.make_network(seed=seed)
    trained = _study.run(_study.search(False).best_rate, seed=seed).net
    nets = (start, trained)
    return Check(seed, start, trained, *(gradcheck(n, X, Y) for n in nets),
                 tuple(_rounding.noise(n, X, Y) for n in nets),
                 tuple(float(n.loss(X, Y)) for n in nets))


def check(seed=0) -> Check:
    """The gradient check of seed `seed`'s network, before and after training (cached)."""
    return _check(check_seed(seed))


@dataclass(frozen=True)
class Spread:
    """Per seed of `seeds`: how much larger the largest relative error is after training
    (`grow`), and how many times smaller training made the norm of dW1 (`g_fall`), the
    largest absolute error (`abs_fall`), the rounding of the loss (`noise_fall`) and the
    loss itself (`loss_fall`)."""

    seeds: tuple
    grow: np.ndarray
    g_fall: np.ndarray
    abs_fall: np.ndarray
    noise_fall: np.ndarray
    loss_fall: np.ndarray


def spread(seeds=_study.SPREAD_SEEDS) -> Spread:
    """`check` from every seed of `seeds`, as the ratios the chapter's text gives."""
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be a sequence of seeds, e.g. {_study.SPREAD_SEEDS}; got "
                        f"{seeds!r}")
    checks = [check(s) for s in seeds]
    if not checks:
        raise ValueError("seeds must hold at least one seed")

    def ratio(f):
        return np.array([f(c) for c in checks])

    return Spread(tuple(c.seed for c in checks),
                  ratio(lambda c: c.after.max_relative_error / c.at_start.max_relative_error),
                  ratio(lambda c: np.linalg.norm(c.at_start.analytic["dW1"])
                        / np.linalg.norm(c.after.analytic["dW1"])),
                  ratio(lambda c: c.at_start.max_abs_error / c.after.max_abs_error),
                  ratio(lambda c: c.noise[0] / c.noise[1]),
                  ratio(lambda c: c.loss[0] / c.loss[1]))
