"""Reads of holds and orders: who may see which, and availability figures for pages."""

from django.db.models import F, QuerySet

from catalog.models import Provider
from organizations.predicates import is_provider, is_reseller

from .models import Capacity, Hold, Order


def provider_of(user) -> Provider | None:
    """The provider the user works for (provider or reseller staff), else None."""
    if not (user.is_authenticated and user.organization_id and (is_provider(user) or is_reseller(user))):
        return None
    return Provider.objects.filter(organization_id=user.organization_id).first()


def is_order_provider(*, user, order: Order) -> bool:
    provider = provider_of(user)
    return provider is not None and provider.pk == order.provider_id


def is_order_buyer(*, user, order: Order) -> bool:
    if not user.is_authenticated:
        return False
    return order.buyer_user_id == user.pk or (order.buyer_id is not None and order.buyer_id == user.organization_id)


def _orders() -> QuerySet[Order]:
    return Order.objects.select_related("provider__organization", "buyer", "buyer_user").prefetch_related(
        "lines__resource__identifier", "lines__line"
    )


def orders_for_buyer(*, user) -> QuerySet[Order]:
    """The orders of the user's organisation (or the user's own when they belong to none)."""
    if not user.is_authenticated:
        return Order.objects.none()
    if user.organization_id:
        return _orders().filter(buyer_id=user.organization_id)
    return _orders().filter(buyer_user=user)


def orders_for_provider(*, user) -> QuerySet[Order]:
    provider = provider_of(user)
    return _orders().filter(provider=provider) if provider else Order.objects.none()


def order_get(*, user, pk: int) -> tuple[Order | None, str]:
    """The order and the side the user sees it from ("provider" or "buyer"); (None, "") means 404."""
    order = orders_for_provider(user=user).filter(pk=pk).first()
    if order is not None:
        return order, "provider"
    order = orders_for_buyer(user=user).filter(pk=pk).first()
    return (order, "buyer") if order is not None else (None, "")


def holds_for_buyer(*, user) -> QuerySet[Hold]:
    if not user.is_authenticated:
        return Hold.objects.none()
    base = Hold.objects.select_related("resource", "provider__organization")
    if user.organization_id:
        return base.filter(buyer_id=user.organization_id)
    return base.filter(buyer_user=user)


def holds_for_provider(*, user) -> QuerySet[Hold]:
    provider = provider_of(user)
    if provider is None:
        return Hold.objects.none()
    return Hold.objects.filter(provider=provider).select_related("resource", "buyer")


def holds_of(*, reference: str, provider_id: int | None = None) -> QuerySet[Hold]:
    queryset = Hold.objects.filter(reference=reference).select_related("resource")
    return queryset if provider_id is None else queryset.filter(provider_id=provider_id)


def capacity_of(*, resource_id: int) -> dict:
    """Held and allocated units of a resource (zeros when nothing was ever held)."""
    row = Capacity.objects.filter(resource_id=resource_id).values("held_units", "allocated_units")
    return row.first() or {"held_units": 0, "allocated_units": 0}


def over_allocated() -> QuerySet[Capacity]:
    """Resources whose provider's last report is below what is allocated to orders: the push was accepted,
    the operator checks it (django-admin, 资源占用, filter 上报数量低于已分配)."""
    return Capacity.objects.filter(allocated_units__gt=F("resource__available_units")).select_related(
        "resource__provider__organization"
    )


def orders_of(*, reference: str, provider_id: int | None = None) -> QuerySet[Order]:
    queryset = Order.objects.filter(reference=reference).select_related("provider__organization")
    return queryset if provider_id is None else queryset.filter(provider_id=provider_id)


def free_units_of(*, resource_ids) -> dict[int, int]:
    """reported − held − allocated of each resource (catalog.availability)."""
    from catalog.availability import free_units
    from catalog.models import ComputeResource

    rows = ComputeResource.objects.filter(pk__in=list(resource_ids)).annotate(free=free_units())
    return dict(rows.values_list("pk", "free"))


def orders_of_provider(*, provider: Provider) -> QuerySet[Order]:
    """A provider's sales (what its API key sees)."""
    return _orders().filter(provider=provider)
