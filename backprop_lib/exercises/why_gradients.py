"""Checkers for the exercises of chapter "Why gradients".

1. `check_expected_cos2(answer, P)`: the mean of cos^2 between a random direction and a
   fixed gradient in P dimensions.
2. `check_first_order_decrease(answer)`: how much one gradient step lowers the loss, to
   first order, for a given gradient and learning rate.
3. `check_squared_cosine(fn)`: a function squared_cosine(u, g).
4. `check_doubling(random_search, gradient_descent)`: predict what doubling P does to the
   cost of each method, then the checker measures it.
5. `check_best_decrease(answer)`: the best one-step decrease along a given direction on a
   round quadratic bowl (the quadratic model of the chapter).
"""

from __future__ import annotations

import numpy as np

from .. import search
from ..run_cache import memo
from .checking import Feedback, as_choices, check_function, check_scalar

#: The gradient and learning rate of exercise 2.
GRADIENT = np.array([3.0, 4.0])
LR = 0.1

#: Exercise 5: the curvature h of a round bowl (Hessian h I) and the direction of the step.
CURVATURE = 4.0  # not 2: with h = 2, dividing by h twice gives exactly half the answer
DIRECTION = np.array([1.0, 0.0])

CHOICES = ("same", "double", "quadruple")
SYNONYMS = {"the same": "same", "unchanged": "same", "doubles": "double", "x2": "double",
            "quadruples": "quadruple", "x4": "quadruple"}


def check_expected_cos2(answer, P=400) -> Feedback:
    """E[cos^2(u, g)] for a random unit direction u in P dimensions."""
    P = int(P)
    return check_scalar(answer, 1.0 / P, name="E[cos²]", rtol=1e-6, diagnoses=[
        (1.0 / np.sqrt(P), "that is the typical size of |cos| (its root mean square), not of "
                           "cos²: square it."),
        (float(P), "upside down: the mean of cos² is small when P is large."),
        (0.5, "cos² is not 1/2 on average in P dimensions: by symmetry, each of the P squared "
              "coordinates of a random unit vector has the same mean, and they sum to 1."),
    ])


def check_first_order_decrease(answer, gradient=GRADIENT, lr=LR) -> Feedback:
    """To first order, L(theta) - L(theta - alpha g) = alpha ||g||^2 (lr is alpha)."""
    g = np.asarray(gradient, dtype=float)
    norm = float(np.linalg.norm(g))
    return check_scalar(answer, lr * norm ** 2, name="the decrease", rtol=1e-6, diagnoses=[
        (lr * norm, "that is the length of the step (α times the gradient's norm); the loss "
                    "falls by the step's length times the slope along it, which is the norm "
                    "again."),
        (lr * float(g.sum()), "the first-order change is a dot product of the gradient with the "
                              "step, and the step is -α g: square each component."),
        (norm ** 2, "the learning rate is missing: the step is α times the gradient."),
    ])


def _squared_cosine(u, g):
    u, g = np.asarray(u, float), np.asarray(g, float)
    return float(np.dot(u, g) ** 2 / (np.dot(u, u) * np.dot(g, g)))


def _inputs():
    rng = np.random.default_rng(7)
    pairs = [(rng.standard_normal(5) * 3, rng.standard_normal(5)) for _ in range(3)]
    pairs.append((np.array([1.0, 0.0, 0.0]), np.array([2.0, 0.0, 0.0])))
    pairs.append((np.array([1.0, 1.0]), np.array([1.0, -1.0])))
    return pairs


def check_squared_cosine(fn) -> Feedback:
    """fn(u, g) must return cos^2 of the angle between u and g (u need not be a unit vector)."""
    return check_function(fn, _squared_cosine, _inputs(), name="squared_cosine", diagnoses=[
        (lambda u, g: float(np.dot(u, g) / (np.linalg.norm(u) * np.linalg.norm(g))),
         "this is the cosine itself: square it."),
        (lambda u, g: float(np.dot(u, g) ** 2),
         "divide by both squared lengths, ||u||² and ||g||²: the cosine ignores lengths."),
        (lambda u, g: float(np.dot(u, g) ** 2 / np.dot(g, g)),
         "u is not a unit vector in every test: divide by ||u||² too."),
    ])


#: Gradient descent's learning rate on the round bowl in exercise 4: the tuned one (H = I, so
#: lr = 1 reaches the minimum in one step; `search.tune_learning_rate` finds it).
BOWL_LR = 1.0


def measured_doubling(n_in=(16, 32), seeds=(0, 1, 2, 3, 4)) -> dict:
    """Cost ratios when P about doubles on the round bowl.

    Returns {"P": (P1, P2), "random": ratio, "gradient": ratio}.
    """
    return dict(_measured_doubling(tuple(n_in), tuple(seeds)))


@memo(maxsize=4)  # the checker measures once per session, not once per answer
def _measured_doubling(n_in, seeds):
    st = search.scaling_study(list(n_in), seeds=list(seeds), hidden=0, whiten=True,
                              fraction=0.01, lr=BOWL_LR)
    return {"P": tuple(int(p) for p in st["P"]),
            "random": float(st["random"][1] / st["random"][0]),
            "gradient": float(st["gradient_forward"][1] / st["gradient_forward"][0])}


def _classify(ratio) -> str:
    return "same" if ratio < 1.4 else ("double" if ratio < 2.9 else "quadruple")


def check_doubling(random_search=None, gradient_descent=None) -> Feedback:
    """Predict ("same", "double", "quadruple") what doubling P does to each method's cost."""
    given = as_choices({"random_search": random_search, "gradient_descent": gradient_descent},
                       CHOICES, synonyms=SYNONYMS)
    if isinstance(given, Feedback):
        return given
    m = measured_doubling()
    seen = {"random_search": _classify(m["random"]), "gradient_descent": _classify(m["gradient"])}
    report = (f"from P = {m['P'][0]} to P = {m['P'][1]}, random search needed "
              f"{m['random']:.2f} times as many loss evaluations and gradient descent "
              f"{m['gradient']:.2f} times as many forward passes.")
    wrong = [name for name, value in given.items() if value != seen[name]]
    if not wrong:
        return Feedback(True, "both predictions match the measurement: " + report)
    hints = {"random_search": "each random try finds the downhill direction about 1/P as well "
                              "as the gradient does",
             "gradient_descent": "on a round bowl the gradient points straight at the minimum, "
                                 "whatever P is"}
    return Feedback(False, f"the measurement disagrees with your prediction for "
                           f"{' and '.join(wrong)}. Hint: "
                           + "; ".join(hints[name] for name in wrong) + ".")


def check_best_decrease(answer, gradient=GRADIENT, curvature=CURVATURE,
                        direction=DIRECTION) -> Feedback:
    """On a bowl with Hessian h I, the best step along the unit direction u lowers the loss
    by (g.u)^2 / (2h) (chapter "Why gradients", the quadratic model)."""
    g = np.asarray(gradient, dtype=float)
    u = np.asarray(direction, dtype=float)
    u = u / np.linalg.norm(u)
    gu, h, gg = float(g @ u), float(curvature), float(g @ g)
    return check_scalar(answer, gu * gu / (2 * h), name="the best decrease", rtol=1e-6,
                        diagnoses=[
        (gu * gu / h, "the factor 1/2 of the quadratic model is missing: at the best step "
                      "t* = |g.u| / h the loss falls by t*|g.u| - t*² h / 2 = (g.u)² / (2h)."),
        (gg / (2 * h), "that is the decrease along the gradient's own direction; along u only "
                       "the component g.u of the gradient counts."),
        (abs(gu) / h, "that is the best step length t* = |g.u| / h, not the decrease it buys."),
        (gu * gu / gg, "that is cos²(u, g), the decrease as a fraction of the gradient's best "
                       "decrease, not the decrease itself."),
        (abs(gu), "that is the rate of change along u (the slope g.u), not the decrease of a "
                  "whole step."),
        (gu * gu / (2 * h * h), "divide by h once, not twice: the decrease is (g.u)² / (2h)."),
    ])
