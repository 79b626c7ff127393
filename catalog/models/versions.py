"""Every accepted change of a published record, as the canonical payload that produced it."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordVersion(models.Model):
    class Source(models.TextChoices):
        API = "api", _("标准接口")
        ADMIN = "admin", _("运营后台")
        IMPORT = "import", _("批量导入")
        PORTAL = "portal", _("服务商门户")
        DEMO = "demo", _("演示数据")

    content_type = models.ForeignKey(ContentType, verbose_name=_("记录类型"), on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField(_("记录 ID"))
    record = GenericForeignKey("content_type", "object_id")
    version = models.PositiveIntegerField(_("版本"))
    change = models.CharField(_("变更"), max_length=16)  # "describe" (PUT) or "status" (PATCH)
    payload = models.JSONField(_("内容"))
    payload_hash = models.CharField(_("内容摘要（SHA-256）"), max_length=64)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    api_key = models.ForeignKey(
        "catalog.ProviderApiKey", verbose_name=_("API 密钥"), null=True, blank=True, on_delete=models.SET_NULL
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("记录版本")
        verbose_name_plural = _("记录版本")
        ordering = ["content_type", "object_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id", "version"], name="record_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.content_type.model}#{self.object_id} v{self.version}"
