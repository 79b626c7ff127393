"""Editor forms of portal pages (Wagtail admin)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.models import Page

from portal.cms_drafts import SHORT_SLUG, short_slug_next


class ShortSlugPageForm(WagtailAdminPageForm):
    """A new page gets a short `YYYYMMDD-NN` slug before the first autosave (the editor may change it);
    if another editor's page took the number meanwhile, the next free number is used."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and self.parent_page is not None and "slug" in self.fields:
            self.initial["slug"] = short_slug_next(parent=self.parent_page, day=timezone.localdate())
            self.fields["slug"].help_text = _("网址中的编号（日期-序号），自动生成，一般无需修改。")

    def clean(self):
        slug = self.cleaned_data.get("slug") or ""
        if (
            self.instance.pk is None
            and self.parent_page is not None
            and SHORT_SLUG.fullmatch(slug)
            and not Page._slug_is_available(slug, self.parent_page, self.instance)
        ):
            self.cleaned_data["slug"] = short_slug_next(parent=self.parent_page, day=timezone.localdate())
        return super().clean()
