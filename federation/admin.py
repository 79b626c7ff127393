from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import IdentifierFiling, OutboxMessage


@admin.action(description=_("立即重试"))
def retry_now(modeladmin, request, queryset):
    queryset.filter(status="pending").update(next_attempt_at=timezone.now())


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["kind", "idempotency_key", "status", "attempts", "next_attempt_at", "last_error", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["idempotency_key", "last_error"]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]
    actions = [retry_now]

    def has_add_permission(self, request):
        return False


@admin.register(IdentifierFiling)
class IdentifierFilingAdmin(admin.ModelAdmin):
    list_display = ["identifier", "node_prefix", "received_at"]
    list_filter = ["node_prefix"]
    search_fields = ["identifier"]
    readonly_fields = [field.name for field in IdentifierFiling._meta.fields]

    def has_add_permission(self, request):
        return False
