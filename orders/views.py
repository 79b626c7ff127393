"""Order pages for the buyer's and the provider's people. Thin: find what the user may see (404
otherwise), call one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import access, selectors, services, statements
from .forms import CancelForm
from .models import HoldState, OrderAccess, OrderState

ACTIONS = {"activate", "complete", "cancel"}


@login_required
def order_list(request):
    provider = selectors.provider_of(request.user)
    context = {
        "bought": selectors.orders_for_buyer(user=request.user)[:200],
        "buyer_holds": selectors.holds_for_buyer(user=request.user).filter(state=HoldState.HELD)[:200],
        "provider": provider,
        "sold": selectors.orders_for_provider(user=request.user)[:200] if provider else [],
        "provider_holds": (
            selectors.holds_for_provider(user=request.user).filter(state=HoldState.HELD)[:200] if provider else []
        ),
    }
    return render(request, "orders/order_list.html", context)


@login_required
def order_detail(request, pk: int):
    order, side = selectors.order_get(user=request.user, pk=pk)
    if order is None:
        raise Http404
    form = CancelForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "activate":
                services.order_activate(order=order, actor=request.user)
                messages.success(request, _("订单已开通。"))
                return redirect("orders:detail", pk=pk)
            if action == "complete":
                services.order_complete(order=order, actor=request.user)
                messages.success(request, _("订单已完成，资源已释放。"))
                return redirect("orders:detail", pk=pk)
            if action == "cancel" and form.is_valid():
                services.order_cancel(order=order, actor=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, _("订单已取消，资源已释放。"))
                return redirect("orders:detail", pk=pk)
            if action not in ACTIONS:
                messages.error(request, _("未知操作。"))
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("orders:detail", pk=pk)
    is_provider = side == "provider"
    context = {
        "order": order,
        "side": side,
        "form": form,
        "can_activate": is_provider and order.state == OrderState.CONFIRMED,
        "can_complete": is_provider and order.state == OrderState.ACTIVE,
        "can_cancel": order.state == OrderState.CONFIRMED or (is_provider and order.state == OrderState.ACTIVE),
        "access_set": OrderAccess.objects.filter(order=order).values("revision", "updated_at").first(),
        "may_reveal": access.access_may_reveal(user=request.user, order=order),
        "can_attach": is_provider and order.state in access.OPEN_STATES,
        "usage": statements.statement_for_order(order=order),
    }
    return render(request, "orders/order_detail.html", context, status=400 if request.method == "POST" else 200)
