"""The node's worker: runs the task queue and, unless --no-schedule, the periodic schedule.

    manage.py run_worker                      # what `make run` and production start (one of them schedules)
    manage.py run_worker --no-schedule        # more workers beside the first, same queue
    manage.py run_worker --batch              # run what is queued, then exit
    manage.py run_worker --batch --enqueue metrics_rollup   # enqueue schedule entries now, run them, exit

At start it returns the tasks of dead workers to the queue (portal/worker/recovery.py); then it runs
django-tasks-db's own worker loop (claims with SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL, an
exclusive transaction on SQLite). Ctrl-C / SIGTERM finish the running task, then stop.
"""

from django.core.management.base import BaseCommand, CommandError
from django_tasks import task_backends
from django_tasks.exceptions import InvalidTaskBackendError
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker

from portal.worker.recovery import orphans_requeue, worker_id_new
from portal.worker.schedule import entry_named
from portal.worker.scheduler import entry_enqueue, scheduler_build


class Command(BaseCommand):
    help = "Run the background worker (task queue + periodic schedule)."

    def add_arguments(self, parser):
        parser.add_argument("--backend", default="default", help="the task backend (a django-tasks-db one)")
        parser.add_argument("--interval", type=float, default=0.5, help="seconds between polls of an empty queue")
        parser.add_argument("--no-schedule", action="store_true", help="do not enqueue the periodic tasks")
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit (no schedule)")
        parser.add_argument("--max-tasks", type=int, default=None, help="exit after this many tasks")
        parser.add_argument(
            "--enqueue", action="append", default=[], metavar="ENTRY", help="enqueue this schedule entry first"
        )

    def handle(self, *args, backend: str, interval: float, no_schedule: bool, batch: bool, **options):
        try:
            queue = task_backends[backend]
        except InvalidTaskBackendError:
            raise CommandError(f"no task backend {backend!r} in settings.TASKS") from None
        if not isinstance(queue, DatabaseBackend):
            raise CommandError(f"backend {backend!r} is not a django-tasks-db backend")
        requeued = orphans_requeue(backend_name=backend)
        if requeued:
            self.stdout.write(f"requeued {requeued} task(s) of dead workers")
        for name in options["enqueue"]:
            try:
                entry_enqueue(entry=entry_named(name), backend_name=backend)
            except KeyError:
                raise CommandError(f"no schedule entry {name!r}") from None
        worker = Worker(
            queue_names=["*"],
            interval=interval,
            batch=batch,
            backend_name=backend,
            startup_delay=False,
            max_tasks=options["max_tasks"],
            worker_id=worker_id_new(),
            excluded_queue_names=[],
        )
        scheduler = None if (batch or no_schedule) else scheduler_build(backend_name=backend)
        if not batch:
            worker.configure_signals()
            self.stdout.write(
                f"worker {worker.worker_id} on backend {backend!r}, schedule {'off' if no_schedule else 'on'}"
            )
        if scheduler is not None:
            scheduler.start()
        try:
            worker.run()
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
