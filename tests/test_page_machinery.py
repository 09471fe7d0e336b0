"""What the HTML reader sees of each chapter's code: the code that teaches, not the book's
machinery; and one numbered caption per figure.

Cells that exist only to make the page (a player's `.show()`, a figure's `display(...)`, a
paragraph's `prose(...)`, the `numbers[...]` the prose quotes) hide their input
(`remove-input`); a visible cell carries no `numbers` bookkeeping. Every figure and every
player is followed by one caption, "**Figure N.**", numbered 1, 2, ... through the chapter
(a player's own line under its image says which frame is shown; it is not a caption).
"""

from __future__ import annotations

import ast
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
HIDING = {"remove-input", "hide-input", "hide-cell", "remove-cell"}
CAPTION = re.compile(r"\*\*Figure (\d+)\.\*\*")


def cells(path):
    return json.loads(path.read_text("utf-8"))["cells"]


def hidden(cell):
    return bool(HIDING & set(cell.get("metadata", {}).get("tags", [])))


def _call_name(node):
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")


def machinery(statement) -> bool:
    """A statement that only makes the page."""
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        name = _call_name(statement.value)
        return name in ("prose", "display", "show") or name.startswith("show_") \
            or name.endswith("_show")
    if isinstance(statement, (ast.Assign, ast.AugAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        return all(isinstance(t, ast.Subscript) and getattr(t.value, "id", "") == "numbers"
                   for t in targets)
    if isinstance(statement, ast.With):
        return all(machinery(s) for s in statement.body)
    return False


def shown_machinery(path):
    found = []
    for i, cell in enumerate(cells(path)):
        if cell["cell_type"] != "code" or hidden(cell):
            continue
        source = "".join(cell["source"])
        body = ast.parse(source).body
        if body and all(machinery(s) for s in body):
            found.append(f"cell {i} only makes the page, its input shows: {source[:60]!r}")
        elif re.search(r"\bnumbers\s*(\[|=[^=]|\.update)", source):
            found.append(f"cell {i} shows the prose's bookkeeping (numbers[...])")
    return found


def is_figure(cell) -> bool:
    """A cell that shows a figure or a player (its caption must follow)."""
    if cell["cell_type"] != "code":
        return False
    source = "".join(cell["source"])
    if re.search(r"(^|\n)\s*[\w.]*\.(\w+_)?show(_\w+)?\(", source):
        return True
    return any("image/png" in o.get("data", {}) for o in cell.get("outputs", []))


def captions(cell):
    text = "".join(cell["source"])
    if cell["cell_type"] == "code":
        text = "".join("".join(o.get("data", {}).get("text/markdown", ""))
                       for o in cell.get("outputs", [])) or text
    return [int(n) for n in CAPTION.findall(text)]


def caption_problems(path):
    found = []
    cs = cells(path)
    numbers = [n for c in cs for n in captions(c)]
    if numbers != list(range(1, len(numbers) + 1)):
        found.append(f"figures are numbered {numbers}, not 1, 2, ... in order")
    for i, cell in enumerate(cs):
        if not is_figure(cell):
            continue
        here = captions(cell)
        after = captions(cs[i + 1]) if i + 1 < len(cs) else []
        if not here and not after:
            found.append(f"cell {i} shows a figure with no '**Figure N.**' caption after it")
    return found


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem[:2])
def test_the_page_shows_the_code_that_teaches_not_the_machinery(path):
    assert not shown_machinery(path)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem[:2])
def test_every_figure_has_one_numbered_caption(path):
    assert not caption_problems(path)


def test_the_scans_find_what_they_look_for(tmp_path):
    def nb(*cells_):
        p = tmp_path / "00_x.ipynb"
        p.write_text(json.dumps({"cells": list(cells_)}))
        return p

    def code(src, tags=(), outputs=()):
        return {"cell_type": "code", "source": src, "metadata": {"tags": list(tags)},
                "outputs": list(outputs)}

    def md(src):
        return {"cell_type": "markdown", "source": src, "metadata": {}}

    assert shown_machinery(nb(code("fig.show()")))
    assert shown_machinery(nb(code("pr.lr_show()")))
    assert caption_problems(nb(code("pr.lr_show()"), md("Some text.")))
    assert shown_machinery(nb(code("x = 1\nnumbers['x'] = f'{x}'")))
    assert not shown_machinery(nb(code("fig.show()", ["remove-input"]), code("x = 1")))
    assert caption_problems(nb(code("fig.show()"), md("Some text.")))
    assert not caption_problems(nb(code("fig.show()"), md("**Figure 1.** A plot.")))
    assert caption_problems(nb(code("a.show()"), md("**Figure 2.** A plot.")))
    png = {"output_type": "display_data", "data": {"image/png": "iVBOR"}}
    assert caption_problems(nb(code("as_image(fig)", outputs=[png])))
