"""The worked 2-2-1 example at any numbers, with the Python standard library only.

Chapter "The worked 2-2-1 example" lets the reader type any weights, biases, inputs,
target and learning rate in the HTML book and see every value of one training step
recomputed in the page (Python in the browser, where NumPy is absent). The values come from
the book's own scalar engine, `backprop_lib.graph`: the forward pass is its graph of the
network, the backward pass its `backward`, then one gradient-descent step and the forward
pass again. They equal `Network.trace` on the same numbers (tests/test_in_page_python.py).

`step(setting)` returns the values (plain floats and nested lists, as `Network.trace` names
them); `frame(setting)` the step-through's last frame (every value drawn), the dict that
`stepper_svg.svg` draws, with the very labels of `figures.worked_example.compute_step`.

A setting is a dict: "W1" (2 x 2), "b1" (2 x 1), "W2" (1 x 2), "b2" (1 x 1), "X" (2 x 1),
"Y" (1 x 1) as nested lists of numbers, and "lr", a positive number.
"""

from __future__ import annotations

import math

if __package__:
    from . import graph
    from .figures import stepper_svg
else:  # the page's Python: the files sit side by side on sys.path
    import graph
    import stepper_svg

SHAPES = {"W1": (2, 2), "b1": (2, 1), "W2": (1, 2), "b2": (1, 1), "X": (2, 1), "Y": (1, 1)}
PARAMS = ("W1", "b1", "W2", "b2")


def _matrix(value, name, shape):
    rows, cols = shape
    if not isinstance(value, (list, tuple)) or len(value) != rows or not all(
            isinstance(r, (list, tuple)) and len(r) == cols for r in value):
        raise ValueError(f"setting[{name!r}] must be {rows} rows of {cols} numbers; got "
                         f"{value!r}"[:200])
    out = []
    for row in value:
        for v in row:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"setting[{name!r}] must hold finite numbers; got {v!r}")
        out.append([float(v) for v in row])
    return out


def check_setting(setting) -> dict:
    """The setting with every entry checked (shapes, finite numbers, lr > 0), as floats."""
    if not isinstance(setting, dict):
        raise TypeError(f"setting must be a dict of W1, b1, W2, b2, X, Y and lr; got "
                        f"{type(setting).__name__}")
    missing = [k for k in (*SHAPES, "lr") if k not in setting]
    if missing:
        raise ValueError(f"setting has no {', '.join(missing)}")
    out = {k: _matrix(setting[k], k, shape) for k, shape in SHAPES.items()}
    lr = setting["lr"]
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not (
            math.isfinite(lr) and lr > 0):
        raise ValueError(f"setting['lr'] must be a positive finite number; got {lr!r}")
    out["lr"] = float(lr)
    return out


def _forward_backward(params, x, y):
    """(values, gradients) of the example on the engine's graph of the network."""
    g = graph.network_graph(params, x, y, activations="sigmoid")
    g.backward()
    v = {"Z1": [[g["z1_1"].value], [g["z1_2"].value]],
         "A1": [[g["a1_1"].value], [g["a1_2"].value]],
         "Z2": [[g["z2_1"].value]], "A2": [[g["a2_1"].value]], "loss": g.loss.value,
         "dA2": [[g["a2_1"].grad]], "dZ2": [[g["z2_1"].grad]],
         "dA1": [[g["a1_1"].grad], [g["a1_2"].grad]],
         "dZ1": [[g["z1_1"].grad], [g["z1_2"].grad]]}
    grads = g.gradients()
    v.update({k: [list(map(float, row)) for row in grads[k]] for k in grads})
    return v


def step(setting) -> dict:
    """Every value of one training step: the forward and backward passes (named as in
    Network.trace), "new" (the parameters after w <- w - lr dw) and "after" (Z1, A1, Z2,
    A2 and loss of the forward pass with them)."""
    s = check_setting(setting)
    params = {k: s[k] for k in PARAMS}
    x, y = [r[0] for r in s["X"]], [r[0] for r in s["Y"]]
    before = _forward_backward(params, x, y)
    new = {k: [[w - s["lr"] * d for w, d in zip(row, drow, strict=True)]
               for row, drow in zip(params[k], before["d" + k], strict=True)] for k in PARAMS}
    after = _forward_backward(new, x, y)
    return {**before, "params": params, "new": new, "lr": s["lr"],
            "after": {k: after[k] for k in ("Z1", "A1", "Z2", "A2", "loss")}}


def _f(x, digits=4):
    return f"{float(x):.{digits}f}"


def _gd(x):
    """A gradient on the drawing, as figures.worked_example writes it."""
    x = float(x)
    return f"{x:.4g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.2e}"


N_STEPS = 13  # the step-through's steps (figures.worked_example.N_STEPS); tests check it


def frame(setting) -> dict:
    """The step-through's last frame at this setting, for stepper_svg.svg."""
    v = step(setting)
    P, N, a = v["params"], v["new"], v["after"]
    x = [r[0] for r in setting["X"]]
    nodes = {"x1": [f"x1 = {_f(x[0], 2)}"], "x2": [f"x2 = {_f(x[1], 2)}"]}
    for i, h in enumerate(("h1", "h2")):
        nodes[h] = [f"z = {_f(v['Z1'][i][0])}", f"a = {_f(v['A1'][i][0])}",
                    f"dA = {_gd(v['dA1'][i][0])}", f"dZ = {_gd(v['dZ1'][i][0])}"]
    nodes["o"] = [f"z = {_f(v['Z2'][0][0])}", f"ŷ = {_f(v['A2'][0][0])}",
                  f"dA = {_gd(v['dA2'][0][0])}", f"dZ = {_gd(v['dZ2'][0][0])}",
                  f"ŷ → {_f(a['A2'][0][0])}"]
    nodes["L"] = [f"ℒ = {_f(v['loss'], 5)}", f"ℒ → {_f(a['loss'], 5)}"]
    edges = {e: [f"dW = {_gd(v['d' + e[0]][e[1]][e[2]])}", f"w → {_f(N[e[0]][e[1]][e[2]])}"]
             for e in stepper_svg.EDGES}
    biases = {b: [f"b = {_f(P[b[0]][b[1]][0], 2)}", f"db = {_gd(v['d' + b[0]][b[1]][0])}",
                  f"b → {_f(N[b[0]][b[1]][0])}"] for b in stepper_svg.BIASES}
    status = "lower" if a["loss"] < v["loss"] else "higher"
    if not math.isfinite(a["loss"]):
        status = "not finite"
    return {"step": N_STEPS, "n_steps": N_STEPS, "phase": stepper_svg.AFTER, "lr": v["lr"],
            "text": f"After one step at learning rate {v['lr']:g}, the loss is "
                    f"{_f(a['loss'], 5)} ({status} than {_f(v['loss'], 5)} before).",
            "nodes": nodes, "edges": edges, "biases": biases, "new": {"o", "L"},
            "new_lines": {"o": 1, "L": 1}, "flow": (*stepper_svg.EDGES, "loss"),
            "weights": {e: P[e[0]][e[1]][e[2]] for e in stepper_svg.EDGES}}
