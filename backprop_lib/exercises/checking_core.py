"""The NumPy-free half of the exercise checkers' machinery: verdicts and their messages.

`checking.py` (NumPy: arrays, float32 answers, the notebooks) and `plain_answers.py`
(standard library: the HTML book's pages, whose Python has no NumPy; first used by
chapters "The chain rule" and "The worked 2-2-1 example") both build their verdicts from
this file, so that a message, and the order in which a checker tries its diagnoses, is
written once: the Feedback type, the generic diagnoses (sign, factors, 1/m), the messages
about shapes, non-finite values, counts and a learner's function, and the readers of text
choices (which need no NumPy at all).
"""

from __future__ import annotations

import decimal
import math
import numbers
import re
from dataclasses import dataclass


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
SIGN_FLIPPED = ("the sign is flipped: check which way a difference goes (y_hat - y or "
                "y - y_hat) and that a step goes against the gradient.")

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


def tolerance_text(rtol, atol) -> str:
    """The tolerance a comparison actually used, in words."""
    if rtol == 0:
        return f"absolute {atol:.2g}"
    if atol <= 1e-12:
        return f"relative {rtol:.2g}"
    return f"relative {rtol:.2g} or absolute {atol:.2g}"


def python_number(answer, name):
    """A Python number (int, float, complex, Fraction, Decimal) as a float, or the Feedback
    saying why it is not a real number."""
    if isinstance(answer, complex):
        if answer.imag != 0:
            return Feedback(False, f"{name} is complex (its imaginary part is not zero): give a "
                                   "real number.")
        answer = answer.real
    try:
        value = float(answer)
        if math.isinf(value) and isinstance(answer, decimal.Decimal) and answer.is_finite():
            raise OverflowError  # a finite Decimal beyond the float range
        return value
    except OverflowError:
        return Feedback(False, f"{name} is too large to be a floating-point number "
                               "(more than 1e308).")
    except (TypeError, ValueError, ArithmeticError):
        return Feedback(False, f"{name} must be a real number; got {_short(answer)}.")


def item_of(obj):
    """obj.item() when obj has it (a tensor) and it returns a plain number, else None."""
    item = getattr(obj, "item", None)
    if not callable(item) or _is_ndarray(obj):
        return None
    try:
        value = item()
    except Exception:
        return None
    return value if isinstance(value, numbers.Number) or _is_numpy(value) else None


# ------------------------------------------------------------ numbers and arrays: messages

def generic_factors(m=None):
    """[(factor, verdict)]: the generic wrong answers, each the expected value times factor,
    tried after an exercise's own diagnoses (a flipped sign, 2, 1/2, and m or 1/m when the
    answer is a mean over m > 1 examples). Only for an expected value that is not all zero."""
    out = [(-1.0, Feedback(False, SIGN_FLIPPED))]
    factors = list(FACTORS)
    if m is not None and m > 1:
        factors += [
            (float(m), f"your answer is {m} times too large: the mean over the m = {m} "
                       "examples needs a factor 1/m."),
            (1.0 / m, f"your answer is {m} times too small: 1/m was applied twice."),
        ]
    return out + [(factor, Feedback(False, message)) for factor, message in factors]


def shape_message(name, got, expected) -> Feedback:
    """The verdict on an answer of shape `got` (a tuple) where `expected` was asked for."""
    size, size_expected = math.prod(got), math.prod(expected)
    if size == size_expected and len(got) == len(expected) == 2 and got == expected[::-1]:
        return Feedback(False, f"{name} has shape {got}, the transpose of the shape "
                               f"expected, {expected}: check the order of the product "
                               f"(examples are columns).")
    if size == size_expected:
        return Feedback(False, f"{name} has shape {got}; expected shape {expected} "
                               f"(the values may be right: reshape, keepdims=True).")
    hint = ""
    if len(expected) == 2 and len(got) >= 1 and size in expected:
        hint = " Did you sum over the wrong axis?"
    return Feedback(False, f"{name} has shape {got}; expected {expected}.{hint}")


def not_a_single_number(name, shape, whole=False) -> Feedback:
    what = "single whole number" if whole else "single number"
    return Feedback(False, f"{name} must be a {what}; got an array of shape {shape}.")


def non_finite_message(name, values) -> Feedback:
    """The verdict on an answer holding NaN or an infinity (values: the answer's floats)."""
    if len(values) == 1:
        return Feedback(False, f"{name} is {'NaN' if math.isnan(values[0]) else 'infinite'}"
                               ": give a finite number.")
    return Feedback(False, f"{name} contains NaN or infinite values.")


def not_right(name, rtol, atol) -> Feedback:
    return Feedback(False, f"{name} is not right yet (tolerance: {tolerance_text(rtol, atol)}). "
                           "Recompute it step by step.")


def judge_count(value, expected, *, name, diagnoses=(), praise="that is right.",
                hint=None) -> Feedback:
    """A count read as one float `value`, judged exactly against the whole number expected."""
    if not math.isfinite(value):
        what = "NaN" if math.isnan(value) else "infinite"
        return Feedback(False, f"{name} is {what}: a count is a whole number.")
    if not value.is_integer():
        shown = f"{value:g}"
        if shown.lstrip("-").isdigit():  # 1.9999999 would show as the whole number 2
            shown = f"{value:.15g}"
        return Feedback(False, f"{name} must be a whole number: {shown} is not a count.")
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


# ------------------------------------------------------------------- a learner's function

def judge_function(fn, inputs, expected, wrong, *, name, same, check_array, copy,
                   rtol=1e-7, atol=1e-12, notes=None, returns=None,
                   praise="it agrees with the reference on every test input."):
    """The verdict on a learner's function: call fn on a copy of each input, then compare.

    expected: the reference's output on each input; wrong: [(outputs of a typical mistake
    on each input, message)], tried first (an answer that agrees with a mistake on every
    input, and not with the reference, gets its message). same(a, b, rtol, atol) and
    check_array(out, exp, name, rtol, atol) read and compare outputs: NumPy's in
    checking.check_function, plain Python's in plain_answers.check_function. Whatever fn
    raises is reported, never re-raised.
    """
    if fn is None:
        return NO_ANSWER
    if not callable(fn):
        return Feedback(False, f"{name} must be a function; got {type(fn).__name__}.")

    def where(i):
        note = f" ({notes[i]})" if notes and notes[i] else ""
        return f"on test input {i + 1}{note}"

    outputs = []
    for i, args in enumerate(inputs):
        try:
            outputs.append(fn(*[copy(a) for a in args]))
        except NotImplementedError:
            return Feedback(False, f"{name} is not written yet (it raises NotImplementedError).")
        except Exception as exc:  # a learner's bug: report it, do not crash the notebook
            return Feedback(False, f"{name} raised {type(exc).__name__}: {str(exc)[:200]}, "
                                   f"{where(i)}.")
    expected = expected() if callable(expected) else expected
    for wrong_outputs, message in wrong:
        wrong_outputs = wrong_outputs() if callable(wrong_outputs) else wrong_outputs
        if all(same(o, w, rtol, atol) for o, w in zip(outputs, wrong_outputs, strict=True)) \
                and not all(same(o, e, rtol, atol) for o, e in zip(outputs, expected, strict=True)):
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
            verdict = check_array(part, right, f"{name}'s {label} {where(i)}", rtol, atol)
            if not verdict.ok:
                return verdict
    return Feedback(True, praise)


def _what(value) -> str:
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)}"
    return f"one {type(value).__name__}"


# ------------------------------------------------------------------------- text choices

def _normal(text: str) -> str:
    return " ".join(text.split()).lower()


def _is_ndarray(value) -> bool:
    """A NumPy array, recognized without importing NumPy (the page has none)."""
    return _is_numpy(value) and type(value).__name__ == "ndarray"


def _is_numpy(value) -> bool:
    return type(value).__module__ == "numpy"


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
        if isinstance(answer, (list, tuple, set)) or _is_ndarray(answer):
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
