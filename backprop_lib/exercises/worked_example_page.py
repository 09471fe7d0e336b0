"""What the exercises of chapter "The worked 2-2-1 example" check, standard library only.

As `chain_rule_page` for chapter 2: the expected values, the diagnosed mistakes and their
messages, written once, for the notebook's checkers (`exercises.worked_example`, NumPy)
and the HTML book's page (no NumPy). The numbers come from the example's trace and one
update, which `worked_example.page_facts()` computes with backprop_lib; every diagnosis
is plain arithmetic on them, so both sides compute the very same floats. `checks(facts)`
are the checkers on plain Python answers that the page runs.
"""

from __future__ import annotations

if __package__:
    from . import plain_answers as plain
    from .checking_core import NO_ANSWER, check_choice
else:  # the page's Python: the files sit side by side on sys.path
    import plain_answers as plain
    from checking_core import NO_ANSWER, check_choice

LR_OPTIONS = ("higher than before the step", "lower than before the step")
LR_SYNONYMS = {"higher": LR_OPTIONS[0], "lower": LR_OPTIONS[1]}
#: Exercise 4's setting: the target moved inside (0, 1), one step at a large learning rate.
LR_TARGET, LR_RATE = 0.9, 100.0

#: Exercise 3's typical mistakes, in the order the checker tries them.
HIDDEN_ERROR_MISTAKES = (
    "that is dA1 = W2ᵀ dZ2; multiply it elementwise by the sigmoid's derivative A1 (1 − A1).",
    "the sigmoid's derivative is A1 (1 − A1), not A1.",
    "you applied the sigmoid to A1 again: A1 is already σ(Z1), so σ'(Z1) = A1 (1 − A1).",
)
HIDDEN_ERROR = {"name": "hidden_error"}


def hidden_z_check(f) -> dict:
    """Exercise 1, z of the second hidden unit: check_scalar's arguments, from facts
    {"z2", "z1", "a2", "no_bias", "column"} (the trace's Z1 and A1, and the two slips)."""
    return {"expected": f["z2"], "name": "z_2^[1]", "rtol": 1e-3, "diagnoses": [
        (f["no_bias"], "the bias b is missing: z = w·x + b."),
        (f["column"], "you used a column of W1 instead of a row: unit i's weights are "
                      "row i of W1 (W1 has shape (n_1, n_0))."),
        (f["a2"], "that is the activation a = σ(z), one step too far: the question asks "
                  "for z, before the sigmoid."),
        (f["z1"], "that is z of the first hidden unit; the question asks for the second."),
        # before the generic sign message, which speaks of gradients: z has no step direction
        (-f["z2"], "the sign is flipped: every weight, input and bias here is positive, "
                   "so z = w·x + b is positive."),
    ]}


def output_error_check(f) -> dict:
    """Exercise 2, dZ2 (half MSE, sigmoid): check_scalar's arguments, from facts
    {"a", "y", "dZ2"} (the prediction, the target and the trace's dZ2)."""
    a, y = f["a"], f["y"]
    return {"expected": f["dZ2"], "name": "dZ2", "rtol": 1e-3, "diagnoses": [
        (a - y, "that is dL/dŷ = ŷ − y only: multiply by the sigmoid's derivative ŷ(1 − ŷ)."),
        ((a - y) * a, "the sigmoid's derivative is ŷ(1 − ŷ), not ŷ."),
        ((a - y) * (1 - a), "the sigmoid's derivative is ŷ(1 − ŷ): a factor ŷ is missing."),
    ]}


def lr_prediction(answer, f):
    """Exercise 4's verdict, from facts {"lr", "y", "loss_before", "loss_after",
    "prediction_before", "prediction_after"} of the one update the checker computes."""
    if answer is None:
        return NO_ANSWER
    lr, y = f["lr"], f["y"]
    truth = LR_OPTIONS[0] if f["loss_after"] > f["loss_before"] else LR_OPTIONS[1]
    passed = f["prediction_after"] > y > f["prediction_before"]
    ceiling = 0.5 * (1 - y) ** 2  # the loss if the step carried y_hat all the way to 1
    if truth == LR_OPTIONS[1] and passed:
        right = (f"the step does overshoot (ŷ climbs past {y:g}), but a sigmoid's output stays "
                 f"below 1, so the loss can grow no larger than ½(1 − {y:g})² = {ceiling:.4f}, "
                 f"less than the {f['loss_before']:.4f} before the step.")
        wrong = (f"ŷ does climb past {y:g}; now ask how far it can go. A sigmoid stays below 1: "
                 f"compare ½(1 − {y:g})² with the loss before the step.")
    else:
        right = f"the computation agrees: the loss after one step at {lr:g} is {truth}."
        wrong = (f"follow ŷ: every gradient has the sign of ŷ − y, so the step moves ŷ toward "
                 f"{y:g}, by more the larger the rate; then compare the loss where it lands "
                 "with the loss before the step.")
    return check_choice(answer, LR_OPTIONS, truth, right, wrong, synonyms=LR_SYNONYMS)


def new_weight_check(f, lr=0.5) -> dict:
    """Exercise 5, W1[2,2] after one step at `lr`: check_scalar's arguments, from facts
    {"w", "x1", "x2", "dz", "dz_h1", "da"} (the weight, the inputs, h2's dZ, h1's dZ and
    h2's dA of the trace)."""
    w, x2, dz = f["w"], f["x2"], f["dz"]
    return {"expected": w - lr * dz * x2, "name": "the new W1[2,2]", "rtol": 5e-4, "diagnoses": [
        (w + lr * dz * x2, "the update subtracts: w ← w − α·dW, and dW = dZ·x₂ is negative "
                           "here, so the weight grows."),
        (w - dz * x2, "the learning rate is missing: w ← w − α·dW with α = 0.5."),
        (w - lr * dz, "dW is dZ times the input at the edge's start: dW = dZ·x₂, not dZ."),
        (w - lr * dz * f["x1"], "the edge into h₂ from x₂ carries x₂ = 0.8, not x₁."),
        (w - lr * f["da"] * x2, "that uses dA of h₂; the gradient needs dZ = dA·a(1 − a), "
                                "the error after the sigmoid."),
        (w - lr * f["dz_h1"] * x2, "that uses dZ of h₁; the edge ends at h₂."),
        (dz * x2, "that is the gradient dW itself; the question asks for the new weight."),
    ]}


def checks(facts) -> dict:
    """{checker's name: the checker on plain Python answers}, for the page; facts are
    `worked_example.page_facts()` (received as JSON)."""
    he, scalar = facts["hidden_error"], plain.check_scalar
    return {
        "check_hidden_z": lambda answer: scalar(answer, **hidden_z_check(facts["hidden_z"])),
        "check_output_error": lambda answer: scalar(
            answer, **output_error_check(facts["output_error"])),
        "check_hidden_error": lambda fn: plain.check_function(
            fn, he["inputs"], he["expected"], **HIDDEN_ERROR,
            diagnoses=list(zip(he["wrong"], HIDDEN_ERROR_MISTAKES, strict=True))),
        "check_lr_prediction": lambda answer: lr_prediction(answer, facts["lr_prediction"]),
        "check_new_weight_by_hand": lambda answer: scalar(
            answer, **new_weight_check(facts["new_weight"])),
    }
