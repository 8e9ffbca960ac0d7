# Sharing: the two commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/sharing
TEST_REDIS_URL ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/0)
PYTEST_ARGS ?= -n 2 --dist loadfile -q
# The API fuzz runs in a process of its own, without xdist: under xdist, schemathesis' one parametrized
# test ran a single API operation of 119 and reported one pass (tests/api/test_fuzz.py refuses xdist now).
FUZZ_TESTS := tests/api/test_fuzz.py

.PHONY: help demo serve stack test test-sqlite test-postgres lint bench fuzz clean

help:
	@echo "make demo   set up, load demo data and serve http://$(HOST):$(PORT)"
	@echo "make test   install test tools and run the whole suite (SQLite, then PostgreSQL + Redis)"
	@echo "make stack  production on this machine: nginx, 2 web, 2 workers, scheduler on PostgreSQL + Redis"

# Installs are redone only when a requirements file changes.
$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

demo: $(VENV)/.installed
	PY=$(PY) bash scripts/messages.sh compile
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(MAKE) --no-print-directory serve

# The site, its task worker, and (when no real Stripe key is set) localstripe.
serve: $(VENV)/.installed
	PY=$(PY) HOST=$(HOST) PORT=$(PORT) bash scripts/serve.sh

# Production on one machine, on 127.0.0.1:$(STACK_PORT): nginx (Debian's package, installed when
# missing) in front of the Procfile's processes (2 web, 2 workers, the scheduler) on PostgreSQL + Redis.
STACK_PORT ?= 8080
STACK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/sharing_stack
STACK_REDIS_URL ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/0)
stack: $(VENV)/.installed
	bash scripts/ensure_stack_packages.sh
	$(PY) scripts/stack.py --listen $(STACK_PORT) --database-url "$(STACK_DATABASE_URL)" --redis-url "$(STACK_REDIS_URL)"

# The layering contracts, ruff, formatting, types and module sizes (see pyproject.toml); `make test` runs it first.
lint: $(VENV)/.installed-dev
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) scripts/check_module_size.py

test: $(VENV)/.installed-dev
	bash scripts/ensure_test_system_packages.sh
	bash scripts/ensure_stack_packages.sh
	$(MAKE) --no-print-directory lint
	@echo "== Translations: no untranslated or fuzzy entry after extraction, then compiled"
	PY=$(PY) bash scripts/messages.sh check
	PY=$(PY) bash scripts/messages.sh compile
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: $(VENV)/.installed-dev
	@echo "== Test pass 1/2: embedded defaults (SQLite, in-memory channel layer)"
	env -u DATABASE_URL -u REDIS_URL $(VENV)/bin/pytest $(PYTEST_ARGS) --ignore=$(FUZZ_TESTS)
	env -u DATABASE_URL -u REDIS_URL $(VENV)/bin/pytest -q $(FUZZ_TESTS)

test-postgres: $(VENV)/.installed-dev
	@if $(PY) scripts/services_up.py "$(TEST_DATABASE_URL)" "$(TEST_REDIS_URL)"; then \
		echo "== Test pass 2/2: PostgreSQL ($(TEST_DATABASE_URL)) and Redis ($(TEST_REDIS_URL))"; \
		DATABASE_URL="$(TEST_DATABASE_URL)" REDIS_URL="$(TEST_REDIS_URL)" $(VENV)/bin/pytest $(PYTEST_ARGS) --ignore=$(FUZZ_TESTS) && \
		DATABASE_URL="$(TEST_DATABASE_URL)" REDIS_URL="$(TEST_REDIS_URL)" $(VENV)/bin/pytest -q $(FUZZ_TESTS); \
	elif [ "$$CI" = "true" ]; then \
		echo "CI=true and PostgreSQL or Redis is not answering: failing instead of skipping."; exit 1; \
	else \
		echo "PostgreSQL or Redis is not answering on $(TEST_DATABASE_URL) / $(TEST_REDIS_URL): skipped the second pass."; \
	fi

# Every benchmark at sizes that finish within ~15 minutes on 2 cores, then one table.
bench: $(VENV)/.installed-dev
	$(PY) bench/run_all.py

# The API fuzzed harder than `make test` does (which runs 15 examples per operation).
fuzz: $(VENV)/.installed-dev
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-300} env -u DATABASE_URL -u REDIS_URL $(VENV)/bin/pytest tests/api -q

clean:
	rm -rf $(VENV) staticfiles .test-db* test-artifacts
