# Lyfta — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
TEST_WORKERS ?= 2
export PYTHONDONTWRITEBYTECODE=1

.PHONY: run test lint fuzz venv migrate demo worker benchmark clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

venv: $(VENV)/.installed

## Run Lyfta: web UI + API (gunicorn), background worker and scheduler, on SQLite with demo data.
run: venv
	DJANGO_SETTINGS_MODULE=config.settings.demo $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=config.settings.demo $(PY) manage.py seed_demo
	DJANGO_SETTINGS_MODULE=config.settings.demo $(PY) manage.py collectstatic --noinput -v 0
	PORT=$(PORT) DJANGO_SETTINGS_MODULE=config.settings.demo $(VENV)/bin/honcho -f Procfile start

## Run the whole test suite (SQLite unless DATABASE_URL is set). "No tests" fails (pytest's exit 5).
## Browser tests need Debian's Chromium: scripts/ensure_chromium installs it as root, or says how;
## the test-only Node packages (axe-core, oidc-provider) come from scripts/ensure_node_tools (npm ci).
test: venv
	bash scripts/ensure_chromium
	bash scripts/ensure_node_tools
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

## Lint with ruff (config in pyproject.toml); LINT_ARGS=--fix to apply the safe fixes.
lint: venv
	$(VENV)/bin/ruff check . $(LINT_ARGS)

## Fuzz the API with schemathesis against a server it starts (scripts/fuzz_api.py; SQLite, or
## PostgreSQL when DATABASE_URL is set). FUZZ_ARGS="--max-time 60" to bound it differently.
fuzz: venv
	$(PY) scripts/fuzz_api.py $(FUZZ_ARGS)

benchmark: venv
	$(PY) -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf var/static .pytest_cache
