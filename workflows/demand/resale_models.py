"""Resale offers (转售报价, issue 16 item 2): a qualified reseller's own price and terms for capacity of
certified providers' resources, named by their identifiers. Whether an offer shows is decided when it is
read (``resale.resale_offers_public``): only inside its window and while the reseller's 转售调度资格
stands, so an expiry or revocation hides it at once without any job running."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import BillingUnit


class ResaleOffer(models.Model):
    reseller = models.ForeignKey(
        "catalog.Provider",
        verbose_name=_("转售调度服务商"),
        on_delete=models.PROTECT,
        related_name="resale_offers",
    )
    title = models.CharField(_("报价名称"), max_length=128)
    resources = models.ManyToManyField(
        "catalog.ComputeResource",
        verbose_name=_("所基于的算力资源"),
        related_name="resale_offers",
        help_text=_("以算力标识指明；须为已认证资源提供商已上架的资源。"),
    )
    price_yuan = models.DecimalField(
        _("转售单价（元）"), max_digits=12, decimal_places=4, validators=[MinValueValidator(Decimal("0.0001"))]
    )
    billing_unit = models.CharField(
        _("计费单位"), max_length=16, choices=BillingUnit.choices, default=BillingUnit.CARD_HOUR
    )
    terms = models.TextField(_("服务条款"), max_length=4000, help_text=_("交付方式、最短租期、结算与售后等。"))
    valid_from = models.DateField(_("有效期自"))
    valid_until = models.DateField(_("有效期至"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    # the reseller was told once that its offers stopped showing (qualification expired or revoked)
    lapse_notified_at = models.DateTimeField(_("资格失效通知时间"), null=True, blank=True)
    lapse_reason = models.CharField(_("停止展示原因"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("转售报价")
        verbose_name_plural = _("转售报价")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")), name="resale_offer_window_valid"
            )
        ]

    def __str__(self) -> str:
        return self.title
