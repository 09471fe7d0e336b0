"""The exercises that answer back in the HTML book (backprop_lib.exercises.in_page).

In the book build (BACKPROP_BOOK_STATIC=1) an exercise cell left unanswered shows a field
that judges the reader's answer in the page from a spec computed at build time. These tests
check that spec against the Python checker it stands for: the spec's accepted answer is the
checker's accepted answer, each diagnosed wrong answer gets the checker's own message, and
the page's rule (written again in Python below, `page_judge`, as the JavaScript applies it)
agrees with the checker on answers near and far from every case. The exercises come from
the notebooks themselves (every `attempt(ex.check_..., ...)` cell), so a new exercise is
covered without a new test. tests/test_browser_exercises.py runs the JavaScript itself.
"""

from __future__ import annotations

import ast
import functools
import importlib
import itertools
import json
import math
import pathlib
import re

import numpy as np
import pytest

from backprop_lib.exercises import in_page
from backprop_lib.exercises.checking import Feedback
from backprop_lib.figures import exercise_page
from backprop_lib.figures import notebook as nbh

ROOT = pathlib.Path(__file__).resolve().parent.parent
#: What no exercise output may say in the book: the HTML reader has no cell to run.
RUN_A_CELL = re.compile(r"run (this|the) cell|No answer yet", re.IGNORECASE)


@functools.lru_cache(maxsize=1)
def book_exercises():
    """Every exercise cell of the chapters: (notebook stem, checker, n_answers, options,
    whether its answer is code)."""
    out = []
    for path in sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text("utf-8"))["cells"]
        module = None
        for cell in cells:
            found = re.search(r"from backprop_lib\.exercises import (\w+) as ex",
                              "".join(cell["source"]))
            if found:
                module = importlib.import_module(f"backprop_lib.exercises.{found.group(1)}")
        for cell in cells:
            source = "".join(cell["source"])
            if cell["cell_type"] != "code" or "attempt(" not in source:
                continue
            call = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)
                        and getattr(n.func, "id", None) == "attempt")
            check = getattr(module, call.args[0].attr)
            options = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
            out.append((path.stem, check, len(call.args) - 1, options,
                        "NotImplementedError" in source))
    return tuple(out)


@functools.lru_cache(maxsize=None)
def spec_of(index):
    _, check, n, options, _ = book_exercises()[index]
    return in_page.spec(check, n, **options)


VALUE_EXERCISES = [i for i, e in enumerate(book_exercises()) if not e[4]]
CODE_EXERCISES = [i for i, e in enumerate(book_exercises()) if e[4]]


def _id(i):
    stem, check = book_exercises()[i][:2]
    return f"{stem[:2]}-{check.__name__}"


def verdict(feedback):
    assert isinstance(feedback, Feedback)
    return {"ok": feedback.ok, "message": feedback.message}


def call(index, *answers):
    _, check, _, options, _ = book_exercises()[index]
    return verdict(check(*answers, **options))


#: Checkers whose praise reports a measurement made with the learner's own value (chapter 7's
#: equivalent learning rate runs both optimizers with it): within the tolerance the page
#: shows the praise measured at the expected value.
PRAISE_MEASURES_THE_ANSWER = {"check_equivalent_lr"}


def agree(index, page, python):
    """Whether the page's verdict is the checker's (see PRAISE_MEASURES_THE_ANSWER)."""
    if page["ok"] and python["ok"] and book_exercises()[index][1].__name__ in \
            PRAISE_MEASURES_THE_ANSWER:
        return True
    return page == python


def page_judge(spec, value):
    """The page's rule (backprop_lib/figures/exercise_page.py, `judge`) on an answer that has
    already been read: a float, a nested list, a shape tuple, or a list of chosen words."""
    kind = spec["kind"]
    if kind == "choice":
        return spec["verdicts"]["|".join(value)]
    if kind == "shape":
        return next(({"ok": c["ok"], "message": c["message"]} for c in spec["cases"]
                     if c["shape"] == list(value)), spec["other"])
    if kind == "array":
        arr = np.asarray(value, dtype=np.float64)
        for case in spec["cases"]:
            v = np.asarray(case["value"])
            if arr.shape == v.shape and np.all(np.abs(arr - v)
                                               <= spec["atol"] + spec["rtol"] * np.abs(v)):
                return {"ok": case["ok"], "message": case["message"]}
        return spec["other"]
    x = float(value)
    if math.isnan(x):
        return spec["nan"]
    if math.isinf(x):
        return spec["inf" if x > 0 else "-inf"]
    for case in spec["cases"]:
        if case.get("negative"):
            hit = x < 0
        elif kind == "count":
            hit = x == case["value"]
        else:
            hit = abs(x - case["value"]) <= spec["atol"] + spec["rtol"] * abs(case["value"])
        if hit:
            return {"ok": case["ok"], "message": case["message"]}
    return spec["other"]


# ------------------------------------------------------------------- which exercises answer


@pytest.mark.slow  # every frame drawn or many cases: make test, not make fast
def test_every_value_exercise_gets_a_field_and_every_code_exercise_a_note():
    missing = [_id(i) for i in VALUE_EXERCISES if spec_of(i) is None]
    assert not missing, f"no in-page checker for {missing}"
    wrongly = [_id(i) for i in CODE_EXERCISES if spec_of(i) is not None]
    assert not wrongly, f"a code exercise got a field: {wrongly}"


#: A verdict that tells the reader to run something, which the HTML reader cannot do.
RUN_SOMETHING = re.compile(r"(^|[.:;!?]\s+)(re-?)?run\b|\byou (can |could |should )?(re-?)?run\b",
                           re.IGNORECASE)


def _messages(obj):
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key == "message" and isinstance(value, str):
                yield value
            else:
                yield from _messages(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _messages(value)


@pytest.mark.parametrize("index", VALUE_EXERCISES, ids=_id)
@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_no_verdict_tells_the_reader_to_run_something(index):
    """The page shows the checker's verdicts to a reader with no kernel: "run it", "run the
    computation" would send them to a cell they cannot run. A verdict says what is true."""
    said = sorted({m for m in _messages(spec_of(index)) if RUN_SOMETHING.search(m)})
    assert not said, said


def test_the_run_rule_catches_commands_and_spares_nouns():
    assert RUN_SOMETHING.search("run it: measured 12%")
    assert RUN_SOMETHING.search("close. Run the computation")
    assert RUN_SOMETHING.search("you can rerun the cell")
    assert not RUN_SOMETHING.search("the run diverged in 3 of 5 seeds; each run is seeded")


def test_fields_per_chapter():
    """Chapter standard 6 asks for three numeric or choice exercises per chapter; chapters
    with fewer are the chapters' business (this module adds no exercises): the count per
    chapter is printed, and every chapter has at least two."""
    counts = {}
    for i in VALUE_EXERCISES:
        counts[book_exercises()[i][0]] = counts.get(book_exercises()[i][0], 0) + 1
    chapters = sorted({e[0] for e in book_exercises()})
    print({c: counts.get(c, 0) for c in chapters})
    assert len(chapters) == 11
    assert all(counts.get(c, 0) >= 2 for c in chapters), counts


# ------------------------------------------------------------------- the spec is the checker


@pytest.mark.parametrize("index", VALUE_EXERCISES, ids=_id)
@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_spec_verdicts_are_the_checkers_own(index):
    spec = spec_of(index)
    assert json.loads(json.dumps(spec)) == spec  # JSON as it is, nothing lost on the way
    if spec["kind"] == "choice":
        slots = [s["options"] for s in spec["slots"]]
        assert set(spec["verdicts"]) == {"|".join(c) for c in itertools.product(*slots)}
        # one right answer, or a band of them where the checker accepts several (chapter 11's
        # learning rate: any rate of the validation-best band)
        assert sum(v["ok"] for v in spec["verdicts"].values()) >= 1, "a right answer"
        for key, expected in spec["verdicts"].items():
            words = key.split("|")
            answers, k = [], 0
            for n in _slots_per_answer(spec):
                answers.append(words[k] if n == 1 else tuple(words[k:k + n]))
                k += n
            assert call(index, *answers) == expected, key
        return
    if spec["kind"] == "shape":
        right = [c for c in spec["cases"] if c["ok"]]
        assert len(right) == 1
        for case in spec["cases"]:
            assert call(index, tuple(case["shape"])) == _plain(case)
        return
    cases = [c for c in spec["cases"] if not c.get("negative")]
    first = cases[0]
    assert first["ok"], "the spec's first case is the expected answer"
    assert all(not c["ok"] for c in cases[1:]
               if c["value"] != first["value"]), "only the expected value is accepted"
    assert len(cases) >= 4, "the checker's diagnoses are in the spec"
    for case in cases:  # the accepted answer and each diagnosed wrong answer, fed back
        assert call(index, case["value"]) == _plain(case), case
    assert not spec["other"]["ok"]
    if spec["kind"] != "array":
        for key, value in (("nan", math.nan), ("inf", math.inf), ("-inf", -math.inf)):
            assert call(index, value) == spec[key]


def _slots_per_answer(spec):
    _, check, n, options, _ = book_exercises()[_index_of(spec)]
    probes = [in_page.Probe(i) for i in range(n)]
    try:
        check(*probes, **options)
    except in_page.Probed:
        pass
    return [len(in_page._distinct(p.found)) for p in probes]


def _index_of(spec):
    return next(i for i in VALUE_EXERCISES if spec_of(i) is spec)


def _plain(case):
    return {"ok": case["ok"], "message": case["message"]}


@pytest.mark.parametrize("index", VALUE_EXERCISES, ids=_id)
def test_the_page_rule_agrees_with_the_checker_near_and_far(index):
    """Answers within the tolerance of each case, just outside it, and unrelated ones get
    the same verdict from the page's rule as from the Python checker."""
    spec = spec_of(index)
    kind = spec["kind"]
    rng = np.random.default_rng(index)
    if kind == "choice":
        return  # every combination is listed (above)
    if kind == "shape":
        tries = [(a, b) for a in range(0, 40, 3) for b in range(0, 40, 2)]
        tries += [tuple(int(x) for x in rng.integers(0, 200, 2)) for _ in range(50)]
        for shape in tries:
            assert page_judge(spec, shape) == call(index, shape), shape
        return
    if kind == "count":
        values = [c["value"] for c in spec["cases"] if not c.get("negative")]
        # every small count, each case's value and its neighbours, and random ones: a byte
        # count of a million is not walked one by one
        tries = set(range(-3, min(3 * max(values) + 3, 200)))
        tries |= {v + d for v in values for d in range(-3, 4)}
        tries |= {int(v) for v in rng.integers(-10**6, 10**6, 50)}
        tries = sorted(tries)
        for x in tries:
            assert page_judge(spec, x) == call(index, x), x
        return
    shrink = 1 / 3
    for case in spec["cases"]:
        v = np.asarray(case["value"], dtype=np.float64)
        scale = spec["atol"] + spec["rtol"] * np.abs(v)
        for tweak in (shrink, -shrink, 3.0, -3.0):
            near = (v + tweak * scale)
            answer = float(near) if kind == "number" else near.tolist()
            assert agree(index, page_judge(spec, answer), call(index, answer)), (case, tweak)
    for _ in range(30):
        v = np.asarray(spec["cases"][0]["value"])
        answer = v * rng.uniform(-3, 3, v.shape) + rng.normal(size=v.shape)
        answer = float(answer) if kind == "number" else answer.tolist()
        assert agree(index, page_judge(spec, answer), call(index, answer)), answer


def test_array_specs_list_only_the_expected_shape():
    for i in VALUE_EXERCISES:
        spec = spec_of(i)
        if spec["kind"] == "array":
            assert all(np.shape(c["value"]) == tuple(spec["shape"]) for c in spec["cases"])


# ------------------------------------------------------------------- attempt in the book


@pytest.fixture
def static(monkeypatch):
    monkeypatch.setenv("BACKPROP_BOOK_STATIC", "1")


def _payload(text):
    found = re.search(r'<script type="application/json">(.*?)</script>', text, re.S)
    return json.loads(found.group(1).replace("<\\/", "</"))


@pytest.mark.parametrize("index", VALUE_EXERCISES, ids=_id)
def test_attempt_in_the_book_shows_the_field(static, index):
    _, check, n, options, _ = book_exercises()[index]
    out = nbh.attempt(check, *[None] * n, **options)
    text = out._repr_html_()
    assert text.startswith('<div class="bp-exercise"') and "<form" in text
    assert 'role="status"' in text and "<button" in text
    payload = _payload(text)
    assert {k: v for k, v in payload.items() if k != "what"} == spec_of(index)
    assert not RUN_A_CELL.search(text)
    assert "http" not in text  # nothing to load from anywhere


@pytest.mark.parametrize("index", CODE_EXERCISES, ids=_id)
def test_attempt_in_the_book_says_code_is_done_in_the_notebook(static, index):
    _, check, n, options, _ = book_exercises()[index]

    def stub(*args, **kwargs):
        raise NotImplementedError

    text = nbh.attempt(check, stub, **options)._repr_html_()
    assert "in the notebook version of this chapter" in text
    assert not RUN_A_CELL.search(text) and "<form" not in text


def test_attempt_in_a_kernel_is_unchanged(monkeypatch):
    monkeypatch.delenv("BACKPROP_BOOK_STATIC", raising=False)
    _, check, n, options, _ = book_exercises()[VALUE_EXERCISES[0]]
    assert nbh.attempt(check, *[None] * n, **options).data == nbh.NO_ANSWER_YET


def test_attempt_in_the_book_still_checks_a_written_answer(static):
    from backprop_lib.exercises import why_gradients as ex

    assert nbh.attempt(ex.check_expected_cos2, 1 / 400, P=400).ok


def test_a_checker_the_page_cannot_ask_for_gets_no_spec():
    def reads_a_function(fn):
        return Feedback(bool(fn(1) == 2), "")

    def mixes(number, word):
        from backprop_lib.exercises.checking import as_choice, check_scalar

        as_choice(word, ("a", "b"))
        return check_scalar(number, 1.0)

    assert in_page.spec(reads_a_function) is None
    assert in_page.spec(mixes, 2) is None


def test_the_form_escapes_its_spec():
    spec = {"checker": "x.y", "options": {}, "n_answers": 1, "kind": "choice",
            "slots": [{"label": None, "options": ["</script><b>", "b"]}],
            "verdicts": {"</script><b>": {"ok": True, "message": "</script>"},
                         "b": {"ok": False, "message": "no"}}}
    text = exercise_page.form_html(spec)
    assert text.count("</script>") == 2  # the JSON's and the code's own ends, nothing else
    assert _payload(text)["verdicts"]["</script><b>"]["message"] == "</script>"
