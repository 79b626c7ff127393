"""Background tasks of the Wagtail site and of the task queue itself."""

from django.conf import settings
from django.core.management import call_command
from django_tasks import task


@task()
def publish_scheduled() -> str:
    """Wagtail's scheduled publishing: notices whose go-live time has come go live, expired ones expire."""
    call_command("publish_scheduled", verbosity=0)
    return "ok"


@task()
def task_results_prune() -> str:
    """Delete finished task results older than TASKS_RESULT_RETENTION_DAYS (django-tasks-db's own command)."""
    days = str(settings.TASKS_RESULT_RETENTION_DAYS)
    for alias, config in settings.TASKS.items():
        if config["BACKEND"] == "django_tasks_db.DatabaseBackend":
            call_command(
                "prune_db_task_results",
                *("--backend", alias, "--min-age-days", days, "--failed-min-age-days", days),
                verbosity=0,
            )
    return "ok"
