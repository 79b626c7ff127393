"""Test databases made from a migrated template instead of migrating once per pytest-xdist worker.

Migrating the whole project (about 250 migrations, most of them Wagtail's) costs every worker close to a
minute of CPU at the start of each CI pass. Instead:

- SQLite (the in-memory test database): the pages of bench/migrated.py's template (what ``manage.py
  migrate`` makes on an empty file, cached under a key of every migration; the node tests copy it too) are
  copied into the in-memory database with SQLite's backup API before Django's ``migrate`` runs;
- PostgreSQL: the first worker migrates one template database (``<test name>_tmpl_<key>``) with
  ``manage.py migrate --run-syncdb`` under a file lock; every worker's test database is then made with
  ``CREATE DATABASE … TEMPLATE`` (Django's ``TEST["TEMPLATE"]``).

Django's own test-database creation still runs afterwards: its ``migrate`` finds every migration applied and
only sends ``post_migrate`` (content types, permissions), so the test database holds what it held before.
"""

import fcntl
import os
import sqlite3
import subprocess
import sys
import urllib.parse
from contextlib import contextmanager

import pytest

from bench.migrated import CACHE, ROOT, key, template

_kept_open: list[sqlite3.Connection] = []  # an in-memory SQLite database lives while a connection to it is open


def _sqlite_from_template(monkeypatch) -> None:
    from django.db.backends.sqlite3.creation import DatabaseCreation

    original = DatabaseCreation._create_test_db

    def create_from_template(creation, verbosity, autoclobber, keepdb=False):
        name = original(creation, verbosity, autoclobber, keepdb)
        if creation.is_in_memory_db(name) and not keepdb:
            target = sqlite3.connect(name, uri=True)
            source = sqlite3.connect(f"file:{template()}?mode=ro", uri=True)
            try:
                source.backup(target)
            finally:
                source.close()
            _kept_open.append(target)
        return name

    monkeypatch.setattr(DatabaseCreation, "_create_test_db", create_from_template)


@contextmanager
def _locked():
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".pg-template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _postgres_template(connection) -> str:
    """The name of a migrated template database on the test server (made on first use)."""
    settings_dict = connection.settings_dict
    prefix = f"test_{settings_dict['NAME']}_tmpl_"
    name = prefix + key()
    with _locked(), connection.creation._nodb_cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix.replace("_", r"\_") + "%"])
        existing = {row[0] for row in cursor.fetchall()}
        for stale in existing - {name, f"{name}_partial"}:  # made for other migrations (not one being made)
            if not stale.endswith("_partial"):
                cursor.execute(f'DROP DATABASE IF EXISTS "{stale}"')
        if name in existing:
            return name
        partial = f"{name}_partial"
        cursor.execute(f'DROP DATABASE IF EXISTS "{partial}"')
        cursor.execute(f'CREATE DATABASE "{partial}"')
        url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{partial}").geturl()
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "--run-syncdb", "--noinput", "-v", "0"],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        cursor.execute(f'ALTER DATABASE "{partial}" RENAME TO "{name}"')
    return name


@pytest.fixture(scope="session")
def _test_databases_from_template(request, django_db_blocker):
    """Installed before pytest-django's ``django_db_setup`` creates the test databases."""
    from django.conf import settings
    from django.db import connection

    if request.config.getoption("reuse_db", False) or os.environ.get("TEST_DB_MIGRATE_EACH") == "1":
        yield
        return
    monkeypatch = pytest.MonkeyPatch()
    if connection.vendor == "sqlite":
        _sqlite_from_template(monkeypatch)
    elif connection.vendor == "postgresql" and not connection.settings_dict["TEST"].get("TEMPLATE"):
        with django_db_blocker.unblock():
            name = _postgres_template(connection)
        for settings_dict in (settings.DATABASES["default"], connection.settings_dict):
            monkeypatch.setitem(settings_dict.setdefault("TEST", {}), "TEMPLATE", name)
    yield
    monkeypatch.undo()


if __name__ == "__main__":
    # `python -m tests.db_template`: .ci/run makes the PostgreSQL template (DATABASE_URL) beside lint and checks
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
    import django
    from django.db import connection

    django.setup()
    if connection.vendor == "postgresql":
        print(f"PostgreSQL test template: {_postgres_template(connection)}")
