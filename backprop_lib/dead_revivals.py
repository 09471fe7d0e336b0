"""Chapter "Dead neurons and slow convergence": where the dead units are, and which come back.

A ReLU unit of layer l is dead on the training set when Z^[l] <= 0 on every example. Its
row of dW^[l] = dZ^[l] A^[l-1]T and its entry of db^[l] are then exactly 0: nothing
changes its own incoming weights. In layer 1 that is for good under plain SGD, because
its inputs A^[0] = X never change. In layers l >= 2 the layers below keep changing its
input A^[l-1], so Z^[l] can cross zero again and the unit revives.

`dead_units.dead_run` records which units are dead (`masks`: at initialization, then at the
end of every epoch); this module reads those records, so it costs no training:

- `per_layer(masks)`: the dead count of each hidden layer, per record;
- `revived(masks)`: per layer, how many units were dead at some record and alive at a
  later one (units that came back, each counted once);
- `layer_summary(lr, bias, seeds)`: both over seeds, as dead_units.Spread (mean and range).
"""

from __future__ import annotations

import numpy as np

from .dead_units import HIDDEN, SEEDS, WIDTH, Spread, dead_run, spread


def per_layer(masks, width=WIDTH) -> np.ndarray:
    """Dead units per hidden layer: masks (records, hidden * width) -> (records, hidden)."""
    m = np.asarray(masks, dtype=bool)
    return m.reshape(m.shape[0], -1, width).sum(axis=2)


def revived(masks, width=WIDTH) -> np.ndarray:
    """Per hidden layer, the number of units dead at some record and alive at a later one:
    a unit that came back at least once, however often it flickers."""
    m = np.asarray(masks, dtype=bool)
    dead_before = np.logical_or.accumulate(m, axis=0)[:-1]  # dead at this record or earlier
    back = np.any(dead_before & ~m[1:], axis=0)
    return back.reshape(-1, width).sum(axis=1)


def layer_summary(lr, bias=0.0, seeds=SEEDS) -> dict:
    """Over the runs of dead_run(lr, bias, seed) that did not diverge (diverged runs count as
    NaN): {"start": [Spread per layer], "end": [...], "revived": [...]}: dead units at
    initialization, dead after training, units that came back."""
    rows = {"start": [], "end": [], "revived": []}
    for s in seeds:
        r = dead_run(lr=lr, bias=bias, seed=s)
        if r.diverged:
            for k in rows:
                rows[k].append(np.full(HIDDEN, np.nan))
            continue
        counts = per_layer(r.masks)
        rows["start"].append(counts[0])
        rows["end"].append(counts[-1])
        rows["revived"].append(revived(r.masks))
    return {k: [spread(np.array(v)[:, l]) for l in range(HIDDEN)] for k, v in rows.items()}


def total(spreads) -> float:
    """The mean over seeds of a count summed over the layers (sum of the per-layer means)."""
    return float(sum(sp.mean for sp in spreads))


__all__ = ["per_layer", "revived", "layer_summary", "total", "Spread"]
