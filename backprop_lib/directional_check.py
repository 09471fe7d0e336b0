"""The directional check: every gradient entry at once, in two loss evaluations.

Chapter "Gradient checking". Draw one random direction v, with the shapes of the
parameters w (every entry standard normal), and compare the directional derivative two
ways:

    numerical:  (L(w + eps v) - L(w - eps v)) / (2 eps)          two loss evaluations
    analytic:   g . v = sum over every parameter entry of g_i v_i  (one backward pass)

with the relative error |a - n| / (|a| + |n|) of the two numbers. A wrong gradient entry
g_i = true_i + delta_i moves g . v by delta . v, a normal number of spread ||delta|| when v
is Gaussian: it is zero (the bug orthogonal to v) with probability zero. It can still be
small, below the tolerance, when the wrong entries are tiny beside the rest of the
gradient, so check a few directions and read each error. How often one direction misses:
for ||delta|| << ||g|| the error is about |delta . v| / (2 |g . v|), the ratio of two normal
numbers, close to a Cauchy variable of scale ||delta|| / ||g||, so

    P(error < tau)  =  (2/pi) arctan(2 tau ||g|| / ||delta||)  ~  (4/pi) tau ||g|| / ||delta||

(`direction_miss_probability`; exact when delta is orthogonal to g).

Sampling entries is not as complete: a bug confined to r of N entries (one row, one unit,
a boundary index) is missed by k entries drawn without replacement with probability

    C(N - b, k) / C(N, k)          about (1 - b/N)^k

(`sampling_miss_probability`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ._checks import check_int, check_positive, check_seed, describe
from .batchnorm import unchanged_statistics
from .gradcheck import _check_net, _rounding_error

__all__ = ["DirectionalCheck", "directional_check", "directional_derivative",
           "direction_miss_probability", "random_direction", "sampling_miss_probability"]


def random_direction(params, seed=0):
    """A dict of standard normal arrays with the names and shapes of `params`
    (chapter "Gradient checking")."""
    if not isinstance(params, dict) or not params:
        raise TypeError(f"params must be a non-empty dict of arrays, such as net.params; "
                        f"got {describe(params)}")
    rng = np.random.default_rng(check_seed(seed))
    return {name: rng.standard_normal(np.shape(p)) for name, p in params.items()}


def _check_direction(params, v):
    if not isinstance(v, dict) or set(v) != set(params):
        raise ValueError(f"v must be a dict with the parameters' names {sorted(params)}; "
                         f"got {describe(v) if not isinstance(v, dict) else sorted(v)}")
    for name, p in params.items():
        if np.shape(v[name]) != np.shape(p):
            raise ValueError(f"v[{name!r}] must have the shape of the parameter, "
                             f"{np.shape(p)}; got {np.shape(v[name])}")
        if not np.all(np.isfinite(v[name])):
            raise ValueError(f"v[{name!r}] must be finite")


def directional_derivative(loss, params, v, eps=1e-6):
    """(loss(w + eps v) - loss(w - eps v)) / (2 eps), chapter "Gradient checking".

    loss takes no arguments and reads the arrays of `params`, which are moved in place
    along v and put back exactly (even when loss fails).
    """
    if not callable(loss):
        raise TypeError(f"loss must be a function of no arguments; got {describe(loss)}")
    eps = check_positive(eps, "eps")
    _check_direction(params, v)
    saved = {name: p.copy() for name, p in params.items()}
    try:
        for name, p in params.items():
            p += eps * v[name]
        plus = float(loss())
        for name, p in params.items():
            p[...] = saved[name] - eps * v[name]
        minus = float(loss())
    finally:
        for name, p in params.items():
            p[...] = saved[name]
    return (plus - minus) / (2 * eps)


@dataclass
class DirectionalCheck:
    """The result of `directional_check`: one relative error per direction."""

    errors: list
    analytic: list = field(repr=False)
    numeric: list = field(repr=False)
    eps: float = 1e-6
    n_loss_evaluations: int = 0
    rounding_error: float = float("nan")

    @property
    def max_relative_error(self) -> float:
        return max(self.errors)

    def passed(self, threshold=1e-7) -> bool:
        return self.max_relative_error < threshold


def directional_check(net, X, Y, n_directions=3, eps=1e-6, seed=0) -> DirectionalCheck:
    """Compare g . v with the central difference along v for `n_directions` random
    Gaussian directions v (chapter "Gradient checking"): 2 loss evaluations each,
    whatever the number of parameters. The network is left as it was."""
    _check_net(net)
    eps = check_positive(eps, "eps")
    n_directions = check_int(n_directions, "n_directions", low=1)
    X, Y = net.check_data(X, Y)
    rng = np.random.default_rng(check_seed(seed))
    with unchanged_statistics(net):
        grads = net.gradients(X, Y)
        loss = lambda: net.loss(X, Y)  # noqa: E731 - reads the moved parameters
        errors, analytic, numeric = [], [], []
        for _ in range(n_directions):
            v = random_direction(net.params, int(rng.integers(2 ** 63)))
            a = float(sum(np.vdot(grads["d" + name], v[name]) for name in net.params))
            n = directional_derivative(loss, net.params, v, eps)
            scale = abs(a) + abs(n)
            errors.append(0.0 if scale == 0 else abs(a - n) / scale)
            analytic.append(a)
            numeric.append(n)
        rounding = _rounding_error(net, loss(), eps)
    return DirectionalCheck(errors, analytic, numeric, eps, 2 * n_directions, rounding)


def sampling_miss_probability(n_bad, n_total, n_samples) -> float:
    """The probability that `n_samples` entries drawn without replacement from `n_total`
    all miss the `n_bad` wrong ones: C(N - b, k) / C(N, k) (chapter "Gradient checking")."""
    n_total = check_int(n_total, "n_total", low=1)
    n_bad = check_int(n_bad, "n_bad", low=0)
    n_samples = check_int(n_samples, "n_samples", low=0)
    if n_bad > n_total or n_samples > n_total:
        raise ValueError(f"n_bad and n_samples must be at most n_total = {n_total}; "
                         f"got n_bad {n_bad}, n_samples {n_samples}")
    return math.comb(n_total - n_bad, n_samples) / math.comb(n_total, n_samples)


def direction_miss_probability(tau, g_norm, delta_norm) -> float:
    """The probability that one Gaussian direction's relative error stays below `tau` when
    the backward pass is off by delta beside the true gradient g: (2/pi) arctan(2 tau ||g|| /
    ||delta||), about (4/pi) tau ||g|| / ||delta|| for a small bug (chapter "Gradient
    checking"). It takes the error as |delta . v| / (2 |g . v|), right for ||delta|| << ||g||,
    and delta . v independent of g . v, exact when delta is orthogonal to g."""
    tau = check_positive(tau, "tau")
    g_norm = check_positive(g_norm, "g_norm")
    delta_norm = check_positive(delta_norm, "delta_norm")
    return 2 / math.pi * math.atan(2 * tau * g_norm / delta_norm)
