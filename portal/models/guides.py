"""申报指南: a campaign's conditions, steps and deadlines, rendered from the campaign's own data."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from portal.blocks import NoticeBodyBlock
from portal.content_api.fields import CampaignSerializer

from .base import PortalPageMixin


class GuidePage(PortalPageMixin, Page):
    """The application guide of one campaign (申报批次).

    Dates, accepted node types, the review route, eligibility thresholds and the materials list come
    from the campaign and the eligibility rules at request time; editors add only the introduction and
    any extra text (contacts, notes) in the body.
    """

    campaign = models.OneToOneField(
        "node_application.Campaign",
        verbose_name=_("申报批次"),
        on_delete=models.PROTECT,
        related_name="guide_page",
        help_text=_("条件、流程和时间节点取自该批次的数据，无需在此重复填写。"),
    )
    intro = RichTextField(_("导语"), blank=True)
    body = StreamField(NoticeBodyBlock(), verbose_name=_("补充说明"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("campaign"), FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("search_text")]
    api_fields = [
        APIField("campaign", serializer=CampaignSerializer(read_only=True)),
        APIField("intro"),
        APIField("body"),
    ]
    parent_page_types = ["portal.HomePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("申报指南")
        verbose_name_plural = _("申报指南")

    def searchable_parts(self) -> list[str]:
        from portal.guides import guide_text

        parts = super().searchable_parts()
        if self.campaign_id:
            parts.append(guide_text(campaign=self.campaign))
        return parts

    def get_context(self, request, *args, **kwargs):
        from portal.guides import campaign_guide
        from portal.selectors import notices_for_campaign

        context = super().get_context(request, *args, **kwargs)
        context["guide"] = campaign_guide(campaign=self.campaign)
        context["campaign_notices"] = notices_for_campaign(campaign=self.campaign)
        return context
