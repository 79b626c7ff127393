"""Document metadata shared by notices and policy pages (文号, 发文机关, 成文日期, 公开属性, 附件)."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.api import APIField
from wagtail.models import Orderable

from infra.api_fields import LabelledChoiceField
from portal.content_api.fields import AuthoritySerializer

DOCUMENT_NUMBER = re.compile(r"^\S.*〔\d{4}〕\d+号$")


class DisclosureAttribute(models.TextChoices):
    PUBLIC = "public", _("主动公开")
    ON_REQUEST = "on_request", _("依申请公开")


class OfficialDocumentFields(models.Model):
    """Fields of a government document as a portal publishes it."""

    # What the content API (/api/v1/content/pages/) shows of a notice or a policy; subclasses add theirs.
    api_fields = [
        APIField("document_number"),
        APIField("issued_on"),
        APIField("issuing_authorities", serializer=AuthoritySerializer(many=True, read_only=True)),
        APIField("issuer_names"),
        APIField("disclosure", serializer=LabelledChoiceField(choices=DisclosureAttribute.choices)),
        APIField("summary"),
        APIField("body"),
    ]

    document_number = models.CharField(
        _("文号"), max_length=64, blank=True, help_text=_("如：冀通信联〔2026〕4号；没有文号时留空。")
    )
    issued_on = models.DateField(_("成文日期"))
    issuing_authorities = ParentalManyToManyField(
        "organizations.Authority", verbose_name=_("发文机关"), blank=True, related_name="+"
    )
    issuer_display = models.CharField(
        _("发文机关署名"),
        max_length=255,
        blank=True,
        help_text=_("页面上显示的署名；留空时显示所选发文机关的名称。"),
    )
    disclosure = models.CharField(
        _("公开属性"), max_length=16, choices=DisclosureAttribute.choices, default=DisclosureAttribute.PUBLIC
    )
    summary = models.TextField(_("摘要"), blank=True, help_text=_("列表和搜索结果中显示的一两句话。"))

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.document_number:
            self.document_number = self.document_number.strip().replace("[", "〔").replace("]", "〕")
            if not DOCUMENT_NUMBER.match(self.document_number):
                raise ValidationError(
                    {"document_number": _("文号格式应为“机关代字〔年份〕序号号”，如：冀通信联〔2026〕4号。")}
                )

    def issuer_names(self) -> str:
        if self.issuer_display:
            return self.issuer_display
        if not self.pk:
            return ""
        return " ".join(authority.name for authority in self.issuing_authorities.all())


class AttachmentFields(Orderable):
    """One attached file (a Wagtail document) with the label shown to visitors."""

    document = models.ForeignKey(
        "wagtaildocs.Document", verbose_name=_("文件"), on_delete=models.CASCADE, related_name="+"
    )
    label = models.CharField(_("附件名称"), max_length=255, blank=True, help_text=_("留空时使用文件标题。"))

    class Meta(Orderable.Meta):
        abstract = True

    def __str__(self) -> str:
        return self.label or self.document.title

    @property
    def display_label(self) -> str:
        return self.label or self.document.title
