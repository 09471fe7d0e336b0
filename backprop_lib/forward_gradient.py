"""Forward gradients: an unbiased gradient estimate from tangent passes alone (Baydin et al. 2022).

Chapter "Backpropagation against its alternatives" places this estimator between the tangent
pass and the evolution strategy. Draw a direction v ~ N(0, I) in parameter space, get the
directional derivative grad . v exactly from one tangent pass (`alternatives.jvp`), and
multiply it back onto v:

    g = (1/N) sum_k (grad . v_k) v_k,        E[g] = E[v v^T] grad = grad  (unbiased),

with E||g - grad||^2 = (P + 1) ||grad||^2 / N for Gaussian directions, so the relative error
||g - grad|| / ||grad|| is about sqrt((P + 1) / N): the noise of the evolution strategy at
small sigma (whose difference quotients tend to grad . v_k), without its smoothing, for N
tangent passes instead of 2N forward passes. No pass is backward and no activation is kept.

`noise_study` measures both estimators' errors over seeds; `bias_z_scores` tests the
unbiasedness itself, entry by entry. NumPy alone.
"""

from __future__ import annotations

import numpy as np

from . import alternatives as alt
from ._checks import check_int, check_positive, check_seed


def forward_gradient(net, X, Y, n_directions=1, seed=0) -> "alt.Estimate":
    """The forward-gradient estimate from n_directions Gaussian directions (one tangent
    pass each), as an alternatives.Estimate."""
    alt._check_net(net)
    n = check_int(n_directions, "n_directions", low=1)
    rng = np.random.default_rng(check_seed(seed))
    X, Y = net.check_data(X, Y)
    total = np.zeros(net.n_params)
    for _ in range(n):
        v = rng.standard_normal(net.n_params)  # the direction v_k, all P entries
        theta_dot = alt.unflatten(v, net.params)
        total += alt.jvp(net, X, Y, theta_dot)[1] * v   # (grad . v_k) v_k
    grads = {"d" + k: g for k, g in alt.unflatten(total / n, net.params).items()}
    return alt.Estimate("forward_gradient", grads, tangent_passes=n,
                        floats_kept=alt.floats_kept("forward_mode", net, X.shape[1]))


#: Directions drawn by the chapter's test of unbiasedness (`bias_z_scores`).
UNBIASED_DRAWS = 2000


def bias_z_scores(net, X, Y, n_directions=UNBIASED_DRAWS, seed=0):
    """The mean of n_directions one-direction forward gradients, minus the gradient, in
    units of its standard error, entry by entry: (mean_k g_k - grad) / (s / sqrt(n)), s the
    entries' sample standard deviation over the draws. For an unbiased estimate these P
    numbers are about standard normal (mean near 0, spread near 1), whatever P."""
    alt._check_net(net)
    n = check_int(n_directions, "n_directions", low=2)
    rng = np.random.default_rng(check_seed(seed))
    X, Y = net.check_data(X, Y)
    total, squares = np.zeros(net.n_params), np.zeros(net.n_params)
    for _ in range(n):
        v = rng.standard_normal(net.n_params)
        g = alt.jvp(net, X, Y, alt.unflatten(v, net.params))[1] * v
        total += g
        squares += g * g
    mean = total / n
    spread = np.sqrt((squares - n * mean ** 2) / (n - 1))
    grad = alt.flatten(alt.backprop(net, X, Y).grads)
    return (mean - grad) / (spread / np.sqrt(n))


def noise_study(net, X, Y, counts=(10, 100, 1000), seeds=range(5), sigma=1e-4) -> dict:
    """error_to (||g - grad|| / ||grad||) of the forward gradient with N directions and of
    the antithetic evolution strategy with N pairs, for each N in counts and each seed:
    arrays of shape (len(counts), len(seeds)), with the prediction sqrt((P + 1) / N)."""
    counts = [check_int(n, "counts entry", low=1) for n in counts]
    seeds = [check_seed(s) for s in seeds]
    if not counts or not seeds:
        raise ValueError("counts and seeds must each hold at least one value")
    sigma = check_positive(sigma, "sigma")
    ref = alt.backprop(net, X, Y)
    fg = np.array([[alt.error_to(ref, forward_gradient(net, X, Y, n, s)) for s in seeds]
                   for n in counts])
    es = np.array([[alt.error_to(ref, alt.evolution_strategy(net, X, Y, sigma, n, s))
                    for s in seeds] for n in counts])
    return {"P": net.n_params, "N": np.array(counts), "seeds": seeds,
            "forward_gradient": fg, "evolution_strategy": es,
            "predicted": np.sqrt((net.n_params + 1) / np.array(counts, dtype=float))}
