"""Tables of compute selection: the live-update outbox."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LiveChange(models.Model):
    """One published change of a catalogue record, as the record's full current snapshot.

    Written after the catalogue change commits (search.live.outbox), by whichever process made it;
    every ASGI process polls the table (search.live.drain) and pushes new rows to the websocket
    groups ``live.<record_type>.<record_id>``. ``seq`` is the order clients catch up by (``since``).
    Rows older than ``LIVE_RETENTION_SECONDS`` are pruned by the drain; the newest row is always
    kept so that the sequence never restarts on SQLite.
    """

    seq = models.BigAutoField(_("序号"), primary_key=True)
    key = models.CharField(_("订阅键"), max_length=64, help_text=_("如 resource:12"))
    record_type = models.CharField(_("记录类型"), max_length=32)
    record_id = models.PositiveBigIntegerField(_("记录编号"))
    change = models.CharField(_("变更类型"), max_length=16)
    snapshot = models.JSONField(_("当前快照"), default=dict)
    created_at = models.DateTimeField(_("写入时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("实时变更")
        verbose_name_plural = _("实时变更")
        ordering = ["seq"]
        indexes = [models.Index(fields=["key", "seq"], name="livechange_key_seq_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.key} {self.change}"
