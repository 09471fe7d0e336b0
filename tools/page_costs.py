"""What each page of the built book costs its reader on first view: bytes and math time.

    .venv/bin/python tools/page_costs.py [--json]     # needs _build/html (make book)

Every page of _build/html is served on 127.0.0.1 and opened in headless Chromium with an
empty cache and every request to another host aborted (there should be none). Bytes on
first view: the page and everything it loaded by the time MathJax finished (scripts,
styles, fonts, the players' first frames and the neighbours they preload), as encoded on
the wire (Resource Timing's encodedBodySize). Math: milliseconds from the start of the
navigation until MathJax has typeset the page (its queue has run), or none for a page
without math. `make bench` calls this and writes the table into the benchmark appendix.
"""

from __future__ import annotations

import functools
import http.server
import json
import pathlib
import shutil
import sys
import threading

ROOT = pathlib.Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
# Headless Chromium on a closed network (tests/test_browser.py starts it the same way).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]

TYPESET_JS = """() => new Promise(done => {
  if (!window.MathJax || !window.MathJax.Hub) return done(null);
  MathJax.Hub.Queue(() => done(performance.now()));
})"""
BYTES_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  return performance.getEntriesByType('resource')
    .reduce((sum, e) => sum + e.encodedBodySize, nav ? nav.encodedBodySize : 0);
}"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without a log line per request (tests/test_browser.py uses it too)."""

    def log_message(self, *args):
        pass


def find_chromium():
    """Debian's Chromium on PATH, or None."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def pages(html=HTML):
    rels = (p.relative_to(html).as_posix() for p in html.rglob("*.html"))
    return sorted(r for r in rels if not r.startswith("_static") and r not in
                  ("index.html", "genindex.html", "search.html"))


def measure(html=HTML):
    """[{page, kB, math_ms, remote}] for every page, in a fresh browser context each."""
    from playwright.sync_api import sync_playwright

    browser_path = find_chromium()
    if browser_path is None:
        raise RuntimeError("no Chromium on PATH (Debian: apt-get install chromium)")
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(html)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
            for rel in pages(html):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                remote = []

                def route(r, remote=remote):
                    if r.request.url.startswith(origin) or r.request.url.startswith("data:"):
                        r.continue_()
                    else:
                        remote.append(r.request.url)
                        r.abort()

                context.route("**/*", route)
                page = context.new_page()
                page.goto(f"{origin}/{rel}", wait_until="load")
                math_ms = page.evaluate(TYPESET_JS)
                page.wait_for_timeout(200)  # the players' preloads after load
                rows.append({"page": rel, "kB": page.evaluate(BYTES_JS) / 1000,
                             "math_ms": math_ms, "remote": len(remote)})
                context.close()
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    return rows


def main(argv):
    if not (HTML / "index.html").exists():
        print("page_costs: no _build/html: run `make book` first", file=sys.stderr)
        return 2
    rows = measure()
    if "--json" in argv:
        print(json.dumps(rows))
    else:
        for r in rows:
            math = "no math" if r["math_ms"] is None else f"math typeset at {r['math_ms']:.0f} ms"
            print(f"{r['page']:45s} {r['kB']:8.0f} kB  {math}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
