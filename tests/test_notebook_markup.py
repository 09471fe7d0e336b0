"""Every chapter reads the same in JupyterLab as in the HTML book (issue 13).

JupyterLab renders a Markdown cell as CommonMark with tables and $math$, nothing of MyST. So
no Markdown cell (and no Markdown a cell prints) may hold a MyST role, directive, colon fence
or target; numbers reach the prose through `prose(...)` cells, whose input both readers hide;
solutions are hidden, code and output, until the learner opens them; and before an answer is
written its checker shows a reminder, not a verdict.
"""

from __future__ import annotations

import json
import pathlib
import re

import pytest
import yaml

from backprop_lib.figures import notebook as nbh

ROOT = pathlib.Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"

SOLUTION_FIRST_LINE = "# Solution: open this cell to see one way to do it."

# MyST-only syntax and what a JupyterLab reader would see instead of its meaning.
MYST = [
    (re.compile(r"(?<!`)\{[A-Za-z][\w:.-]*\}`"), "a MyST role ({name}`...`)"),
    (re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*\{", re.M), "a MyST directive (```{name})"),
    (re.compile(r"^[ \t]*:{3,}", re.M), "a colon fence (:::)"),
    (re.compile(r"^[ \t]*\([\w.-]+\)=[ \t]*$", re.M), "a MyST target ((label)=)"),
    (re.compile(r"^[ \t]*%", re.M), "a MyST comment (% ...)"),
    (re.compile(r"\{\{"), "a substitution ({{name}})"),
]
LINK = re.compile(r"\]\(([^)\s]+)\)")
# A page's targets are plain HTML anchors, which CommonMark and the book build both keep.
ANCHOR = re.compile(r'<a id="([\w.-]+)"></a>')


def toc_notebooks():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [ch["file"] for part in toc["parts"] for ch in part["chapters"]]
    return sorted(f + ".ipynb" for f in files if (ROOT / (f + ".ipynb")).exists())


NOTEBOOKS = toc_notebooks()


def cells(name):
    return json.loads((ROOT / name).read_text())["cells"]


def text(cell):
    return "".join(cell["source"])


def markdown_outputs(cell):
    for out in cell.get("outputs", []):
        md = out.get("data", {}).get("text/markdown")
        if md is not None:
            yield "".join(md)


def is_prose(cell):
    return cell["cell_type"] == "code" and re.search(r"^(prose|listing)\(", text(cell), re.M)


def myst_found(markdown):
    """(what, snippet) for each piece of MyST-only syntax in `markdown`, code spans aside."""
    # Plain code blocks and code spans may show any of it; a role's text is a code span.
    blocks_out = re.sub(r"^[ \t]*```(?![ \t]*\{).*?^[ \t]*```", "", markdown, flags=re.S | re.M)
    spans_out = re.sub(r"`[^`\n]*`", lambda m: " " * len(m.group()), blocks_out)
    found = []
    for pattern, what in MYST:
        source = blocks_out if "role" in what or "directive" in what else spans_out
        for m in pattern.finditer(source):
            line = source[source.rfind("\n", 0, m.start()) + 1:].split("\n", 1)[0]
            found.append((what, line.strip()[:80]))
    return found


def problems(name):
    """Every way notebook `name` would read differently in JupyterLab; empty if none."""
    out = []
    cs = cells(name)
    for i, cell in enumerate(cs):
        where = f"{name} cell {i} ({cell.get('id', '?')})"
        tags = cell["metadata"].get("tags", [])
        jup = cell["metadata"].get("jupyter", {})
        if cell["cell_type"] == "markdown":
            sources = [text(cell)]
        else:
            sources = list(markdown_outputs(cell))
            if is_prose(cell):  # its template: {{name}} is prose()'s, the rest is Markdown
                sources.append(re.sub(r"\{\{\s*[\w.-]+\s*\}\}", "", text(cell)))
            src = text(cell)
            if re.search(r"\bglue\(|from myst_nb import glue", src):
                out.append(f"{where}: glue(...) feeds MyST roles that JupyterLab cannot show")
        for source in sources:
            out += [f"{where}: {what}: {snippet!r}" for what, snippet in myst_found(source)]
        if is_prose(cell):
            if "remove-input" not in tags or jup.get("source_hidden") is not True:
                out.append(f"{where}: a prose cell needs tag remove-input and metadata "
                           f"jupyter.source_hidden true; has tags {tags}, jupyter {jup}")
            if not text(cell).startswith("# "):
                out.append(f"{where}: a prose cell starts with a one-line comment (what "
                           f"JupyterLab shows of its hidden input)")
        if "solution" in tags:
            if "hide-cell" not in tags:
                out.append(f"{where}: a solution needs tag hide-cell; has {tags}")
            if jup.get("source_hidden") is not True or jup.get("outputs_hidden") is not True:
                out.append(f"{where}: a solution needs jupyter.source_hidden and "
                           f"outputs_hidden true; has {jup}")
            if cell["metadata"].get("collapsed") is not True:  # nbformat's own field for it
                out.append(f"{where}: a solution's output needs metadata collapsed true")
            if text(cell).split("\n", 1)[0] != SOLUTION_FIRST_LINE:
                out.append(f"{where}: a solution's first line (shown collapsed) must be "
                           f"{SOLUTION_FIRST_LINE!r}")
            if "with folded(" not in text(cell):
                out.append(f"{where}: a solution runs inside `with folded():` (Run All in "
                           f"JupyterLab unhides outputs; a folded one still gives nothing away)")
            for o in cell.get("outputs", []):
                shown = "".join(o.get("data", {}).get("text/html", ""))
                # JupyterLab shows a hidden output's first line: plain words, not tags
                if not shown.startswith(nbh.FOLDED_HEADING + "\n<details><summary>"):
                    out.append(f"{where}: a solution's output is not folded: "
                               f"{o.get('output_type')} {str(o.get('data', o.get('text')))[:60]!r}")
            before = cs[i - 1]
            if before["cell_type"] != "code" or "attempt(" not in text(before):
                out.append(f"{where}: the learner's cell before a solution calls "
                           f"attempt(checker, answer)")
            for out_text in _all_output_text(before):
                if "Not yet" in out_text or "Correct" in out_text:
                    out.append(f"{where}: the learner's empty answer shows a verdict: "
                               f"{out_text[:60]!r}")
        for source in sources:
            out += [f"{where}: {msg}" for msg in bad_links(source)]
    return out


def _all_output_text(cell):
    for o in cell.get("outputs", []):
        if "text" in o:
            yield "".join(o["text"])
        for value in o.get("data", {}).values():
            if isinstance(value, (list, str)):
                yield "".join(value)


def anchors(page):
    """The targets a link may name in `page`: its <a id="..."></a> anchors."""
    return set(ANCHOR.findall(page.read_text())) if page.suffix == ".md" else set()


def bad_links(markdown):
    found = []
    prose_only = re.sub(r"```.*?```", "", markdown, flags=re.S)
    prose_only = re.sub(r"`[^`\n]*`", "", prose_only)
    for target in LINK.findall(prose_only):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path, _, anchor = target.partition("#")
        page = BOOK / path
        if not page.exists():
            found.append(f"link to a missing page {target!r}")
        elif anchor and anchor not in anchors(page):
            found.append(f'link {target!r}: {path} has no anchor <a id="{anchor}"></a>')
    return found


def linked_pages():
    """The book's Markdown pages that the table of contents or a notebook links to."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = {toc["root"]} | {ch["file"] for part in toc["parts"] for ch in part["chapters"]}
    found = {BOOK / pathlib.Path(p).with_suffix(".md").name for p in pages
             if (ROOT / (p + ".md")).exists()}
    for name in NOTEBOOKS:
        for cell in cells(name):
            for source in [text(cell), *markdown_outputs(cell)]:
                found |= {BOOK / t.split("#")[0] for t in LINK.findall(source)
                          if t.split("#")[0].endswith(".md") and ":" not in t}
    return sorted(found)


@pytest.mark.parametrize("page", linked_pages(), ids=lambda p: p.name)
def test_linked_pages_read_the_same_in_jupyterlab(page):
    """A link in a notebook opens its page in JupyterLab, which shows CommonMark only: the
    pages hold no MyST, their targets are HTML anchors, and their own links resolve."""
    markdown = page.read_text()
    found = [f"{what}: {snippet!r}" for what, snippet in myst_found(markdown)]
    found += bad_links(markdown)
    assert not found, f"{page.name}:\n" + "\n".join(found)


def test_the_pages_notebooks_link_to_are_checked():
    names = {p.name for p in linked_pages()}
    assert {"intro.md", "references.md"} <= names, names


def test_the_table_of_contents_lists_the_chapters():
    assert len(NOTEBOOKS) == 11, NOTEBOOKS


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_reads_the_same_in_jupyterlab(name):
    found = problems(name)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_prose_cell_has_printed_its_text(name):
    """The committed notebook already shows the numbers (before Run All, in JupyterLab)."""
    empty = [c.get("id") for c in cells(name) if is_prose(c) and not list(markdown_outputs(c))]
    assert not empty, f"{name}: prose cells without their Markdown output: {empty}"


def test_the_scan_finds_each_kind_of_myst_markup():
    samples = {
        "The loss is {glue:text}`loss`.": "role",
        "See {ref}`the paper <ref-x>`.": "role",
        "```{admonition} Note\nhi\n```": "directive",
        ":::{note}\nhi\n:::": "colon fence",
        "(sec-one)=\n# One": "target",
        "% a comment": "comment",
        "{{ loss }}": "substitution",
    }
    for sample, kind in samples.items():
        assert any(kind in what for what, _ in myst_found(sample)), sample
    fine = ("Plain $\\frac{a}{b}$ and `{ref}` in code, [a link](references.md), "
            "a | table |, and ```python\nx = {1: 2}\n```")
    assert myst_found(fine) == []


def test_links_must_name_a_page_and_a_target_that_exist():
    assert bad_links("[a](references.md#ref-rumelhart1986) [b](#local)") == []
    assert bad_links("[a](references.md#ref-nobody)") == [
        "link 'references.md#ref-nobody': references.md has no anchor "
        '<a id="ref-nobody"></a>']
    assert bad_links("[a](nowhere.md)") == ["link to a missing page 'nowhere.md'"]


def test_prose_fills_numbers_and_leaves_latex_braces():
    md = nbh.prose("""
        The loss is {{loss}} and $\\frac{1}{2} x^{[1]}$ is {{ half }}.
        """, {"loss": "0.025", "half": 0.5})
    assert md.data == "The loss is 0.025 and $\\frac{1}{2} x^{[1]}$ is 0.5.\n"
    with pytest.raises(ValueError, match="numbers has no value for gone"):
        nbh.prose("{{gone}}", {"loss": 1})
    with pytest.raises(TypeError, match="text must be a str"):
        nbh.prose(3.0)


def test_prose_is_a_display_not_the_cells_result():
    """No "Out [n]:" prompt beside a paragraph whose input is hidden; text/plain is the
    Markdown itself, which strict nbval compares."""
    from IPython import get_ipython
    from IPython.testing.globalipapp import start_ipython
    from IPython.utils.capture import capture_output

    ip = start_ipython() or get_ipython()  # one shell per test session
    ip.run_cell("from backprop_lib.figures.notebook import prose")
    with capture_output() as shown:
        result = ip.run_cell("prose('The loss is **{{x}}**.', {'x': 0.5})")
    # one display and no execute_result (which would be a second output, with a prompt)
    assert result.success
    assert [o.data for o in shown.outputs] == [
        {"text/markdown": "The loss is **0.5**.\n", "text/plain": "The loss is **0.5**.\n"}]


def test_listing_shows_the_librarys_current_source():
    import backprop_lib as bp

    md = nbh.listing(bp.Network.forward).data
    assert md.startswith("```python\ndef forward(self") and md.endswith("```\n")
    with pytest.raises(TypeError, match="obj must be a function"):
        nbh.listing(3)


def test_attempt_reminds_until_an_answer_is_written():
    def check(*answers, **options):
        return f"checked {answers} {options}"

    def stub(x):
        raise NotImplementedError

    def written(x):
        return x

    def check_function(f):
        try:
            f(1)
        except NotImplementedError:
            return "Not yet: not written"
        return "Correct"

    assert nbh.attempt(check, None).data == nbh.NO_ANSWER_YET
    assert nbh.attempt(check, 1, None).data == nbh.NO_ANSWER_YET
    assert nbh.attempt(check, 1, 2) == "checked (1, 2) {}"
    assert nbh.attempt(check, 1, P=400) == "checked (1,) {'P': 400}"
    assert nbh.attempt(check_function, stub).data == nbh.NO_ANSWER_YET
    assert nbh.attempt(check_function, written) == "Correct"
    with pytest.raises(TypeError, match="check must be"):
        nbh.attempt(None, 1)


def test_folded_collects_prints_and_displays_under_one_line():
    from IPython import get_ipython
    from IPython.testing.globalipapp import start_ipython

    ip = start_ipython() or get_ipython()  # one shell per test session
    ip.run_cell("from backprop_lib.figures.notebook import folded")
    result = ip.run_cell("with folded('Open me'):\n    print('x < 1')\n"
                         "    display({'a': 1})\n")
    assert result.success
    with pytest.raises(TypeError, match="summary must be a str"):
        with nbh.folded(3):
            pass
    shown = nbh._Folded("Open me", "x < 1\n", [])
    assert shown._repr_html_() == ("Output of the solution:\n<details><summary>Open me</summary>\n"
                                   "<pre>x &lt; 1\n</pre></details>")
    assert repr(shown) == "Output of the solution:\nx < 1"
