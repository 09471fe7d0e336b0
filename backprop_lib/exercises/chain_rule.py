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

What each exercise checks (expected values, diagnoses, messages) is written once, in
`chain_rule_page`, which the HTML book's page runs too, without NumPy; this module adds
what needs NumPy or the graph (`page_facts`) and judges with NumPy's readers (`checking`).
"""

from __future__ import annotations

import numpy as np

from .. import graph
from ..run_cache import memo
from . import chain_rule_page
from .chain_rule_page import (  # noqa: F401 (the chapter's names, re-exported)
    CHOICES,
    FORK,
    HIDDEN_BACKWARD,
    HIDDEN_BACKWARD_MISTAKES,
    LAYER_SIZES,
    SYNONYMS,
    UNIT,
    _signs,
    _unit_parts,
    depth_growth,
    fork_contributions,
    fork_gradient_check,
    path_count_check,
    scalar_chain_check,
)
from .checking import Feedback, check_count, check_function, check_scalar


def check_scalar_chain(answer) -> Feedback:
    """dL/dw = (a - y) * a (1 - a) * x for the unit of UNIT."""
    return check_scalar(answer, **scalar_chain_check())


def _sigma(Z):
    return 1.0 / (1.0 + np.exp(-Z))


def _hidden_backward(W2, dZ2, Z1):
    A1 = _sigma(Z1)
    return (W2.T @ dZ2) * A1 * (1 - A1)


#: Exercise 2's mistakes, as functions (their messages: HIDDEN_BACKWARD_MISTAKES).
_HIDDEN_BACKWARD_WRONG = (
    lambda W2, dZ2, Z1: W2.T @ dZ2,
    lambda W2, dZ2, Z1: (W2.T @ dZ2) * Z1 * (1 - Z1),
    lambda W2, dZ2, Z1: (W2.T @ dZ2) * _sigma(Z1),
)


def _inputs():
    rng = np.random.default_rng(11)
    cases = []
    for n2, n1, m in ((1, 2, 1), (3, 4, 5), (2, 2, 3)):
        cases.append((rng.standard_normal((n2, n1)), rng.standard_normal((n2, m)),
                      rng.standard_normal((n1, m))))
    return cases


def check_hidden_backward(fn) -> Feedback:
    """fn(W2, dZ2, Z1) must return dZ1 = (W2^T dZ2) * sigma'(Z1), shape (n1, m)."""
    return check_function(fn, _hidden_backward, _inputs(), **HIDDEN_BACKWARD, diagnoses=list(
        zip(_HIDDEN_BACKWARD_WRONG, HIDDEN_BACKWARD_MISTAKES, strict=True)))


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
    return check_count(answer, **path_count_check(path_count()))


def measured_growth(width=3, depths=(4, 5, 6)) -> dict:
    """Successive ratios and differences of each cost when the depth grows by one."""
    cached = _measured_growth(width, tuple(depths))
    return {key: {k: v.copy() for k, v in part.items()} for key, part in cached.items()}


@memo(maxsize=4)  # the checker counts once per session, not once per answer
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


def growth_kinds() -> dict:
    """{"naive": "add" or "multiply", "backprop": ...}: how each measured cost grows."""
    return {k: _kind(v) for k, v in measured_growth().items()}


def check_depth_growth(naive=None, backprop=None) -> Feedback:
    """Predict: adding one layer "add"s a fixed number of multiplications, or "multiply"s them."""
    return depth_growth(naive, backprop, growth_kinds())


def check_fork_gradient(answer) -> Feedback:
    """dL/da = (a b + a) + a + a b = 2 a b + 2 a, the sum over a's three uses (see
    chain_rule_page.fork_gradient_check)."""
    return check_scalar(answer, **fork_gradient_check())


def check_engine(local_grads, topological_order=None, backward=None) -> Feedback:
    """Exercise 6, the engine lab: `backprop_lib.engine_lab.check_engine` (standard library
    only, so the page's Python runs it too: `chain_rule_page.check_engine`), its verdict as
    a Feedback. A piece left None is the reference one, so the pieces can be checked one at
    a time."""
    return chain_rule_page.check_engine(local_grads, topological_order, backward)


def page_facts() -> dict:
    """What the page's checkers (`chain_rule_page.checks`) need that takes NumPy or the
    graph to compute, as JSON-ready data: the same numbers this module's checkers use."""
    inputs = _inputs()
    return {"paths": path_count(), "growth": growth_kinds(), "hidden_backward": {
        "inputs": [[a.tolist() for a in args] for args in inputs],
        "expected": [_hidden_backward(*args).tolist() for args in inputs],
        "wrong": [[w(*args).tolist() for args in inputs] for w in _HIDDEN_BACKWARD_WRONG]}}
