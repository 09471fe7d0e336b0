"""tools/build_book.py's checks of a built book, on small hand-made pages (no build needed)."""

from __future__ import annotations

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("build_book", ROOT / "tools" / "build_book.py")
build_book = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_book)


def write(root, name, text):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_remote_loads_finds_what_a_page_would_fetch(tmp_path):
    write(tmp_path, "a.html", '<script src="https://cdn.example.org/x.js"></script>'
          '<a href="https://example.org/">a link is not a load</a>')
    write(tmp_path, "b.html", '<link rel="stylesheet" href="//fonts.example.org/f.css">'
          '<img alt="" src="data:image/png;base64,AAAA"><script src="_static/local.js"></script>')
    write(tmp_path, "_static/c.css", "@import 'https://x.example.org/y.css';"
          " .k{background:url(../img/local.png)} .f{src:url(\"http://f.example.org/z.woff\")}")
    found = {(str(page), url) for page, url in build_book.remote_loads(tmp_path)}
    assert found == {
        ("a.html", "https://cdn.example.org/x.js"),
        ("b.html", "//fonts.example.org/f.css"),
        ("_static/c.css", "https://x.example.org/y.css"),
        ("_static/c.css", "http://f.example.org/z.woff"),
    }


def test_inert_widgets_and_sizes(tmp_path):
    write(tmp_path, "ok.html", "<p>fine</p>")
    write(tmp_path, "book/w.html",
          '<script type="application/vnd.jupyter.widget-view+json">{"model_id": "x"}</script>')
    assert [str(p) for p in build_book.inert_widgets(tmp_path)] == ["book/w.html"]
    total, pages = build_book.sizes(tmp_path)
    assert total == sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    assert [str(p) for _, p in pages] == ["book/w.html", "ok.html"]


def test_prune_removes_source_maps_and_catalogues(tmp_path):
    write(tmp_path, "_static/scripts/a.js", "x")
    write(tmp_path, "_static/scripts/a.js.map", "y" * 10)
    write(tmp_path, "_static/locales/de/LC_MESSAGES/sphinx.mo", "z" * 5)
    assert build_book.prune(tmp_path) == 15
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["a.js"]


def test_broken_anchors_finds_links_to_missing_targets(tmp_path):
    write(tmp_path, "book/references.html", '<p id="ref-a">A</p><section id="top"></section>')
    write(tmp_path, "book/ch.html",
          '<a class="reference internal" href="references.html#ref-a">ok</a>'
          '<a href="references.html#ref-gone">gone</a><a href="#here">self</a>'
          '<span id="here"></span><a href="https://example.org/#x">outside</a>'
          '<a href="missing.html#y">no page</a>')
    assert sorted((str(p), h) for p, h in build_book.broken_anchors(tmp_path)) == [
        ("book/ch.html", "missing.html#y"),
        ("book/ch.html", "references.html#ref-gone"),
    ]


def test_raw_markup_finds_myst_shown_as_text(tmp_path):
    write(tmp_path, "a.html", "<p>The loss is {glue:text}`loss` and {ref}`x &lt;ref-x&gt;`</p>"
          "<pre>```{literalinclude} ../x.py</pre>")
    write(tmp_path, "b.html",
          "<p>$\\frac{1}{2}$ and {1: 2}</p><script>var a = '{glue:x}';</script>")
    found = [(str(p), s[:12]) for p, s in build_book.raw_markup(tmp_path)]
    assert found == [("a.html", "{glue:text}`"), ("a.html", "{ref}`x &lt;"),
                     ("a.html", "```{literali")]


def test_the_build_prints_one_line_per_notebook_and_every_warning():
    line = build_book.progress_line
    executed = ("\x1b[01m/x/book/03_worked_example.ipynb: Executed notebook in 10.85 seconds "
                "[mystnb]\x1b[39;49;00m\n")
    assert line(executed) == "build_book: executed 03_worked_example.ipynb in 10.8 s"
    assert line("/x/book/03_worked_example.ipynb: Executing notebook using local CWD [mystnb]") \
        is None
    assert line("[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All "
                "communication ...") is None
    assert line("\x1b[01mreading sources... \x1b[39;49;00m[ 33%]") is None
    warning = "/x/book/04_l_layers.ipynb:12: WARNING: undefined label"
    assert line(warning) == warning  # every other warning, and every error, still shows
    assert line("Traceback (most recent call last):") == "Traceback (most recent call last):"
    assert line("reading sources... [ 33%]", verbose=True) == "reading sources... [ 33%]"
    # the configuration dumps hold 'error' in option names: not a warning
    assert line("myst-nb v1.4.0: NbParserConfig(execution_allow_errors=False, "
                "render_error_lexer='ipythontb')") is None
    assert line("ValueError: x must be finite") == "ValueError: x must be finite"


def test_the_notebooks_zip_holds_what_runs_them(tmp_path):
    """On a small hand-made source tree: the zip holds the toc's pages, the Markdown pages
    they link to (and those pages' links), the package's .py files, what pip and make need,
    and a README with the commands; nothing else, and the same bytes on every build."""
    import zipfile

    src = tmp_path / "src"
    write(src, "_toc.yml", "format: jb-book\nroot: book/intro\nchapters:\n"
          "  - file: book/01_a\n  # - file: book/03_later\n  - file: book/02_b.ipynb\n")
    write(src, "book/intro.md", "# Intro\n")
    write(src, "book/01_a.ipynb", '{"cells": [{"source": "See [x](references.md#ref-x)."}]}')
    write(src, "book/02_b.ipynb", "{}")
    write(src, "book/03_later.ipynb", "{}")
    write(src, "book/references.md", "[more](history.md)\n")
    write(src, "book/history.md", "back to [refs](references.md)\n")
    write(src, "book/unlinked.md", "not a page\n")
    write(src, "backprop_lib/__init__.py", "X = 1\n")
    write(src, "backprop_lib/figures/plot.py", "Y = 2\n")
    write(src, "backprop_lib/__pycache__/x.cpython-311.pyc", "junk")
    for name in build_book.ZIP_FILES:
        write(src, name, name)
    write(src, "tests/test_x.py", "not for learners")
    members = build_book.zip_members(src, repository="https://example.org/o/r")
    assert sorted(members) == sorted(
        ["book/intro.md", "book/01_a.ipynb", "book/02_b.ipynb", "book/references.md",
         "book/history.md", "backprop_lib/__init__.py", "backprop_lib/figures/plot.py",
         "README.md", *build_book.ZIP_FILES])
    readme = members["README.md"].decode()
    assert "make lab" in readme and "-c constraints.txt -r requirements.txt -e ." in readme
    assert "jupyter lab book/" in readme and "https://example.org/o/r" in readme
    assert "example.org" not in build_book.zip_members(src)["README.md"].decode()

    first, second = tmp_path / "a" / "book.zip", tmp_path / "b" / "book.zip"
    size = build_book.write_zip(first, members)
    build_book.write_zip(second, dict(reversed(list(members.items()))))
    assert size == first.stat().st_size and first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == sorted(f"backprop-book/{n}" for n in members)
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos)
        assert archive.read("backprop-book/backprop_lib/figures/plot.py") == b"Y = 2\n"
    assert not list(first.parent.glob("*.partial"))


def test_the_real_zip_holds_every_chapter_and_the_package():
    members = build_book.zip_members()
    toc = build_book.toc_pages(ROOT, ROOT / "_toc.yml")
    chapters = {p.relative_to(ROOT).as_posix() for p in toc}
    assert {"book/02_chain_rule.ipynb", "book/intro.md", "book/references.md"} <= chapters
    assert chapters <= set(members)
    assert {"backprop_lib/__init__.py", "pyproject.toml", "requirements.txt", "constraints.txt",
            "Makefile", "tools/lab.py", "README.md"} <= set(members)
    # pyproject.toml names its readme; pip install -e . fails without that file.
    assert 'readme = "README.md"' not in members["pyproject.toml"].decode() \
        or "README.md" in members
    assert not any(n.startswith(("tests/", ".venv", "_build")) for n in members)


def test_the_repository_address_is_a_setting_left_out_while_unset(tmp_path):
    config = write(tmp_path, "_config.yml", "title: x\nrepository:\n  url: \"\"\n")
    assert build_book.repository_url(config) == ""
    assert build_book.repository_text("") == ""
    assert build_book.repository_url(write(tmp_path, "b.yml", "title: x\n")) == ""
    config.write_text("repository:\n  url: https://github.com/o/backprop-book\n")
    url = build_book.repository_url(config)
    assert url == "https://github.com/o/backprop-book"
    text = build_book.repository_text(url)
    assert f"git clone {url} backprop-book" in text and f"<{url}>" in text
    # The introduction holds the marker where the address goes, and no placeholder.
    intro = (ROOT / "book" / "intro.md").read_text()
    assert build_book.REPOSITORY_MARKER in intro
    assert "<this repository>" not in intro
    assert build_book.repository_url() == "" or build_book.repository_url().startswith("http")


def test_the_zip_button_is_a_relative_link_to_the_zip():
    button = build_book.zip_button(lambda target, rel: "../" + target)
    assert button["type"] == "link" and button["url"] == "../_downloads/backprop-book.zip"
    assert button["label"] == "download-notebooks-button"


def test_prune_drops_the_font_awesome_script_and_its_tags(tmp_path):
    write(tmp_path, "_static/scripts/fontawesome.js", "f" * 20)
    write(tmp_path, "_static/scripts/fontawesome.js.map", "m" * 3)  # matched twice
    tag = '<script defer src="../_static/scripts/fontawesome.js?digest=55c2"></script>\n'
    write(tmp_path, "book/a.html", f"<head>{tag}<script src='keep.js'></script></head>")
    assert build_book.prune(tmp_path) == 23
    assert (tmp_path / "book/a.html").read_text() == "<head><script src='keep.js'></script></head>"


def test_the_pages_are_read_in_chunks_of_about_equal_cost():
    """balanced_order: the same pages, cut by Sphinx's make_chunks into chunks whose costs
    differ by at most the largest single page's; the heaviest chunk first."""
    from sphinx.util.parallel import make_chunks

    costs = {"a": 50, "b": 48, "c": 40, "d": 37, "e": 21, "f": 19, "g": 11, "h": 11, "i": 6,
             "j": 5, "k": 2, "l": 0, "m": 0, "n": 0}
    for nproc in (2, 3, 4):
        order = build_book.balanced_order(sorted(costs), nproc, costs.get)
        assert sorted(order) == sorted(costs)
        loads = [sum(costs[d] for d in chunk) for chunk in make_chunks(order, nproc)]
        assert [len(c) for c in make_chunks(order, nproc)] == \
            [len(c) for c in make_chunks(sorted(costs), nproc)]
        assert max(loads) - min(loads) <= max(costs.values()), (nproc, loads)
        assert loads[0] == max(loads)
        if nproc == 2:
            assert loads == [126, 124]
    # in name order the first of two chunks held 226 of the 250
    assert [sum(costs[d] for d in c) for c in make_chunks(sorted(costs), 2)] == [226, 24]
