"""The code the HTML book's pages run in the reader's browser, run here in CPython.

backprop_lib/figures/in_page_python.py copies SOURCES into the page, where Python has no
NumPy. Here: the very same files, side by side in a folder as in the page, run with NumPy
blocked and no site-packages, answer the page's requests (chapter 2's engine lab,
chapter 3's example at any numbers, XOR trained live) with what the library computes:
the example's values equal Network.trace to 1e-12, its drawing equals the book's
step-through frame, the XOR losses equal Network.loss_and_gradients' to 1e-12. Also the
runtime's installer and bundler (tools/pyodide_runtime.py) on bad input and without npm.
"""

from __future__ import annotations

import base64
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import engine_lab, worked_free, xor_live
from backprop_lib.data import xor
from backprop_lib.figures import in_page_driver, in_page_python, stepper_svg
from backprop_lib.figures import worked_example as we

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import pyodide_runtime  # noqa: E402

REFERENCE_LAB = "\n\n".join(__import__("inspect").getsource(f) for f in (
    engine_lab.reference_local_grads, engine_lab.reference_topological_order)).replace(
    "reference_local_grads", "local_grads").replace("reference_topological_order",
                                                     "topological_order")
# the product rule's classic slip: each factor's derivative taken as itself
BUGGY_LAB = REFERENCE_LAB.replace("return (ins[1], ins[0])", "return (ins[0], ins[1])")


def random_setting(rng):
    """A worked-example setting as the page's fields send it (nested lists)."""
    s = {k: rng.uniform(-2, 2, size=shape).tolist() for k, shape in worked_free.SHAPES.items()}
    s["lr"] = float(10 ** rng.uniform(-2, 1))
    return s


def library_step(setting):
    """What backprop_lib.Network computes for the setting: trace, update, trace again."""
    net = bp.Network([2, 2, 1], activations="sigmoid", loss="half_mse")
    net.set_params({k: np.array(setting[k]) for k in worked_free.PARAMS})
    return we.one_update(net, np.array(setting["X"]), np.array(setting["Y"]), setting["lr"])


def assert_step_matches(values, u, tol=1e-12):
    for k in ("Z1", "A1", "Z2", "A2", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"):
        np.testing.assert_allclose(values[k], u.before[k], rtol=0, atol=tol, err_msg=k)
    assert abs(values["loss"] - u.loss_before) <= tol
    for k in worked_free.PARAMS:
        np.testing.assert_allclose(values["new"][k], u.new_params[k], rtol=0, atol=tol)
    for k in ("Z1", "A1", "Z2", "A2"):
        np.testing.assert_allclose(values["after"][k], u.after[k], rtol=0, atol=tol, err_msg=k)
    assert abs(values["after"]["loss"] - u.loss_after) <= tol


def library_xor(params, lr, steps):
    """The XOR losses of Network.loss_and_gradients with plain gradient-descent steps."""
    X, Y = xor()
    net = bp.Network([2, 2, 1], activations="sigmoid", loss="half_mse")
    net.set_params({k: np.array(v) for k, v in params.items()})
    losses = []
    for _ in range(steps):
        loss, grads = net.loss_and_gradients(X, Y)
        losses.append(loss)
        net.set_params({k: net.params[k] - lr * grads["d" + k] for k in net.params})
    losses.append(net.loss(X, Y))
    return losses


# ------------------------------------------------------------ the example at any numbers

@pytest.mark.parametrize("lr,init", [(0.5, "hand"), (10.0, "hand"), (0.05, "he"),
                                     (2.0, "xavier")])
def test_the_page_frame_is_the_books_last_frame(lr, init):
    net, X, Y = we.worked_network(init)
    setting = {**{k: v.tolist() for k, v in net.params.items()}, "X": X.tolist(),
               "Y": Y.tolist(), "lr": lr}
    mine, book = worked_free.frame(setting), we.compute_step(we.N_STEPS, lr, init)
    assert worked_free.N_STEPS == we.N_STEPS
    for key in ("nodes", "edges", "biases", "new", "new_lines", "flow", "phase", "step"):
        assert mine[key] == book[key], key
    assert mine["weights"] == pytest.approx(book["weights"], abs=1e-15)
    assert stepper_svg.svg(mine) == stepper_svg.svg({**book, "text": mine["text"]})


def test_the_step_equals_the_library_at_random_settings():
    rng = np.random.default_rng(20)
    for _ in range(25):
        setting = random_setting(rng)
        assert_step_matches(worked_free.step(setting), library_step(setting))


@pytest.mark.parametrize("bad,message", [
    ({"lr": 0.0}, "setting['lr'] must be a positive"),
    ({"lr": True}, "setting['lr']"),
    ({"W1": [[1.0, 2.0]]}, "setting['W1'] must be 2 rows of 2 numbers"),
    ({"X": [[float("nan")], [1.0]]}, "setting['X'] must hold finite numbers"),
    ({"b2": [[None]]}, "setting['b2'] must hold finite numbers"),
])
def test_a_bad_setting_is_named(bad, message):
    setting = {**random_setting(np.random.default_rng(0)), **bad}
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        worked_free.step(setting)
    with pytest.raises(TypeError, match="setting must be a dict"):
        worked_free.step([1, 2])


# ------------------------------------------------------------------------- XOR, live

@pytest.mark.parametrize("scheme,seed,lr,steps", [("xavier", 0, 2.0, 300), ("he", 3, 10.0, 300),
                                                  ("small", 1, 0.5, 100), ("lecun", 4, 10.0, 1000)])
@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_xor_losses_equal_the_library(scheme, seed, lr, steps):
    params = in_page_python.xor_inits()[scheme][str(seed)]
    losses, _ = xor_live.train(params, lr, steps)
    reference = library_xor(params, lr, steps)
    assert len(losses) == steps + 1
    assert max(abs(a - b) for a, b in zip(losses, reference, strict=True)) <= 1e-12


def test_xor_inits_are_the_librarys():
    inits = in_page_python.xor_inits()
    net = bp.Network([2, 2, 1], activations="sigmoid", loss="half_mse", init="he", seed=2)
    assert inits["he"]["2"] == {k: v.tolist() for k, v in net.params.items()}


def test_xor_bad_input_is_named():
    params = in_page_python.xor_inits()["xavier"]["0"]
    with pytest.raises(ValueError, match="lr must be a positive"):
        xor_live.train(params, -1.0, 10)
    with pytest.raises(ValueError, match="steps must be a whole number"):
        xor_live.train(params, 1.0, xor_live.MAX_STEPS + 1)
    with pytest.raises(ValueError, match=r"params\['W2'\] must be 1 rows of 2"):
        xor_live.train({**params, "W2": [[1.0]]}, 1.0, 1)


# ------------------------------------------------- the page's files, alone, without NumPy

PROGRAM = r"""
import json, sys
sys.modules["numpy"] = None  # "import numpy" now raises ImportError, as in the page
sys.path.insert(0, sys.argv[1])
import in_page_driver
requests = json.loads(sys.stdin.read())
print(json.dumps([json.loads(in_page_driver.call(n, json.dumps(p))) for n, p in requests]))
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] == "backprop_lib")))
"""


def run_in_page_files(tmp_path, requests):
    """The page's answers to requests [(name, payload)], from SOURCES alone in a folder."""
    for name, text in in_page_python.page_files().items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-I", "-S", "-c", PROGRAM, str(tmp_path)],
                          input=json.dumps(requests), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    answers, package = done.stdout.splitlines()
    assert json.loads(package) == []  # nothing of the package (whose __init__ needs NumPy)
    return json.loads(answers)


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_the_page_files_run_alone_and_agree(tmp_path):
    rng = np.random.default_rng(7)
    setting = random_setting(rng)
    params = in_page_python.xor_inits()["xavier"]["1"]
    requests = [("engine_lab", {"code": in_page_python.lab_starter()}),
                ("engine_lab", {"code": BUGGY_LAB}),
                ("engine_lab", {"code": REFERENCE_LAB}),
                ("engine_lab", {"code": "def local_grads(node):\n    return (1 / 0,)\n"}),
                ("engine_lab", {"code": "def local_grads(node:\n"}),
                ("worked", setting),
                ("worked", {**setting, "lr": -1}),
                ("xor", {"params": params, "lr": 3.0, "steps": 50}),
                ("nonsense", {})]
    out = run_in_page_files(tmp_path, requests)
    # the lab: the very verdicts of the checker in CPython
    for answer, (_, payload) in zip(out[:3], requests[:3], strict=True):
        assert answer == json.loads(in_page_driver.call("engine_lab", json.dumps(payload)))
    assert "NotImplementedError" in out[0]["message"] and not out[0]["ok"]
    assert not out[1]["ok"] and "c = a * b" in out[1]["message"] \
        and "used a itself" in out[1]["message"]
    assert out[2]["ok"]
    assert "ZeroDivisionError" in out[3]["message"]  # raised inside the checker's call
    assert out[4]["error"].startswith("Traceback") or "SyntaxError" in out[4]["error"]
    assert "SyntaxError" in out[4]["error"] and 'File "<your code>", line 1' in out[4]["error"]
    # the example: the library's numbers, the book's drawing
    assert_step_matches(out[5]["values"], library_step(setting))
    assert out[5]["svg"] == stepper_svg.svg(worked_free.frame(setting))
    assert "setting['lr'] must be a positive" in out[6]["error"]
    # XOR
    reference = library_xor(params, 3.0, 50)
    assert max(abs(a - b) for a, b in zip(out[7]["losses"], reference, strict=True)) <= 1e-12
    assert len(out[7]["predictions"]) == 4
    assert "name must be one of" in out[8]["error"]


def test_the_page_gets_the_repositorys_files():
    script = in_page_python.sources_script()
    assert script.startswith("self.bpPythonSources=") and script.endswith(";\n")
    texts = json.loads(script[len("self.bpPythonSources="):-2])
    facts = texts.pop(in_page_driver.EXERCISE_FACTS)
    assert texts == {n: (ROOT / p).read_text() for n, p in in_page_python.SOURCES.items()}
    assert json.loads(facts) == json.loads(json.dumps(in_page_python.exercise_facts()))


def test_inject_puts_panels_before_their_markers_and_names_a_missing_one():
    page = "<html><head></head><body><section id=\"a\"></section></body></html>"
    out = in_page_python.inject(page, [('<section id="a"', lambda: "<div>P</div>")], "../x.js")
    assert '<div>P</div><section id="a"' in out
    assert out.count('<script defer src="../x.js"></script></head>') == 1
    with pytest.raises(ValueError, match="exactly once"):
        in_page_python.inject(page, [('<section id="b"', lambda: "")], "x.js")


# ------------------------------------------------------------------- the runtime's install

def test_unpack_refuses_bytes_that_are_not_the_pinned_package(tmp_path):
    with pytest.raises(ValueError, match="is not the registry's pyodide"):
        pyodide_runtime.unpack(b"not a tarball", tmp_path)
    with pytest.raises(TypeError, match="tarball_bytes must be bytes"):
        pyodide_runtime.unpack("text", tmp_path)
    assert pyodide_runtime.installed(tmp_path) is None


def test_install_without_npm_says_so_in_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(pyodide_runtime.shutil, "which", lambda name: None)
    assert pyodide_runtime.install(tmp_path / "cache") is None
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and "npm not found" in lines[0]
    assert pyodide_runtime.install(tmp_path / "cache", quiet_without_npm=True) is None
    assert capsys.readouterr().out == ""


def test_the_bundle_turns_the_module_into_a_classic_script():
    text = "var a=import.meta.url;async function _createPyodideModule(){}" \
           "export default _createPyodideModule;"
    out = pyodide_runtime.classic_asm(text)
    assert "import.meta" not in out and "export" not in out
    assert out.endswith("globalThis.bpCreatePyodideModule=_createPyodideModule;")
    with pytest.raises(ValueError, match="exactly once"):
        pyodide_runtime.classic_asm("export default x;")
    with pytest.raises(TypeError, match="module_text must be a str"):
        pyodide_runtime.classic_asm(b"")
    script = pyodide_runtime.data_script("a.wasm", b"\x00\x01wasm")
    encoded = script.split("=", 2)[-1].strip().rstrip(";").strip('"')
    assert base64.b64decode(encoded) == b"\x00\x01wasm"
    assert '["a.wasm"]' in script


def test_every_exercise_gets_an_editor_before_its_field_and_a_missing_field_is_named():
    starters = in_page_python.exercise_starters("book/03_worked_example.ipynb")
    assert starters["check_hidden_z"] == ("answer = None  # your answer here\n", ["answer"])
    fields = "".join(
        f'<div class="bp-exercise" data-bp-checker="backprop_lib.exercises.worked_example.{c}">'
        "</div>" for c in starters if c != "check_hidden_error") + (
        '<p class="bp-exercise-note" data-bp-checker="backprop_lib.exercises.worked_example.'
        'check_hidden_error"></p>')
    out = in_page_python.add_exercise_panels(fields, starters)
    assert out.count('data-bp-python="exercise"') == len(starters) == 5
    # each editor sits just before its field, and only the function's says "nested lists"
    for checker in starters:
        panel = out.index(f'data-bp-python="exercise" role="group" aria-label="Try it in the '
                          f'page." data-bp-checker="backprop_lib.exercises.worked_example.'
                          f'{checker}"')
        field = out.index('class="bp-exercise', panel)
        assert f'worked_example.{checker}"' in out[field:field + 120]
    assert out.count("nested lists of rows") == 1
    with pytest.raises(ValueError, match="missing \\['check_hidden_error'\\]"):
        in_page_python.add_exercise_panels(fields.split("<p")[0], starters)
