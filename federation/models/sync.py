"""On an upstream node: catalogue records synced from the nodes below (read-only copies)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SyncedRecord(models.Model):
    """The latest public snapshot of a record owned by a node below (federation.sync_receive).

    ``position`` is the owning node's change-feed position the snapshot was taken at: a snapshot with a
    lower position never overwrites a newer one. A removal (the record stopped being public) keeps the
    row with ``removed`` set, so a late, older upsert cannot bring it back. Never edited here.
    """

    identifier = models.CharField(_("算力标识"), max_length=64, unique=True)
    record_type = models.CharField(_("记录类型"), max_length=32)
    source_prefix = models.CharField(_("来源节点前缀"), max_length=40, db_index=True)
    source_name = models.CharField(_("来源节点"), max_length=128, blank=True)
    source_url = models.URLField(_("来源节点记录地址"), max_length=500, blank=True)
    peer = models.ForeignKey(
        "federation.Peer", verbose_name=_("报送节点"), on_delete=models.CASCADE, related_name="synced_records"
    )
    snapshot = models.JSONField(_("快照"), default=dict)
    position = models.BigIntegerField(_("来源变更序号"))
    removed = models.BooleanField(_("已下架"), default=False, db_index=True)
    received_at = models.DateTimeField(_("接收时间"), auto_now=True)

    class Meta:
        verbose_name = _("同步记录")
        verbose_name_plural = _("同步记录")
        ordering = ["identifier"]

    def __str__(self) -> str:
        return f"{self.identifier} ← {self.source_prefix}"
