"""Checkers for the exercises of chapter "Dead neurons and slow convergence".

1. check_dead_count: how many units of a small ReLU layer are dead on four examples.
2. check_dead_mask: a function that finds the dead units from Z.
3. check_lr_prediction: does a larger learning rate kill more units, over the chapter's
   ten seeds (predict; the checker compares with the measurement)?
4. check_plateau_loss: the loss of a PLATEAU_CLASSES-class softmax classifier that gives every
   class the same probability, the height of its plateau.
5. check_coast_distance: how far momentum carries a unit's weights after the unit dies.
"""

from __future__ import annotations

import numpy as np

from .. import data, dead_units
from ..network import Network
from ..run_cache import memo
from .checking import Feedback, as_choice, check_count, check_function, check_scalar

#: A ReLU layer with 5 units and 2 inputs, and 4 examples as columns.
LAYER_W = np.array([[1.0, -1.0], [-2.0, -1.0], [0.5, 0.5], [-1.0, 2.0], [-1.0, -1.0]])
LAYER_B = np.array([[0.0], [1.0], [-2.0], [-1.0], [-0.5]])
LAYER_X = np.array([[0.0, 1.0, 2.0, 1.0], [1.0, 0.0, 1.0, 2.0]])
PREDICTIONS = ("more", "fewer", "the same")
#: The classes of exercise 4's classifier (softmax cross-entropy, the library's "softmax_ce").
PLATEAU_CLASSES = 10
SYNONYMS = {"same": "the same", "unchanged": "the same", "less": "fewer", "more dead": "more",
            "fewer dead": "fewer"}


def layer_Z():
    """Z = W X + b of the exercise's layer: one row per unit, one column per example."""
    return LAYER_W @ LAYER_X + LAYER_B


def check_dead_count(answer):
    """answer: the number of units with Z <= 0 on all four examples."""
    Z = layer_Z()
    expected = int(np.sum(np.all(Z <= 0, axis=1)))
    live = Z.shape[0] - expected
    strict = int(np.sum(np.all(Z < 0, axis=1)))
    live_text = ("that is the number of live units (Z > 0 on some example); the question asks "
                 "for the dead ones.")
    strict_text = "Z = 0 counts as dead too: relu'(0) = 0, as in PyTorch and in backprop_lib."
    return check_count(answer, expected, name="the number of dead units", diagnoses=[
        (int(np.sum(np.any(Z <= 0, axis=1))), "you counted units that are <= 0 on SOME example; a "
                                              "dead unit is <= 0 on EVERY example."),
        (int(np.sum(Z <= 0)), "you counted entries of Z, not units: a unit is a row of Z."),
        # here the live count and the strict count can be the same number: then say both
        (live, live_text + (" Or, if you counted Z < 0: " + strict_text if live == strict else "")),
    ] + ([(strict, strict_text)] if strict != live else []))


def _mask_reference(Z):
    return np.all(Z <= 0, axis=1)


def _mask_live(Z):
    return ~np.all(np.asarray(Z) <= 0, axis=1)


def _mask_any(Z):
    return np.any(Z <= 0, axis=1)


def _mask_strict(Z):
    return np.all(Z < 0, axis=1)


def _mask_wrong_axis(Z):
    return np.all(Z <= 0, axis=0)


# No matrix is square, so a mask over the wrong axis has the wrong length (and a transposed
# Z cannot pass by accident either). The third holds the rows that tell "<= 0 on every
# example" from its likely stand-ins: alive rows whose mean, sum and median are <= 0, whose
# first or last entry is <= 0 (and the reverse), a row whose median is <= 0 but mean > 0 and
# one the other way round; a dead row with a 0 in it; and alive rows whose only positive
# entry is tiny (1e-9, 1e-300), which a test "close to 0" or "below a small threshold" calls
# dead.
MASK_INPUTS = [
    (np.array([[1.0, -2.0, 0.5, 2.0], [-1.0, -3.0, 0.0, -1.0], [-0.5, -0.1, -2.0, -1.0]]),),
    (np.array([[0.0, -1.0], [2.0, 3.0], [-4.0, -4.0], [0.0, 0.0], [-1.0, -2.0]]),),
    (np.array([[-1.0, -2.0, 0.5, -3.0, -1.0],     # alive: one example > 0, all else <= 0
               [0.5, -1.0, -1.0, -1.0, -1.0],     # alive only on the first example
               [-1.0, -1.0, -1.0, -1.0, 0.5],     # alive only on the last example
               [-1.0, -1.0, -1.0, 10.0, 10.0],    # median <= 0, mean > 0: alive
               [1.0, 1.0, 1.0, -10.0, -10.0],     # median > 0, mean <= 0: alive
               [-1.0, 0.0, -2.0, -0.5, -1.0],     # dead (a 0 counts as dead)
               [-1.0, -2.0, 1e-9, -0.5, -1.0],    # alive: 1e-9 > 0 still passes a gradient
               [-1.0, 1e-300, -2.0, -0.5, -1.0]]),),  # alive, by far less than any tolerance
    # many examples: a unit above zero on one of 40 is <= 0 on 97.5% of them, still alive
    (np.vstack([np.r_[-np.ones(39), 2.0], -np.ones(40), np.r_[np.ones(20), -np.ones(20)]]),),
]


def _mask_mean(Z):
    return np.mean(Z, axis=1) <= 0  # also what Z.sum(axis=1) <= 0 gives: the same sign


def _mask_median(Z):
    return np.median(Z, axis=1) <= 0


def _mask_mostly(Z):
    return np.mean(Z <= 0, axis=1) > 0.9  # "dead on nearly every example", any such share


def _mask_first(Z):
    return Z[:, 0] <= 0


def _mask_last(Z):
    return Z[:, -1] <= 0


def _mask_tolerance(Z):
    return np.all(Z <= 1e-6, axis=1)  # np.isclose(Z, 0) or Z < 0.1 alike: a positive threshold


def _mask_tiny_tolerance(Z):
    return np.all(Z <= 1e-100, axis=1)  # a threshold between 1e-300 and 1e-9, such as 1e-12


TOLERANCE_HINT = ("you allowed a small positive margin (a threshold such as 1e-6 or 0.1, or "
                  "np.isclose to 0): a unit with z = 1e-9 on one example is alive there, since "
                  "relu'(z) = 1 for every z > 0, however small. Dead means <= 0 exactly, on every "
                  "example: np.all(Z <= 0, axis=1).")


def check_dead_mask(fn):
    """fn(Z) -> boolean array of shape (n_l,), True for units with Z <= 0 on every column."""
    return check_function(fn, _mask_reference, MASK_INPUTS, name="dead_mask", diagnoses=[
        (_mask_live, "you returned the live units: True should mark the DEAD ones, the units "
                     "with Z <= 0 on every example (drop the ~ or the not)."),
        (_mask_any, "a unit is dead only if it is <= 0 on EVERY example: use all, not any."),
        (_mask_strict, "Z = 0 counts as dead: relu'(0) = 0, so no gradient passes there either."),
        (_mask_wrong_axis, "you reduced over the units (axis 0): a unit is a row of Z, so "
                           "look along each row, over the examples: axis=1."),
        (_mask_mean, "you tested the unit's average (or total) over the examples: a unit that is "
                     "below zero on average but above zero on even one example still passes a "
                     "gradient there. Dead means <= 0 on EVERY example: np.all(Z <= 0, axis=1)."),
        (_mask_median, "you tested the median: a unit above zero on fewer than half the examples "
                       "is still alive on those. Dead means <= 0 on EVERY example."),
        (_mask_mostly, "you called a unit dead when it is <= 0 on most examples: a unit above "
                       "zero on even one example of forty still passes a gradient there. Dead "
                       "means <= 0 on EVERY example: np.all(Z <= 0, axis=1)."),
        (_mask_first, "you looked at the first example only: a unit <= 0 there can be above zero "
                      "on another example. Test every column: np.all(Z <= 0, axis=1)."),
        (_mask_last, "you looked at the last example only: a unit <= 0 there can be above zero "
                     "on another example. Test every column: np.all(Z <= 0, axis=1)."),
        (_mask_tolerance, TOLERANCE_HINT),
        (_mask_tiny_tolerance, TOLERANCE_HINT),
    ])


RTOL = 1e-3  # the relative tolerance of exercises 4 and 5

#: Exercise 5: the length of a unit's last update before it died, and momentum's beta.
COAST_LAST_STEP = 0.002
COAST_BETA = dead_units.BETA
COAST_PARTIAL = dead_units.DEAD_STEPS  # a simulation of this many steps sums a truncated series


@memo(maxsize=4)
def lr_experiment(low=0.1, high=0.3):
    """Dead fractions after the chapter's DEAD_EPOCHS epochs (relu, biases 0, He) at two
    rates, one row per seed of dead_units.SEEDS (NaN where training diverged)."""
    grid = dead_units.dead_over_seeds([low, high], [0.0])
    return grid[:, 0, 0], grid[:, 0, 1]


def lr_verdict(low=0.1, high=0.3):
    """The measured truth of exercise 3 and its description: 'more' ('fewer') when the mean
    dead fraction over the seeds that trained is higher (lower) at `high` by more than one
    unit of the 96, else 'the same'."""
    lo, hi = lr_experiment(low, high)
    a, b = dead_units.spread(lo), dead_units.spread(hi)
    both = np.isfinite(lo) & np.isfinite(hi)
    up = int(np.sum(hi[both] > lo[both]))
    one_unit = 1 / (dead_units.WIDTH * dead_units.HIDDEN)
    gap = b.mean - a.mean
    truth = "more" if gap > one_unit else ("fewer" if gap < -one_unit else "the same")
    pct = "{:.0%}"
    text = (f"over {a.runs} seeds, at {low:g} a mean of {a.text(pct)} of the units are dead; "
            f"at {high:g}, {b.text(pct)}. Seed by seed, {high:g} left more in {up} of the "
            f"{int(both.sum())} seeds that trained at both rates.")
    return truth, text


def check_lr_prediction(answer):
    """answer: "more", "fewer" or "the same" dead units at learning rate 0.3 than at 0.1."""
    answer = as_choice(answer, PREDICTIONS, synonyms=SYNONYMS)
    if isinstance(answer, Feedback):
        return answer
    truth, measured = lr_verdict()
    if answer == truth:
        return Feedback(True, f"measured {measured} Large steps push biases and weights far "
                              "enough that some units end up below zero on every example; "
                              "a single seed can still go the other way.")
    why = {"fewer": "you may be thinking of a larger rate as escaping faster; here its big first "
                    "steps push weights and biases so far that more units land below zero on "
                    "every example",
           "the same": "you may have compared single seeds (one seed can go either way) or counted "
                       "runs that diverged; over the seeds the mean moves"}.get(answer, "")
    return Feedback(False, f"not what was measured: {measured}" + (f" ({why})." if why else ""))


def check_coast_distance(answer):
    """answer: the total distance a dead unit's weights travel under momentum (beta
    COAST_BETA) after its last live step of length COAST_LAST_STEP."""
    s, beta = COAST_LAST_STEP, COAST_BETA
    return check_scalar(answer, s * beta / (1 - beta), name="your distance", rtol=RTOL,
                        diagnoses=[
        (0.0, "that is plain SGD: a zero gradient stops it at once, but momentum's velocity "
              "is not zero when the gradient becomes zero."),
        (s / (1 - beta), "that includes the last live step itself; the question asks for the "
                         "steps after it, s beta + s beta^2 + ... = s beta / (1 - beta)."),
        (s * beta, "that is only the first step after death; the velocity keeps shrinking by "
                   "beta each step but never reaches 0: add the whole geometric series."),
        (s * beta**2 / (1 - beta), "you started the sum one step late, at s beta^2: the first step "
                                   "after death is already s beta (the velocity is multiplied by "
                                   "beta once before it moves the weights), so the sum is s beta + "
                                   "s beta^2 + ... = s beta / (1 - beta)."),
        (s, "each step after death is beta times the one before, not equal to it."),
        (s * (1 - beta), "the series is s beta / (1 - beta): beta over (1 - beta), not "
                         "(1 - beta)."),
        (s / beta, "the velocity is multiplied by beta each step, not divided."),
        (beta / (1 - beta), "that is the distance in units of the last step, beta / (1 - beta) "
                            "last steps: multiply it by the last step's length s."),
        (s * beta * (1 - beta ** COAST_PARTIAL) / (1 - beta),
         f"that is the sum of the first {COAST_PARTIAL} steps only: the series never stops, and "
         "its tail is not quite 0 at this tolerance; the whole sum is s beta / (1 - beta)."),
    ], praise="each step is beta times the one before, so the dead unit coasts a total of "
              "s beta / (1 - beta), nine of its last steps for beta = 0.9.")


def check_plateau_loss(answer):
    """answer: the softmax cross-entropy of a network that gives each of the PLATEAU_CLASSES
    classes probability 1/K on every example, to three decimal places."""
    K = PLATEAU_CLASSES
    natural = "cross-entropy uses the natural logarithm, ln."
    return check_scalar(answer, np.log(K), name="your plateau loss", rtol=RTOL, diagnoses=[
        (np.log(2), "ln 2 is the plateau of XOR's single sigmoid output (0.5 for either "
                    "class); here each of the K classes gets probability 1/K."),
        (np.log10(K), "that is the logarithm in base 10: " + natural),
        (np.log2(K), "that is the logarithm in base 2 (bits): " + natural),
        (1 / K, "1/K is the probability the network gives every class; the loss is minus the "
                "logarithm of the probability of the right class."),
        (1 - 1 / K, "that is how often a uniform guess is wrong, not the loss: cross-entropy is "
                    "minus the logarithm of the probability of the right class."),
        (-np.log(K), "the sign is flipped: ln(1/K) is negative, and cross-entropy takes minus "
                     "it, so a loss is never below 0."),
        (round(float(np.log(K)), 2), "that is the right number rounded to two decimals; the "
                                     f"question asks for three (the tolerance is {RTOL:.1%}): "
                                     "one more digit."),
    ], praise="that is ln K, the loss of a uniform guess over K classes: with balanced classes, "
              "a loss curve that starts, or stays flat, at this height is the sign of a network "
              "still guessing. (With unbalanced classes a guessing network that has fitted the "
              "class frequencies sits lower, at their entropy.)")


def uniform_start_loss(seed, classes=PLATEAU_CLASSES, m=60):
    """The softmax cross-entropy of a 2-4-K network (sigmoid hidden units) at the 0.01
    initialization, on `m` examples of K blobs: its outputs are nearly equal, so its
    probabilities are nearly uniform and its loss is nearly ln K."""
    X, Y = data.blobs(m, n_classes=classes, seed=seed)
    net = Network([X.shape[0], 4, classes], ["sigmoid", "identity"], loss="softmax_ce",
                  init="small", seed=seed)
    return net.loss(X, Y)
