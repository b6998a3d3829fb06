# Real Estate OS — the commands docs, CI and evaluators rely on.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
# Presigned storage links and the mock vendors' callbacks point here; the worker posts callbacks
# to it too, so every process takes the same value instead of the API guessing it per request.
PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
export PUBLIC_BASE_URL
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install demo api worker beat migrate seed test lint format proofs bench checklist lock clean

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: $(STAMP) ## Create .venv and install the pinned dependencies (fast when nothing changed)

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

lock: ## Re-resolve requirements.lock from pyproject.toml
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

demo: install migrate seed ## Migrate, seed and run the platform in the foreground (Ctrl-C stops it)
	@bash scripts/demo.sh

api: install ## Run the API alone in the foreground (HOST, PORT)
	$(BIN)/uvicorn reos.main:create_app --factory --host $(HOST) --port $(PORT) --no-server-header

worker: install ## Run the Celery worker in the foreground (CELERY_BROKER_URL; embedded when unset)
	$(BIN)/celery -A reos.worker:celery worker -Q high_priority,default,low_priority --pool threads --concurrency 4 -l INFO

beat: install ## Run Celery beat in the foreground (housekeeping schedule, lost-task recovery)
	@mkdir -p var
	$(BIN)/celery -A reos.worker:celery beat -s var/celerybeat-schedule -l INFO

migrate: install ## Apply database migrations
	$(BIN)/alembic -c backend/alembic.ini upgrade head

seed: install ## Load the deterministic demo data (idempotent)
	$(BIN)/python scripts/seed_demo_data.py

test: install ## Run the test suite (real-service tests skip with a reason when absent)
	@mkdir -p var/test-results
	$(BIN)/pytest --junitxml=var/test-results/junit.xml $(PYTEST_ARGS)

lint: install ## ruff, formatting, mypy and the import-linter dependency contracts
	$(BIN)/ruff check backend providers scripts
	$(BIN)/ruff format --check backend providers scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix backend providers scripts
	$(BIN)/ruff format backend providers scripts

proofs: install ## Run the proofs and write an evidence pack under audit_artifacts/
	@bash scripts/run_proofs.sh

bench: install ## Benchmarks on PostgreSQL (BENCH_PG_DSN), as ratios to same-run baselines
	$(BIN)/python -m scripts.bench.run $(BENCH_ARGS)

checklist: ## Runtime checklist (compose stack with a Docker engine, native stack without)
	@bash scripts/DOCKER_RUNTIME_CHECKLIST.sh

clean: ## Remove local state (the SQLite database, keys, storage) — not the venv
	rm -rf var
