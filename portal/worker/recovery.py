"""Put back in the queue the tasks whose worker died while running them (kill -9, OOM, lost machine).

django-tasks-db marks a claimed task RUNNING with the worker's id and never looks at it again, so a
task whose worker was killed would stay RUNNING for ever. Our workers name themselves
``<host>:<pid>:<random>``; a RUNNING task whose last worker ran on this host and whose process is gone
is orphaned at once; one from another host (or from a worker that does not name itself this way) after
TASKS_ORPHAN_AFTER_SECONDS. Orphans go back to READY and run again: delivery is at-least-once, and the
tasks are written to be idempotent (each says how in its module).
"""

import datetime
import os
import socket
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult


def _host() -> str:
    return socket.gethostname()[:32]


def worker_id_new() -> str:
    """A worker id that says where the worker runs (at most 64 characters, django-tasks-db's limit)."""
    return f"{_host()}:{os.getpid()}:{get_random_string(12)}"


def _process_running_worker(pid: int) -> bool:
    """Is ``pid`` a live (not zombie) process of a worker on this host?"""
    proc = Path(f"/proc/{pid}")
    try:
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        command = (proc / "cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    except PermissionError:
        return True
    return state not in {"Z", "X"} and b"worker" in command


def _is_orphan(result: DBTaskResult, *, stale_before: datetime.datetime) -> bool:
    host, _, rest = (result.worker_ids[-1] if result.worker_ids else "").partition(":")
    pid = rest.partition(":")[0]
    if host == _host() and pid.isdigit():
        return not _process_running_worker(int(pid))
    return result.started_at is None or result.started_at < stale_before


def orphans_requeue(*, backend_name: str, now: datetime.datetime | None = None) -> int:
    """Return the orphaned RUNNING tasks of ``backend_name`` to READY; returns how many."""
    now = now or timezone.now()
    stale_before = now - datetime.timedelta(seconds=settings.TASKS_ORPHAN_AFTER_SECONDS)
    requeued = 0
    running = DBTaskResult.objects.filter(backend_name=backend_name, status=TaskResultStatus.RUNNING)
    for result in running.only("id", "worker_ids", "started_at"):
        if _is_orphan(result, stale_before=stale_before):
            # Only if still RUNNING under the same worker (it may have finished meanwhile).
            requeued += DBTaskResult.objects.filter(
                pk=result.pk, status=TaskResultStatus.RUNNING, worker_ids=result.worker_ids
            ).update(status=TaskResultStatus.READY, started_at=None)
    return requeued
