"""How a view says that anonymous visitors may get its page from the page cache, and what the page
depends on. Views of any app mark their responses here; the cache itself (portal.caching, the first
middleware) reads the mark.

Dependencies: ``"pages"``: published Wagtail content and campaigns; ``"catalog"``: providers, sites,
records and identifiers, apart from records' live figures; ``"live"``: the live figures (available
units, price, running state, capacity taken) of *any* record — for pages whose choice or order of
records follows them (a list sorted by price or filtered by state). A page that shows some records'
live figures names those records instead (``mark_shows_records``): a status change of another record
leaves it in the cache."""

import functools
from collections.abc import Iterable

DEPENDENCIES = ("pages", "catalog", "live")


def mark_cacheable(response, *, depends_on: Iterable[str]):
    """Anonymous visitors may get this response from the cache; it depends on ``depends_on`` (added to
    what the view already named)."""
    named = getattr(response, "portal_cache_depends_on", ())
    response.portal_cache_depends_on = tuple(dict.fromkeys((*named, *depends_on)))
    return response


def mark_shows_records(response, record_keys: Iterable[str]):
    """The page shows these records' live figures (keys as the change feed names records:
    ``resource:12``); a live change of one of them drops the page."""
    shown = getattr(response, "portal_cache_records", ())
    response.portal_cache_records = tuple(sorted({*shown, *record_keys}))
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
