"""Wagtail hooks of the portal."""

from django.utils.html import escape
from wagtail import hooks
from wagtail.rich_text.pages import PageLinkHandler

from infra.paths import localize_path


class LocalizedPageLinkHandler(PageLinkHandler):
    """Links to pages inside rich text keep the visitor's interface language (/en/... for English)."""

    @classmethod
    def expand_db_attributes_many(cls, attrs_list: list[dict]) -> list[str]:
        return [
            f'<a href="{escape(localize_path(page.localized.url or ""))}">' if page else "<a>"
            for page in cls.get_many(attrs_list)
        ]


@hooks.register("register_rich_text_features", order=100)  # after Wagtail registers its own handler
def register_localized_page_links(features):
    features.register_link_type(LocalizedPageLinkHandler)


@hooks.register("before_create_page")
def resume_autosaved_draft(request, parent_page, page_class):
    """A post to the create view for a page that autosave already created edits that page (no slug clash)."""
    if request.method != "POST":
        return None
    from wagtail.admin.views.pages.edit import EditView

    from portal.cms_drafts import autosaved_draft

    draft = autosaved_draft(
        parent=parent_page, page_class=page_class, slug=request.POST.get("slug", ""), user=request.user
    )
    if draft is None:
        return None
    return EditView.as_view()(request, page_id=draft.pk)
