"""Re-execute notebooks in place in a fresh kernel and normalize what is stored.

    .venv/bin/python tools/run_notebooks.py book/03_worked_example.ipynb [...]
    (`make notebooks` runs it on every notebook of _toc.yml)

Run it after changing backprop_lib: the committed outputs are what strict nbval compares.
Normalizing keeps diffs small and outputs reproducible:
- execution counts renumbered 1, 2, ...; per-cell execution timestamps dropped;
- kernelspec and language_info reduced to their stable fields;
- live widget views and saved widget state dropped: they mean nothing without a kernel
  (the HTML book shows build-time players instead, and nbval skips widget views anyway),
  and they would bloat git; the text and image fallbacks of the same output are kept;
- the build-only environment variable BACKPROP_BOOK_STATIC is removed, so the committed
  outputs are the live ones;
- the kernels run with tools/reproducible.py's pinned NumPy and OpenBLAS kernels, so that
  the same outputs come out on every x86-64 machine.
"""

from __future__ import annotations

import os
import pathlib
import sys
import time

import nbformat
import reproducible
from nbclient import NotebookClient

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def normalize(nb) -> None:
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    count = 0
    for i, cell in enumerate(nb.cells):
        cell.setdefault("id", f"cell-{i}")
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        count += 1
        cell.execution_count = count
        kept = []
        for out in cell.outputs:
            if "execution_count" in out:
                out["execution_count"] = count
            data = out.get("data")
            if data is not None and WIDGET_VIEW in data:
                data.pop(WIDGET_VIEW)
                if not data:
                    continue
            kept.append(out)
        cell.outputs = kept


def run(path: pathlib.Path, timeout: int = 120) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    seconds = time.perf_counter() - start
    normalize(nb)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return seconds


def main(paths) -> int:
    os.environ.pop("BACKPROP_BOOK_STATIC", None)
    reproducible.apply()  # the kernels started below compute what strict nbval will see
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for p in paths:
        seconds = run(pathlib.Path(p))
        print(f"{p}: executed in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
