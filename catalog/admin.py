"""Operators' back office for the catalogue and the identifier library. Writes go through services."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import services
from .exports import identifier_csv_response
from .models import (
    AcceleratorModel,
    AppService,
    ComputeResource,
    Identifier,
    IdentifierCounter,
    IdentifierEvent,
    NetworkLine,
    Provider,
    ProviderApiKey,
    RecordVersion,
    Site,
)


@admin.register(AcceleratorModel)
class AcceleratorModelAdmin(admin.ModelAdmin):
    list_display = ["name", "vendor", "memory_gb", "fp64_tflops", "fp32_tflops", "fp16_tflops", "int8_tops"]
    list_filter = ["vendor"]
    search_fields = ["name", "vendor"]


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0
    fields = ["code", "name", "province", "city", "pue", "tier"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = [
        "organization",
        "onboarding_state",
        "is_resource_provider",
        "is_reseller",
        "is_line_provider",
        "is_app_service_provider",
        "certified_at",
    ]
    list_filter = ["onboarding_state", "is_resource_provider", "is_reseller", "is_line_provider"]
    search_fields = ["organization__name", "organization__uscc"]
    raw_id_fields = ["organization"]
    inlines = [SiteInline]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "province", "city", "pue", "tier"]
    list_filter = ["province", "tier"]
    search_fields = ["name", "code", "provider__organization__name"]


@admin.action(description=_("审核通过并发放算力标识"))
def approve_records(modeladmin, request, queryset):
    for record in queryset:
        services.record_approve(record=record, actor=request.user)
    modeladmin.message_user(request, _("已审核通过 %(count)d 条记录。") % {"count": queryset.count()}, messages.SUCCESS)


@admin.action(description=_("下架"))
def delist_records(modeladmin, request, queryset):
    for record in queryset:
        services.record_delist(record=record, actor=request.user)
    modeladmin.message_user(request, _("已下架 %(count)d 条记录。") % {"count": queryset.count()}, messages.SUCCESS)


class RecordAdmin(admin.ModelAdmin):
    actions = [approve_records, delist_records]
    search_fields = ["name", "external_id", "provider__organization__name", "identifier__code"]

    def get_readonly_fields(self, request, obj=None):
        # Providers own their descriptions (changed through the versioned interface); operators
        # approve, delist and look.
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # records with identifiers live for ever; delist instead


@admin.register(ComputeResource)
class ComputeResourceAdmin(RecordAdmin):
    list_display = [
        "name",
        "provider",
        "resource_class",
        "accelerator_model",
        "node_count",
        "price_yuan",
        "billing_unit",
        "available_units",
        "state",
        "listing_state",
    ]
    list_filter = [
        "listing_state",
        "state",
        "resource_class",
        "province_code",
        "accelerator_vendor",
        "cpu_architecture",
    ]
    raw_id_fields = ["site", "accelerator", "provider"]


@admin.register(NetworkLine)
class NetworkLineAdmin(RecordAdmin):
    list_display = ["name", "provider", "kind", "from_city", "to_site", "bandwidth_mbps", "latency_ms", "state"]
    list_filter = ["listing_state", "state", "kind"]
    raw_id_fields = ["to_site", "provider"]


@admin.register(AppService)
class AppServiceAdmin(RecordAdmin):
    list_display = ["name", "provider", "kind", "price_yuan", "pricing_unit", "state", "listing_state"]
    list_filter = ["listing_state", "state", "kind"]
    raw_id_fields = ["provider"]


class IdentifierEventInline(admin.TabularInline):
    model = IdentifierEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_state", "to_state", "actor", "reason", "at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.action(description=_("导出所选标识（CSV）"))
def export_identifiers_csv(modeladmin, request, queryset):
    return identifier_csv_response(queryset)


@admin.register(Identifier)
class IdentifierAdmin(admin.ModelAdmin):
    list_display = ["code", "class_code", "state", "resource", "line", "app_service", "issued_at", "filed_at"]
    list_filter = ["state", "class_code", "prefix"]
    search_fields = ["code", "resource__name", "line__name", "app_service__name"]
    actions = [export_identifiers_csv]
    inlines = [IdentifierEventInline]
    readonly_fields = [
        "code",
        "prefix",
        "class_code",
        "serial",
        "state",
        "resource",
        "line",
        "app_service",
        "issued_at",
        "filed_at",
    ]

    def has_add_permission(self, request):
        return False  # identifiers are issued by approving a record

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IdentifierCounter)
class IdentifierCounterAdmin(admin.ModelAdmin):
    list_display = ["prefix", "class_code", "last_serial"]
    readonly_fields = ["prefix", "class_code", "last_serial"]

    def has_add_permission(self, request):
        return False


@admin.action(description=_("吊销所选密钥"))
def revoke_keys(modeladmin, request, queryset):
    for api_key in queryset:
        services.api_key_revoke(api_key=api_key, actor=request.user)


@admin.register(ProviderApiKey)
class ProviderApiKeyAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "provider", "created_by", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    exclude = ["key_hash"]
    readonly_fields = [
        "provider",
        "name",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]
    actions = [revoke_keys]

    def has_add_permission(self, request):
        return False  # providers create their own keys; the raw key is shown to them only


@admin.register(RecordVersion)
class RecordVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "change", "source", "actor", "api_key", "created_at"]
    list_filter = ["change", "source", "content_type"]
    readonly_fields = [f.name for f in RecordVersion._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
