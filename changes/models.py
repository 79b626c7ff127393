"""The change feed's two tables: the sequenced changes and the named consumers' positions."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Change(models.Model):
    """One change of one record, appended in the writer's own transaction (changes.services).

    ``seq`` orders the feed. On SQLite writers are serialised (IMMEDIATE transactions, one writer at
    a time), so sequence order is commit order and the sequence has no gaps that can still fill. On
    PostgreSQL a transaction can take a lower ``seq`` and commit after a higher one: readers handle
    that (changes.selectors.FeedReader). ``txid`` is the writer's transaction id on PostgreSQL.
    ``snapshot`` is the record's current state when the writer had it at hand, else null (bulk
    imports): consumers that need it build it from the record (changes.registry.snapshots_build).
    ``patch`` is the new stored values of the changed columns (``fields``) when the writer had them
    at hand (bulk imports of existing records; a provider's status change, beside its snapshot): a
    consumer that keeps a copy of the record applies them over its copy, in sequence order, instead
    of reading the record again.
    """

    seq = models.BigAutoField(_("序号"), primary_key=True)
    record_type = models.CharField(_("记录类型"), max_length=32)
    record_id = models.BigIntegerField(_("记录编号"))
    kind = models.CharField(_("变更类型"), max_length=16)
    fields = models.JSONField(_("变更字段"), default=list, blank=True)
    area = models.CharField(_("所在地区"), max_length=12, blank=True, default="")
    snapshot = models.JSONField(_("当前快照"), null=True, blank=True)
    patch = models.JSONField(_("变更后取值"), null=True, blank=True)
    txid = models.BigIntegerField(_("事务号"), null=True, blank=True)
    created_at = models.DateTimeField(_("写入时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("变更")
        verbose_name_plural = _("变更")
        ordering = ["seq"]
        indexes = [models.Index(fields=["record_type", "record_id", "seq"], name="change_record_seq_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.record_type}:{self.record_id} {self.kind}"


class ConsumerCursor(models.Model):
    """Where a named, durable consumer of the feed stands (e.g. ``peer:<node>`` for upstream sync).

    ``position``: every change up to it is handled (the consumer commits it after handling).
    ``gap_horizon``/``gap_covers`` (PostgreSQL): a sequence gap below ``gap_covers`` was seen while
    transactions with ids below ``gap_horizon`` could still fill it; once none of them runs, the gap
    is final. The pruner never deletes a change a cursor has not passed.
    """

    name = models.CharField(_("消费者"), max_length=100, unique=True)
    position = models.BigIntegerField(_("已处理至"), default=0)
    gap_horizon = models.BigIntegerField(null=True, blank=True)
    gap_covers = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("变更流消费者")
        verbose_name_plural = _("变更流消费者")

    def __str__(self) -> str:
        return f"{self.name} @ {self.position}"
