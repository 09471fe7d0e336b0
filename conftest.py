"""pytest configuration shared by the tests and by strict nbval on the notebooks.

nbval compares every output of a notebook with the committed one, except images
(image/png is skipped: a PNG's bytes depend on the matplotlib and FreeType builds, not on
the book's numbers). Figures glued into the text with myst-nb's `glue` are stored under
another key, application/papermill.record/image/png, which nbval 0.11 would compare byte
for byte; treat them like every other image. Their text/plain record is still compared.
"""

import inspect
import os
import sys

import pytest

from tools import reproducible

# Set before this process imports NumPy (it reads the settings once, at import) and before
# nbval starts its kernels: the tests and the notebooks see the pinned kernels whatever
# started pytest, unless something imported NumPy before this file, which the run's header
# then says.
_PINNED_HERE = reproducible.is_applied() or "numpy" not in sys.modules
reproducible.apply()


def pytest_report_header(config):
    return ("kernels: NumPy and OpenBLAS pinned (tools/reproducible.py)" if _PINNED_HERE
            else "kernels: NumPy was imported before conftest.py, so this process's is not "
                 "pinned (nbval's kernels are); run `make test`")


def pytest_configure(config):
    """`make test-torch` sets BACKPROP_REQUIRE_TORCH=1: there a missing torch is an error,
    not the skip that `make test` (whose .venv has no torch) reports."""
    if os.environ.get("BACKPROP_REQUIRE_TORCH") == "1":
        try:
            import torch  # noqa: F401
        except ImportError as error:
            raise pytest.UsageError(
                f"BACKPROP_REQUIRE_TORCH=1 but torch cannot be imported ({error}); "
                "`make test-torch` installs it into .venv-bench") from error


def uses_torch(item):
    """True for a test of a module that imported torch (`torch = pytest.importorskip(...)`
    at the top) or whose own code calls pytest.importorskip("torch")."""
    module = getattr(item, "module", None)
    if getattr(getattr(module, "torch", None), "__name__", None) == "torch":
        return True
    function = getattr(item, "function", None)
    try:
        return function is not None and 'importorskip("torch")' in inspect.getsource(function)
    except (OSError, TypeError):
        return False


def pytest_collection_modifyitems(config, items):
    """Mark every test that needs torch `torch` (`make test-torch` runs `-m torch`), and
    collect the two browser tests (the book's, JupyterLab's) first.

    It is the longest file by far (it builds the whole book, then drives every page), and
    pytest-xdist hands out whole files: started last, it would run alone on one core at the
    end. `make test` passes --no-loadscope-reorder so that xdist keeps this order instead of
    starting with the files that hold the most tests.
    """
    for item in items:
        if uses_torch(item):
            item.add_marker(pytest.mark.torch)
    # the long ones that drive Chromium, started first
    long_files = ("test_browser.py", "test_lab.py", "test_accessibility.py")
    first = [item for name in long_files for item in items if item.path.name == name]
    if first:
        rest = [item for item in items if item.path.name not in long_files]
        items[:] = first + rest
