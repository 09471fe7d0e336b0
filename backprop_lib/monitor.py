"""A per-layer gradient monitor for `train`, with a stated rule that is relative throughout.

Chapter "Practical tips" uses it. Pass a monitor as the callback of `train`:

    monitor = GradientMonitor()
    history = bp.train(net, X, Y, optimizer, epochs=200, callback=monitor)
    monitor.findings          # what the rule found, one Finding per (layer, kind)
    print(monitor.report())

After every epoch it reads g_l, the epoch's mean norm ||dW{l}|| of each layer l (the row
`history.grad_norms[-1]`), keeps it in `monitor.norms`, and, from the network's own
weights, the update/weight ratio of the epoch

    r_l = ||W{l} after the epoch - W{l} before it|| / ||W{l} before it||

(kept in `monitor.ratios`; NaN for the first epoch, whose starting weights the callback
never sees). Then it applies this rule:

- vanishing:  r_l < vanish                    (default 1e-6: the layer's weights move by less
              than a millionth of their size per epoch; a healthy layer's move by about
              1e-3 per step)
- exploding:  g_l > explode * g_l at epoch 0  (default 1e3: a thousandfold growth)
- imbalance:  max_l g_l / min_l g_l > spread  (default 1e3: the layers learn at very
              different speeds, the signature of vanishing gradients in deep nets)

Every threshold compares a layer with itself, with its own weights or with the other
layers, never with one absolute number: multiplying the loss by a constant c (and the
learning rate by 1/c, which leaves SGD's steps as they were) changes no verdict. A rule
on the gradient's size alone ("g_l < 1e-6", `rule="absolute"`, kept to show the
difference) depends on the loss's scale, and so does the common rule that warns when the
norm of all gradients together exceeds 10, which also cannot see a vanishing layer hidden
behind a healthy one.

Each (layer, kind) is reported once, at the first epoch it occurs, so a long run does not
flood the output. Findings are returned, not printed; `warn=True` also issues one
GradientWarning per finding (for scripts), and `stop=True` ends training at the first one.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ._checks import check_choice, check_int, check_positive, describe

__all__ = ["Finding", "GradientMonitor", "GradientWarning", "RULES", "scaled_loss"]

RULES = ("relative", "absolute")


class GradientWarning(UserWarning):
    """A layer's gradient norm broke the monitor's rule."""


@dataclass(frozen=True)
class Finding:
    """One thing the monitor found: at `epoch`, layer `layer` had norm `value`."""

    epoch: int
    layer: int | None  # None for "imbalance", which concerns all layers
    kind: str  # "vanishing", "exploding" or "imbalance"
    value: float
    message: str

    def __str__(self) -> str:
        return self.message


class GradientMonitor:
    """A `train` callback that records per-layer gradient norms and applies the rule above."""

    def __init__(self, vanish=1e-6, explode=1e3, spread=1e3, warn=False, stop=False,
                 rule="relative"):
        self.rule = check_choice(rule, "rule", RULES)
        self.vanish = check_positive(vanish, "vanish")
        self.explode = check_positive(explode, "explode")
        self.spread = check_positive(spread, "spread")
        for name, value in (("warn", warn), ("stop", stop)):
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{name} must be True or False; got {describe(value)}")
        self.warn, self.stop = bool(warn), bool(stop)
        self.reset()

    def reset(self) -> None:
        """Forget every recorded norm and finding (to reuse the monitor for a new run)."""
        self._norms = []
        self._ratios = []
        self._weights = None
        self.findings = []
        self._seen = set()

    @property
    def norms(self) -> np.ndarray:
        """The recorded norms, shape (epochs, L): row e, column l-1 is g_l at epoch e."""
        if not self._norms:
            return np.zeros((0, 0))
        return np.array(self._norms)

    @property
    def ratios(self) -> np.ndarray:
        """The update/weight ratios r_l, shape (epochs, L) (NaN where unknown)."""
        if not self._ratios:
            return np.zeros((0, 0))
        return np.array(self._ratios)

    def __call__(self, epoch, net, history) -> bool:
        """The callback `train` calls after each epoch; True asks it to stop."""
        grad_norms = getattr(history, "grad_norms", None)
        if not isinstance(grad_norms, np.ndarray) or grad_norms.ndim != 2 or not len(grad_norms):
            raise TypeError("history must be the History that train passes to its callback, "
                            f"with at least one row of grad_norms; got {describe(history)}")
        params = getattr(net, "params", None)
        if not isinstance(params, dict):
            raise TypeError(f"net must be a network with params; got {describe(net)}")
        L = len(grad_norms[-1])
        weights = [np.array(params[f"W{l}"], dtype=float) for l in range(1, L + 1)]
        ratios = None
        if self._weights is not None:
            ratios = [np.linalg.norm(w - v) / np.linalg.norm(v) if np.linalg.norm(v) > 0
                      else np.inf for w, v in zip(weights, self._weights, strict=True)]
        self._weights = weights
        new = self.observe(epoch, grad_norms[-1], ratios)
        return self.stop and bool(new)

    def observe(self, epoch, norms, ratios=None) -> list:
        """Record one epoch's per-layer gradient norms g_l and update/weight ratios r_l
        (None where unknown: the vanishing rule then waits) and return the new findings."""
        epoch = check_int(epoch, "epoch", low=0)
        if norms is None or isinstance(norms, (str, bytes, dict, set)):
            raise TypeError(f"norms must be an array of per-layer norms; got {describe(norms)}")
        try:
            g = np.asarray(norms)
        except (TypeError, ValueError) as exc:  # ragged nested lists
            raise ValueError(f"norms must be an array of per-layer norms: {exc}") from None
        if g.dtype.kind not in "fiu":
            raise TypeError(f"norms must hold real numbers, one per layer; got dtype {g.dtype}")
        g = g.astype(np.float64).reshape(-1)
        if g.size == 0 or not np.isfinite(g).all():
            raise ValueError(f"norms must be finite, one per layer; got {describe(norms)}")
        if (g < 0).any():
            raise ValueError(f"norms must be non-negative (they are norms); got {describe(norms)}")
        if self._norms and g.size != len(self._norms[0]):
            raise ValueError(f"norms must have one entry per layer ({len(self._norms[0])}); "
                             f"got {g.size}")
        if ratios is None:
            r = np.full(g.size, np.nan)
        else:
            r = np.asarray(ratios, dtype=float).reshape(-1)
            if r.size != g.size or (r < 0).any() or np.isnan(r).any():
                raise ValueError(f"ratios must hold one non-negative number per layer "
                                 f"({g.size}); got {describe(ratios)}")
        self._norms.append(g)
        self._ratios.append(r)
        first = self._norms[0]
        new = []
        for l, (gl, rl) in enumerate(zip(g, r, strict=True), start=1):
            if self.rule == "absolute" and gl < self.vanish:
                new += self._add(epoch, l, "vanishing", gl,
                                 f"epoch {epoch}: layer {l} gradient norm {gl:.2e} is below "
                                 f"{self.vanish:.0e} (vanishing)")
            if self.rule == "relative" and rl < self.vanish:
                new += self._add(epoch, l, "vanishing", rl,
                                 f"epoch {epoch}: layer {l} moved by {rl:.2e} of its weights' "
                                 f"norm, below {self.vanish:.0e} (vanishing)")
            if first[l - 1] > 0 and gl > self.explode * first[l - 1]:
                new += self._add(epoch, l, "exploding", gl,
                                 f"epoch {epoch}: layer {l} gradient norm {gl:.2e} is more than "
                                 f"{self.explode:.0e} times its first value {first[l - 1]:.2e} "
                                 "(exploding)")
        if g.size > 1:
            lo, hi = g.min(), g.max()
            ratio = hi / lo if lo > 0 else np.inf
            if ratio > self.spread:
                new += self._add(epoch, None, "imbalance", ratio,
                                 f"epoch {epoch}: the largest layer gradient norm (layer "
                                 f"{int(g.argmax()) + 1}) is {ratio:.2e} times the smallest "
                                 f"(layer {int(g.argmin()) + 1}); limit {self.spread:.0e}")
        return new

    def _add(self, epoch, layer, kind, value, message):
        if (layer, kind) in self._seen:
            return []
        self._seen.add((layer, kind))
        finding = Finding(int(epoch), layer, kind, float(value), message)
        self.findings.append(finding)
        if self.warn:
            warnings.warn(message, GradientWarning, stacklevel=3)
        return [finding]

    def report(self) -> str:
        """The findings as text, one a line (or a line saying there were none)."""
        if not self.findings:
            return f"no findings in {len(self._norms)} epochs"
        return "\n".join(f.message for f in self.findings)

    def __repr__(self) -> str:
        return (f"GradientMonitor(vanish={self.vanish:g}, explode={self.explode:g}, "
                f"spread={self.spread:g}, warn={self.warn}, stop={self.stop}, "
                f"rule={self.rule!r})")


def scaled_loss(net, factor):
    """A copy of `net` whose loss and gradients are multiplied by `factor`: trained at
    lr / factor by SGD it takes the same steps as `net` at lr, with gradients `factor` times
    larger, the test of a monitor rule's dependence on the loss's scale."""
    factor = check_positive(factor, "factor")
    twin = net.copy()
    base = twin.loss_and_gradients

    def loss_and_gradients(X, Y, checked=False):
        loss, grads = base(X, Y, checked)
        return loss * factor, {k: g * factor for k, g in grads.items()}

    twin.loss_and_gradients = loss_and_gradients
    return twin
