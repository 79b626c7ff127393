"""The periodic side of the worker: APScheduler triggers that only enqueue (the worker loop runs them).

Django's tasks API has no periodic tasks, and its maintained add-ons for it (django-crontask,
django-periodic-tasks) are not installable here (not on the package mirror / Python ≥ 3.13 only), so
the triggers come from APScheduler — the library those add-ons build on — and this module only wires
the table of schedule.py to ``Task.enqueue``. One scheduler per deployment (`run_worker`, not
`run_worker --no-schedule`).
"""

import datetime
import logging

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils.module_loading import import_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .recovery import orphans_requeue
from .schedule import SCHEDULE, Entry

logger = logging.getLogger(__name__)


def entry_enqueue(*, entry: Entry, backend_name: str) -> bool:
    """Enqueue ``entry``'s task unless its condition is false or a copy is still waiting or running."""
    task = import_string(entry.task).using(backend=backend_name)
    pending = DBTaskResult.objects.filter(
        backend_name=backend_name,
        task_path=task.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    )
    if pending.exists() or (entry.when is not None and not entry.when()):
        return False
    task.enqueue()
    return True


def _guarded(function, **kwargs) -> None:
    """Run one scheduler job on the scheduler's thread with a fresh database connection; log, never die."""
    close_old_connections()
    try:
        function(**kwargs)
    except Exception:
        logger.exception("scheduler job %s failed", getattr(function, "__name__", function))
    finally:
        connection.close()


def scheduler_build(*, backend_name: str) -> BackgroundScheduler:
    """A scheduler (not started) with one job per schedule entry and the orphan check every minute."""
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
        timezone=settings.TIME_ZONE,
    )
    now = datetime.datetime.now(datetime.UTC)
    for entry in SCHEDULE:
        # Interval entries also run at start: a restarted worker catches up at once, not a period later.
        first = {"next_run_time": now} if entry.trigger == "interval" else {}
        scheduler.add_job(
            _guarded,
            entry.trigger,
            args=[entry_enqueue],
            kwargs={"entry": entry, "backend_name": backend_name},
            id=entry.name,
            name=entry.name,
            **entry.every,
            **first,
        )
    scheduler.add_job(
        _guarded,
        "interval",
        args=[orphans_requeue],
        kwargs={"backend_name": backend_name},
        id="orphans",
        name="orphans",
        minutes=1,
    )
    return scheduler
