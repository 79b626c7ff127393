"""Operators' security pages. Everyone who is not a node operator gets 404: the pages do not exist for them."""

import base64
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog.spreadsheets import SpreadsheetCSVWriter

from . import audit_trail, selectors, services
from .forms import AuditLogFilterForm, SecurityEventFilterForm, TokenForm, UnlockForm


def _require(request, perm: str) -> None:
    if not (request.user.is_authenticated and request.user.has_perm(perm)):
        raise Http404


def security_dashboard(request):
    _require(request, "security.view_security")
    form = SecurityEventFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.security_event_list(
        kind=filters.get("kind", ""),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        query=filters.get("q", ""),
    )
    now = timezone.now()
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "filtered_counts": selectors.security_event_counts(events=events),
        "counts_24h": selectors.security_event_counts(
            events=selectors.security_event_list().filter(occurred_at__gte=now - timedelta(hours=24))
        ),
        "lockouts": selectors.login_lockouts_active(),
        "unlock_form": UnlockForm(),
        "risks": selectors.risk_assessment_list(),
        "scans": selectors.vulnerability_scan_recent(),
        "today": timezone.localdate(),
        "query_string": _without_page(request),
    }
    return render(request, "security/security_event.html", context)


@require_POST
def login_unlock(request):
    _require(request, "security.unlock_login")
    form = UnlockForm(request.POST)
    if form.is_valid():
        removed = services.login_unlock(
            actor=request.user,
            username=form.cleaned_data["username"],
            ip_address=form.cleaned_data["ip_address"] or "",
            request=request,
        )
        messages.success(request, _("已解除锁定（清除 %(n)s 条失败记录）。") % {"n": removed})
    else:
        for error in form.errors.values():
            messages.error(request, " ".join(error))
    return redirect("security:security")


AUDIT_CSV_HEADER = [
    "timestamp",
    "actor",
    "action",
    "app",
    "model",
    "object_id",
    "object",
    "changes",
    "remote_addr",
    "source",
    "object_type",
]
AUDIT_CSV_CHUNK = 500


def audit_log(request):
    _require(request, "security.view_audit_log")
    form = AuditLogFilterForm(
        request.GET or None,
        content_types=audit_trail.audit_trail_content_types(),
        sources=audit_trail.SOURCE_CHOICES,
    )
    filters = form.cleaned_data if form.is_valid() else {}
    content_type = filters.get("model")
    keys = audit_trail.audit_trail_keys(
        content_type_id=content_type.pk if content_type else None,
        actor=filters.get("actor", ""),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        action=filters.get("action"),
        source=filters.get("source", ""),
    )
    if request.GET.get("format") == "csv":
        return _audit_csv(keys)
    page = Paginator(keys, 50).get_page(request.GET.get("page"))
    page.object_list = audit_trail.audit_trail_rows(page.object_list)
    return render(
        request,
        "security/audit_log.html",
        {"form": form, "page_obj": page, "query_string": _without_page(request)},
    )


class _Echo:
    def write(self, value):
        return value


def _audit_csv(keys) -> HttpResponse:
    writer = SpreadsheetCSVWriter(_Echo())

    def rows():
        yield "\ufeff" + writer.writerow(AUDIT_CSV_HEADER)  # BOM: Excel opens UTF-8 Chinese correctly
        chunk = []
        for key in keys.iterator(chunk_size=AUDIT_CSV_CHUNK):
            chunk.append(key)
            if len(chunk) == AUDIT_CSV_CHUNK:
                yield from (writer.writerow(_csv_row(row)) for row in audit_trail.audit_trail_rows(chunk))
                chunk = []
        yield from (writer.writerow(_csv_row(row)) for row in audit_trail.audit_trail_rows(chunk))

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response


def _csv_row(row) -> list:
    return [
        row.when,
        row.actor_login,
        row.action,
        row.app_label,
        row.model,
        row.object_id,
        row.object_repr,
        row.changes_line,
        row.remote_addr,
        row.source,
        row.type_label,
    ]


def _without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return query.urlencode()


def second_factor_setup(request):
    """Reviewers and operators add (or remove) an authenticator app; everyone else gets 404."""
    if not services.second_factor_allowed(user=request.user):
        raise Http404
    device = services.second_factor_start(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("remove") and device.confirmed:
            services.second_factor_remove(user=request.user)
            messages.success(request, _("已停用动态口令。"))
            return redirect("security:otp-setup")
        if form.is_valid():
            if services.second_factor_confirm(request=request, device=device, token=form.cleaned_data["token"]):
                messages.success(request, _("已启用动态口令，今后登录需输入验证器中的口令。"))
                return redirect("security:otp-setup")
            form.add_error("token", _("口令不正确或已过期，请输入验证器当前显示的口令。"))
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return render(
        request,
        "security/second_factor.html",
        {"device": device, "form": form, "secret": secret, "config_url": device.config_url},
    )


def second_factor_verify(request):
    """The second step of signing in, for users who have an authenticator."""
    if not request.user.is_authenticated:
        return redirect("login")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.user.is_verified():
        return redirect(next_url or "dashboard")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.second_factor_verify(request=request, token=form.cleaned_data["token"]):
            return redirect(next_url or "dashboard")
        form.add_error("token", _("口令不正确或已过期。"))
    return render(request, "security/second_factor_verify.html", {"form": form, "next": next_url})
