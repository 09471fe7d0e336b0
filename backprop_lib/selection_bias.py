"""Why a split that chose a setting cannot also measure it (chapter "The whole book at work:
handwritten digits", its common mistake "choosing on the test split").

The demonstration stays off the test split: it halves the *validation* split at random,
picks the best of many trained networks by their accuracy on one half, and reads that
network's accuracy on both halves. On the half that chose it, it is the best of many noisy
scores, and so biased upwards; the other half, which chose nothing, gives an honest
estimate. `optimism` repeats this over many random halvings and returns the two means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import check_int, check_seed

__all__ = ["Optimism", "optimism"]


@dataclass(frozen=True)
class Optimism:
    """Means over the halvings: the chosen network's accuracy on the half that chose it
    (chosen_on) and on the other half (other), and the share of halvings where the first
    was the higher; n_settings networks competed."""

    chosen_on: float
    other: float
    share_higher: float
    n_settings: int
    halvings: int


def optimism(correct, halvings=200, seed=0) -> Optimism:
    """correct: (settings, m) booleans, whether network i classified example j right."""
    correct = np.asarray(correct)
    if correct.ndim != 2 or correct.shape[0] < 2 or correct.shape[1] < 2:
        raise ValueError(f"correct must be (settings, examples) with at least two of each; "
                         f"got shape {correct.shape}")
    halvings = check_int(halvings, "halvings", low=1)
    rng = np.random.default_rng(check_seed(seed))
    m = correct.shape[1]
    on, off = np.empty(halvings), np.empty(halvings)
    for k in range(halvings):
        order = rng.permutation(m)
        a, b = order[: m // 2], order[m // 2:]
        best = int(np.argmax(correct[:, a].mean(axis=1)))
        on[k], off[k] = correct[best, a].mean(), correct[best, b].mean()
    return Optimism(float(on.mean()), float(off.mean()), float(np.mean(on > off)),
                    correct.shape[0], halvings)
