from django.contrib import admin

from .models import Demand, DemandMatch, MatchAllotment, SchedulingRecord


class MatchInline(admin.TabularInline):
    model = DemandMatch
    extra = 0
    fields = ["rank", "score", "state", "cards", "total_price_yuan", "latency_ms", "offered_at", "accepted_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True


class SchedulingInline(admin.TabularInline):
    model = SchedulingRecord
    extra = 0
    fields = [
        "provider",
        "status",
        "cards",
        "price_yuan",
        "cross_province",
        "accepted_at",
        "confirmed_at",
        "declined_at",
    ]
    readonly_fields = fields
    can_delete = False


@admin.register(Demand)
class DemandAdmin(admin.ModelAdmin):
    list_display = ["pk", "user", "resource_class", "accelerator_model", "card_count", "city", "status", "created_at"]
    list_filter = ["status", "resource_class"]
    search_fields = ["user__username", "accelerator_model", "note"]
    raw_id_fields = ["user", "organization", "city", "process"]
    readonly_fields = ["status", "matched_at", "match_summary", "process", "created_at"]
    inlines = [MatchInline, SchedulingInline]


class AllotmentInline(admin.TabularInline):
    model = MatchAllotment
    extra = 0
    fields = ["resource", "cards", "units", "unit_price_yuan", "price_yuan", "line", "latency_ms"]
    readonly_fields = fields
    can_delete = False


@admin.register(DemandMatch)
class DemandMatchAdmin(admin.ModelAdmin):
    list_display = ["demand", "rank", "score", "state", "total_price_yuan"]
    list_filter = ["state"]
    readonly_fields = ["explanation_text", "explanation"]
    raw_id_fields = ["demand"]
    inlines = [AllotmentInline]


@admin.register(SchedulingRecord)
class SchedulingRecordAdmin(admin.ModelAdmin):
    list_display = ["demand", "provider", "status", "cards", "price_yuan", "cross_province", "accepted_at"]
    list_filter = ["status", "cross_province"]
    raw_id_fields = ["demand", "match", "provider", "decided_by", "resources"]
