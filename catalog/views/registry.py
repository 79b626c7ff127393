"""Pages of the catalogue: public record pages, the operators' identifier library, providers' API keys."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from infra.cacheable import cache_for_anonymous, mark_shows_records
from infra.form_errors import errors_to_form
from organizations.identifiers import MalformedIdentifier

from .. import offers, selectors, selectors_public, services
from ..exports import identifier_csv_response
from ..forms import ApiKeyCreateForm, IdentifierLibraryFilterForm, IdentifierTransitionForm
from ..models import ComputeResource, Identifier, ProviderApiKey
from ..snapshots import live_key


@cache_for_anonymous(depends_on=("catalog",))
def record_detail(request, code: str):
    """The public page an identifier's access path points to (approved records, live identifiers only)."""
    try:
        identifier = selectors_public.public_identifier_get(code=code)
    except MalformedIdentifier as error:
        raise Http404(str(error.reason)) from error
    if identifier is None:
        from federation.selectors import synced_record_get  # records synced from the nodes below

        synced = synced_record_get(code=code)
        if synced is None:
            raise Http404(_("没有这个公开的算力标识。"))
        context = {"synced": synced, "snapshot": synced.snapshot}
        return render(request, "catalog/synced_record_detail.html", context)
    record = identifier.record
    resale = offers.offers_of(resource=record) if isinstance(record, ComputeResource) else []
    context = {"identifier": identifier, "record": record, "resale_offers": resale}
    response = render(request, "catalog/record_detail.html", context)
    return mark_shows_records(response, [live_key(record)])


@login_required
def identifier_library(request):
    if not request.user.has_perm("catalog.view_identifier_library"):
        raise PermissionDenied
    form = IdentifierLibraryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    queryset = selectors.identifier_library(
        state=filters.get("state", ""), class_code=filters.get("class_code", ""), search=filters.get("q", "")
    )
    if request.GET.get("format") == "csv":
        return identifier_csv_response(queryset)
    page_obj = Paginator(queryset, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "catalog/identifier_library.html",
        {"form": form, "page_obj": page_obj, "querystring": query.urlencode()},
    )


@login_required
def identifier_detail(request, pk: int):
    """One identifier, its history, and the operators' lifecycle form (suspend, reactivate, revoke)."""
    if not request.user.has_perm("catalog.view_identifier_library"):
        raise PermissionDenied
    identifier = get_object_or_404(Identifier, pk=pk)
    form = IdentifierTransitionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.identifier_transition(
                identifier=identifier,
                to_state=form.cleaned_data["to_state"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("算力标识状态已变更。"))
            return redirect("catalog:identifier-detail", pk=identifier.pk)
    events = identifier.events.select_related("actor")
    return render(request, "catalog/identifier.html", {"identifier": identifier, "events": events, "form": form})


def _provider_for_key_management(request):
    provider = selectors.provider_for_user(user=request.user)
    if provider is None or not request.user.has_perm("catalog.manage_api_keys", provider):
        raise PermissionDenied
    return provider


@never_cache
@login_required
def api_keys(request):
    provider = _provider_for_key_management(request)
    raw_key = None
    form = ApiKeyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        api_key, raw_key = services.api_key_create(
            provider=provider, name=form.cleaned_data["name"], actor=request.user
        )
        form = ApiKeyCreateForm()
    return render(
        request,
        "catalog/provider_api_key.html",
        {"provider": provider, "form": form, "raw_key": raw_key, "keys": selectors.api_key_list(provider=provider)},
    )


@require_POST
@login_required
def api_key_revoke(request, pk: int):
    provider = _provider_for_key_management(request)
    api_key = get_object_or_404(ProviderApiKey, pk=pk, provider=provider)  # another provider's key: 404
    services.api_key_revoke(api_key=api_key, actor=request.user)
    messages.success(request, _("密钥 %(prefix)s… 已吊销。") % {"prefix": api_key.prefix})
    return redirect("catalog:api-keys")
