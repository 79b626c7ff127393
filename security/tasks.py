"""Background tasks of system F. `portal/worker/schedule.py` says when; each is idempotent (at-least-once)."""

from django_tasks import task


@task()
def security_scan() -> dict[str, int | str]:
    """pip-audit + bandit on this deployment, stored as a VulnerabilityScan (offline: stored as incomplete)."""
    from .services import vulnerability_scan_run

    scan = vulnerability_scan_run()
    return {"scan": scan.pk, "status": scan.status}
