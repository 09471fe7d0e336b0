"""The exercises of the built HTML book answer back in the page (headless Chromium, offline).

On every chapter page: each exercise with a number, count, shape, array or choice as its
answer has a field; typing the right answer and a diagnosed wrong one (and, for an array,
its transpose) and pressing Check shows the verdict the Python checker gives to the same
answer, computed here afresh by calling the checker; the page's rule
(`window.bpExercise.judge`) agrees with the checker on a sweep of answers near and far from
every case; no exercise output asks the reader to run a cell; nothing leaves the page and no
console error occurs. One page is also driven from disk (file://).

Uses the fixtures of tests/test_browser.py (BACKPROP_REUSE_BUILD=1 tests the build in
_build/html as it is).
"""

from __future__ import annotations

import ast
import importlib
import json
import re

import numpy as np
import pytest
from test_browser import (  # noqa: F401 (fixtures)
    Visit,
    book,
    chromium,
    pages,
    part_errors,
    server,
    shared_page_reports,
)
from test_exercises_in_page import RUN_A_CELL, book_exercises

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHAPTER = re.compile(r"book/(\d\d_\w+)\.html$")


def chapter_pages(book):  # noqa: F811 (the fixture's value)
    return [rel for rel in pages(book) if CHAPTER.search(rel)]


def checker(spec):
    module, name = spec["checker"].rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def python_verdict(spec, answers):
    """What the Python checker says to `answers` (Python values), as the page words it."""
    feedback = checker(spec)(*answers, **spec["options"])
    return ("\u2714 Correct: " if feedback.ok else "\u2718 Not yet: ") + feedback.message


def _words_to_answers(spec, words):
    """The Python answers for a list of chosen words: a pair's two words form one tuple."""
    per_answer = _slots_per_answer(spec)
    answers, k = [], 0
    for n in per_answer:
        answers.append(words[k] if n == 1 else tuple(words[k:k + n]))
        k += n
    return answers


def _slots_per_answer(spec):
    from backprop_lib.exercises import in_page

    probes = [in_page.Probe(i) for i in range(spec["n_answers"])]
    try:
        checker(spec)(*probes, **spec["options"])
    except in_page.Probed:
        pass
    return [len(in_page._distinct(p.found)) for p in probes]


def typed_answers(spec):
    """(text or words typed, Python answers) for the right answer and diagnosed wrong ones."""
    kind = spec["kind"]
    if kind == "choice":
        right = next(k for k, v in spec["verdicts"].items() if v["ok"])
        wrong = next(k for k, v in spec["verdicts"].items() if not v["ok"])
        return [(k.split("|"), _words_to_answers(spec, k.split("|"))) for k in (right, wrong)]
    if kind == "shape":
        right = next(c for c in spec["cases"] if c["ok"])
        flipped = [c for c in spec["cases"] if c["shape"] == right["shape"][::-1]]
        wrong = flipped[0] if flipped else next(c for c in spec["cases"] if not c["ok"])
        return [(f"({c['shape'][0]}, {c['shape'][1]})", [tuple(c["shape"])])
                for c in (right, wrong)]
    cases = [c for c in spec["cases"] if not c.get("negative")]
    right, wrong = cases[0], next(c for c in cases[1:] if c["value"] != cases[0]["value"])
    out = [(repr(c["value"]) if kind != "array" else json.dumps(c["value"]), [c["value"]])
           for c in (right, wrong)]
    if kind == "array" and np.ndim(right["value"]) == 2:  # the transposed shape
        transposed = np.asarray(right["value"]).T.tolist()
        out.append((json.dumps(transposed), [transposed]))
    return out


def sweep(spec):
    """Answers (text) for the page's rule, each also readable by ast.literal_eval."""
    kind = spec["kind"]
    if kind == "choice":
        return []
    if kind == "shape":
        return [f"({a}, {b})" for a in range(0, 12) for b in range(0, 12)] + ["(30, 41)"]
    if kind == "count":
        # every small count, each case's value and its neighbours (a byte count of a million
        # is not walked one by one)
        values = [c["value"] for c in spec["cases"] if "value" in c]
        tries = set(range(-2, min(2 * max(values) + 3, 60)))
        tries |= {v + d for v in values for d in (-2, -1, 0, 1, 2)}
        return [str(x) for x in sorted(tries)] + ["2.5", "1e9"]
    texts = []
    for case in spec["cases"]:
        v = np.asarray(case["value"], dtype=np.float64)
        scale = spec["atol"] + spec["rtol"] * np.abs(v)
        for tweak in (0.0, 0.3, -0.3, 3.0):
            near = v + tweak * scale
            texts.append(repr(float(near)) if kind == "number" else json.dumps(near.tolist()))
    if kind == "number":
        texts += ["0", "1e300", "-7.25", "(0.5, 0.5)"]
    else:
        texts += ["[1, 2]", "[[1, 2, 3]]", "[[0.0], [0.0]]"]
    return texts


def _read(text):
    return ast.literal_eval(text)


def is_chapter(rel):
    return bool(CHAPTER.search(rel))


def exercise_report(page):
    """A chapter page's fields, the typed verdicts, the swept verdicts (with the outputs'
    text and the count of notes); for tests/test_browser.py's one visit of each page
    (shared_page_reports)."""
    # chapters 2-3 hide their precomputed fields behind the page's Python editors
    # (tests/test_browser_python.py); the fields stay the fallback where Python cannot
    # start, and are tested here as such
    page.evaluate("() => document.querySelectorAll('.bp-exercise, .bp-exercise-note')"
                  ".forEach(e => { e.hidden = false; })")
    outputs = page.evaluate("() => [...document.querySelectorAll('.cell_output')]"
                            ".map(e => e.innerText)")
    fields = page.locator(".bp-exercise")
    report = {"outputs": outputs, "fields": [],
              "notes": page.locator(".bp-exercise-note").count()}
    for k in range(fields.count()):
        field = fields.nth(k)
        spec = json.loads(field.locator('script[type="application/json"]')
                          .first.text_content())
        typed = []
        for text, answers in typed_answers(spec):
            field.scroll_into_view_if_needed()
            if spec["kind"] == "choice":
                menus = field.locator("select")
                for i, word in enumerate(text):
                    menus.nth(i).select_option(word)
            else:
                field.locator("input").fill(text)
            field.locator("button").click()
            shown = field.locator(".bp-verdict").inner_text()
            typed.append((text, answers, shown))
        swept = page.evaluate(
            "([k, texts]) => { const root = document.querySelectorAll('.bp-exercise')[k];"
            " const spec = JSON.parse(root.querySelector("
            "'script[type=\"application/json\"]').textContent);"
            " return texts.map(t => window.bpExercise.judge(spec, t)); }",
            [k, sweep(spec)])
        report["fields"].append({"spec": spec, "typed": typed,
                                 "swept": list(zip(sweep(spec), swept, strict=True))})
    return report


@pytest.fixture(scope="module")
def reports(request, chromium, server, book):  # noqa: F811
    """Every chapter page opened once (the one visit of each page that the files of
    conftest.BOOK_PAGE_FILES share: tests/test_browser.py, shared_page_reports): its
    fields, the typed verdicts, the swept verdicts, and the page's problems."""
    shared = shared_page_reports(request, chromium, server, book, need="exercises")
    out = {}
    for rel in chapter_pages(book):
        errors = part_errors({rel: shared[rel]}, "exercises")
        if errors:
            pytest.fail("\n".join(errors))
        out[rel] = dict(shared[rel]["exercises"], problems=shared[rel]["problems"])
    return out


def test_every_chapter_has_its_fields(reports, book):  # noqa: F811
    expected = {}
    for stem, _, _, _, is_code in book_exercises():
        fields, notes = expected.get(stem, (0, 0))
        expected[stem] = (fields + (not is_code), notes + is_code)
    found = {CHAPTER.search(rel).group(1): (len(r["fields"]), r["notes"])
             for rel, r in reports.items()}
    print("fields, notes per chapter:", found)
    assert found == expected
    assert all(fields >= 2 for fields, _ in found.values())


def test_typed_answers_get_the_checkers_verdict(reports):
    problems = []
    for rel, report in reports.items():
        for field in report["fields"]:
            spec = field["spec"]
            for i, (text, answers, shown) in enumerate(field["typed"]):
                expected = python_verdict(spec, answers)
                if i == 0 and not shown.startswith("\u2714 Correct"):
                    problems.append(f"{rel} {spec['checker']}: the right answer {text!r} got "
                                    f"{shown!r}")
                elif i > 0 and not shown.startswith("\u2718 Not yet"):
                    problems.append(f"{rel} {spec['checker']}: {text!r} was accepted")
                if shown != expected and not (i == 0 and _praise_varies(spec)):
                    problems.append(f"{rel} {spec['checker']}: {text!r} shows {shown!r}, the "
                                    f"checker says {expected!r}")
    assert not problems, "\n".join(problems)


def _praise_varies(spec):
    from test_exercises_in_page import PRAISE_MEASURES_THE_ANSWER

    return spec["checker"].rsplit(".", 1)[1] in PRAISE_MEASURES_THE_ANSWER


def test_the_page_rule_agrees_with_the_checker(reports):
    problems = []
    for rel, report in reports.items():
        for field in report["fields"]:
            spec = field["spec"]
            for text, got in field["swept"]:
                value = _read(text)
                feedback = checker(spec)(value, **spec["options"])
                same = got["ok"] == feedback.ok and (got["message"] == feedback.message
                                                     or (got["ok"] and _praise_varies(spec)))
                if not same:
                    problems.append(f"{rel} {spec['checker']}: {text!r}: page {got}, checker "
                                    f"{feedback}")
    assert not problems, "\n".join(problems[:20])


def test_the_page_reads_answers_as_python_would(reports, chromium, server, book):  # noqa: F811
    """Arithmetic, fractions, brackets and unreadable text, on the first number field."""
    rel, field = next((rel, f) for rel, r in reports.items() for f in r["fields"]
                      if f["spec"]["kind"] == "number")
    right = field["spec"]["cases"][0]["value"]
    with Visit(chromium, server) as visit:
        page = visit.open(f"{server}/{rel}")
        judge = ("([t]) => { const root = document.querySelector('.bp-exercise');"
                 " const spec = JSON.parse(root.querySelector("
                 "'script[type=\"application/json\"]').textContent);"
                 " return window.bpExercise.judge(spec, t); }")
        assert field["spec"] == json.loads(page.locator(".bp-exercise").first.locator(
            'script[type="application/json"]').first.text_content())
        for text in (f"{right!r}", f"({right!r})", f"[{right!r}]", f"2*{right!r}/2",
                     f"{right * 4!r}/4", f" {right!r} "):
            assert page.evaluate(judge, [text])["ok"], text
        for text in ("", "abc", "1/0", "(1, 2", "[1] + 1"):
            got = page.evaluate(judge, [text])
            assert not got["ok"] and "write a number" in got["message"], (text, got)
        assert not visit.take_problems(rel)


def test_no_exercise_asks_the_reader_to_run_a_cell(reports):
    problems = [f"{rel}: {text[:120]!r}" for rel, r in reports.items() for text in r["outputs"]
                if RUN_A_CELL.search(text)]
    assert not problems, "\n".join(problems)


def test_offline_and_without_console_errors(reports):
    problems = [p for r in reports.values() for p in r["problems"]]
    assert not problems, "\n".join(problems)


def test_a_field_works_from_disk(chromium, book):  # noqa: F811
    rel = chapter_pages(book)[0]
    with Visit(chromium, "file://") as visit:
        page = visit.open((book / rel).as_uri())
        field = page.locator(".bp-exercise").first
        spec = json.loads(field.locator('script[type="application/json"]').first.text_content())
        text, answers = typed_answers(spec)[1]
        if spec["kind"] == "choice":
            for i, word in enumerate(text):
                field.locator("select").nth(i).select_option(word)
            field.locator("button").click()
        else:
            field.locator("input").fill(text)
            field.locator("input").press("Enter")  # the form submits from the keyboard too
        assert field.locator(".bp-verdict").inner_text() == python_verdict(spec, answers)
        assert field.get_attribute("data-bp-ok") == "false"
        assert not visit.take_problems(rel)


def test_sweeps_are_not_empty(reports):
    numbers = [f for r in reports.values() for f in r["fields"] if f["spec"]["kind"] != "choice"]
    assert numbers and all(f["swept"] for f in numbers)
