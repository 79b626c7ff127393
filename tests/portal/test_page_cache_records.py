"""Per-record invalidation of the anonymous page cache (portal.cache_generations): a change of one
record's live figures drops the pages that show that record (its page, the lists it is on, lists
ordered by live figures) and no other; a change that is not only live drops every catalogue page.

The changes are committed without running this process's after-commit hooks (as when another process
commits them, with no shared cache): only this process's reading of the change feed can tell."""

from decimal import Decimal

import pytest
from django.test import Client

from catalog.services import identifier_issue, record_delist, record_update_status
from portal.cache_generations import (
    GENERATION_KEYS,
    LIVE,
    generations_read,
    record_tokens_for_store,
    records_bump,
)
from portal.cache_generations import page_cache as page_cache_backend
from tests.catalog.factories import ComputeResourceFactory, ensure_reference_data
from tests.portal.factories import notice_create, sections

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(page_cache, settings):
    """Two providers with one public resource each, the home page and a notice."""
    settings.PORTAL_CACHE_FEED_SECONDS = 0  # read the feed before every cacheable request
    ensure_reference_data()
    changed = ComputeResourceFactory(name="甲资源", price_yuan=Decimal("12.00"))
    other = ComputeResourceFactory(name="乙资源", price_yuan=Decimal("20.00"))
    for record in (changed, other):
        identifier_issue(record=record, actor=None)
        record.refresh_from_db()
    notice_index, _policy_index = sections()
    notice = notice_create(notice_index, title="关于算力互联网节点申报的通知")
    return {"changed": changed, "other": other, "notice": notice.url}


def record_url(record) -> str:
    return f"/catalog/r/{record.identifier.code}/"


def fetch(url: str):
    """An anonymous visitor's request: (the body, served from the cache)."""
    response = Client().get(url)
    assert response.status_code == 200, url
    return response.content.decode(), response.get("X-Portal-Cache") == "hit"


def test_a_status_change_drops_only_the_pages_that_show_the_record(catalogue):
    changed, other = catalogue["changed"], catalogue["other"]
    shows_changed = {
        "record": record_url(changed),
        "catalogue": "/catalog/",
        "provider": f"/catalog/providers/{changed.provider_id}/",
        "site": f"/catalog/sites/{changed.site_id}/",
        "sorted by price": "/catalog/?sort=price",
    }
    unrelated = {
        "other record": record_url(other),
        "other provider": f"/catalog/providers/{other.provider_id}/",
        "other provider's list": f"/catalog/?provider={other.provider_id}",
        "home": "/",
        "notice": catalogue["notice"],
        "directory": "/catalog/providers/",
    }
    for url in (*shows_changed.values(), *unrelated.values()):
        fetch(url)
    assert all(fetch(url)[1] for url in (*shows_changed.values(), *unrelated.values()))

    record_update_status(record=changed, changes={"price_yuan": Decimal("9.50"), "available_units": 3})

    for name, url in shows_changed.items():
        body, hit = fetch(url)
        assert not hit, name
        assert 'data-live-field="price_yuan">9.50<' in body, name
    for name, url in unrelated.items():
        assert fetch(url)[1], name
    assert 'data-live-field="price_yuan">20.00<' in fetch(record_url(other))[0]


def test_a_page_shown_again_after_a_status_change_is_stored_again(catalogue):
    url = record_url(catalogue["changed"])
    fetch(url)
    record_update_status(record=catalogue["changed"], changes={"available_units": 5})
    assert fetch(url)[1] is False
    body, hit = fetch(url)
    assert hit and 'data-live-field="available_units">5<' in body


def test_a_change_beyond_live_figures_drops_every_catalogue_page_but_not_content(catalogue):
    changed, other = catalogue["changed"], catalogue["other"]
    catalogue_pages = [record_url(other), f"/catalog/providers/{other.provider_id}/", "/catalog/", "/"]
    for url in (*catalogue_pages, catalogue["notice"]):
        fetch(url)

    record_delist(record=changed, actor=None)

    assert not any(fetch(url)[1] for url in catalogue_pages)
    assert changed.name not in fetch("/catalog/")[0]
    assert fetch(catalogue["notice"])[1]


def test_a_record_that_changed_while_its_page_rendered_is_not_stored(catalogue, monkeypatch):
    """The tokens are read after the render: one written after the render began means the page may
    hold what the change replaced, so it is served and not stored."""
    from catalog.views import registry

    changed = catalogue["changed"]
    render = registry.render

    def render_then_change(*args, **kwargs):
        response = render(*args, **kwargs)
        records_bump({f"resource:{changed.pk}": None})  # a change committed and read meanwhile
        return response

    monkeypatch.setattr(registry, "render", render_then_change)
    fetch(record_url(changed))
    monkeypatch.setattr(registry, "render", render)
    assert fetch(record_url(changed))[1] is False  # was not stored: rendered again, stored now
    assert fetch(record_url(changed))[1] is True


def test_every_process_reading_one_change_bumps_its_record_once(page_cache):
    key = "resource:41"
    live_before = generations_read()[LIVE]
    assert record_tokens_for_store([key], live_before=live_before) == {key: (0, 0)}  # never changed

    assert records_bump({key: 7}) == 1
    live_after = page_cache_value(GENERATION_KEYS[LIVE])
    assert live_after > live_before
    assert records_bump({key: 7}) == 0  # another process read the same change
    assert page_cache_value(GENERATION_KEYS[LIVE]) == live_after
    assert record_tokens_for_store([key], live_before=live_before) is None  # changed after that read
    assert record_tokens_for_store([key], live_before=live_after) == {key: (7, live_after)}


def test_an_evicted_live_counter_starts_again_above_every_token(page_cache):
    records_bump({"resource:1": 3})
    token = page_cache_value("portal-gen:record:resource:1")
    page_cache_backend().delete(GENERATION_KEYS[LIVE])
    live = generations_read()[LIVE]
    assert live > token[1]
    assert record_tokens_for_store(["resource:1"], live_before=live) == {"resource:1": token}


def page_cache_value(key):
    return page_cache_backend().get(key)


def test_a_path_that_answers_without_a_cache_mark_skips_the_lookups_next_time(catalogue, monkeypatch):
    import portal.caching as caching

    lookups = []
    for name in ("entry_get", "generations_read", "feed_check"):
        original = getattr(caching, name)
        monkeypatch.setattr(
            caching,
            name,
            lambda *a, _original=original, _name=name, **k: (lookups.append(_name), _original(*a, **k))[1],
        )
    search = "/api/v1/search/resources/"
    assert Client().get(search, {"sort": "price"}).status_code == 200
    assert lookups  # the first time it looked, as for any anonymous GET
    lookups.clear()
    assert Client().get(search, {"sort": "-price"}).status_code == 200
    assert Client().get("/select/").status_code == 200
    assert Client().get("/select/", {"resource_class": "intelligent"}).status_code == 200
    assert lookups == ["feed_check", "entry_get", "generations_read"]  # /select/'s first time only
    fetch("/catalog/")
    assert fetch("/catalog/")[1]  # marked pages are looked up and served as before
