#!/bin/sh
# The node's production server: uvicorn's own process manager with one ASGI worker process per core.
#
#   DJANGO_SETTINGS_MODULE=portal.settings.production SECRET_KEY=... ALLOWED_HOSTS=... ORDER_ACCESS_KEYS=... FEDERATION_SEALING_KEYS=... \
#   DATABASE_URL=postgres://... REDIS_URL=redis://... deploy/serve.sh
#
# Why this topology (README, "Production"): one Python process holds one core (the GIL), so a 2-core
# machine needs two processes. `uvicorn --workers` spawns them on one listening socket (the kernel hands
# each connection to one of them), pings every worker and replaces one that hangs or dies, and rolls the
# workers one by one on SIGHUP; it speaks HTTP and websockets (the `websockets` package), which the live
# updates under ws/ need, with no extra package (gunicorn) and no second proxy hop per process (several
# daphne processes would each need their own port behind nginx). Each worker imports portal.asgi itself
# (spawned, not forked): its gc.freeze(), page-cache front, loop workers and search index are its own.
# REDIS_URL carries the cache (page cache, rate limits) and the channel layer across workers.
#
# --no-proxy-headers: the TLS proxy in front sets X-Forwarded-Proto and Django reads it
# (SECURE_PROXY_SSL_HEADER); the client address stays whatever Django's own settings make of the proxy's
# headers, in one place, not rewritten by the server first. --lifespan off: Django has no lifespan events.
# --timeout-keep-alive 75: longer than the proxy keeps an idle upstream connection (nginx: 60 s), so the
# server does not close a connection just as the proxy sends the next request on it.
#
# Environment: HOST (127.0.0.1), PORT (8000), WEB_CONCURRENCY (workers, default: the number of cores),
# PYTHON (the virtualenv's python), PROMETHEUS_MULTIPROC_DIR (default: /tmp/node-prometheus-PORT; emptied at
# start). Extra arguments go to uvicorn.
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
WEB_CONCURRENCY=${WEB_CONCURRENCY:-$(nproc 2>/dev/null || echo 2)}
export WEB_CONCURRENCY
if [ "$WEB_CONCURRENCY" -gt 1 ] && [ -z "${REDIS_URL:-}" ]; then
  echo "deploy/serve.sh: WARNING: $WEB_CONCURRENCY workers without REDIS_URL: each keeps its own cache and channel" \
    "layer (other workers' changes reach its cached pages only when they expire; rate limits count per worker)" >&2
fi
# /metrics adds up every worker's counters (prometheus_client's multiprocess mode, monitoring/metrics/prom.py):
# a directory of this server's own (one per port, so restarts reuse it), emptied at start.
if [ "$WEB_CONCURRENCY" -gt 1 ]; then
  PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-${TMPDIR:-/tmp}/node-prometheus-${PORT:-8000}}
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR" && rm -f "$PROMETHEUS_MULTIPROC_DIR"/*.db
  export PROMETHEUS_MULTIPROC_DIR
fi
exec "$PYTHON" -m uvicorn portal.asgi:application \
  --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}" --workers "$WEB_CONCURRENCY" \
  --ws websockets-sansio --lifespan off --no-proxy-headers --no-server-header \
  --timeout-keep-alive 75 --timeout-graceful-shutdown 20 --log-level "${UVICORN_LOG_LEVEL:-warning}" "$@"
