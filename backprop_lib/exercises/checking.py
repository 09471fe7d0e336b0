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
"""

from __future__ import annotations

import decimal
import numbers
import re
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



class Probe:
    """A stand-in answer that asks a checker what kind of answer it reads (for
    `exercises.in_page`, which builds the HTML book's in-page checker from the Python one).

    The readers note what they would read into `found` (one dict per answer slot): a
    number, count, shape or array reader stops the checker there (by raising Probed); a
    text-choice reader answers with the first choice, so that a checker reading several
    choices one after the other reaches them all.
    """

    def __init__(self, index=0):
        self.index, self.found = index, []

    def __repr__(self):
        return f"Probe({self.index})"


class Probed(Exception):
    """Raised by a reader given a Probe whose checker need not run further."""


def _probed(answer, **what):
    answer.found.append(what)
    raise Probed(what["kind"])

NO_ANSWER = Feedback(False, "no answer yet: replace None with your answer and run the cell again.")

# Constant factors whose presence betrays a classic slip, with what the slip usually is.
FACTORS = [
    (2.0, "your answer is twice the right one: look for an extra factor of 2 "
          "(a dropped 1/2, or a 2 counted twice)."),
    (0.5, "your answer is half the right one: a factor of 2 is missing "
          "(for example the 2 in d/dx of x^2 = 2x)."),
]

#: A float32 (or float16) answer may differ from the float64 reference by this many of its
#: own machine epsilons, relative to the size of the reference.
NARROW_FLOAT_ULPS = 64

_ARITHMETIC = re.compile(r"[0-9eE.+\-*/() ]+")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _short(value, limit=60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _not_text(name, answer) -> Feedback:
    kind = "bytes" if isinstance(answer, bytes) else "a string"
    text = (answer.decode("latin-1") if isinstance(answer, bytes) else str(answer)).strip()
    if _ARITHMETIC.fullmatch(text or "x"):
        return Feedback(False, f"give a number, not {kind} ({_short(answer)} -> {text}).")
    return Feedback(False, f"{name} must be a number, not {kind}; got {_short(answer)}.")


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
    if isinstance(answer, complex):
        if answer.imag != 0:
            return Feedback(False, f"{name} is complex (its imaginary part is not zero): give a "
                                   "real number.")
        answer = answer.real
    try:
        value = float(answer)
        if np.isinf(value) and isinstance(answer, decimal.Decimal) and answer.is_finite():
            raise OverflowError  # a finite Decimal beyond the float range
        return np.asarray(value), 0.0
    except OverflowError:
        return Feedback(False, f"{name} is too large to be a floating-point number "
                               "(more than 1e308).")
    except (TypeError, ValueError, ArithmeticError):
        return Feedback(False, f"{name} must be a real number; got {_short(answer)}.")


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


def _item(obj):
    """obj.item() when obj has it and it returns a plain number, else None."""
    item = getattr(obj, "item", None)
    if not callable(item) or isinstance(obj, np.ndarray):
        return None
    try:
        value = item()
    except Exception:
        return None
    return value if isinstance(value, (numbers.Number, np.generic)) else None


def tolerance_text(rtol, atol) -> str:
    """The tolerance a comparison actually used, in words."""
    if rtol == 0:
        return f"absolute {atol:.2g}"
    if atol <= 1e-12:
        return f"relative {rtol:.2g}"
    return f"relative {rtol:.2g} or absolute {atol:.2g}"


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
        if got.size == 1:
            return Feedback(False, f"{name} is {'NaN' if np.isnan(got).all() else 'infinite'}"
                                   ": give a finite number.")
        return Feedback(False, f"{name} contains NaN or infinite values.")
    rtol, atol = _widened(rtol, atol, eps, exp)
    return _judge(got, exp, name, rtol, atol, diagnoses, m, praise)


def _shape_feedback(name, got, exp) -> Feedback:
    if got.size == exp.size and got.ndim == exp.ndim == 2 and got.shape == exp.shape[::-1]:
        return Feedback(False, f"{name} has shape {got.shape}, the transpose of the shape "
                               f"expected, {exp.shape}: check the order of the product "
                               f"(examples are columns).")
    if got.size == exp.size:
        return Feedback(False, f"{name} has shape {got.shape}; expected shape {exp.shape} "
                               f"(the values may be right: reshape, keepdims=True).")
    hint = ""
    if exp.ndim == 2 and got.ndim >= 1 and got.size in exp.shape:
        hint = " Did you sum over the wrong axis?"
    return Feedback(False, f"{name} has shape {got.shape}; expected {exp.shape}.{hint}")


def _candidates(exp, diagnoses, m, praise):
    """The values an answer is compared with, in order, each with its verdict: the expected
    value first, then the exercise's own diagnoses, then a flipped sign and the constant
    factors. `_judge` and the in-page checker (`exercises.in_page`) both read this list."""
    out = [(exp, Feedback(True, praise))]
    out += [(np.asarray(wrong, dtype=np.float64), Feedback(False, message))
            for wrong, message in diagnoses]  # the exercise's own diagnoses say most
    if np.any(exp != 0):
        out.append((-exp, Feedback(False, "the sign is flipped: check which way a difference "
                                          "goes (y_hat - y or y - y_hat) and that a step goes "
                                          "against the gradient.")))
        factors = list(FACTORS)
        if m is not None and m > 1:
            factors += [
                (float(m), f"your answer is {m} times too large: the mean over the m = {m} "
                           "examples needs a factor 1/m."),
                (1.0 / m, f"your answer is {m} times too small: 1/m was applied twice."),
            ]
        out += [(factor * exp, Feedback(False, message)) for factor, message in factors]
    return out


def _not_right(name, rtol, atol) -> Feedback:
    return Feedback(False, f"{name} is not right yet (tolerance: {tolerance_text(rtol, atol)}). "
                           "Recompute it step by step.")


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
        return Feedback(False, f"{name} must be a single number; got an array of shape "
                               f"{got[0].shape}.")
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
        return Feedback(False, f"{name} must be a single whole number; got an array of shape "
                               f"{values.shape}.")
    value = float(values.reshape(-1)[0])
    if not np.isfinite(value):
        what = "NaN" if np.isnan(value) else "infinite"
        return Feedback(False, f"{name} is {what}: a count is a whole number.")
    if not value.is_integer():
        return Feedback(False, f"{name} must be a whole number: {value:g} is not a count.")
    count = int(value)
    if count == expected:
        return Feedback(True, praise)
    for wrong, message in diagnoses:
        if count == wrong:
            return Feedback(False, message)
    if count < 0:
        return Feedback(False, f"{name} cannot be negative.")
    for factor, message in FACTORS:
        if expected and count == factor * expected:
            return Feedback(False, message)
    return Feedback(False, hint or f"{name} is not right yet (a count must be exact). "
                                   "Count again step by step.")


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


def _normal(text: str) -> str:
    return " ".join(text.split()).lower()


def as_choice(answer, choices, *, name=None, synonyms=None):
    """Read a text choice: the normalized string if it names one of `choices`, else a Feedback.

    Stripped, lower-cased and with inner whitespace collapsed, then looked up in `synonyms`
    (normalized alternative -> choice).
    """
    if answer is None:
        return NO_ANSWER
    if isinstance(answer, Probe):
        answer.found.append({"kind": "choice", "name": name, "options": tuple(choices)})
        return choices[0]
    listed = ", ".join(repr(c) for c in choices)
    ask = f"{name} must be one of {listed}" if name else f"answer with one of {listed}"
    if isinstance(answer, (bytes, bytearray)):
        return Feedback(False, f"{ask}, as a string (not bytes).")
    if not isinstance(answer, str):
        if isinstance(answer, (list, tuple, set, np.ndarray)):
            return Feedback(False, f"{ask}: one string, not a {type(answer).__name__}.")
        return Feedback(False, f"{ask} (a string); got {_short(answer)}.")
    text = _normal(answer)
    text = {_normal(k): v for k, v in (synonyms or {}).items()}.get(text, text)
    if text not in choices:
        return Feedback(False, f"{ask}; got {_short(answer)}.")
    return text


def as_choices(answers: dict, choices, *, synonyms=None):
    """Several named choices at once: a dict name -> normalized choice, or the first Feedback."""
    if any(value is None for value in answers.values()):
        return NO_ANSWER
    out = {}
    for name, value in answers.items():
        got = as_choice(value, choices, name=name, synonyms=synonyms)
        if isinstance(got, Feedback):
            return got
        out[name] = got
    return out


def check_choice(answer, options, truth, why_right, why_wrong, *, synonyms=None) -> Feedback:
    """A multiple-choice prediction: `truth` is the option the computation selects."""
    got = as_choice(answer, options, synonyms=synonyms)
    if isinstance(got, Feedback):
        return got
    return Feedback(True, why_right) if got == truth else Feedback(False, why_wrong)


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
    if fn is None:
        return NO_ANSWER
    if not callable(fn):
        return Feedback(False, f"{name} must be a function; got {type(fn).__name__}.")

    def where(i):
        note = f" ({notes[i]})" if notes and notes[i] else ""
        return f"on test input {i + 1}{note}"

    outputs = []
    with np.errstate(all="ignore"):  # the learner's NaN warnings would clutter the notebook
        for i, args in enumerate(inputs):
            try:
                outputs.append(fn(*[np.copy(a) if isinstance(a, np.ndarray) else a
                                    for a in args]))
            except NotImplementedError:
                return Feedback(False, f"{name} is not written yet "
                                       "(it raises NotImplementedError).")
            except Exception as exc:  # a learner's bug: report it, do not crash the notebook
                return Feedback(False, f"{name} raised {type(exc).__name__}: "
                                       f"{str(exc)[:200]}, {where(i)}.")
        expected = [reference(*args) for args in inputs]
        for wrong_fn, message in diagnoses:
            wrong = [wrong_fn(*args) for args in inputs]
            if all(_same(o, w, rtol, atol) for o, w in zip(outputs, wrong, strict=True)) \
                    and not all(_same(o, e, rtol, atol)
                                for o, e in zip(outputs, expected, strict=True)):
                return Feedback(False, message)
    for i, (out, exp) in enumerate(zip(outputs, expected, strict=True)):
        if out is None:
            return Feedback(False, f"{name} returned None {where(i)}: is a return statement "
                                   "missing?")
        if isinstance(out, (str, bytes)):
            return Feedback(False, f"{name} returned text {where(i)}; return numbers.")
        if returns is None:
            out, exp, labels = [out], [exp], ["output"]
        elif not isinstance(out, (tuple, list)) or len(out) != len(returns):
            return Feedback(False, f"{name} must return the tuple ({', '.join(returns)}); "
                                   f"it returned {_what(out)} {where(i)}.")
        else:
            labels = returns
        for part, right, label in zip(out, exp, labels, strict=True):
            if part is None:
                return Feedback(False, f"{name}'s {label} is None {where(i)}.")
            verdict = check_array(part, right, name=f"{name}'s {label} {where(i)}", rtol=rtol,
                                  atol=atol)
            if not verdict.ok:
                return verdict
    return Feedback(True, praise)


def _what(value) -> str:
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)}"
    return f"one {type(value).__name__}"


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
