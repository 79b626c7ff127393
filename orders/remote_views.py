"""The owning node's provider decides a hold its upstream node asked for (orders.remote), like a local
scheduling confirmation. Thin: find what the user may see (404 otherwise), call one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .forms import DeclineReasonForm
from .models import NetworkHoldState
from .remote import network_hold_confirm, network_hold_decline, network_holds_for_provider


@login_required
def network_hold_detail(request, pk: int):
    row = network_holds_for_provider(user=request.user).select_related("hold__resource").filter(pk=pk).first()
    if row is None:
        raise Http404
    form = DeclineReasonForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm":
                row = network_hold_confirm(row=row, actor=request.user)
                messages.success(request, _("已确认调度，结果将通知需求方所在节点。"))
                return redirect("orders:network-hold", pk=pk)
            if action == "decline" and form.is_valid():
                network_hold_decline(row=row, actor=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, _("已谢绝，结果将通知需求方所在节点。"))
                return redirect("orders:network-hold", pk=pk)
            if action not in ("confirm", "decline"):
                messages.error(request, _("未知操作。"))
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("orders:network-hold", pk=pk)
    return render(
        request,
        "orders/network_hold.html",
        {"row": row, "form": form, "can_decide": row.state == NetworkHoldState.HELD},
        status=400 if request.method == "POST" else 200,
    )
