"""Providers' bulk import page: upload → dry-run preview (per-row errors) → confirm.

Only a provider's own staff get here, and the provider is always the user's own organisation's
(never a form field), so another provider's records cannot be reached. The confirm step reads the
stored file again and re-validates everything: the preview is never trusted.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import storages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .. import selectors
from ..exports import provider_records_export_response
from ..imports import MODELS, file_import
from ..imports.forms import ImportUploadForm
from ..rules import is_provider_staff
from ..tasks import provider_import_run

SESSION_KEY = "catalog_import"
QUEUED_KEY = "catalog_import_queued"  # ids of this session's imports queued for the worker (newest last)
STORAGE_DIR = "imports"


def _provider(request):
    provider = selectors.provider_for_user(user=request.user)
    if provider is None or not is_provider_staff(request.user):
        raise PermissionDenied
    return provider


def _storage():
    return storages["private"]


def _forget_stale_previews(storage, *, older_than=timedelta(days=1)) -> None:
    """Uploads whose preview was never confirmed are removed after a day."""
    try:
        _dirs, files = storage.listdir(STORAGE_DIR)
        cutoff = timezone.now() - older_than
        for name in files:
            path = f"{STORAGE_DIR}/{name}"
            if storage.get_modified_time(path) < cutoff:
                storage.delete(path)
    except (FileNotFoundError, NotImplementedError, OSError):
        pass


def _render(request, provider, *, form, report=None, token=None, filename=""):
    return render(
        request,
        "catalog/import.html",
        {
            "provider": provider,
            "form": form,
            "report": report,
            "errors": report.errors if report else [],
            "token": token,
            "filename": filename,
            "kinds": form.fields["kind"].choices,
            "runs": selectors.import_runs(result_ids=request.session.get(QUEUED_KEY, []), provider=provider),
        },
    )


@never_cache
@login_required
def provider_import(request):
    """GET: the upload form. POST: store the file and show the dry-run preview."""
    provider = _provider(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return _render(request, provider, form=form)
    upload, kind = form.cleaned_data["file"], form.cleaned_data["kind"]
    storage, token = _storage(), uuid.uuid4().hex
    _forget_stale_previews(storage)
    name = storage.save(f"{STORAGE_DIR}/{token}.{upload.import_format}", upload)
    with storage.open(name, "rb") as stream:
        report = file_import(
            model=MODELS[kind],
            provider=provider,
            stream=stream,
            fmt=upload.import_format,
            actor=request.user,
            dry_run=True,
        )
    if not report.ok:
        storage.delete(name)
        token = None
    else:
        pending = request.session.get(SESSION_KEY, {})
        pending[token] = {
            "name": name,
            "fmt": upload.import_format,
            "kind": kind,
            "provider": provider.pk,
            "filename": upload.name,
            "rows": report.total_rows,
        }
        request.session[SESSION_KEY] = pending
    return _render(request, provider, form=form, report=report, token=token, filename=upload.name)


@require_POST
@login_required
def provider_import_confirm(request):
    provider = _provider(request)
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.pop(request.POST.get("token", ""), None)
    request.session[SESSION_KEY] = pending
    if entry is None or entry["provider"] != provider.pk:
        messages.error(request, _("预览已失效，请重新上传文件。"))
        return redirect("catalog:provider-import")
    if entry.get("rows", 0) >= settings.CATALOG_IMPORT_QUEUE_ROWS:
        return _queue(request, provider, entry)
    storage = _storage()
    try:
        with storage.open(entry["name"], "rb") as stream:
            report = file_import(
                model=MODELS[entry["kind"]], provider=provider, stream=stream, fmt=entry["fmt"], actor=request.user
            )
    except FileNotFoundError:
        messages.error(request, _("预览已失效，请重新上传文件。"))
        return redirect("catalog:provider-import")
    finally:
        if storage.exists(entry["name"]):
            storage.delete(entry["name"])
    if not report.ok:  # the data changed between preview and confirm: nothing was written
        form = ImportUploadForm(initial={"kind": entry["kind"]})
        return _render(request, provider, form=form, report=report, filename=entry["filename"])
    messages.success(
        request,
        _("已导入“%(file)s”：新增 %(created)d 条（待审核），更新 %(updated)d 条，未变 %(unchanged)d 条。")
        % {
            "file": entry["filename"],
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        },
    )
    return redirect("catalog:provider-import")


def _queue(request, provider, entry):
    """A large file: the worker imports it (catalog.tasks); the page shows how it went."""
    result = provider_import_run.enqueue(
        name=entry["name"],
        fmt=entry["fmt"],
        kind=entry["kind"],
        provider_id=provider.pk,
        actor_id=request.user.pk,
        filename=entry["filename"],
    )
    request.session[QUEUED_KEY] = [*request.session.get(QUEUED_KEY, [])[-9:], str(result.id)]
    messages.success(
        request,
        _("“%(file)s”共 %(rows)d 行，已交给后台导入；完成后结果显示在本页“后台导入”中。")
        % {"file": entry["filename"], "rows": entry["rows"]},
    )
    return redirect("catalog:provider-import")


@never_cache
@login_required
def provider_import_template(request, kind: str, fmt: str):
    """The provider's own records of one kind in the import columns (an empty template if none)."""
    provider = _provider(request)
    if kind not in MODELS or fmt not in ("csv", "xlsx"):
        raise Http404
    return provider_records_export_response(model=MODELS[kind], provider=provider, fmt=fmt)
