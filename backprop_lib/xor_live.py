"""A 2-2-1 sigmoid network trained on XOR, with the Python standard library only.

Chapter "The worked 2-2-1 example" trains the example's network on the four XOR corners
live in the HTML book, as the reader moves the learning rate and the initialization: the
page's Python (no NumPy) runs `train`. Each step is full-batch gradient descent on the
half squared error averaged over the four examples (the library's "half_mse"), its
gradients from the book's scalar engine `backprop_lib.graph`, one graph per example.

The starting weights are the library's own: Python's `random` cannot reproduce NumPy's
generator, so the book build draws them with `Network(..., init=scheme, seed=seed)` and
hands them to the page (backprop_lib/figures/in_page_python.py). Started from them, the
losses equal those of `Network.loss_and_gradients` with the same updates to 1e-12
(tests/test_in_page_python.py).
"""

from __future__ import annotations

import math

if __package__:
    from . import graph
else:  # the page's Python: the files sit side by side on sys.path
    import graph

#: The four corners of the unit square and their XOR (as backprop_lib.data.xor).
X = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))
Y = (0.0, 1.0, 1.0, 0.0)
SHAPES = {"W1": (2, 2), "b1": (2, 1), "W2": (1, 2), "b2": (1, 1)}
MAX_STEPS = 5000


def _checked(params):
    if not isinstance(params, dict) or set(params) != set(SHAPES):
        raise ValueError(f"params must be a dict of W1, b1, W2, b2; got {params!r}"[:200])
    out = {}
    for k, (rows, cols) in SHAPES.items():
        value = params[k]
        if not isinstance(value, (list, tuple)) or len(value) != rows or not all(
                isinstance(r, (list, tuple)) and len(r) == cols for r in value):
            raise ValueError(f"params[{k!r}] must be {rows} rows of {cols} numbers")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                   and math.isfinite(v) for r in value for v in r):
            raise ValueError(f"params[{k!r}] must hold finite numbers")
        out[k] = [[float(v) for v in r] for r in value]
    return out


def loss_and_gradients(params):
    """(mean loss over the four examples, {"dW1": ..., ...} averaged likewise)."""
    total, grads = 0.0, None
    for x, y in zip(X, Y, strict=True):
        g = graph.network_graph(params, x, [y], activations="sigmoid")
        g.backward()
        total += g.loss.value
        d = g.gradients()
        if grads is None:
            grads = {k: [[float(v) for v in row] for row in d[k]] for k in d}
        else:
            for k in grads:
                grads[k] = [[s + float(v) for s, v in zip(srow, row, strict=True)]
                            for srow, row in zip(grads[k], d[k], strict=True)]
    m = len(X)
    return total / m, {k: [[v / m for v in row] for row in grads[k]] for k in grads}


def train(params, lr, steps):
    """Losses before each of `steps` gradient-descent steps and after the last (steps + 1
    numbers), and the final parameters: (losses, params)."""
    params = _checked(params)
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not (
            math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive finite number; got {lr!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be a whole number from 0 to {MAX_STEPS}; got {steps!r}")
    losses = []
    for _ in range(steps):
        loss, grads = loss_and_gradients(params)
        losses.append(loss)
        params = {k: [[w - lr * d for w, d in zip(row, drow, strict=True)]
                      for row, drow in zip(params[k], grads["d" + k], strict=True)]
                  for k in params}
    losses.append(loss_and_gradients(params)[0])
    return losses, params


def predictions(params):
    """The network's output at the four corners."""
    params = _checked(params)
    return [graph.network_graph(params, x, [y]).nodes["a2_1"].value
            for x, y in zip(X, Y, strict=True)]
