"""Operators' back office for the catalogue and the identifier library. Writes go through services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, JSON, XLSX
from import_export.forms import ConfirmImportForm, ImportForm

from infra.archives import archive_check

from . import services
from .exports import identifier_csv_response
from .imports.resources import FAST_RESOURCES
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

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Site:  # renamed or moved sites reach search through the feed
            services.sites_changed_append(
                site_ids=[site.pk for site in formset.new_objects + [site for site, _fields in formset.changed_objects]]
            )


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "province", "city", "pue", "tier"]
    list_filter = ["province", "tier"]
    search_fields = ["name", "code", "provider__organization__name"]

    def save_model(self, request, obj, form, change):
        services.site_save(site=obj)


@admin.action(description=_("审核通过并发放算力标识"))
def approve_records(modeladmin, request, queryset):
    """Each record is approved on its own; one the service refuses (a line whose provider may no longer open
    lines) stays as it was and the operator reads why."""
    approved = 0
    for record in queryset:
        try:
            services.record_approve(record=record, actor=request.user)
        except ValidationError as error:
            for message in error.messages:
                modeladmin.message_user(request, message, messages.ERROR)
        else:
            approved += 1
    if approved:
        modeladmin.message_user(request, _("已审核通过 %(count)d 条记录。") % {"count": approved}, messages.SUCCESS)


@admin.action(description=_("下架"))
def delist_records(modeladmin, request, queryset):
    for record in queryset:
        services.record_delist(record=record, actor=request.user)
    modeladmin.message_user(request, _("已下架 %(count)d 条记录。") % {"count": queryset.count()}, messages.SUCCESS)


def _providers():
    return Provider.objects.select_related("organization").order_by("organization__name")


class ProviderImportForm(ImportForm):
    """import-export's upload form plus the provider the file's rows belong to."""

    provider = forms.ModelChoiceField(label=_("服务商"), queryset=Provider.objects.none())
    field_order = ["provider", "resource", "import_file", "format"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = _providers()

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload is not None:
            archive_check(upload, purpose="spreadsheet")  # before import-export's XLSX reader opens it
        return upload


class ProviderConfirmImportForm(ConfirmImportForm):
    provider = forms.ModelChoiceField(queryset=Provider.objects.none(), widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = _providers()


class RecordImportExportMixin(ImportExportMixin):
    """Operators' import (upload → dry-run preview → confirm) and export of one record type.

    The import goes through the fast, all-or-nothing path (``FastImportMixin.import_data``), run
    again on confirm: the preview is never trusted. New records arrive pending; approving them
    (and so issuing identifiers) stays the explicit "审核通过" action below.
    """

    import_form_class = ProviderImportForm
    confirm_form_class = ProviderConfirmImportForm
    import_formats = [CSV, XLSX]
    export_formats = [CSV, XLSX, JSON]
    skip_admin_log = True  # every imported change is a RecordVersion with the operator as actor
    import_error_display = ("message",)

    def get_resource_classes(self, request):
        return [FAST_RESOURCES[self.model]]

    def has_import_permission(self, request):
        return request.user.has_perm("catalog.approve_record")

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        provider = None
        if form is not None and hasattr(form, "cleaned_data"):
            provider = form.cleaned_data.get("provider")
        return {"provider": provider, "actor": request.user}

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["provider"] = import_form.cleaned_data["provider"].pk
        return initial


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
class ComputeResourceAdmin(RecordImportExportMixin, RecordAdmin):
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
class NetworkLineAdmin(RecordImportExportMixin, RecordAdmin):
    list_display = ["name", "provider", "kind", "from_city", "to_site", "bandwidth_mbps", "latency_ms", "state"]
    list_filter = ["listing_state", "state", "kind"]
    raw_id_fields = ["to_site", "provider"]


@admin.register(AppService)
class AppServiceAdmin(RecordImportExportMixin, RecordAdmin):
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
