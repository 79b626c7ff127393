"""Template helpers of the public portal: links that keep the visitor's language, navigation, meta."""

from django import template
from django.conf import settings

from infra.paths import localize_path

register = template.Library()


@register.simple_tag(takes_context=True)
def page_href(context, page) -> str:
    """URL of a Wagtail page in the visitor's current language."""
    if page is None:
        return ""
    return localize_path(page.get_url(context.get("request")) or "")


@register.filter
def in_language(path: str, language: str) -> str:
    return localize_path(path, language)


@register.simple_tag(takes_context=True)
def portal_sections(context) -> dict:
    """The live section pages the navigation links to, looked up once per request."""
    request = context.get("request")
    cached = getattr(request, "_portal_sections", None)
    if cached is not None:
        return cached
    from portal import selectors

    sections = {
        "notices": selectors.section_index(model_name="noticeindexpage"),
        "policies": selectors.section_index(model_name="policyindexpage"),
    }
    if request is not None:
        request._portal_sections = sections
    return sections


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """Absolute URL of this page without its query string, except the listing filters and page number."""
    request = context.get("request")
    if request is None:
        return ""
    kept = {key: request.GET[key] for key in ("page", "year", "authority") if request.GET.get(key)}
    url = request.build_absolute_uri(request.path)
    if kept:
        from urllib.parse import urlencode

        url += "?" + urlencode(kept)
    return url


@register.simple_tag(takes_context=True)
def alternate_urls(context) -> list[tuple[str, str]]:
    """(hreflang, absolute URL) of this page in each interface language."""
    request = context.get("request")
    if request is None:
        return []
    hreflang = {"zh-hans": "zh-Hans"}
    return [
        (hreflang.get(code, code), request.build_absolute_uri(localize_path(request.path, code)))
        for code, _name in settings.LANGUAGES
    ]


@register.simple_tag(takes_context=True)
def work_links(context) -> list:
    """The signed-in user's daily work lists (portal.navigation), for the main navigation; none for visitors."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return []
    from portal.navigation import nav_entry_points_for

    return nav_entry_points_for(user=user)
