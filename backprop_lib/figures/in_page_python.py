"""The HTML book's cells that run Python in the page (chapters "The chain rule" and "The
worked 2-2-1 example"), put in at build time.

When the runtime is installed (tools/pyodide_runtime.py), tools/build_book.py calls
`install(html_dir, runtime_dir)`: it writes the book's own standard-library files that the
page runs (SOURCES, copied from the package: the same files the CPython tests import) as
one classic script, copies the page's scripts of tools/in_page, and adds three panels to
the two chapters (PANELS): chapter 2's engine lab (edit local_grads and topological_order,
run, read the checker's verdict), chapter 3's example at any numbers, and its network
trained live on XOR from the library's own initial weights (`xor_inits`, drawn with NumPy's
generator, which Python's random cannot reproduce). Every exercise of the two chapters
also gets an editor (`add_exercise_panels`) holding the notebook's own starter cell, whose
Run returns the checker's verdict (`exercises.chain_rule_page`, `worked_example_page`, on
the facts `exercise_facts` computes; functions work on nested lists there); it stands in
for the precomputed answer field, which stays the fallback. Pages stay as light as before until
the first Run: a panel is a form and one small script. Without the runtime nothing is
added, and the pages keep their precomputed players and answer fields.
"""

from __future__ import annotations

import ast
import html
import inspect
import json
import pathlib
import re
import shutil

ROOT = pathlib.Path(__file__).resolve().parents[2]
#: The files the page's Python runs: {name in the page: file of this repository}.
SOURCES = {"graph.py": "backprop_lib/graph.py", "engine_lab.py": "backprop_lib/engine_lab.py",
           "worked_free.py": "backprop_lib/worked_free.py",
           "xor_live.py": "backprop_lib/xor_live.py",
           "stepper_svg.py": "backprop_lib/figures/stepper_svg.py",
           "checking_core.py": "backprop_lib/exercises/checking_core.py",
           "plain_answers.py": "backprop_lib/exercises/plain_answers.py",
           "chain_rule_page.py": "backprop_lib/exercises/chain_rule_page.py",
           "worked_example_page.py": "backprop_lib/exercises/worked_example_page.py",
           "in_page_driver.py": "backprop_lib/figures/in_page_driver.py"}
SCRIPTS = ("bp-python.js", "bp-worker.js", "bp-boot.js")
XOR_SCHEMES = ("xavier", "he", "lecun", "small")
XOR_SEEDS = tuple(range(5))
XOR_STEPS = (100, 300, 1000)
# log10 of the learning rate: min, max, step, start (2). Up to 10 the page and the library
# agree to 2e-16 over 1000 steps; at 30 their rounding differs by 8e-11 after 200 (the steps
# amplify it), so the control stops at 10.
XOR_LR = (-2.0, 1.0, 0.05, 0.30103)


def exercise_facts() -> dict:
    """{chapter: facts}: what the page's exercise checkers need that the library computes
    with NumPy (chain_rule.page_facts, worked_example.page_facts), as JSON-ready data."""
    from ..exercises import chain_rule, worked_example

    return {"chain_rule": chain_rule.page_facts(), "worked_example": worked_example.page_facts()}


def page_files(root=ROOT) -> dict:
    """{name in the page: text}: SOURCES, and the exercises' facts as the driver's
    EXERCISE_FACTS file."""
    root = pathlib.Path(root)
    texts = {name: (root / path).read_text(encoding="utf-8") for name, path in SOURCES.items()}
    from . import in_page_driver

    texts[in_page_driver.EXERCISE_FACTS] = json.dumps(exercise_facts())
    return texts


def sources_script(root=ROOT) -> str:
    """A classic script that puts page_files() in self.bpPythonSources ({name: text})."""
    payload = json.dumps(page_files(root), ensure_ascii=True).replace("</", "<\\/")
    return f"self.bpPythonSources={payload};\n"


def xor_inits() -> dict:
    """{scheme: {seed: params as nested lists}}: the library's initial weights of the 2-2-1
    sigmoid network (half_mse) for the XOR panel's controls."""
    from ..network import Network

    return {scheme: {str(seed): {k: v.tolist() for k, v in Network(
        [2, 2, 1], activations="sigmoid", loss="half_mse", init=scheme, seed=seed).params.items()}
        for seed in XOR_SEEDS} for scheme in XOR_SCHEMES}


RUNS_HERE = ("Runs in this page's Python (Pyodide, loaded on the first click: about 17 MB, "
             "a few seconds; no server, works offline).")


def _shell(kind, title, body, attributes="", intro=RUNS_HERE):
    """A panel: hidden until its script attaches (without JavaScript it shows nothing)."""
    return (f'<div class="bp-python" data-bp-python="{kind}" role="group" '
            f'aria-label="{html.escape(title)}"{attributes} hidden>'
            f'<p class="bp-python-title"><strong>{html.escape(title)}</strong> '
            f"{html.escape(intro)}</p>"
            f"{body}"
            '<div class="bp-python-progress" hidden><progress max="1" value="0" '
            'aria-label="loading Python"></progress> <span></span></div>'
            '<div class="bp-python-figure"></div>'
            '<pre class="bp-python-out" role="status" aria-live="polite"></pre></div>')


def lab_starter() -> str:
    """The lab's two pieces as the notebook gives them (stubs), to edit in the page."""
    from .. import engine_lab

    return "\n\n".join(inspect.getsource(f) for f in (engine_lab.local_grads,
                                                       engine_lab.topological_order))


def engine_lab_panel() -> str:
    code = html.escape(lab_starter())
    body = ('<label class="bp-python-block" for="bp-lab-code">Your <code>local_grads</code> and '
            "<code>topological_order</code> (Python; you may also define <code>backward</code>"
            "):</label>"
            f'<textarea id="bp-lab-code" rows="22" spellcheck="false" autocapitalize="off">'
            f"{code}</textarea>"
            '<button type="button" class="bp-python-run">Run the checker</button>')
    return _shell("engine_lab", "Build your own engine, in the page.", body)


def _number(key, label, value):
    return (f'<label>{html.escape(label)} <input type="text" inputmode="decimal" size="7" '
            f'data-bp-key="{key}" value="{value:g}" autocomplete="off"></label>')


def worked_panel() -> str:
    from .worked_example import SETUP

    fields = []
    for name in ("W1", "b1", "W2", "b2", "X", "Y"):
        for i, row in enumerate(SETUP[name]):
            for j, v in enumerate(row):
                label = (f"{name}[{i + 1},{j + 1}]" if name.startswith("W") else
                         f"{name.lower()}{i + 1}" if name in ("X", "b1") else name.lower())
                fields.append(_number(f"{name}.{i}.{j}", label, v))
    fields.append(_number("lr", "learning rate", SETUP["lr"]))
    body = (f'<div class="bp-python-fields">{"".join(fields)}</div>'
            '<button type="button" class="bp-python-run">Compute the step</button>')
    return _shell("worked", "The example at your own numbers.", body)


def xor_panel() -> str:
    lo, hi, step, start = XOR_LR
    options = lambda values, chosen: "".join(  # noqa: E731
        f'<option value="{v}"{" selected" if v == chosen else ""}>{v}</option>' for v in values)
    body = ('<div class="bp-python-fields">'
            f'<label>learning rate <input type="range" name="lr" min="{lo}" max="{hi}" '
            f'step="{step}" value="{start}"> <output></output></label>'
            f'<label>initialization <select name="init">{options(XOR_SCHEMES, "xavier")}'
            "</select></label>"
            f'<label>seed <select name="seed">{options(XOR_SEEDS, 0)}</select></label>'
            f'<label>steps <select name="steps">{options(XOR_STEPS, 300)}</select></label>'
            "</div>"
            '<button type="button" class="bp-python-run">Train</button>'
            f'<script type="application/json">{json.dumps(xor_inits())}</script>')
    return _shell("xor", "The 2-2-1 network trained on XOR, live.", body)


# ------------------------------------------------------------- the exercises, run for real

#: The chapters whose exercises the page runs: page -> its notebook.
EXERCISE_PAGES = {"book/02_chain_rule.html": "book/02_chain_rule.ipynb",
                  "book/03_worked_example.html": "book/03_worked_example.ipynb"}
#: What the editor of an exercise whose answer is a function says about the page's Python.
ON_LISTS = ("In the page, arrays are nested lists of rows (W2[i][j]; a column is [[x1], [x2]]) "
            "and your function returns one; math is imported, NumPy is not there.")
_ANSWER_MARK = re.compile(r'<(?:div|p) class="bp-exercise(?:-note)?" '
                          r'data-bp-checker="(backprop_lib\.exercises\.\w+\.(check_\w+))"')


def exercise_starters(notebook, root=ROOT) -> dict:
    """{checker's name: (starter code, answer names)}: each exercise cell of the notebook
    (the one that calls attempt(ex.check_..., answers)) as the learner finds it, without
    its attempt line, and the names of the answers it passes."""
    cells = json.loads((pathlib.Path(root) / notebook).read_text(encoding="utf-8"))["cells"]
    out = {}
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] != "code" or "attempt(ex." not in source:
            continue
        tree = ast.parse(source)
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
                 and getattr(n.func, "id", None) == "attempt"]
        if len(calls) != 1 or not isinstance(calls[0].args[0], ast.Attribute):
            raise ValueError(f"{notebook}: an exercise cell must call attempt(ex.check_..., "
                             f"answers) once; got {source[:80]!r}")
        call = calls[0]
        names = [a.id for a in call.args[1:] if isinstance(a, ast.Name)]
        lines = source.splitlines()
        starter = "\n".join(lines[:call.lineno - 1] + lines[call.end_lineno:]).strip() + "\n"
        out[call.args[0].attr] = (starter, names)
    return out


def exercise_panel(checker, starter, names, function) -> str:
    """The editor of one exercise: the notebook's starter code, Run, the checker's verdict."""
    short = checker.rpartition(".")[2]
    rows = min(max(starter.count("\n") + 2, 3), 16)
    note = f'<p class="bp-python-note">{html.escape(ON_LISTS)}</p>' if function else ""
    body = (f'<label class="bp-python-block" for="bp-ex-{short}">Your answer, as Python (the '
            "notebook's cell, without its check line):</label>" + note
            + f'<textarea id="bp-ex-{short}" rows="{rows}" spellcheck="false" '
            f'autocapitalize="off">{html.escape(starter)}</textarea>'
            '<button type="button" class="bp-python-run">Run and check</button>')
    attributes = (f' data-bp-checker="{html.escape(checker)}" '
                  f"data-bp-names='{html.escape(json.dumps(names))}'")
    return _shell("exercise", "Try it in the page.", body, attributes,
                  intro="The notebook's checker judges your code here, in this page's Python "
                        "(loaded on the first Run: about 17 MB, a few seconds; offline).")


def add_exercise_panels(page_text, starters) -> str:
    """page_text with an editor put before each exercise's precomputed answer field (or its
    note on code), which the panel's script hides while Python works."""
    found = list(_ANSWER_MARK.finditer(page_text))
    missing = sorted(set(starters) - {m.group(2) for m in found})
    if missing:
        raise ValueError(f"the page must hold the answer field of every exercise; missing "
                         f"{missing}")
    for m in reversed(found):
        starter, names = starters[m.group(2)]
        # a function on arrays gets the note on lists; the engine's pieces work on its nodes
        function = m.group(0).startswith("<p") and m.group(2) != "check_engine"
        page_text = (page_text[:m.start()] + exercise_panel(m.group(1), starter, names, function)
                     + page_text[m.start():])
    return page_text


#: page -> [(the HTML the panel goes just before, the panel's maker)].
PANELS = {
    "book/02_chain_rule.html": [('<section id="summary"', engine_lab_panel)],
    "book/03_worked_example.html": [('<section id="two-common-mistakes"', worked_panel),
                                    ('<section id="summary"', xor_panel)],
}


def inject(page_text, panels, script_src) -> str:
    """page_text with each panel put just before its marker and the page's script loaded
    once (deferred: it only attaches the panels)."""
    for marker, make in panels:
        if page_text.count(marker) != 1:
            raise ValueError(f"the page must hold {marker!r} exactly once, to put the panel "
                             f"before it; found it {page_text.count(marker)} times")
        page_text = page_text.replace(marker, make() + marker)
    tag = f'<script defer src="{html.escape(script_src)}"></script>'
    return re.sub(r"</head>", lambda _: tag + "</head>", page_text, count=1)


def install(html_dir, runtime_dir="pyodide", root=ROOT) -> list:
    """Write the page scripts and sources into html_dir/runtime_dir and the panels into their
    pages; return the pages changed. The runtime itself is tools/pyodide_runtime.bundle's."""
    html_dir = pathlib.Path(html_dir)
    dest = html_dir / runtime_dir
    dest.mkdir(parents=True, exist_ok=True)
    for name in SCRIPTS:
        shutil.copy2(pathlib.Path(root) / "tools" / "in_page" / name, dest / name)
    (dest / "bp-sources.js").write_text(sources_script(root), encoding="utf-8")
    changed = []
    for rel, panels in PANELS.items():
        page = html_dir / rel
        if not page.is_file():
            continue  # a smaller table of contents (the tests' builds)
        depth = len(pathlib.PurePosixPath(rel).parts) - 1
        src = "../" * depth + f"{runtime_dir}/bp-python.js"
        text = inject(page.read_text(encoding="utf-8"), panels, src)
        if rel in EXERCISE_PAGES:
            text = add_exercise_panels(text, exercise_starters(EXERCISE_PAGES[rel], root))
        page.write_text(text, encoding="utf-8")
        changed.append(rel)
    return changed
