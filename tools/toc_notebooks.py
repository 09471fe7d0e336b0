"""Print the notebooks listed in _toc.yml, one per line (for `make test` and friends).

Reads the file as text so that it needs nothing beyond the standard library.
"""

import pathlib
import re

root = pathlib.Path(__file__).resolve().parent.parent
toc = (root / "_toc.yml").read_text()
for entry in re.findall(r"^\s*-?\s*(?:file|root):\s*(\S+)", toc, flags=re.M):
    path = root / (entry if entry.endswith(".ipynb") else entry + ".ipynb")
    if path.exists():
        print(path.relative_to(root))
