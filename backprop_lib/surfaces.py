"""Small loss surfaces with exact gradients, for watching optimizers move.

Chapter "Optimizers" runs SGD, momentum, RMSprop and Adam on these functions of one or two
numbers, where every step can be drawn on a contour plot. Each surface is a `Surface`:

    f(w)      the value; w has shape (d,), or (d, ...) to evaluate a whole grid at once
    grad(w)   the exact gradient, shape (d,)
    minimum   where f is smallest (a point of shape (d,)); f(minimum) is the best value

The surfaces:

- `quadratic(condition, angle)`: f(w) = 1/2 w^T H w, where H has eigenvalues 1 and
  `condition` along axes turned by `angle`. The larger the condition number, the longer and
  narrower the valley, and the harder it is for plain gradient descent (a step that is
  stable across the valley is tiny along it).
- `rosenbrock(a, b)`: f(x, y) = (a - x)^2 + b (y - x^2)^2, a curved, flat-bottomed valley
  with its minimum at (a, a^2).
- `square()`: f(w) = w^2 in one dimension, the simplest test of a step rule.
- `scaled(surface, factor)`: the same surface times a constant (every gradient scaled).

`trajectory(optimizer, surface, w0, steps)` runs any backprop_lib optimizer on a surface
through the same interface a network uses, opt.step({"w": w}, {"dw": g}), and records the
path. A run whose value or position stops being finite or explodes stops early and says so
(`diverged`, `message`), so a figure can show divergence as a result.

This module needs NumPy only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._checks import check_int, check_positive, check_real, describe
from .optimizers import Optimizer


@dataclass(frozen=True)
class Surface:
    """A differentiable function of a small vector w, with its known minimum."""

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    minimum: np.ndarray
    start: np.ndarray  # a starting point that shows the surface's difficulty
    extent: tuple  # (xmin, xmax, ymin, ymax) for contour plots; (xmin, xmax) in 1-D

    @property
    def dim(self) -> int:
        return int(self.minimum.shape[0])

    @property
    def best(self) -> float:
        """The smallest value of f, f(minimum)."""
        return float(self.f(self.minimum))

    def grid(self, n=120):
        """(xx, yy, F): f on an n x n grid over `extent`, for contour plots (2-D only)."""
        if self.dim != 2:
            raise ValueError(f"grid needs a 2-D surface; {self.name!r} has dimension {self.dim}")
        n = check_int(n, "n", low=2)
        x0, x1, y0, y1 = self.extent
        xx, yy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
        return xx, yy, self.f(np.stack([xx, yy]))


def quadratic(condition=20.0, angle=0.0) -> Surface:
    """f(w) = 1/2 w^T H w with eigenvalues 1 and `condition`, axes turned by `angle` radians.

    The gradient is H w. Gradient descent with learning rate lr is stable on it exactly
    when lr < 2 / condition (the largest eigenvalue).
    """
    kappa = check_real(condition, "condition", low=1.0)
    angle = check_real(angle, "angle")
    c, s = np.cos(angle), np.sin(angle)
    R = np.array([[c, -s], [s, c]])
    H = R @ np.diag([1.0, kappa]) @ R.T

    def f(w):
        w = np.asarray(w, dtype=np.float64)
        Hw = np.tensordot(H, w, axes=1)
        return 0.5 * np.sum(w * Hw, axis=0)

    def grad(w):
        return H @ np.asarray(w, dtype=np.float64)

    start = R @ np.array([-4.0, 1.0])
    return Surface(f"quadratic (condition {kappa:g})", f, grad, np.zeros(2), start,
                   (-4.5, 4.5, -2.0, 2.0))


def rosenbrock(a=1.0, b=100.0) -> Surface:
    """f(x, y) = (a - x)^2 + b (y - x^2)^2, minimum 0 at (a, a^2)."""
    a = check_real(a, "a")
    b = check_positive(b, "b")

    def f(w):
        x, y = np.asarray(w, dtype=np.float64)[:2]
        return (a - x) ** 2 + b * (y - x * x) ** 2

    def grad(w):
        x, y = np.asarray(w, dtype=np.float64)
        return np.array([-2.0 * (a - x) - 4.0 * b * x * (y - x * x), 2.0 * b * (y - x * x)])

    return Surface(f"Rosenbrock (b = {b:g})", f, grad, np.array([a, a * a]),
                   np.array([-1.2, 1.0]), (-2.0, 2.0, -1.0, 3.0))


def square() -> Surface:
    """f(w) = w^2 in one dimension: gradient 2w, minimum 0 at w = 0."""

    def f(w):
        return np.asarray(w, dtype=np.float64)[0] ** 2

    def grad(w):
        return 2.0 * np.asarray(w, dtype=np.float64)

    return Surface("w^2", f, grad, np.zeros(1), np.ones(1), (-1.5, 1.5))


def scaled(surface, factor) -> Surface:
    """`surface` with f (and so every gradient) multiplied by `factor`: the same minimum,
    start and extent. The ablation for "a step set by the gradient's size or by the learning
    rate": gradient descent's best learning rate moves by 1 / factor, RMSprop's and Adam's
    do not (up to eps)."""
    if not isinstance(surface, Surface):
        raise TypeError(f"surface must be a Surface, got {describe(surface)}")
    c = check_positive(factor, "factor")
    return Surface(f"{surface.name} times {c:g}", lambda w: c * surface.f(w),
                   lambda w: c * surface.grad(w), surface.minimum, surface.start, surface.extent)


SURFACES = {"quadratic": quadratic, "rosenbrock": rosenbrock, "square": square}


@dataclass
class Trajectory:
    """The path of one optimizer run: positions, values, and whether it diverged."""

    path: np.ndarray  # (steps taken + 1, d): w0, w1, ...
    values: np.ndarray  # f at each position
    surface: Surface
    diverged: bool = False
    stopped_step: int | None = None  # the step at which divergence was detected
    message: str = ""

    @property
    def steps(self) -> np.ndarray:
        """Length of each step, ||w_{t+1} - w_t||."""
        return np.linalg.norm(np.diff(self.path, axis=0), axis=1)

    @property
    def gaps(self) -> np.ndarray:
        """f(w_t) - f(minimum) at each position: how far from the best value."""
        return self.values - self.surface.best

    def overshoot(self) -> float:
        """How far the path went past the minimum, along the line from the start to it.

        0 if it never crossed the minimum. On f(w) = w^2 from w0 = 1, this is the most
        negative w reached, as a positive number.
        """
        direction = self.surface.minimum - self.path[0]
        length = np.linalg.norm(direction)
        if length == 0:
            return 0.0
        beyond = (self.path - self.surface.minimum) @ (direction / length)
        return float(max(0.0, beyond.max()))

    def steps_to(self, tol) -> int | None:
        """The first step t with f(w_t) - f(minimum) < tol, or None if never."""
        tol = check_positive(tol, "tol")
        hit = np.flatnonzero(self.gaps < tol)
        return int(hit[0]) if hit.size else None


def trajectory(optimizer, surface, w0=None, steps=100, limit=1e6) -> Trajectory:
    """Run `optimizer` for `steps` steps on `surface` from `w0` (default: surface.start).

    The optimizer is reset first, so the same object gives the same path every time. It
    sees the position as params {"w": w} and the gradient as grads {"dw": g}, exactly as
    it sees a network's parameters. The run stops early, with diverged=True, when f or w
    stops being finite or |w| or f exceeds `limit`.
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError("optimizer must be a backprop_lib.optimizers optimizer such as "
                        f"SGD(lr=0.1); got {describe(optimizer)}")
    if not isinstance(surface, Surface):
        raise TypeError("surface must be a backprop_lib.surfaces Surface such as "
                        f"surfaces.quadratic(); got {describe(surface)}")
    steps = check_int(steps, "steps", low=1)
    limit = check_positive(limit, "limit")
    w = _check_start(surface.start if w0 is None else w0, surface)
    optimizer.reset()
    path, values = [w.copy()], [float(surface.f(w))]
    result = Trajectory(np.empty(0), np.empty(0), surface)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            optimizer.step({"w": w}, {"dw": surface.grad(w)})
            value = float(surface.f(w))
            if not (np.isfinite(w).all() and np.isfinite(value)
                    and np.abs(w).max() <= limit and abs(value) <= limit):
                result.diverged, result.stopped_step = True, t
                result.message = (f"diverged at step {t}: the position or value left the "
                                  f"range |w|, f <= {limit:g}; try a learning rate below "
                                  f"{optimizer.lr:g}")
                break
            path.append(w.copy())
            values.append(value)
    result.path, result.values = np.array(path), np.array(values)
    return result


def _check_start(w0, surface):
    if isinstance(w0, (str, bytes, dict)) or w0 is None:
        raise TypeError(f"w0 must be a point of shape ({surface.dim},); got {describe(w0)}")
    try:
        w = np.array(w0, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise TypeError(f"w0 must be a point of shape ({surface.dim},); "
                        f"got {describe(w0)}") from None
    if w.shape != (surface.dim,):
        raise ValueError(f"w0 must have shape ({surface.dim},) for the surface "
                         f"{surface.name!r}; got {np.shape(w0)}")
    if not np.isfinite(w).all():
        raise ValueError(f"w0 must be finite; got {w0!r}")
    return w
