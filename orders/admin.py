"""The operators' read-only view of holds, orders and capacity (changes go through the services)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import Capacity, Hold, Order, OrderLine, UsageRecord


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OverAllocatedFilter(admin.SimpleListFilter):
    """A provider's status push below what orders hold is accepted; operators find it here."""

    title = _("上报数量低于已分配")
    parameter_name = "over_allocated"

    def lookups(self, request, model_admin):
        return [("yes", _("是"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=selectors.over_allocated().values("pk"))
        return queryset


@admin.register(Capacity)
class CapacityAdmin(ReadOnly):
    list_display = ["resource", "reported_units", "held_units", "allocated_units", "updated_at"]
    list_filter = [OverAllocatedFilter]
    list_select_related = ["resource"]
    search_fields = ["resource__name", "resource__external_id"]

    @admin.display(description=_("服务商上报可用数量"))
    def reported_units(self, capacity: Capacity) -> int:
        return capacity.resource.available_units


@admin.register(Hold)
class HoldAdmin(ReadOnly):
    list_display = ["reference", "resource", "buyer", "cards", "state", "created_at", "expires_at"]
    list_filter = ["state"]
    list_select_related = ["resource", "buyer"]
    search_fields = ["reference", "resource__name"]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = ["resource", "cards", "units", "unit_price_yuan", "amount_yuan", "line"]


@admin.register(Order)
class OrderAdmin(ReadOnly):
    list_display = ["__str__", "provider", "buyer", "state", "total_yuan", "created_at"]
    list_filter = ["state"]
    list_select_related = ["provider__organization", "buyer"]
    inlines = [OrderLineInline]


@admin.register(UsageRecord)
class UsageRecordAdmin(ReadOnly):
    list_display = ["record_id", "provider", "order", "resource", "card_hours", "amount_yuan", "ended_at"]
    list_select_related = ["provider__organization", "order", "resource"]
    search_fields = ["record_id", "job_id"]
