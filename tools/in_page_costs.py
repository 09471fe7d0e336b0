"""What the pages' Python costs its reader: bytes, load time and one step in the page.

    .venv/bin/python tools/in_page_costs.py [--json]     # needs _build/html with Python

On chapter "The worked 2-2-1 example" of _build/html (tools/pyodide_runtime.py's runtime,
backprop_lib/figures/in_page_python.py's panels), in headless Chromium with the network
cut, served on 127.0.0.1 and opened from disk: the runtime's bytes (_build/html/pyodide),
the time from the first Run until Python answers (window.bpPython.loadMs: a worker over
http, the page itself from file://), the median of ROUNDS in-page steps of the worked
example at its own numbers, and ROUNDS runs of the XOR panel (300 training steps each).
`make bench` calls this and writes the table into the benchmark appendix.
"""

from __future__ import annotations

import functools
import http.server
import json
import pathlib
import statistics
import sys
import threading

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from page_costs import CHROMIUM_ARGS, HTML, QuietHandler, find_chromium  # noqa: E402

PAGE = "book/03_worked_example.html"
ROUNDS = 5
_RUN = """async kind => {
  const panel = document.querySelector(`.bp-python[data-bp-python=${kind}]`);
  const before = window.bpPython.calls.length;
  panel.querySelector('.bp-python-run').click();
  while (window.bpPython.calls.length === before) await new Promise(r => setTimeout(r, 5));
  return window.bpPython.calls[window.bpPython.calls.length - 1].ms;
}"""


def measure(browser, url):
    """{"mode", "load_s", "step_ms", "xor_ms"} on one visit of the page at url."""
    context = browser.new_context()
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
        ("http://127.0.0.1", "file://")) else r.abort())
    page = context.new_page()
    page.goto(url, wait_until="load")
    first = page.evaluate(_RUN, "worked")  # starts Python, then the first step
    steps = [page.evaluate(_RUN, "worked") for _ in range(ROUNDS)]
    xor = [page.evaluate(_RUN, "xor") for _ in range(ROUNDS)]
    mode, load_ms = page.evaluate("[window.bpPython.mode, window.bpPython.loadMs]")
    context.close()
    return {"mode": mode, "load_s": load_ms / 1e3, "first_ms": first,
            "step_ms": statistics.median(steps), "xor_ms": statistics.median(xor)}


def costs(html=HTML):
    runtime = pathlib.Path(html) / "pyodide"
    if not (runtime / "pyodide.asm.wasm.js").is_file():
        return None
    from playwright.sync_api import sync_playwright

    handler = functools.partial(QuietHandler, directory=str(html))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    out = {"bytes": sum(p.stat().st_size for p in runtime.iterdir() if p.is_file())}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=find_chromium(), headless=True,
                                        args=CHROMIUM_ARGS)
            out["http"] = measure(browser, f"http://127.0.0.1:{httpd.server_address[1]}/{PAGE}")
            out["file"] = measure(browser, (pathlib.Path(html) / PAGE).resolve().as_uri())
            browser.close()
    finally:
        httpd.shutdown()
    return out


def main(argv):
    found = costs()
    if "--json" in argv:
        print(json.dumps(found))
    elif found is None:
        print("in_page_costs: _build/html has no Python in its pages (make book with npm)")
    else:
        print(f"runtime {found['bytes'] / 1e6:.1f} MB")
        for how in ("http", "file"):
            r = found[how]
            print(f"{how}: Python in the {r['mode']} after {r['load_s']:.1f} s; one worked step "
                  f"{r['step_ms']:.1f} ms; XOR, 300 steps, {r['xor_ms']:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
