from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .key_rotation import node_key_rotate
from .models import EnrolmentCode, IdentifierFiling, NodeKey, OutboxMessage, Peer, PeerKey, SyncedRecord
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


def _rotated(modeladmin, request, rotation, summary) -> None:
    modeladmin.message_user(request, summary % {"key": rotation.key.key_id, "count": len(rotation.retired)})
    for prefix, outcome in rotation.outcomes.items():
        if not outcome.delivered:
            text, level = _("下级节点 %(prefix)s 暂时无法连接，通知将自动重试。"), messages.WARNING
        elif outcome.still_accepted:
            text, level = _("下级节点 %(prefix)s 已收到通知，旧密钥在过渡期内仍被接受。"), messages.SUCCESS
        else:
            text, level = _("下级节点 %(prefix)s 已收到通知，已拒绝所有旧密钥。"), messages.SUCCESS
        modeladmin.message_user(request, text % {"prefix": prefix}, level)


@admin.action(description=_("轮换下行签名密钥"))
def rotate_node_key(modeladmin, request, queryset):
    """Rotate this node's downward key (whatever rows are selected) and tell the nodes below: the old key
    stays valid below for FEDERATION_KEY_OVERLAP_SECONDS (docs/signatures.md)."""
    summary = _("已启用新密钥 %(key)s，并已通知下级节点；%(count)d 个旧密钥在过渡期内仍被下级节点接受。")
    _rotated(modeladmin, request, node_key_rotate(), summary)


@admin.action(description=_("轮换并立即吊销旧密钥（密钥泄露时）"))
def rotate_node_key_revoking_old(modeladmin, request, queryset):
    """A leaked key: rotate and withdraw the old keys at once; each node below that receives the notice
    refuses them from that moment (the messages say node by node)."""
    summary = _("已启用新密钥 %(key)s；%(count)d 个旧密钥已立即吊销，并已通知下级节点。")
    _rotated(modeladmin, request, node_key_rotate(revoke_old=True), summary)


@admin.register(NodeKey)
class NodeKeyAdmin(admin.ModelAdmin):
    """This node's keys for requests to the nodes below it; the private key is never shown."""

    list_display = ["key_id", "algorithm", "created_at", "revoked_at", "retires_at"]
    fields = ["key_id", "algorithm", "public_key", "created_at", "revoked_at", "retires_at"]
    readonly_fields = fields
    actions = [rotate_node_key, rotate_node_key_revoking_old]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
