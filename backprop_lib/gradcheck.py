"""Gradient checking: backpropagation against central differences.

Chapter "Gradient checking" explains the choices. For each parameter entry w,

    numerical dL/dw = (L(w + eps) - L(w - eps)) / (2 eps)        error O(eps^2)

and a parameter's gradient g is compared with its numerical estimate g~ (the chapter's
tilde g; `GradCheck.numeric`) by the relative error

    ||g - g~|| / (||g|| + ||g~||)          (0 when both vanish)

which, unlike the absolute difference ||g - g~||, does not depend on the scale of the loss.

Thresholds. In float64 at eps = 1e-6, a correct gradient whose entries are not small
(about 1e-2 or more for a loss near 1) typically gives 1e-7 or less, and 1e-4 or more
means a bug, unless the two points w +- eps straddle a kink such as ReLU at 0. Small
gradients raise the relative error although the code is correct:

- rounding: each loss value carries a rounding error of about u |L| (u = 1.1e-16, the
  unit roundoff of float64, half its machine epsilon 2.2e-16), so a numerical derivative
  carries one of about u |L| / eps (`GradCheck.rounding_error` reports twice that,
  2 u |L| / eps = machine epsilon |L| / eps, as a margin),
  about 2e-10 for a loss near 1, whatever the size of the gradient. The relative error is
  then about (u |L| / eps) / |g|: 1e-6 for gradients of 1e-4, and up to about 0.1 for
  gradients of 1e-8 to 1e-9 (as with init="small");
- gradients that are exactly zero by construction (beta of a batch-normalized layer whose
  output is normalized again, through identity layers: the next layer's mean removes any
  shift): g and n are both rounding noise, and the relative error is about 1 (exactly 1
  when one of them is exactly 0), so `passed()` is False.

What to do then: check at a scale where the gradients are not tiny (another
initialization or data), and read the absolute error, `GradCheck.abs_errors`, against the
rounding error of the step, `GradCheck.rounding_error` (2 u |L| / eps): an absolute error of
that size or less is rounding, not a bug.

The step taken. In the array's own precision, w + eps is rounded to a neighbouring
floating-point number, so the step actually taken is h+ = fl(w + eps) - w, not eps (in
float32 near w = 0.5 the spacing is 6e-8, and eps = 1e-7 becomes 2 spacings, 1.19e-7).
`taken_step=True` divides by the steps taken, h+ + h-, instead of 2 eps:

    numerical dL/dw = (L(w + h+) - L(w - h-)) / (h+ + h-)

Both steps are computed exactly (subtracting two nearby floats is exact, Sterbenz).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from ._checks import check_int, check_positive, check_seed, describe
from .batchnorm import unchanged_statistics


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


def numerical_gradient(f, x, eps=1e-6, taken_step=False):
    """Central differences of a scalar function f at the array x (x is restored).

    f takes no arguments, reads x and returns a number (a Python or NumPy scalar, or a 0-d
    array); x, a writable floating-point array, is perturbed in place one entry at a time
    and each entry is put back exactly, even when f fails. An eps below the spacing of x's
    floating-point numbers gives a wrong (often zero) estimate: the left side of
    chapter "Gradient checking"'s U curve. taken_step=True divides by the steps actually
    taken, fl(x + eps) - x and x - fl(x - eps), instead of 2 eps (see the module).
    """
    if not callable(f):
        raise TypeError(f"f must be a function of no arguments that returns the loss; "
                        f"got {describe(f)}")
    eps = check_positive(eps, "eps")
    if not isinstance(x, np.ndarray):
        raise TypeError(f"x must be a numpy array; got {describe(x)}")
    if x.dtype.kind != "f":
        # x + eps would be truncated back into an integer array: a silently wrong gradient
        raise TypeError(f"x must be a floating-point array (it is perturbed in place); "
                        f"got dtype {x.dtype}: pass x.astype(np.float64), and have f read it")
    if not x.flags.writeable:
        raise ValueError("x must be writable: it is perturbed in place, one entry at a time, "
                         "for f to read; pass a writable copy (x = x.copy()) and have f read it")
    if not isinstance(taken_step, (bool, np.bool_)):
        raise TypeError(f"taken_step must be True or False; got {describe(taken_step)}")
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        grad[idx] = _central_difference(f, x, idx, eps, taken_step)
    return grad


def _central_difference(f, x, idx, eps, taken_step=False):
    old = x[idx]
    try:
        x[idx] = old + eps
        up = float(x[idx]) - float(old)  # exact: the step the array could hold
        plus = _scalar(f(), idx, "+")
        x[idx] = old - eps
        down = float(old) - float(x[idx])
        minus = _scalar(f(), idx, "-")
    finally:
        x[idx] = old
    if not taken_step:
        return (plus - minus) / (2 * eps)
    if up + down == 0:  # eps below the spacing: both losses are the loss at w
        return 0.0
    return (plus - minus) / (up + down)


def _scalar(value, idx, sign) -> float:
    """f's value as a float, or an error that says what f returned."""
    if type(value) is float or isinstance(value, np.floating):  # the common case
        v = float(value)
    elif isinstance(value, (bool, np.bool_)) or value is None or isinstance(value, str):
        raise TypeError(f"f must return the loss as a number; it returned {describe(value)}")
    elif isinstance(value, numbers.Real):  # int, NumPy integers, Fraction...
        v = float(value)
    elif not isinstance(value, np.generic) and hasattr(value, "shape"):  # arrays, tensors
        shape = tuple(np.shape(value))
        if shape != ():
            raise TypeError(f"f must return a scalar (the loss); it returned an array of shape "
                            f"{shape}: reduce it to one number, e.g. with .sum() or .mean()")
        return _scalar(np.asarray(value)[()], idx, sign)
    else:
        raise TypeError(f"f must return the loss as a real number; it returned {describe(value)}")
    if not np.isfinite(v):
        raise ValueError(f"f must return a finite number; it returned {v} with x[{idx}] "
                         f"moved by {sign}eps")
    return v


def numerical_gradients(net, X, Y, eps=1e-6, names=None, taken_step=False):
    """Central-difference estimates of every gradient of `net.loss(X, Y)`.

    Returns a dict "dW1", "db1", ... with the shapes of `net.gradients(X, Y)`;
    `names` limits it to some parameters (e.g. ["W1"]). This costs 2 forward passes
    per parameter entry, which is why backpropagation exists. The network is left as it
    was: each entry is restored exactly, and running statistics are not touched.
    taken_step=True divides by the steps the parameter arrays actually took (see the module).
    """
    _check_net(net)
    eps = check_positive(eps, "eps")
    X, Y = net.check_data(X, Y)
    names = _check_names(net, names)
    loss = lambda: net.loss(X, Y)  # noqa: E731 - a closure over the perturbed params
    with unchanged_statistics(net):
        return {"d" + name: numerical_gradient(loss, net.params[name], eps, taken_step)
                for name in names}


@dataclass
class GradCheck:
    """The result of `gradcheck` (chapter "Gradient checking"): relative errors per
    parameter and overall.

    errors[name] is the relative error of parameter `name` (see the module docstring for
    what tiny gradients do to it); abs_errors[name] the largest |g - g~| over the entries
    checked; rounding_error 2 u |L| / eps, twice the rounding error u |L| / eps of one
    numerical derivative (nan when unknown): absolute errors of that size are rounding, not a bug.
    """

    errors: dict
    analytic: dict = field(repr=False)
    numeric: dict = field(repr=False)
    eps: float = 1e-6
    n_loss_evaluations: int = 0
    rounding_error: float = float("nan")

    @property
    def max_relative_error(self) -> float:
        return max(self.errors.values())

    @property
    def abs_errors(self) -> dict:
        """max |g - n| per parameter, over the entries compared."""
        out = {}
        for name in self.errors:
            g, n = self.analytic.get("d" + name), self.numeric.get("d" + name)
            if g is not None and n is not None:
                out[name] = float(np.abs(np.asarray(g) - np.asarray(n)).max(initial=0.0))
        return out

    @property
    def max_abs_error(self) -> float:
        return max(self.abs_errors.values(), default=float("nan"))

    def passed(self, threshold=1e-7) -> bool:
        """max_relative_error < threshold (tiny or zero gradients fail it: see the module)."""
        return self.max_relative_error < threshold

    def table(self, absolute=False) -> str:
        """A small text table, one parameter a row, for notebooks (absolute=True adds
        the absolute error max |g - n| and, below, the step's rounding error)."""
        if not absolute:
            lines = [f"{'parameter':<10}{'relative error':>16}"]
            lines += [f"{name:<10}{err:>16.2e}" for name, err in self.errors.items()]
            return "\n".join(lines)
        abs_errors = self.abs_errors
        lines = [f"{'parameter':<10}{'relative error':>16}{'absolute error':>16}"]
        lines += [f"{name:<10}{err:>16.2e}{abs_errors.get(name, float('nan')):>16.2e}"
                  for name, err in self.errors.items()]
        lines.append(f"rounding error of the step (2u |L| / eps): {self.rounding_error:.1e}")
        return "\n".join(lines)


def gradcheck(net, X, Y, eps=1e-6, names=None, n_samples=None, seed=0) -> GradCheck:
    """Compare `net.gradients(X, Y)` with central differences, parameter by parameter.

    n_samples: check only this many randomly chosen entries of each parameter (all of
    them when it has fewer), which is how one checks a large network in reasonable time.
    The network is left exactly as it was, running statistics of a BatchNormNetwork
    included. A relative error of 1e-4 or more means a bug only when the gradients are
    not tiny: read the module docstring, and `abs_errors` against `rounding_error`.
    """
    _check_net(net)
    eps = check_positive(eps, "eps")
    X, Y = net.check_data(X, Y)
    names = _check_names(net, names)
    if n_samples is not None:
        n_samples = check_int(n_samples, "n_samples", low=1)
    rng = np.random.default_rng(check_seed(seed))
    with unchanged_statistics(net):
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
        rounding = _rounding_error(net, loss(), eps)
    return GradCheck(errors, g_used, n_used, eps, evaluations, rounding)


def _rounding_error(net, loss, eps) -> float:
    """2 u |L| / eps (u the unit roundoff, half the machine epsilon): a bound, with a
    margin of 2, on the rounding error of a central difference of a loss near L."""
    dtype = getattr(net, "dtype", np.float64)
    try:
        u = float(np.finfo(dtype).eps)
    except (TypeError, ValueError):
        return float("nan")
    return u * abs(float(loss)) / eps


def _check_net(net):
    for attr in ("params", "check_data", "loss", "gradients"):
        if not hasattr(net, attr):
            raise TypeError(f"net must be a backprop_lib Network (with params, loss and "
                            f"gradients); got {describe(net)}")


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
