"""Build the HTML book into _build/html: `make book` runs this."""

import pathlib
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parent.parent
cmd = [sys.executable, "-m", "jupyter_book", "build", str(root), "--warningiserror", "--nitpick",
       "--keep-going"]
sys.exit(subprocess.call(cmd, cwd=root))
