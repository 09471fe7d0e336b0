"""The built book's download: every chapter page offers the zip of the notebooks, the link
works over HTTP and from disk (file://), and the unzipped folder runs a notebook.

A notebook alone cannot run (it imports backprop_lib), so tools/build_book.py writes one zip
of the notebooks, the package, its requirements and a README, and puts a button for it in
the header of every page. Uses test_browser.py's fixtures (the same build, the same server).
"""

from __future__ import annotations

import importlib.util
import pathlib
import re
import sys
import urllib.parse
import urllib.request
import zipfile

import pytest
from test_browser import (  # noqa: F401  (fixtures)
    Visit,
    book,
    chromium,
    pages,
    part_errors,
    server,
    shared_page_reports,
)

pytestmark = [pytest.mark.slow]

ROOT = pathlib.Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("build_book", ROOT / "tools" / "build_book.py")
build_book = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_book)

LINK = "a.btn-download-notebooks-button"


def is_book_page(rel):
    """book/*.html (intro, chapters, appendices), not search or genindex."""
    return rel.startswith("book/")


def chapter_pages(html):
    """The book's pages: book/*.html (intro, chapters, appendices), not search or genindex."""
    found = [p for p in pages(html) if is_book_page(p)]
    assert len(found) >= 3, found
    return found


def zip_link(page):
    """What the page shows of its zip link: how many, visible, its text and tooltip, and its
    resolved address (also for tests/test_browser.py's one visit of each page)."""
    link = page.locator(LINK)
    found = {"url": page.url, "count": link.count()}
    if found["count"] != 1:
        return found
    # Bootstrap's tooltip moves the title into data-bs-original-title once the page runs.
    tooltip = link.get_attribute("title") or link.get_attribute("data-bs-original-title") or ""
    return dict(found, visible=link.is_visible(), tooltip=tooltip,
                href=link.evaluate("a => a.href"),
                text=page.locator(f"{LINK} .btn__text-container").inner_text().strip())


def checked_href(found):
    """The zip link's address, after checking that the link shows (zip_link's report)."""
    url = found["url"]
    assert found["count"] == 1, f"{url}: {found['count']} links to the notebooks' zip"
    assert found["visible"], f"{url}: the zip's button is hidden"
    assert found["text"] == ".zip", (url, found["text"])
    assert "backprop_lib" in found["tooltip"], found["tooltip"]
    return found["href"]


def zip_href(visit, url):
    """The resolved address of the page's zip link, after checking that the link shows."""
    visit.page.goto(url, wait_until="domcontentloaded")
    return checked_href(zip_link(visit.page))


@pytest.mark.browser
def test_every_page_links_to_the_zip_over_http(request, chromium, server, book):  # noqa: F811
    """Over http, in the one visit of each page that the files of conftest.BOOK_PAGE_FILES
    share (tests/test_browser.py, shared_page_reports); the zip is fetched from this
    file's server at the address the page links to."""
    expected = (book / build_book.ZIP_URL).read_bytes()
    reports = shared_page_reports(request, chromium, server, book, need="zip")
    assert part_errors(reports, "zip") == []
    for rel in chapter_pages(book):
        found = reports[rel]["zip"]
        origin = found["url"][:-len(rel) - 1]  # the server the page was opened from
        assert found["url"] == f"{origin}/{rel}", found["url"]
        href = checked_href(found)
        assert href == f"{origin}/{build_book.ZIP_URL}", (rel, href)
        with urllib.request.urlopen(f"{server}/{href[len(origin) + 1:]}", timeout=30) as response:
            assert response.status == 200, (rel, response.status)
            assert response.read() == expected, rel
        assert reports[rel]["problems"] == [], rel


@pytest.mark.browser
def _raw_zip_hrefs(html):
    """The href attribute of each zip link in a page's HTML, as written in the file."""
    tags = re.findall(r'<a\b[^>]*class="[^"]*\bbtn-download-notebooks-button\b[^"]*"[^>]*>', html)
    return [href for tag in tags for href in re.findall(r'href="([^"]*)"', tag)]


def test_every_page_links_to_the_zip_from_disk(chromium, book):  # noqa: F811
    """Every page's link, as written, resolves from its file to the zip; Chromium opens one
    page from disk for each distinct (folder, link) and resolves the link the same way (the
    same rule for every page that shares them; over http every page is opened, above)."""
    distinct = {}
    for rel in chapter_pages(book):
        raw = _raw_zip_hrefs((book / rel).read_text())
        assert len(raw) == 1, f"{rel}: {len(raw)} zip links in the HTML"
        href = urllib.parse.urljoin((book / rel).as_uri(), raw[0])
        target = pathlib.Path(urllib.request.url2pathname(href[len("file://"):]))
        assert target.resolve() == (book / build_book.ZIP_URL).resolve(), (rel, href)
        assert target.is_file(), href
        distinct.setdefault((pathlib.PurePosixPath(rel).parent, raw[0]), (rel, href))
    with Visit(chromium, "file://") as visit:
        for rel, expected in distinct.values():
            href = zip_href(visit, (book / rel).as_uri())
            assert href == expected, (rel, href, expected)


def test_the_intro_says_how_to_get_the_source(book):  # noqa: F811
    """While _config.yml sets no repository, the intro points to the zip and shows no
    `git clone` nor a placeholder; once set, it shows `git clone <url>` and the theme's
    repository button."""
    intro = (book / "book" / "intro.html").read_text()
    text = re.sub(r"<[^>]+>", "", intro)  # the highlighted code splits words into spans
    assert "this repository&gt;" not in intro and "<this repository>" not in intro
    assert "build_book:" not in intro  # the marker was replaced, not copied into the page
    url = build_book.repository_url()
    if url:
        assert f"git clone {url}" in text and "btn-source-repository-button" in intro
    else:
        assert "git clone" not in text and "btn-source-repository-button" not in intro
        assert "(<strong>.zip</strong>)" in intro and "make lab" in text


def test_the_unzipped_folder_imports_its_package_and_runs_a_notebook(book, tmp_path,  # noqa: F811
                                                                      monkeypatch):
    import subprocess

    import nbformat
    from nbclient import NotebookClient

    with zipfile.ZipFile(book / build_book.ZIP_URL) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path)
    folder = tmp_path / build_book.ZIP_FOLDER
    assert all(n.startswith(build_book.ZIP_FOLDER + "/") for n in names)
    readme = (folder / "README.md").read_text()
    assert "pip install -c constraints.txt -r requirements.txt -e ." in readme
    for name in ("pyproject.toml", "requirements.txt", "constraints.txt", "Makefile",
                 "tools/lab.py", "book/references.md", "backprop_lib/__init__.py"):
        assert (folder / name).is_file(), name
    toc = build_book.toc_pages(ROOT, ROOT / "_toc.yml")
    for page in toc:
        rel = page.relative_to(ROOT)
        assert (folder / rel).read_bytes() == page.read_bytes(), f"{rel} differs from book/"

    # The zip's package, not the repository's (installed in .venv in editable mode).
    monkeypatch.setenv("PYTHONPATH", str(folder))
    monkeypatch.delenv("BACKPROP_BOOK_STATIC", raising=False)
    where = "import backprop_lib; print(backprop_lib.__file__)"
    done = subprocess.run([sys.executable, "-c", where], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert pathlib.Path(done.stdout.strip()).resolve() == (folder / "backprop_lib" /
                                                            "__init__.py").resolve()

    notebook = nbformat.read(folder / "book" / "02_chain_rule.ipynb", as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import backprop_lib\nprint(backprop_lib.__file__)"))
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(folder / "book")}}).execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []
    where = "".join(o.get("text", "") for o in notebook.cells[-1].outputs).strip()
    assert pathlib.Path(where).resolve() == (folder / "backprop_lib" / "__init__.py").resolve()
