"""Background tasks of the catalogue: a provider's large bulk import, confirmed on the web page, runs on
the worker instead of inside the request (CATALOG_IMPORT_QUEUE_ROWS).

The import is all or nothing in one transaction and keyed on (provider, 服务商侧编号), so a run that
the worker repeats after being killed mid-way writes the file once: the killed run rolled back. The
stored upload is deleted only after a run ends, so a repeated run still finds it.
"""

from django.core.files.storage import storages
from django_tasks import task

STORED_ERRORS = 20


@task()
def provider_import_run(*, name: str, fmt: str, kind: str, provider_id: int, actor_id: int, filename: str) -> dict:
    from organizations.models import User

    from .imports import MODELS, file_import
    from .models import Provider

    storage = storages["private"]
    outcome = {"filename": filename, "provider_id": provider_id, "ok": False, "missing": False}
    try:
        with storage.open(name, "rb") as stream:
            report = file_import(
                model=MODELS[kind],
                provider=Provider.objects.get(pk=provider_id),
                stream=stream,
                fmt=fmt,
                actor=User.objects.filter(pk=actor_id).first(),
            )
    except FileNotFoundError:
        return outcome | {"missing": True}
    storage.delete(name)
    return outcome | {
        "ok": report.ok,
        "total_rows": report.total_rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "error_count": report.error_count,
        "errors": [
            {"row": error.row, "column": error.column, "message": error.message}
            for error in report.errors[:STORED_ERRORS]
        ],
    }


@task()
def federation_selftest(*, upstream: str = "", code: str = "") -> dict:
    """The integration self-test of this node against its upstream (catalog.network_selftest): enrol with the
    one-time code (once), then file, acknowledge, resolve, sync and report; the transcript goes upstream."""
    from .network_selftest import selftest_run

    return selftest_run(upstream=upstream, code=code)
