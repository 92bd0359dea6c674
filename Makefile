# Two commands work on a fresh machine: `make demo` and `make test`.
# Each creates the virtual environment and installs what it needs by itself.

PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-test
BSTAMP  := $(VENV)/.installed-bench
GSTAMP  := $(VENV)/.installed-grading
OUT     ?= out

.PHONY: demo test lint bench bench-grading bench-isolation bench-scale bench-dask clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	touch $@

$(BSTAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install -q -e '.[test,bench]'
	touch $@

$(GSTAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install -q -e '.[test,grading]'
	touch $@

## The instructor's main job: release, grade the samples, report; then the engine demo.
demo: $(STAMP)
	$(PY) -m course demo --out $(OUT)

## The test suite (pytest) and the linter.
test: $(STAMP)
	$(PY) -m pytest -q
	$(PY) -m ruff check course autograder coursekit tests benchmarks tools

lint: $(STAMP)
	$(PY) -m ruff check course autograder coursekit tests benchmarks tools

## Benchmarks against PyTorch CPU (not part of `make test`).
bench: $(BSTAMP)
	$(PY) benchmarks/bench_train_step.py

## course grade vs nbgrader autograde vs otter run on one batch (not part of `make test`).
## Extra arguments: make bench-grading ARGS="--n 40 --rounds 2".
bench-grading: $(GSTAMP)
	$(PY) benchmarks/bench_grading.py $(ARGS)

## course grade's seconds per submission on each isolation backend that works here, same
## batch, one run (as root, rootless runs as ARGS="--user NAME").
bench-isolation: $(STAMP)
	$(PY) benchmarks/bench_isolation.py $(ARGS)

## A large batch (default 2,000 submissions copied from the samples): submissions per hour
## per tenth of the batch and peak RSS. Extra arguments: make bench-scale ARGS="--n 500".
bench-scale: $(STAMP)
	$(PY) benchmarks/bench_scale.py $(ARGS)

## `course grade --executor dask` on a LocalCluster of 2 against --jobs 2, same batch
## (default 40 submissions from the samples). Extra arguments: make bench-dask ARGS="--n 80".
bench-dask: $(GSTAMP)
	$(PY) benchmarks/bench_dask.py $(ARGS)

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache *.egg-info
