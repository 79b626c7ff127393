"""Order documents, access hand-off and bills as pages: the order PDF, the provider's access form, the
buyer's access view, and statements (per order, per month) with CSV / XLSX / PDF exports. Thin views:
find what the user may see (404 otherwise), call one service or selector, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from infra.form_errors import errors_to_form

from . import access, selectors, statements
from .buyer_keys import buyer_key_create, buyer_key_revoke
from .documents import order_pdf, statement_pdf
from .forms import AccessForm, BuyerKeyForm, StatementForm
from .models import BuyerApiKey

EXPORTS = {
    "csv": ("text/csv; charset=utf-8", statements.statement_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", statements.statement_xlsx),
    "pdf": ("application/pdf", statement_pdf),
}


def _order_or_404(request, pk: int):
    order, side = selectors.order_get(user=request.user, pk=pk)
    if order is None:
        raise Http404
    return order, side


def _download(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def order_document(request, pk: int):
    order, _side = _order_or_404(request, pk)
    return _download(order_pdf(order), "application/pdf", f"{order.number}.pdf")


@login_required
@never_cache
def order_access(request, pk: int):
    """Provider staff attach or replace the access details; the buyer's authorised people read them."""
    order, side = _order_or_404(request, pk)
    if side == "provider":
        form = AccessForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                access.access_attach(order=order, actor=request.user, details=access.AccessDetails(**form.cleaned_data))
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as error:
                errors_to_form(form, error)
            else:
                messages.success(request, _("接入信息已加密保存，需求方授权人员可在订单页面查看。"))
                return redirect("orders:detail", pk=pk)
        status = 400 if request.method == "POST" else 200
        return render(request, "orders/order_access.html", {"order": order, "form": form}, status=status)
    if request.method == "POST":
        raise Http404
    try:
        details = access.access_reveal(user=request.user, order=order)
    except PermissionDenied:
        raise Http404 from None
    return render(request, "orders/order_access.html", {"order": order, "details": details})


@login_required
def order_statement(request, pk: int):
    order, _side = _order_or_404(request, pk)
    statement = statements.statement_for_order(order=order)
    export = request.GET.get("format")
    if export in EXPORTS:
        content_type, render_export = EXPORTS[export]
        return _download(render_export(statement), content_type, f"{order.number}-statement.{export}")
    return render(request, "orders/statement.html", {"statement": statement, "order": order, "form": None})


@login_required
def statement_month(request):
    """The month's bill of the user's purchases (buyer) or of their provider's sales (provider)."""
    provider = selectors.provider_of(request.user)
    data = request.GET.copy()
    data.setdefault("month", statements.current_month())
    data.setdefault(
        "side", "provider" if provider and not selectors.orders_for_buyer(user=request.user).exists() else "buyer"
    )
    form = StatementForm(data)
    if not form.is_valid():
        return render(request, "orders/statement.html", {"form": form, "statement": None}, status=400)
    side = form.cleaned_data["side"] or "buyer"
    if side == "provider" and provider is None:
        raise Http404
    orders = (
        selectors.orders_for_provider(user=request.user)
        if side == "provider"
        else selectors.orders_for_buyer(user=request.user)
    )
    title = _("本单位提供的算力账单") if side == "provider" else _("我方订购的算力账单")
    try:
        statement = statements.statement_for_month(orders=orders, month=form.cleaned_data["month"], title=title)
    except ValidationError as error:
        errors_to_form(form, error)
        return render(request, "orders/statement.html", {"form": form, "statement": None}, status=400)
    export = request.GET.get("format")
    if export in EXPORTS:
        content_type, render_export = EXPORTS[export]
        return _download(render_export(statement), content_type, f"statement-{side}-{statement.period}.{export}")
    context = {"form": form, "statement": statement, "side": side, "provider": provider, "query": form.cleaned_data}
    return render(request, "orders/statement.html", context)


@login_required
@never_cache
def buyer_keys(request):
    """A buyer organisation's API keys: create (the key is shown once), list, revoke."""
    if not request.user.organization_id:
        raise Http404
    form = BuyerKeyForm(request.POST if request.POST.get("action") == "create" else None)
    raw_key = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            try:
                buyer_key_revoke(actor=request.user, pk=int(request.POST.get("key") or 0))
            except (PermissionDenied, ValueError):
                raise Http404 from None
            messages.success(request, _("密钥已吊销。"))
            return redirect("orders:buyer-keys")
        if form.is_valid():
            _key, raw_key = buyer_key_create(actor=request.user, name=form.cleaned_data["name"])
            form = BuyerKeyForm()
    keys = BuyerApiKey.objects.filter(organization_id=request.user.organization_id).select_related("created_by")
    status = 400 if request.method == "POST" and raw_key is None else 200
    return render(request, "orders/buyer_keys.html", {"form": form, "keys": keys, "raw_key": raw_key}, status=status)
