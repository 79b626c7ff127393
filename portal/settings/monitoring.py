"""Operation monitoring settings (system E): metrics retention, /metrics, request counts; imported by base.py."""

import environ

_env = environ.Env()

# Raw provider samples are kept this many days; hourly roll-ups longer; daily roll-ups forever (0).
METRICS_RAW_RETENTION_DAYS = _env.int("METRICS_RAW_RETENTION_DAYS", default=35)
METRICS_HOURLY_RETENTION_DAYS = _env.int("METRICS_HOURLY_RETENTION_DAYS", default=400)
METRICS_DAILY_RETENTION_DAYS = _env.int("METRICS_DAILY_RETENTION_DAYS", default=0)
# Bearer token Prometheus scrapes /metrics with (node operators may also open it signed in).
METRICS_SCRAPE_TOKEN = _env.str("METRICS_SCRAPE_TOKEN", default="")
# API request counts are buffered in each process and written every N requests, and at the latest
# S seconds after the first buffered request (a timer of the process that holds the buffer; 0: never).
METRICS_REQUEST_FLUSH_EVERY = _env.int("METRICS_REQUEST_FLUSH_EVERY", default=200)
METRICS_REQUEST_FLUSH_SECONDS = _env.float("METRICS_REQUEST_FLUSH_SECONDS", default=5.0)
