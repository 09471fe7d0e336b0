"""Reading and judging answers made of plain Python values, standard library only.

The HTML book's pages run Python without NumPy (Pyodide's standard library; first used by
chapters "The chain rule" and "The worked 2-2-1 example"): there, a reader's answer is a
Python number, a nested list of rows, a string, a tuple... and a function they write works
on nested lists. `check_scalar`, `check_count` and `check_function` here take the same
arguments as their NumPy namesakes in `checking` and give the same verdict, word for word,
on every such value: the messages and the order of the diagnoses come from
`checking_core`, which both use; `read` mimics what `checking.to_array` makes of a plain
value through `numpy.asarray` (a list holding True and 2 is numbers; a list holding a string
and numbers is strings; a list holding None or a Fraction is read entry by entry), and
tests/test_page_checks.py holds the two equal on hundreds of answers.
"""

from __future__ import annotations

import copy as _copy
import math
import numbers

if __package__:
    from . import checking_core as core
else:  # the page's Python: the files sit side by side on sys.path
    import checking_core as core

Feedback = core.Feedback

# NumPy reads ints of this range as numbers (int64, uint64), others as Python objects
_MACHINE_INTS = (-2 ** 63, 2 ** 64)
_RAGGED = object()


def _shape(value):
    """NumPy's shape of a nested list or tuple (strings are entries), or _RAGGED."""
    if not isinstance(value, (list, tuple, range)):
        return ()
    inner = [_shape(v) for v in value]
    if any(s is _RAGGED for s in inner) or len(set(inner)) > 1:
        return _RAGGED
    return (len(value),) + (inner[0] if inner else ())


def _leaves(value):
    if isinstance(value, (list, tuple, range)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _kind(leaves):
    """The dtype kind numpy.asarray gives these entries: "b", "i", "f", "c", "U", "S", "O"."""
    kinds = set()
    for v in leaves:
        if isinstance(v, bool):
            kinds.add("b")
        elif isinstance(v, int) and _MACHINE_INTS[0] <= v < _MACHINE_INTS[1]:
            kinds.add("i")
        elif isinstance(v, float):
            kinds.add("f")
        elif isinstance(v, complex):
            kinds.add("c")
        elif isinstance(v, str):
            kinds.add("U")
        elif isinstance(v, bytes):
            kinds.add("S")
        else:  # None, a Fraction, a Decimal, a huge int, a dict...: an array of objects
            return "O"
    if "U" in kinds:
        return "U"
    if "S" in kinds:
        return "S"
    for kind in "cfi":
        if kind in kinds:
            return kind
    return "b" if kinds else "f"  # an empty list is float64 in NumPy


def read(answer, name="your answer", *, allow_bool=False):
    """An answer as ([floats, row by row], shape), or the Feedback `checking.to_array`
    gives it (the same message)."""
    if answer is None:
        return core.NO_ANSWER
    if isinstance(answer, bool) and not allow_bool:
        return Feedback(False, f"{name} must be a number; {answer!r} is a truth value, not a "
                               "number.")
    if isinstance(answer, (str, bytes, bytearray)):
        return core._not_text(name, bytes(answer) if isinstance(answer, bytearray) else answer)
    if isinstance(answer, (dict, set, frozenset)):
        return Feedback(False, f"{name} must be a number or an array of numbers; got a "
                               f"{type(answer).__name__}.")
    if isinstance(answer, numbers.Number):
        return _number(answer, name)
    shape = _shape(answer)
    if shape is _RAGGED:
        return Feedback(False, f"{name} must be a number or an array of numbers; "
                               f"{type(answer).__name__} {core._short(answer)} could not be "
                               "read as one (rows of unequal length?).")
    leaves = _leaves(answer)
    kind = _kind(leaves)
    if kind == "b" and not allow_bool:
        what = "a number" if len(leaves) == 1 else "numbers"
        return Feedback(False, f"{name} must be {what}, not True/False.")
    if kind in "bif":
        return [float(v) for v in leaves], shape
    if kind == "c":
        if any(complex(v).imag != 0 for v in leaves):
            return Feedback(False, f"{name} is complex (its imaginary part is not zero): "
                                   "give a real number.")
        return [complex(v).real for v in leaves], shape
    if kind in "US":
        if len(leaves) == 1:
            return core._not_text(name, leaves[0])
        return Feedback(False, f"{name} holds strings; give numbers.")
    out = []  # an array of objects, entry by entry
    for item in leaves:
        if not isinstance(item, (numbers.Number, str, bytes)):
            item = core.item_of(item)  # a tensor-like object: ask it for .item()
            if item is None:
                return Feedback(False, f"{name} must be a number or an array of numbers; "
                                       f"got {type(leaves[0]).__name__}.")
        got = read(item, name, allow_bool=allow_bool)
        if isinstance(got, Feedback):
            return got
        out.append(got[0][0])
    return out, shape


def _number(answer, name):
    got = core.python_number(answer, name)
    return got if isinstance(got, Feedback) else ([got], ())


def _isclose(x, y, rtol, atol, equal_nan=False) -> bool:
    """numpy.isclose on two floats: |x - y| <= atol + rtol |y|, infinities equal only to
    themselves."""
    if math.isnan(x) or math.isnan(y):
        return equal_nan and math.isnan(x) and math.isnan(y)
    if math.isinf(y):
        return x == y
    return abs(x - y) <= atol + rtol * abs(y)


def _flat(value):
    """A reference value (float or nested lists) as ([floats], shape)."""
    return [float(v) for v in _leaves(value)], _shape(value)


def check_array(answer, expected, *, name="your answer", rtol=1e-6, atol=1e-12,
                diagnoses=(), m=None, praise="that is right.") -> Feedback:
    """`checking.check_array` on a plain answer; expected and the diagnoses' wrong values
    are floats or nested lists (the page gets them as data)."""
    got = read(answer, name)
    if isinstance(got, Feedback):
        return got
    values, shape = got
    exp, exp_shape = _flat(expected)
    if exp_shape == () and len(values) == 1:
        shape = ()  # a one-element list for a single number
    if shape != exp_shape:
        return core.shape_message(name, shape, exp_shape)
    if not all(math.isfinite(v) for v in values):
        return core.non_finite_message(name, values)
    candidates = [(exp, exp_shape, Feedback(True, praise))]
    for wrong, message in diagnoses:
        candidates.append((*_flat(wrong), Feedback(False, message)))
    if any(e != 0 for e in exp):
        candidates += [([factor * e for e in exp], exp_shape, verdict)
                       for factor, verdict in core.generic_factors(m)]
    for value, value_shape, verdict in candidates:
        if value_shape == shape and all(_isclose(g, v, rtol, atol)
                                        for g, v in zip(values, value, strict=True)):
            return verdict
    return core.not_right(name, rtol, atol)


def check_scalar(answer, expected, *, name="your answer", rtol=1e-4, atol=1e-12,
                 diagnoses=(), m=None, praise="that is right.") -> Feedback:
    """`checking.check_scalar` on a plain answer."""
    got = read(answer, name)
    if isinstance(got, Feedback):
        return got
    if len(got[0]) != 1:
        return core.not_a_single_number(name, got[1])
    return check_array(answer, float(expected), name=name, rtol=rtol, atol=atol,
                       diagnoses=diagnoses, m=m, praise=praise)


def check_count(answer, expected, *, name="your count", diagnoses=(), praise="that is right.",
                hint=None) -> Feedback:
    """`checking.check_count` on a plain answer."""
    got = read(answer, name)
    if isinstance(got, Feedback):
        return got
    if len(got[0]) != 1:
        return core.not_a_single_number(name, got[1], whole=True)
    return core.judge_count(got[0][0], expected, name=name, diagnoses=diagnoses, praise=praise,
                       hint=hint)


def _same(a, b, rtol, atol) -> bool:
    """Whether two outputs agree (NaN agreeing with NaN); False when one cannot be read."""
    a, b = read(a, allow_bool=True), read(b, allow_bool=True)
    if isinstance(a, Feedback) or isinstance(b, Feedback) or a[1] != b[1]:
        return False
    return all(_isclose(x, y, rtol, atol, equal_nan=True) for x, y in zip(a[0], b[0], strict=True))


def check_function(fn, inputs, expected, *, name="your function", rtol=1e-7, atol=1e-12,
                   diagnoses=(), notes=None, returns=None,
                   praise="it agrees with the reference on every test input."):
    """`checking.check_function` for a function on nested lists: inputs are its argument
    tuples, expected the reference's output on each, diagnoses [(a mistake's output on each
    input, message)], all data (the library computes them with NumPy at build time). Each
    call gets its own copy of the inputs, so a function that changes them changes nothing."""
    return core.judge_function(
        fn, inputs, expected, diagnoses, name=name, rtol=rtol, atol=atol, notes=notes,
        returns=returns, praise=praise, same=_same, copy=_copy.deepcopy,
        check_array=lambda out, exp, label, rtol, atol: check_array(
            out, exp, name=label, rtol=rtol, atol=atol))
