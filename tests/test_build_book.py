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
