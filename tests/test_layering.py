"""The numerical core needs NumPy alone: importing it must not pull in plotting or widgets."""

import subprocess
import sys

CORE = [
    "backprop_lib", "backprop_lib.exercises", "backprop_lib.network", "backprop_lib.train",
    "backprop_lib.batchnorm", "backprop_lib.alternatives", "backprop_lib.surfaces",
]


def test_core_imports_no_matplotlib_or_ipywidgets():
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE)
        + "bad = [m for m in ('matplotlib', 'ipywidgets', 'IPython') if m in sys.modules]\n"
        + "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"the core imported {out.stdout.strip()}"
