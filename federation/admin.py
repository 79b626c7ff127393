from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import EnrolmentCode, IdentifierFiling, NodeKey, OutboxMessage, Peer, PeerKey, SyncedRecord
from .node_key import node_key_rotate
from .registry import peer_revoke


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
    list_display = ["identifier", "node_prefix", "state", "national_receipt", "received_at"]
    list_filter = ["state", "node_prefix"]
    search_fields = ["identifier"]
    readonly_fields = [field.name for field in IdentifierFiling._meta.fields]

    def has_add_permission(self, request):
        return False


class PeerKeyInline(admin.TabularInline):
    model = PeerKey
    fields = ["key_id", "algorithm", "created_at", "revoked_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.action(description=_("吊销所选节点"))
def revoke_peers(modeladmin, request, queryset):
    for peer in queryset:
        peer_revoke(peer=peer)


@admin.register(Peer)
class PeerAdmin(admin.ModelAdmin):
    """The registry of nodes below this one (enrol with ``manage.py node_enrolment_code``)."""

    list_display = ["prefix", "name", "role", "via", "state", "url", "enrolled_at"]
    list_filter = ["role", "state"]
    search_fields = ["prefix", "name"]
    readonly_fields = [field.name for field in Peer._meta.fields]
    inlines = [PeerKeyInline]
    actions = [revoke_peers]

    def has_add_permission(self, request):
        return False


@admin.register(EnrolmentCode)
class EnrolmentCodeAdmin(admin.ModelAdmin):
    list_display = ["prefix", "role", "name", "expires_at", "used_at"]
    readonly_fields = [field.name for field in EnrolmentCode._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(SyncedRecord)
class SyncedRecordAdmin(admin.ModelAdmin):
    """Records synced from the nodes below: read-only here (the owning node is authoritative)."""

    list_display = ["identifier", "record_type", "source_prefix", "source_name", "removed", "position", "received_at"]
    list_filter = ["removed", "record_type", "source_prefix"]
    search_fields = ["identifier", "source_name"]
    readonly_fields = [field.name for field in SyncedRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.action(description=_("轮换下行签名密钥"))
def rotate_node_key(modeladmin, request, queryset):
    """Rotate this node's downward key (whatever rows are selected): the old key stays valid below for
    FEDERATION_KEY_OVERLAP_SECONDS (docs/signatures.md)."""
    key, retired = node_key_rotate()
    modeladmin.message_user(
        request,
        _("已启用新密钥 %(key)s；%(count)d 个旧密钥在过渡期内仍被下级节点接受。")
        % {"key": key.key_id, "count": len(retired)},
        messages.SUCCESS,
    )


@admin.register(NodeKey)
class NodeKeyAdmin(admin.ModelAdmin):
    """This node's keys for requests to the nodes below it; the private key is never shown."""

    list_display = ["key_id", "algorithm", "created_at", "revoked_at", "retires_at"]
    fields = ["key_id", "algorithm", "public_key", "created_at", "revoked_at", "retires_at"]
    readonly_fields = fields
    actions = [rotate_node_key]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
