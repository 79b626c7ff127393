# The two commands: `make run` serves the node, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
DEV := DJANGO_SETTINGS_MODULE=portal.settings.dev

.PHONY: run serve worker test lint checks security-scan clean

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

## run-network: a national, the Sichuan regional and a Sichuan industry node (var/network/, ports NETWORK_PORT..+2,
## default 8100), demo data, enrolled with each other, outboxes drained; prints the URLs; Ctrl-C stops them
.PHONY: run-network
run-network: $(VENV)/.installed
	$(DEV) $(PY) manage.py run_network --host $(HOST) --base-port $(or $(NETWORK_PORT),8100)

serve:
	@echo ""
	@echo "Node platform on http://$(HOST):$(PORT)/"
	@echo "  portal        http://$(HOST):$(PORT)/"
	@echo "  Wagtail admin http://$(HOST):$(PORT)/cms/"
	@echo "  Django admin  http://$(HOST):$(PORT)/django-admin/"
	@echo "  API docs      http://$(HOST):$(PORT)/api/docs/  (OpenAPI: /api/schema/)"
	@echo "  worker        manage.py run_worker: queued and periodic tasks (restarted if it dies)"
	@echo ""
	@# The worker runs beside daphne in a restart loop; Ctrl-C (or daphne exiting) stops both. A worker
	@# that dies (kill -9) comes back in a second and re-queues the task it was running (portal/worker/).
	@trap 'kill $$loop 2>/dev/null; wait $$loop 2>/dev/null; exit 0' EXIT INT TERM; \
	( trap 'kill $$worker 2>/dev/null; wait $$worker; exit 0' TERM; \
	  while :; do \
	    $(DEV) $(PY) manage.py run_worker & worker=$$!; wait $$worker && exit 0; \
	    echo "worker stopped (status $$?), restarting in 1 s"; sleep 1; \
	  done ) & loop=$$!; \
	$(DEV) $(VENV)/bin/daphne -b $(HOST) -p $(PORT) portal.asgi:application

## worker: the background worker alone (e.g. beside a daphne started by hand)
worker: $(VENV)/.installed
	$(DEV) $(PY) manage.py run_worker

## test: install dev requirements and run the whole pytest suite on every core (pytest-xdist keeps
## pytest-django's order: transactional tests, which flush the database, run last on each worker).
## --maxschedchunk=1: tests go to whichever worker is free, one at a time (each keeps one queued), not in
## chunks: the slow server tests at the end of the order no longer pile up on one worker while the other idles
test: $(VENV)/.installed-dev
	$(VENV)/bin/pytest -n auto --maxschedchunk=1 --durations=40 $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

checks: $(VENV)/.installed-dev
	@mkdir -p var
	@# a new dev database starts as a copy of the cached migrated template (bench/migrated.py)
	$(PY) bench/migrated.py $${SQLITE_PATH:-var/db.sqlite3}
	$(DEV) $(PY) manage.py migrate --noinput -v 0
	$(DEV) $(PY) manage.py check
	$(DEV) $(PY) manage.py makemigrations --check --dry-run
	@# deploy checks include OpenAPI schema generation, which reads the (migrated) database
	DJANGO_SETTINGS_MODULE=portal.settings.production SECRET_KEY=ci-only-$$(date +%s)-not-a-real-secret-key-0123456789abcdef \
		ALLOWED_HOSTS=node.example.cn ORDER_ACCESS_KEYS=$$($(PY) -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())") \
		FEDERATION_SEALING_KEYS=$$($(PY) -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())") \
		$(PY) manage.py check --deploy --fail-level WARNING

## serve-prod: the production server (deploy/serve.sh): uvicorn with one ASGI worker process per core
## (WEB_CONCURRENCY=), production settings; needs SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL in the
## environment, and `manage.py migrate` + `manage.py collectstatic` run first (README, "Production")
.PHONY: serve-prod deploy-check
serve-prod: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=portal.settings.production HOST=$(HOST) PORT=$(PORT) PYTHON=$(PY) deploy/serve.sh

## deploy-check: the production path in a temporary directory: migrate, reference data, minimal content,
## collectstatic, deploy/serve.sh with several workers, every public entry point 200 over "https", bad Host 400
deploy-check: $(VENV)/.installed-dev
	$(PY) deploy/check.py $(if $(DEPLOY_CHECK_PORT),--port $(DEPLOY_CHECK_PORT)) $(if $(DEPLOY_CHECK_REDIS_PORT),--redis-port $(DEPLOY_CHECK_REDIS_PORT))

## security-scan: pip-audit + bandit on this deployment, stored as a VulnerabilityScan (system F)
security-scan: $(VENV)/.installed
	$(DEV) $(PY) manage.py security_scan

## bench-live: N websocket clients on daphne (loopback, throwaway SQLite), M status changes from another
## process; prints commit->receipt p50/p95/max, lost messages, server peak RSS (CLIENTS=, CHANGES=)
.PHONY: bench-live
bench-live: $(VENV)/.installed-dev
	$(PY) bench/live.py --clients $(or $(CLIENTS),1000) --changes $(or $(CHANGES),200)

## bench-holds: BUYERS concurrent buyers holding 1-3 cards each of one resource reporting CARDS cards, on a throwaway
## SQLite and (when DATABASE_URL is set) a throwaway PostgreSQL database; prints oversold (must be 0), accepted/refused,
## p50/p95 accept latency, then EXPIRING holds expiring: time to release them and the lag until selection shows them
.PHONY: bench-holds
bench-holds: $(VENV)/.installed-dev
	$(PY) bench/holds.py --buyers $(or $(BUYERS),200) --cards $(or $(CARDS),50) --threads $(or $(THREADS),200) --expiring $(or $(EXPIRING),10000)

## bench-review: 10,000 node applications across campaigns (throwaway SQLite); p50/p95 and queries of a reviewer's
## inbox, an application page and the applicant's status page (SIZE=, REQUESTS=)
.PHONY: bench-review
bench-review: $(VENV)/.installed-dev
	$(PY) bench/review.py --size $(or $(SIZE),10000) --requests $(or $(REQUESTS),200)

## bench-import: 100,000 resource rows (CSV) into a throwaway SQLite; rows/s and peak memory of the project's
## fast path vs import-export's defaults (on a 10,000-row prefix), and their ratio (ROWS=, DEFAULTS_ROWS=;
## ARGS=--feed-cost also runs the fast path without its change-feed rows: the feed's write cost)
.PHONY: bench-import
bench-import: $(VENV)/.installed-dev
	$(PY) bench/imports.py --rows $(or $(ROWS),100000) --defaults-rows $(or $(DEFAULTS_ROWS),10000) $(ARGS)

## bench-pages: home, a notice, the catalogue listing and a resource page on daphne (loopback, throwaway SQLite),
## anonymous visitors; req/s, p50/p95, CPU/request and correctness (CSRF, CSP nonce, freshness) per page cache:
## none, the home-made layer, Django's cache middleware, nginx proxy_cache (SECONDS= per page, CONCURRENCY=)
.PHONY: bench-pages
bench-pages: $(VENV)/.installed-dev
	$(PY) bench/pages.py --seconds $(or $(SECONDS),10) --concurrency $(or $(CONCURRENCY),8)

## bench-metrics: N provider samples through POST /api/v1/provider/metrics/ on loopback (throwaway SQLite) with the
## roll-ups running alongside (the worker, or ROLLER=loop: the old metrics_rollup --loop); samples/s, roll-up lag,
## full roll-up time, dashboard p50/p95, peak RSS (SAMPLES=, RESOURCES=, ROLLER=)
.PHONY: bench-metrics
bench-metrics: $(VENV)/.installed-dev
	$(PY) bench/metrics.py --samples $(or $(SAMPLES),1000000) --resources $(or $(RESOURCES),200) --roller $(or $(ROLLER),worker)

## bench-staleness: time from a commit in another process to the first search that sees it, two concurrent
## writer processes (status changes + a long import updating existing rows); p50/p95/max and misses; also on
## PostgreSQL with DATABASE_URL (SIZE=, CHANGES=, IMPORT_ROWS=)
.PHONY: bench-staleness
bench-staleness: $(VENV)/.installed-dev
	$(PY) bench/staleness.py --size $(or $(SIZE),20000) --status-changes $(or $(CHANGES),2000) --import-rows $(or $(IMPORT_ROWS),8000) $(ARGS)

## bench-load: open-loop mixed load (40% cached pages, 35% search API, 15% /select/, 10% provider PATCHes) at RATE req/s
## for DURATION s from a generator process, against (a) one daphne process and (b) deploy/serve.sh + Redis (throwaway
## SQLite, production settings); offered/achieved req/s, p50/p95/p99 per kind, errors, server RSS, load (WORKERS=)
.PHONY: bench-load
bench-load: $(VENV)/.installed-dev
	$(PY) bench/load.py --rate $(or $(RATE),60) --duration $(or $(DURATION),120) $(if $(WORKERS),--workers $(WORKERS)) $(ARGS)

## bench-federation: three nodes on loopback (national, regional, industry; throwaway SQLite each; BASE_PORT= puts them on
## BASE_PORT..+2): identifier resolution at the national node cold (two hops) and cached p50/p95, negative caching, against
## the owning node's own lookup (IDENTIFIERS=); the initial catalogue sync of SYNC= resources industry → regional (records/s,
## CPU per side, until the regional selection counts them); CHANGES= status changes at RATE=/s on the industry node: lag to
## the regional selection, a websocket client on the regional node and the national selection (p50/p95/max, lost,
## duplicated); then the regional node stopped OUTAGE= seconds during the changes: catch-up time after restart, lost, duplicated.
## BENCH_PARTS=resolution (or sync, lag; comma-separated) runs only those parts
.PHONY: bench-federation
bench-federation: $(VENV)/.installed-dev
	$(PY) bench/federation.py --identifiers $(or $(IDENTIFIERS),100) --sync $(or $(SYNC),100000) --changes $(or $(CHANGES),1000) --rate $(or $(RATE),20) --outage $(or $(OUTAGE),60) $(if $(BASE_PORT),--base-port $(BASE_PORT)) $(if $(BENCH_PARTS),--parts $(BENCH_PARTS))

## bench-search: compute selection at 100,000 resources, database backend vs naive ORM, and the index's memory per
## process (SIZE=..., ARGS=...)
.PHONY: bench-search
bench-search: $(VENV)/.installed-dev
	$(PY) bench/search.py --size $(or $(SIZE),100000) --baseline-queries $(or $(BASELINE_QUERIES),200) $(ARGS)

clean:
	rm -rf var/*.sqlite3* .pytest_cache
