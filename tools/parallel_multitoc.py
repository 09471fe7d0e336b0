"""Sphinx extension for the book build: sphinx_multitoc_numbering, declared parallel-safe.

Jupyter Book numbers chapters across parts with sphinx_multitoc_numbering, which does not
declare whether it is safe for parallel reading, so Sphinx reads (and myst-nb executes)
every notebook one after the other. Its only work is to replace how section numbers are
assigned, which Sphinx does once in the main process after all documents are read, so
reading in parallel is safe: tools/build_book.py reads with one process per core.
"""


def setup(app):
    app.setup_extension("sphinx_multitoc_numbering")
    ext = app.extensions["sphinx_multitoc_numbering"]
    ext.parallel_read_safe = True
    ext.parallel_write_safe = True
    return {"parallel_read_safe": True, "parallel_write_safe": True}
