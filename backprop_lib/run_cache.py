"""One computation per test run: `make test` shares the chapters' experiments between processes.

`make test` executes every notebook twice (once in the book's build, once under nbval) and
its claims tests recompute many of the same experiments: each in a process of its own, where
functools.lru_cache cannot help. `memo` is lru_cache with one more layer: when the
environment variable BACKPROP_LIB_RUN_CACHE names a directory, a result is also written there
(pickled, under a hash of the function's module, name and arguments), and any process of the
same run that asks for the same call reads it instead of computing it again.

`make test` and `make fast` set that variable to a fresh directory for one run and delete it
afterwards, so a result is only ever read by the run (the same checkout, the same pinned
kernels) that computed it; the functions it wraps are deterministic (every seed is an
argument). Unset, as for a learner in JupyterLab or for `make book`, `memo` is exactly
functools.lru_cache. A result that cannot be pickled is simply not shared.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pathlib
import pickle
import tempfile

ENV = "BACKPROP_LIB_RUN_CACHE"


def _directory():
    where = os.environ.get(ENV)
    return pathlib.Path(where) if where else None


def _key(function, args, kwargs) -> str | None:
    try:
        blob = pickle.dumps((function.__module__, function.__qualname__, args,
                             sorted(kwargs.items())), protocol=4)
    except Exception:  # noqa: BLE001 (an argument that cannot be pickled: not shared)
        return None
    return hashlib.sha256(blob).hexdigest()


def memo(maxsize=128):
    """functools.lru_cache(maxsize), shared through BACKPROP_LIB_RUN_CACHE when it is set."""
    def decorate(function):
        @functools.lru_cache(maxsize=maxsize)
        @functools.wraps(function)
        def cached(*args, **kwargs):
            where = _directory()
            key = _key(function, args, kwargs) if where is not None else None
            if key is None:
                return function(*args, **kwargs)
            path = where / f"{key}.pkl"
            try:
                with open(path, "rb") as f:
                    return pickle.load(f)
            except (OSError, EOFError, pickle.UnpicklingError):
                pass
            result = function(*args, **kwargs)
            try:
                blob = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001 (a result that cannot be pickled: not shared)
                return result
            where.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=where, delete=False, suffix=".tmp") as f:
                f.write(blob)
            os.replace(f.name, path)  # whole or not at all, for a reader in another process
            return result
        return cached
    return decorate
