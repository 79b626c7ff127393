"""The operators' read-only view of holds, orders and capacity (changes go through the services)."""

from django.contrib import admin

from .models import Capacity, Hold, Order, OrderLine


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Capacity)
class CapacityAdmin(ReadOnly):
    list_display = ["resource", "held_units", "allocated_units", "over_allocated", "updated_at"]
    list_filter = ["over_allocated"]
    list_select_related = ["resource"]
    search_fields = ["resource__name", "resource__external_id"]


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
