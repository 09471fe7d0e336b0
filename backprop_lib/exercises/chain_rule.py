"""Checkers for the exercises of chapter "The chain rule".

1. `check_scalar_chain(answer)`: dL/dw for one sigmoid unit, L = 1/2 (sigma(w x + b) - y)^2.
2. `check_hidden_backward(fn)`: the vector form dZ1 = (W2^T dZ2) * sigma'(Z1) for a layer
   of sigmoid units, on a batch.
3. `check_path_count(answer)`: the number of paths from the weight W1_11 to the loss in
   the network of LAYER_SIZES.
4. `check_depth_growth(naive, backprop)`: predict how each cost grows when a layer is
   added, then the checker counts.
5. `check_fork_gradient(answer)`: dL/da for L = (a b + a) a, where a is used three times
   (gradients add at a fork).
6. The engine lab: `backprop_lib.engine_lab.check_engine` (standard library only).
"""

from __future__ import annotations

import functools

import numpy as np

from .. import engine_lab, graph
from .checking import Feedback, as_choices, check_count, check_function, check_scalar

#: The single sigmoid unit of exercise 1.
# (z = w x + b = 1.4: far from 0 and 1, so z (1 - z) is a wrong answer of its own)
UNIT = {"x": 2.0, "w": 0.8, "b": -0.2, "y": 1.0}
#: The network of exercise 3.
LAYER_SIZES = [2, 3, 3, 3, 1]

#: The fork of exercise 5: L = (a b + a) a, with a used by c = a b, d = c + a and L = d a.
FORK = {"a": 1.5, "b": 4.0}

CHOICES = ("add", "multiply")
SYNONYMS = {"adds": "add", "added": "add", "multiplies": "multiply", "multiplied": "multiply"}


def _unit_parts():
    x, w, b, y = (UNIT[k] for k in ("x", "w", "b", "y"))
    z = w * x + b
    a = 1.0 / (1.0 + np.exp(-z))
    return x, z, a, y


def check_scalar_chain(answer) -> Feedback:
    """dL/dw = (a - y) * a (1 - a) * x for the unit of UNIT."""
    x, z, a, y = _unit_parts()
    return check_scalar(answer, (a - y) * a * (1 - a) * x, name="dL/dw", rtol=1e-4, diagnoses=[
        ((a - y) * x, "the sigmoid's local derivative da/dz = a (1 - a) is missing from the "
                      "chain."),
        ((a - y) * a * (1 - a), "the last link is missing: dz/dw = x."),
        ((a - y) * z * (1 - z) * x, "the sigmoid's derivative is a (1 - a) with a = sigma(z), "
                                    "not z (1 - z)."),
        (-(a - y) * a * (1 - a) * x, "the sign is flipped: dL/da = a - y, prediction minus "
                                     "target."),
    ])


def _sigma(Z):
    return 1.0 / (1.0 + np.exp(-Z))


def _hidden_backward(W2, dZ2, Z1):
    A1 = _sigma(Z1)
    return (W2.T @ dZ2) * A1 * (1 - A1)


def _inputs():
    rng = np.random.default_rng(11)
    cases = []
    for n2, n1, m in ((1, 2, 1), (3, 4, 5), (2, 2, 3)):
        cases.append((rng.standard_normal((n2, n1)), rng.standard_normal((n2, m)),
                      rng.standard_normal((n1, m))))
    return cases


def check_hidden_backward(fn) -> Feedback:
    """fn(W2, dZ2, Z1) must return dZ1 = (W2^T dZ2) * sigma'(Z1), shape (n1, m)."""
    return check_function(fn, _hidden_backward, _inputs(), name="hidden_backward", diagnoses=[
        (lambda W2, dZ2, Z1: W2.T @ dZ2,
         "that is dA1 = W2ᵀ dZ2: multiply elementwise by the sigmoid's derivative at Z1 to get "
         "dZ1."),
        (lambda W2, dZ2, Z1: (W2.T @ dZ2) * Z1 * (1 - Z1),
         "the sigmoid's derivative is A1 (1 - A1) with A1 = sigma(Z1), not Z1 (1 - Z1)."),
        (lambda W2, dZ2, Z1: (W2.T @ dZ2) * _sigma(Z1),
         "the sigmoid's derivative is sigma(Z1) (1 - sigma(Z1)), not sigma(Z1)."),
    ])


def path_count(layer_sizes=LAYER_SIZES) -> int:
    """Paths from W1_11 to the loss in a sigmoid network of these sizes (counted on its graph)."""
    rng = np.random.default_rng(0)
    params = {}
    for l in range(1, len(layer_sizes)):
        params[f"W{l}"] = rng.standard_normal((layer_sizes[l], layer_sizes[l - 1]))
        params[f"b{l}"] = np.zeros((layer_sizes[l], 1))
    g = graph.network_graph(params, np.ones(layer_sizes[0]), np.zeros(layer_sizes[-1]))
    return graph.path_counts(g.loss)[id(g["W1_11"])][0]


def check_path_count(answer) -> Feedback:
    """The number of paths W1_11 -> loss in the network of LAYER_SIZES (a whole number)."""
    hidden = LAYER_SIZES[1:-1]
    return check_count(answer, path_count(), name="the number of paths", diagnoses=[
        (int(np.prod(hidden)), "W1_11 feeds only unit 1 of the first hidden layer: there is no "
                               "choice to make in that layer."),
        (sum(hidden[1:]), "the choices in successive layers multiply, they do not add: each "
                          "path through one layer continues through every unit of the next."),
    ], praise="every path picks one unit in each hidden layer after the first, and the choices "
              "multiply.",
        hint="follow W1_11 forward layer by layer and count the ways to continue at each step.")


def measured_growth(width=3, depths=(4, 5, 6)) -> dict:
    """Successive ratios and differences of each cost when the depth grows by one."""
    cached = _measured_growth(width, tuple(depths))
    return {key: {k: v.copy() for k, v in part.items()} for key, part in cached.items()}


@functools.lru_cache(maxsize=4)  # the checker counts once per session, not once per answer
def _measured_growth(width, depths):
    c = graph.depth_costs(list(depths), width=width)
    out = {}
    for key in ("naive", "backprop"):
        v = c[key].astype(float)
        out[key] = {"ratios": v[1:] / v[:-1], "differences": np.diff(v)}
    return out


def _kind(growth) -> str:
    d = growth["differences"]
    # adding a layer adds a fixed amount: "add"; the amount itself grows by a factor: "multiply"
    return "add" if np.allclose(d, d[0]) else "multiply"


def check_depth_growth(naive=None, backprop=None) -> Feedback:
    """Predict: adding one layer "add"s a fixed number of multiplications, or "multiply"s them."""
    given = as_choices({"naive": naive, "backprop": backprop}, CHOICES, synonyms=SYNONYMS)
    if isinstance(given, Feedback):
        return given
    seen = {k: _kind(v) for k, v in measured_growth().items()}
    wrong = [k for k, v in given.items() if v != seen[k]]
    if not wrong:
        return Feedback(True, "each layer adds the same work to backpropagation, and multiplies "
                              "the number of paths the naive expansion must walk.")
    hints = {"naive": "count the paths from a first-layer weight: each new layer of width 3 "
                      "gives every path 3 ways to continue",
             "backprop": "backpropagation visits every edge of the graph once, and a new layer "
                         "brings a fixed number of edges"}
    return Feedback(False, "the count disagrees for " + " and ".join(wrong) + ". Hint: "
                    + "; ".join(hints[k] for k in wrong) + ".")


def fork_contributions(a=None, b=None) -> dict:
    """What each use of a sends back to it in L = d a, d = c + a, c = a b (exercise 5)."""
    a = FORK["a"] if a is None else a
    b = FORK["b"] if b is None else b
    c = a * b
    d = c + a
    # dL/dd = a and dL/dc = dL/dd * 1 = a
    return {"through L = d a": d, "through d = c + a": a, "through c = a b": a * b}


def check_fork_gradient(answer) -> Feedback:
    """dL/da = (a b + a) + a + a b = 2 a b + 2 a, the sum over a's three uses. (The last two
    uses together send back a + a b = d, the same number as the direct use: that answer is
    diagnosed as the direct use alone.)"""
    parts = fork_contributions()
    direct, via_d, via_c = parts.values()
    return check_scalar(answer, direct + via_d + via_c, name="dL/da", rtol=1e-4, diagnoses=[
        (direct, "that is only what comes back along L = d a (the value of d); a is also used "
                 "by d = c + a and by c = a b, and every use adds its share."),
        (via_c, "that is only what comes back through c = a b; add the contributions of the "
                "other two uses of a."),
        (via_d, "that is only what comes back through d = c + a; add the contributions of the "
                "other two uses of a."),
        (direct + via_d, "the path through c = a b is missing: a feeds c too."),
        (direct + via_c, "the path through d = c + a is missing: a enters d directly as well "
                         "as through c."),
        (-(direct + via_d + via_c), "the sign is flipped: the three shares, d, a and a b, are "
                                    f"{_signs(direct, via_d, via_c)} here, and dL/da is their "
                                    "sum."),
    ])


def _signs(*shares) -> str:
    """'all positive' / 'all negative' / 'of mixed signs', for the sign diagnosis."""
    if all(s > 0 for s in shares):
        return "all positive"
    if all(s < 0 for s in shares):
        return "all negative"
    return "of mixed signs"


def check_engine(local_grads, topological_order=None, backward=None) -> Feedback:
    """Exercise 6, the engine lab: `backprop_lib.engine_lab.check_engine` (standard library
    only, so the page's Python can run it too), its verdict as this package's Feedback. A
    piece left None is the reference one, so the pieces can be checked one at a time."""
    verdict = engine_lab.check_engine(local_grads, topological_order, backward)
    return Feedback(verdict.ok, verdict.message)
