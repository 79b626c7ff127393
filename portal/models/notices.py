"""通知公告: the section page with its listing and feeds, and the notice page."""

from django.db import models
from django.forms import CheckboxSelectMultiple
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from portal.blocks import NoticeBodyBlock
from portal.cms_forms import ShortSlugPageForm
from portal.content_api.fields import CampaignSerializer, attachments_field

from .base import PortalPageMixin
from .documents import AttachmentFields, OfficialDocumentFields

DOCUMENT_PANELS = [
    MultiFieldPanel(
        [
            FieldRowPanel([FieldPanel("document_number"), FieldPanel("issued_on")]),
            FieldPanel("issuing_authorities", widget=CheckboxSelectMultiple),
            FieldPanel("issuer_display"),
            FieldPanel("disclosure"),
        ],
        heading=_("公文信息"),
    ),
    FieldPanel("summary"),
    FieldPanel("body"),
    InlinePanel("attachments", label=_("附件")),
]

DOCUMENT_SEARCH_FIELDS = Page.search_fields + [
    index.SearchField("document_number"),
    index.SearchField("search_text"),
    index.FilterField("issued_on"),
]


class NoticeIndexPage(RoutablePageMixin, PortalPageMixin, Page):
    """The 通知公告 section: listing filterable by year and issuing authority, RSS and Atom feeds."""

    intro = RichTextField(_("栏目说明"), blank=True)
    per_page = 10

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + [index.SearchField("search_text")]
    api_fields = [APIField("intro")]
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["portal.NoticePage"]
    max_count = 1

    class Meta:
        verbose_name = _("通知公告栏目")

    @path("")
    def listing(self, request):
        from portal import selectors
        from portal.forms import NoticeFilterForm

        form = NoticeFilterForm(request.GET or None, index=self)
        filters = form.cleaned_filters() if form.is_bound else {}
        notices = selectors.notice_list(index=self, **filters)
        page_obj = selectors.paginate(notices, number=request.GET.get("page"), per_page=self.per_page)
        return self.render(
            request,
            context_overrides={
                "filter_form": form,
                "page_obj": page_obj,
                "notices": page_obj.object_list,
                "querystring": form.querystring() if form.is_bound else "",
                "rss_url": self.url + self.reverse_subpage("feed_rss"),
                "atom_url": self.url + self.reverse_subpage("feed_atom"),
            },
        )

    @path("feed/rss/", name="feed_rss")
    def feed_rss(self, request):
        from portal.feeds import NoticeRssFeed

        return NoticeRssFeed()(request, index=self)

    @path("feed/atom/", name="feed_atom")
    def feed_atom(self, request):
        from portal.feeds import NoticeAtomFeed

        return NoticeAtomFeed()(request, index=self)


class NoticePage(OfficialDocumentFields, PortalPageMixin, Page):
    """One notice (通知公告) as its issuing authorities published it."""

    body = StreamField(NoticeBodyBlock(), verbose_name=_("正文"), blank=True)
    campaign = models.ForeignKey(
        "node_application.Campaign",
        verbose_name=_("相关申报批次"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("本通知部署的申报批次：页面上显示其申报指南和截止时间。"),
    )

    content_panels = Page.content_panels + DOCUMENT_PANELS + [FieldPanel("campaign")]
    base_form_class = ShortSlugPageForm
    search_fields = DOCUMENT_SEARCH_FIELDS
    api_fields = OfficialDocumentFields.api_fields + [
        APIField("attachments", serializer=attachments_field()),
        APIField("campaign", serializer=CampaignSerializer(read_only=True, allow_null=True)),
    ]
    parent_page_types = ["portal.NoticeIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")

    def searchable_parts(self) -> list[str]:
        return super().searchable_parts() + [self.document_number, self.issuer_names()]

    def get_context(self, request, *args, **kwargs):
        from portal.selectors import guide_for_campaign

        context = super().get_context(request, *args, **kwargs)
        if self.campaign_id:
            context["campaign_guide_page"] = guide_for_campaign(campaign_id=self.campaign_id)
        return context


class NoticeAttachment(AttachmentFields):
    page = ParentalKey(NoticePage, on_delete=models.CASCADE, related_name="attachments")
