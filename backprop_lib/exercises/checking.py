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
list of (wrong_value, message) pairs, each the result of one typical mistake, tried before
the generic ones (shape, sign, a constant factor). Messages never contain the expected value.

Every answer goes through one of four readers, so every chapter accepts the same forms and
no answer, however odd, ends in a traceback:

- `to_array` (used by `check_array`, `check_scalar`, `check_count` and `check_function`):
  Python and NumPy numbers of any int or float type, 0-d and one-element arrays, lists,
  fractions.Fraction, decimal.Decimal, and anything with `__array__` or `.item()` (a CPU
  torch tensor). A float32 or float16 answer is judged with a tolerance that type can meet.
- `as_shape`: exactly two whole numbers, as a tuple, a list or a 1-d array.
- `as_choice` and `as_choices`: a string, stripped, lower-cased, with inner whitespace
  collapsed, then mapped through the exercise's synonyms.

The NumPy-free half (Feedback, the messages, the order of the generic diagnoses, the
skeleton of `check_function`, the choice readers) lives in `checking_core`, which the HTML
book's standard-library checkers (`plain_answers`, `page_checks`) share: a message is
written once.
"""

from __future__ import annotations

import numbers

import numpy as np

from .checking_core import (  # noqa: F401 (the shared names, re-exported)
    FACTORS,
    NO_ANSWER,
    Feedback,
    Probe,
    Probed,
    _not_text,
    _probed,
    _short,
    as_choice,
    as_choices,
    check_choice,
    generic_factors,
    item_of,
    judge_count,
    judge_function,
    non_finite_message,
    not_a_single_number,
    not_right,
    python_number,
    shape_message,
    tolerance_text,
)

#: A float32 (or float16) answer may differ from the float64 reference by this many of its
#: own machine epsilons, relative to the size of the reference.
NARROW_FLOAT_ULPS = 64




def to_array(answer, name="your answer", *, allow_bool=False):
    """Read an answer as numbers: (float64 array, eps of its float type), or a Feedback.

    eps is 0 for integers and float64, else the machine epsilon of the answer's narrower
    float type (float32, float16), so the comparison can allow for its rounding.
    """
    if answer is None:
        return NO_ANSWER
    if isinstance(answer, (bool, np.bool_)) and not allow_bool:
        return Feedback(False, f"{name} must be a number; {answer!r} is a truth value, not a "
                               "number.")
    if isinstance(answer, (str, bytes, bytearray)):
        return _not_text(name, bytes(answer) if isinstance(answer, bytearray) else answer)
    if isinstance(answer, (dict, set, frozenset)):
        return Feedback(False, f"{name} must be a number or an array of numbers; got a "
                               f"{type(answer).__name__}.")
    if isinstance(answer, numbers.Number) and not isinstance(answer, np.generic):
        return _python_number(answer, name)  # int, float, complex, Fraction, Decimal
    try:
        arr = np.asarray(answer)
    except Exception:  # a ragged list, or an object whose __array__ fails (torch grad)
        item = _item(answer)
        if item is not None:
            return to_array(item, name, allow_bool=allow_bool)
        return Feedback(False, f"{name} must be a number or an array of numbers; "
                               f"{type(answer).__name__} {_short(answer)} could not be read as "
                               "one (rows of unequal length?).")
    kind = arr.dtype.kind
    if kind == "b":
        if allow_bool:
            return arr.astype(np.float64), 0.0
        what = "a number" if arr.size == 1 else "numbers"
        return Feedback(False, f"{name} must be {what}, not True/False.")
    if kind in "iu":
        return arr.astype(np.float64), 0.0
    if kind == "f":
        eps = float(np.finfo(arr.dtype).eps) if arr.dtype.itemsize < 8 else 0.0
        return arr.astype(np.float64), eps
    if kind == "c":
        if np.any(arr.imag != 0):
            return Feedback(False, f"{name} is complex (its imaginary part is not zero): "
                                   "give a real number.")
        return to_array(arr.real, name, allow_bool=allow_bool)
    if kind in "US":
        if arr.size == 1:
            return _not_text(name, arr.reshape(-1)[0].item())
        return Feedback(False, f"{name} holds strings; give numbers.")
    if kind in "Mm":
        return Feedback(False, f"{name} is a date or a time span (numpy {arr.dtype}), not a "
                               "number.")
    if kind == "O":
        return _object_array(arr, name, allow_bool)
    return Feedback(False, f"{name} must be a number or an array of numbers; got an array of "
                           f"{arr.dtype}.")


def _python_number(answer, name):
    got = python_number(answer, name)
    return got if isinstance(got, Feedback) else (np.asarray(got), 0.0)


def _object_array(arr, name, allow_bool):
    """An array of Python objects (huge ints, Fractions, tensors), entry by entry."""
    out = np.empty(arr.shape, dtype=np.float64)
    eps = 0.0
    for index, item in np.ndenumerate(arr):
        if not isinstance(item, (numbers.Number, np.generic, str, bytes)):
            item = _item(item)  # a tensor-like object NumPy could not read: ask it for .item()
            if item is None:
                return Feedback(False, f"{name} must be a number or an array of numbers; "
                                       f"got {type(arr.reshape(-1)[0]).__name__}.")
        got = to_array(item, name, allow_bool=allow_bool)
        if isinstance(got, Feedback):
            return got
        out[index] = got[0].reshape(-1)[0]
        eps = max(eps, got[1])
    return out, eps


_item = item_of


def _close(a, b, rtol, atol) -> bool:
    return bool(np.allclose(a, b, rtol=rtol, atol=atol))


def _widened(rtol, atol, eps, expected):
    """The tolerance for an answer of a narrow float type: its own rounding is allowed."""
    if eps == 0:
        return rtol, atol
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    return max(rtol, NARROW_FLOAT_ULPS * eps), max(atol, NARROW_FLOAT_ULPS * eps * scale)


def check_array(answer, expected, *, name="your answer", rtol=1e-6, atol=1e-12,
                diagnoses=(), m=None, praise="that is right.") -> Feedback:
    """Compare an array answer with the expected array; diagnose common mistakes.

    Generic diagnoses: a transposed shape, a sum over the wrong axis (the shape says so),
    a flipped sign, a factor 2 or 1/2, and with `m` (the number of examples) a missing or
    doubled 1/m. diagnoses: (wrong_value, message) pairs specific to the exercise, tried
    before the generic sign and factor checks (after the shape check).
    """
    exp = np.asarray(expected, dtype=np.float64)
    if isinstance(answer, Probe):
        _probed(answer, kind="array", name=name, expected=exp, rtol=rtol, atol=atol,
                diagnoses=diagnoses, m=m, praise=praise,
                boolean=np.asarray(expected).dtype.kind == "b")
    got = to_array(answer, name, allow_bool=np.asarray(expected).dtype.kind == "b")
    if isinstance(got, Feedback):
        return got
    got, eps = got
    if exp.ndim == 0 and got.size == 1:
        got = got.reshape(())  # a one-element list or array for a single number
    if got.shape != exp.shape:
        return _shape_feedback(name, got, exp)
    if not np.isfinite(got).all():
        return non_finite_message(name, got.reshape(-1).tolist())
    rtol, atol = _widened(rtol, atol, eps, exp)
    return _judge(got, exp, name, rtol, atol, diagnoses, m, praise)


def _shape_feedback(name, got, exp) -> Feedback:
    return shape_message(name, got.shape, exp.shape)


def _candidates(exp, diagnoses, m, praise):
    """The values an answer is compared with, in order, each with its verdict: the expected
    value first, then the exercise's own diagnoses, then a flipped sign and the constant
    factors. `_judge` and the in-page checker (`exercises.in_page`) both read this list."""
    out = [(exp, Feedback(True, praise))]
    out += [(np.asarray(wrong, dtype=np.float64), Feedback(False, message))
            for wrong, message in diagnoses]  # the exercise's own diagnoses say most
    if np.any(exp != 0):
        out += [(factor * exp, verdict) for factor, verdict in generic_factors(m)]
    return out


_not_right = not_right


def _judge(got, exp, name, rtol, atol, diagnoses, m, praise) -> Feedback:
    for value, verdict in _candidates(exp, diagnoses, m, praise):
        if value.shape == got.shape and _close(got, value, rtol, atol):
            return verdict
    return _not_right(name, rtol, atol)


def check_scalar(answer, expected, *, name="your answer", rtol=1e-4, atol=1e-12,
                 diagnoses=(), m=None, praise="that is right.") -> Feedback:
    """Like check_array for a single number (a number, or anything holding exactly one)."""
    if isinstance(answer, Probe):
        _probed(answer, kind="number", name=name, rtol=rtol, atol=atol, diagnoses=diagnoses,
                m=m, praise=praise,
                expected=float(np.asarray(expected, dtype=np.float64).reshape(-1)[0]))
    got = to_array(answer, name)
    if isinstance(got, Feedback):
        return got
    if got[0].size != 1:
        return not_a_single_number(name, got[0].shape)
    exp = float(np.asarray(expected, dtype=np.float64).reshape(-1)[0])
    return check_array(answer, exp, name=name, rtol=rtol, atol=atol, diagnoses=diagnoses, m=m,
                       praise=praise)


def check_count(answer, expected, *, name="your count", diagnoses=(), praise="that is right.",
                hint=None) -> Feedback:
    """A count: a whole number, judged exactly (175.0 is 175; 175.4 and True are not counts).

    diagnoses: (wrong_count, message) pairs, tried before the factors 2 and 1/2; hint: the
    message for any other wrong count.
    """
    if isinstance(answer, Probe):
        _probed(answer, kind="count", name=name, expected=expected, diagnoses=diagnoses)
    got = to_array(answer, name)
    if isinstance(got, Feedback):
        return got
    values = got[0]
    if values.size != 1:
        return not_a_single_number(name, values.shape, whole=True)
    return judge_count(float(values.reshape(-1)[0]), expected, name=name, diagnoses=diagnoses,
                       praise=praise, hint=hint)


def as_shape(answer, name="the shape"):
    """Read a shape: a tuple of two ints, or a Feedback (None, sets, strings, 2.5 refused)."""
    if answer is None:
        return NO_ANSWER
    if isinstance(answer, Probe):
        _probed(answer, kind="shape", name=name)
    usage = f"write {name} as a tuple of two integers, like (4, 6)"
    if isinstance(answer, np.ndarray) and answer.ndim == 1:
        entries = answer.tolist()
    elif isinstance(answer, (tuple, list)):
        entries = list(answer)
    else:
        return Feedback(False, f"{usage}; got {type(answer).__name__} {_short(answer)}.")
    if len(entries) != 2:
        return Feedback(False, f"{usage}; got {len(entries)} entries.")
    out = []
    for entry in entries:
        if isinstance(entry, (bool, np.bool_)):
            return Feedback(False, f"{usage}; True and False are not sizes.")
        if isinstance(entry, (int, np.integer)):
            out.append(int(entry))
        elif (isinstance(entry, (float, np.floating)) and np.isfinite(entry)
              and float(entry).is_integer()):
            out.append(int(entry))
        else:
            return Feedback(False, f"{usage}; each entry must be a whole number, and "
                                   f"{_short(entry)} is not.")
    return tuple(out)


def judge_pair(answer, choices, truth, what, praise, hints, *, synonyms=None,
               labels=("the first word", "the second word")) -> Feedback:
    """A "predict, then verify" answer made of two words from `choices`, against the
    measured `truth`; hints[i] is the message when word i is wrong. labels: what each word
    is about (they name the two menus of the HTML book's in-page checker)."""
    if answer is None:
        return NO_ANSWER
    if isinstance(answer, Probe):
        for label in labels:
            answer.found.append({"kind": "choice", "name": label, "options": tuple(choices),
                                 "pair": True})
        raise Probed("pair")
    usage = f"answer must be a pair of words from {list(choices)}: {what}."
    if isinstance(answer, np.ndarray):
        answer = answer.tolist()
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return Feedback(False, usage)
    given = [as_choice(a, choices, synonyms=synonyms) for a in answer]
    if any(isinstance(g, Feedback) for g in given):
        return Feedback(False, usage)
    for word, right, hint in zip(given, truth, hints, strict=True):
        if word != right:
            return Feedback(False, hint)
    return Feedback(True, praise)


def check_function(fn, reference, inputs, *, name="your function", rtol=1e-7, atol=1e-12,
                   diagnoses=(), notes=None, returns=None,
                   praise="it agrees with the reference on every test input."):
    """Call a learner's function on each input tuple and compare it with the reference.

    Whatever the learner's code raises is reported, never re-raised. diagnoses:
    (wrong_function, message) pairs; a learner's function that agrees with a wrong_function
    on every input (NaN matching NaN) gets that message. notes: a short description of each
    input, added to any message about that input. returns: the names of the values the
    function must return as a tuple, such as ("w", "m", "v"), each judged on its own.
    """
    with np.errstate(all="ignore"):  # the learner's NaN warnings would clutter the notebook
        return judge_function(
            fn, inputs, lambda: [reference(*args) for args in inputs],
            [(lambda w=w: [w(*args) for args in inputs], message) for w, message in diagnoses],
            name=name, rtol=rtol, atol=atol, notes=notes, returns=returns, praise=praise,
            same=_same, copy=lambda a: np.copy(a) if isinstance(a, np.ndarray) else a,
            check_array=lambda out, exp, label, rtol, atol: check_array(
                out, exp, name=label, rtol=rtol, atol=atol))


def _same(a, b, rtol, atol) -> bool:
    """Whether two outputs agree (NaN agreeing with NaN); False when one cannot be read."""
    if isinstance(b, tuple):  # a reference returning several values: compare each
        return (isinstance(a, (tuple, list)) and len(a) == len(b)
                and all(_same(x, y, rtol, atol) for x, y in zip(a, b, strict=True)))
    a, b = to_array(a, allow_bool=True), to_array(b, allow_bool=True)
    if isinstance(a, Feedback) or isinstance(b, Feedback):
        return False
    (a, eps), (b, _) = a, b
    if a.shape != b.shape:
        return False
    rtol, atol = _widened(rtol, atol, eps, np.nan_to_num(b))
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))
