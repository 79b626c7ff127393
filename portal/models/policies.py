"""政策文件: the section page and the policy page (laws, plans, standards and their interpretations)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from infra.api_fields import LabelledChoiceField
from portal.blocks import NoticeBodyBlock
from portal.content_api.fields import attachments_field

from .base import PortalPageMixin
from .documents import AttachmentFields, OfficialDocumentFields
from .notices import DOCUMENT_PANELS, DOCUMENT_SEARCH_FIELDS


class PolicyCategory(models.TextChoices):
    POLICY = "policy", _("政策文件")
    STANDARD = "standard", _("标准规范")
    INTERPRETATION = "interpretation", _("政策解读")


class PolicyIndexPage(PortalPageMixin, Page):
    """The 政策文件 section, grouped by category, newest first."""

    intro = RichTextField(_("栏目说明"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + [index.SearchField("search_text")]
    api_fields = [APIField("intro")]
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["portal.PolicyPage"]
    max_count = 1

    class Meta:
        verbose_name = _("政策文件栏目")

    def get_context(self, request, *args, **kwargs):
        from portal import selectors

        context = super().get_context(request, *args, **kwargs)
        context["groups"] = selectors.policy_groups(index=self)
        return context


class PolicyPage(OfficialDocumentFields, PortalPageMixin, Page):
    """A policy document or its interpretation."""

    category = models.CharField(_("类别"), max_length=16, choices=PolicyCategory.choices, default=PolicyCategory.POLICY)
    body = StreamField(NoticeBodyBlock(), verbose_name=_("正文"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("category")] + DOCUMENT_PANELS
    search_fields = DOCUMENT_SEARCH_FIELDS + [index.FilterField("category")]
    api_fields = OfficialDocumentFields.api_fields + [
        APIField("category", serializer=LabelledChoiceField(choices=PolicyCategory.choices)),
        APIField("attachments", serializer=attachments_field()),
    ]
    parent_page_types = ["portal.PolicyIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("政策文件")
        verbose_name_plural = _("政策文件")

    def searchable_parts(self) -> list[str]:
        return super().searchable_parts() + [self.document_number, self.issuer_names()]


class PolicyAttachment(AttachmentFields):
    page = ParentalKey(PolicyPage, on_delete=models.CASCADE, related_name="attachments")
