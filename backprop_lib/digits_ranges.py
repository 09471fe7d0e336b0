"""Which learning rates are good, with batch normalization and without: by loss and by
accuracy, over the search's seeds (chapter "The whole book at work: handwritten digits").

The two measures disagree at large rates, in opposite ways for the two variants. Without
batch normalization the accuracy stays on its plateau while the validation loss blows up
(confident mistakes); with it, at the largest rates, the network stops training and its
accuracy falls while its loss rises only towards ln 10, that of a uniform guess (timid
guesses): many times its own best, yet far below the plain network's at the same rate. So "a wider
range of good rates" holds by the loss and not by the accuracy, and `compare` measures
both, seed by seed, on two `digits_study.Search` results over the same rates:

- `lead`: the first rate from which, at every larger rate too, the batch-normalized
  network's validation loss is below the plain network's for every seed (its worst seed
  below the other's best), and `lead_factor` the smallest ratio of the two there;
- `both_good`: the largest rate at which both variants' mean validation accuracy is within
  ACC_SLACK of its own best;
- the largest rate, where the accuracies of both variants are given over the seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ACC_SLACK", "Comparison", "compare"]

#: "Classifies about as well as at its best": mean validation accuracy within 3 points.
ACC_SLACK = 0.03


@dataclass(frozen=True)
class Comparison:
    """Indices into the searched rates (None when there is no such rate) and the ratio."""

    rates: np.ndarray
    lead: int | None
    lead_factor: float
    both_good: int | None


def compare(plain, bn, acc_slack=ACC_SLACK) -> Comparison:
    """Compare two searches over the same rates and seeds (see the module)."""
    if plain.batchnorm or not bn.batchnorm:
        raise ValueError("compare(plain, bn) takes the search without batch normalization "
                         "first, then the one with it")
    if plain.rates.shape != bn.rates.shape or not np.allclose(plain.rates, bn.rates):
        raise ValueError("the two searches must cover the same rates")
    below = bn.val_loss.max(axis=1) < plain.val_loss.min(axis=1)
    lead = None
    for i in range(len(below) - 1, -1, -1):  # the longest run of True ending at the top
        if not below[i]:
            break
        lead = i
    factor = (float(np.min(plain.val_loss.min(axis=1)[lead:] / bn.val_loss.max(axis=1)[lead:]))
              if lead is not None else float("nan"))
    good = ((plain.mean_acc >= plain.mean_acc.max() - acc_slack)
            & (bn.mean_acc >= bn.mean_acc.max() - acc_slack))
    both = int(np.flatnonzero(good).max()) if good.any() else None
    return Comparison(plain.rates, lead, factor, both)
