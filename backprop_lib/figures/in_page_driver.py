"""What the HTML book's pages ask their Python (Pyodide) to run, standard library only.

Chapters "The chain rule" and "The worked 2-2-1 example" run this file in the reader's
browser (tools/in_page/bp-python.js calls `call(name, payload)` with JSON and shows the
JSON it returns); the CPython tests run the very same file, with NumPy blocked
(tests/test_in_page_python.py, tests/test_page_checks.py). Four requests:

- "engine_lab" {"code"}: run the reader's code of chapter 2's lab (its local_grads,
  topological_order and, if written, backward) and return the lab's checker's verdict,
  `engine_lab.check_engine`, which names the first wrong node;
- "worked" {W1, b1, W2, b2, X, Y, lr}: every value of one training step of chapter 3's
  example at those numbers (`worked_free.step`) and the step-through's last frame drawn
  as SVG (`stepper_svg.svg`);
- "xor" {params, lr, steps}: the losses of the 2-2-1 network trained on XOR
  (`xor_live.train`) and its predictions at the four corners;
- "exercise" {checker, code, names}: run the reader's code of one exercise of chapter 2 or
  3 (`answer = ...`, or the function the exercise asks for, on nested lists) and return
  the verdict of that exercise's checker on the values it leaves in `names`: the checkers
  of `exercises.chain_rule_page` and `exercises.worked_example_page`, standard library
  only, with the facts the library computed at build time (EXERCISE_FACTS, beside this
  file in the page), the very verdicts of the notebook's NumPy checkers.

A Python error in the reader's code, or bad input, comes back as {"error": message}, which
the page shows as a message.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import pathlib
import traceback

if __package__:
    from .. import engine_lab, worked_free, xor_live
    from ..exercises import chain_rule_page, worked_example_page
    from . import stepper_svg
else:  # the page's Python: the files sit side by side on sys.path
    import chain_rule_page
    import engine_lab
    import stepper_svg
    import worked_example_page
    import worked_free
    import xor_live

#: The page's file of the exercises' facts (written by in_page_python at build time).
EXERCISE_FACTS = "exercise_facts.json"
#: The chapters whose exercises run in the page: {module of the checkers' name: page module}.
EXERCISE_CHAPTERS = {"chain_rule": chain_rule_page, "worked_example": worked_example_page}

READER = "<your code>"  # the file name tracebacks give the reader's code


def _reader_error(error) -> str:
    """The reader's error as Python prints it, without the frames of this file."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == READER]
    lines = traceback.format_list(frames)
    text = traceback.format_exception_only(type(error), error)
    return ("Traceback (most recent call last):\n" + "".join(lines) if lines else "") \
        + "".join(text)


def engine_lab_verdict(code) -> dict:
    """Chapter 2's lab on the reader's code: {"ok", "message", "printed"} or {"error"}."""
    if not isinstance(code, str):
        raise TypeError(f"code must be a str; got {type(code).__name__}")
    namespace = {"__name__": "reader", "Value": engine_lab.Value}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        try:
            exec(compile(code, READER, "exec"), namespace)
        except Exception as error:  # the reader's code: report it, never crash the page
            return {"error": _reader_error(error), "printed": printed.getvalue()}
        local_grads = namespace.get("local_grads")
        if local_grads is None:
            return {"error": "your code must define local_grads(node)",
                    "printed": printed.getvalue()}
        verdict = engine_lab.check_engine(local_grads, namespace.get("topological_order"),
                                          namespace.get("backward"))
    return {"ok": verdict.ok, "message": verdict.message, "text": str(verdict),
            "printed": printed.getvalue()[-4000:]}


def exercise_facts() -> dict:
    """{chapter: facts}: from EXERCISE_FACTS beside this file (the page), or computed by the
    library (CPython, where this file runs from the package)."""
    path = pathlib.Path(__file__).with_name(EXERCISE_FACTS)
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    if not __package__:
        raise ValueError(f"{EXERCISE_FACTS} is missing beside {path.name}")
    from ..exercises import chain_rule, worked_example

    return {"chain_rule": chain_rule.page_facts(), "worked_example": worked_example.page_facts()}


_CHECKS = {}  # chapter -> its checkers, made once per page


def _checker(name):
    chapter, _, check = str(name).rpartition(".")
    chapter = chapter.rpartition(".")[2]  # backprop_lib.exercises.chain_rule -> chain_rule
    if chapter not in EXERCISE_CHAPTERS:
        raise ValueError(f"checker must be one of chapters {sorted(EXERCISE_CHAPTERS)}' "
                         f"checkers; got {name!r}")
    if chapter not in _CHECKS:
        _CHECKS[chapter] = EXERCISE_CHAPTERS[chapter].checks(exercise_facts()[chapter])
    if check not in _CHECKS[chapter]:
        raise ValueError(f"checker must be one of {sorted(_CHECKS[chapter])}; got {check!r}")
    return _CHECKS[chapter][check]


def exercise_verdict(request) -> dict:
    """One exercise of chapter 2 or 3 on the reader's code: {"ok", "message", "printed"},
    or {"error"} when the code fails or leaves an answer undefined."""
    code, names = request.get("code"), request.get("names")
    if not isinstance(code, str):
        raise TypeError(f"code must be a str; got {type(code).__name__}")
    if not (isinstance(names, list) and names
            and all(isinstance(n, str) and n.isidentifier() for n in names)):
        raise ValueError(f"names must be a list of the answers' names; got {names!r}")
    check = _checker(request.get("checker"))
    # math is there already: the page has no NumPy, and the notebook's np.exp becomes math.exp
    namespace = {"__name__": "reader", "math": math}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        try:
            exec(compile(code, READER, "exec"), namespace)
        except Exception as error:  # the reader's code: report it, never crash the page
            text = _reader_error(error)
            if isinstance(error, ImportError) and "numpy" in str(error):
                text += "(the page's Python has no NumPy: use lists, and math for exp.)\n"
            return {"error": text, "printed": printed.getvalue()}
        missing = [n for n in names if n not in namespace]
        if missing:
            return {"error": f"your code must define {' and '.join(missing)}",
                    "printed": printed.getvalue()}
        try:
            verdict = check(*[namespace[n] for n in names])
        except Exception as error:  # an answer no reader expected (a __float__ that fails...)
            return {"error": f"the checker could not read your answer: "
                             f"{type(error).__name__}: {error}", "printed": printed.getvalue()}
    return {"ok": verdict.ok, "message": verdict.message, "text": str(verdict),
            "printed": printed.getvalue()[-4000:]}


def worked(setting) -> dict:
    """Chapter 3's step at any numbers: {"values", "svg", "text"}."""
    frame = worked_free.frame(setting)
    return {"values": worked_free.step(setting), "svg": stepper_svg.svg(frame),
            "text": frame["text"]}


def xor(request) -> dict:
    """The XOR run: {"losses", "predictions"}."""
    if not isinstance(request, dict):
        raise TypeError(f"request must be a dict of params, lr, steps; got "
                        f"{type(request).__name__}")
    losses, params = xor_live.train(request.get("params"), request.get("lr"),
                                    request.get("steps"))
    return {"losses": losses, "predictions": xor_live.predictions(params)}


REQUESTS = {"engine_lab": lambda p: engine_lab_verdict(p.get("code")), "worked": worked,
            "xor": xor, "exercise": exercise_verdict}


def call(name, payload) -> str:
    """Run the request `name` on `payload` (JSON text); the answer as JSON text."""
    try:
        if name not in REQUESTS:
            raise ValueError(f"name must be one of {sorted(REQUESTS)}; got {name!r}")
        request = json.loads(payload)
        if not isinstance(request, dict):
            raise TypeError(f"payload must be a JSON object; got {type(request).__name__}")
        answer = REQUESTS[name](request)
    except (ValueError, TypeError) as error:
        answer = {"error": f"{type(error).__name__}: {error}"}
    except Exception:  # a bug of the book's code: say so in the page, with its traceback
        answer = {"error": traceback.format_exc(limit=6)}
    return json.dumps(answer, allow_nan=True)
