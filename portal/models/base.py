"""What every portal page type shares: text for the Chinese-aware search index and its description."""

from django.utils.html import strip_tags
from django.utils.text import Truncator

from portal.search_text import segment_for_index


class PortalPageMixin:
    """Mixed into page models; ``searchable_parts`` lists the text a visitor may search for.

    Pages are cached whole for anonymous visitors (portal.caching) until what they show changes:
    ``cache_depends_on`` names it.
    """

    cache_depends_on: tuple[str, ...] = ("pages",)

    def serve(self, request, *args, **kwargs):
        from infra.cacheable import mark_cacheable

        response = super().serve(request, *args, **kwargs)
        return mark_cacheable(response, depends_on=self.cache_depends_on)

    def searchable_parts(self) -> list[str]:
        parts = [self.title, getattr(self, "search_description", "")]
        for name in ("intro", "summary"):
            parts.append(strip_tags(getattr(self, name, "") or ""))
        body = getattr(self, "body", None)
        if body is not None:
            parts.extend(strip_tags(str(text)) for text in body.stream_block.get_searchable_content(body))
        return [part for part in parts if part]

    def search_text(self) -> str:
        return segment_for_index(" ".join(self.searchable_parts()))

    def meta_description(self) -> str:
        """The page's description for search engines and link previews."""
        if self.search_description:
            return self.search_description
        for name in ("summary", "intro"):
            text = strip_tags(getattr(self, name, "") or "").strip()
            if text:
                return Truncator(text).chars(150)
        return ""
