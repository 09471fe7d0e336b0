"""Momentum on a quadratic, one eigen-direction at a time (chapter "Optimizers").

On f(w) = 1/2 sum_i lambda_i w_i^2 every optimizer with a linear rule (SGD, heavy-ball
momentum) acts on each eigen-direction separately. Gradient descent multiplies w_i by
1 - lr lambda_i per step. Heavy-ball momentum, v <- beta v + g, w <- w - lr v, moves the pair
(w_t, w_{t-1}) by the 2x2 matrix [[1 + beta - lr lambda, -beta], [1, 0]]; its spectral radius
is the rate at which that direction shrinks per step.

- gd_rate, heavy_ball_rate: the worst rate over the eigenvalues, for a setting;
- optimal_gd, optimal_heavy_ball: the best setting and its rate for curvatures in [mu, L];
- heavy_ball_limit: the largest stable learning rate, 2 (1 + beta) / lambda_max;
- tuned_gaps: f - f* after a run, for each optimizer, over a fine learning-rate grid (the
  comparison of each optimizer at its own tuned learning rate).

Pure NumPy; the chapter's figures draw what these functions return.
"""

from __future__ import annotations

import functools

import numpy as np

from . import surfaces
from ._checks import check_positive
from .optimizers import SGD, Adam, Momentum, RMSprop


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


#: The fine learning-rate grid of the tuned comparison: 24 points per factor of ten.
TUNE_GRID = tuple(float(x) for x in np.geomspace(1e-3, 1.0, 73))


def _optimizers(lr, beta):
    return {"SGD": SGD(lr), "Momentum": Momentum(lr, beta=beta),
            "RMSprop": RMSprop(lr), "Adam": Adam(lr)}


@functools.lru_cache(maxsize=8)
def tuned_gaps(surface="quadratic", steps=100, lrs=TUNE_GRID, beta=0.9):
    """{optimizer: array of f - f* after `steps` steps, one per lr in `lrs`} (inf where the
    run diverged), on surface "quadratic" (condition 20) or "rosenbrock"
    (chapter "Optimizers")."""
    s = (surfaces.quadratic(condition=20.0) if surface == "quadratic"
         else surfaces.rosenbrock() if surface == "rosenbrock" else None)
    if s is None:
        raise ValueError(f"surface must be 'quadratic' or 'rosenbrock', got {surface!r}")
    out = {name: np.empty(len(lrs)) for name in _optimizers(1.0, beta)}
    for i, lr in enumerate(lrs):
        for name, opt in _optimizers(lr, beta).items():
            tr = surfaces.trajectory(opt, s, steps=steps)
            out[name][i] = np.inf if tr.diverged else tr.gaps[-1]
    return out


def best_of(gaps, lrs=TUNE_GRID):
    """{optimizer: (best lr, its f - f*)} from a tuned_gaps result."""
    return {name: (float(lrs[int(np.argmin(g))]), float(np.min(g))) for name, g in gaps.items()}


NUDGES = 5  # nudged copies of a start in `nudge_spread`
NUDGE = 1e-12  # relative size of each nudge: rounding-sized


def nudge_spread(lr, name="RMSprop", surface="rosenbrock", steps=500, nudges=NUDGES):
    """max / min of f - f* after `steps` steps over the start and `nudges` copies of it
    multiplied by 1 + k NUDGE (chapter "Optimizers"): near 1 where the end point is a property
    of the setting, far above 1 where it is chaotic."""
    s = surfaces.quadratic(condition=20.0) if surface == "quadratic" else surfaces.rosenbrock()
    gaps = [surfaces.trajectory(_optimizers(lr, 0.9)[name], s, w0=s.start * (1 + k * NUDGE),
                                steps=steps).gaps[-1] for k in range(nudges + 1)]
    return float(max(gaps) / min(gaps))
