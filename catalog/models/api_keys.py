"""Per-provider API keys of the standard interface: stored as a SHA-256 digest, shown once."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProviderApiKey(models.Model):
    provider = models.ForeignKey(
        "catalog.Provider", verbose_name=_("服务商"), on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(_("用途说明"), max_length=64)
    prefix = models.CharField(_("密钥前缀"), max_length=12, unique=True, help_text=_("用于识别密钥，不是密钥本身。"))
    key_hash = models.CharField(_("密钥摘要（SHA-256）"), max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("吊销人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("API 密钥")
        verbose_name_plural = _("API 密钥")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def organization_id(self) -> int:
        return self.provider.organization_id
