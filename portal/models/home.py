from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from portal.blocks import BodyBlock

from .base import PortalPageMixin


class HomePage(PortalPageMixin, Page):
    """The node's front page."""

    intro = RichTextField(_("简介"), blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("正文"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("search_text")]
    api_fields = [APIField("intro"), APIField("body")]
    max_count = 1
    cache_depends_on = ("pages", "catalog")  # the headline figures
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["portal.NoticeIndexPage", "portal.PolicyIndexPage", "portal.GuidePage"]

    class Meta:
        verbose_name = _("首页")

    def get_context(self, request, *args, **kwargs):
        from catalog.selectors_public import headline_figures
        from catalog.views.browse import IdentifierLookupForm
        from federation.selectors import network_position
        from portal import selectors

        context = super().get_context(request, *args, **kwargs)
        context["latest_notices"] = selectors.notice_latest(limit=6)
        context["notice_index"] = selectors.section_index(model_name="noticeindexpage")
        context["policy_index"] = selectors.section_index(model_name="policyindexpage")
        context["guides"] = selectors.guide_list()
        context["figures"] = headline_figures()
        context["lookup_form"] = IdentifierLookupForm()
        context["network_position"] = network_position()
        return context
