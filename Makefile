# The two commands: `make run` serves the node, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
DEV := DJANGO_SETTINGS_MODULE=portal.settings.dev

.PHONY: run serve test lint checks security-scan clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

## run: install, migrate, load reference and demo data (idempotent), serve on http://$(HOST):$(PORT)
run: $(VENV)/.installed
	@mkdir -p var
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py load_reference_data
	$(DEV) $(PY) manage.py seed_demo
	@$(MAKE) --no-print-directory serve

serve:
	@echo ""
	@echo "Node platform on http://$(HOST):$(PORT)/"
	@echo "  portal        http://$(HOST):$(PORT)/"
	@echo "  Wagtail admin http://$(HOST):$(PORT)/cms/"
	@echo "  Django admin  http://$(HOST):$(PORT)/django-admin/"
	@echo "  API docs      http://$(HOST):$(PORT)/api/docs/  (OpenAPI: /api/schema/)"
	@echo ""
	$(DEV) $(VENV)/bin/daphne -b $(HOST) -p $(PORT) portal.asgi:application

## test: install dev requirements and run the whole pytest suite on every core (pytest-xdist keeps
## pytest-django's order: transactional tests, which flush the database, run last on each worker)
test: $(VENV)/.installed-dev
	$(VENV)/bin/pytest -n auto

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

checks: $(VENV)/.installed-dev
	@mkdir -p var
	$(DEV) $(PY) manage.py migrate --noinput -v 0
	$(DEV) $(PY) manage.py check
	$(DEV) $(PY) manage.py makemigrations --check --dry-run
	@# deploy checks include OpenAPI schema generation, which reads the (migrated) database
	DJANGO_SETTINGS_MODULE=portal.settings.production SECRET_KEY=ci-only-$$(date +%s)-not-a-real-secret-key-0123456789abcdef \
		ALLOWED_HOSTS=node.example.cn $(PY) manage.py check --deploy --fail-level WARNING

## security-scan: pip-audit + bandit on this deployment, stored as a VulnerabilityScan (system F)
security-scan: $(VENV)/.installed
	$(DEV) $(PY) manage.py security_scan

clean:
	rm -rf var/*.sqlite3* .pytest_cache
