# One Makefile whose targets are exactly what CI runs. Every recipe stops at its
# first failing command.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := book
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Absolute, so chapters find the data whatever their working directory.
export DLBOOK_DATA ?= $(CURDIR)/data
# Where executing chapters record their headline results (dlbook.results).
export DLBOOK_RESULTS ?= $(CURDIR)/_build/results
# Strict: warnings are errors (-W), every reference must resolve (-n), and all
# warnings are reported before failing (--keep-going).
JB_FLAGS := --builder html -W -n --keep-going
SETUP_STAMP := $(VENV)/.setup-done

.PHONY: book test data setup lint clean lock gpu-outputs gpu-check

# The venv is (re)installed whenever the pinned requirements or the package's
# metadata change.
$(SETUP_STAMP): requirements.txt requirements-lock.txt code/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt -c requirements-lock.txt
	$(BIN)/python -m pip install --quiet --no-deps -e code
	touch $@

setup: $(SETUP_STAMP)

data: setup
	$(BIN)/python -m dlbook.data fetch

book: setup data
	$(BIN)/python tools/execution_cache.py
	$(BIN)/python tools/gpu_outputs.py prepare
	$(BIN)/jupyter-book build . $(JB_FLAGS)

# On a machine with CUDA: execute the chapters that need a GPU and record their
# outputs in gpu-records/ (commit them). gpu-check says which are fresh.
gpu-outputs: setup data
	$(BIN)/python tools/gpu_outputs.py record

gpu-check: setup
	$(BIN)/python tools/gpu_outputs.py check

lint: setup
	$(BIN)/ruff check code tests tools
	$(BIN)/ruff format --check code tests tools

test: setup data lint
	$(BIN)/pytest
	$(MAKE) --no-print-directory book

clean:
	rm -rf _build
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

# Regenerate the full lock after changing requirements.txt.
lock: setup
	$(BIN)/python -m pip freeze --exclude-editable > requirements-lock.txt
