"""Train on one BLAS thread: the book's matrices are too small for two.

Chapter "The whole book at work: handwritten digits" trains about a hundred networks of
64-64-10 units on mini-batches of 50 images: every matrix product is 64 x 64 by 64 x 50, or
64 x 1000 for a whole split. OpenBLAS splits such a product over every core it finds, and on
a product this small the threads spend their time waiting for each other. Measured on the
project's 2-core machine, executing the chapter's notebook in a learner's default kernel
(OpenBLAS free to use both cores) took 41 s of wall time and 46 s of CPU when the machine
was otherwise quiet, and 181 s of wall time and 92 s of CPU beside other jobs (load about
6); with the chapter's training inside `one_blas_thread()`, 20 s and 19 s quiet, 36 s and
22 s beside other jobs, for a notebook that trains more runs than before. That is what
OPENBLAS_NUM_THREADS=1 gives, as `tools/reproducible.py` sets it for the build and the
tests, but a learner's kernel is not started that way.

`one_blas_thread()` limits the BLAS libraries NumPy loaded to one thread for the duration of
a `with` block, through threadpoolctl, and restores them afterwards, so a learner's kernel
keeps its own setting outside the chapter's training. requirements.txt and the package's
dependencies install threadpoolctl; where it is missing the helper does nothing, so the
numerical core still runs on NumPy alone.

    with one_blas_thread():
        ...  # small matrix products
"""

from __future__ import annotations

import contextlib
import functools

__all__ = ["one_blas_thread"]


@functools.lru_cache(maxsize=1)
def _controller():
    """threadpoolctl's ThreadpoolController (found once: listing the libraries takes a few
    milliseconds), or None without threadpoolctl."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - requirements.txt installs it
        return None
    return ThreadpoolController()


@contextlib.contextmanager
def one_blas_thread():
    """Within the block, BLAS (OpenBLAS, MKL, ...) runs on one thread; then as before."""
    controller = _controller()
    if controller is None:  # pragma: no cover
        yield
        return
    with controller.limit(limits=1, user_api="blas"):
        yield
