"""Chapter "Dead neurons and slow convergence": does a positive initial bias save ReLU units?

The comparison is paired by seed: for each seed, the same initial weights and batch order
are trained once with every hidden bias at `low` (0) and once at `high` (0.1), by
dead_units.dead_run, and we count the dead units of each (out of WIDTH x HIDDEN). A
difference of a unit or two between two means over ten seeds is within what the seeds
alone can produce, so the comparison runs over BIAS_SEEDS (40) and reports, per learning
rate: the mean paired difference in units with its range and standard error, how many
seeds have fewer or more dead units with the positive bias, the two-sided sign-test
p-value of that split (ties left out), and how many runs of each diverged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .dead_units import HIDDEN, WIDTH, dead_run

BIAS_SEEDS = tuple(range(40))  # 10 seeds leave the sign of a one-unit difference to chance


def sign_test_p(fewer, more) -> float:
    """Two-sided sign test: the probability, if either sign were equally likely, of a split
    at least as uneven as fewer against more (ties already left out)."""
    n, k = fewer + more, min(fewer, more)
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return float(min(1.0, 2 * tail))


@dataclass
class Paired:
    lr: float
    diff: np.ndarray  # dead units with `high` minus with `low`, per seed where both trained
    fewer: int  # seeds where `high` leaves fewer dead units
    more: int
    equal: int
    diverged_low: int
    diverged_high: int
    runs: int

    @property
    def mean(self) -> float:
        return float(np.mean(self.diff))

    @property
    def sem(self) -> float:
        """The standard error of the mean difference."""
        return float(np.std(self.diff, ddof=1) / np.sqrt(self.diff.size))

    @property
    def p(self) -> float:
        return sign_test_p(self.fewer, self.more)

    def text(self) -> str:
        """'-1.2 units (standard error 0.3; -6 to +2), fewer in 27 and more in 8 of 40 seeds
        (sign test p = 0.0019)'."""
        return (f"{self.mean:+.1f} units (standard error {self.sem:.1f}; {self.diff.min():+.0f} to "
                f"{self.diff.max():+.0f}), fewer in {self.fewer} and more in {self.more} of "
                f"{self.diff.size} seeds (sign test p = {self.p:.2g})")


def paired(lr, low=0.0, high=0.1, seeds=BIAS_SEEDS) -> Paired:
    """The paired comparison at learning rate lr over `seeds`."""
    n = WIDTH * HIDDEN
    a = [dead_run(lr=lr, bias=low, seed=s) for s in seeds]
    b = [dead_run(lr=lr, bias=high, seed=s) for s in seeds]
    d = np.array([n * (rb.dead[-1] - ra.dead[-1]) for ra, rb in zip(a, b, strict=True)
                  if not (ra.diverged or rb.diverged)])
    d = np.round(d)  # whole units
    return Paired(lr, d, int(np.sum(d < 0)), int(np.sum(d > 0)), int(np.sum(d == 0)),
                  sum(r.diverged for r in a), sum(r.diverged for r in b), len(seeds))
