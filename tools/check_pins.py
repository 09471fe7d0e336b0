"""Check that constraints.txt installs on the oldest and the newest Python the project admits.

A pin can need a newer Python than the README promises (soupsieve 3.0.2 and later need
3.11.5, while Debian 12 ships 3.11.2). pip's resolver answers this without installing
anything: for each Python version below, it resolves requirements.txt and
requirements-dev.txt with -c constraints.txt from wheels only, as a machine with that
Python would. It also checks that every package the resolver picks is pinned, so that a
fresh clone installs exactly the versions the committed notebook outputs were made with.

It needs the package index (CI runs it; `make test` does not):

    python tools/check_pins.py            # the oldest admitted Python and NEWEST
    python tools/check_pins.py 3.12.1     # other versions
"""

import json
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The newest CPython that every pinned package has wheels for (NumPy 2.4 and matplotlib
# 3.10 have none for 3.15). Raise it with the pins; README.md names the same range.
NEWEST = "3.14.0"


def oldest_admitted():
    """The lowest version pyproject.toml's requires-python admits, e.g. '>=3.11' -> 3.11.0."""
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    match = re.fullmatch(r">=\s*(\d+)\.(\d+)(?:\.(\d+))?", spec.strip())
    if match is None:
        raise SystemExit(f"check_pins: cannot read a minimum from requires-python {spec!r}")
    major, minor, micro = match.groups()
    return f"{major}.{minor}.{micro or 0}"


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonical(name)] = version
    return pins


def resolve(python_version, requirements):
    """pip's resolution for that Python: {name: version}, or the error pip printed."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        # --target lets pip 23 accept --python-version; --dry-run writes nothing there.
        cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", "install",
               "--dry-run", "--ignore-installed", "--target", str(Path(tmp) / "target"),
               "--python-version", python_version, "--only-binary", ":all:",
               "-c", "constraints.txt", "-r", requirements, "--report", str(report), "-q"]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            lines = [ln for ln in done.stderr.splitlines() if "is ignored" not in ln]
            # pip names the versions it skipped for their Requires-Python: the likely cause.
            why = [ln for ln in lines if "different python version" in ln]
            return None, "\n".join(why + lines[-6:])
        picked = json.loads(report.read_text())["install"]
        return {canonical(p["metadata"]["name"]): p["metadata"]["version"]
                for p in picked}, ""


def main(versions):
    pins = pinned()
    failures = 0
    for version in versions:
        for requirements in ("requirements.txt", "requirements-dev.txt"):
            picked, error = resolve(version, requirements)
            if picked is None:
                failures += 1
                print(f"check_pins: FAIL Python {version}, {requirements}:\n{error}")
                continue
            unpinned = sorted(f"{n}=={v}" for n, v in picked.items() if n not in pins)
            if unpinned:
                failures += 1
                print(f"check_pins: FAIL Python {version}, {requirements}: not in "
                      f"constraints.txt: {', '.join(unpinned)}")
                continue
            print(f"check_pins: ok   Python {version}, {requirements}: "
                  f"{len(picked)} packages, all pinned")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or [oldest_admitted(), NEWEST]))
