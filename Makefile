# hpcsim: set-up, example run and tests. `make run` and `make test` do all set-up.
#
#   make setup   Debian MPI stack (apt) + virtual environment .venv (idempotent, quick when done)
#   make run     the quickstart example on 2 ranks
#   make test    the whole suite: serial tests, then MPI tests on 2 ranks
#   make bench   benchmarks (numbers go to docs/performance.md)

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
NP ?= 2
MPIRUN ?= mpirun --allow-run-as-root --oversubscribe -n $(NP)
APT_PACKAGES := openmpi-bin libopenmpi-dev python3-mpi4py python3-petsc4py python3-h5py-mpi \
                python3-scipy python3-venv python3-dev python3-pip
STAMP := $(VENV)/.hpcsim-setup

.PHONY: setup run test test-serial test-mpi bench docs clean

setup: $(STAMP)

$(STAMP): pyproject.toml tools/setup.sh
	bash tools/setup.sh "$(VENV)" $(APT_PACKAGES)
	touch $(STAMP)

run: setup
	$(MPIRUN) $(VENV)/bin/hpcsim run inputs/quickstart.toml
	@echo "output: runs/quickstart/output.h5   (summary: $(VENV)/bin/hpcsim summary runs/quickstart/output.h5)"

test: setup
	$(PY) -m pytest -q -p no:cacheprovider --color=no tests
	$(MPIRUN) $(PY) -m pytest -q -p no:cacheprovider --color=no --with-mpi -m mpi tests

test-serial: setup
	$(PY) -m pytest -q tests

test-mpi: setup
	$(MPIRUN) $(PY) -m pytest -q --with-mpi -m mpi tests

bench: setup
	$(PY) tools/bench_drift.py
	$(PY) tools/bench_wpi.py
	$(MPIRUN) $(PY) tools/bench_wpi.py

docs: setup
	$(PY) tools/gen_input_reference.py > docs/input_reference.md

clean:
	rm -rf runs build *.egg-info .pytest_cache
