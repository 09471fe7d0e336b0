"""Benchmarks: backprop_lib against PyTorch on the CPU, measured side by side in one run.

    make bench                 # everything, writes the dated table into README.md and the book
    .venv-bench/bin/python tools/bench.py --quick   # steps only, prints the table, writes nothing
    .venv-bench/bin/python tools/bench.py --quick --rounds 3 --networks 2-2-1,784-256-128-10

What is measured (each pair of step timings alternates its two rounds, so both see the same
machine state):
- one training step (gradients and an SGD update) of the same network in both libraries:
  sigmoid hidden layers, identity output, half_mse, in float32 and float64; the ratio
  ours/PyTorch of the medians (below 1 means backprop_lib is faster);
- the library's step against a bare NumPy step (the same step written straight in NumPy:
  buffers allocated once, no validation), timed as a pair, minimum over rounds: the
  large networks' goal, since both call the same BLAS;
- that step as a fraction of NumPy's matrix-multiply peak measured now, counting the
  products the step computes (flops_per_step);
- where the time goes: the step's matrix products alone in each library, and the rest;
- each interactive figure's update (compute and draw) at several settings, p50 and p95,
  and the build-time cost of computing its static frames;
- with --full (make bench): a forced build of the whole book and `make test` after install,
  and each page's bytes on first view and time to typeset its math (tools/page_costs.py).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import pathlib
import platform
import re
import subprocess
import sys
import time

import numpy as np

import backprop_lib as bp

ROOT = pathlib.Path(__file__).resolve().parent.parent
CASES = [  # (layer sizes, batch size m, which goal)
    ([2, 2, 1], 1, "small"),
    ([2, 16, 16, 1], 64, "small"),
    ([64, 128, 10], 128, "small"),
    ([784, 256, 128, 10], 128, "large"),
    ([1024, 1024, 1024], 512, "large"),
]
# Small networks: ours / PyTorch (medians) at most 0.5. Large networks: ours / the bare
# NumPy step (minimum over rounds, timed as a pair) at most 1.05. Against PyTorch the large
# networks measure the two BLAS builds and the CPU more than this library: side by side at
# 1024-1024-1024, 1.16 (float32) and 1.30 (float64) on an Intel Xeon where PyTorch uses
# MKL, 0.91 and 0.83 on an AMD EPYC.
GOALS = {"small": ("PyTorch", 0.5), "large": ("bare NumPy", 1.05)}
CPU_NOTE = ("The ratio against PyTorch on the large networks depends on the CPU and on the "
            "BLAS each library ships: at 1024-1024-1024, measured side by side, 1.16 (float32) "
            "and 1.30 (float64) on an Intel Xeon where PyTorch uses MKL, 0.91 and 0.83 on an "
            "AMD EPYC. So the large networks' goal is the library's step against the bare "
            "NumPy step, which calls the same BLAS, measured in the same run.")


def flops_per_step(sizes, m):
    """Floating-point operations of the products one step computes, 2 n_l n_{l-1} m each:
    Z = W A forward and dW = dZ A^T in every layer, dA = W^T dZ only for layers 2 to L
    (dA of the input X is never needed; PyTorch does not compute it either)."""
    layers = [a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False)]
    return 2 * m * (2 * sum(layers) + sum(layers[1:]))


def ours_step_fn(sizes, m, dtype, as_train=False):
    """The step a learner's loop takes: X, Y and the gradients validated on every call.
    as_train=True: the step bp.train takes, its data validated once before the loop (a
    pass over X each step fewer) and the optimizer's checks done on its first step."""
    acts = ["sigmoid"] * (len(sizes) - 2) + ["identity"]
    net = bp.Network(sizes, activations=acts, loss="half_mse", init="xavier", seed=0, dtype=dtype)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((sizes[0], m)).astype(dtype)
    Y = rng.standard_normal((sizes[-1], m)).astype(dtype)
    opt = bp.optimizers.SGD(lr=1e-3)

    def step():
        _, grads = net.loss_and_gradients(X, Y)
        opt.step(net.params, grads)

    def train_step():
        _, grads = net.loss_and_gradients(X, Y, checked=True)
        opt._step(net.params, grads)

    if as_train:
        X, Y = net.check_data(X, Y)
        step()
        return train_step
    return step


def torch_step_fn(sizes, m, dtype):
    import torch

    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=False)):
        layers.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(torch.nn.Sigmoid())
    model = torch.nn.Sequential(*layers).to(tdtype)
    gen = torch.Generator().manual_seed(1)
    X = torch.randn(m, sizes[0], dtype=tdtype, generator=gen)  # PyTorch's rows are examples
    Y = torch.randn(m, sizes[-1], dtype=tdtype, generator=gen)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = 0.5 * ((model(X) - Y) ** 2).sum() / m  # half_mse, the same loss
        loss.backward()
        opt.step()

    return step


def bare_step_fn(sizes, m, dtype, params=None, update=True):
    """The same step written straight in NumPy: every buffer allocated once, no validation,
    no Python structure. Not a library (nothing can be checked or reused); one direct way
    to write the step with NumPy's BLAS, not a lower bound (another layout or more fused
    work could be faster). The large networks' goal measures the library against it. To
    compare with the library: `params` (W1, b1, ...) sets the weights, update=False leaves
    out the SGD update, and step.grads then holds dW1, db1, ...
    """
    rng = np.random.default_rng(1)
    L = len(sizes) - 1
    Ws = [(rng.standard_normal((b, a)) / np.sqrt(a)).astype(dtype)
          for a, b in zip(sizes[:-1], sizes[1:], strict=False)]
    bs = [np.zeros((b, 1), dtype) for b in sizes[1:]]
    if params is not None:
        Ws = [params[f"W{l}"].astype(dtype) for l in range(1, L + 1)]
        bs = [params[f"b{l}"].astype(dtype) for l in range(1, L + 1)]
    X = rng.standard_normal((sizes[0], m)).astype(dtype)
    Y = rng.standard_normal((sizes[-1], m)).astype(dtype)
    As = [X] + [np.empty((b, m), dtype) for b in sizes[1:]]  # A{l}; Z{l} is overwritten
    dZs = [np.empty((b, m), dtype) for b in sizes[1:]]
    tmps = [np.empty((b, m), dtype) for b in sizes[1:]]
    dWs, dbs = [np.empty_like(W) for W in Ws], [np.empty_like(b) for b in bs]
    lr = dtype(1e-3)

    def step():
        for l in range(L):
            Z = As[l + 1]
            np.matmul(Ws[l], As[l], out=Z)
            Z += bs[l]
            if l < L - 1:  # sigmoid, in place
                np.negative(Z, out=Z)
                np.exp(Z, out=Z)
                Z += 1
                np.reciprocal(Z, out=Z)
        D = dZs[L - 1]
        np.subtract(As[L], Y, out=D)  # half_mse with an identity output: dZ = (A - Y) / m
        flat = D.reshape(-1)
        step.loss = 0.5 * float(np.dot(flat, flat)) / m
        D /= m
        for l in range(L - 1, -1, -1):
            D = dZs[l]
            np.matmul(D, As[l].T, out=dWs[l])
            np.sum(D, axis=1, keepdims=True, out=dbs[l])
            if l > 0:  # dZ{l-1} = (W{l}^T dZ{l}) * a (1 - a)
                below, a, t = dZs[l - 1], As[l], tmps[l - 1]
                np.matmul(Ws[l].T, D, out=below)
                np.subtract(1, a, out=t)
                t *= a
                below *= t
        if not update:
            return
        for W, dW, b, db in zip(Ws, dWs, bs, dbs, strict=False):
            dW *= lr
            W -= dW
            db *= lr
            b -= db

    step.grads = {**{f"dW{l + 1}": dWs[l] for l in range(L)},
                  **{f"db{l + 1}": dbs[l] for l in range(L)}}
    step.X, step.Y = X, Y
    return step


def check_bare_step(sizes, m, dtype):
    """The bare step must compute the library's loss and gradients, or it measures nothing."""
    acts = ["sigmoid"] * (len(sizes) - 2) + ["identity"]
    net = bp.Network(sizes, activations=acts, loss="half_mse", init="xavier", seed=3, dtype=dtype)
    step = bare_step_fn(sizes, m, dtype, params=net.params, update=False)
    step()
    loss, grads = net.loss_and_gradients(step.X, step.Y)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    worst = max(float(np.max(np.abs(step.grads[k] - g)) / max(np.max(np.abs(g)), 1e-30))
                for k, g in grads.items())
    if abs(step.loss - loss) > tol * loss or worst > tol:
        raise AssertionError(f"bare step disagrees with backprop_lib on {sizes} {dtype}: "
                             f"loss {step.loss} vs {loss}, worst gradient error {worst:.2g}")


def ours_products_fn(sizes, m, dtype):
    """The step's matrix products alone, in NumPy, with the shapes and layouts of the library:
    Z = W A forward; dW = dZ A^T and dA = W^T dZ backward (no dA below the first layer)."""
    rng = np.random.default_rng(2)
    layers = [(rng.standard_normal((b, a)).astype(dtype), rng.standard_normal((a, m)).astype(dtype),
               rng.standard_normal((b, m)).astype(dtype))
              for a, b in zip(sizes[:-1], sizes[1:], strict=False)]

    def products():
        for W, A_prev, _ in layers:
            W @ A_prev
        for l, (W, A_prev, dZ) in enumerate(layers):
            dZ @ A_prev.T
            if l > 0:
                W.T @ dZ

    return products


def torch_products_fn(sizes, m, dtype):
    """The same products in PyTorch, in the layouts of its Linear layers (rows are examples)."""
    import torch

    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    gen = torch.Generator().manual_seed(2)
    layers = [(torch.randn(b, a, dtype=tdtype, generator=gen),
               torch.randn(m, a, dtype=tdtype, generator=gen),
               torch.randn(m, b, dtype=tdtype, generator=gen))
              for a, b in zip(sizes[:-1], sizes[1:], strict=False)]

    def products():
        with torch.no_grad():
            for W, A_prev, _ in layers:
                A_prev @ W.T
            for l, (W, A_prev, dZ) in enumerate(layers):
                dZ.T @ A_prev
                if l > 0:
                    dZ @ W

    return products


def time_pair(f, g, min_round=0.02, rounds=15):
    """Seconds per call of f and g in each round (two lists), alternating rounds of
    repeated calls."""
    for fn in (f, g):
        for _ in range(3):
            fn()
    n = 1
    while True:  # calls per round so that one round of f takes about min_round seconds
        t0 = time.perf_counter()
        for _ in range(n):
            f()
        if time.perf_counter() - t0 > min_round or n > 10000:
            break
        n *= 2
    tf, tg = [], []
    for _ in range(rounds):
        for fn, out in ((f, tf), (g, tg)):
            # Both libraries' worker threads (OpenBLAS, OpenMP) spin for a while after a
            # call; measured back to back, each would pay for the other's spinning (seen:
            # PyTorch 1.8 ms alone, 8-13 ms right after NumPy). Let them settle first.
            time.sleep(SETTLE)
            fn()
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            out.append((time.perf_counter() - t0) / n)
    return tf, tg


def medians(pair):
    return tuple(float(np.median(t)) for t in pair)


SETTLE = 0.2  # seconds between switching libraries


def matmul_peak(dtype, n=2048, repeats=5):
    a = np.random.default_rng(0).standard_normal((n, n)).astype(dtype)
    b = a.copy()
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n**3 / best


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench_steps(rounds=None, networks=None):
    """Every case of CASES (those named in `networks` only, if given), `rounds` rounds per
    pair (default 15, 7 for the 1024-wide network; the goal pair 45 and 21)."""
    rows = []
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if var in os.environ:
            print(f"  note: {var}={os.environ[var]} is set; NumPy may run a slower kernel "
                  "(make bench unsets it)", flush=True)
    peaks = {dt: matmul_peak(dt) for dt in (np.float32, np.float64)}
    for sizes, m, kind in CASES:
        net = "-".join(map(str, sizes))
        if networks and net not in networks:
            continue
        for dtype in (np.float32, np.float64):
            n = rounds or (15 if sizes[0] < 1000 else 7)
            ours, theirs = medians(time_pair(
                ours_step_fn(sizes, m, dtype), torch_step_fn(sizes, m, dtype), rounds=n))
            # Where the time goes: the same products alone, so that "the step minus its
            # products" is the cost of everything else (elementwise work, calls, allocation).
            ours_mm, theirs_mm = medians(time_pair(ours_products_fn(sizes, m, dtype),
                                                   torch_products_fn(sizes, m, dtype), rounds=n))
            check_bare_step(sizes, m, dtype)
            bare, theirs_again = medians(time_pair(bare_step_fn(sizes, m, dtype),
                                                   torch_step_fn(sizes, m, dtype), rounds=n))
            # The large networks' goal: both NumPy steps as one pair, the fastest round of
            # each (the least disturbed by the machine), as the goal says. More rounds than
            # the medians: with 15, two runs minutes apart gave 1.10 and 1.24 for the same
            # code on a shared 2-core machine; with 60, three runs lay within 1.11-1.15.
            goal_rounds = rounds or (45 if sizes[0] < 1000 else 21)
            ours_min, bare_min = (min(t) for t in time_pair(
                ours_step_fn(sizes, m, dtype), bare_step_fn(sizes, m, dtype), rounds=goal_rounds))
            # The same for the step bp.train takes (validated once): what validating every
            # step costs, measured, not guessed.
            train_min, bare_min2 = (min(t) for t in time_pair(
                ours_step_fn(sizes, m, dtype, as_train=True), bare_step_fn(sizes, m, dtype),
                rounds=goal_rounds))
            against, bound = GOALS[kind]
            vs = ours / theirs if against == "PyTorch" else ours_min / bare_min
            rows.append({
                "bare_ratio": bare / theirs_again, "bare_us": bare * 1e6,
                "net": net, "m": m, "dtype": np.dtype(dtype).name,
                "ours_us": ours * 1e6, "torch_us": theirs * 1e6, "ratio": ours / theirs,
                "ours_min_us": ours_min * 1e6, "bare_min_us": bare_min * 1e6,
                "vs_bare": ours_min / bare_min, "train_vs_bare": train_min / bare_min2,
                "peak_frac": flops_per_step(sizes, m) / ours / peaks[dtype],
                "against": against, "goal": bound, "goal_ratio": vs, "met": vs <= bound,
                "ours_mm_us": ours_mm * 1e6, "torch_mm_us": theirs_mm * 1e6,
            })
            print(f"  {net:>16} m={m:<4} {rows[-1]['dtype']}: ours {ours*1e6:10.1f} us"
                  f"  torch {theirs*1e6:10.1f} us  ratio {ours/theirs:5.2f}"
                  f"  ours/bare (min) {ours_min / bare_min:5.2f}"
                  f"  train's/bare {train_min / bare_min2:5.2f}", flush=True)
    # Measure the peak again at the end and keep the best of both: a peak measured while
    # the machine was briefly busy would flatter every fraction.
    for dt in peaks:
        best = max(peaks[dt], matmul_peak(dt))
        for r in rows:
            if r["dtype"] == np.dtype(dt).name:
                r["peak_frac"] *= peaks[dt] / best
        peaks[dt] = best
    return rows, peaks


def bench_figures():
    """p50/p95 of one live update per interactive figure, and its static precompute cost.

    Every notebook of the book is executed with BACKPROP_FIGURE_BENCH set, so each
    interactive figure it shows times itself (backprop_lib.interactive) at every setting
    of its grid: the figures measured are exactly the ones the chapters show.
    """
    import json
    import tempfile

    import nbformat
    from nbclient import NotebookClient

    from backprop_lib import interactive as ia

    notebooks = subprocess.run([sys.executable, str(ROOT / "tools/toc_notebooks.py")],
                               capture_output=True, text=True, check=True).stdout.split()
    with tempfile.TemporaryDirectory() as tmp:
        record = pathlib.Path(tmp) / "figures.jsonl"
        os.environ[ia.BENCH_ENV] = str(record)
        try:
            for nb_path in notebooks:
                print(f"  figures of {nb_path}", flush=True)
                nb = nbformat.read(ROOT / nb_path, as_version=4)
                NotebookClient(nb, timeout=600, kernel_name="python3",
                               resources={"metadata": {"path": str((ROOT / nb_path).parent)}}
                               ).execute()
        finally:
            os.environ.pop(ia.BENCH_ENV, None)
        rows = [json.loads(line) for line in record.read_text().splitlines()] \
            if record.exists() else []
    for r in rows:
        r["name"] = r["name"].replace("backprop_lib.figures.", "").replace(".<locals>", "")
    return rows


def bench_commands():
    env = dict(os.environ)
    out = {}
    t0 = time.perf_counter()
    subprocess.run([str(ROOT / ".venv/bin/python"), "tools/build_book.py", "--quiet"], cwd=ROOT,
                   check=True, env=env, stdout=subprocess.DEVNULL)
    out["forced book build"] = time.perf_counter() - t0
    subprocess.run(["make", ".venv/.installed-dev"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    t0 = time.perf_counter()
    # As CI runs it (CI=true): the browser test then always builds the book afresh.
    subprocess.run(["make", "test"], cwd=ROOT, check=True, env=env | {"CI": "true"},
                   stdout=subprocess.DEVNULL)
    out["make test (after install, as CI runs it)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    subprocess.run(["make", "fast"], cwd=ROOT, check=True, env=env, stdout=subprocess.DEVNULL)
    out["make fast"] = time.perf_counter() - t0
    return out


def bench_pages():
    """Each page's bytes on first view and time to typeset its math (tools/page_costs.py,
    run with .venv's Python, which has Playwright), on the book bench_commands built."""
    import json

    done = subprocess.run([str(ROOT / ".venv/bin/python"), "tools/page_costs.py", "--json"],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def bench_in_page():
    """The pages' Python: runtime bytes, load time, one in-page step (tools/in_page_costs.py,
    run with .venv's Python, which has Playwright), on the book bench_commands built; None
    when the build has no Python in its pages (npm missing)."""
    import json

    done = subprocess.run([str(ROOT / ".venv/bin/python"), "tools/in_page_costs.py", "--json"],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def cpu_model():
    """The CPU's 'model name' from /proc/cpuinfo (the ratios against PyTorch depend on it)."""
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "an unknown CPU"


def machine():
    import torch

    return (f"{cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}, "
            f"NumPy {np.__version__} ({blas_kernel()}), PyTorch {torch.__version__} "
            f"({torch.get_num_threads()} threads); glibc's heap thresholds "
            f"{'set by backprop_lib.heap' if bp.heap.applied() else 'left at their defaults'}")


def blas_kernel():
    """Which BLAS NumPy runs and with which kernel (threadpoolctl), for the record."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS kernel unknown: threadpoolctl missing"
    for info in threadpool_info():
        if info.get("user_api") == "blas":
            return (f"{info.get('internal_api')} {info.get('version')}, kernel "
                    f"{info.get('architecture')}, {info.get('num_threads')} threads")
    return "no BLAS found"


def blas_names():
    """The BLAS behind NumPy and behind PyTorch, as each reports it."""
    import torch

    numpy_blas = "unknown"
    try:
        from threadpoolctl import threadpool_info

        numpy_blas = next(i["internal_api"] for i in threadpool_info() if i["user_api"] == "blas")
    except (ImportError, StopIteration, KeyError):
        pass
    found = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    return numpy_blas, found.group(1) if found else "unknown"


def render(rows, peaks, figures, commands, when, where, page_costs=(), in_page=None):
    lines = [f"Measured on {when} by `make bench` on: {where}.", ""]
    lines.append(f"NumPy matrix-multiply peak measured in the same run: "
                 f"{peaks[np.float32] / 1e9:.0f} GFLOP/s (float32), "
                 f"{peaks[np.float64] / 1e9:.0f} GFLOP/s (float64).")
    lines += ["", f"One training step (gradients and an SGD update) on {cpu_model()}. "
              "vs PyTorch = ours / PyTorch (medians over rounds), lower is faster. "
              "vs bare NumPy = ours / the bare NumPy step (described below), the fastest "
              "round of each, the two timed as one pair; train's step: the same for the step "
              "bp.train takes, its data validated once before its loop instead of every step. "
              "Goals: on the three small networks "
              "vs PyTorch at most 0.5; on the two large ones vs bare NumPy at most 1.05. "
              "Of matmul peak: the products the step computes (forward and dW in every "
              "layer, dA from layer 2 on) per second, against the peak above.", ""]
    lines.append("| network | m | dtype | backprop_lib | PyTorch | vs PyTorch | vs bare NumPy "
                 "| goal | train's step vs bare | of matmul peak |")
    lines.append("| --- | ---: | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
    for r in rows:
        ok = "met" if r["met"] else "missed"
        lines.append(f"| {r['net']} | {r['m']} | {r['dtype']} | {_fmt_us(r['ours_us'])} | "
                     f"{_fmt_us(r['torch_us'])} | {r['ratio']:.2f} | {r['vs_bare']:.2f} | "
                     f"vs {r['against']} <= {r['goal']} ({ok}) | {r['train_vs_bare']:.2f} | "
                     f"{100 * r['peak_frac']:.0f}% |")
    missed = [f"{r['net']} {r['dtype']} ({r['goal_ratio']:.2f} > {r['goal']} vs {r['against']})"
              for r in rows if not r["met"]]
    lines += ["", f"Goals met: {len(rows) - len(missed)} of {len(rows)}."
              + (f" Missed: {', '.join(missed)}." if missed else ""), "", CPU_NOTE]
    numpy_blas, torch_blas = blas_names()
    lines += ["", "Where the time goes: the step's matrix products measured alone (same shapes, "
              "each library's own layout), and everything else, the step minus its products "
              "(elementwise work, validation, Python calls, allocation). Both libraries call a "
              f"BLAS for the products (NumPy: {numpy_blas}; PyTorch: {torch_blas}); NumPy runs "
              "elementwise work on one core, PyTorch splits large tensors over all cores. "
              "The bare NumPy step is the same step written straight in NumPy (every buffer "
              "allocated once, no validation; tools/bench.py, checked against the library's "
              "gradients in this run), here with its median and its ratio against PyTorch "
              "measured beside it: one direct way to write the step, not the least any NumPy "
              "code could cost.", ""]
    lines.append("| network | dtype | products: ours | PyTorch | ratio "
                 "| everything else: ours | PyTorch | ratio | bare NumPy step | its ratio |")
    lines.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        rest_ours, rest_torch = r["ours_us"] - r["ours_mm_us"], r["torch_us"] - r["torch_mm_us"]
        rest_ratio = f"{rest_ours / rest_torch:.2f}" if rest_torch > 0 and rest_ours > 0 else "n/a"
        lines.append(f"| {r['net']} | {r['dtype']} | {_fmt_us(r['ours_mm_us'])} | "
                     f"{_fmt_us(r['torch_mm_us'])} | {r['ours_mm_us'] / r['torch_mm_us']:.2f} | "
                     f"{_fmt_us(rest_ours)} | {_fmt_us(rest_torch)} | {rest_ratio} | "
                     f"{_fmt_us(r['bare_us'])} | {r['bare_ratio']:.2f} |")
    if figures:
        lines += ["", "Interactive figures: one update (compute and draw) at several settings, "
                  "and the cost of computing the static frames when the book is built.", ""]
        lines.append("| figure | updates | p50 | p95 | static frames | build-time cost |")
        lines.append("| --- | ---: | ---: | ---: | ---: | ---: |")
        for f in figures:
            lines.append(f"| {f['name']} | {f['n']} | {f['p50_ms']:.1f} ms | {f['p95_ms']:.1f} ms "
                         f"| {f['frames']} | {f['build_s']:.2f} s |")
    if page_costs:
        lines += ["", "Each page on first view, in headless Chromium with an empty cache and the "
                  "network cut (tools/page_costs.py): the bytes it loaded (scripts, styles, "
                  "fonts, the players' first frames) and when MathJax had typeset its math, "
                  "counted from the start of the navigation.", ""]
        lines.append("| page | kB on first view | math typeset after |")
        lines.append("| --- | ---: | ---: |")
        for c in page_costs:
            math = "no math" if c["math_ms"] is None else f"{c['math_ms'] / 1000:.1f} s"
            lines.append(f"| {c['page']} | {c['kB']:.0f} | {math} |")
    if in_page:
        lines += ["", f"Python in the page (Pyodide, tools/in_page_costs.py): "
                  f"{in_page['bytes'] / 1e6:.1f} MB, loaded on chapter 3's first Run; the time "
                  "until Python answers, one step of the worked example at its own numbers and "
                  "300 XOR training steps (medians of 5), network cut.", ""]
        lines.append("| read | Python runs in | load | one worked step | XOR, 300 steps |")
        lines.append("| --- | --- | ---: | ---: | ---: |")
        for how, name in (("http", "over http"), ("file", "from file://")):
            r = in_page[how]
            lines.append(f"| {name} | the {r['mode']} | {r['load_s']:.1f} s | "
                         f"{r['step_ms']:.1f} ms | {r['xor_ms']:.0f} ms |")
    if commands:
        lines += ["", "| command | seconds |", "| --- | ---: |"]
        lines += [f"| {k} | {v:.0f} |" for k, v in commands.items()]
    return "\n".join(lines) + "\n"


def _fmt_us(us):
    return f"{us / 1000:.2f} ms" if us >= 1000 else f"{us:.0f} us"


APPENDIX_HEAD = """# Appendix: how fast it is

This page is written by `make bench`; do not edit it by hand. It compares one training step of
`backprop_lib` with the same step in PyTorch on the CPU, measured in the same run on the same
machine, and times the book's interactive figures and commands. Small networks are dominated by
per-step overhead (Python calls, validation, allocation), which a small NumPy library keeps low;
large ones by matrix multiplication, where both libraries call optimized BLAS kernels.

The large networks are measured against a bare NumPy step as well: the same step written
straight in NumPy, without what a library must do (validate its input, return fresh arrays
that the caller may keep). Both call the BLAS NumPy ships, so their ratio is the cost of
the library's own code; against PyTorch, a large network mostly compares two BLAS builds on
one CPU, and that ratio changes from machine to machine.

The second table splits each step into its matrix products, timed alone in each library, and
everything else. It tells where the time goes. A products ratio above 1 is the BLAS NumPy
ships against the one PyTorch ships (the text above the table names both) and each
library's layout of the same products (W A with examples as columns against A W^T with
examples as rows), so code can change it too, by choosing the layout. An "everything else"
ratio above 1 is elementwise work (the sigmoid, its derivative, the loss, the update), which
NumPy runs on one core while PyTorch splits large tensors over all of them. The bare NumPy
step is one direct way to write the step, not a lower bound: a different layout or more
fused work could be faster still.

"""


def write_outputs(table):
    (ROOT / "book" / "appendix_benchmarks.md").write_text(APPENDIX_HEAD + table)
    readme = ROOT / "README.md"
    text = readme.read_text()
    block = f"<!-- bench:start -->\n{table}<!-- bench:end -->"
    new = re.sub(r"<!-- bench:start -->.*?<!-- bench:end -->", lambda _: block, text, flags=re.S)
    readme.write_text(new)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="steps only; write nothing")
    parser.add_argument("--rounds", type=int, help="rounds per timed pair (a quick check)")
    parser.add_argument("--networks", help="comma-separated, e.g. 2-2-1,784-256-128-10")
    args = parser.parse_args(argv)
    if (args.rounds or args.networks) and not args.quick:
        parser.error("--rounds and --networks need --quick: the tables are written from "
                     "the full measurement only")
    print("training steps:", flush=True)
    networks = args.networks.split(",") if args.networks else None
    rows, peaks = bench_steps(rounds=args.rounds, networks=networks)
    figures = [] if args.quick else bench_figures()
    commands = {} if args.quick else bench_commands()
    pages = [] if args.quick else bench_pages()
    in_page = None if args.quick else bench_in_page()
    when = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    table = render(rows, peaks, figures, commands, when, machine(), pages, in_page)
    print()
    print(table)
    if not args.quick:
        write_outputs(table)
        print("written to README.md and book/appendix_benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
