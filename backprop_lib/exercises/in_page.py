"""An exercise's checker as data, for the HTML book, where no Python runs.

The built book has no kernel, so the cell where a learner types a Python answer cannot
answer back there. For an exercise whose answer is a number, a count, a shape, a small
array or a choice of words, `spec(check, n_answers, **options)` computes at build time
everything the checker would say and returns it as a JSON-ready dict; a few lines of
JavaScript in the page (`backprop_lib.figures.exercise_page`) compare the reader's input
with it. Nothing is written twice: which values are diagnosed comes from the checker itself
(its readers note what they were given when handed a `checking.Probe`), and every message
in the spec is the verdict of the Python checker on that very value.

What a spec holds, by kind:

- "number": the candidates, in the checker's own order (the expected value, the exercise's
  diagnoses, a flipped sign, the constant factors), each {"value", "ok", "message"}, with
  the tolerance (rtol, atol) the checker compares with; "other" for any other number;
  "nan", "inf", "-inf" for what the checker says to those.
- "count": the same with exact whole numbers, and {"negative": true} where the checker
  refuses negative counts.
- "array": as "number" for an array of the expected shape ("shape"); other shapes get the
  checker's shape messages (transposed, reshaped, summed over the wrong axis).
- "shape": every shape (a, b) with 0 <= a, b < SHAPE_GRID the checker does not answer with
  its most common message is listed with its verdict; that message is "other".
- "choice": the menus ("slots", each a label and its options) and the verdict for every
  combination of options, keyed by the options joined with "|".

A checker whose answer is a function (the learner writes code) has no spec: `spec` returns
None, and the page says that exercise is done in the notebook.
"""

from __future__ import annotations

import collections
import itertools
import math

import numpy as np

from .checking import Feedback, Probe, Probed, _candidates

#: Shapes (a, b) are judged in advance for 0 <= a, b < SHAPE_GRID.
SHAPE_GRID = 17


def spec(check, n_answers=1, **options):
    """The in-page form of `check(answer_1, ..., answer_n, **options)`, or None.

    None when the checker reads something the page cannot ask for (a function, or a mix of
    numbers and words).
    """
    probes = [Probe(i) for i in range(n_answers)]
    try:
        check(*probes, **options)
    except Probed:
        pass
    except Exception:  # a checker that does arithmetic on the answer before reading it
        return None
    found = [_distinct(p.found) for p in probes]
    if any(not f for f in found):
        return None
    kinds = {slot["kind"] for f in found for slot in f}
    base = {"checker": f"{check.__module__}.{check.__qualname__}", "options": options,
            "n_answers": n_answers}
    if kinds == {"choice"}:
        return {**base, **_choice_spec(check, found, options)}
    if n_answers != 1 or len(found[0]) != 1:
        return None
    slot = found[0][0]
    build = {"number": _number_spec, "count": _count_spec, "array": _array_spec,
             "shape": _shape_spec}.get(slot["kind"])
    if build is None:
        return None
    return {**base, "kind": slot["kind"], "name": slot["name"], **build(check, slot, options)}


def _distinct(slots):
    """The slots of one answer, a choice read twice (as_choice, then check_choice) once."""
    out = []
    for slot in slots:
        if slot.get("pair") or slot not in out:
            out.append(slot)
    return out


def _verdict(feedback):
    return {"ok": bool(feedback.ok), "message": feedback.message}


def _away_from(values):
    """A number close to none of `values` (for the checker's generic message)."""
    big = max([abs(v) for v in values] + [1.0])
    far = 3.7 * big + 1.2345
    assert all(not np.isclose(far, v, rtol=1e-2) for v in values)
    return far


def _number_spec(check, slot, options):
    exp = np.asarray(slot["expected"], dtype=np.float64)
    cases = []
    for value, _ in _candidates(exp, slot["diagnoses"], slot["m"], slot["praise"]):
        if value.size != 1:
            continue  # a diagnosis of another shape never matches a single number
        v = float(value.reshape(-1)[0])
        cases.append({"value": v, **_verdict(check(v, **options))})
    values = [c["value"] for c in cases if math.isfinite(c["value"])]
    return {"rtol": slot["rtol"], "atol": slot["atol"], "cases": cases,
            "other": _verdict(check(_away_from(values), **options)),
            **_non_finite(check, options)}


def _non_finite(check, options):
    return {key: _verdict(check(value, **options))
            for key, value in (("nan", math.nan), ("inf", math.inf), ("-inf", -math.inf))}


def _count_spec(check, slot, options):
    expected = int(slot["expected"])
    listed = [expected] + [int(w) for w, _ in slot["diagnoses"]]
    factors = [int(f * expected) for f in (2.0, 0.5)
               if expected and float(f * expected).is_integer()]
    cases = [{"value": v, **_verdict(check(v, **options))} for v in listed]
    negative = min(listed + factors + [0]) - 1
    cases.append({"negative": True, **_verdict(check(negative, **options))})
    cases += [{"value": v, **_verdict(check(v, **options))} for v in factors]
    other = int(_away_from(listed + factors)) + 1
    return {"cases": cases, "other": _verdict(check(other, **options)),
            **_non_finite(check, options)}


def _array_spec(check, slot, options):
    exp = slot["expected"]
    cases = []
    for value, _ in _candidates(exp, slot["diagnoses"], slot["m"], slot["praise"]):
        if value.shape != exp.shape:
            continue  # the checker compares only answers of the expected shape
        cases.append({"value": value.tolist(), **_verdict(check(value.tolist(), **options))})
    flat = [float(x) for c in cases for x in np.ravel(c["value"])]
    far = np.full(exp.shape, _away_from(flat))
    return {"shape": list(exp.shape), "rtol": slot["rtol"], "atol": slot["atol"],
            "cases": cases, "other": _verdict(check(far.tolist(), **options))}


def _shape_spec(check, slot, options):
    verdicts = {(a, b): _verdict(check((a, b), **options))
                for a in range(SHAPE_GRID) for b in range(SHAPE_GRID)}
    counts = collections.Counter((v["ok"], v["message"]) for v in verdicts.values())
    (ok, message), _ = counts.most_common(1)[0]
    other = {"ok": ok, "message": message}
    cases = [{"shape": list(shape), **v} for shape, v in verdicts.items() if v != other]
    return {"cases": cases, "other": other}


def _choice_spec(check, found, options):
    slots = [{"label": s["name"], "options": list(s["options"])} for f in found for s in f]
    per_answer = []
    for f in found:
        if len(f) == 1:
            per_answer.append([(o,) for o in f[0]["options"]])
        else:  # one answer made of several words (judge_pair): a tuple of them
            per_answer.append(list(itertools.product(*[s["options"] for s in f])))
    verdicts = {}
    for combo in itertools.product(*per_answer):
        answers = [words[0] if len(words) == 1 else tuple(words) for words in combo]
        feedback = check(*answers, **options)
        if not isinstance(feedback, Feedback):
            raise TypeError(f"{check.__qualname__} returned {type(feedback).__name__}, not a "
                            "Feedback")
        verdicts["|".join(w for words in combo for w in words)] = _verdict(feedback)
    return {"kind": "choice", "slots": slots, "verdicts": verdicts}

