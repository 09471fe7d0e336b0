"""Keep freed memory for the next step: glibc's heap thresholds set where its own rule ends.

Every training step of `Network` allocates fresh arrays (Z, A, the gradients it returns) and
frees the previous step's. glibc's malloc serves an array of 128 KiB or more with mmap until
one such array has been freed, then raises that threshold to the freed array's size (up to
32 MiB), and trims the heap back to the system whenever more than twice the threshold lies
free at its top; a step of a 784-256-128-10 network on 128 examples frees about that much.
Measured on the book's 2-core machine with tools/bench.py's timing (the fastest of 15
rounds, fresh processes, 2026-12-03): at times the library's float64 step of that network
took 2.1 to 2.2 times the bare NumPy step with glibc's defaults (4 runs of 4), and 1.04 to
1.07 times with the thresholds set here, measured back to back; at other times the two were
alike (1.01 to 1.16 against 1.04 to 1.10, 4 runs each). The slow state is not understood
(its page-fault counts are the same), so this only removes a glibc heuristic the step does
not need.

`keep_freed_memory()` sets the two thresholds to the values glibc's own rule reaches after
freeing one 32 MiB array: arrays up to 32 MiB come from the heap, and up to 64 MiB of freed
memory stays with the process instead of returning to the system. The package calls it
once on import. It does nothing outside Linux with glibc (macOS, Windows, musl, Pyodide in
the browser), where the allocator differs, and nothing if the process was started with
MALLOC_MMAP_THRESHOLD_ or MALLOC_TRIM_THRESHOLD_ set, or with BACKPROP_LIB_MALLOC=default,
so a user's own choice stands.
"""

from __future__ import annotations

import os
import sys

__all__ = ["keep_freed_memory", "applied", "MMAP_THRESHOLD", "TRIM_THRESHOLD"]

MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit systems
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # what its rule sets beside that threshold
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (malloc.h)
_OWN_CHOICE = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
_applied = False


def applied() -> bool:
    """Whether keep_freed_memory() has set the thresholds in this process (tools/bench.py
    records it beside its timings)."""
    return _applied


def keep_freed_memory() -> bool:
    """Set glibc's mmap and trim thresholds (see the module); True when they were set."""
    if (not sys.platform.startswith("linux") or os.environ.get("BACKPROP_LIB_MALLOC") == "default"
            or any(name in os.environ for name in _OWN_CHOICE)):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - glibc only (musl has mallopt that ignores these)
        mallopt = libc.mallopt
    except (ImportError, OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    global _applied
    _applied = _applied or bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                                and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _applied
