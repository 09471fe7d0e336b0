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
