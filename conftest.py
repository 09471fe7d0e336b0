"""pytest configuration shared by the tests and by strict nbval on the notebooks.

nbval compares every output of a notebook with the committed one, except images
(image/png is skipped: a PNG's bytes depend on the matplotlib and FreeType builds, not on
the book's numbers). Figures glued into the text with myst-nb's `glue` are stored under
another key, application/papermill.record/image/png, which nbval 0.11 would compare byte
for byte; treat them like every other image. Their text/plain record is still compared.
"""

try:
    import nbval.plugin as _nbval
except ImportError:  # nbval is a test dependency only
    _nbval = None

GLUED_IMAGE = "application/papermill.record/image/png"

if _nbval is not None and not getattr(_nbval.IPyNbFile, "_skips_glued_images", False):
    _init = _nbval.IPyNbFile.__init__

    def _init_skipping_glued_images(self, *args, **kwargs):
        _init(self, *args, **kwargs)
        if "image/png" in self.skip_compare:  # only where nbval skips images at all
            self.skip_compare = self.skip_compare + (GLUED_IMAGE,)

    _nbval.IPyNbFile.__init__ = _init_skipping_glued_images
    _nbval.IPyNbFile._skips_glued_images = True


def pytest_collection_modifyitems(config, items):
    """Collect the browser test first.

    It is the longest file by far (it builds the whole book, then drives every page), and
    pytest-xdist hands out whole files: started last, it would run alone on one core at the
    end. `make test` passes --no-loadscope-reorder so that xdist keeps this order instead of
    starting with the files that hold the most tests.
    """
    first = [item for item in items if item.path.name == "test_browser.py"]
    if first:
        rest = [item for item in items if item.path.name != "test_browser.py"]
        items[:] = first + rest
