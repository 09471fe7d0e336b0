"""Momentum on a quadratic, one eigen-direction at a time (chapter "Optimizers").

On f(w) = 1/2 sum_i lambda_i w_i^2 every optimizer with a linear rule (SGD, heavy-ball
momentum) acts on each eigen-direction separately. Gradient descent multiplies w_i by
1 - lr lambda_i per step. Heavy-ball momentum, v <- beta v + g, w <- w - lr v, moves the pair
(w_t, w_{t-1}) by the 2x2 matrix [[1 + beta - lr lambda, -beta], [1, 0]]; its spectral radius
is the rate at which that direction shrinks per step.

- gd_rate, heavy_ball_rate: the worst rate over the eigenvalues, for a setting;
- optimal_gd, optimal_heavy_ball: the best setting and its rate for curvatures in [mu, L];
- heavy_ball_limit: the largest stable learning rate, 2 (1 + beta) / lambda_max;
- direction_rates: the rate of each eigen-direction separately (beta = 0 is gradient descent);
- nesterov_rates: the same for Nesterov momentum;
- gd_zigzag_window, ringing_window: the learning rates at which a direction flips sign from
  step to step, for gradient descent (1 - lr lambda < 0) and for heavy ball (complex or
  negative roots); sign_flips counts the flips of a run;
- both_halves_hold: whether momentum beats gradient descent on both the steep and the flat
  direction at some rate where gradient descent zigzags;
- tail_gap: the worst f - f* over the last fifth of a run, a measure of how close a run has
  come that does not depend on where a spiral happens to be at the last step;
- tuned_gaps: tail_gap for each optimizer over a fine learning-rate grid (the comparison of
  each optimizer at its own tuned learning rate);
- distance_ablation: the best learning rates from the start and from a start farther away
  (what sets RMSprop's and Adam's best rate: the distance to travel);
- envelope_rate: the rate per step measured from a run's envelope, not from two single steps.

Pure NumPy; the chapter's figures draw what these functions return.
"""

from __future__ import annotations

import numpy as np

from . import surfaces
from ._checks import check_positive
from .optimizers import SGD, Adam, Momentum, Nesterov, RMSprop
from .run_cache import memo


def _eigenvalues(eigenvalues):
    lam = np.asarray(eigenvalues, dtype=np.float64).reshape(-1)
    if lam.size == 0 or not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        raise ValueError(f"eigenvalues must be positive finite numbers, got {eigenvalues!r}")
    return lam


def heavy_ball_matrix(lr, beta, eigenvalue):
    """The 2x2 matrix taking (w_{t-1}, w_{t-2}) to (w_t, w_{t-1}) along one eigen-direction."""
    return np.array([[1.0 + beta - lr * eigenvalue, -beta], [1.0, 0.0]])


def gd_rate(lr, eigenvalues):
    """max_i |1 - lr lambda_i|: the factor by which gradient descent shrinks the slowest
    direction per step (chapter "Optimizers")."""
    lr = check_positive(lr, "lr")
    return float(np.max(np.abs(1.0 - lr * _eigenvalues(eigenvalues))))


def heavy_ball_rate(lr, beta, eigenvalues):
    """max_i of the spectral radius of heavy_ball_matrix(lr, beta, lambda_i) (chapter
    "Optimizers"): above 1 the run diverges, below 1 it is the worst rate per step."""
    lr = check_positive(lr, "lr")
    if not 0.0 <= float(beta) < 1.0:
        raise ValueError(f"beta must be in [0, 1), got {beta!r}")
    return float(max(np.max(np.abs(np.linalg.eigvals(heavy_ball_matrix(lr, beta, lam))))
                     for lam in _eigenvalues(eigenvalues)))


def optimal_gd(mu, L):
    """(lr, rate) of the best gradient descent for curvatures in [mu, L]: 2 / (mu + L) and
    (kappa - 1) / (kappa + 1) with kappa = L / mu (chapter "Optimizers")."""
    mu, L = check_positive(mu, "mu"), check_positive(L, "L")
    kappa = L / mu
    return 2.0 / (mu + L), (kappa - 1.0) / (kappa + 1.0)


def optimal_heavy_ball(mu, L):
    """(lr, beta, rate) of the best heavy ball for curvatures in [mu, L] (Polyak 1964):
    lr = 4 / (sqrt(L) + sqrt(mu))^2, beta = rate^2, rate = (sqrt(kappa) - 1) / (sqrt(kappa) + 1)
    (chapter "Optimizers")."""
    mu, L = check_positive(mu, "mu"), check_positive(L, "L")
    root = np.sqrt(L / mu)
    rate = (root - 1.0) / (root + 1.0)
    return 4.0 / (np.sqrt(L) + np.sqrt(mu)) ** 2, rate ** 2, rate


def heavy_ball_limit(beta, lam_max):
    """The largest stable learning rate of heavy-ball momentum, 2 (1 + beta) / lambda_max
    (chapter "Optimizers"); plain gradient descent is the case beta = 0."""
    if not 0.0 <= float(beta) < 1.0:
        raise ValueError(f"beta must be in [0, 1), got {beta!r}")
    return 2.0 * (1.0 + float(beta)) / check_positive(lam_max, "lam_max")


def direction_rates(lr, beta, eigenvalues):
    """The spectral radius of heavy_ball_matrix(lr, beta, lambda_i) for each lambda_i: the
    factor by which each eigen-direction shrinks per step (chapter "Optimizers"). beta = 0
    is gradient descent, whose rate is |1 - lr lambda_i|."""
    lr = check_positive(lr, "lr")
    if not 0.0 <= float(beta) < 1.0:
        raise ValueError(f"beta must be in [0, 1), got {beta!r}")
    return np.array([np.max(np.abs(np.linalg.eigvals(heavy_ball_matrix(lr, beta, lam))))
                     for lam in _eigenvalues(eigenvalues)])


def nesterov_rates(lr, beta, eigenvalues):
    """The rate of each eigen-direction under Nesterov momentum (chapter "Optimizers"): the
    largest |r| of r^2 - (1 + beta)(1 - lr lambda) r + beta (1 - lr lambda), whose roots
    multiply to beta (1 - lr lambda) instead of heavy ball's beta."""
    lr = check_positive(lr, "lr")
    if not 0.0 <= float(beta) < 1.0:
        raise ValueError(f"beta must be in [0, 1), got {beta!r}")
    return np.array([np.max(np.abs(np.roots([1.0, -(1 + beta) * (1 - lr * lam),
                                             beta * (1 - lr * lam)])))
                     for lam in _eigenvalues(eigenvalues)])


def nesterov_faster_window(beta=0.9, points=200_001):
    """(lo, hi, limit) in units of lr * lambda (chapter "Optimizers"): Nesterov's rate on a
    direction is below heavy ball's at the same lr and beta only for lo < lr lambda < hi;
    `limit` = (2 + 2 beta) / (1 + 2 beta) is Nesterov's stability limit. Below lo Nesterov's roots
    are real and it is a little slower; between hi and the limit its steep
    direction is damped less than heavy ball's. Scanned on `points` values of lr lambda,
    log-spaced from 1e-6 to the limit, with the roots in closed form."""
    if not 0.0 < float(beta) < 1.0:
        raise ValueError(f"beta must be in (0, 1), got {beta!r}")
    limit = (2 + 2 * beta) / (1 + 2 * beta)
    x = np.geomspace(1e-6, limit, int(points))[:-1]

    def rate(b, c):  # the largest |r| of r^2 - b r + c
        d = np.sqrt((b * b - 4 * c).astype(complex))
        return np.maximum(np.abs((b + d) / 2), np.abs((b - d) / 2))

    faster = (rate((1 + beta) * (1 - x), beta * (1 - x))
              < rate(1 + beta - x, np.full_like(x, beta)))
    return float(x[faster].min()), float(x[faster].max()), float(limit)


def gd_zigzag_window(eigenvalue):
    """(1 / lambda, 2 / lambda): the learning rates at which gradient descent zigzags along
    a direction of curvature lambda and still converges (chapter "Optimizers"). There the
    factor 1 - lr lambda of each step is negative: every step overshoots the valley floor,
    by less than it corrects. Below 1 / lambda the direction shrinks without a sign change."""
    lam = float(_eigenvalues(eigenvalue)[0])
    return 1.0 / lam, 2.0 / lam


def both_halves_hold(beta, kappa, n_rates=401):
    """Whether the usual picture of momentum in a valley holds at some learning rate where
    gradient descent zigzags (chapter "Optimizers"): heavy ball with this beta shrinks both
    the steep direction (curvature kappa) and the flat one (curvature 1) faster per step
    than gradient descent, at one of n_rates rates spread inside gd_zigzag_window(kappa)."""
    lo, hi = gd_zigzag_window(kappa)
    for lr in np.linspace(lo, hi, n_rates)[1:-1]:
        mom, gd = direction_rates(lr, beta, [kappa, 1.0]), direction_rates(lr, 0.0, [kappa, 1.0])
        if (mom < gd).all():
            return True
    return False


def ringing_window(beta, eigenvalue):
    """((1 - sqrt(beta))^2 / lambda, 2 (1 + beta) / lambda): the learning rates at which
    heavy-ball momentum makes a direction of curvature lambda oscillate about 0 and still
    converge (chapter "Optimizers"): its roots are complex (|r| = sqrt(beta)) from the
    lower edge to (1 + sqrt(beta))^2 / lambda, and real and negative above it."""
    if not 0.0 < float(beta) < 1.0:
        raise ValueError(f"beta must be in (0, 1), got {beta!r}")
    lam = float(_eigenvalues(eigenvalue)[0])
    return (1.0 - np.sqrt(beta)) ** 2 / lam, heavy_ball_limit(beta, lam)


def sign_flips(values):
    """How many times a sequence w_0, w_1, ... changes sign: the steps t with
    w_t w_{t-1} < 0 (chapter "Optimizers": the bounce across the valley, counted)."""
    w = np.asarray(values, dtype=np.float64).reshape(-1)
    return int(np.count_nonzero(w[1:] * w[:-1] < 0))


#: The fine learning-rate grid of the tuned comparison: 24 points per factor of ten.
TUNE_GRID = tuple(float(x) for x in np.geomspace(1e-3, 1.0, 73))


#: The tuned comparison scores a run by its worst f - f* over the last 1/TAIL of its steps.
#: The distance at the last step alone is a phase of the spiral for momentum, Nesterov and
#: Adam: it jumps by orders of magnitude between neighbouring learning rates.
TAIL = 5

#: The optimizers of Figure 2 (Nesterov is compared in its own section).
FOUR = ("SGD", "Momentum", "RMSprop", "Adam")


def _optimizers(lr, beta, names=FOUR):
    make = {"SGD": lambda: SGD(lr), "Momentum": lambda: Momentum(lr, beta=beta),
            "Nesterov": lambda: Nesterov(lr, beta=beta), "RMSprop": lambda: RMSprop(lr),
            "Adam": lambda: Adam(lr)}
    return {name: make[name]() for name in names}


def tail_gap(run, tail=TAIL):
    """The worst f - f* over the last len(run.gaps) // tail steps of a surfaces.Trajectory
    (np.inf if it diverged), chapter "Optimizers": insensitive to the phase of a spiral."""
    if run.diverged:
        return np.inf
    window = max(1, (len(run.gaps) - 1) // int(tail))
    return float(np.max(run.gaps[-window:]))


def _surface(surface, scale=1.0):
    if surface == "quadratic":
        s = surfaces.quadratic(condition=20.0)
    elif surface == "rosenbrock":
        s = surfaces.rosenbrock()
    else:
        raise ValueError(f"surface must be 'quadratic' or 'rosenbrock', got {surface!r}")
    return s if scale == 1.0 else surfaces.scaled(s, scale)


@memo(maxsize=16)
def tuned_gaps(surface="quadratic", steps=100, lrs=TUNE_GRID, beta=0.9, names=FOUR,
               tail=TAIL, scale=1.0, distance=1.0):
    """{optimizer: array of tail_gap after `steps` steps, one per lr in `lrs`} (inf where the
    run diverged), on surface "quadratic" (condition 20) or "rosenbrock"
    (chapter "Optimizers"). `names` may include "Nesterov". `scale` multiplies f, and so
    every gradient (the gaps too): the ablation that tells a step set by the gradient
    (SGD's best rate moves by 1 / scale) from one set by the learning rate (RMSprop's and
    Adam's stay). `distance` multiplies the start: on "quadratic", whose minimum is at 0,
    the distance to travel (distance_ablation)."""
    s = _surface(surface, check_positive(scale, "scale"))
    w0 = s.start * check_positive(distance, "distance")
    out = {name: np.empty(len(lrs)) for name in names}
    for i, lr in enumerate(lrs):
        for name, opt in _optimizers(lr, beta, names).items():
            out[name][i] = tail_gap(surfaces.trajectory(opt, s, w0=w0, steps=steps), tail)
    return out


#: The grid of the distance ablation: TUNE_GRID's 24 points per factor of ten, carried on up
#: to 10 (from a start ten times farther away a rate ten times larger may be best).
WIDE_GRID = tuple(float(x) for x in np.geomspace(1e-3, 10.0, 97))

#: The optimizers of the distance ablation: SGD, whose best rate the curvature sets, and the
#: two whose step length the learning rate sets.
DISTANCE_NAMES = ("SGD", "RMSprop", "Adam")


def distance_ablation(factor=10.0, steps=100, names=DISTANCE_NAMES, lrs=WIDE_GRID):
    """Each optimizer's best learning rate on the quadratic valley from its start and from a
    start `factor` times farther away (chapter "Optimizers"): {name: ((best lr, its gap)
    from the start, (best lr, its gap) from the far start)}, scored as in tuned_gaps.

    The ablation that could refute "RMSprop's and Adam's best rate is set by the distance to
    travel, SGD's by the curvature": if it holds, RMSprop's and Adam's best rates move by
    `factor` and SGD's stays where it was.
    """
    factor = check_positive(factor, "factor")
    near = best_of(tuned_gaps("quadratic", steps, lrs=lrs, names=names), lrs)
    far = best_of(tuned_gaps("quadratic", steps, lrs=lrs, names=names, distance=factor), lrs)
    return {name: (near[name], far[name]) for name in names}


def best_of(gaps, lrs=TUNE_GRID):
    """{optimizer: (best lr, its gap)} from a tuned_gaps result."""
    return {name: (float(lrs[int(np.argmin(g))]), float(np.min(g))) for name, g in gaps.items()}


def envelope_rate(path, start, end, width=100):
    """The rate per step of a run, from its envelope (chapter "Optimizers"): the largest
    |w_t| over `width` steps ending at `end`, over the same at `start`, to the power
    1 / (end - start). The envelope of a spiral does not depend on its phase, so this rate
    matches sqrt(beta) where a ratio of two single steps does not."""
    norms = np.linalg.norm(np.asarray(path, dtype=np.float64), axis=1)
    late, early = norms[end - width + 1:end + 1].max(), norms[start - width + 1:start + 1].max()
    return float((late / early) ** (1.0 / (end - start)))


NUDGES = 5  # nudged copies of a start in `nudge_spread`
NUDGE = 1e-12  # relative size of each nudge: rounding-sized


def nudge_spread(lr, name="RMSprop", surface="rosenbrock", steps=500, nudges=NUDGES):
    """max / min of f - f* after `steps` steps over the start and `nudges` copies of it
    multiplied by 1 + k NUDGE (chapter "Optimizers"): near 1 where the end point is a property
    of the setting, far above 1 where it is chaotic."""
    s = _surface(surface)
    gaps = [surfaces.trajectory(_optimizers(lr, 0.9, (name,))[name], s,
                                w0=s.start * (1 + k * NUDGE), steps=steps).gaps[-1]
            for k in range(nudges + 1)]
    return float(max(gaps) / min(gaps))
