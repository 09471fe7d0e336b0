"""The Python runtime of the HTML book's pages (Pyodide), installed and bundled offline.

Chapters "The chain rule" and "The worked 2-2-1 example" run the book's own standard-library
code in the reader's browser (see backprop_lib/figures/in_page_python.py). The runtime is
the npm package `pyodide` at VERSION (Python 3.14: the core and the standard library; no
NumPy, whose Pyodide wheels are on no registry this project reaches).

- `install()` (the `make book` step, stamped like .venv): `npm pack pyodide@VERSION` into a
  cache outside the repository (BACKPROP_PYODIDE_CACHE, else $XDG_CACHE_HOME or ~/.cache,
  /backprop-book/pyodide-VERSION), checks the tarball's sha512 against the registry's
  integrity recorded here, and unpacks the five files a page needs. Nothing third-party is
  committed. Without npm it says so in one line and returns None: the book then builds
  without the runtime and its pages keep their precomputed players and answer fields.
- `bundle(dest)` (the book build, no network): writes those files into dest as classic
  scripts. Chromium refuses fetch() and module imports from file://, so the runtime that
  works from disk is one that <script src> (or a worker's importScripts) can load:
  pyodide.asm.mjs becomes pyodide.asm.js (its `export default` a global), and the
  WebAssembly binary, the standard library's zip and the lock file become base64 strings
  in scripts; the page's loader hands them to Pyodide instead of fetching them. The same
  files serve http, so both ways of reading the book run the same bytes.

Usage: python tools/pyodide_runtime.py install [--quiet-without-npm] | bundle DEST | stamp
(stamp prints the file whose date says the runtime is installed, for make).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
import tempfile

VERSION = "314.0.7"
# `npm view pyodide@314.0.7 dist.integrity`: a new version is a deliberate change of both.
INTEGRITY = ("sha512-0YvXxEhfEdpLfb/XkM2BFAeMROq0iMUX2bzzH9pOttyMcWkwq+HbE5uyuGD82LN7y2q+SN"
             "vi/6V5JEsOlD2R1A==")
# What a page needs of the package (the rest: console pages, type stubs, source maps).
FILES = ("pyodide.js", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
         "pyodide-lock.json")
# The bundle's data scripts: (file of the package, the name the page's loader asks for).
EMBEDDED = ("pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
STAMP = ".installed"


def cache_dir() -> pathlib.Path:
    """Where the unpacked runtime lives: outside the repository, shared by its clones."""
    if os.environ.get("BACKPROP_PYODIDE_CACHE"):
        return pathlib.Path(os.environ["BACKPROP_PYODIDE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
    return pathlib.Path(base) / "backprop-book" / f"pyodide-{VERSION}"


def integrity(data: bytes) -> str:
    """npm's integrity string (sha512, base64) of some bytes."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def installed(cache=None):
    """The folder of the unpacked runtime, or None while it is not installed."""
    cache = pathlib.Path(cache) if cache else cache_dir()
    stamp = cache / STAMP
    if stamp.is_file() and stamp.read_text().strip() == INTEGRITY \
            and all((cache / name).is_file() for name in FILES):
        return cache
    return None


def unpack(tarball_bytes: bytes, cache) -> pathlib.Path:
    """Check the tarball against INTEGRITY and unpack FILES into cache (stamped last)."""
    if not isinstance(tarball_bytes, (bytes, bytearray)):
        raise TypeError(f"tarball_bytes must be bytes; got {type(tarball_bytes).__name__}")
    found = integrity(bytes(tarball_bytes))
    if found != INTEGRITY:
        raise ValueError(f"tarball_bytes is not the registry's pyodide {VERSION} "
                         f"({found} != {INTEGRITY})")
    cache = pathlib.Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(tarball_bytes), mode="r:gz") as tar:
        for name in FILES:
            data = tar.extractfile(f"package/{name}").read()
            partial = cache / (name + ".partial")
            partial.write_bytes(data)
            partial.replace(cache / name)
    (cache / STAMP).write_text(INTEGRITY + "\n")
    return cache


def install(cache=None, npm=None, quiet_without_npm=False):
    """Bring pyodide@VERSION into the cache (see the module's docstring). Returns the cache
    folder, or None with one line printed when npm is missing (unless quiet_without_npm:
    `make book`'s build then says it) or the fetch fails."""
    cache = pathlib.Path(cache) if cache else cache_dir()
    if installed(cache):
        (cache / STAMP).touch()  # newer than this file again: make's stamp is up to date
        return cache
    npm = npm or shutil.which("npm")
    if npm is None:
        if not quiet_without_npm:
            print(f"pyodide_runtime: npm not found, so the pages get no Python (pyodide "
                  f"{VERSION}); install Node.js and npm to add it")
        return None
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        try:
            done = subprocess.run([npm, "pack", f"pyodide@{VERSION}", "--silent",
                                   "--pack-destination", tmp], capture_output=True, text=True,
                                  timeout=600, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            print(f"pyodide_runtime: `npm pack pyodide@{VERSION}` took over 600 s; the pages "
                  "get no Python this time")
            return None
        packed = pathlib.Path(tmp) / f"pyodide-{VERSION}.tgz"
        if done.returncode != 0 or not packed.is_file():
            print(f"pyodide_runtime: `npm pack pyodide@{VERSION}` failed (exit "
                  f"{done.returncode}: {done.stderr.strip()[-300:]}); the pages get no Python")
            return None
        unpack(packed.read_bytes(), cache)
    print(f"pyodide_runtime: pyodide {VERSION} installed in {cache} (integrity checked)")
    return cache


def classic_asm(module_text: str) -> str:
    """pyodide.asm.mjs as a classic script: `export default` becomes the global
    bpCreatePyodideModule and import.meta.url (a syntax error outside modules) the base
    address the loader sets, bpPyodideBase."""
    if not isinstance(module_text, str):
        raise TypeError(f"module_text must be a str; got {type(module_text).__name__}")
    tail = "export default _createPyodideModule;"
    if module_text.count(tail) != 1:
        raise ValueError("module_text is not the pyodide.asm.mjs this bundler knows: it must "
                         f"end its module with {tail!r} exactly once")
    text = module_text.replace(tail, "globalThis.bpCreatePyodideModule=_createPyodideModule;")
    return text.replace("import.meta.url", "globalThis.bpPyodideBase")


def data_script(name: str, data: bytes) -> str:
    """A classic script that files `data` (base64) under `name` in self.bpPyodideFiles."""
    encoded = base64.b64encode(data).decode("ascii")
    return (f"(self.bpPyodideFiles=self.bpPyodideFiles||{{}})[{json.dumps(name)}]="
            f'"{encoded}";\n')


def bundle(dest, cache=None) -> int:
    """Write the page's runtime into dest (see the module's docstring); return its bytes."""
    source = installed(cache)
    if source is None:
        raise FileNotFoundError(f"pyodide {VERSION} is not installed in "
                                f"{pathlib.Path(cache) if cache else cache_dir()}: run "
                                "`python tools/pyodide_runtime.py install` (make book does)")
    dest = pathlib.Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "pyodide.js", dest / "pyodide.js")
    asm = classic_asm((source / "pyodide.asm.mjs").read_text(encoding="utf-8"))
    (dest / "pyodide.asm.js").write_text(asm, encoding="utf-8")
    for name in EMBEDDED:
        (dest / f"{name}.js").write_text(data_script(name, (source / name).read_bytes()),
                                         encoding="ascii")
    return sum(p.stat().st_size for p in dest.iterdir() if p.is_file())


#: The scripts a page loads, in order (the loader last needs the others' globals).
SCRIPTS = ("pyodide.js", "pyodide.asm.js", *(f"{name}.js" for name in EMBEDDED))


def main(argv):
    if argv[:1] == ["install"] and argv[1:] in ([], ["--quiet-without-npm"]):
        install(quiet_without_npm=bool(argv[1:]))
        return 0  # without npm the book still builds, and says what it left out
    if argv == ["stamp"]:
        print(cache_dir() / STAMP)
        return 0
    if argv[:1] == ["bundle"] and len(argv) == 2:
        print(f"pyodide_runtime: {bundle(argv[1]) / 1e6:.1f} MB written to {argv[1]}")
        return 0
    print("usage: python tools/pyodide_runtime.py install [--quiet-without-npm] | bundle DEST "
          "| stamp", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
