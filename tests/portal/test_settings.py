"""Settings are driven by the environment only: each case imports a settings module in a clean process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.migrated import migrated_copy

ROOT = Path(__file__).resolve().parents[2]
SWITCHES = (
    "DATABASE_URL",
    "REDIS_URL",
    "ELASTICSEARCH_URL",
    "NODE_ROLE",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "ORDER_ACCESS_KEYS",
    "FEDERATION_SEALING_KEYS",
    "NODE_SIGNATURE_ALGORITHM",
    "SQLITE_PATH",
    "DEBUG",
)

PROBE = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"],
    "options": {k: v for k, v in db.get("OPTIONS", {}).items() if k != "init_command"},
    "init_command": db.get("OPTIONS", {}).get("init_command", ""),
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "search": settings.SEARCH_BACKEND,
    "wagtail_search": settings.WAGTAILSEARCH_BACKENDS["default"]["BACKEND"],
    "node_role": settings.NODE_ROLE,
    "language": settings.LANGUAGE_CODE,
    "languages": [code for code, _ in settings.LANGUAGES],
    "time_zone": settings.TIME_ZONE,
    "debug": settings.DEBUG,
}))
"""


def run(module: str, code: str = PROBE, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SWITCHES}
    clean.update(env, DJANGO_SETTINGS_MODULE=module)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def probe(module: str = "portal.settings.dev", **env: str) -> dict:
    result = run(module, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_defaults_need_no_services():
    settings = probe()
    assert settings["engine"] == "django.db.backends.sqlite3"
    assert settings["options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in settings["init_command"]
    assert settings["layer"] == "channels.layers.InMemoryChannelLayer"
    assert settings["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert settings["search"] == "database"
    assert settings["wagtail_search"] == "wagtail.search.backends.database"
    assert settings["node_role"] == "regional"
    assert settings["language"] == "zh-hans" and "en" in settings["languages"]
    assert settings["time_zone"] == "Asia/Shanghai"


def test_make_run_serves_with_debug_off_unless_a_developer_sets_it():
    assert probe()["debug"] is False
    assert probe(DEBUG="1")["debug"] is True


def test_environment_switches_to_the_production_services():
    settings = probe(
        DATABASE_URL="postgres://node:pw@db.internal:5432/node",
        REDIS_URL="redis://cache.internal:6379/0",
        ELASTICSEARCH_URL="http://search.internal:9200",
        NODE_ROLE="industry",
    )
    assert settings["engine"] == "django.db.backends.postgresql"
    assert settings["layer"] == "channels_redis.core.RedisChannelLayer"
    assert settings["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert settings["search"] == "elasticsearch"
    assert settings["wagtail_search"] == "wagtail.search.backends.elasticsearch8"
    assert settings["node_role"] == "industry"


def test_unknown_signature_algorithm_is_refused():
    result = run("portal.settings.dev", NODE_SIGNATURE_ALGORITHM="rsa")
    assert result.returncode != 0
    assert "NODE_SIGNATURE_ALGORITHM: ed25519 or sm2, not 'rsa'" in result.stderr


def test_unknown_node_role_is_refused():
    result = run("portal.settings.dev", NODE_ROLE="provincial")
    assert result.returncode != 0
    assert "NODE_ROLE must be one of regional, industry, national" in result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "ORDER_ACCESS_KEYS", "FEDERATION_SEALING_KEYS"])
def test_production_refuses_to_start_without_secrets(missing):
    env = {
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "node.example.cn",
        "ORDER_ACCESS_KEYS": "k" * 43 + "=",
        "FEDERATION_SEALING_KEYS": "s" * 43 + "=",
    }
    del env[missing]
    result = run("portal.settings.production", **env)
    assert result.returncode != 0
    assert f"{missing} must be set in the environment for production" in result.stderr


def test_production_passes_the_deployment_checklist(tmp_path):
    code = "import sys; from django.core.management import execute_from_command_line as m; m(sys.argv)"
    # as on a deployment: migrated (bench.migrated), then check (schema generation reads the database)
    migrated_copy(tmp_path / "deploy.sqlite3")
    result = subprocess.run(
        [sys.executable, "-c", code, "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in SWITCHES},
            "DJANGO_SETTINGS_MODULE": "portal.settings.production",
            "SECRET_KEY": "ci-only-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOP",
            "ALLOWED_HOSTS": "node.example.cn",
            "ORDER_ACCESS_KEYS": "cHJvZHVjdGlvbi1jaGVjay1hY2Nlc3Mta2V5LTAwMDA=",
            "FEDERATION_SEALING_KEYS": "cHJvZHVjdGlvbi1jaGVjay1zZWFsaW5nLWtleS0wMDA=",
            # schema generation (a deploy check of drf-spectacular) opens the database
            "SQLITE_PATH": str(tmp_path / "deploy.sqlite3"),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_sqlite_runs_in_wal_mode(tmp_path):
    code = "import django; django.setup(); from django.db import connection as c; cur = c.cursor(); "
    code += "print(cur.execute('PRAGMA journal_mode').fetchone()[0], cur.execute('PRAGMA foreign_keys').fetchone()[0])"
    result = run("portal.settings.dev", code=code, SQLITE_PATH=str(tmp_path / "wal.sqlite3"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "1"]
