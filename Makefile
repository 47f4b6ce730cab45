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
SETUP_STAMP := $(VENV)/.setup-done
# Written once every dataset is fetched and verified; data.py says what to fetch.
DATA_STAMP := $(DLBOOK_DATA)/.fetched
# The build tools' commands (tools/booktools/commands), run from the venv.
RUN := $(BIN)/python -m booktools.commands
# `make publish` pushes the built site to this remote and branch.
REMOTE ?= origin
BRANCH ?= gh-pages

.PHONY: book test data setup lint clean lock gpu-outputs gpu-check system-deps \
	vendor pdf notebooks student site site-test publish offline-pack

# The venv is (re)installed whenever the pinned requirements or the packages'
# metadata change: the book's package (code/) and its build tools (tools/).
$(SETUP_STAMP): requirements.txt requirements-lock.txt code/pyproject.toml \
		tools/pyproject.toml tools/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt -r tools/requirements.txt \
		-c requirements-lock.txt
	$(BIN)/python -m pip install --quiet --no-deps -e code -e tools
	touch $@

setup: $(SETUP_STAMP)

# `make data` fetches and verifies every dataset; `make book` does so only
# when the stamp is older than the list of datasets (a no-change build stays
# fast). Loaders verify what they read and name `make data` when it is wrong.
data: setup
	$(ENSURE) data
	$(BIN)/python -m dlbook.data fetch
	touch $(DATA_STAMP)

$(DATA_STAMP): code/dlbook/data.py | $(SETUP_STAMP)
	$(MAKE) --no-print-directory data

# Debian packages for the PDF (TeX Live), the browser test (Chromium), the
# site's own MathJax and the data (npm, apt). Each target below installs the
# group it needs when it runs as root or sudo asks no password, and otherwise
# stops with the command that installs them; this installs them all at once.
ENSURE := PYTHONPATH=tools $(PYTHON) -m booktools.commands.system_deps ensure
system-deps:
	$(ENSURE) pdf browser vendor data

vendor: setup
	$(ENSURE) vendor
	$(RUN).vendor

# The HTML book, strictly. The execution-cache guard and the recorded GPU
# outputs run inside the build (booktools.sphinx), as in `jupyter-book build .`.
book: setup $(DATA_STAMP) vendor
	$(RUN).build

# The whole book as one PDF (XeLaTeX), linked from every page of the site.
pdf: book
	$(ENSURE) pdf
	$(RUN).pdf

# One clean notebook per chapter, published with the site for Colab and Binder.
notebooks: book
	$(RUN).notebooks

# The student edition, without exercise solutions (HTML, PDF, notebooks), in
# the site's student/ folder; the full edition is the instructors' key.
student: pdf notebooks
	$(ENSURE) pdf
	$(RUN).student
	$(RUN).notebooks --student

# Everything that is published: both editions, each chapter's PDF and lecture
# slides, and the full edition as one archive for reading offline.
site: book pdf notebooks student
	$(RUN).offline_pack

offline-pack: site

# Tests of the built site: the PDF's text, the notebooks executed as Colab would
# run them, every page in a headless Chromium with no network.
site-test: site
	$(ENSURE) browser
	$(BIN)/pytest -m site

# Publishing states its GPU policy: strict once every GPU chapter has a record
# (a stale one fails the build); until then those pages say "CPU preview".
publish: export DLBOOK_GPU_POLICY = publish
publish: site
	$(BIN)/ghp-import --no-jekyll --force --push --remote $(REMOTE) \
		--branch $(BRANCH) --message "Publish the book" _build/html

# On a machine with CUDA: execute the chapters that need a GPU and record their
# outputs in gpu-records/ (commit them). gpu-check says which are fresh.
gpu-outputs: setup $(DATA_STAMP)
	$(RUN).gpu_records record

gpu-check: setup
	$(RUN).gpu_records check

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
