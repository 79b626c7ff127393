"""Resale offers where buyers search compute: /catalog/ and /select/ rows summarise a resource's live
offers and link to them, both pages filter on 含转售报价, the resource's page lists its live offers beside
the provider's own price, /resale/ filters by identifier and provider and sorts by price. "Live" is the
public list's rule: an expired qualification, an offer out of its window or a delisted resource hides it."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import ListingState
from catalog.services import identifier_issue
from tests.catalog.factories import ComputeResourceFactory
from tests.workflows.demand.resellers import qualified_reseller
from workflows.demand.models import ResaleOffer
from workflows.demand.resale import resale_offer_publish, resale_offer_withdraw
from workflows.onboarding.models import ResellerQualification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_index")]


@pytest.fixture
def reseller(market):
    return qualified_reseller(number="ZS-2026-0101", customer_name="某客户", name="蜀道转售调度有限公司")


def _publish(reseller, codes, *, price="14.5", title="A100 包月转售", unit="card_hour", terms="按月结算，最短一个月。"):
    today = timezone.localdate()
    data = {
        "title": title,
        "identifiers": codes,
        "price_yuan": Decimal(price),
        "billing_unit": unit,
        "terms": terms,
        "valid_from": today,
        "valid_until": today + datetime.timedelta(days=20),
    }
    return resale_offer_publish(actor=reseller.user, data=data)


@pytest.fixture
def offers(market, codes, reseller):
    """Two live offers on Chengdu (13.8 and 14.5 per card-hour), one of them also on Mianyang."""
    both = _publish(reseller, [codes["chengdu"], codes["mianyang"]])
    cheap = _publish(reseller, [codes["chengdu"]], price="13.8", title="成都 A100 低价转售")
    return both, cheap


def _row(page: str, name: str) -> str:
    """The table row of the resource named ``name`` (its markup up to the end of the row)."""
    start = page.index(f">{name}<")
    return page[start : page.index("</tr>", start)]


def _names(market):
    return {key: r.name for key, r in market.resources.items()}


SUMMARY = re.compile(r"转售报价 (\d+) 个 · 最低 ¥([\d.]+)/卡·时")


def test_catalogue_and_selection_rows_summarise_live_offers_and_link_to_them(client, market, codes, offers):
    names = _names(market)
    for path in ("/catalog/", "/select/"):
        page = client.get(path).content.decode()
        chengdu, mianyang, hebei = (_row(page, names[key]) for key in ("chengdu", "mianyang", "hebei"))
        assert SUMMARY.search(chengdu).groups() == ("2", "13.80"), path
        assert SUMMARY.search(mianyang).groups() == ("1", "14.50"), path
        assert "转售报价 " not in hebei, path
        assert f'href="/resale/?resource={codes["chengdu"].replace("/", "%2F")}"' in chengdu, path


def test_the_link_lists_those_offers_and_only_those(client, market, codes, offers):
    page = client.get("/resale/", {"resource": codes["mianyang"]}).content.decode()
    assert "A100 包月转售" in page and "成都 A100 低价转售" not in page
    page = client.get("/resale/", {"resource": codes["chengdu"]}).content.decode()
    assert "A100 包月转售" in page and "成都 A100 低价转售" in page
    assert "暂无转售报价" in client.get("/resale/", {"resource": codes["hebei"]}).content.decode()


@pytest.mark.parametrize("lapse", ["qualification_expired", "qualification_revoked", "window_over", "delisted"])
def test_only_live_offers_show(client, market, codes, reseller, offers, lapse):
    both, cheap = offers
    if lapse == "qualification_expired":
        ResellerQualification.objects.filter(pk=reseller.qualification.pk).update(
            valid_until=timezone.localdate() - datetime.timedelta(days=1)
        )
    elif lapse == "qualification_revoked":
        ResellerQualification.objects.filter(pk=reseller.qualification.pk).update(revoked_at=timezone.now())
    elif lapse == "window_over":
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        ResaleOffer.objects.filter(pk=cheap.pk).update(valid_from=yesterday, valid_until=yesterday)
    else:  # Chengdu delisted: the offer built on it and Mianyang stops showing on Mianyang too
        market.resources["chengdu"].__class__.objects.filter(pk=market.resources["chengdu"].pk).update(
            listing_state=ListingState.DELISTED
        )
    names = _names(market)
    for path in ("/catalog/", "/select/"):
        page = client.get(path).content.decode()
        mianyang = _row(page, names["mianyang"])
        if lapse == "window_over":  # the other offer still stands
            assert SUMMARY.search(_row(page, names["chengdu"])).groups() == ("1", "14.50"), path
            assert SUMMARY.search(mianyang).groups() == ("1", "14.50"), path
        else:
            assert "转售报价 " not in mianyang, path
            assert not SUMMARY.search(page), path
        only = client.get(path, {"resale": "1"}).content.decode()
        assert (names["chengdu"] in only) == (lapse == "window_over"), path
    detail = client.get(f"/catalog/r/{codes['mianyang']}/").content.decode()
    assert ("A100 包月转售" in detail) == (lapse == "window_over")


def test_the_resale_filter_on_both_pages(client, market, codes, offers):
    names = _names(market)
    page = client.get("/catalog/", {"resale": "on"}).content.decode()
    assert names["chengdu"] in page and names["mianyang"] in page and names["hebei"] not in page
    assert "共 2 项" in page
    page = client.get("/select/", {"resale": "1"}).content.decode()
    assert names["chengdu"] in page and names["mianyang"] in page and names["hebei"] not in page
    assert 'id="f-resale" name="resale" value="1" checked' in page
    resale_offer_withdraw(offer=offers[0], actor=None)  # Mianyang's only offer
    page = client.get("/select/", {"resale": "1"}).content.decode()
    assert names["mianyang"] not in page and names["chengdu"] in page
    assert client.get("/select/", {"resale": "maybe"}).status_code == 400  # a field error, no 500


def test_the_resource_page_lists_its_live_offers_beside_the_providers_price(client, market, codes, offers):
    page = client.get(f"/catalog/r/{codes['chengdu']}/").content.decode()
    section = page[page.index('id="resale-heading"') : page.index('id="spec-heading"')]
    assert "服务商自己的价格为 12.00 元/卡·时" in section
    assert section.count("蜀道转售调度有限公司") == 2
    assert section.index("¥13.80") < section.index("¥14.50")  # cheapest first
    assert "按月结算，最短一个月。" in section
    assert (timezone.localdate() + datetime.timedelta(days=20)).isoformat() in section
    assert market.providers["chengdu"].organization.name in section  # the underlying provider
    assert market.providers["mianyang"].organization.name in section  # the other resource of the offer
    assert 'id="resale-heading"' not in client.get(f"/catalog/r/{codes['hebei']}/").content.decode()


def _queries(client, path, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, params).status_code == 200
    return len(captured)


def test_the_summaries_cost_one_query_per_page_whatever_its_rows(client, market, codes, reseller, offers):
    client.get("/select/")  # the index is built and warm
    small = {path: _queries(client, path, {"resale": "1"}) for path in ("/catalog/", "/select/")}
    provider, site = market.providers["chengdu"], market.resources["chengdu"].site
    for number in range(8):
        resource = ComputeResourceFactory(site=site, provider=provider, name=f"追加资源 {number}")
        _publish(reseller, [identifier_issue(record=resource, actor=None).code], price=str(20 + number))
    client.get("/select/")
    for path, before in small.items():
        page = client.get(path, {"resale": "1"}).content.decode()
        assert page.count("转售报价 1 个") == 9, path  # 8 new rows and Mianyang
        assert _queries(client, path, {"resale": "1"}) == before, path


def test_resale_list_filters_by_provider_and_sorts_by_price(client, market, codes, offers, reseller):
    _publish(reseller, [codes["hebei"]], price="9.9", title="石家庄转售")
    page = client.get("/resale/", {"provider": market.providers["hebei"].pk}).content.decode()
    assert "石家庄转售" in page and "A100 包月转售" not in page
    page = client.get("/resale/", {"sort": "price"}).content.decode()
    assert page.index("石家庄转售") < page.index("成都 A100 低价转售") < page.index("A100 包月转售")
    page = client.get("/resale/", {"sort": "-price"}).content.decode()
    assert page.index("A100 包月转售") < page.index("成都 A100 低价转售") < page.index("石家庄转售")
    response = client.get("/resale/", {"provider": "999999", "sort": "cheapest"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "选择一个有效的选项" in body and body.count('class="error"') == 2


@pytest.fixture
def cached_pages(settings):
    """Anonymous catalogue pages cached (as in production), starting empty, the feed followed from now."""
    from portal.cache_entries import unmarked_paths_forget
    from portal.cache_invalidation import feed_reader_reset

    settings.PORTAL_PAGE_CACHE_SECONDS = 300
    settings.PORTAL_CATALOG_CACHE_SECONDS = 60
    cache.clear()
    unmarked_paths_forget()
    feed_reader_reset()


@pytest.mark.parametrize("hide", ["withdraw", "revoke"])
def test_publishing_withdrawing_or_a_revocation_drops_the_cached_catalogue_page(
    client, market, codes, reseller, cached_pages, django_capture_on_commit_callbacks, hide
):
    from workflows.onboarding.qualifications import reseller_qualification_revoke

    name = market.resources["hebei"].name
    assert "转售报价 " not in _row(client.get("/catalog/").content.decode(), name)
    with django_capture_on_commit_callbacks(execute=True):
        offer = _publish(reseller, [codes["hebei"]], price="9.9")
    assert "转售报价 1 个" in _row(client.get("/catalog/").content.decode(), name)
    assert "转售报价 1 个" in _row(client.get("/catalog/").content.decode(), name)  # (from the cache)
    with django_capture_on_commit_callbacks(execute=True):
        if hide == "withdraw":
            resale_offer_withdraw(offer=offer, actor=None)
        else:
            reseller_qualification_revoke(qualification=reseller.qualification, reason="核查发现资质材料失效")
    assert "转售报价 " not in _row(client.get("/catalog/").content.decode(), name)


def test_english_pages(client, market, codes, offers):
    names = _names(market)
    for path in ("/en/catalog/", "/en/select/"):
        row = _row(client.get(path).content.decode(), names["chengdu"])
        assert "2 resale offers · from ¥13.80/card·hour" in row, path
    page = client.get(f"/en/catalog/r/{codes['chengdu']}/").content.decode()
    assert "Resale offers" in page and "the provider's own price is 12.00" in page
    page = client.get("/en/resale/", {"sort": "price"}).content.decode()
    assert "Price, low to high" in page and "Resource provider" in page
