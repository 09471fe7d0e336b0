"""backprop_lib.heap: glibc's thresholds set once on import, a user's own choice left alone."""

import subprocess
import sys

import pytest

from backprop_lib import heap

GLIBC = sys.platform.startswith("linux") and subprocess.run(
    ["ldd", "--version"], capture_output=True, text=True).stdout.lower().count("glibc") > 0


def _in_fresh_process(env_extra):
    """keep_freed_memory()'s answer in a new interpreter (mallopt's effect is per process)."""
    import os

    env = {k: v for k, v in os.environ.items()
           if k not in ("BACKPROP_LIB_MALLOC", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")}
    env.update(env_extra)
    code = "from backprop_lib import heap; print(heap.keep_freed_memory())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True)
    return out.stdout.strip()


@pytest.mark.skipif(not GLIBC, reason="the thresholds are glibc's")
@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_sets_the_thresholds_on_glibc():
    assert _in_fresh_process({}) == "True"


@pytest.mark.parametrize("env", [{"BACKPROP_LIB_MALLOC": "default"},
                                 {"MALLOC_MMAP_THRESHOLD_": "131072"},
                                 {"MALLOC_TRIM_THRESHOLD_": "131072"}])
@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_a_users_own_choice_stands(env):
    assert _in_fresh_process(env) == "False"


def test_nothing_outside_linux(monkeypatch):
    monkeypatch.setattr(sys, "platform", "emscripten")  # Pyodide, in the reader's browser
    assert heap.keep_freed_memory() is False

