# homeiq-assets: `make run` sets everything up and prepares models for production (simulate,
# collect, train, gate, deploy, readiness report); `make test` tests.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export HOMEIQ_DATA_DIR ?= $(CURDIR)/data
export HOMEIQ_DAGSTER_STORAGE_DIR ?= $(HOMEIQ_DATA_DIR)/dagster
export DAGSTER_HOME ?= $(CURDIR)

# two gates (home type, device failure) cannot be met honestly on this data (see README), so
# `make run` deploys with the low-quality flag; the report and model metadata record it
RUN_FLAGS ?= --allow-low-quality

.PHONY: install run test postgres lint format ui bench bench-compare clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@mkdir -p $(HOMEIQ_DAGSTER_STORAGE_DIR)
	$(BIN)/homeiq prepare-for-production $(RUN_FLAGS)

# PostgreSQL server binaries for the deployment topology test (installed with apt-get as root)
postgres:
	@bash tools/ensure_postgres.sh

# the tests, with line coverage per package (sim/, collect/, export/ must stay at 90 % or more)
test: $(STAMP) postgres
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	rm -f .coverage .coverage.*
	$(BIN)/pytest -q --cov=homeiq_assets --cov-report=
	$(BIN)/python tools/coverage_by_package.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# the Dagster UI (and daemon) on 127.0.0.1:3000, on the same local instance as `make run`
ui: $(STAMP)
	@mkdir -p $(HOMEIQ_DAGSTER_STORAGE_DIR)
	VIRTUAL_ENV=$(abspath $(VENV)) PATH=$(abspath $(BIN)):$$PATH $(BIN)/dg dev -h 127.0.0.1 -p 3000

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# this checkout against an earlier commit, side by side in one run: make bench-compare REV=HEAD~1
REV ?= HEAD~1
WHAT ?= simulation collection
bench-compare: $(STAMP)
	$(BIN)/python benchmarks/compare.py $(REV) --what $(WHAT)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage .coverage.*
