"""The page's checkers of chapters 2 and 3 give the notebook's verdicts, word for word.

The HTML book's Python has no NumPy: there the exercises of "The chain rule" and "The
worked 2-2-1 example" are judged by exercises.chain_rule_page / worked_example_page on
plain answers (plain_answers), with facts the library computed (sent as JSON). Here both
judge hundreds of answers per exercise (the right one, each named mistake, the generic
ones, random wrong numbers, near the tolerance's edge, and bad input: strings, NaN,
infinities, None, truth values, lists of every shape, ragged rows, complex numbers,
Fractions, dicts...), and a function answer is one function on nested lists that both
checkers call (the NumPy one through .tolist()): the verdicts must be equal. Then the
page's files alone, NumPy blocked, answer the driver's "exercise" request the same way.
"""

from __future__ import annotations

import decimal
import fractions
import json
import math

import numpy as np
import pytest
from test_in_page_python import run_in_page_files

from backprop_lib.exercises import (
    chain_rule,
    chain_rule_page,
    plain_answers,
    worked_example,
    worked_example_page,
)
from backprop_lib.exercises.checking import Feedback, to_array
from backprop_lib.figures import in_page_driver

COUNTS = {}  # exercise -> answers compared (printed at the end of the module)


def _page(chapter_module, page_module):
    facts = json.loads(json.dumps(chapter_module.page_facts()))  # as the page receives them
    return page_module.checks(facts)


PAGE = {**{f"chain_rule.{k}": v for k, v in _page(chain_rule, chain_rule_page).items()},
        **{f"worked_example.{k}": v for k, v in _page(worked_example,
                                                       worked_example_page).items()}}


def _numpy(name):
    chapter, check = name.split(".")
    return getattr({"chain_rule": chain_rule, "worked_example": worked_example}[chapter], check)


def _same_verdict(name, *answers, numpy_answers=None):
    page = PAGE[name](*answers)
    book = _numpy(name)(*(numpy_answers or answers))
    assert isinstance(page, Feedback) and isinstance(book, Feedback)
    assert (page.ok, page.message) == (book.ok, book.message), (name, answers)
    COUNTS[name] = COUNTS.get(name, 0) + 1
    return page


BAD = [None, True, False, "0.5", "1/4", "abc", "", b"0.5", bytearray(b"x"), {"a": 1}, {1},
       frozenset(), [], [[]], (), [None], [1, None], [None, "a"], ["a", None], ["0.5"],
       ["a", 1], [True], [True, 1], [True, 2.5], [True, True], [[1], [1, 2]], [1, [2]],
       [[1, 2], "ab"], [{}], [1, {}], 1j, 2 + 0j, [1j], [1, 0j], 10 ** 400, -10 ** 400,
       [10 ** 400], [2 ** 63], [2 ** 63, -1], [2 ** 64, "a"], decimal.Decimal("1e400"),
       decimal.Decimal("NaN"), decimal.Decimal("0.25"), fractions.Fraction(1, 4),
       [fractions.Fraction(1, 4)], [decimal.Decimal("0.25")], math.nan, math.inf, -math.inf,
       [math.nan], [[math.inf]], [math.nan, 1.0], range(3), range(1), object(), len,
       (x for x in ()), [object()], [1, object()]]


def _numbers_around(values, rtol, rng):
    out = []
    for v in values:
        out += [v, -v, 2 * v, 0.5 * v, v * (1 + 0.99 * rtol), v * (1 - 0.99 * rtol),
                v * (1 + 1.01 * rtol), v * (1 - 1.01 * rtol), [v], [[v]], (v,), [v, v],
                [[v], [v]], round(v, 3), str(v), complex(v, 0), fractions.Fraction(v),
                decimal.Decimal(v)]
    out += list(rng.normal(size=40) * (abs(values[0]) + 1)) + [0, 0.0, -0.0, 1, -3, 7.5]
    return out + BAD


SCALARS = {"chain_rule.check_scalar_chain": chain_rule_page.scalar_chain_check(),
           "chain_rule.check_fork_gradient": chain_rule_page.fork_gradient_check(),
           "worked_example.check_hidden_z": worked_example_page.hidden_z_check(
               worked_example.page_facts()["hidden_z"]),
           "worked_example.check_output_error": worked_example_page.output_error_check(
               worked_example.page_facts()["output_error"]),
           "worked_example.check_new_weight_by_hand": worked_example_page.new_weight_check(
               worked_example.page_facts()["new_weight"])}


@pytest.mark.parametrize("name", sorted(SCALARS))
def test_number_exercises_agree(name):
    spec = SCALARS[name]
    values = [spec["expected"]] + [w for w, _ in spec["diagnoses"]]
    rng = np.random.default_rng(len(name))
    verdicts = [_same_verdict(name, a) for a in _numbers_around(values, spec["rtol"], rng)]
    # every named diagnosis is reached, and the right answer is
    messages = {v.message for v in verdicts}
    assert all(message in messages for _, message in spec["diagnoses"])
    assert any(v.ok for v in verdicts)


def test_the_count_exercise_agrees():
    name = "chain_rule.check_path_count"
    spec = chain_rule_page.path_count_check(chain_rule.path_count())
    answers = [9, 9.0, 27, 6, 18, 4.5, 4, -3, -9, 0, 9.5, 8.999999, 1e300, [9], [[9]], [9, 9],
               "9", fractions.Fraction(9), decimal.Decimal(9), 9 + 0j, 2 ** 70] + BAD
    answers += list(np.random.default_rng(3).integers(-50, 50, size=60).tolist())
    verdicts = [_same_verdict(name, a) for a in answers]
    assert {m for _, m in spec["diagnoses"]} <= {v.message for v in verdicts}
    assert spec["hint"] in {v.message for v in verdicts}


WORDS = ["add", "multiply", "adds", "Multiplied", "  ADD ", "add\tthen", "plus", "", None, 3,
         b"add", ["add"], ("add",), {"add"}, np.str_("add")]


def test_the_depth_growth_exercise_agrees():
    name = "chain_rule.check_depth_growth"
    for naive in WORDS:
        for backprop in WORDS:
            _same_verdict(name, naive, backprop)


def test_the_lr_prediction_exercise_agrees():
    name = "worked_example.check_lr_prediction"
    words = [*worked_example_page.LR_OPTIONS, "higher", "LOWER", " lower  than before the "
             "step", "same", 0.5] + WORDS
    verdicts = [_same_verdict(name, w) for w in words]
    assert sum(v.ok for v in verdicts) == 3  # the option, its synonym, its upper case


# ------------------------------------------------------------------ a function as answer

def _sig(v):
    return 1 / (1 + math.exp(-v))


def _T(M):
    return [list(r) for r in zip(*M, strict=True)]


def _mm(A, B):
    return [[sum(a * b for a, b in zip(row, col, strict=True)) for col in zip(*B, strict=True)]
            for row in A]


def _ew(f, *Ms):
    return [[f(*xs) for xs in zip(*rows, strict=True)] for rows in zip(*Ms, strict=True)]


def _hidden_backward_answers(third):
    """Functions on nested lists (W2, dZ2, third): the right one (third = Z1 or A1), each
    named mistake, and wrong ones of every kind."""
    def dA(W2, dZ2):
        return _mm(_T(W2), dZ2)

    if third == "Z1":
        right = lambda W2, dZ2, Z1: _ew(lambda d, z: d * _sig(z) * (1 - _sig(z)), dA(W2, dZ2), Z1)  # noqa: E731
        named = [lambda W2, dZ2, Z1: dA(W2, dZ2),
                 lambda W2, dZ2, Z1: _ew(lambda d, z: d * z * (1 - z), dA(W2, dZ2), Z1),
                 lambda W2, dZ2, Z1: _ew(lambda d, z: d * _sig(z), dA(W2, dZ2), Z1)]
    else:
        right = lambda W2, dZ2, A1: _ew(lambda d, a: d * a * (1 - a), dA(W2, dZ2), A1)  # noqa: E731
        named = [lambda W2, dZ2, A1: dA(W2, dZ2),
                 lambda W2, dZ2, A1: _ew(lambda d, a: d * a, dA(W2, dZ2), A1),
                 lambda W2, dZ2, A1: _ew(lambda d, a: d * _sig(a) * (1 - _sig(a)), dA(W2, dZ2),
                                         A1)]

    def scaled(k):
        return lambda *a: [[k * v for v in row] for row in right(*a)]

    def raises(error):
        def fn(*a):
            raise error
        return fn

    def mutating(W2, dZ2, Z):
        out = right(W2, dZ2, Z)
        W2[0][0] = 1e9  # changes its own copy only
        return out

    wrong = [scaled(k) for k in (2, 0.5, -1, 1 + 1e-9, 1 + 1e-5, 3)] + [
        lambda *a: _T(right(*a)), lambda *a: right(*a)[0], lambda *a: right(*a)[0][0],
        lambda *a: [row + [0.0] for row in right(*a)], lambda *a: None, lambda *a: "dZ1",
        lambda *a: (right(*a),), lambda *a: [[math.nan for _ in r] for r in right(*a)],
        lambda *a: [[True for _ in r] for r in right(*a)], lambda *a: [],
        lambda *a: [[str(v) for v in r] for r in right(*a)], lambda *a: {"dZ1": 1},
        lambda *a: [[None for _ in r] for r in right(*a)], lambda *a: 0,
        lambda W2, dZ2, X: _ew(lambda d, x: d, dZ2, dZ2) if len(dZ2) == len(X) else X,
        raises(NotImplementedError), raises(ValueError("shapes do not align")),
        raises(ZeroDivisionError("division by zero")), lambda *a: 1 / 0, mutating,
        lambda *a: [[v + 1e-3 for v in r] for r in right(*a)], lambda W2, dZ2, X: X]
    return [right] + named + wrong + [None, 5, "def", [right]]


@pytest.mark.parametrize("name,third", [("chain_rule.check_hidden_backward", "Z1"),
                                        ("worked_example.check_hidden_error", "A1")])
def test_function_exercises_agree(name, third):
    mistakes = (chain_rule_page.HIDDEN_BACKWARD_MISTAKES if third == "Z1"
                else worked_example_page.HIDDEN_ERROR_MISTAKES)
    verdicts = []
    for fn in _hidden_backward_answers(third):
        on_arrays = (lambda *a, fn=fn: fn(*[x.tolist() for x in a])) if callable(fn) else fn
        verdicts.append(_same_verdict(name, fn, numpy_answers=[on_arrays]))
    # right: the reference, a relative slip of 1e-9 (within rtol 1e-7) and the one that
    # changes its own copy of the inputs
    assert [i for i, v in enumerate(verdicts) if v.ok] == [0, 7, 29]
    assert [v.message for v in verdicts[1:4]] == list(mistakes)


def test_the_engine_exercise_is_the_labs_checker():
    from test_in_page_python import BUGGY_LAB, REFERENCE_LAB

    for code in (REFERENCE_LAB, BUGGY_LAB):
        namespace = {}
        exec(code, namespace)
        _same_verdict("chain_rule.check_engine", namespace["local_grads"],
                      namespace["topological_order"])


def test_the_plain_reader_reads_what_to_array_reads():
    for answer in BAD + [0.25, [[0.5], [0.25]], [(1, 2), [3, 4]]]:
        mine, numpy_s = plain_answers.read(answer), to_array(answer)
        if isinstance(numpy_s, Feedback):
            assert mine == numpy_s, answer
        else:
            assert mine[1] == numpy_s[0].shape
            assert repr(mine[0]) == repr(numpy_s[0].ravel().tolist())  # nan as nan


# --------------------------------------------------- the page's files, NumPy blocked

CHAIN, WORKED = "backprop_lib.exercises.chain_rule.", "backprop_lib.exercises.worked_example."
REQUESTS = [
    (CHAIN + "check_scalar_chain", "answer = None  # your answer here", ["answer"]),
    (CHAIN + "check_scalar_chain", "answer = -0.0624", ["answer"]),
    (CHAIN + "check_scalar_chain", "a = 1 / (1 + math.exp(-1.4))\nanswer = (a - 1) * a * (1 - a) "
                                   "* 2", ["answer"]),
    (CHAIN + "check_path_count", "answer = 27", ["answer"]),
    (CHAIN + "check_depth_growth", 'naive = "multiply"\nbackprop = "adds"', ["naive", "backprop"]),
    (CHAIN + "check_fork_gradient", 'answer = "fifteen"', ["answer"]),
    (CHAIN + "check_hidden_backward", "def hidden_backward(W2, dZ2, Z1):\n    return [[v * 2 for v "
                                      "in r] for r in Z1]", ["hidden_backward"]),
    (WORKED + "check_hidden_z", "answer = [0.69, 0.7]", ["answer"]),
    (WORKED + "check_output_error", "answer = float('nan')", ["answer"]),
    (WORKED + "check_lr_prediction", 'answer = "Lower"', ["answer"]),
    (WORKED + "check_new_weight_by_hand", "answer = 0.30 + 0.5 * 0.004619 * 0.8", ["answer"]),
]


def test_the_page_files_alone_give_the_notebooks_verdicts(tmp_path):
    requests = [("exercise", {"checker": c, "code": code, "names": names})
                for c, code, names in REQUESTS]
    requests += [("exercise", {"checker": CHAIN + "check_path_count", "code": "answer = (",
                               "names": ["answer"]}),
                 ("exercise", {"checker": CHAIN + "check_path_count", "code": "x = 1",
                               "names": ["answer"]}),
                 ("exercise", {"checker": CHAIN + "check_path_count", "code": "import numpy",
                               "names": ["answer"]}),
                 ("exercise", {"checker": "os.system", "code": "", "names": ["answer"]})]
    out = run_in_page_files(tmp_path, requests)
    for answer, (_, request) in zip(out, requests, strict=False):
        if request["checker"] == "os.system" or request["code"] == "import numpy":
            continue  # (CPython has NumPy)
        expected = json.loads(in_page_driver.call("exercise", json.dumps(request)))
        assert answer == expected
        if "error" not in answer:
            namespace = {"math": math}
            exec(request["code"], namespace)
            check = _numpy(request["checker"].split(".", 2)[2])
            book = check(*[namespace[n] for n in request["names"]])
            assert (answer["ok"], answer["message"]) == (book.ok, book.message)
    assert sum("error" not in a for a in out) == len(REQUESTS)
    assert "SyntaxError" in out[-4]["error"] and "<your code>" in out[-4]["error"]
    assert out[-3]["error"] == "your code must define answer"
    assert "has no NumPy" in out[-2]["error"]
    assert "checker must be one of chapters" in out[-1]["error"]


def test_report_how_many_answers_were_compared():
    print("\nverdicts compared, NumPy checker against the page's:",
          ", ".join(f"{k.split('.')[1]} {v}" for k, v in sorted(COUNTS.items())),
          f"(total {sum(COUNTS.values())})")
    assert sum(COUNTS.values()) >= 500


def test_every_exercise_the_page_marks_has_a_page_checker():
    """The field's mark is the notebook checker's module.name: the driver must find it."""
    from backprop_lib.figures import in_page_python

    for notebook in in_page_python.EXERCISE_PAGES.values():
        module = chain_rule if "chain_rule" in notebook else worked_example
        for check in in_page_python.exercise_starters(notebook):
            fn = getattr(module, check)
            assert in_page_driver._checker(f"{fn.__module__}.{fn.__qualname__}") is not None
