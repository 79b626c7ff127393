"""The selection page as a buyer uses it: click-to-sort headers, a column chooser in the URL, price-band
links, the card's name once, prices with their units, and the side-by-side comparison of 2–4 resources."""

import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from catalog.models import ListingState
from search.backends import reset_backends
from search.presentation import accelerator_label, money, per_unit, visible_columns
from tests.catalog.factories import ComputeResourceFactory, NetworkLineFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    chengdu = SiteFactory(city_id="510100")
    resources = [
        ComputeResourceFactory(
            site=chengdu,
            name=f"A800 集群{n}",
            price_yuan=Decimal(4 + 3 * n),
            available_units=1200 + n,
            fp16_tflops_per_card=Decimal("312"),
        )
        for n in range(4)
    ]
    hidden = ComputeResourceFactory(site=chengdu, name="待审核资源", listing_state=ListingState.PENDING)
    NetworkLineFactory(to_site=chengdu, from_city_id="510700", latency_ms=Decimal("4.2"), bandwidth_mbps=1000)
    reset_backends()
    return {"shown": resources, "hidden": hidden}


def ids_in(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-live-record="resource:(\d+)"', html)]


def link(html: str, marker: str) -> str:
    """The href of the first link whose markup follows ``marker``'s opening tag attributes."""
    found = re.search(r'href="([^"]*)"[^>]*>' + re.escape(marker), html)
    assert found, marker
    return found.group(1).replace("&amp;", "&")


def test_display_helpers():
    assert accelerator_label("NVIDIA", "NVIDIA A800 80GB (SXM4)") == "NVIDIA A800 80GB (SXM4)"
    assert accelerator_label("Huawei", "Ascend 910B") == "Huawei Ascend 910B"
    assert accelerator_label("Cambricon (寒武纪)", "Cambricon MLU370-X8") == "Cambricon MLU370-X8"
    assert accelerator_label("", "") == ""
    assert money("661120") == "661,120.00" and money(None) == ""
    assert per_unit("元/卡·时") == "/卡·时"
    assert visible_columns({"cols": "price,nonsense,provider"}) == ("provider", "price")
    assert visible_columns({"cols": "nonsense"})[0] == "provider"  # nothing valid: every column


def test_rows_show_the_card_once_and_prices_with_units(client, catalogue):
    html = client.get(reverse("search:selection")).content.decode()
    assert "NVIDIA NVIDIA" not in html
    assert "NVIDIA A100 80GB (SXM4)" in html
    assert '¥<span data-live-field="price_yuan">4.00</span></span><span class="sel-unit">/卡·时</span>' in html
    assert "1,200" in html  # thousands separators
    assert "/PFLOPS·时" in html  # price-performance carries its unit


def test_headers_sort_by_clicking_and_reverse_on_a_second_click(client, catalogue):
    url = reverse("search:selection")
    html = client.get(url).content.decode()
    assert 'aria-sort="ascending"' in html  # default sort: price ascending
    price_link = link(html, "单价")
    assert parse_qs(urlsplit(price_link).query)["sort"] == ["-price"]
    descending = client.get(url + price_link).content.decode()
    assert ids_in(descending) == [r.pk for r in reversed(catalogue["shown"])]
    assert 'aria-sort="descending"' in descending
    available_link = link(html, "可用数量")
    assert parse_qs(urlsplit(available_link).query)["sort"] == ["available"]


def test_the_column_chooser_is_in_the_url_and_kept_by_every_link(client, catalogue):
    url = reverse("search:selection")
    html = client.get(url, {"cols": "price,available", "page_size": 2}).content.decode()
    assert 'class="sel-col-price"' in html and 'data-label="可用数量"' in html
    assert 'data-label="服务商"' not in html and 'data-label="最佳专线"' not in html
    # the chooser lists every column, the shown ones ticked
    assert 'id="col-provider">' in html and 'id="col-price" checked>' in html
    next_link = html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert parse_qs(urlsplit(next_link).query)["cols"] == ["price,available"]
    assert parse_qs(urlsplit(link(html, "单价")).query)["cols"] == ["price,available"]


def test_price_bands_are_links_that_filter(client, catalogue):
    url = reverse("search:selection")
    html = client.get(url).content.decode()
    band_link = link(html, "5–10 元")
    assert parse_qs(urlsplit(band_link).query)["price_band"] == ["5-10"]
    filtered = client.get(url + band_link).content.decode()
    assert ids_in(filtered) == [catalogue["shown"][1].pk]  # 7.00 only: the band is [5, 10)
    assert client.get(url, {"price_band": "5-7"}).status_code == 400


def test_compare_two_to_four_resources_side_by_side(client, catalogue):
    first, second, third = catalogue["shown"][:3]
    url = reverse("search:selection-compare")
    response = client.get(url, {"ids": [second.pk, first.pk, third.pk], "user_city": "510700"})
    assert response.status_code == 200
    html = response.content.decode()
    # in the order chosen, every column a resource
    assert html.index(second.name) < html.index(first.name) < html.index(third.name)
    assert "¥4.00/卡·时" in html and "¥7.00/卡·时" in html
    assert 'class="cmp-best">¥4.00/卡·时' in html  # the lowest price is marked
    assert "4.20 毫秒 · 1000 Mbps" in html  # the best line from the user's city
    # the page offers the comparison: a checkbox per row bound to the compare form
    page = client.get(reverse("search:selection")).content.decode()
    assert f'name="ids" value="{first.pk}" form="sel-compare"' in page and f'action="{url}"' in page


@pytest.mark.parametrize(
    "ids",
    [[], ["1"], ["1", "2", "3", "4", "5"], ["x", "2"], ["-1", "2"]],
)
def test_compare_needs_two_to_four_valid_ids(client, catalogue, ids):
    response = client.get(reverse("search:selection-compare"), {"ids": ids})
    assert response.status_code == 400
    assert 'class="alert alert-danger"' in response.content.decode()


def test_compare_shows_only_published_resources(client, catalogue):
    shown, hidden = catalogue["shown"][0], catalogue["hidden"]
    response = client.get(reverse("search:selection-compare"), {"ids": [shown.pk, hidden.pk]})
    assert response.status_code == 400
    html = response.content.decode()
    assert hidden.name not in html and "只有 1 项" in html
    both = client.get(reverse("search:selection-compare"), {"ids": f"{shown.pk},{catalogue['shown'][1].pk}"})
    assert both.status_code == 200
