"""axe-core on the built HTML book: no "serious" or "critical" accessibility violation.

Every page of _build/html (served and visited as in tests/test_browser.py, network cut off)
is checked in light mode at desktop width; one chapter page is also checked in the theme's
dark mode and one at phone width (390 px). axe-core runs with its default rules (WCAG 2.0,
2.1 and 2.2 levels A and AA, and its best practices); a failure lists each serious or
critical finding with its rule, impact, target selector and an HTML snippet. Moderate and
minor findings are not failures.

axe-core is fetched at test time, never committed: `npm pack axe-core@AXE_VERSION` puts the
registry's tarball in a cache folder outside the repository (BACKPROP_AXE_CACHE, else
$XDG_CACHE_HOME/backprop-book or ~/.cache/backprop-book), and its sha512 must equal the
registry's integrity recorded below before axe.min.js is read from it. Without npm, or
when the registry cannot be reached, this module is skipped, except under CI=true, where
it fails.
"""

from __future__ import annotations

import base64
import collections
import fcntl
import hashlib
import io
import os
import pathlib
import shutil
import subprocess
import tarfile
import tempfile

import pytest
import test_browser
from test_browser import IN_CI, Visit, pages

# tests/test_browser.py's fixtures: Chromium, the built book, and a server for it.
chromium, book, server = test_browser.chromium, test_browser.book, test_browser.server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Pinned: a newer axe-core adds rules, so a new version is a deliberate change of this line
# (with the `dist.integrity` that `npm view axe-core@VERSION dist.integrity` prints).
AXE_VERSION = "4.14.1"
AXE_INTEGRITY = ("sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNN"
                 "tuFooJpZe37OgudVGtQ==")
FAILING_IMPACTS = ("serious", "critical")
# The pages checked beyond light mode at desktop width: a chapter with interactive
# players, formulas and exercises.
CHAPTER = "book/04_l_layers.html"


def _cache_dir():
    if os.environ.get("BACKPROP_AXE_CACHE"):
        return pathlib.Path(os.environ["BACKPROP_AXE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
    return pathlib.Path(base) / "backprop-book"


def _unavailable(message):
    if IN_CI:
        pytest.fail(message + " (CI=true: the accessibility test must run)")
    pytest.skip(message)


def _integrity(data):
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def _fetch(tarball):
    """`npm pack` the pinned axe-core into `tarball`'s folder (through a temporary name)."""
    npm = shutil.which("npm")
    if npm is None:
        _unavailable("npm not found: the accessibility test fetches axe-core with "
                     f"`npm pack axe-core@{AXE_VERSION}`; install Node.js and npm "
                     "(`apt-get install npm` on Debian/Ubuntu)")
    with tempfile.TemporaryDirectory(dir=tarball.parent) as tmp:
        try:
            done = subprocess.run([npm, "pack", f"axe-core@{AXE_VERSION}", "--silent",
                                   "--pack-destination", tmp], capture_output=True,
                                  text=True, timeout=300, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            _unavailable(f"`npm pack axe-core@{AXE_VERSION}` took over 300 s")
        packed = pathlib.Path(tmp) / tarball.name
        if done.returncode != 0 or not packed.is_file():
            _unavailable(f"`npm pack axe-core@{AXE_VERSION}` failed (exit {done.returncode}):"
                         f" {done.stderr.strip()[-1500:]}")
        os.replace(packed, tarball)


@pytest.fixture(scope="module")
def axe_source():
    """The text of axe.min.js from the pinned, integrity-checked axe-core tarball."""
    return _axe_source()


def axe_source_if_available():
    """axe_source's text, or None where that fixture would skip or fail (it says why)."""
    try:
        return _axe_source()
    except (pytest.skip.Exception, pytest.fail.Exception, AssertionError):
        return None


def _axe_source():
    cache = _cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    tarball = cache / f"axe-core-{AXE_VERSION}.tgz"
    with open(cache / ".axe.lock", "w") as lock:  # pytest-xdist workers fetch it once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not tarball.is_file():
            _fetch(tarball)
    data = tarball.read_bytes()
    found = _integrity(data)
    assert found == AXE_INTEGRITY, (
        f"{tarball} is not the registry's axe-core {AXE_VERSION} ({found} != "
        f"{AXE_INTEGRITY}); delete it to fetch it again")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return tar.extractfile("package/axe.min.js").read().decode("utf-8")


AXE_RUN_JS = """async (impacts) => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  const found = [];
  for (const v of results.violations)
    for (const node of v.nodes)
      found.push({rule: v.id, impact: node.impact || v.impact, help: v.help,
                  target: node.target.map(String).join(' '), html: node.html.slice(0, 200),
                  summary: (node.failureSummary || '').split('\\n').slice(1, 2).join('')
                           .trim().slice(0, 200)});
  return {found, version: axe.version, rules: results.passes.length + results.violations.length
          + results.incomplete.length + results.inapplicable.length};
}"""


def axe_findings(page, source):
    """Every axe-core violation on `page`, one dict per element: rule, impact, target, html."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(content=source)
    report = page.evaluate(AXE_RUN_JS, list(FAILING_IMPACTS))
    assert report["version"] == AXE_VERSION, report["version"]
    assert report["rules"] > 50, f"axe-core ran only {report['rules']} rules"
    return report["found"]


def page_findings(page, source):
    """axe_findings on a page as it loaded; for tests/test_browser.py's one visit of each
    page (shared_page_reports), which runs it before anything clicks or types there."""
    return axe_findings(page, source)


def failing(findings, where):
    return [f"{where}: {f['rule']} ({f['impact']}) at {f['target']}: {f['html']}"
            + (f"  -- {f['summary']}" if f["summary"] else "")
            for f in findings if f["impact"] in FAILING_IMPACTS]


def by_rule(findings):
    return dict(collections.Counter(f"{f['rule']} ({f['impact']})" for f in findings))


def test_no_serious_or_critical_violation_on_any_page(request, chromium, server, book,
                                                    axe_source):
    """On every page as it loaded (in the one visit of each page that the files of
    conftest.BOOK_PAGE_FILES share: tests/test_browser.py, shared_page_reports)."""
    rels = pages(book)
    assert len(rels) > 10, f"only {len(rels)} pages were found in {book}"
    reports = test_browser.shared_page_reports(request, chromium, server, book, need="axe")
    problems = test_browser.part_errors(reports, "axe")
    everything = []
    for rel in rels:
        if "axe" not in reports[rel]:
            if "axe" not in reports[rel]["errors"]:  # (else part_errors said why)
                problems.append(f"{rel}: axe-core did not run")
            continue
        everything += reports[rel]["axe"]
        problems += failing(reports[rel]["axe"], rel)
    print(f"axe-core {AXE_VERSION} on {len(rels)} pages, findings by rule: {by_rule(everything)}")
    assert not problems, f"{len(problems)} serious or critical findings:\n" + "\n".join(problems)


@pytest.mark.parametrize("scheme, width", [("dark", 1200), ("light", 390)])
def test_no_serious_or_critical_violation_dark_and_phone(chromium, server, book, axe_source,
                                                         scheme, width):
    assert (book / CHAPTER).is_file(), f"{CHAPTER} was not built"
    with Visit(chromium, server, color_scheme=scheme, width=width) as visit:
        page = visit.open(f"{server}/{CHAPTER}")
        assert page.evaluate("document.documentElement.dataset.theme") == scheme
        assert page.evaluate("window.innerWidth") == width
        problems = failing(axe_findings(page, axe_source), f"{CHAPTER} ({scheme}, {width} px)")
    assert not problems, f"{len(problems)} serious or critical findings:\n" + "\n".join(problems)


def test_the_check_finds_planted_violations(chromium, axe_source):
    """The harness can fail: faint text, an image without alt text and an unnamed button
    on a page are reported, each with its rule, impact and element; a clean page is not."""
    page = chromium.new_page()
    try:
        page.set_content("<!doctype html><html lang='en'><head><title>probe</title></head>"
                         "<body><main><h1>Probe</h1>"
                         "<p id='faint' style='color:#c8c8c8;background:#fff'>faint text</p>"
                         "<img id='bare' src='data:image/gif;base64,R0lGODlhAQABAAAAACw='>"
                         "<button id='mute'></button></main></body></html>")
        found = failing(axe_findings(page, axe_source), "probe")
        page.set_content("<!doctype html><html lang='en'><head><title>clean</title></head>"
                         "<body><main><h1>Clean</h1><p>dark text on white</p>"
                         "<img src='data:image/gif;base64,R0lGODlhAQABAAAAACw=' alt='a dot'>"
                         "</main></body></html>")
        clean = failing(axe_findings(page, axe_source), "clean")
    finally:
        page.close()
    assert any("color-contrast (serious) at #faint" in f for f in found), found
    assert any("image-alt (critical) at #bare" in f for f in found), found
    assert any("button-name (critical) at #mute" in f for f in found), found
    assert clean == [], clean
