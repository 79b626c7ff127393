"""Page-cache busting: query parameters no cached page reads never create entries (and are served the
page without them), the key ignores parameter order, and the cache's memory has a bound a visitor
cannot push past (entry count of its own alias, and a size cap per entry)."""

import pytest
from django.conf import settings

from catalog.views.browse import CatalogueFilterForm
from portal.cache_entries import KEY_PREFIX
from portal.cache_entries import page_cache as page_cache_backend
from portal.forms import NoticeFilterForm

pytestmark = pytest.mark.django_db


def entries() -> int:
    return sum(1 for key in page_cache_backend()._cache if KEY_PREFIX in key)


def test_unknown_parameters_create_no_entries_and_get_the_plain_page(client, page_cache):
    assert all(client.get(f"/catalog/?cb={n}").status_code == 200 for n in range(20))
    assert entries() == 0
    assert "X-Portal-Cache" not in client.get("/catalog/")
    assert entries() == 1
    busted = client.get("/catalog/?cb=12345&utm_source=x")
    assert busted["X-Portal-Cache"] == "hit"  # the page of /catalog/, no render, no new entry
    assert entries() == 1


def test_the_key_ignores_parameter_order(client, page_cache):
    client.get("/catalog/?kind=resources&page=1")
    assert client.get("/catalog/?page=1&kind=resources")["X-Portal-Cache"] == "hit"
    assert entries() == 1
    # a parameter the page reads is still part of the key
    assert "X-Portal-Cache" not in client.get("/catalog/?kind=lines")


def test_every_parameter_a_cached_page_reads_is_in_the_key():
    read = {"page", *CatalogueFilterForm.base_fields, *NoticeFilterForm.base_fields}
    assert read <= settings.PORTAL_PAGE_CACHE_PARAMS


def test_the_number_of_entries_is_bounded(client, page_cache):
    page_cache.CACHES = {
        **page_cache.CACHES,
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "bounded-pages-test",
            "OPTIONS": {"MAX_ENTRIES": 10},
        },
    }
    page_cache_backend().clear()
    for n in range(1, 41):
        assert client.get(f"/catalog/?page={n}&province={n}").status_code == 200
    assert 0 < entries() <= 10
    assert not [key for key in page_cache_default_keys() if KEY_PREFIX in key]  # its own alias, not the default


def page_cache_default_keys():
    from django.core.cache import cache

    return list(cache._cache)


def test_pages_larger_than_the_entry_cap_are_not_stored(client, page_cache):
    page_cache.PORTAL_PAGE_CACHE_MAX_ENTRY_BYTES = 1024
    client.get("/catalog/")
    assert entries() == 0
    assert "X-Portal-Cache" not in client.get("/catalog/")
