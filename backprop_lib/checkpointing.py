"""Gradient checkpointing: keep some layers' activations, recompute the rest (Chen et al. 2016).

Chapter "Backpropagation against its alternatives" trades time for memory. Plain
backpropagation keeps A{0}, ..., A{L} and Z{1}, ..., Z{L} from its forward pass until the
backward pass has used them: 2L + 1 arrays, memory that grows like the depth L.
`checkpointed_gradients` cuts the layers into segments of k, (0, k], (k, 2k], ..., and its
forward pass keeps only the segments' inputs A{0}, A{k}, A{2k}, ... (the checkpoints) and
the whole top segment, which the backward pass needs first. The backward pass then takes
the segments from the top down: it backpropagates through the one it holds, drops it,
recomputes the next one's Z and A from its checkpoint, and so on. At most about L/k
checkpoints and one segment's 2k arrays are held at once; with k = ceil(sqrt(L)), about
sqrt(L) segments of about sqrt(L) layers, that is about 3 sqrt(L) arrays instead of 2L + 1.
The price is the recomputation: every layer below the top segment is computed twice, L + s
layer evaluations in all, s = L - (length of the top segment), against L: at most one extra
forward pass. The gradients are the same numbers (the same operations in the same order).

`Stats` counts what was held and done: the most activation arrays (A or Z) held at once,
the most floats in them, and the number of layer computations. every=L is one segment,
nothing recomputed: plain backpropagation, counted the same way. NumPy alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._checks import check_int
from .alternatives import _check_net


@dataclass
class Stats:
    """What one gradient held and computed: counted, not estimated."""

    arrays_peak: int = 0          # activation arrays (A{l} or Z{l}) held at once, at most
    floats_peak: int = 0          # the floats in them
    layer_evaluations: int = 0    # Z{l} = W{l} A{l-1} + b{l}, A{l} = f(Z{l}) computed

    def _hold(self, held):
        self.arrays_peak = max(self.arrays_peak, len(held))
        self.floats_peak = max(self.floats_peak, sum(a.size for a in held.values()))


def segment_length(L) -> int:
    """k = ceil(sqrt(L)): about sqrt(L) segments of about sqrt(L) layers."""
    return math.ceil(math.sqrt(check_int(L, "L", low=1)))


def recomputed_layers(L, every=None) -> range:
    """The layers l that the backward pass computes a second time: all those below the top
    segment, 1 .. (L - 1) // k * k, with k = every (default segment_length(L))."""
    L = check_int(L, "L", low=1)
    k = segment_length(L) if every is None else check_int(every, "every", low=1)
    return range(1, (L - 1) // k * k + 1)


def checkpointed_gradients(net, X, Y, every=None):
    """(grads, Stats): the gradients of the batch's mean loss ("dW1", "db1", ... as
    Network.gradients), keeping in the forward pass only every `every`-th layer's A (the
    checkpoints; default segment_length(net.L)) and the top segment, and recomputing each
    lower segment from its checkpoint when the backward pass reaches it. Chapter
    "Backpropagation against its alternatives" counts the memory and the recomputation."""
    _check_net(net)
    X, Y = net.check_data(X, Y)
    L = net.L
    k = segment_length(L) if every is None else check_int(every, "every", low=1)
    top = (L - 1) // k * k     # the top segment is (top, L]
    stats = Stats()

    def layer(l, A):
        stats.layer_evaluations += 1
        Z = net.params[f"W{l}"] @ A + net.params[f"b{l}"]
        return Z, net._f[l - 1](Z)

    held = {"A0": X}
    A = X
    for l in range(1, L + 1):  # forward: the checkpoints, the top segment, the current A
        Z, A = layer(l, A)
        if l > top:
            held[f"Z{l}"], held[f"A{l}"] = Z, A
        elif l % k == 0:
            held[f"A{l}"] = A
        stats._hold({**held, "current": A} if f"A{l}" not in held else held)
    grads, dA = {}, None
    for start in reversed(range(0, L, k)):  # segments (start, stop], from the top down
        stop = min(start + k, L)
        if start < top:  # below the top: recompute from the checkpoint A{start}
            A = held[f"A{start}"]
            for l in range(start + 1, stop + 1):
                held[f"Z{l}"], held[f"A{l}"] = layer(l, A)
                A = held[f"A{l}"]
                stats._hold(held)
        for l in range(stop, start, -1):  # backpropagate through the segment, dropping it
            Z, A_l = held.pop(f"Z{l}"), held.pop(f"A{l}")
            if l == L:
                _, dZ, dA_L = net._loss.output_terms(Z, A_l, Y, net.activation_names[-1])
                dZ = dA_L * net._f[L - 1].derivative(Z, A_l) if dZ is None else dZ
            else:
                dZ = dA * net._f[l - 1].derivative(Z, A_l)
            A_prev = held[f"A{l - 1}"]
            grads[f"dW{l}"] = dZ @ A_prev.T
            grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
            dA = net.params[f"W{l}"].T @ dZ
    return {"d" + name: grads["d" + name] for name in net.params}, stats
