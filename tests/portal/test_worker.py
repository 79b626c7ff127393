"""The worker (portal/worker/, manage.py run_worker): the schedule enqueues each periodic task once at a
time, tasks of dead workers go back to the queue, and a worker killed with SIGKILL loses no queued work."""

import datetime
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from bench.migrated import migrated_copy, sqlite_env
from monitoring.models import ResourceRollupPending
from portal.worker.recovery import orphans_requeue, worker_id_new
from portal.worker.schedule import SCHEDULE, entry_named
from portal.worker.scheduler import entry_enqueue, scheduler_build
from tests.monitoring.metrics_helpers import a100_resource, push

ROOT = Path(__file__).resolve().parents[2]
BACKEND = "database"  # the real queue (portal/settings/test.py); "default" runs tasks at once in tests


def test_every_schedule_entry_names_a_task_and_a_trigger():
    scheduler = scheduler_build(backend_name=BACKEND)
    assert {job.id for job in scheduler.get_jobs()} == {entry.name for entry in SCHEDULE} | {"orphans"}
    for entry in SCHEDULE:
        assert isinstance(import_string(entry.task), Task), entry.name
    assert entry_named("publish_scheduled").every == {"minute": "*"}


# The worker closes stale connections between tasks as in production: tests that run it are
# transactional (a test wrapped in a transaction would lose its connection on PostgreSQL).
@pytest.mark.django_db(transaction=True)
def test_a_periodic_task_is_enqueued_once_while_it_waits():
    entry = entry_named("publish_scheduled")
    assert entry_enqueue(entry=entry, backend_name=BACKEND) is True
    assert entry_enqueue(entry=entry, backend_name=BACKEND) is False
    assert DBTaskResult.objects.filter(task_path="portal.tasks.publish_scheduled", status="READY").count() == 1
    call_command("run_worker", "--backend", BACKEND, "--batch")
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert entry_enqueue(entry=entry, backend_name=BACKEND) is True  # the last one finished: due again


@pytest.mark.django_db(transaction=True)
def test_the_per_second_rollup_is_enqueued_only_when_samples_wait():
    entry = entry_named("metrics_resource_rollup")
    assert entry_enqueue(entry=entry, backend_name=BACKEND) is False
    resource = a100_resource()
    push(resource, (timezone.now() - datetime.timedelta(minutes=1), 16))
    assert ResourceRollupPending.objects.exists()
    assert entry_enqueue(entry=entry, backend_name=BACKEND) is True
    call_command("run_worker", "--backend", BACKEND, "--batch")
    assert not ResourceRollupPending.objects.exists()


def _running(worker_id: str, *, started: datetime.datetime) -> DBTaskResult:
    from portal.tasks import publish_scheduled

    result = publish_scheduled.using(backend=BACKEND).enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING", worker_ids=[worker_id], started_at=started)
    return DBTaskResult.objects.get(pk=result.id)


@pytest.mark.django_db
def test_tasks_of_dead_workers_go_back_to_the_queue_and_live_ones_stay():
    now = timezone.now()
    host = worker_id_new().split(":")[0]
    dead_here = _running(f"{host}:{os.getpid() + 10**7}:x", started=now)  # no such process on this host
    elsewhere_recent = _running("other-host:123:x", started=now - datetime.timedelta(minutes=5))
    elsewhere_stale = _running("other-host:124:x", started=now - datetime.timedelta(hours=2))
    assert orphans_requeue(backend_name=BACKEND, now=now) == 2
    states = dict(DBTaskResult.objects.values_list("pk", "status"))
    assert states == {dead_here.pk: "READY", elsewhere_recent.pk: "RUNNING", elsewhere_stale.pk: "READY"}
    assert DBTaskResult.objects.get(pk=dead_here.pk).started_at is None


def _status(db: Path) -> dict[str, tuple[str, int]]:
    """Each probe task's status and how many workers claimed it, read from the node's database file."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT args_kwargs, status, worker_ids FROM django_tasks_database_dbtaskresult"
        ).fetchall()
    return {
        Path(json.loads(args)["kwargs"]["marker"]).name: (status, len(json.loads(workers)))
        for args, status, workers in rows
    }


def _wait_for(predicate, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.slow
def test_a_worker_killed_with_sigkill_loses_no_queued_work(tmp_path):
    """Task A is running when the worker is killed (kill -9), task B still waits: after a restart both are
    done. A ran twice and finished once (at-least-once: the tasks are idempotent); B ran exactly once."""
    db = migrated_copy(tmp_path / "node.sqlite3")
    env = sqlite_env(db, PYTHONUNBUFFERED="1", LOG_LEVEL="WARNING")
    a, b, release = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "release"
    enqueue = (
        "from tests.portal.worker_probe import probe;"
        f"probe.enqueue(marker={str(a)!r}, release={str(release)!r});"
        f"probe.enqueue(marker={str(b)!r})"
    )
    subprocess.run([sys.executable, "manage.py", "shell", "-c", enqueue], cwd=ROOT, env=env, check=True)
    assert _status(db) == {"a.txt": ("READY", 0), "b.txt": ("READY", 0)}

    worker = [sys.executable, "manage.py", "run_worker", "--no-schedule", "--interval", "0.1"]
    first = subprocess.Popen(worker, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        _wait_for(lambda: a.exists() and "start" in a.read_text())
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert _status(db) == {"a.txt": ("RUNNING", 1), "b.txt": ("READY", 0)}

    release.touch()
    second = subprocess.run([*worker, "--batch"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "requeued 1 task(s) of dead workers" in second.stdout
    assert _status(db) == {"a.txt": ("SUCCESSFUL", 2), "b.txt": ("SUCCESSFUL", 1)}
    assert [line.split()[0] for line in a.read_text().splitlines()] == ["start", "start", "done"]
    assert [line.split()[0] for line in b.read_text().splitlines()] == ["start", "done"]


@pytest.mark.parametrize(("backend", "message"), [("nope", "no task backend"), ("default", "not a django-tasks-db")])
def test_the_worker_refuses_a_backend_that_is_not_a_queue(backend, message):
    with pytest.raises(CommandError, match=message):
        call_command("run_worker", "--backend", backend, "--batch")


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_in_a_rolled_back_transaction_never_runs():
    from django.db import transaction

    from portal.tasks import publish_scheduled

    with pytest.raises(RuntimeError), transaction.atomic():
        publish_scheduled.using(backend=BACKEND).enqueue()
        raise RuntimeError("the write failed")
    assert not DBTaskResult.objects.exists()
    with transaction.atomic():
        publish_scheduled.using(backend=BACKEND).enqueue()
    assert DBTaskResult.objects.get().status == "READY"
