# Two commands for a newcomer:  make demo   (install, migrate, demo region, serve)
#                               make test   (lint, checks, the suite on SQLite and PostgreSQL)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ADDRESS ?= 127.0.0.1:8000
DEMO_PEOPLE ?= 5000
# The PostgreSQL leg of the suite; pytest-django creates and drops test_<name> beside it.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
# The suite runs in this many processes (pytest-xdist), each with its own test database;
# work-stealing keeps both busy when the long browser tests come last; the ten slowest tests
# are listed, to see what makes the suite long.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal --durations=10

.PHONY: install lock demo serve test test-sqlite test-postgres lint clean

# Python packages come from requirements.lock, every one pinned with its hashes; the project
# itself is installed on top without resolving anything again.
$(BIN)/coproduce $(VENV)/.installed: pyproject.toml requirements.lock package.json package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build
	touch $(VENV)/.installed

install: $(VENV)/.installed

# After changing the dependencies in pyproject.toml: write requirements.lock again.
lock:
	$(BIN)/pip install --quiet "uv>=0.9"
	$(BIN)/uv pip compile pyproject.toml --extra test --extra demo --generate-hashes \
		--universal --python-version 3.11 --quiet --output-file requirements.lock \
		requirements-build.in

demo: install
	$(BIN)/coproduce migrate --noinput -v 0
	$(BIN)/coproduce demo --people $(DEMO_PEOPLE) --keep-existing
	@echo "Serving Coproduce at http://$(ADDRESS)/  (API docs: http://$(ADDRESS)/api/docs)"
	$(BIN)/coproduce serve $(ADDRESS)

serve: install
	$(BIN)/coproduce serve $(ADDRESS)

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/coproduce check --fail-level ERROR
	$(BIN)/coproduce makemigrations --check --dry-run

test-sqlite: install
	env -u DATABASE_URL $(PYTEST)

test-postgres: install
	DATABASE_URL=$(TEST_DATABASE_URL) $(PYTEST) --create-db

test: lint test-sqlite test-postgres

clean:
	rm -rf $(VENV) node_modules var src/coproduce/web/static/build
