"""The notebooks in a real JupyterLab, as a learner opens them, and `make lab` (tools/lab.py).

tools/lab.py is started as `make lab` starts it (as root it must add --allow-root; with
--no-browser it must print the address to open), on a free port with private settings,
runtime and data folders, serving a copy of book/ so that nothing run or saved here touches
the committed notebooks. Then, in headless Chromium through Playwright:
- every notebook of _toc.yml opens; its rendered Markdown shows no raw MyST markup (roles
  such as {glue:text} or {ref}, ```{directive} fences, ::: blocks), reported cell by cell;
  every image renders (naturalWidth > 0); every live figure shows its fallback PNG and its
  description in words, and no dead widget view;
- chapter 04_l_layers runs (Run All, kernel idle, no error output); its first live figure
  has hidden the fallback above it, draws at twice its displayed width, and one ArrowRight
  on a slider changes its image and caption;
- a solution cell shows its code once its collapsed input is clicked;
- saved, kernel shut down, reopened with a new kernel: the figure shows its fallback PNG.

Needs Chromium: Debian's package (`apt-get install chromium`) at /usr/bin/chromium.
Without it this module is skipped, except under CI=true, where it fails.
BACKPROP_LAB_SHOTS=DIR saves screenshots (at device scale 2) there.
"""

from __future__ import annotations

import json
import os
import pathlib
import queue
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import lab  # noqa: E402  (tools/lab.py)

IN_CI = os.environ.get("CI", "").lower() == "true"
# Tests that start JupyterLab (slow) and drive it in Chromium (browser); `make fast` skips
# them, and runs the two checks of tools/lab.py's command line.
SLOW = pytest.mark.slow  # the browser tests carry browser and slow
SHOTS = os.environ.get("BACKPROP_LAB_SHOTS")
# Debian's package (`apt-get install chromium`); another Chromium on PATH also works.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
INTERACTIVE = "04_l_layers.ipynb"


def toc_notebooks():
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "toc_notebooks.py")],
                         capture_output=True, text=True, check=True).stdout.split()
    return [pathlib.Path(p).name for p in out]


# ------------------------------------------------------------------ tools/lab.py, no server


def test_lab_adds_allow_root_only_for_root():
    as_root = lab.command(["--port", "9999", "--no-browser"], euid=0)
    as_user = lab.command(["--port", "9999", "--no-browser"], euid=1000)
    assert "--allow-root" in as_root and "--allow-root" not in as_user
    assert as_user[-3:] == ["--port", "9999", "--no-browser"]  # passed through in order
    assert as_user[:4] == [sys.executable, "-m", "jupyterlab", str(ROOT / "book")]
    assert lab.command(["--allow-root"], euid=0).count("--allow-root") == 1
    assert lab.command(["--book-dir", "/tmp/x", "--port", "1"], euid=1000)[3:] == \
        ["/tmp/x", "--port", "1"]
    with pytest.raises(SystemExit, match="--book-dir needs a folder"):
        lab.command(["--book-dir"])


def test_lab_finds_the_address_in_the_server_log():
    line = "        http://127.0.0.1:8888/lab?token=abc123"
    assert lab.pick_url(line) == "http://127.0.0.1:8888/lab?token=abc123"
    assert lab.pick_url("[I ServerApp] Jupyter Server 2.21.1 is running at:") is None
    assert lab.pick_url("see https://jupyter.org for help") is None


# ------------------------------------------------------------------ the server


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def private_env(home):
    """Environment for a JupyterLab that shares no state with the user's own."""
    env = dict(os.environ)
    for name, sub in (("JUPYTERLAB_SETTINGS_DIR", "settings"),
                      ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
                      ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTER_DATA_DIR", "data"),
                      ("IPYTHONDIR", "ipython")):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(home / sub)
    env.pop("BACKPROP_BOOK_STATIC", None)
    settings = {
        # Every cell in the DOM (no windowing), no autosave, no news prompt.
        "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
        "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
        "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                        "checkForUpdates": False},
    }
    for name, value in settings.items():
        path = home / "settings" / (name + ".jupyterlab-settings")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    return env


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """tools/lab.py on a copy of book/: (base URL, token, the address line it printed)."""
    home = tmp_path_factory.mktemp("lab")
    book = home / "book"
    shutil.copytree(ROOT / "book", book, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    port = free_port()
    log = open(home / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tools" / "lab.py"), "--book-dir", str(book), "--port",
         str(port), "--ip", "127.0.0.1", "--no-browser", "--LabApp.expose_app_in_browser=True"],
        cwd=ROOT, env=private_env(home), stdout=subprocess.PIPE, stderr=log, text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
    printed, address = [], None
    deadline = time.monotonic() + 90
    while address is None and time.monotonic() < deadline and proc.poll() is None:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        printed.append(line)
        found = re.search(r"Open (http://\S+) in your browser", line)
        address = found and found.group(1)
    if address is None:
        proc.terminate()
        proc.wait(30)
        pytest.fail("tools/lab.py printed no address within 90 s; it printed:\n"
                    + "".join(printed) + "\nserver log:\n" + (home / "server.log").read_text())
    token = re.search(r"token=(\w+)", address).group(1)
    yield {"base": f"http://127.0.0.1:{port}", "token": token, "address": address,
           "printed": "".join(printed), "book": book, "proc": proc}
    proc.terminate()  # tools/lab.py passes SIGTERM on to the server
    try:
        proc.wait(30)
    finally:
        log.close()


def get_json(url, wait=15):
    """GET url as JSON, retrying while the server, which has printed its address, binds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                assert r.status == 200, (url, r.status)
                return json.load(r)
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@SLOW
def test_lab_starts_as_root_or_user_and_prints_the_address(server):
    assert server["address"].startswith(server["base"] + "/lab?token=")
    if os.geteuid() == 0:
        assert "--allow-root" in server["printed"]
    status = get_json(f"{server['base']}/api/status?token={server['token']}")
    assert "started" in status and "kernels" in status


# ------------------------------------------------------------------ the browser


@pytest.fixture(scope="module")
def app(server):
    """A JupyterLab page (window.jupyterapp exposed) in headless Chromium."""
    if not os.path.exists(CHROMIUM):
        message = (f"no Chromium at {CHROMIUM} for the JupyterLab test; install Debian's "
                   "package with `apt-get install chromium`")
        if IN_CI:
            pytest.fail(message + " (CI=true: this test must run)")
        pytest.skip(message)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is missing: install requirements-dev.txt")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900},
                                device_scale_factor=2 if SHOTS else 1)
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{server['base']}/lab?reset&token={server['token']}")
        page.wait_for_function("window.jupyterapp && window.jupyterapp.started", timeout=60_000)
        page.evaluate("window.jupyterapp.started")
        yield page, errors
        browser.close()


OPEN_JS = """async (path) => {
  const app = window.jupyterapp;
  await app.serviceManager.ready;
  const w = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  await w.context.ready;
  await w.revealed;
  app.shell.activateById(w.id);
  return w.id;
}"""

# Wait until every cell is in the DOM and every Markdown cell is rendered.
RENDERED_JS = """(id) => {
  const w = window.jupyterapp.shell.widgets ? null : null;
  const node = document.getElementById(id);
  if (!node) return false;
  const md = node.querySelectorAll('.jp-MarkdownCell').length;
  const done = node.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown').length;
  const imgs = [...node.querySelectorAll('.jp-OutputArea-output img, .jp-RenderedMarkdown img')];
  return md > 0 && md === done && imgs.every(i => i.complete);
}"""

REPORT_JS = """(id) => {
  const node = document.getElementById(id);
  const cells = [...node.querySelectorAll('.jp-Cell')];
  const markup = [];
  cells.forEach((cell, i) => {
    if (!cell.classList.contains('jp-MarkdownCell')) return;
    const r = cell.querySelector('.jp-RenderedMarkdown');
    if (!r) return;
    for (const code of r.querySelectorAll('pre code[class*="language-{"], pre[class*="{"]'))
      markup.push([i, 'fence ' + code.className + ': ' + code.textContent.slice(0, 60)]);
    for (const line of r.innerText.split('\\n'))
      if (/^\\s*(:::|```\\{|:(name|alt|label|language|pyobject|width|align):)/.test(line))
        markup.push([i, line.trim().slice(0, 80)]);
    markup.push(...[...r.innerText.matchAll(/.{0,30}\\{[a-z][\\w:-]*\\}.{0,30}/g)]
      .map(m => [i, m[0]]));
  });
  const images = [...node.querySelectorAll('.jp-OutputArea-output img, .jp-RenderedMarkdown img')]
    .map(img => ({cell: cells.findIndex(c => c.contains(img)), w: img.naturalWidth,
                  src: img.src.slice(0, 40)}));
  // Each live figure's outputs as committed: [style] [fallback PNG] [words] (the view is not
  // saved). JupyterLab drops the <style> of an untrusted notebook, so find them by words.
  const shown = (el) => !!el && getComputedStyle(el).display !== 'none' && el.offsetHeight > 0;
  const figures = [...node.querySelectorAll('.jp-OutputArea-child .bp-desc')].map(desc => {
    const words = desc.closest('.jp-OutputArea-child');
    const png = words.previousElementSibling, view = words.nextElementSibling;
    const img = png && png.querySelector('img');
    return {cell: cells.findIndex(c => c.contains(desc)),
            png: shown(png) && !!img && img.naturalWidth > 0,
            words: shown(words) ? words.innerText.trim().slice(0, 80) : '',
            deadView: shown(view) ? view.innerText.trim().slice(0, 60) : ''};
  });
  return {cells: cells.length, markup, images, figures};
}"""


def open_notebook(page, name):
    nid = page.evaluate(OPEN_JS, name)
    page.wait_for_function(RENDERED_JS, arg=nid, timeout=60_000)
    return nid


CLOSE_ALL_JS = """async () => {
  const app = window.jupyterapp;
  // Closing a notebook whose kernel is still starting makes JupyterLab throw ("Disposed"):
  // let each kernel come up first.
  for (const w of app.shell.widgets('main'))
    if (w.sessionContext) await w.sessionContext.ready;
  await app.commands.execute('application:close-all');
}"""


def close_all(page):
    page.evaluate(CLOSE_ALL_JS)


def shot(page, name):
    if SHOTS:
        pathlib.Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(pathlib.Path(SHOTS) / f"{name}.png"))


@pytest.fixture(scope="module")
def reports(app):
    """Every notebook of _toc.yml opened once: {name: what REPORT_JS found}."""
    page, _ = app
    out = {}
    for name in toc_notebooks():
        nid = open_notebook(page, name)
        out[name] = page.evaluate(REPORT_JS, nid)
        close_all(page)
    return out


@pytest.mark.parametrize("name", toc_notebooks())
@pytest.mark.browser
@pytest.mark.slow
def test_rendered_markdown_shows_no_raw_myst(reports, name):
    found = reports[name]["markup"]
    assert not found, (f"{name}: raw MyST markup visible in JupyterLab ({len(found)}):\n"
                       + "\n".join(f"  cell {i}: {text}" for i, text in found))


@pytest.mark.browser
@pytest.mark.slow
def test_every_image_renders_in_every_notebook(reports):
    broken = {name: [img for img in r["images"] if img["w"] == 0] for name, r in reports.items()}
    broken = {k: v for k, v in broken.items() if v}
    assert not broken, f"images that did not render: {broken}"
    assert sum(len(r["images"]) for r in reports.values()) > 10  # the figures were seen


@pytest.mark.browser
@pytest.mark.slow
def test_every_committed_figure_shows_its_image_and_its_words(reports):
    """Before Run All, a live figure is its fallback: the PNG and its description in words
    (the same words the HTML book prints under the figure), and no dead widget view."""
    figures = {name: r["figures"] for name, r in reports.items() if r["figures"]}
    assert sum(len(f) for f in figures.values()) > 5, f"too few live figures seen: {figures}"
    bad = {name: [f for f in found if not f["png"] or len(f["words"]) < 20 or f["deadView"]]
           for name, found in figures.items()}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, f"figures shown without their image or words, or with a dead view: {bad}"


RUN_ALL_JS = """async (id) => {
  const app = window.jupyterapp;
  app.shell.activateById(id);
  const w = app.shell.currentWidget;
  await w.sessionContext.ready;
  await app.commands.execute('notebook:run-all-cells');
}"""

IDLE_JS = """(id) => {
  const w = window.jupyterapp.shell.currentWidget;
  if (!w || w.id !== id) return false;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  if (!k || k.status !== 'idle') return false;
  const code = w.content.widgets.filter(c => c.model.type === 'code');
  return code.every(c => c.model.executionCount !== null)
    && !w.node.querySelector('.jp-InputPrompt')?.textContent.includes('*')
    && ![...w.node.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'));
}"""

FIGURE_JS = """(id) => {
  const node = document.getElementById(id);
  const live = node.querySelector('.bp-live');
  if (!live) return null;
  const img = live.querySelector('img.widget-image');
  const child = live.closest('.jp-OutputArea-child');
  const words = child && child.previousElementSibling;
  const prev = words && words.previousElementSibling;
  const hidden = (el) => !!el && getComputedStyle(el).display === 'none';
  return {src: img.src, natural: img.naturalWidth, shown: img.getBoundingClientRect().width,
          caption: live.querySelector('.widget-html-content p')?.textContent || '',
          fallbackHidden: hidden(prev) && !!prev.querySelector('img'),
          wordsHidden: hidden(words) && !!words.querySelector('.bp-desc'),
          errors: [...node.querySelectorAll('[data-mime-type="application/vnd.jupyter.error"]')]
            .map(e => e.innerText.slice(0, 300))};
}"""


@pytest.fixture(scope="module")
def ran(app, reports):
    """04_l_layers opened and run (Run All, kernel idle)."""
    page, _ = app
    nid = open_notebook(page, INTERACTIVE)
    page.evaluate(RUN_ALL_JS, nid)
    # A first-load race can show JupyterLab's "Select Kernel" dialog: accept its default.
    try:
        page.locator(".jp-Dialog .jp-mod-accept").click(timeout=2000)
    except Exception:
        pass
    page.wait_for_function(IDLE_JS, arg=nid, timeout=120_000, polling=500)
    page.wait_for_function("(id) => !!document.getElementById(id).querySelector("
                           "'.bp-live img.widget-image')", arg=nid, timeout=30_000)
    return page, nid


@pytest.mark.browser
@pytest.mark.slow
def test_interactive_chapter_runs_and_a_key_press_redraws_the_figure(ran):
    page, nid = ran
    before = page.evaluate(FIGURE_JS, nid)
    assert before is not None and not before["errors"], before
    assert before["fallbackHidden"], "the fallback PNG above the live figure is still shown"
    assert before["wordsHidden"], "the fallback's description above the live figure shows"
    assert before["natural"] >= 1.9 * before["shown"] > 0, before  # sharp on a 2x screen
    live = page.locator(f"#{nid} .bp-live").first
    live.scroll_into_view_if_needed()
    shot(page, "lab_04_live_figure")
    handle = live.locator(".widget-slider .noUi-handle").first
    handle.focus()
    page.keyboard.press("ArrowRight")
    # the image and the caption are two messages from the kernel: wait for both
    page.wait_for_function(
        "([id, src, cap]) => { const live = document.getElementById(id).querySelector("
        "'.bp-live'); const i = live.querySelector('img.widget-image'); const p = "
        "live.querySelector('.widget-html-content p'); return i && i.src !== src && "
        "i.complete && p && p.textContent !== cap; }",
        arg=[nid, before["src"], before["caption"]], timeout=15_000)
    after = page.evaluate(FIGURE_JS, nid)
    assert after["caption"] != before["caption"], (before["caption"], after["caption"])
    shot(page, "lab_04_after_arrow_right")


def solution_index(name):
    nb = json.loads((ROOT / "book" / name).read_text())
    for i, cell in enumerate(nb["cells"]):
        if "solution" in cell.get("metadata", {}).get("tags", []):
            return i, "".join(cell["source"]).strip().splitlines()
    pytest.fail(f"{name} has no cell tagged solution")


@pytest.mark.browser
@pytest.mark.slow
def test_a_solution_opens_when_its_placeholder_is_clicked(ran):
    page, nid = ran
    index, lines = solution_index(INTERACTIVE)
    cell = page.locator(f"#{nid} .jp-Cell").nth(index)
    cell.scroll_into_view_if_needed()
    editor = cell.locator(".jp-InputArea .cm-content")
    assert not editor.is_visible(), "the solution's code is visible before it is opened"
    cell.locator(".jp-InputPlaceholder").first.click()
    editor.wait_for(state="visible", timeout=10_000)
    text = editor.inner_text()
    assert lines[-1].strip()[:30] in text, (lines[-1], text[:200])
    shot(page, "lab_04_solution_opened")


@pytest.mark.browser
@pytest.mark.slow
def test_no_page_errors_while_reading_and_running(app, ran):
    # (before the save-and-shut-down test: JupyterLab itself may log errors while a
    # notebook closes as its kernel shuts down)
    _, errors = app
    assert not errors, errors


SAVE_AND_SHUT_JS = """async (id) => {
  const app = window.jupyterapp;
  app.shell.activateById(id);
  await app.commands.execute('docmanager:save');
  await app.commands.execute('kernelmenu:shutdown');
  await app.commands.execute('application:close-all');
}"""

# The outputs of code cell `index` (DOM order = notebook order): what each one shows.
OUTPUTS_JS = """([id, index]) => {
  const cell = document.getElementById(id).querySelectorAll('.jp-Cell')[index];
  return [...cell.querySelectorAll('.jp-OutputArea-child')].map(child => {
    const out = child.querySelector('.jp-OutputArea-output');
    const img = child.querySelector('img');
    return {mime: out && out.dataset.mimeType, text: child.innerText.trim().slice(0, 120),
            visible: getComputedStyle(child).display !== 'none' && child.offsetHeight > 0,
            img: img ? img.naturalWidth : null, desc: !!child.querySelector('.bp-desc')};
  });
}"""


def first_figure_cell(book, name):
    nb = json.loads((book / name).read_text())
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            if "application/vnd.jupyter.widget-view+json" in out.get("data", {}):
                return i
    return None


@pytest.mark.browser
@pytest.mark.slow
def test_saved_and_reopened_with_a_new_kernel_the_figure_shows_its_fallback(ran, server):
    page, nid = ran
    page.evaluate(SAVE_AND_SHUT_JS, nid)
    index = first_figure_cell(server["book"], INTERACTIVE)
    assert index is not None, "the saved notebook holds no widget view: nothing was tested"
    nid = open_notebook(page, INTERACTIVE)
    page.wait_for_timeout(3000)  # let the widget manager restore (nothing to restore)
    outputs = page.evaluate(OUTPUTS_JS, [nid, index])
    page.locator(f"#{nid} .jp-Cell").nth(index).scroll_into_view_if_needed()
    shot(page, "lab_04_reopened_fresh_kernel")
    shown = [o for o in outputs if o["visible"]]
    assert any(o["img"] for o in shown), f"no fallback image shows: {outputs}"
    words = [o for o in shown if o["desc"]]
    assert words and len(words[0]["text"]) > 20, f"no description under the fallback: {outputs}"
    assert not any("Loading widget" in o["text"] or "Error displaying" in o["text"]
                   for o in shown), f"a dead widget view shows: {outputs}"
