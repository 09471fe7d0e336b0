"""What the exercises of chapter "The chain rule" check, standard library only.

The chapter's checkers (`exercises.chain_rule`, NumPy, the notebook) and the HTML book's
page, whose Python has no NumPy, judge the same answers with this file: for each exercise,
the expected value, the diagnosed mistakes and their messages, once. The numbers that take
NumPy or the graph to compute (the path count, how each cost grows with depth, the test
inputs of exercise 2 and the outputs of its reference and of each mistake) are `facts`,
which `chain_rule.page_facts()` computes with the library: the notebook's checkers use them
directly, the page receives them as data at build time. `checks(facts)` are the checkers
on plain Python answers (numbers, nested lists, functions on nested lists) that the page
runs (backprop_lib/figures/in_page_driver.py).
"""

from __future__ import annotations

import math

if __package__:
    from .. import engine_lab
    from . import plain_answers as plain
    from .checking_core import Feedback, as_choices
else:  # the page's Python: the files sit side by side on sys.path
    import engine_lab
    import plain_answers as plain
    from checking_core import Feedback, as_choices

#: The single sigmoid unit of exercise 1.
# (z = w x + b = 1.4: far from 0 and 1, so z (1 - z) is a wrong answer of its own)
UNIT = {"x": 2.0, "w": 0.8, "b": -0.2, "y": 1.0}
#: The network of exercise 3.
LAYER_SIZES = [2, 3, 3, 3, 1]
#: The fork of exercise 5: L = (a b + a) a, with a used by c = a b, d = c + a and L = d a.
FORK = {"a": 1.5, "b": 4.0}

CHOICES = ("add", "multiply")
SYNONYMS = {"adds": "add", "added": "add", "multiplies": "multiply", "multiplied": "multiply"}

#: Exercise 2's typical mistakes, in the order the checker tries them.
HIDDEN_BACKWARD_MISTAKES = (
    "that is dA1 = W2ᵀ dZ2: multiply elementwise by the sigmoid's derivative at Z1 to get dZ1.",
    "the sigmoid's derivative is A1 (1 - A1) with A1 = sigma(Z1), not Z1 (1 - Z1).",
    "the sigmoid's derivative is sigma(Z1) (1 - sigma(Z1)), not sigma(Z1).",
)
HIDDEN_BACKWARD = {"name": "hidden_backward"}


def _unit_parts():
    x, w, b, y = (UNIT[k] for k in ("x", "w", "b", "y"))
    z = w * x + b
    a = 1.0 / (1.0 + math.exp(-z))
    return x, z, a, y


def scalar_chain_check() -> dict:
    """Exercise 1, dL/dw = (a - y) * a (1 - a) * x for the unit of UNIT: check_scalar's
    arguments (computed here in plain floats, the same in the notebook and the page)."""
    x, z, a, y = _unit_parts()
    return {"expected": (a - y) * a * (1 - a) * x, "name": "dL/dw", "rtol": 1e-4, "diagnoses": [
        ((a - y) * x, "the sigmoid's local derivative da/dz = a (1 - a) is missing from the "
                      "chain."),
        ((a - y) * a * (1 - a), "the last link is missing: dz/dw = x."),
        ((a - y) * z * (1 - z) * x, "the sigmoid's derivative is a (1 - a) with a = sigma(z), "
                                    "not z (1 - z)."),
        (-(a - y) * a * (1 - a) * x, "the sign is flipped: dL/da = a - y, prediction minus "
                                     "target."),
    ]}


def path_count_check(paths) -> dict:
    """Exercise 3: check_count's arguments, given the count of paths (facts["paths"])."""
    hidden = LAYER_SIZES[1:-1]
    return {"expected": paths, "name": "the number of paths", "diagnoses": [
        (math.prod(hidden), "W1_11 feeds only unit 1 of the first hidden layer: there is no "
                            "choice to make in that layer."),
        (sum(hidden[1:]), "the choices in successive layers multiply, they do not add: each "
                          "path through one layer continues through every unit of the next."),
    ], "praise": "every path picks one unit in each hidden layer after the first, and the "
                 "choices multiply.",
        "hint": "follow W1_11 forward layer by layer and count the ways to continue at each "
                "step."}


def depth_growth(naive, backprop, seen) -> Feedback:
    """Exercise 4: the predictions ("add" or "multiply") against what the counts show,
    seen = {"naive": kind, "backprop": kind} (facts["growth"])."""
    given = as_choices({"naive": naive, "backprop": backprop}, CHOICES, synonyms=SYNONYMS)
    if isinstance(given, Feedback):
        return given
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


def fork_gradient_check() -> dict:
    """Exercise 5, dL/da = (a b + a) + a + a b, the sum over a's three uses: check_scalar's
    arguments. (The last two uses together send back a + a b = d, the same number as the
    direct use: that answer is diagnosed as the direct use alone.)"""
    direct, via_d, via_c = fork_contributions().values()
    return {"expected": direct + via_d + via_c, "name": "dL/da", "rtol": 1e-4, "diagnoses": [
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
    ]}


def _signs(*shares) -> str:
    """'all positive' / 'all negative' / 'of mixed signs', for the sign diagnosis."""
    if all(s > 0 for s in shares):
        return "all positive"
    if all(s < 0 for s in shares):
        return "all negative"
    return "of mixed signs"


def check_engine(local_grads, topological_order=None, backward=None) -> Feedback:
    """Exercise 6, the engine lab: `engine_lab.check_engine` (standard library only), its
    verdict as a Feedback. A piece left None is the reference one, so the pieces can be
    checked one at a time."""
    verdict = engine_lab.check_engine(local_grads, topological_order, backward)
    return Feedback(verdict.ok, verdict.message)


def checks(facts) -> dict:
    """{checker's name: the checker on plain Python answers}, for the page; facts are
    `chain_rule.page_facts()` (received as JSON)."""
    hb = facts["hidden_backward"]
    scalar, count = plain.check_scalar, plain.check_count
    return {
        "check_scalar_chain": lambda answer: scalar(answer, **scalar_chain_check()),
        "check_hidden_backward": lambda fn: plain.check_function(
            fn, hb["inputs"], hb["expected"], **HIDDEN_BACKWARD,
            diagnoses=list(zip(hb["wrong"], HIDDEN_BACKWARD_MISTAKES, strict=True))),
        "check_path_count": lambda answer: count(answer, **path_count_check(facts["paths"])),
        "check_depth_growth": lambda naive=None, backprop=None: depth_growth(
            naive, backprop, facts["growth"]),
        "check_fork_gradient": lambda answer: scalar(answer, **fork_gradient_check()),
        "check_engine": check_engine,
    }
