"""Start JupyterLab on the book's notebooks: `make lab` runs this.

    .venv/bin/python tools/lab.py [options for jupyter lab ...]
    make lab LAB_ARGS="--port 9999 --no-browser"

Works for a user and for root (in a container JupyterLab refuses root unless told
--allow-root, which is added only then), with or without a display: once the server is up
this prints the address to open, token included, on a line of its own, whether or not a
browser window opened. Every argument goes to `jupyter lab` unchanged (--port, --ip,
--no-browser, --ServerApp.* settings). Ctrl+C stops the server.
"""

from __future__ import annotations

import os
import pathlib
import re
import signal
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
# The server prints its address as e.g. "http://127.0.0.1:8888/lab?token=abc..."
URL = re.compile(r"(https?://(?:127\.0\.0\.1|localhost|\[::1\]|[\w.-]+):\d+/\S*)")


def command(args, euid=None):
    """The jupyter lab command line for these extra arguments (euid: os.geteuid()).

    `--book-dir DIR` (read here, not passed on) serves DIR instead of book/: the tests
    serve a copy, so that nothing they run or save touches the committed notebooks.
    """
    args = list(args)
    folder = BOOK
    if "--book-dir" in args:
        i = args.index("--book-dir")
        if i + 1 >= len(args):
            raise SystemExit("--book-dir needs a folder: --book-dir PATH")
        folder = pathlib.Path(args[i + 1])
        del args[i:i + 2]
    euid = os.geteuid() if euid is None else euid
    cmd = [sys.executable, "-m", "jupyterlab", str(folder)]
    if euid == 0 and "--allow-root" not in args:
        cmd.append("--allow-root")
    return cmd + args


def pick_url(line):
    """The address a reader can open, from one line of the server's log (or None)."""
    found = URL.search(line)
    if not found or ("token=" not in found.group(1) and "/lab" not in found.group(1)):
        return None
    return found.group(1).rstrip(".,)")


def main(args=None, out=sys.stdout, err=sys.stderr):
    args = sys.argv[1:] if args is None else list(args)
    cmd = command(args)
    print(f"Starting JupyterLab on {cmd[3]}: jupyter lab " + " ".join(cmd[4:]), file=out,
          flush=True)
    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True, bufsize=1)

    # Ctrl+C reaches the server itself (same terminal); stop it on SIGTERM too.
    def forward(signum, frame):
        proc.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    told = False
    for line in proc.stderr:
        err.write(line)
        err.flush()
        url = None if told else pick_url(line)
        # JupyterLab lists the address twice (localhost and 127.0.0.1); the numeric one
        # works even where localhost resolves to IPv6 only.
        if url and ("127.0.0.1" in url or "localhost" not in url):
            told = True
            print(f"\n    Open {url} in your browser.\n"
                  "    (JupyterLab keeps running here; press Ctrl+C twice to stop it.)\n",
                  file=out, flush=True)
    return proc.wait()


if __name__ == "__main__":
    sys.exit(main())
