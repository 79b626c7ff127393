"""Pages of the demand process. Thin: find what the user may see (404 otherwise), call one service.

The users' own pages (/demands/...) drive the process; the views given to DemandFlow's nodes only
lead from Viewflow's task URLs to those pages.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST

from infra.form_errors import errors_to_form
from orders import selectors as order_selectors
from orders.remote import network_holds_for_provider
from organizations.predicates import is_reseller

from . import network, selectors, services
from .forms import AcceptForm, DeclineForm, DemandForm
from .models import DemandStatus, SchedulingStatus


def _messages_from(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
def demand_list(request):
    demands = selectors.demand_list_for_user(user=request.user)
    return render(
        request,
        "demand/demand_list.html",
        {
            "demands": demands[:200],
            "pending_confirmations": selectors.scheduling_pending_count(user=request.user),
            "reseller": is_reseller(request.user),
        },
    )


class DemandCreateView(View):
    """Submit a demand. Also DemandFlow's Start view (then Viewflow passes request.activation)."""

    template_name = "demand/demand_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        city = getattr(getattr(request.user, "organization", None), "city_id", None)
        return render(request, self.template_name, {"form": DemandForm(initial={"city": city}, user=request.user)})

    def post(self, request, *args, **kwargs):
        form = DemandForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                demand = services.demand_submit(
                    user=request.user, data=form.cleaned_data, activation=getattr(request, "activation", None)
                )
            except ValidationError as error:
                errors_to_form(form, error)
            else:
                if demand.status == DemandStatus.NO_MATCH:
                    messages.warning(request, _("需求已提交，但暂无可满足的资源。"))
                else:
                    messages.success(request, _("需求已提交，请查看匹配方案。"))
                return redirect("demand:detail", pk=demand.pk)
        return render(request, self.template_name, {"form": form}, status=400 if request.method == "POST" else 200)


@login_required
def demand_detail(request, pk: int):
    demand = selectors.demand_get_for_user(user=request.user, pk=pk)
    if demand is None:
        raise Http404
    can_accept = (
        demand.process_id is not None
        and selectors.demand_active_task(demand=demand, node=demand.process.flow_class.accept) is not None
    )
    resource_ids = {a.resource_id for match in demand.matches.all() for a in match.allotments.all() if a.resource_id}
    free = order_selectors.free_units_of(resource_ids=resource_ids)
    for match in demand.matches.all():
        for allotment in match.allotments.all():
            allotment.free_units = free.get(allotment.resource_id, 0) if allotment.resource_id else None
    references = [f"match:{record.match_id}" for record in demand.scheduling_records.all()]
    orders = {
        (o.reference, o.provider_id): o
        for o in order_selectors.orders_for_buyer(user=request.user).filter(reference__in=references)
    }
    holds = {}
    for hold in order_selectors.holds_for_buyer(user=request.user).filter(reference__in=references, state="held"):
        holds.setdefault((hold.reference, hold.provider_id), hold)
    for record in demand.scheduling_records.all():
        key = (f"match:{record.match_id}", record.provider_id)
        record.order, record.hold = orders.get(key), holds.get(key)
        record.network_holds = network.holds_of_record(record=record) if record.remote_node else ()
    return render(request, "demand/demand.html", {"demand": demand, "can_accept": can_accept})


@login_required
@require_POST
def demand_accept(request, pk: int):
    demand = selectors.demand_get_for_user(user=request.user, pk=pk)
    if demand is None:
        raise Http404
    form = AcceptForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择一个匹配方案。"))
        return redirect("demand:detail", pk=pk)
    if request.POST.get("confirmed") != "yes":
        # Irreversible: first a page that says what accepting this plan commits to (no JavaScript needed).
        match = next((m for m in demand.matches.all() if m.pk == form.cleaned_data["match"]), None)
        if match is None:
            raise Http404
        return render(request, "demand/accept_confirm.html", {"demand": demand, "match": match})
    try:
        services.demand_accept(demand=demand, match_id=form.cleaned_data["match"], actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        _messages_from(request, error)
    else:
        messages.success(request, _("已选择方案，等待服务商确认。"))
    return redirect("demand:detail", pk=pk)


@login_required
def scheduling_list(request):
    if not selectors.is_provider_staff(request.user):
        raise Http404
    records = selectors.scheduling_list_for_provider(user=request.user)
    network_requests = network_holds_for_provider(user=request.user)[:200]  # from the node above
    return render(
        request, "demand/scheduling_record_list.html", {"records": records[:200], "network_requests": network_requests}
    )


@login_required
def scheduling_detail(request, pk: int):
    record = selectors.scheduling_get_for_provider(user=request.user, pk=pk)
    if record is None:
        raise Http404
    form = DeclineForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm":
                services.scheduling_confirm(record=record, actor=request.user)
                messages.success(request, _("已确认调度。"))
                return redirect("demand:scheduling-detail", pk=pk)
            if action == "decline" and form.is_valid():
                services.scheduling_decline(record=record, actor=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, _("已谢绝，用户可选择其他方案。"))
                return redirect("demand:scheduling-detail", pk=pk)
            if action not in ("confirm", "decline"):
                messages.error(request, _("未知操作。"))
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            _messages_from(request, error)
            return redirect("demand:scheduling-detail", pk=pk)
    allotments = selectors.match_allotments(match=record.match, provider_id=record.provider_id)
    reference = f"match:{record.match_id}"
    holds = order_selectors.holds_of(reference=reference, provider_id=record.provider_id)
    order = order_selectors.orders_of(reference=reference, provider_id=record.provider_id).first()
    return render(
        request,
        "demand/scheduling_record.html",
        {
            "record": record,
            "allotments": allotments,
            "holds": holds,
            "order": order,
            "form": form,
            "can_decide": record.status == SchedulingStatus.PENDING,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- the views DemandFlow's task URLs lead to ---------------------------------------------------


class AcceptTaskView(View):
    """Viewflow's `accept` task page: the demand's own page has the choice."""

    def dispatch(self, request, *args, **kwargs):
        return redirect(reverse("demand:detail", args=[request.activation.process.demand.pk]))


class ConfirmTaskView(View):
    """Viewflow's `confirm` task page: the provider's own scheduling record has the buttons."""

    def dispatch(self, request, *args, **kwargs):
        record = selectors.scheduling_list_for_provider(user=request.user).filter(
            demand=request.activation.process.demand, status=SchedulingStatus.PENDING
        )
        record = record.first()
        if record is None:
            return redirect("demand:scheduling-list")
        return redirect("demand:scheduling-detail", pk=record.pk)
