"""A migrated SQLite database, made once per migration content and copied for every throwaway node.

Migrating the whole project (about 250 migrations, most of them Wagtail's) costs about a minute of
CPU. The benchmarks, the two-node federation tests, the `make run` path test, the deployment
check and `make checks` each need a freshly migrated database; they copy this one instead of
running the same migrations again. The template is made by exactly what a deployment runs on an
empty file (``manage.py migrate`` with the dev settings, no DATABASE_URL), kept in
``var/cache/migrated/`` under a key of every migration file and the pinned requirements, and
written under a temporary name then renamed, under a file lock, so concurrent users (pytest-xdist
workers, parallel benches) wait for one migration and never read half a file.

Run as ``python bench/migrated.py PATH`` to put a migrated copy at PATH (no-op if PATH exists).
Scripts in bench/ import it as ``migrated``, tests as ``bench.migrated``.
"""

import fcntl
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "cache" / "migrated"
SERVICE_SWITCHES = ("DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL")


# What the data migrations read besides their own files (the reference tables they load, the material kinds)
DATA_MIGRATION_INPUTS = (
    "organizations/reference_data.py",
    "organizations/data/*",
    "catalog/reference_data.py",
    "catalog/data/*",
    "workflows/node_application/models/materials.py",
)


def key() -> str:
    """Digest of every migration of the project, of what its data migrations read and of the pinned
    requirements (third-party apps' migrations change only with them)."""
    digest = hashlib.sha256()
    sources = sorted(ROOT.glob("*/migrations/*.py")) + sorted(ROOT.glob("workflows/*/migrations/*.py"))
    sources += sorted(path for pattern in DATA_MIGRATION_INPUTS for path in ROOT.glob(pattern) if path.is_file())
    for path in [*sources, ROOT / "requirements.txt"]:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def sqlite_env(db_path: Path | str, **extra: str) -> dict[str, str]:
    """The environment of a process that uses the SQLite file ``db_path`` (no services)."""
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_SWITCHES}
    return {**env, "DJANGO_SETTINGS_MODULE": "portal.settings.dev", "SQLITE_PATH": str(db_path), **extra}


def template() -> Path:
    """The cached migrated SQLite file for the current migrations (made on first use)."""
    path = CACHE / f"{key()}.sqlite3"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():  # made by whoever held the lock before us
            return path
        partial = path.with_suffix(f".{os.getpid()}.partial")
        try:
            subprocess.run(
                [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
                env=sqlite_env(partial),
                cwd=ROOT,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            with sqlite3.connect(partial) as connection:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            os.replace(partial, path)
        finally:
            for leftover in partial.parent.glob(partial.name + "*"):
                leftover.unlink()
        for stale in CACHE.glob("*.sqlite3"):
            if stale != path:
                stale.unlink(missing_ok=True)
    return path


def migrated_copy(db_path: Path | str) -> Path:
    """Put a freshly migrated SQLite database at ``db_path`` (replacing what was there)."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in db_path.parent.glob(db_path.name + "-*"):  # a stale -wal/-shm would corrupt the copy
        leftover.unlink()
    shutil.copyfile(template(), db_path)
    return db_path


if __name__ == "__main__":
    target = Path(sys.argv[1])
    if not target.exists():
        migrated_copy(target)
