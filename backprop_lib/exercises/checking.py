"""The machinery shared by every exercise checker.

How an exercise looks in a chapter notebook (see book/intro.md, "Exercises"):

1. a Markdown cell states the task and the tolerance;
2. a code cell `answer = None` followed by `ex.check_something(answer)`: unanswered, it
   prints "Not yet: no answer yet", which is deterministic, so strict nbval and the build
   pass with the exercise left blank;
3. a solution code cell, tagged `hide-cell` and `solution` (collapsed in the HTML book) with
   `jupyter.source_hidden` set (collapsed in JupyterLab), that computes the answer and calls
   the same checker: CI runs it, so the solution and the checker stay correct together.

A checker returns a Feedback, which displays as one line: a tick and what was right, or
"Not yet" and the most specific hint the checker can give. Hints come from diagnoses: a
list of (wrong_value, message) pairs, each the result of one typical mistake, tried in
order after the generic ones (shape, sign, a constant factor). Messages never contain the
expected value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ok, and a message for the learner."""

    ok: bool
    message: str

    def __str__(self) -> str:
        return ("Correct: " if self.ok else "Not yet: ") + self.message

    def __repr__(self) -> str:
        return str(self)

    def __bool__(self) -> bool:
        return self.ok

    def _repr_html_(self) -> str:
        colour = "#009E73" if self.ok else "#D55E00"  # Okabe-Ito green / vermillion
        mark = "&#10004;" if self.ok else "&#10008;"
        text = _escape(str(self))
        return f'<p style="color:{colour};font-weight:600">{mark} {text}</p>'


NO_ANSWER = Feedback(False, "no answer yet: replace None with your answer and run the cell again.")

# Constant factors whose presence betrays a classic slip, with what the slip usually is.
FACTORS = [
    (2.0, "your answer is twice the right one: look for an extra factor of 2 "
          "(a dropped 1/2, or a 2 counted twice)."),
    (0.5, "your answer is half the right one: a factor of 2 is missing "
          "(for example the 2 in d/dx of x^2 = 2x)."),
]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _close(a, b, rtol, atol) -> bool:
    return bool(np.allclose(a, b, rtol=rtol, atol=atol))


def check_array(answer, expected, *, name="your answer", rtol=1e-6, atol=1e-12,
                diagnoses=(), m=None, praise="that is right.") -> Feedback:
    """Compare an array answer with the expected array; diagnose common mistakes.

    m: the number of examples, when a missing or extra 1/m is a likely slip.
    diagnoses: (wrong_value, message) pairs specific to the exercise, tried after the
    generic checks.
    """
    if answer is None:
        return NO_ANSWER
    try:
        got = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return Feedback(False, f"{name} must be a number or an array of numbers; "
                               f"got {type(answer).__name__}.")
    exp = np.asarray(expected, dtype=np.float64)
    if got.shape != exp.shape:
        if got.size == exp.size and got.ndim == exp.ndim == 2 and got.shape == exp.shape[::-1]:
            return Feedback(False, f"{name} has shape {got.shape}, the transpose of the shape "
                                   f"expected, {exp.shape}: check the order of the product "
                                   f"(examples are columns).")
        if got.size == exp.size:
            return Feedback(False, f"{name} has shape {got.shape}; expected shape {exp.shape} "
                                   f"(the values may be right: reshape, keepdims=True).")
        hint = ""
        if exp.ndim == 2 and got.ndim >= 1 and got.size in exp.shape and got.size != exp.size:
            hint = " Did you sum over the wrong axis?"
        return Feedback(False, f"{name} has shape {got.shape}; expected {exp.shape}.{hint}")
    if not np.isfinite(got).all():
        return Feedback(False, f"{name} contains NaN or infinite values.")
    if _close(got, exp, rtol, atol):
        return Feedback(True, praise)
    if np.any(exp != 0) and _close(got, -exp, rtol, atol):
        return Feedback(False, "the sign is flipped: check which way a difference goes "
                               "(y_hat - y or y - y_hat) and that a step goes against the "
                               "gradient.")
    factors = list(FACTORS)
    if m is not None and m > 1:
        factors += [
            (float(m), f"your answer is {m} times too large: the mean over the m = {m} examples "
                       "needs a factor 1/m."),
            (1.0 / m, f"your answer is {m} times too small: 1/m was applied twice."),
        ]
    for factor, message in factors:
        if np.any(exp != 0) and _close(got, factor * exp, rtol, atol):
            return Feedback(False, message)
    for wrong, message in diagnoses:
        wrong = np.asarray(wrong, dtype=np.float64)
        if wrong.shape == got.shape and _close(got, wrong, rtol, atol):
            return Feedback(False, message)
    return Feedback(False, f"{name} is not right yet (tolerance: relative {rtol:g}). "
                           "Recompute it step by step.")


def check_scalar(answer, expected, *, name="your answer", rtol=1e-4, atol=1e-12,
                 diagnoses=(), m=None, praise="that is right.") -> Feedback:
    """Like check_array for a single number (a float, or an array with one element)."""
    if answer is None:
        return NO_ANSWER
    if isinstance(answer, (str, bytes)):
        return Feedback(False, f"{name} must be a number, not text.")
    arr = np.asarray(answer)
    if arr.size != 1:
        return Feedback(False, f"{name} must be a single number; got shape {arr.shape}.")
    return check_array(float(arr.reshape(-1)[0]) if arr.dtype != object else answer,
                       float(np.asarray(expected).reshape(-1)[0]), name=name, rtol=rtol,
                       atol=atol, diagnoses=diagnoses, m=m, praise=praise)


def check_function(fn, reference, inputs, *, name="your function", rtol=1e-7, atol=1e-12,
                   diagnoses=(), praise="it agrees with the reference on every test input."):
    """Call a learner's function on each input tuple and compare it with the reference.

    diagnoses: (wrong_function, message) pairs; a learner's function that agrees with a
    wrong_function on every input gets that message.
    """
    if fn is None:
        return NO_ANSWER
    if not callable(fn):
        return Feedback(False, f"{name} must be a function; got {type(fn).__name__}.")
    outputs = []
    for args in inputs:
        try:
            outputs.append(fn(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args]))
        except NotImplementedError:
            return Feedback(False, f"{name} is not written yet (it raises NotImplementedError).")
        except Exception as exc:  # a learner's bug: report it, do not crash the notebook
            return Feedback(False, f"{name} raised {type(exc).__name__}: {exc}")
    expected = [reference(*args) for args in inputs]
    for (wrong_fn, message) in diagnoses:
        wrong = [wrong_fn(*args) for args in inputs]
        if all(_same(o, w, rtol, atol) for o, w in zip(outputs, wrong, strict=True)) and not all(
            _same(o, e, rtol, atol) for o, e in zip(outputs, expected, strict=True)
        ):
            return Feedback(False, message)
    for i, (out, exp) in enumerate(zip(outputs, expected, strict=True)):
        verdict = check_array(out, exp, name=f"{name}'s output on test input {i + 1}",
                              rtol=rtol, atol=atol)
        if not verdict.ok:
            return verdict
    return Feedback(True, praise)


def _same(a, b, rtol, atol) -> bool:
    try:
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and _close(a, b, rtol, atol)
