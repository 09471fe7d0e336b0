"""Build the HTML book into _build/html, fully offline: `make book` runs this.

1. Copy MathJax 2 from the installed PyPI package jupyter-server-mathjax into
   _build/assets/mathjax (without the SVG output and the menu translations, which the
   book does not use); _config.yml lists _build/assets in html_static_path, so Sphinx
   copies it to _build/html/_static/mathjax. Nothing third-party is committed here.
   The book's small stylesheet tools/book.css goes there too.
2. Set BACKPROP_BOOK_STATIC=1, so that when myst-nb executes the notebooks every
   interactive figure renders its static player (backprop_lib.interactive), and
   BACKPROP_BOOK_FRAMES / BACKPROP_BOOK_SOURCE, so that the players' frames are written
   once each as _build/html/frames/<hash>.png (a page loads only the frames a reader
   looks at) instead of being inlined into the page.
3. Build every page afresh with warnings as errors (what `jupyter-book build --all
   --warningiserror --nitpick --keep-going` does, through the same function), reading the
   notebooks in parallel, one process per core (tools/parallel_multitoc.py).
4. Remove what no page loads (source maps, the theme's message catalogues), check that no
   page, script or stylesheet loads anything from another host and that no page embeds an
   ipywidgets view (inert without a kernel), that every link to a page's #anchor finds
   that anchor (_config.yml lets MyST's own check of such links go quiet, because it knows
   only heading anchors) and that no page shows raw MyST markup, and print the total size
   of _build/html and the largest pages.
5. When the page's Python is installed (tools/pyodide_runtime.py, the install step of `make
   book`), bundle it into _build/html/pyodide (not under _static, whose every script Jupyter
   Book would load into every page) and add the cells that run the book's own code in the
   page to chapters 2 and 3 (backprop_lib/figures/in_page_python.py); without it, say so in
   one line: those pages keep their precomputed players.
6. Write _build/html/_downloads/backprop-book.zip: the notebooks of the table of contents
   as they are in book/ (with their outputs), the Markdown pages they link to, the
   backprop_lib package, pyproject.toml, the requirements, the Makefile with tools/lab.py
   (`make lab` works in the unzipped folder) and a README with the commands; the same
   bytes for the same sources (fixed timestamps, sorted entries). A notebook alone cannot
   run: it imports backprop_lib.

This file is also a Sphinx extension of the build (_config.yml, local_extensions): it puts
a button for that zip in the header of every page (the theme's header_buttons), and it
reads `repository: url:` of _config.yml: when set, the theme's repository button shows
and the introduction's run instructions say `git clone <url>` (where book/intro.md holds
REPOSITORY_MARKER); while unset, neither appears.

Usage: python tools/build_book.py [--quiet] [--verbose] [--toc FILE]. Exit status 0 only
when all of this passed. It prints one line per executed notebook and every warning or
error; Sphinx's whole output goes to _build/book.log (--verbose prints it too). --toc
builds another table of contents (tests use it for a smaller book).
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys
import time
import zipfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import pyodide_runtime  # noqa: E402  (tools/pyodide_runtime.py, beside this file)
import reproducible  # noqa: E402  (tools/reproducible.py, beside this file)

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD = ROOT / "_build"
HTML = BUILD / "html"
ASSETS = BUILD / "assets"
STATIC_ENV = "BACKPROP_BOOK_STATIC"

# What a page loads (not what it links to): src= on any element, href= on <link>,
# url(...) and @import in stylesheets.
_LOADS = [
    re.compile(r"""<(?:script|img|iframe|source|audio|video|embed|input)\b[^>]*?"""
               r"""\ssrc\s*=\s*["']?((?:https?:)?//[^"'\s>]+)""", re.I),
    re.compile(r"""<link\b[^>]*?\shref\s*=\s*["']?((?:https?:)?//[^"'\s>]+)""", re.I),
    re.compile(r"""url\(\s*["']?((?:https?:)?//[^"')\s]+)""", re.I),
    re.compile(r"""@import\s+["']((?:https?:)?//[^"']+)""", re.I),
]


_HREF = re.compile(r'<a\b[^>]*?\shref\s*=\s*"([^"#:]*\.html)?#([^"]+)"', re.I)
_ID = re.compile(r'\sid\s*=\s*"([^"]+)"', re.I)
# MyST markup that reached a page as text: a role, a directive fence or a glue placeholder.
_RAW_MYST = re.compile(r"\{(?:glue:\w+|glue|ref|numref|doc|eq|literalinclude)\}`|```\{|\{glue:")


def broken_anchors(html_dir):
    """(page, href) for each link to page#anchor (or #anchor) whose anchor is not there."""
    html_dir = pathlib.Path(html_dir)
    ids, found = {}, []
    for page in sorted(html_dir.rglob("*.html")):
        for target, anchor in _HREF.findall(page.read_text(errors="replace")):
            dest = (page.parent / target).resolve() if target else page.resolve()
            if dest not in ids:
                ids[dest] = set(_ID.findall(dest.read_text(errors="replace"))) \
                    if dest.exists() else set()
            if anchor not in ids[dest]:
                found.append((page.relative_to(html_dir), f"{target}#{anchor}"))
    return found


def raw_markup(html_dir):
    """(page, snippet) for each page that shows MyST markup as text."""
    html_dir = pathlib.Path(html_dir)
    found = []
    for page in sorted(html_dir.rglob("*.html")):
        text = page.read_text(errors="replace")
        body = re.sub(r"<(script|style)\b.*?</\1>", "", text, flags=re.S | re.I)
        for m in _RAW_MYST.finditer(body):
            found.append((page.relative_to(html_dir), body[m.start():m.start() + 60]))
    return found


def copy_mathjax():
    """Copy MathJax 2 out of jupyter-server-mathjax into _build/assets/mathjax."""
    try:
        import jupyter_server_mathjax
    except ImportError:
        sys.exit("build_book: the package jupyter-server-mathjax is missing; "
                 "install requirements.txt (make book does)")
    src = pathlib.Path(jupyter_server_mathjax.__file__).parent / "static"
    if not (src / "MathJax.js").exists():
        sys.exit(f"build_book: no MathJax.js in {src}")
    dest = ASSETS / "mathjax"
    if dest.exists():
        shutil.rmtree(dest)
    ignore = shutil.ignore_patterns("SVG", "localization", "*.md", "*.txt")
    shutil.copytree(src, dest, ignore=ignore)
    shutil.copy2(ROOT / "tools" / "book.css", ASSETS / "book.css")
    return dest


def remote_loads(html_dir):
    """Every (file, url) where a built page, script or stylesheet loads from another host."""
    found = []
    for path in sorted(html_dir.rglob("*")):
        if path.suffix not in {".html", ".css", ".js"} or "mathjax" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for pattern in _LOADS:
            for url in pattern.findall(text):
                found.append((path.relative_to(html_dir), url))
    return found


def inert_widgets(html_dir):
    """Pages that embed an ipywidgets view: without a kernel it could never respond."""
    return [p.relative_to(html_dir) for p in sorted(html_dir.rglob("*.html"))
            if "application/vnd.jupyter.widget" in p.read_text(encoding="utf-8", errors="replace")]


def sizes(html_dir):
    """Total bytes of the build and the pages (.html) from largest to smallest."""
    files = [p for p in html_dir.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    pages = sorted(((p.stat().st_size, p.relative_to(html_dir)) for p in files
                    if p.suffix == ".html"), reverse=True)
    return total, pages


# The theme loads Font Awesome twice: as a web font through its stylesheet, and as a 1.5 MB
# script that swaps each icon for an inline SVG. The web font alone draws the same icons
# (checked in Chromium: the header's icons look the same), so the script is dropped: 44 %
# of a page's bytes on first view.
_FONTAWESOME_JS = re.compile(
    r'<script[^>]*src="[^"]*scripts/fontawesome\.js[^"]*"[^>]*>\s*</script>\s*')


def prune(html_dir):
    """Remove what no page needs: source maps of the theme's scripts and styles (for
    developer tools only), the theme's message catalogues (used while building), and its
    Font Awesome script (the web font draws the icons), with the tags that load it."""
    removed = 0
    doomed = {*html_dir.glob("_static/**/*.map"), *html_dir.glob("_static/locales"),
              *html_dir.glob("_static/scripts/fontawesome.js*")}  # a set: fontawesome.js.map
    for path in sorted(doomed):
        removed += sum(f.stat().st_size for f in ([path] if path.is_file() else path.rglob("*"))
                       if f.is_file())
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    for page in html_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        pruned = _FONTAWESOME_JS.sub("", text)
        if pruned != text:
            page.write_text(pruned, encoding="utf-8")
    return removed


LOG = BUILD / "book.log"
# Printed by every notebook kernel that ipykernel starts (localhost only, made and ended by
# the build itself): not a problem of the book, and alarming to read.
_KERNEL_TCP = "Kernel is running over TCP without encryption"
_EXECUTED = re.compile(r"^(?P<path>\S+\.ipynb): Executed notebook in (?P<s>[\d.]+) seconds")
_ALARM = re.compile(r"\bWARNING\b|\bERROR\b|\w+Error\b|Exception|Traceback|\bfailed\b")


def progress_line(line, verbose=False):
    """What the build prints for one line of Sphinx's output, or None for nothing: one line
    per executed notebook, every warning or error, the rest only with verbose."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", line.rstrip("\n"))  # Sphinx's colours
    if _KERNEL_TCP in text:
        return None
    executed = _EXECUTED.search(text)
    if executed:
        name = pathlib.Path(executed["path"]).name
        return f"build_book: executed {name} in {float(executed['s']):.1f} s"
    if verbose or _ALARM.search(text):
        return text
    return None


def run_filtered(command, env, verbose=False):
    """Run the build, print its progress lines, keep its whole output in LOG."""
    BUILD.mkdir(parents=True, exist_ok=True)
    with open(LOG, "w") as log, subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, bufsize=1) as proc:
        for line in proc.stdout:
            log.write(line)
            shown = progress_line(line, verbose)
            if shown is not None:
                print(shown, flush=True)
    return proc.returncode


def build(quiet=False, toc=None, verbose=False):
    start = time.perf_counter()
    # Start from nothing: Sphinx never deletes pages that left the table of contents.
    for stale in (HTML, BUILD / ".doctrees", BUILD / "jupyter_execute"):
        if stale.exists():
            shutil.rmtree(stale)
    copy_mathjax()
    # The pinned kernels: the numbers the pages print are the committed ones.
    env = dict(reproducible.apply(dict(os.environ)),
               **{STATIC_ENV: "1", "BACKPROP_BOOK_FRAMES": str(HTML / "frames"),
                  "BACKPROP_BOOK_SOURCE": str(ROOT)})
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    # `jupyter-book build --all --warningiserror --nitpick --keep-going`, plus parallel
    # reading (one process per core, at most 4), which its command line does not offer.
    toc_path = pathlib.Path(toc).resolve() if toc else ROOT / "_toc.yml"
    jobs = max(1, min(4, len(os.sched_getaffinity(0))))
    code = (
        "import sys\n"
        "from jupyter_book.sphinx import build_sphinx\n"
        "from sphinx_external_toc.parsing import parse_toc_yaml\n"
        f"parse_toc_yaml({str(toc_path)!r})\n"
        f"sys.exit(build_sphinx({str(ROOT)!r}, {str(HTML)!r}, use_external_toc=True,\n"
        f"    noconfig=True, path_config={str(ROOT / '_config.yml')!r},\n"
        f"    confoverrides={{'external_toc_path': {toc_path.as_posix()!r}, 'nitpicky': True,\n"
        f"                   'latex_individualpages': False}},\n"
        f"    builder='html', warningiserror=True, keep_going=True, freshenv=True,\n"
        f"    force_all=True, jobs={jobs}, quiet={quiet!r}))\n"
    )
    print(f"build_book: building {toc_path.name} with {jobs} reader process(es)")
    status = run_filtered([sys.executable, "-c", code], env, verbose)
    if status != 0:
        print(f"build_book: jupyter-book build failed (exit status {status}); its whole "
              f"output is in {LOG.relative_to(ROOT)}", file=sys.stderr)
        return status
    prune(HTML)
    remote = remote_loads(HTML)
    if remote:
        for page, url in remote:
            print(f"build_book: {page} loads {url} from another host", file=sys.stderr)
        return 1
    widgets = inert_widgets(HTML)
    if widgets:
        print("build_book: ipywidgets views reached these pages (show figures with "
              "backprop_lib.interactive, which renders a static player in the book): "
              + ", ".join(map(str, widgets)), file=sys.stderr)
        return 1
    anchors = broken_anchors(HTML)
    for page, href in anchors:
        print(f"build_book: {page} links to {href}, which is not there", file=sys.stderr)
    markup = raw_markup(HTML)
    for page, snippet in markup:
        print(f"build_book: {page} shows raw MyST markup: {snippet!r}", file=sys.stderr)
    if anchors or markup:
        return 1
    in_page = add_python(HTML)
    zip_bytes = write_zip(HTML / ZIP_URL, zip_members(ROOT, toc_path, repository_url()))
    total, pages = sizes(HTML)
    print(f"build_book: built in {time.perf_counter() - start:.1f} s; _build/html is "
          f"{total / 1e6:.1f} MB; largest pages: "
          + ", ".join(f"{p} {s / 1e3:.0f} kB" for s, p in pages[:3])
          + f"; the notebooks' zip {ZIP_URL} is {zip_bytes / 1e3:.0f} kB; {in_page}")
    return 0


PYTHON_DIR = "pyodide"  # relative to _build/html: the page's Python and its scripts


def add_python(html_dir):
    """Bundle the page's Python into html_dir/PYTHON_DIR and add its cells to the chapters
    (see the module's docstring, 5); returns what was done, in words."""
    if pyodide_runtime.installed() is None:
        print(f"build_book: no Python in the pages (pyodide {pyodide_runtime.VERSION} is not "
              f"in {pyodide_runtime.cache_dir()}: npm was missing at `make book`'s install "
              "step); chapters 2 and 3 keep their precomputed players")
        return "no Python in the pages"
    from backprop_lib.figures import in_page_python

    runtime = pyodide_runtime.bundle(html_dir / PYTHON_DIR)
    pages = in_page_python.install(html_dir, PYTHON_DIR)
    return (f"the pages' Python {PYTHON_DIR}/ is {runtime / 1e6:.1f} MB (loaded on a first "
            f"Run), its cells in {', '.join(pages) or 'no page'}")


ZIP_NAME = "backprop-book.zip"
ZIP_URL = "_downloads/" + ZIP_NAME  # relative to _build/html
ZIP_FOLDER = "backprop-book"  # the one folder the zip unpacks into
# Besides the pages: what `pip install -e .` and `make lab` need in the unzipped folder.
ZIP_FILES = ["pyproject.toml", "requirements.txt", "constraints.txt", "LICENSE", "Makefile",
             "tools/lab.py"]
_MD_LINK = re.compile(r"\]\(([\w.-]+\.md)(?:#[^)]*)?\)")
ZIP_README = """\
Backpropagation, computed and moved: the notebooks
==================================================

book/          the chapters as Jupyter notebooks, with their outputs, and the pages they link to
backprop_lib/  the small package every notebook imports
requirements.txt, constraints.txt   what they need (constraints.txt: the versions last tested)

With Python 3.11 or newer, in this folder:

    make lab

creates .venv, installs what is needed (a few minutes) and opens JupyterLab on book/.
Without make, the same in two commands:

    python3 -m venv .venv && .venv/bin/pip install -c constraints.txt -r requirements.txt -e .
    .venv/bin/jupyter lab book/

(on Windows: .venv\\Scripts\\pip and .venv\\Scripts\\jupyter; as root, add --allow-root to
jupyter lab, which make lab does by itself). In a running notebook the sliders recompute live.
Only `make lab` of the Makefile works here: building the HTML book and the tests need the
book's whole source{where}.
"""


def toc_pages(root, toc):
    """The pages of a table of contents that exist: book/NN.ipynb or .md, in its order."""
    found = []
    for entry in re.findall(r"^\s*-?\s*(?:file|root):\s*(\S+)", pathlib.Path(toc).read_text(),
                            flags=re.M):
        for path in ([root / entry] if pathlib.Path(entry).suffix else
                     [root / (entry + ".ipynb"), root / (entry + ".md")]):
            if path.is_file():
                found.append(path)
                break
    return found


def zip_members(root=ROOT, toc=None, repository=""):
    """{name in the zip: bytes} of the notebooks' zip (see the module's docstring, 5)."""
    root = pathlib.Path(root)
    pages = toc_pages(root, toc or root / "_toc.yml")
    # The Markdown pages a page links to (references.md), and the pages those link to.
    todo, seen = list(pages), set(pages)
    while todo:
        text = todo.pop().read_text(encoding="utf-8")
        for name in _MD_LINK.findall(text):
            linked = root / "book" / name
            if linked.is_file() and linked not in seen:
                seen.add(linked)
                todo.append(linked)
    files = set(seen)
    files |= {p for p in (root / "backprop_lib").rglob("*.py") if "__pycache__" not in p.parts}
    files |= set((root / "backprop_lib" / "datasets").glob("*"))  # chapter 11's digits
    files |= {root / name for name in ZIP_FILES if (root / name).is_file()}
    members = {p.relative_to(root).as_posix(): p.read_bytes() for p in files}
    where = f" ({repository})" if repository else ""
    # pyproject.toml names README.md as the package's readme: pip needs the file.
    members["README.md"] = ZIP_README.format(where=where).encode()
    return members


def write_zip(dest, members, folder=ZIP_FOLDER):
    """Write members ({name: bytes}) into dest under one folder, the same bytes every time:
    sorted entries, a fixed timestamp and mode, deflate at level 9. Returns dest's size."""
    dest = pathlib.Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.create_system = 3  # Unix, so that the mode below means what it says
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, members[name], compresslevel=9)
    partial.replace(dest)
    return dest.stat().st_size


def repository_url(config=ROOT / "_config.yml"):
    """`repository: url:` of _config.yml, "" while unset."""
    import yaml

    data = yaml.safe_load(pathlib.Path(config).read_text()) or {}
    return str((data.get("repository") or {}).get("url") or "").strip()


# Where book/intro.md's run instructions take the repository's address: an HTML comment,
# which JupyterLab does not show. The build replaces it (source-read, below).
REPOSITORY_MARKER = "<!-- build_book: the repository's address, from _config.yml -->"


def repository_text(url):
    """The Markdown that stands for REPOSITORY_MARKER: nothing while no address is set."""
    if not url:
        return ""
    return (f"The source is also in the book's repository, <{url}>:\n\n"
            f"```bash\ngit clone {url} backprop-book && cd backprop-book\nmake lab\n```\n")


def zip_button(pathto):
    """The header button (sphinx-book-theme's header_buttons) that offers the zip."""
    return {"type": "link", "url": pathto(ZIP_URL, 1), "icon": "fas fa-download",
            "text": ".zip", "label": "download-notebooks-button",
            "tooltip": "Download the notebooks with the backprop_lib package they import, "
                       "its requirements and how to run them (one zip)"}


def _config_inited(app, config):
    url = repository_url()
    app.backprop_repository_url = url  # read by the two handlers below
    if url:
        # Jupyter Book's `repository:` and `html: use_repository_button` do not reach the
        # theme, whose options _config.yml sets in full under sphinx: config:.
        config.html_theme_options["repository_url"] = url
        config.html_theme_options["use_repository_button"] = True


def _source_read(app, docname, source):
    if REPOSITORY_MARKER in source[0]:
        source[0] = source[0].replace(REPOSITORY_MARKER,
                                      repository_text(getattr(app, "backprop_repository_url", "")))


def _page_context(app, pagename, templatename, context, doctree):
    if "header_buttons" in context:
        context["header_buttons"].insert(0, zip_button(context["pathto"]))


def balanced_order(docnames, nproc, cost):
    """docnames reordered so that Sphinx's parallel reading, which cuts the list into fixed
    chunks in order (sphinx.util.parallel.make_chunks) and reads each chunk in one process,
    gives every chunk about the same total cost, the heaviest chunks first.

    Sorted by name (Sphinx's own order) the chunks were chapters 1-7 and the rest: 147 s
    of notebooks in one process, 103 s in the other, which then sat idle. cost(docname) is
    a guess of a page's reading time (build_book uses its source's size: executing the
    notebook is nearly all of it); the same pages are read, only in another order.
    """
    from sphinx.util.parallel import make_chunks

    sizes = [len(chunk) for chunk in make_chunks(list(docnames), nproc)]
    bins = [[] for _ in sizes]
    loads = [0.0] * len(sizes)
    for doc in sorted(docnames, key=lambda d: (-cost(d), d)):
        k = min((k for k in range(len(bins)) if len(bins[k]) < sizes[k]),
                key=lambda k: (loads[k], k))
        bins[k].append(doc)
        loads[k] += cost(doc)
    # make_chunks cuts the list at the same sizes: put each bin where a chunk of its size is
    order = sorted(range(len(bins)), key=lambda k: -loads[k])
    out = []
    for size in sizes:
        k = next(k for k in order if len(bins[k]) == size)
        order.remove(k)
        out += sorted(bins[k])
    return out


def _source_bytes(app, docname):
    try:
        return pathlib.Path(app.env.doc2path(docname)).stat().st_size
    except OSError:
        return 0


def _before_read(app, env, docnames):
    if app.parallel > 1 and len(docnames) > 5:  # Sphinx reads in parallel (its own rule)
        docnames[:] = balanced_order(docnames, app.parallel,
                                     lambda doc: _source_bytes(app, doc))


def setup(app):
    """Sphinx extension: the zip's button on every page and the repository's address, and
    the order in which the pages are read (balanced_order)."""
    app.connect("config-inited", _config_inited)
    app.connect("source-read", _source_read)
    app.connect("env-before-read-docs", _before_read)
    # After sphinx-book-theme's own header buttons (priority 501) have been listed.
    app.connect("html-page-context", _page_context, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def main(argv):
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="less output from Sphinx")
    parser.add_argument("--verbose", action="store_true",
                        help="print all of Sphinx's output (it is in _build/book.log anyway)")
    parser.add_argument("--toc", help="a table of contents other than _toc.yml")
    args = parser.parse_args(argv)
    return build(quiet=args.quiet, toc=args.toc, verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
