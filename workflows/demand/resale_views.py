"""Pages of resale offers (转售报价). Thin: find what the user may see (404 otherwise), call one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infra.form_errors import errors_to_form
from organizations.predicates import is_reseller

from . import resale
from .forms import ResaleOfferForm
from .resale_filters import ResaleOfferFilterSet
from .selectors import is_provider_staff


def resale_public(request):
    """Anyone: the resale offers showing now, each with its underlying resources and their providers;
    filtered by resource identifier or provider and sorted by price (a bad filter is a field error)."""
    filterset = ResaleOfferFilterSet(request.GET or None, queryset=resale.resale_offers_public())
    offers = filterset.qs[:200]
    status = 400 if filterset.is_bound and not filterset.is_valid() else 200
    context = {"offers": offers, "filter": filterset, "filtered": bool(filterset.form.changed_data)}
    return render(request, "demand/resale_offer_list.html", context, status=status)


@login_required
def resale_mine(request):
    """The reseller's own offers, whether each shows now, and why they stopped showing (a read: the email
    goes from the worker's ``resale_offers_lapse_notify``)."""
    if not is_reseller(request.user):
        raise Http404
    reseller, offers = resale.resale_offers_of_reseller(user=request.user)
    if reseller is None:
        raise Http404
    reason, lapsed = resale.resale_lapse_read(reseller=reseller, offers=offers)
    return render(
        request, "demand/resale_offer_mine.html", {"offers": offers, "lapsed": lapsed, "lapse_reason": reason}
    )


@login_required
def resale_new(request):
    if not is_reseller(request.user):
        raise Http404
    today = timezone.localdate()
    form = ResaleOfferForm(request.POST or None, initial={"valid_from": today})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                resale.resale_offer_publish(actor=request.user, data=form.cleaned_data)
            except ValidationError as error:
                errors_to_form(form, error)
            else:
                messages.success(request, _("转售报价已发布，已在公开的转售报价目录中展示。"))
                return redirect("demand:resale-mine")
        status = 400
    return render(request, "demand/resale_offer_form.html", {"form": form}, status=status)


@require_POST
@login_required
def resale_withdraw(request, pk: int):
    offer = resale.resale_offer_get_for_reseller(user=request.user, pk=pk)
    if offer is None:
        raise Http404
    resale.resale_offer_withdraw(offer=offer, actor=request.user)
    messages.success(request, _("已撤回转售报价“%(title)s”。") % {"title": offer.title})
    return redirect("demand:resale-mine")


@login_required
def resale_resold(request):
    """A provider's staff see who resells its resources (every offer naming one of them); anyone else in the
    organisation, or outside it, gets 404 (the predicate of the provider's scheduling workbench)."""
    if not is_provider_staff(request.user):
        raise Http404
    offers = resale.resale_offers_of_provider_resources(user=request.user)
    return render(request, "demand/resale_offer_resold.html", {"offers": offers})
