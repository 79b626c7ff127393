"""How a view says that anonymous visitors may get its page from the page cache, and what the page
depends on. Views of any app mark their responses here; the cache itself (portal.caching, the first
middleware) reads the mark. ``"pages"``: published Wagtail content and campaigns; ``"catalog"``:
providers, sites, records and identifiers."""

import functools
from collections.abc import Iterable

DEPENDENCIES = ("pages", "catalog")


def mark_cacheable(response, *, depends_on: Iterable[str]):
    response.portal_cache_depends_on = tuple(depends_on)
    return response


def cache_for_anonymous(*, depends_on: Iterable[str]):
    """View decorator: anonymous visitors may get this page from the cache (portal/caching.py)."""
    depends_on = tuple(depends_on)
    unknown = set(depends_on) - set(DEPENDENCIES)
    if unknown:
        raise ValueError(f"unknown cache dependencies {unknown}")

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            return mark_cacheable(view(request, *args, **kwargs), depends_on=depends_on)

        return wrapped

    return decorator
