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
# `make publish` pushes the built site to this remote and branch.
REMOTE ?= origin
BRANCH ?= gh-pages

.PHONY: book test data setup lint clean lock gpu-outputs gpu-check system-deps \
	vendor pdf notebooks site site-test publish

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

# Debian packages for the PDF (TeX Live), the browser test (Chromium), the
# site's own MathJax and the data (npm, apt); needs root. Elsewhere `make pdf`
# etc. say what is missing.
system-deps:
	$(PYTHON) tools/system_deps.py install pdf browser vendor data

vendor: setup
	$(BIN)/python tools/system_deps.py check vendor
	$(BIN)/python tools/vendor.py

book: setup data vendor
	$(BIN)/python tools/execution_cache.py
	$(BIN)/python tools/gpu_outputs.py prepare
	$(BIN)/jupyter-book build . $(JB_FLAGS)

# The whole book as one PDF (XeLaTeX), linked from every page of the site.
pdf: book
	$(BIN)/python tools/system_deps.py check pdf
	$(BIN)/python tools/pdf.py

# One clean notebook per chapter, published with the site for Colab and Binder.
notebooks: book
	$(BIN)/python tools/notebooks.py

# Everything that is published: HTML, PDF, notebooks.
site: book pdf notebooks

# Tests of the built site: the PDF's text, the notebooks executed as Colab would
# run them, every page in a headless Chromium with no network.
site-test: site
	$(BIN)/python tools/system_deps.py check browser
	$(BIN)/pytest -m site

publish: site
	$(BIN)/ghp-import --no-jekyll --force --push --remote $(REMOTE) \
		--branch $(BRANCH) --message "Publish the book" _build/html

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
	$(MAKE) --no-print-directory site-test

clean:
	rm -rf _build
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

# Regenerate the full lock after changing requirements.txt.
lock: setup
	$(BIN)/python -m pip freeze --exclude-editable > requirements-lock.txt
