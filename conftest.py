"""pytest configuration shared by the tests and by strict nbval on the notebooks.

nbval compares every output of a notebook with the committed one, except images
(image/png is skipped: a PNG's bytes depend on the matplotlib and FreeType builds, not on
the book's numbers). Figures glued into the text with myst-nb's `glue` are stored under
another key, application/papermill.record/image/png, which nbval 0.11 would compare byte
for byte; treat them like every other image. Their text/plain record is still compared.
"""

import inspect
import os
import pathlib
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


# The files that test the built book page by page share one visit of each page
# (tests/test_browser.py, shared_page_reports), which the processes of a run split in two
# halves: pytest-xdist gets them as two units of work, so that both workers visit pages.
BOOK_PAGE_UNITS = (("test_browser.py", "test_accessibility.py"),
                   ("test_browser_exercises.py", "test_download.py"))
BOOK_PAGE_FILES = tuple(name for unit in BOOK_PAGE_UNITS for name in unit)
# The other files that need the built book; tests/test_browser.py's `book` fixture writes
# BOOK_READY once the book of this run is there.
NEEDS_THE_BOOK = BOOK_PAGE_FILES + ("test_browser_python.py",)
BOOK_READY = pathlib.Path(__file__).resolve().parent / "_build" / ".browser-test-ready"
# JupyterLab's test needs no build: it runs beside the build, in the other worker.
LAB_FILE = "test_lab.py"
# The longest files that need no build (seconds on two busy cores), handed out early: the
# last files handed out are then short ones, and neither worker finishes long before the
# other.
LONG_FILES = ("test_claims_practical_tips.py", "test_claims_dead_neurons.py",
              "test_figures_gradients_depth.py", "test_claims_optimizers.py",
              "test_claims_digits.py")


def pytest_collection_modifyitems(config, items):
    """Mark every test that needs torch `torch` (`make test-torch` runs `-m torch`), and
    order the files for `make test`'s two workers (pytest-xdist --dist loadfile hands out
    whole files in this order; `make test` passes --no-loadscope-reorder so that it keeps it):
    the files of BOOK_PAGE_FILES (two units of work, pytest_xdist_make_scheduler: the first
    worker builds the book, minutes, and then both visit half of the pages each, once for all
    their checks), JupyterLab's test, the other files that need the book (handed out once it is
    built), the notebooks under nbval, the LONG_FILES, then the rest in collection order.
    While the first worker builds, the second runs what needs no book instead of waiting.
    """
    for item in items:
        if uses_torch(item):
            item.add_marker(pytest.mark.torch)

    def rank(item):
        name = item.path.name
        if name in BOOK_PAGE_FILES:
            return 0, BOOK_PAGE_FILES.index(name)
        if name == LAB_FILE:
            return 1, 0
        if name in NEEDS_THE_BOOK:
            return 2, 0
        if item.path.suffix == ".ipynb":
            return 3, 0
        if name in LONG_FILES:
            return 4, LONG_FILES.index(name)
        return 5, 0

    items[:] = sorted(items, key=rank)  # stable: each file's own order is kept


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: unknown under -p no:xdist
def pytest_xdist_make_scheduler(config, log):
    """Under --dist loadfile: BOOK_PAGE_UNITS are two units of work (each unit's files share a
    worker; the two workers share one visit of every page), and once a unit that needs the
    book has been handed out (its worker builds the book), the other units that need it wait
    until BOOK_READY says this run's book is there, while units that need no book are left.
    Under make test's run cache the notebooks wait too (after_the_book). Any other --dist is
    pytest-xdist's own."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    groups = {name: f"the book's pages, unit {k}" for k, unit in enumerate(BOOK_PAGE_UNITS)
              for name in unit}

    def needs_the_book(scope):
        return scope in groups.values() or scope.rsplit("/", 1)[-1] in NEEDS_THE_BOOK

    # With make test's run cache (backprop_lib/run_cache.py) a notebook whose experiments the
    # build has computed runs in a fraction of its time: while the book builds, hand out
    # what needs neither, and the notebooks after it.
    share = bool(os.environ.get("BACKPROP_LIB_RUN_CACHE"))

    def after_the_book(scope):
        return needs_the_book(scope) or (share and scope.endswith(".ipynb"))

    class BookScheduling(LoadFileScheduling):
        building = False  # a unit that needs the book was handed out

        def _split_scope(self, nodeid):
            scope = super()._split_scope(nodeid)
            return groups.get(scope.rsplit("/", 1)[-1], scope)

        def _assign_work_unit(self, node):
            if self.building and not self._book_ready(node):
                other = next((s for s in self.workqueue if not after_the_book(s)), None)
                if other is not None:
                    self.workqueue.move_to_end(other, last=False)
            self.building = self.building or needs_the_book(next(iter(self.workqueue)))
            super()._assign_work_unit(node)

        @staticmethod
        def _book_ready(node):
            try:
                return BOOK_READY.read_text() == node.workerinput["testrunuid"]
            except (OSError, AttributeError, KeyError):
                return False

    return BookScheduling(config, log)
