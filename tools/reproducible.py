"""The same digits on every x86-64 machine: pin the kernels NumPy and OpenBLAS choose.

Strict nbval compares the committed outputs digit for digit, on whatever machine CI runs.
NumPy (exp, log, tanh, ...) and OpenBLAS (every matrix product) pick their kernels by what
the CPU offers, and the AVX-512 kernels round differently from the AVX2 ones: a gradient
check's 1.37e-10 on one machine is 2.22e-10 on another, and a training run at a learning
rate where the loss is chaotic ends somewhere else. So wherever outputs are made or
compared (`make notebooks`, `make test`, `make fast`, `make book`), both libraries use the
AVX2/FMA kernels that every x86-64-v3 CPU (Intel Haswell, AMD Zen and later) has.
conftest.py sets them too, before pytest imports NumPy, so a bare `pytest` is pinned.

A learner's own kernel in JupyterLab is not pinned: there the last digits of a rounding
error may differ, and the chapters' claims (tested on their meaning, not their digits) hold.
`make bench` is not pinned either: it measures the machine's fastest kernels.

OpenBLAS also runs on one thread here. The book's matrices are small (64 x 1000 at most),
and two OpenBLAS threads on two cores, beside pytest-xdist's second worker, spend their
time waiting for each other: chapter 11's notebook took 103-113 s that way and 19-42 s on
one thread, with the same digits (a product's sums run in the same order either way).

    .venv/bin/python tools/reproducible.py COMMAND [ARG ...]   # run COMMAND with ENV set
"""

from __future__ import annotations

import os
import sys

ENV = {
    "OPENBLAS_CORETYPE": "Haswell",        # OpenBLAS's AVX2 kernels, also on AVX-512 CPUs
    "NPY_ENABLE_CPU_FEATURES": "X86_V3",   # NumPy's dispatch up to AVX2/FMA3, not AVX-512
    "OPENBLAS_NUM_THREADS": "1",           # small matrices: a second thread only waits
}


def apply(env=None):
    """Set ENV in `env` (default os.environ) for processes started after this call."""
    target = os.environ if env is None else env
    target.update(ENV)
    return target


def is_applied(env=None):
    """True when this process was started with ENV (NumPy reads it once, at import)."""
    env = os.environ if env is None else env
    return all(env.get(k) == v for k, v in ENV.items())


def main(argv):
    if not argv:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    os.execvpe(argv[0], argv, apply(dict(os.environ)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
