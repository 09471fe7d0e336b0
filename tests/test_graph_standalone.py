"""backprop_lib/graph.py alone, without NumPy and without the package around it.

Chapter "The chain rule" can run the scalar engine in the reader's browser (Pyodide: the
Python standard library, no NumPy). So the one file must load by its path and work with
NumPy unimportable, and bring in no module from outside the standard library.
"""

import ast
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np

import backprop_lib as bp
from backprop_lib.figures.one_step import PARAMS, X, Y

GRAPH = Path(__file__).resolve().parents[1] / "backprop_lib" / "graph.py"

# Run with -I -S: no site-packages on the path, and NumPy blocked even if it were there.
PROGRAM = r"""
import importlib.util, json, sys
sys.modules["numpy"] = None  # "import numpy" now raises ImportError
before = set(sys.modules)
spec = importlib.util.spec_from_file_location("graph_standalone", sys.argv[1])
graph = importlib.util.module_from_spec(spec)
spec.loader.exec_module(graph)

a, b = graph.Value(-4.0), graph.Value(2.0)
c = a + b
d = a * b + b**3
e = (c - d).relu() + (c * d).tanh() + (b / a).sigmoid() + b.exp().log() - 1 / a
e.backward()

params, x, y = json.loads(sys.argv[2])  # nested lists
G = graph.network_graph(params, x, y)
mults = G.backward()
costs = graph.depth_costs([1, 2, 3], width=3)
new = sorted(m for m in set(sys.modules) - before if m != "graph_standalone")
print(json.dumps({"e": [e.data, a.grad, b.grad], "loss": G.loss.data, "mults": mults,
                  "grads": G.gradients(), "costs": costs, "new_modules": new,
                  "numpy_loaded": sys.modules.get("numpy") is not None}))
"""


def _run():
    example = json.dumps([{k: v.tolist() for k, v in PARAMS.items()}, X.tolist(), Y.tolist()])
    out = subprocess.run([sys.executable, "-I", "-S", "-c", PROGRAM, str(GRAPH), example],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_the_file_runs_alone_without_numpy():
    r = _run()
    assert not r["numpy_loaded"]
    # at a = -4, b = 2: c = a + b = -2 and d = ab + b^3 = 0, so relu(c - d) = 0 (dead) and
    # tanh(cd) = 0 with tanh'(0) = 1: it adds d(cd)/da = c b = -4 and d(cd)/db = c (a + 3b^2)
    # = -16. sigmoid(b/a) adds s'(-1/2) (-b/a^2, 1/a), log(e^b) = b adds (0, 1), -1/a adds
    # (1/a^2, 0).
    s = 1 / (1 + math.exp(0.5))
    ds = s * (1 - s)
    value, da, db = r["e"]
    assert abs(value - (s + 2 + 0.25)) < 1e-14
    assert abs(da - (-4 - ds / 8 + 1 / 16)) < 1e-14
    assert abs(db - (-16 - ds / 4 + 1)) < 1e-14
    # the worked example of chapter "The chain rule" (lists in, lists out), against Network
    net = bp.Network([2, 2, 1], activations="sigmoid", loss="half_mse")
    net.set_params(PARAMS)
    assert abs(r["loss"] - net.loss(X, Y)) < 1e-15
    assert r["mults"] == 15
    for k, v in net.gradients(X, Y).items():
        assert isinstance(r["grads"][k], list)
        assert bp.relative_error(np.array(r["grads"][k]), v) < 1e-12, k
    assert r["costs"]["backprop"] == [5, 21, 45] and r["costs"]["naive"] == [9, 57, 261]


def test_no_module_from_outside_the_standard_library():
    r = _run()
    outside = [m for m in r["new_modules"] if m.split(".")[0] not in sys.stdlib_module_names]
    assert outside == []
    # and in the source: only standard-library imports, no relative imports; NumPy only
    # inside _numpy_or_lists, which falls back to lists when the import fails
    tree = ast.parse(GRAPH.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"relative import at line {node.lineno}"
            assert node.module == "__future__" or node.module in sys.stdlib_module_names
        elif isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                assert top in sys.stdlib_module_names or top == "numpy", alias.name
    optional = [f for f in tree.body if isinstance(f, ast.FunctionDef)
                and any(isinstance(n, ast.Import) and n.names[0].name == "numpy"
                        for n in ast.walk(f))]
    assert [f.name for f in optional] == ["_numpy_or_lists"]
    assert not any(isinstance(n, ast.Import) and n.names[0].name == "numpy" for n in tree.body)
