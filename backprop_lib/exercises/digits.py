"""Checkers for the exercises of chapter "The whole book at work: handwritten digits".

1. `check_uniform_loss`: the loss of a network that gives all ten classes the same probability.
2. `check_bn_param_count`: the trained parameters of the chapter's network with batch
   normalization.
3. `check_chosen_rate`: choose the learning rate from the validation curves (Figure 4, He
   initialization), and say which curve you read.
4. `check_bug`: name the bug planted in the training loop behind the mystery run.
5. `check_exploration`: at a large rate, does the initializations' order hold over seeds, and
   what do twice the epochs at a good rate help?

Expected values are computed here with backprop_lib, never typed in, and never printed.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import digits_bugs as _bugs
from .. import digits_study as _study
from .checking import Feedback, as_choices, check_count, check_scalar

__all__ = ["BUG_CHOICES", "CRITERIA", "EDGE_SEEDS", "LONGER_CHOICES", "LONGER_Z", "MYSTERY",
           "ORDER_CHOICES", "RATE_CHOICES", "UNIFORM_ATOL", "check_bn_param_count", "check_bug",
           "check_chosen_rate", "check_exploration", "check_uniform_loss", "exploration",
           "rate_band"]


#: Exercise 1's tolerance: half a unit of the second decimal, so 2.30 and 2.3026 both pass.
UNIFORM_ATOL = 0.005


def check_uniform_loss(answer):
    """Exercise 1: softmax cross-entropy when every class gets probability 1/10, in nats.
    Any value that rounds to ln 10 at two decimals (2.30) is accepted (UNIFORM_ATOL)."""
    n = 10
    diagnoses = [
        (-np.log(n), "that is ln(1/10), the logarithm of the right class's probability; the "
                     "loss is minus it, -ln(1/10), a positive number."),
        (np.log2(n), "that is log2(10), in bits; the book's cross-entropy uses the natural "
                     "logarithm (numpy.log), as PyTorch and Keras do."),
        (np.log10(n), "that is log10(10); the cross-entropy uses the natural logarithm."),
        (1.0 / n, "that is the probability of the right class; the loss is minus its "
                  "logarithm."),
        (-np.log(1 - 1.0 / n), "that is -log(0.9), the probability of the wrong classes; "
                               "the loss reads only the right class's probability, 1/10."),
        (n * np.log(n), "you summed over the ten classes; with one-hot targets only the right "
                        "class's term is non-zero."),
    ]
    return check_scalar(answer, np.log(n), name="the loss", rtol=0.0, atol=UNIFORM_ATOL,
                        diagnoses=diagnoses,
                        praise="-log(1/10) = ln 10: the loss of a network that knows nothing, "
                               "and a check of any classifier's first epoch.")


def check_bn_param_count(answer):
    """Exercise 2: how many numbers the optimizer trains in the 64-64-10 network with batch
    normalization before the hidden ReLU (running statistics are not trained)."""
    bn = _study.make_network(batchnorm=True)
    plain = _study.make_network()
    running = sum(v.size for v in bn.running.values())
    n_hidden = bn.layer_sizes[1]
    diagnoses = [
        (plain.n_params, "that is the plain network's count. Batch normalization drops the "
                         "hidden layer's bias b1 (its shift beta1 takes its place) and adds a "
                         "scale gamma1: one more number per hidden unit."),
        (bn.n_params + running, "you counted the running mean and variance too; they are "
                                "averages kept for inference, not trained by the optimizer."),
        (bn.n_params + n_hidden, "you kept the bias b1 beside beta1; batch normalization "
                                 "subtracts the batch mean, which would cancel b1, so b1 goes."),
        (bn.n_params - 2 * n_hidden, "gamma1 and beta1 are trained too: one of each per "
                                     "hidden unit."),
        (bn.n_params - bn.layer_sizes[2], "the output layer keeps its bias b2 (it is not "
                                          "normalized)."),
    ]
    return check_count(answer, bn.n_params, name="the count", diagnoses=diagnoses,
                       praise="W1 (64x64), gamma1 and beta1 (64 each), W2 (10x64) and b2 (10).")


RATE_CHOICES = tuple(f"{lr:g}" for lr in _study.LR_GRID)
CRITERIA = ("training loss", "validation loss", "validation accuracy", "test accuracy")
_RATE_SYNONYMS = {}
for _lr in _study.LR_GRID:
    _RATE_SYNONYMS[f"{_lr:.0e}"] = f"{_lr:g}"
    _RATE_SYNONYMS[f"{_lr:.0e}".replace("e-0", "e-")] = f"{_lr:g}"
_RATE_SYNONYMS.update({"1.0": "1", "1e0": "1", "1e+00": "1"})
#: How far from the grid's best a rate of the band may be: validation loss at most LOSS_SLACK
#: times the lowest, validation accuracy at most ACC_SLACK below the highest.
LOSS_SLACK, ACC_SLACK = 1.25, 0.01
#: The seeds over which a rate at the band's upper edge is shown to be fragile.
EDGE_SEEDS = (0, 1, 2, 3, 4)


def rate_band(init="he"):
    """The rates of the player's grid (seed 0) whose final validation loss is within
    LOSS_SLACK of the grid's lowest and whose validation accuracy is within ACC_SLACK of its
    highest, with the rate of lowest training loss: (band, by_training_loss)."""
    runs = [_study.run(lr, init, seed=0) for lr in _study.LR_GRID]
    loss = np.array([r.val_loss[-1] for r in runs])
    acc = np.array([r.val_acc[-1] for r in runs])
    train = np.array([r.train_loss[-1] for r in runs])
    ok = (loss <= LOSS_SLACK * loss.min()) & (acc >= acc.max() - ACC_SLACK)
    band = tuple(f"{lr:g}" for lr, good in zip(_study.LR_GRID, ok, strict=True) if good)
    return band, f"{_study.LR_GRID[int(np.argmin(train))]:g}"


def _rate_text(rate):
    """A number given for the rate, as the grid's string when it is one of the grid's rates."""
    if isinstance(rate, numbers.Real) and not isinstance(rate, bool):
        for lr in _study.LR_GRID:
            if np.isclose(float(rate), lr, rtol=1e-9, atol=0):
                return f"{lr:g}"
    return rate


def _read_choices(*slots):
    """The chosen values of (label, answer, choices, synonyms) slots, in order, or the
    Feedback of the first slot that is not a valid choice."""
    chosen = []
    for label, answer, choices, synonyms in slots:
        given = as_choices({label: answer}, choices, synonyms=synonyms)
        if isinstance(given, Feedback):
            return given
        chosen.append(given[label])
    return chosen


def _off_grid(rate):
    """A Feedback for a number that is no rate of the slider, naming the nearest one; None for
    anything else (the choice check then handles it)."""
    if not isinstance(rate, numbers.Real) or isinstance(rate, bool) or _rate_text(rate) != rate:
        return None
    rate = float(rate)
    if not np.isfinite(rate) or rate <= 0:
        return Feedback(False, f"a learning rate is a positive number; got {rate:g}. Choose "
                               f"one of the slider's rates: {', '.join(RATE_CHOICES)}.")
    grid = np.array(_study.LR_GRID)
    nearest = f"{grid[np.argmin(np.abs(np.log(grid / rate)))]:g}"
    given = f"{rate:g}" if float(f"{rate:g}") == rate else repr(rate)  # 0.0030000001 shows
    return Feedback(False, f"{given} is not a rate of the slider; choose one of its rates "
                           f"({', '.join(RATE_CHOICES)}): the nearest to {given} is "
                           f"{nearest}.")


#: A run's validation loss has "blown up" when it ends at least BLOWN_UP times its own lowest.
BLOWN_UP = 3.0


def _times(x):
    """A ratio with sensible digits: two significant digits below 10 (1.4), whole above."""
    return f"{x:.1f}" if x < 10 else f"{x:.0f}"


def _rate_diagnosis(rate):
    """What seed 0's He run at `rate` (a grid string) shows against the grid's best, computed
    from the runs: still falling at the last epoch (under-trained), blown up (confident
    mistakes), or simply ending worse."""
    he = {f"{lr:g}": _study.run(lr, "he", seed=0) for lr in _study.LR_GRID}
    best_loss = min(r.val_loss[-1] for r in he.values())
    r = he[rate]
    n = len(r.val_loss)
    ratio = _times(r.val_loss[-1] / best_loss)
    if int(np.argmin(r.val_loss)) == n - 1:
        return (f"its validation loss is still falling at the last epoch, epoch {n} "
                f"(under-trained): it ends {ratio} times the grid's lowest because {n} epochs "
                "are too few at this rate, not because it overfits")
    if r.val_loss[-1] >= BLOWN_UP * r.val_loss.min():
        return (f"its validation loss was lowest at epoch {int(np.argmin(r.val_loss)) + 1} "
                f"and then blew up, to {ratio} times the grid's lowest: its mistakes are "
                "confident ones, made with near certainty")
    return f"its final validation loss is {ratio} times the grid's lowest"


def check_chosen_rate(rate, criterion):
    """Exercise 3: a learning rate of Figure 4's slider (He initialization) and the curve it
    was chosen by (one of CRITERIA)."""
    off = _off_grid(rate)
    if off is not None:
        return off
    given = _read_choices(("the learning rate", _rate_text(rate), RATE_CHOICES, _RATE_SYNONYMS),
                          ("the curve", criterion, CRITERIA, None))
    if isinstance(given, Feedback):
        return given
    rate, criterion = given
    if criterion == "test accuracy":
        return Feedback(False, "the test split must not choose anything: a rate picked for its "
                               "test accuracy makes that accuracy an optimistic estimate, and "
                               "the chapter's stated result would no longer be a prediction. "
                               "Choose on the validation split.")
    if criterion == "training loss":
        return Feedback(False, "the training loss rewards whatever fits the training images "
                               "best, whether or not it generalizes (in Figure 4 it keeps "
                               "falling at rates whose validation loss climbs): a rate chosen "
                               "by it is right only by luck. Read the validation curves.")
    band, by_training = rate_band()
    he = {f"{lr:g}": _study.run(lr, "he", seed=0) for lr in _study.LR_GRID}
    best_acc = max(r.val_acc[-1] for r in he.values())
    if rate not in band:
        acc = he[rate].val_acc[-1]
        why = _rate_diagnosis(rate)
        if criterion == "validation accuracy":
            if acc >= best_acc - ACC_SLACK:
                return Feedback(False, f"by accuracy {rate} looks fine (validation accuracy "
                                       f"{acc:.3f}, against {best_acc:.3f} at the best), but "
                                       f"{why}. Read the validation loss beside the accuracy.")
            return Feedback(False, f"by accuracy too {rate} is behind (validation accuracy "
                                   f"{acc:.3f}, against {best_acc:.3f} at the best), and {why}. "
                                   "Compare the last epoch across the rates.")
        if rate == by_training:
            return Feedback(False, f"by the validation loss {rate} is a poor choice (it is "
                                   f"the rate of lowest training loss): {why}.")
        return Feedback(False, f"at {rate} the validation curves end worse than at the best "
                               f"rates of the slider: {why}. Compare the validation loss "
                               "after the last epoch across the rates, and the validation "
                               "accuracy.")
    caveat = ""
    if criterion != "validation loss":
        fooled = [lr for lr in RATE_CHOICES
                  if lr not in band and he[lr].val_acc[-1] >= best_acc - ACC_SLACK]
        if fooled:
            caveat = (" Accuracy alone would also have accepted "
                      + "; ".join(f"{lr}, where "
                                  + _rate_diagnosis(lr).replace("its ", "the ", 1)
                                  for lr in fooled)
                      + ". Read the loss beside it.")
    grid = list(RATE_CHOICES)
    if rate == band[-1] and grid.index(rate) < len(grid) - 1:
        climbs = [r.val_loss[-1] / r.val_loss.min()
                  for r in (_study.run(float(rate), "he", seed=s) for s in EDGE_SEEDS)]
        caveat += (f" But {rate} is the band's largest rate, at the edge where the loss "
                   "starts to blow up (Figure 3): from seeds "
                   f"{EDGE_SEEDS[0]} to {EDGE_SEEDS[-1]} its validation loss ends up to "
                   f"{max(climbs):.1f} times its own lowest. A rate further inside the band is "
                   "the safer choice.")
    return Feedback(True, f"{rate} is in the band of rates whose validation loss and accuracy "
                          f"are both close to the best ({', '.join(band)}) for seed 0, the "
                          "seed of Figure 4." + caveat)


BUG_CHOICES = _bugs.BUGS
#: The bug planted in the loop behind the exercise's mystery run.
MYSTERY = "accumulated_gradients"
_BUG_SYNONYMS = {b.replace("_", " "): b for b in BUG_CHOICES}


def check_bug(answer):
    """Exercise 4: which bug of digits_bugs.BUGS made the mystery run's curves."""
    given = as_choices({"the bug": answer}, BUG_CHOICES, synonyms=_BUG_SYNONYMS)
    if isinstance(given, Feedback):
        return given
    bug = given["the bug"]
    clean, runs = _bugs.buggy_run(None), {b: _bugs.buggy_run(b) for b in BUG_CHOICES}
    if bug == MYSTERY:
        worst = runs[bug].val_loss.max() / clean.val_loss[-1]
        return Feedback(True, "each step follows the sum of every gradient so far, so the "
                              "steps keep pushing along directions the loss no longer wants: "
                              f"the training loss climbs back up and the validation loss rises "
                              f"to {worst:.0f} times the correct loop's final one. Reset the "
                              "gradient before each mini-batch.")
    if bug == "test_statistics":
        gap = np.abs(runs[bug].val_acc - clean.val_acc).max()
        return Feedback(False, "standardizing with the test split's statistics leaves these "
                               "curves almost as they are (on this split its validation "
                               f"accuracy is within {gap:.3f} of the correct loop's): it is a "
                               "leak of the test split, which no curve shows. Look for a bug "
                               "that makes the training loss rise again.")
    if bug == "no_shuffle":
        return Feedback(False, "a loop that never shuffles sorted data learns more slowly, but "
                               "its training loss still falls epoch after epoch: "
                               f"{runs[bug].train_loss[-1]:.3f} at the end. The mystery run's "
                               "loss rises again.")
    return Feedback(False, "evaluating batch normalization in training mode one example at a "
                           "time leaves training untouched and puts the validation accuracy "
                           f"at chance ({runs[bug].val_acc[-1]:.2f}) from the first epoch, "
                           "and the mystery run's validation accuracy is far from chance.")


#: Exercise 5's setting: the large rate and its seeds, the good rate and the longer training.
#: Five seeds: were the winner a matter of chance, all five would agree only once in 81
#: times, so the answer does not hang on the last digits of a learner's CPU.
HOT_LR, HOT_SEEDS = 0.3, (0, 1, 2, 3, 4)
GOOD_LR, LONG_EPOCHS = 0.01, 60
#: "Helps the validation accuracy": by more than LONGER_Z standard errors of the paired change
#: (digits_study.paired_change). The 60-epoch run is the 30-epoch run continued and both are
#: scored on the same images, so the change is carried by the few images on which they
#: disagree, as in the chapter's comparison of batch normalization; a single accuracy's
#: standard error, sqrt(p (1 - p) / n), would be the wrong yardstick for it.
LONGER_Z = 2.0
ORDER_CHOICES = ("holds", "changes")
LONGER_CHOICES = ("the validation accuracy", "only the training loss")


def exploration():
    """Exercise 5's answers: (winners, order, longer, short, long). winners: per seed of
    HOT_SEEDS, the initialization whose final validation loss is the smallest multiple of its
    own lowest at HOT_LR; order: "holds" if the same for every seed; short and long: the He
    runs at GOOD_LR for the chapter's epochs and for LONG_EPOCHS; longer: what those help."""
    winners = []
    for seed in HOT_SEEDS:
        climb = {}
        for init in _study.INITS:
            r = _study.run(HOT_LR, init, seed=seed)
            climb[init] = r.val_loss[-1] / r.val_loss.min()
        winners.append(min(climb, key=climb.get))
    order = ORDER_CHOICES[0] if len(set(winners)) == 1 else ORDER_CHOICES[1]
    short, long = _study.run(GOOD_LR, "he"), _study.run(GOOD_LR, "he", epochs=LONG_EPOCHS)
    change = _study.paired_change(short, long)
    longer = LONGER_CHOICES[0] if change.diff > LONGER_Z * change.se else LONGER_CHOICES[1]
    return winners, order, longer, short, long


def check_exploration(order, longer):
    """Exercise 5: does the order of the initializations at HOT_LR hold from seed to seed
    (one of ORDER_CHOICES), and what does training LONG_EPOCHS at GOOD_LR help (one of
    LONGER_CHOICES)?"""
    given = _read_choices(("the order", order, ORDER_CHOICES, None),
                          ("what training longer helps", longer, LONGER_CHOICES, None))
    if isinstance(given, Feedback):
        return given
    order, longer = given
    winners, right_order, right_longer, short, long = exploration()
    least = ", ".join(f"{w} from seed {s}" for w, s in zip(winners, HOT_SEEDS, strict=True))
    if order != right_order:
        return Feedback(False, f"compare the seeds: the initialization that climbs least is "
                               f"{least}. At a rate this large training is chaotic, and one "
                               "run cannot rank anything.")
    c = _study.paired_change(short, long)
    n = len(_study.prepared().y_val)
    ratio = "no change at all" if c.se == 0 else f"{c.diff / c.se:.1f} of them"
    moved = (f"a change of {c.diff:+.3f} ({c.gained} images gained, {c.lost} lost of the {n}; "
             f"the others are classified alike by both), against a paired standard error of "
             f"{c.se:.3f}: {ratio}")
    rule = (f"the exercise counts a rise of more than {LONGER_Z:g} paired standard errors "
            "(ds.paired_change: both networks are scored on the same images, so only the "
            "images on which they disagree carry the change)")
    if longer != right_longer:
        verdict = ("within the noise" if c.diff <= LONGER_Z * c.se else "beyond the noise")
        k = c.gained + c.lost
        luck = sum(math.comb(k, j) for j in range(c.gained, k + 1)) / 2 ** k if k else 1.0
        coin = (f" A coin tossed once for each of the {k} images on which they disagree "
                f"favours the longer run at least {c.gained} times with probability "
                f"{luck:.2g}." if k else "")
        return Feedback(False, f"compare the last epochs: validation accuracy "
                               f"{short.val_acc[-1]:.3f} after {len(short.val_acc)} epochs, "
                               f"{long.val_acc[-1]:.3f} after {len(long.val_acc)}, {moved}; "
                               f"{rule}, and this change is {verdict}.{coin} Meanwhile the "
                               f"training loss went from {short.train_loss[-1]:.1e} to "
                               f"{long.train_loss[-1]:.1e}.")
    return Feedback(True, f"the order {order} (the least climb: {least}), and twice the epochs "
                          f"help {longer}: validation accuracy {short.val_acc[-1]:.3f} then "
                          f"{long.val_acc[-1]:.3f} ({moved}), validation loss "
                          f"{short.val_loss[-1]:.3f} then {long.val_loss[-1]:.3f}, training "
                          f"loss {short.train_loss[-1]:.1e} then {long.train_loss[-1]:.1e}.")
