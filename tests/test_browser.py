"""The built HTML book in a real headless Chromium, with the network cut off.

Builds the book with tools/build_book.py (or reuses a build newer than every source, except
under CI=true, which always builds afresh), serves _build/html on 127.0.0.1, and opens every
page through Playwright. On every page: no request leaves the page's own origin (each is
counted, and fails: the browser's proxy is a closed port), no console error, no failed
local load, MathJax typeset all math, no raw Markdown table or TeX shows in the text, and
every image in the article has a real alt text (not a file name) or a caption. Every
check of a page at desktop width in light mode, here and in the other files of
conftest.BOOK_PAGE_FILES (axe-core, the exercises' fields, the zip link), shares one
visit of it (shared_page_reports).
On every static player (backprop_lib.interactive): moving each control from the keyboard
changes the frame's image and its description; any two controls combine, and a third
resets the others visibly as backprop_lib.interactive.snap says. The book is
also opened straight from disk (file://) and a player driven there, and a player is checked
in the theme's dark mode.

Needs Chromium: Debian's package (`apt-get install chromium`) at /usr/bin/chromium.
Without it this module is skipped, except under CI=true, where it fails.
BACKPROP_REUSE_BUILD=1 tests whatever _build/html holds (not under CI); BACKPROP_REBUILD_BOOK=1
always rebuilds.
"""

from __future__ import annotations

import functools
import http.server
import os
import pathlib
import subprocess
import sys
import threading
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tools"))
from page_costs import CHROMIUM_ARGS, QuietHandler, find_chromium  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = pathlib.Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
SOURCES = ["book", "backprop_lib", "_config.yml", "_toc.yml", "_templates", "tools"]
IN_CI = os.environ.get("CI", "").lower() == "true"
# The network, cut: every request to another host goes to a proxy on a closed port of this
# machine and fails there (net::ERR_PROXY_CONNECTION_FAILED); Chromium never sends requests
# to 127.0.0.1 (the test's server) through a proxy, and file:// and data: URLs need none.
NETWORK_CUT = ["--proxy-server=127.0.0.1:9"]


@pytest.fixture(scope="module")
def chromium():
    path = find_chromium()
    if path is None:
        message = ("no Chromium found for the browser test of the HTML book; install one with "
                   "`apt-get install chromium` (Debian/Ubuntu) so that `chromium` is on PATH")
        if IN_CI:
            pytest.fail(message + " (CI=true: this test must run)")
        pytest.skip(message)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is missing: install requirements-dev.txt")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True,
                                    args=CHROMIUM_ARGS + NETWORK_CUT)
        yield browser
        browser.close()


def _newest_source():
    newest = 0.0
    for name in SOURCES:
        path = ROOT / name
        files = [path] if path.is_file() else path.rglob("*")
        for f in files:
            if f.is_file() and "__pycache__" not in f.parts and ".ipynb_checkpoints" not in f.parts:
                newest = max(newest, f.stat().st_mtime)
    return newest


@pytest.fixture(scope="module")
def book():
    """The built book's directory, built afresh unless a build newer than the sources exists.

    Under pytest-xdist several workers may reach this at once: a file lock lets one build
    while the others wait, and a run id written beside the build lets them reuse it (under
    CI too, where each test run builds once). A build that failed is not tried again in
    the same run: every module that needs the book fails with its output.
    """
    import fcntl

    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", f"pid-{os.getpid()}")
    (ROOT / "_build").mkdir(exist_ok=True)
    with open(ROOT / "_build" / ".browser-test.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp, run_file = HTML / "index.html", ROOT / "_build" / ".browser-test-run"
        built_by_this_run = run_file.exists() and run_file.read_text() == run
        fresh = stamp.exists() and (stamp.stat().st_mtime > _newest_source()
                                    or os.environ.get("BACKPROP_REUSE_BUILD") == "1")
        must = IN_CI or os.environ.get("BACKPROP_REBUILD_BOOK") == "1" or not fresh
        failed = ROOT / "_build" / ".browser-test-failed"  # this run's failed build, once
        if must and not built_by_this_run:
            if failed.exists() and failed.read_text().startswith(run + "\n"):
                raise AssertionError(failed.read_text()[len(run) + 1:] + "\n(in an earlier "
                                     "module of this run; not built again)")
            done = subprocess.run([sys.executable, str(ROOT / "tools" / "build_book.py"),
                                   "--quiet"], cwd=ROOT, capture_output=True, text=True)
            message = "the book did not build:\n" + done.stdout[-4000:] + done.stderr[-4000:]
            if done.returncode != 0:
                failed.write_text(run + "\n" + message)
            assert done.returncode == 0, message
            run_file.write_text(run)
        # conftest.py's scheduler hands out the other files that need the book once this
        # says that this run's book is there (built or reused)
        (ROOT / "_build" / ".browser-test-ready").write_text(run)
    return HTML


@pytest.fixture(scope="module")
def server(book):
    handler = functools.partial(QuietHandler, directory=str(book))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def pages(book):
    """Every built page but index.html (a redirect, tested on its own)."""
    rels = (p.relative_to(book) for p in book.rglob("*.html"))
    return sorted(r.as_posix() for r in rels if r.parts[0] != "_static" and str(r) != "index.html")


class Visit:
    """One browser page with every request outside `origin` recorded; none reaches another
    host (the browser's proxy is a closed port, NETWORK_CUT)."""

    def __init__(self, browser, origin, color_scheme="light", width=1200):
        self.context = browser.new_context(color_scheme=color_scheme,
                                           viewport={"width": width, "height": 900})
        self.remote, self.errors = [], []
        self.origin = origin
        # Watched, not intercepted: Playwright's routing turns the browser's cache off, and
        # every page would fetch and compile MathJax and the theme's scripts again (a third
        # more of Chromium's time per page, measured over the book's 16 pages).
        self.context.on("request", self._request)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        self.page.on("response", self._response)

    def _request(self, request):
        url = request.url
        if not (url.startswith(self.origin) or url.startswith("data:")):
            self.remote.append(url)

    def _console(self, msg):
        url = msg.location.get("url", "")
        # Chromium asks the server for /favicon.ico by itself, the book declares no icon:
        # that 404 is no load of the page's (Playwright's routing used to keep it unseen)
        if msg.type == "error" and url != f"{self.origin}/favicon.ico":
            self.errors.append(f"console error: {msg.text} ({url})")

    def _response(self, response):
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status} for {response.url}")

    def open(self, url, redirects_to=None):
        if redirects_to:
            with self.page.expect_navigation(url=redirects_to, wait_until="load"):
                self.page.goto(url)
        else:
            self.page.goto(url, wait_until="load")
        wait_for_math(self.page)
        return self.page

    def take_problems(self, where):
        """Remote requests and errors seen since the last call, as messages; then forget them."""
        found = []
        if self.remote:
            found.append(f"{where}: {len(self.remote)} remote requests: {self.remote[:5]}")
        if self.errors:
            found.append(f"{where}: {self.errors[:5]}")
        self.remote.clear()
        self.errors.clear()
        return found

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.context.close()


def wait_for_math(page):
    """Wait until MathJax has processed the page (if the page has math)."""
    if not page.evaluate("document.querySelectorAll('.math.notranslate').length"):
        return
    page.wait_for_function("() => !!(window.MathJax && window.MathJax.isReady)", timeout=20_000)
    page.evaluate("new Promise(done => MathJax.Hub.Queue(() => done(true)))")


def undescribed_images(page):
    """Images in the article with neither a real alt text (not a file name) nor a caption."""
    return page.evaluate("""() => [...document.querySelectorAll('article img')].filter(img => {
        const alt = (img.getAttribute('alt') || '').trim();
        const caption = img.closest('figure') && img.closest('figure').querySelector('figcaption');
        const real = alt.length > 0 && !/\\.(png|jpe?g|svg|gif)$/i.test(alt);
        return !real && !(caption && caption.textContent.trim());
    }).map(img => img.getAttribute('src') || '')""")


def math_report(page):
    """(math elements, typeset ones, MathJax errors) on the page."""
    return page.evaluate("""() => {
        // Sphinx marks math "math notranslate"; MathJax's own output has class "math" too.
        const all = [...document.querySelectorAll('.math.notranslate')];
        const done = all.filter(el => el.querySelector('.MathJax, .MathJax_Display, .MathJax_SVG'));
        const errors = document.querySelectorAll('.MathJax .merror, .MathJax_Error').length;
        return [all.length, done.length, errors];
    }""")


# Markdown and TeX that did not render, as a reader sees the text (code, typeset math and
# scripts left out): a table row still in pipes, a table rule, a stray $ or \( \), a TeX
# command. The ways these showed up before (chapter 8's table, chapter 9's formula).
RAW_MARKUP_JS = r"""() => {
  // innerText needs layout (a detached copy has no line breaks): hide what is left out.
  const style = document.createElement('style');
  style.textContent = 'pre, code, script, .MathJax, .MathJax_Display, .MathJax_Preview,'
    + ' .MathJax_SVG, mjx-container, .bp-player {display: none !important}';
  document.head.appendChild(style);
  const text = (document.querySelector('article') || document.body).innerText;
  style.remove();
  const found = [];
  const tex = /\$|\\[()[\]]|\\(frac|mathcal|sum|sigma|theta|big)\b/;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (/^\|.*\|.*\|$/.test(t)) found.push('raw table row: ' + t.slice(0, 80));
    else if (/\|\s*:?-{3,}:?\s*\|/.test(t)) found.push('raw table rule: ' + t.slice(0, 80));
    if (tex.test(t)) found.push('raw TeX: ' + t.slice(0, 100));
  }
  return found;
}"""


def raw_markup(page):
    return page.evaluate(RAW_MARKUP_JS)


def frame(player):
    img = player.locator("img")
    caption = player.locator(".bp-state").inner_text()
    return img.get_attribute("src"), img.get_attribute("alt"), caption


def loaded(player):
    """Wait until the player's current frame has loaded and decoded (a broken image fails)."""
    player.locator("img").evaluate(
        "el => el.decode().then(() => { if (!el.naturalWidth) throw new Error('empty frame'); })")


def drive_player(page, player):
    """Move every control of one player from the keyboard; return what changed per control."""
    results = {}
    controls = player.locator("input[type=range], select")
    for i in range(controls.count()):
        control = controls.nth(i)
        name = control.get_attribute("data-bp-name")
        before = frame(player)
        control.focus()
        if control.evaluate("el => el.tagName") == "SELECT":
            last = control.evaluate("el => el.selectedIndex === el.options.length - 1")
        else:
            last = control.evaluate("el => el.value === el.max")
        page.keyboard.press("ArrowLeft" if last else "ArrowRight")
        loaded(player)
        after = frame(player)
        results[name] = (before, after)
        page.keyboard.press("ArrowRight" if last else "ArrowLeft")  # back to the default
    return results


def solution_report(page):
    """For each exercise solution on the page: (hidden at first, shown after a click on it,
    what its toggle said)."""
    solutions = page.locator(".tag_solution")
    report = []
    for i in range(solutions.count()):
        cell = solutions.nth(i)
        code = cell.locator(".cell_input pre").first
        hidden_first = not code.is_visible()
        shown, toggle = None, cell.locator("summary").first.inner_text().strip()
        if hidden_first:
            cell.locator("summary").first.click()
            shown = code.is_visible()
        report.append((hidden_first, shown, toggle))
    return report


def player_report(page):
    """For each player on the page, what each control changed (drive_player)."""
    players = page.locator("figure.bp-player")
    report = []
    for k in range(players.count()):
        player = players.nth(k)
        player.scroll_into_view_if_needed()
        report.append(drive_player(page, player))
    return report


# ------------------------------------------------------------------ one visit of every page

# Opening a page costs seconds of Chromium's time (MathJax typesets it), so every check of a
# page at desktop width, in light mode, over http, shares one visit: this file's, and those
# of the other files of conftest.BOOK_PAGE_FILES, in two halves for two workers.
# Each part is (the file whose tests read it, the pages it applies to, what it does with
# the page); they run in this order on the page as it loaded: axe-core first (the fresh
# page, as a reader gets it), what only reads, then what types, clicks and moves.
def _parts(collected, need):
    """{part: (pages it applies to, what it does with a page)} for this session: this file's
    parts, and those of the other BOOK_PAGE_FILES it collected (or `need`)."""
    import test_accessibility
    import test_browser_exercises
    import test_download

    every = lambda rel: True  # noqa: E731
    parts = {
        "axe": ("test_accessibility.py", every, test_accessibility.page_findings),
        "zip": ("test_download.py", test_download.is_book_page, test_download.zip_link),
        "math": (None, every, math_report),
        "undescribed": (None, every, undescribed_images),
        "raw": (None, every, raw_markup),
        "exercises": ("test_browser_exercises.py", test_browser_exercises.is_chapter,
                      test_browser_exercises.exercise_report),
        "solutions": (None, every, solution_report),
        "players": (None, every, player_report),
        "pairs": (None, every, pair_report),
    }
    parts = {name: (applies, run) for name, (owner, applies, run) in parts.items()
             if owner is None or owner in collected or name == need}
    if "axe" in parts:  # axe-core's own source, or no such part (its fixture says why)
        source = test_accessibility.axe_source_if_available()
        if source is None:
            del parts["axe"]
        else:
            parts["axe"] = (every, functools.partial(test_accessibility.page_findings,
                                                     source=source))
    return parts


_SHARED = {}  # (book, its build's time, the parts) -> the reports, for this process


def _halves(book):
    """The pages in two halves for two processes, the same in every process: index.html (the
    redirect) and then every other page of pages(book), and the rest."""
    rels = ["index.html", *pages(book)]
    return rels[0::2], rels[1::2]


def _visit_pages(chromium, server, book, rels, parts):
    """{page: report} for the pages `rels`, each opened once (see shared_page_reports)."""
    reports = {}
    with Visit(chromium, server) as visit:
        for rel in rels:
            if rel == "index.html":
                visit.open(f"{server}/index.html", redirects_to="**/book/*.html")
                reports[rel] = {"problems": visit.take_problems(rel), "errors": {}}
                continue
            report = reports[rel] = {"errors": {}}
            try:
                page = visit.open(f"{server}/{rel}")
            except Exception as error:  # noqa: BLE001 (each part's tests report it)
                page, opening = None, f"opening the page: {type(error).__name__}: {error}"
            for name, (applies, run) in parts.items():
                if not applies(rel):
                    continue
                try:
                    if page is None:
                        raise RuntimeError(opening)
                    report[name] = run(page)
                except Exception as error:  # noqa: BLE001 (reported by the part's tests)
                    report["errors"][name] = f"{type(error).__name__}: {error}"
            report["problems"] = visit.take_problems(rel)
    return reports


def shared_page_reports(request, chromium, server, book, need=None):
    """{page: {part: what it found, ..., "problems": [...], "errors": {part: message}}} for
    every page of `book` (and "index.html", the redirect), each opened once.

    The parts are this file's and those of the other BOOK_PAGE_FILES that this session
    collected (`need` among them): tests/test_accessibility.py's axe-core findings (when
    axe-core is at hand; its own fixture skips or fails otherwise), tests/test_download.py's
    zip link, tests/test_browser_exercises.py's fields. Problems (remote requests, console
    errors, failed loads) are taken after every part, so anything one of them triggers is
    counted. A part that raises is recorded in "errors" (its tests fail on it) and the
    others still run.

    The pages come in two halves (_halves), and the processes of one test run share them:
    conftest.py hands the BOOK_PAGE_FILES to pytest-xdist as two units, so both workers ask
    at about the same time. Each process visits every half that no other is visiting (a
    lock per half under _build/.page-reports/<run>) and saves it there; then it waits for
    and reads the halves the others visited. Alone, a process visits both. The first file
    of a process to ask computes the reports; the others of the same process reuse them.
    """
    import fcntl
    import pickle
    import shutil

    stamp = (book / "index.html").stat().st_mtime_ns
    for (where, built, names), reports in _SHARED.items():
        if where == book and built == stamp and (need is None or need in names):
            return reports
    parts = _parts({item.path.name for item in request.session.items}, need)
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", f"pid-{os.getpid()}")
    root = ROOT / "_build" / ".page-reports"
    folder = root / f"{run}-{stamp}-{'-'.join(sorted(parts))}"
    folder.mkdir(parents=True, exist_ok=True)
    for old in root.iterdir():  # other runs' halves, an hour old or more
        if old != folder and time.time() - old.stat().st_mtime > 3600:
            shutil.rmtree(old, ignore_errors=True)
    reports, waiting = {}, []

    def visit_and_save(k, half):
        got = _visit_pages(chromium, server, book, half, parts)
        part = folder / f"{k}.pkl"
        part.with_suffix(".tmp").write_bytes(pickle.dumps(got))
        part.with_suffix(".tmp").replace(part)
        return got

    for k, half in enumerate(_halves(book)):
        lock = open(folder / f"{k}.lock", "w")  # noqa: SIM115 (held across the visits)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another process is visiting this half
            waiting.append((k, half, lock))
            continue
        with lock:
            saved = folder / f"{k}.pkl"
            reports.update(pickle.loads(saved.read_bytes()) if saved.exists()
                           else visit_and_save(k, half))
    for k, half, lock in waiting:
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # until the other process has saved its half
            saved = folder / f"{k}.pkl"
            reports.update(pickle.loads(saved.read_bytes()) if saved.exists()
                           else visit_and_save(k, half))  # it stopped before saving
    reports = {rel: reports[rel] for rel in ["index.html", *pages(book)]}  # the page order
    _SHARED[(book, stamp, frozenset(parts))] = reports
    return reports


def part_errors(reports, *names):
    """Messages for the parts `names` that raised on some page."""
    return [f"{rel}: {name} raised {r['errors'][name]}" for rel, r in reports.items()
            for name in names if name in r.get("errors", {})]


@pytest.fixture(scope="module")
def page_reports(request, chromium, server, book):
    """Every page opened once, with what the per-page tests below check (shared_page_reports)."""
    return shared_page_reports(request, chromium, server, book)


# ------------------------------------------------------------------------------ the tests


def test_every_page_offline_without_errors_with_math(page_reports):
    problems = part_errors(page_reports, "math", "undescribed")
    for rel, report in page_reports.items():
        problems += report["problems"]
        if "math" not in report:  # index.html: a redirect
            continue
        total, typeset, errors = report["math"]
        if typeset != total or errors:
            problems.append(f"{rel}: {typeset} of {total} math elements typeset, "
                            f"{errors} MathJax errors")
        for src in report["undescribed"]:
            problems.append(f"{rel}: image without alt text or caption: {src[:80]}")
    assert len(page_reports) > 10, f"only {len(page_reports)} pages were visited"
    assert not problems, "\n".join(problems)


def test_no_page_shows_raw_markdown_tables_or_tex(page_reports):
    found = part_errors(page_reports, "raw")
    found += [f"{rel}: {what}" for rel, r in page_reports.items() for what in r.get("raw", [])]
    assert not found, "\n".join(found)


def test_the_raw_markup_scan_finds_what_it_looks_for(chromium):
    page = chromium.new_page()
    page.set_content("<article><p>| case | largest |</p><p>|---|---|</p>"
                     "<p>a run-on e_k ,2N passes, whatever $P$ is</p><p>\\(x\\) and \\frac</p>"
                     "<pre>| code | stays |</pre><p>a norm ||dW1|| in words</p></article>")
    found = raw_markup(page)
    page.close()
    assert len(found) == 4, found  # two table lines, two lines of TeX; not the code or norm
    assert not any("code" in f or "norm" in f for f in found), found


def test_math_is_typeset_somewhere(page_reports):
    """At least one page has math (else the check above would pass vacuously)."""
    with_math = [rel for rel, r in page_reports.items() if r.get("math", (0,))[0]]
    assert with_math, "no page of the book has math"
    assert all(page_reports[rel]["math"][0] == page_reports[rel]["math"][1] for rel in with_math)


def player_pages(book):
    return [rel for rel in pages(book) if 'class="bp-player"' in (book / rel).read_text("utf-8")]


def test_every_control_of_every_player_changes_its_figure(page_reports, book):
    rels = player_pages(book)
    # nine chapters show players: none found means the markup changed, not a book without them
    assert rels, "no page of the book has an interactive figure (class=\"bp-player\")"
    problems = part_errors(page_reports, "players")
    for rel in rels:
        players = page_reports[rel].get("players", [])
        if not players:
            problems.append(f"{rel}: its HTML has a player, but none was found on the page")
        for k, changes in enumerate(players):
            if not changes:
                problems.append(f"{rel} player {k}: no control found")
            for name, (before, after) in changes.items():
                if before[0] == after[0]:
                    problems.append(f"{rel} player {k}: control {name} left the image as it was")
                if before[1] == after[1] or after[1] != after[2]:
                    problems.append(f"{rel} player {k}: control {name} did not update the "
                                    "alt text and the caption together")
    assert not problems, "\n".join(problems)


SPEC_OF = ("el => JSON.parse(el.querySelector('script[type=\"application/json\"]')"
           ".textContent)")


# Set controls one after another as a reader's input does (value, then an input and a change
# event; the player's handlers run at once), then read what the player shows: one round trip
# to the browser per move instead of one per control and per reading.
APPLY_JS = """(el, moves) => {
  const inputs = el.querySelectorAll('[data-bp-name]');
  for (const [i, v] of moves) {
    inputs[i].value = String(v);
    inputs[i].dispatchEvent(new Event('input', {bubbles: true}));
    inputs[i].dispatchEvent(new Event('change', {bubbles: true}));
  }
  const outputs = Object.fromEntries(Array.from(el.querySelectorAll('output[data-bp-for]'))
    .map(o => [o.dataset.bpFor, o.textContent]));
  const notes = el.querySelectorAll('.bp-note');
  if (notes.length !== 1) throw new Error(notes.length + ' notes in one player');
  return [Array.from(inputs).map(c => parseInt(c.value, 10)), outputs,
          notes[0].innerText.trim(), el.querySelector('img').getAttribute('src')];
}"""


def _apply(player, spec, moves):
    """Make the moves [(control index, value index), ...] in order; return (control indices,
    note, frame src) as the player then shows them, after checking that every slider's
    output shows its value's label."""
    values, outputs, note, src = player.evaluate(APPLY_JS, [list(m) for m in moves])
    for c, v in zip(spec["controls"], values, strict=True):
        if c["kind"] != "choice":
            assert outputs[c["name"]] == c["labels"][v], (c["name"], outputs, v)
    return values, note, src


def _off_default(c, other=False):
    """An index other than the default: the first or the last (the other end with other)."""
    ends = [0, len(c["labels"]) - 1]
    ends = ends[::-1] if other else ends
    return ends[0] if ends[0] != c["default"] else ends[1]


def _index_controls(spec):
    """The player's controls as ia controls over indices, for ia.snap (same rule as the JS)."""
    from backprop_lib import interactive as ia

    controls = [ia.Slider(c["name"], list(range(len(c["labels"]))), default=c["default"])
                for c in spec["controls"]]
    return controls, tuple(c["name"] for c in spec["controls"] if c["joint"])


def pair_report(page):
    """For the players on the page: set control i off its default, then control j: both
    stay (every pair was computed). Then a third control k: k and j stay, the others go back
    to their defaults as ia.snap says, the controls show it, and the note names the reset
    controls (no "run" in it). Chapter 3's stepper: step 6, then a new learning rate, keeps
    step 6. Returns {"problems", "pairs", "thirds", "stepper"}."""
    from backprop_lib import interactive as ia

    problems, pairs, thirds, stepper = [], 0, 0, False
    players = page.locator("figure.bp-player")
    for k in range(players.count()):
        player = players.nth(k)
        spec = player.evaluate(SPEC_OF)
        ctl = spec["controls"]
        movable = [i for i, c in enumerate(ctl) if len(c["labels"]) > 1]
        where = f"player {k}"
        reset = [(i, ctl[i]["default"]) for i in movable]  # every movable control, in order

        for i in movable:
            for j in movable:
                if i == j:
                    continue
                vi, vj = _off_default(ctl[i]), _off_default(ctl[j], other=True)
                values, note, src = _apply(player, spec, [*reset, (i, vi), (j, vj)])
                pairs += 1
                if values[i] != vi or values[j] != vj or note:
                    problems.append(f"{where}: {ctl[i]['name']} then {ctl[j]['name']}"
                                    f" gave {values}, note {note!r}")
                    continue
                key = ",".join(map(str, values))
                if src != spec["frames"][key]["src"]:
                    problems.append(f"{where}: frame {key} not shown")
                third = [m for m in movable if m not in (i, j)]
                if not third:
                    continue
                m = third[0]
                vm = _off_default(ctl[m])
                before = values
                values, note, _ = _apply(player, spec, [(m, vm)])
                thirds += 1
                controls, joint = _index_controls(spec)
                names = [c["name"] for c in ctl]
                expected = ia.snap(dict(zip(names, [*before[:m], vm, *before[m + 1:]],
                                    strict=True)),
                                   names[m], controls, joint,
                                   moved=[*(names[x] for x in movable if x != i and
                                            x != j), names[i], names[j]])
                expected = [expected[n] for n in names]
                if values != expected or values[m] != vm or values[j] != vj:
                    problems.append(f"{where}: {names[i]}, {names[j]}, then {names[m]}"
                                    f" gave {values}, expected {expected}")
                reset_labels = [ctl[x]["label"] for x in range(len(ctl))
                                if values[x] != [*before[:m], vm, *before[m + 1:]][x]]
                if note != ia.snap_note(reset_labels) or (reset_labels and not note):
                    problems.append(f"{where}: note {note!r} for {reset_labels}")
                if "run " in note.lower():
                    problems.append(f"{where}: the note asks to run something: {note!r}")
        loaded(player)
        src, alt, caption = frame(player)
        if alt != caption:
            problems.append(f"{where}: alt and caption differ")
        names = [c["name"] for c in ctl]
        if "step" in names and "lr" in names:
            stepper = True
            s, lr = names.index("step"), names.index("lr")
            values, note, _ = _apply(player, spec, [*reset, (s, ctl[s]["labels"].index("6")),
                                                    (lr, _off_default(ctl[lr]))])
            if ctl[s]["labels"][values[s]] != "6" or note:
                problems.append(f"{where}: step 6 then a learning rate gave step "
                                f"{ctl[s]['labels'][values[s]]}, note {note!r}")
    return {"problems": problems, "pairs": pairs, "thirds": thirds, "stepper": stepper}


def test_any_two_controls_combine_and_a_third_resets_the_rest_visibly(page_reports, book):
    """pair_report on every page with a player, in the one visit of each page."""
    rels = player_pages(book)
    assert rels, "no page of the book has an interactive figure (class=\"bp-player\")"
    problems = part_errors(page_reports, "pairs")
    reports = [page_reports[rel]["pairs"] for rel in rels if "pairs" in page_reports[rel]]
    for rel in rels:
        problems += [f"{rel} {p}" for p in page_reports[rel].get("pairs", {}).get("problems", [])]
    pairs, thirds = sum(r["pairs"] for r in reports), sum(r["thirds"] for r in reports)
    assert pairs > 50 and thirds > 20, (pairs, thirds)  # the players were found and driven
    assert any(r["stepper"] for r in reports), \
        "chapter 3's stepper (controls step and lr) was not found"
    assert not problems, "\n".join(problems[:30])


def _rgb(css):
    return tuple(int(float(v)) for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3])


def _contrast(a, b):
    """WCAG 2 contrast ratio of two sRGB colours."""
    def luminance(rgb):
        c = [v / 255 for v in rgb]
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _corner_pixel(src, page_dir):
    """The top-left pixel of a frame (a data: URL or a file next to the page), as RGB."""
    import base64
    import io

    from PIL import Image

    if src.startswith("data:"):
        data = base64.b64decode(src.split(",", 1)[1])
    else:
        data = (page_dir / src).read_bytes()
    return Image.open(io.BytesIO(data)).convert("RGB").getpixel((0, 0))


def test_book_works_from_disk(chromium, book):
    """file://: index.html leads to the first page, and a player there still switches frames."""
    with Visit(chromium, "file://") as visit:
        page = visit.open((book / "index.html").as_uri(), redirects_to="**/book/*.html")
        total, typeset, _ = math_report(page)
        assert typeset == total
        rels = player_pages(book)
        assert rels, "no page of the book has an interactive figure (class=\"bp-player\")"
        page = visit.open((book / rels[0]).as_uri())
        player = page.locator("figure.bp-player").first
        for name, (before, after) in drive_player(page, player).items():
            assert before[0] != after[0], f"from file://, {name} did not change the image"
        assert not visit.remote, visit.remote
        assert not visit.errors, visit.errors


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_players_readable_in_light_and_dark_mode(chromium, server, book, scheme):
    rels = player_pages(book)
    # nine chapters show players: none found means the markup changed, not a book without them
    assert rels, "no page of the book has an interactive figure (class=\"bp-player\")"
    with Visit(chromium, server, color_scheme=scheme) as visit:
        page = visit.open(f"{server}/{rels[0]}")
        assert page.evaluate("document.documentElement.dataset.theme") == scheme
        player = page.locator("figure.bp-player").first
        # The frames carry their own opaque white background (the theme dims images a little
        # in dark mode); the controls and the caption take the theme's colours.
        assert player.locator("img").evaluate("el => getComputedStyle(el).backgroundColor") \
            not in ("transparent", "rgba(0, 0, 0, 0)")
        src = player.locator("img").get_attribute("src")
        assert _corner_pixel(src, (book / rels[0]).parent) == (255, 255, 255)
        # Text against the nearest opaque background behind it must reach WCAG AA contrast
        # (the theme puts HTML outputs on a light panel in dark mode; the player undoes it).
        for selector in (".bp-state", "label", "output", "select"):
            for el in player.locator(selector).all():
                color, background = el.evaluate("""el => {
                    let b = el;
                    while (b && ['transparent', 'rgba(0, 0, 0, 0)'].includes(
                        getComputedStyle(b).backgroundColor)) b = b.parentElement;
                    return [getComputedStyle(el).color,
                            b ? getComputedStyle(b).backgroundColor : 'rgb(255, 255, 255)'];
                }""")
                ratio = _contrast(_rgb(color), _rgb(background))
                assert ratio >= 4.5, (selector, color, background, ratio)
                # the panel takes the theme's background: no light slab on a dark page
                page_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
                assert _rgb(background) == _rgb(page_bg), (selector, background, page_bg)
        # the frame sits on no grey mat (the theme pads images in dark mode)
        assert player.locator("img").evaluate("el => getComputedStyle(el).padding") == "0px"
        assert not visit.errors, visit.errors


# At phone width: how far the page scrolls sideways, and each display equation that is
# wider than its box but cannot be scrolled there (its right-hand terms cut off).
PHONE_JS = """() => {
  const clipped = [];
  for (const box of document.querySelectorAll('article div.math')) {
    const shown = box.querySelector('.MathJax_Display') || box;
    const inner = shown.querySelector('span.math > span') || shown;
    const need = inner.getBoundingClientRect().width;
    const scrolls = ['auto', 'scroll'].includes(getComputedStyle(shown).overflowX)
      && shown.scrollWidth >= need - 1;
    if (need > shown.clientWidth + 1 && !scrolls)
      clipped.push(Math.round(need) + ' px in ' + shown.clientWidth + ' px: '
                   + box.textContent.trim().slice(0, 40));
  }
  // A figure shown narrower than its own width has its text below 10 px: it must keep its
  // size and scroll in its box instead.
  // (a frame whose text is larger may shrink to its data-min-width, where it reaches 10 px)
  const shrunk = [...document.querySelectorAll('article img[width]')].filter(img =>
    img.getBoundingClientRect().width < parseFloat(img.dataset.minWidth
                                                   || img.getAttribute('width')) - 1
  ).map(img => Math.round(img.getBoundingClientRect().width) + ' of '
        + img.getAttribute('width') + ' px: ' + (img.getAttribute('alt') || '').slice(0, 40));
  // ... and a frame that declares it fits (img.bp-fits) does fit: it does not scroll, its
  // hint hidden, with the right of it out of sight
  const unfit = [...document.querySelectorAll('article img.bp-fits')].filter(img =>
    img.getBoundingClientRect().width > img.parentElement.clientWidth + 1
  ).map(img => Math.round(img.getBoundingClientRect().width) + ' px in '
        + img.parentElement.clientWidth + ' px: ' + (img.getAttribute('alt') || '').slice(0, 40));
  // one swipe line under a figure: a player's own, never the page's as well
  const hints = [...document.querySelectorAll('article div.cell_output:has(.bp-player)')]
    .filter(o => getComputedStyle(o, '::after').content.includes('Swipe')).length;
  return {sideways: document.documentElement.scrollWidth - window.innerWidth, clipped, shrunk,
          unfit, hints};
}"""


def test_at_phone_width_wide_equations_scroll_in_their_box(chromium, server, book):
    """At 390 px no page scrolls sideways and no display equation is cut off: one wider
    than the screen scrolls inside its own box (chapter 3's backward pass lost its right
    column before). Figures and players keep their own size there (their text stays at
    10 px or more) and scroll in their box too."""
    found, wide = [], 0
    with Visit(chromium, server, width=390) as visit:
        for rel in pages(book):
            page = visit.open(f"{server}/{rel}")
            report = page.evaluate(PHONE_JS)
            wide += page.evaluate("""() => [...document.querySelectorAll(
                'article div.math .MathJax_Display')].filter(m => m.scrollWidth > m.clientWidth
                ).length""")
            if report["sideways"] > 0:
                found.append(f"{rel}: the page scrolls {report['sideways']} px sideways")
            found += [f"{rel}: equation cut off, {c}" for c in report["clipped"]]
            found += [f"{rel}: figure shrunk to {c}" for c in report["shrunk"]]
            found += [f"{rel}: a frame that fits a phone scrolls, {c}" for c in report["unfit"]]
            if report["hints"]:
                found.append(f"{rel}: {report['hints']} player(s) with a second swipe line")
    assert not found, "\n".join(found)
    assert wide > 0, "no equation is wider than a phone: the check above tested nothing"


def test_the_checks_catch_remote_requests_and_console_errors(chromium, server, book):
    """The harness itself: a remote fetch fails (the network is cut) and is counted, also to
    a host given by its address (no name to resolve), a console error is recorded."""
    with Visit(chromium, server) as visit:
        page = visit.open(f"{server}/{pages(book)[0]}")
        for url in ("https://cdn.example.org/x.js", "http://192.0.2.1/y.js"):
            got = page.evaluate("u => fetch(u).then(() => 'loaded', () => 'failed')", url)
            assert got == "failed", (url, got)
        page.evaluate("console.error('planted error')")
        # the browser's events reach Python on their own time: wait for them, not a while
        deadline = time.monotonic() + 10
        while len(visit.remote) < 2 or not visit.errors:
            assert time.monotonic() < deadline, (visit.remote, visit.errors)
            page.wait_for_timeout(20)
        problems = visit.take_problems("probe")
        assert visit.remote == [] and visit.errors == []
    assert any("https://cdn.example.org/x.js" in p for p in problems)
    assert any("http://192.0.2.1/y.js" in p for p in problems)
    assert any("planted error" in p for p in problems)


def test_exercise_solutions_start_collapsed_and_open_on_click(page_reports, book):
    """Every chapter's solutions are hidden until the reader asks (issue: exercises)."""
    rels = [rel for rel in pages(book) if "tag_solution" in (book / rel).read_text("utf-8")]
    assert len(rels) >= 10, f"solutions found on only {len(rels)} pages: {rels}"
    problems = part_errors(page_reports, "solutions")
    for rel in rels:
        solutions = page_reports[rel].get("solutions", [])
        if len(solutions) < 3:
            problems.append(f"{rel}: {len(solutions)} solutions, expected at least 3")
        for i, (hidden_first, shown, toggle) in enumerate(solutions, start=1):
            if toggle != "Show the solution":  # tools/a11y_markup.py, not "Show code cell"
                problems.append(f"{rel}: solution {i}'s toggle reads {toggle!r}")
            if not hidden_first:
                problems.append(f"{rel}: solution {i} is visible before any click")
            elif not shown:
                problems.append(f"{rel}: solution {i} stays hidden after a click")
    assert not problems, "\n".join(problems)
