"""Gradient checking: backpropagation against central differences.

Chapter "Gradient checking" explains the choices. For each parameter entry w,

    numerical dL/dw = (L(w + eps) - L(w - eps)) / (2 eps)        error O(eps^2)

and a parameter's gradient g is compared with its numerical estimate n by the
relative error

    ||g - n|| / (||g|| + ||n||)          (0 when both vanish)

which, unlike the absolute difference ||g - n||, does not depend on the scale of the loss.
In float64 a correct gradient typically gives 1e-7 or less at eps = 1e-6; 1e-4 or more
means a bug (unless the check straddles a kink such as ReLU at 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._checks import check_int, check_positive, check_seed, describe


def relative_error(g, n) -> float:
    """||g - n|| / (||g|| + ||n||), and 0.0 when both are zero."""
    g, n = _as_real(g, "g"), _as_real(n, "n")
    if g.shape != n.shape:
        raise ValueError(f"g and n must have the same shape; got {g.shape} and {n.shape}")
    peak = max(np.abs(g).max(initial=0.0), np.abs(n).max(initial=0.0))
    if peak == 0:
        return 0.0
    if np.isfinite(peak):  # a common scale changes nothing and keeps huge entries finite
        g, n = g / peak, n / peak
    return float(np.linalg.norm(g - n) / (np.linalg.norm(g) + np.linalg.norm(n)))


def _as_real(value, name):
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be an array of real numbers: {exc}") from None
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be an array of real numbers; got {describe(value)}")
    return arr.astype(np.float64)


def numerical_gradient(f, x, eps=1e-6):
    """Central differences of a scalar function f at the array x (x is restored).

    f takes no arguments and reads x, which is perturbed in place one entry at a time.
    """
    eps = check_positive(eps, "eps")
    if not isinstance(x, np.ndarray):
        raise TypeError(f"x must be a numpy array; got {describe(x)}")
    if x.dtype.kind != "f":
        # x + eps would be truncated back into an integer array: a silently wrong gradient
        raise TypeError(f"x must be a floating-point array (it is perturbed in place); "
                        f"got dtype {x.dtype}")
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        grad[idx] = _central_difference(f, x, idx, eps)
    return grad


def _central_difference(f, x, idx, eps):
    old = x[idx]
    try:
        x[idx] = old + eps
        plus = f()
        x[idx] = old - eps
        minus = f()
    finally:
        x[idx] = old
    return (plus - minus) / (2 * eps)


def numerical_gradients(net, X, Y, eps=1e-6, names=None):
    """Central-difference estimates of every gradient of `net.loss(X, Y)`.

    Returns a dict "dW1", "db1", ... with the shapes of `net.gradients(X, Y)`;
    `names` limits it to some parameters (e.g. ["W1"]). This costs 2 forward passes
    per parameter entry, which is why backpropagation exists.
    """
    X, Y = net.check_data(X, Y)
    names = _check_names(net, names)
    loss = lambda: net.loss(X, Y)  # noqa: E731 - a closure over the perturbed params
    return {"d" + name: numerical_gradient(loss, net.params[name], eps) for name in names}


@dataclass
class GradCheck:
    """The result of `gradcheck`: relative errors per parameter and overall."""

    errors: dict
    analytic: dict = field(repr=False)
    numeric: dict = field(repr=False)
    eps: float = 1e-6
    n_loss_evaluations: int = 0

    @property
    def max_relative_error(self) -> float:
        return max(self.errors.values())

    def passed(self, threshold=1e-7) -> bool:
        return self.max_relative_error < threshold

    def table(self) -> str:
        """A small text table, one parameter a row, for notebooks."""
        lines = [f"{'parameter':<10}{'relative error':>16}"]
        lines += [f"{name:<10}{err:>16.2e}" for name, err in self.errors.items()]
        return "\n".join(lines)


def gradcheck(net, X, Y, eps=1e-6, names=None, n_samples=None, seed=0) -> GradCheck:
    """Compare `net.gradients(X, Y)` with central differences, parameter by parameter.

    n_samples: check only this many randomly chosen entries of each parameter (all of
    them when it has fewer), which is how one checks a large network in reasonable time.
    """
    eps = check_positive(eps, "eps")
    X, Y = net.check_data(X, Y)
    names = _check_names(net, names)
    if n_samples is not None:
        n_samples = check_int(n_samples, "n_samples", low=1)
    rng = np.random.default_rng(check_seed(seed))
    analytic = net.gradients(X, Y)
    loss = lambda: net.loss(X, Y)  # noqa: E731
    errors, g_used, n_used = {}, {}, {}
    evaluations = 0
    for name in names:
        w = net.params[name]
        g = analytic["d" + name]
        if n_samples is None or n_samples >= w.size:
            n = numerical_gradient(loss, w, eps)
            g_sel = g
        else:
            flat = rng.choice(w.size, size=n_samples, replace=False)
            idxs = [np.unravel_index(i, w.shape) for i in flat]
            n = np.array([_central_difference(loss, w, idx, eps) for idx in idxs])
            g_sel = np.array([g[idx] for idx in idxs])
        evaluations += 2 * n.size
        errors[name] = relative_error(g_sel, n)
        g_used["d" + name], n_used["d" + name] = g_sel, n
    return GradCheck(errors, g_used, n_used, eps, evaluations)


def _check_names(net, names):
    if names is None:
        return list(net.params)
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise TypeError(f"names must be a parameter name or a list of them, such as ['W1']; "
                        f"got {describe(names)}")
    if not names:
        raise ValueError(f"names must list at least one of {list(net.params)}; got an empty list")
    unknown = [n for n in names if n not in net.params]
    if unknown:
        raise ValueError(f"names must be parameters of the network {list(net.params)}; "
                         f"got unknown {unknown}")
    return list(names)
