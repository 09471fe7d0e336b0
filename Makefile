# The two commands: `make book` and `make test`. Each creates .venv when missing and
# installs again when a requirements file changes. See README.md.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
NOTEBOOKS = $(shell $(PYTHON) tools/toc_notebooks.py)

.PHONY: help book test test-torch lab fast notebooks lint bench clean

help:
	@echo "make book       build the HTML book into _build/html (offline; a Sphinx warning fails it)"
	@echo "make test       unit, property and reference tests, strict nbval, browser test"
	@echo "make test-torch the tests against PyTorch (installs it in .venv-bench, not .venv)"
	@echo "make lab        open the notebooks in JupyterLab (options: LAB_ARGS=\"--port 9999 --no-browser\")"
	@echo "make fast       the quick everyday check: unit tests without the slow ones"
	@echo "make notebooks  re-execute every notebook in place after a library change"
	@echo "make bench      benchmarks against PyTorch (installs it in .venv-bench)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)

# The learner's install: what reading, running and building need.
$(VENV)/.installed-base: $(BIN)/python requirements.txt constraints.txt pyproject.toml
	@echo "make: installing what reading, running and building need into $(VENV) (a few minutes, quietly)"
	$(PIP) install -c constraints.txt -r requirements.txt -e .
	@touch $@

# What only the tests add.
$(VENV)/.installed-dev: $(VENV)/.installed-base requirements-dev.txt constraints.txt
	@echo "make: installing what the tests add into $(VENV)"
	$(PIP) install -c constraints.txt -r requirements-dev.txt
	@touch $@

# Where outputs are made or compared, NumPy and OpenBLAS use the same kernels on every
# x86-64 machine, so that strict nbval sees the same digits (tools/reproducible.py).
PINNED := $(BIN)/python tools/reproducible.py

# The pages' Python (tools/pyodide_runtime.py): npm brings the pinned Pyodide, checked
# against the registry's integrity, into a cache outside the repository, once. Without npm
# the book still builds (without it) and says so; the stamp sits in the cache.
PYODIDE_STAMP := $(shell $(PYTHON) tools/pyodide_runtime.py stamp)
$(PYODIDE_STAMP): tools/pyodide_runtime.py
	@$(PYTHON) tools/pyodide_runtime.py install --quiet-without-npm

book: $(VENV)/.installed-base $(PYODIDE_STAMP)
	$(PINNED) $(BIN)/python tools/build_book.py

# One pytest run: unit, property, reference and browser tests plus strict nbval on every
# notebook of _toc.yml. --dist loadfile keeps each notebook's cells in one worker (one
# kernel), and lets the notebooks run beside the long browser test, which conftest.py puts
# first and --no-loadscope-reorder keeps first (else xdist would start it last).
# BACKPROP_LIB_RUN_CACHE (backprop_lib/run_cache.py): a fresh directory for this run only, in
# which the book's build, the notebooks under nbval and the claims tests share each experiment
# they all compute; it is deleted when the run ends, pass or fail.
# $(call with_run_cache,command): the command with a fresh BACKPROP_LIB_RUN_CACHE directory,
# deleted when it ends, pass or fail; the command's exit status is kept.
with_run_cache = cache=$$(mktemp -d "$${TMPDIR:-/tmp}/backprop-run-cache.XXXXXX") && \
	BACKPROP_LIB_RUN_CACHE=$$cache $(1); status=$$?; rm -rf "$$cache"; exit $$status

test: $(VENV)/.installed-dev $(PYODIDE_STAMP)
	$(BIN)/ruff check backprop_lib tests tools
	$(call with_run_cache,$(PINNED) $(BIN)/python -m pytest -n 2 --dist loadfile \
		--no-loadscope-reorder --nbval --nbval-current-env tests $(NOTEBOOKS))

# The same run cache as make test: its two workers share the experiments they both compute.
fast: $(VENV)/.installed-dev
	$(call with_run_cache,$(PINNED) $(BIN)/python -m pytest -n 2 -m "not slow and not browser" tests)

# Options for jupyter lab, e.g. make lab LAB_ARGS="--port 9999 --no-browser". tools/lab.py
# adds --allow-root only when run as root and prints the address to open.
LAB_ARGS ?=
lab: $(VENV)/.installed-base
	$(BIN)/python tools/lab.py $(LAB_ARGS)

notebooks: $(VENV)/.installed-base
	$(PINNED) $(BIN)/python tools/run_notebooks.py $(NOTEBOOKS)

# PyTorch enters only this environment, never the learner's .venv: `make bench` and
# `make test-torch` use it. On the project's machines pip finds the local CPU wheel of
# torch 2.13.0 (for Python 3.11); elsewhere set TORCH_SPEC (e.g. a CPU build).
TORCH_SPEC ?= torch==2.13.0
BENCH_VENV := .venv-bench

$(BENCH_VENV)/.installed: requirements.txt constraints.txt pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip --disable-pip-version-check -q install \
		-c constraints.txt -r requirements.txt -e . "$(TORCH_SPEC)" "threadpoolctl>=3.1,<4"
	@touch $@

$(BENCH_VENV)/.installed-dev: $(BENCH_VENV)/.installed requirements-dev.txt constraints.txt
	$(BENCH_VENV)/bin/python -m pip --disable-pip-version-check -q install \
		-c constraints.txt -r requirements-dev.txt
	@touch $@

# Every test conftest.py marks `torch` (the files that import torch, the tests that
# importorskip it). BACKPROP_REQUIRE_TORCH=1 makes a torch that fails to import an error
# here, where `make test` reports these tests as skipped.
test-torch: $(BENCH_VENV)/.installed-dev
	BACKPROP_REQUIRE_TORCH=1 $(BENCH_VENV)/bin/python -m pytest -m torch tests

# OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE, set on some machines to work around old OpenBLAS
# bugs, make a current NumPy pick a slower kernel (seen: 214 against 320 GFLOP/s): the
# benchmark unsets them for itself only and prints the kernel it then runs.
bench: $(BENCH_VENV)/.installed $(VENV)/.installed-dev
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BENCH_VENV)/bin/python tools/bench.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check backprop_lib tests tools

clean:
	rm -rf _build .pytest_cache .hypothesis
