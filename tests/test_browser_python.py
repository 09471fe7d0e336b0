"""Python in the page, in headless Chromium with the network cut: over http and from disk.

On the built book (fixtures of tests/test_browser.py), for each way of reading it (served on
127.0.0.1, and file://), one visit of chapter 2 and one of chapter 3, each with every check
inside it: no part of the runtime loads before the first Run; then it starts (in a worker
over http; from file://, where Chromium refuses the worker, in the page, with its progress
bar shown) and
- chapter 2's engine lab gives, for the notebook's stubs, a planted bug and the solution,
  the very verdicts of the lab's checker in CPython, and a SyntaxError as a message;
- chapter 3's example at three random settings equals backprop_lib.Network to 1e-12, and
  its drawing is the SVG that CPython draws from the same files; a bad entry is named;
- XOR trained in the page (Train, then the learning-rate slider from the keyboard and the
  initialization menu, which retrain live) gives the library's losses to 1e-12.
- every exercise of both chapters, in its editor (which starts with the notebook's cell and
  hides the precomputed field), gives for a right answer, a named mistake and a SyntaxError
  the verdicts the same files give in CPython (tests/test_page_checks.py holds those equal
  to the notebook's NumPy checkers), the chapter's load shared with its other panels.
Nothing leaves the page and no console error occurs, and axe-core finds no serious or
critical violation with every panel's output shown (tests/test_accessibility.py's check).
The load and step times are printed (`make bench` measures them on their own).

Skipped when the build has no Python in its pages (npm missing at `make book`), except
under CI=true, where it fails.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from test_accessibility import axe_findings, axe_source, failing  # noqa: F401 (fixture)
from test_browser import IN_CI, Visit, book, chromium, server  # noqa: F401 (fixtures)
from test_in_page_python import (
    BUGGY_LAB,
    REFERENCE_LAB,
    assert_step_matches,
    library_step,
    library_xor,
    random_setting,
)

from backprop_lib import worked_free
from backprop_lib.exercises import worked_example
from backprop_lib.figures import in_page_driver, in_page_python, stepper_svg

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAB, WORKED = "book/02_chain_rule.html", "book/03_worked_example.html"
_CR, _WE = "backprop_lib.exercises.chain_rule.", "backprop_lib.exercises.worked_example."
_OUT = worked_example.page_facts()["output_error"]  # the example's y_hat and y
_SIG = "a = 1 / (1 + math.exp(-(0.8 * 2.0 - 0.2)))\n"
_LISTS = ("def {name}(W2, dZ2, {third}):\n"
          "    dA = [[sum(W2[k][i] * dZ2[k][j] for k in range(len(W2)))\n"
          "           for j in range(len(dZ2[0]))] for i in range(len(W2[0]))]\n"
          "{sig}"
          "    return [[dA[i][j] * {factor} for j in range(len(dA[0]))] for i in range(len(dA))]\n")
_S1 = "    s = [[1 / (1 + math.exp(-z)) for z in row] for row in Z1]\n"
_BACKWARD = ("\n\ndef backward(root, local_grads, topological_order):\n"
             "    order = topological_order(root)\n"
             "    for node in order:\n        node.grad = 0.0\n"
             "    root.grad = 1.0\n"
             "    for node in reversed(order):\n"
             "        for inp, local in zip(node.inputs, local_grads(node)):\n"
             "            inp.grad += node.grad * local\n")
#: {notebook: {checker: (a right answer, a named mistake)}}, as the reader types them.
EXERCISE_ANSWERS = {
    "book/02_chain_rule.ipynb": {
        _CR + "check_scalar_chain": (_SIG + "answer = (a - 1.0) * a * (1 - a) * 2.0",
                                     _SIG + "answer = (a - 1.0) * 2.0"),
        _CR + "check_hidden_backward": (
            _LISTS.format(name="hidden_backward", third="Z1", sig=_S1,
                          factor="s[i][j] * (1 - s[i][j])"),
            _LISTS.format(name="hidden_backward", third="Z1", sig="", factor="1")),
        _CR + "check_path_count": ("answer = 3 * 3", "answer = 3 * 3 * 3"),
        _CR + "check_depth_growth": ('naive = "multiply"\nbackprop = "add"',
                                     'naive = "add"\nbackprop = "adds"'),
        _CR + "check_fork_gradient": ("answer = (1.5 * 4 + 1.5) + 1.5 + 1.5 * 4",
                                      "answer = 1.5 * 4 + 1.5"),
        _CR + "check_engine": (REFERENCE_LAB + _BACKWARD, BUGGY_LAB + _BACKWARD),
    },
    "book/03_worked_example.ipynb": {
        _WE + "check_hidden_z": ("answer = 0.20 * 0.5 + 0.30 * 0.8 + 0.35",
                                 "answer = 0.20 * 0.5 + 0.30 * 0.8"),
        _WE + "check_output_error": (f"t, y = {_OUT['a']!r}, {_OUT['y']!r}\n"
                                     "answer = (t - y) * t * (1 - t)",
                                     f"t, y = {_OUT['a']!r}, {_OUT['y']!r}\nanswer = t - y"),
        _WE + "check_hidden_error": (
            _LISTS.format(name="hidden_error", third="A1", sig="",
                          factor="A1[i][j] * (1 - A1[i][j])"),
            _LISTS.format(name="hidden_error", third="A1", sig="", factor="A1[i][j]")),
        _WE + "check_lr_prediction": ('answer = "lower than before the step"',
                                      'answer = "higher"'),
        _WE + "check_new_weight_by_hand": ("answer = 0.30 - 0.5 * (-0.004619 * 0.8)",
                                           "answer = 0.30 + 0.5 * (-0.004619 * 0.8)"),
    },
}
START = 120_000  # ms: the runtime's first start on two busy cores (seen: 4-7 s)


@pytest.fixture(scope="module")
def has_python(book):  # noqa: F811 (the fixture's value)
    if not (book / "pyodide" / "pyodide.asm.wasm.js").is_file():
        message = ("the built book has no Python in its pages (npm was missing at make book's "
                   "install step: tools/pyodide_runtime.py)")
        if IN_CI:
            pytest.fail(message + " (CI=true: the layer must be tested)")
        pytest.skip(message)
    return book


def _origins(server, book):  # noqa: F811
    return {"http": (server, server), "file": ("file://", book.resolve().as_uri())}


def _runtime_requests(visit):
    """Record every request for the runtime's files (to see that none comes before Run)."""
    seen = []
    visit.page.on("request", lambda r: seen.append(r.url) if "/pyodide/pyodide" in r.url
                  or "/pyodide/python_stdlib" in r.url else None)
    return seen


def _watch_progress(page, kind):
    """Note in the panel when its progress bar is shown (it may show only briefly)."""
    page.evaluate("""kind => {
        const panel = document.querySelector(`.bp-python[data-bp-python=${kind}]`);
        const box = panel.querySelector('.bp-python-progress');
        new MutationObserver(() => { if (!box.hidden) panel.dataset.sawProgress = '1'; })
            .observe(box, {attributes: true});
    }""", kind)


def _run(page, kind, timeout=START):
    """Click the panel's run button and wait for its answer; returns it (or its error)."""
    panel = f".bp-python[data-bp-python={kind}]"
    page.evaluate(f"document.querySelector('{panel}').dataset.bpState = 'clicked'")
    page.click(f"{panel} .bp-python-run")
    return _answer(page, kind, timeout)


def _answer(page, kind, timeout=60_000):
    panel = f".bp-python[data-bp-python={kind}]"
    page.wait_for_function(f"""() => ['done', 'error'].includes(
        document.querySelector('{panel}').dataset.bpState)""", timeout=timeout)
    return page.evaluate(f"""() => {{ const p = document.querySelector('{panel}');
        return {{state: p.dataset.bpState, answer: p.bpAnswer || null,
                 out: p.querySelector('.bp-python-out').textContent,
                 figure: p.querySelector('.bp-python-figure').innerHTML,
                 progress: p.dataset.sawProgress === '1'}}; }}""")


def _run_exercise(page, checker, code):
    """Put code in the exercise's editor, Run, and return the panel's state and answer."""
    panel = f'.bp-python[data-bp-python=exercise][data-bp-checker="{checker}"]'
    page.evaluate(f"""document.querySelector('{panel}').dataset.bpState = 'clicked'""")
    page.fill(f"{panel} textarea", code)
    page.click(f"{panel} .bp-python-run")
    page.wait_for_function(f"""() => ['done', 'error'].includes(
        document.querySelector('{panel}').dataset.bpState)""", timeout=START)
    return page.evaluate(f"""() => {{ const p = document.querySelector('{panel}');
        return {{state: p.dataset.bpState, answer: p.bpAnswer || null,
                 out: p.querySelector('.bp-python-out').textContent,
                 names: JSON.parse(p.dataset.bpNames),
                 fallbackHidden: p.nextElementSibling.hidden}}; }}""")


def _check_exercises(page, how, notebook):
    """Every exercise of the page: its editor holds the notebook's cell; a right answer, a
    named mistake and a SyntaxError get CPython's verdicts. Returns how many ran."""
    starters = in_page_python.exercise_starters(notebook)
    assert set(starters) == {c.rpartition(".")[2] for c in EXERCISE_ANSWERS[notebook]}
    runs = 0
    for checker, (right, wrong) in EXERCISE_ANSWERS[notebook].items():
        short = checker.rpartition(".")[2]
        panel = f'.bp-python[data-bp-python=exercise][data-bp-checker="{checker}"]'
        assert page.eval_on_selector(f"{panel} textarea", "t => t.value") == starters[short][0]
        for code, ok in ((right, True), (wrong, False), ("answer = (\n", None)):
            got = _run_exercise(page, checker, code)
            expected = json.loads(in_page_driver.call("exercise", json.dumps(
                {"checker": checker, "code": code, "names": got["names"]})))
            assert got["fallbackHidden"], f"{how} {short}: the precomputed field still shows"
            if ok is None:
                assert got["state"] == "error" and "SyntaxError" in got["out"], (short, got)
                assert "SyntaxError" in expected["error"]
                continue
            assert got["state"] == "done", (short, got["out"])
            assert got["answer"] == expected, (how, short)
            assert got["answer"]["ok"] is ok, (how, short, got["out"])
            assert expected["message"] in got["out"]
            runs += 1
    return runs


def _python_mode(page):
    return page.evaluate("[window.bpPython.mode, window.bpPython.loadMs, window.bpPython.calls]")


def _expected_mode(how):
    return "worker" if how == "http" else "page"


def _cpython_lab(code):
    return json.loads(in_page_driver.call("engine_lab", json.dumps({"code": code})))


@pytest.mark.parametrize("how", ["http", "file"])
def test_engine_lab_runs_in_the_page(chromium, has_python, server, axe_source, how):  # noqa: F811
    origin, base = _origins(server, has_python)[how]
    with Visit(chromium, origin) as v:
        asked = _runtime_requests(v)
        page = v.open(f"{base}/{LAB}")
        assert page.locator(".bp-python[data-bp-python=engine_lab]").is_visible()
        assert asked == [], f"the runtime loaded before any Run: {asked[:3]}"
        _watch_progress(page, "engine_lab")
        first = _run(page, "engine_lab")
        mode, load_ms, _ = _python_mode(page)
        print(f"\n{how}: Python started in the {mode} in {load_ms / 1e3:.1f} s")
        assert mode == _expected_mode(how)
        assert first["progress"], "no progress was shown while Python loaded"
        assert first["answer"] == _cpython_lab(in_page_python.lab_starter())
        for code in (BUGGY_LAB, REFERENCE_LAB):
            page.fill("#bp-lab-code", code)
            got = _run(page, "engine_lab")
            expected = _cpython_lab(code)
            assert got["answer"] == expected
            assert expected["message"] in got["out"]
        assert not _cpython_lab(BUGGY_LAB)["ok"] and _cpython_lab(REFERENCE_LAB)["ok"]
        page.fill("#bp-lab-code", "def local_grads(node:\n")
        broken = _run(page, "engine_lab")
        assert broken["state"] == "error" and "SyntaxError" in broken["out"]
        t0 = time.perf_counter()
        runs = _check_exercises(page, how, "book/02_chain_rule.ipynb")
        print(f"\n{how}: chapter 2's {runs // 2} exercises, {runs + runs // 2} runs, in "
              f"{time.perf_counter() - t0:.1f} s")
        if how == "http":  # in the worker, an endless loop is stopped and Python restarts
            page.evaluate("window.bpPython.timeoutMs = 1500")
            page.fill("#bp-lab-code", "while True:\n    pass\n")
            looped = _run(page, "engine_lab")
            assert looped["state"] == "error" and "stopped after 2 s" in looped["out"], looped
            page.evaluate("window.bpPython.timeoutMs = 20000")
            page.fill("#bp-lab-code", REFERENCE_LAB)
            again = _run(page, "engine_lab")
            assert again["answer"] == _cpython_lab(REFERENCE_LAB), again["out"]
            assert _python_mode(page)[0] == "worker"
        problems = v.take_problems(f"{how} {LAB}")
        problems += failing(axe_findings(page, axe_source), f"{how} {LAB}, after the runs")
    assert not problems, problems


def _fill_worked(page, setting):
    for name, rows in setting.items():
        if name == "lr":
            page.fill(".bp-python input[data-bp-key=lr]", repr(rows))
            continue
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                page.fill(f'.bp-python input[data-bp-key="{name}.{i}.{j}"]', repr(value))


@pytest.mark.parametrize("how", ["http", "file"])
def test_worked_example_and_xor_run_in_the_page(chromium, has_python, server, axe_source,  # noqa: F811
                                                how):
    origin, base = _origins(server, has_python)[how]
    rng = np.random.default_rng({"http": 1, "file": 2}[how])
    with Visit(chromium, origin) as v:
        asked = _runtime_requests(v)
        page = v.open(f"{base}/{WORKED}")
        assert asked == [], f"the runtime loaded before any Run: {asked[:3]}"
        for _ in range(3):
            setting = random_setting(rng)
            _fill_worked(page, setting)
            got = _run(page, "worked")
            assert got["state"] == "done", got["out"]
            assert_step_matches(got["answer"]["values"], library_step(setting))
            assert got["answer"]["svg"] == stepper_svg.svg(worked_free.frame(setting))
            assert "<svg" in got["figure"] and "aria-label" in got["figure"]
        mode, load_ms, _ = _python_mode(page)
        assert mode == _expected_mode(how)
        page.fill(".bp-python input[data-bp-key=lr]", "fast")
        bad = _run(page, "worked")
        assert bad["state"] == "error" and "setting['lr']" in bad["out"]

        inits = in_page_python.xor_inits()
        panel = ".bp-python[data-bp-python=xor]"
        trained = _run(page, "xor")
        _check_xor(page, trained, inits)
        # live: the slider from the keyboard and the menu retrain without a click
        for move in ("slider", "menu"):
            page.evaluate(f"document.querySelector('{panel}').dataset.bpState = 'moved'")
            if move == "slider":
                page.focus(f"{panel} input[name=lr]")
                page.keyboard.press("ArrowRight")
            else:
                page.select_option(f"{panel} select[name=init]", "he")
            _check_xor(page, _answer(page, "xor"), inits)
        t0 = time.perf_counter()
        runs = _check_exercises(page, how, "book/03_worked_example.ipynb")
        print(f"\n{how}: chapter 3's {runs // 2} exercises, {runs + runs // 2} runs, in "
              f"{time.perf_counter() - t0:.1f} s")
        _, _, calls = _python_mode(page)
        steps = {c["name"]: c["ms"] for c in calls}
        print(f"\n{how}: Python started in the {mode} in {load_ms / 1e3:.1f} s; one worked "
              f"step {steps['worked']:.0f} ms, 300 XOR steps {steps['xor']:.0f} ms")
        problems = v.take_problems(f"{how} {WORKED}")
        problems += failing(axe_findings(page, axe_source), f"{how} {WORKED}, after the runs")
    assert not problems, problems


def _check_xor(page, got, inits):
    assert got["state"] == "done", got["out"]
    panel = ".bp-python[data-bp-python=xor]"
    scheme, seed, steps = (page.eval_on_selector(f"{panel} select[name={n}]", "s => s.value")
                           for n in ("init", "seed", "steps"))
    lr = 10 ** float(page.eval_on_selector(f"{panel} input[name=lr]", "s => s.value"))
    reference = library_xor(inits[scheme][seed], lr, int(steps))
    losses = got["answer"]["losses"]
    assert len(losses) == len(reference)
    assert max(abs(a - b) for a, b in zip(losses, reference, strict=True)) <= 1e-12
    assert "<polyline" in got["figure"]
