"""The public selection page /select/: filters, facets, sorting, pagination, state in the URL,
best line or 「无专线」, live-update attributes, and the CSV export of exactly the rows on screen."""

import csv
import io
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from search.backends import reset_backends
from tests.catalog.factories import ComputeResourceFactory, NetworkLineFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    """Five intelligent resources in Chengdu (prices 5..9 yuan), one general one in Mianyang."""
    chengdu = SiteFactory(city_id="510100")
    mianyang = SiteFactory(city_id="510700")
    resources = [
        ComputeResourceFactory(site=chengdu, name=f"智算资源{n}", price_yuan=Decimal(5 + n), available_units=10 + n)
        for n in range(5)
    ]
    general = ComputeResourceFactory(
        site=mianyang,
        name='=HYPERLINK("http://evil.example")',
        resource_class="general",
        accelerator_model="",
        accelerator_vendor="",
        accelerators_per_node=0,
        price_yuan=Decimal("1.50"),
    )
    NetworkLineFactory(to_site=chengdu, from_city_id="510700", latency_ms=Decimal("8.5"), bandwidth_mbps=1000)
    reset_backends()
    return {"intelligent": resources, "general": general}


def rows(response) -> list[int]:
    """Resource ids of the result rows, in order."""
    import re

    return [int(pk) for pk in re.findall(r'data-live-record="resource:(\d+)"', response.content.decode())]


def test_the_page_lists_results_with_live_attributes_facets_and_an_export_link(client, catalogue):
    response = client.get(reverse("search:selection"))
    assert response.status_code == 200
    html = response.content.decode()
    assert rows(response)[0] == catalogue["general"].pk  # cheapest first (default sort: price)
    assert len(rows(response)) == 6
    assert 'data-live-field="price_yuan"' in html and 'data-live-field="available_units"' in html
    assert 'data-live-field="state_label"' in html and "data-live-since=" in html
    assert "js/live.js" in html and "js/selection.js" in html
    assert "<h1>算力选择</h1>" in html and '<label for="f-user_city">' in html
    # facet counts, each a link that adds its filter
    assert "?resource_class=intelligent" in html and '<span class="sel-count">5</span>' in html
    assert "选择所在城市后显示" in html  # no city chosen: no line column yet
    assert reverse("search:selection-export") in html


def test_filters_sorting_and_pagination_live_in_the_url(client, catalogue):
    url = reverse("search:selection")
    response = client.get(url, {"resource_class": "intelligent", "sort": "-price", "page_size": 2, "page": 2})
    assert response.status_code == 200
    expected = sorted(catalogue["intelligent"], key=lambda r: -r.price_yuan)[2:4]
    assert rows(response) == [r.pk for r in expected]
    html = response.content.decode()
    assert 'aria-current="page">2<' in html
    # the links keep every parameter and change only the page
    next_link = html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert parse_qs(urlsplit(next_link).query) == {
        "resource_class": ["intelligent"],
        "sort": ["-price"],
        "page": ["3"],
        "page_size": ["2"],
    }
    assert '<option value="-price" selected>' in html and '<option value="intelligent" selected>' in html


def test_the_best_line_from_the_users_city_or_no_dedicated_line(client, catalogue):
    response = client.get(reverse("search:selection"), {"user_city": "510700"})
    html = response.content.decode()
    assert "8.50 毫秒 · 1000 Mbps" in html
    assert "无专线" in html  # the Mianyang resource has no line from Mianyang
    filtered = client.get(reverse("search:selection"), {"user_city": "510700", "max_latency_ms": "10"})
    assert sorted(rows(filtered)) == sorted(r.pk for r in catalogue["intelligent"])


def test_bad_input_gets_field_errors_and_the_other_filters_still_apply(client, catalogue):
    response = client.get(reverse("search:selection"), {"resource_class": "intelligent", "min_cards": "many"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="f-min_cards-error"' in html and "请填写整数" in html and 'aria-invalid="true"' in html
    assert sorted(rows(response)) == sorted(r.pk for r in catalogue["intelligent"])
    latency_without_city = client.get(reverse("search:selection"), {"max_latency_ms": "5"})
    assert latency_without_city.status_code == 400 and len(rows(latency_without_city)) == 6


def test_the_export_has_exactly_the_rows_on_screen_with_formulas_neutralised(client, catalogue):
    params = {"sort": "price", "page_size": 2, "page": 1}
    page = client.get(reverse("search:selection"), params)
    export_href = page.content.decode().split('class="sel-export"')[0].rsplit('href="', 1)[1].split('"')[0]
    export = client.get(export_href.replace("&amp;", "&"))
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    assert "attachment" in export["Content-Disposition"]
    table = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["算力标识", "名称", "服务商"]
    names = [row[1] for row in table[1:]]
    assert len(names) == 2 == len(rows(page))
    assert names[0] == '\'=HYPERLINK("http://evil.example")'  # a formula is text, not a formula
    assert names[1] == catalogue["intelligent"][0].name
    assert table[1][table[0].index("专线")] == "无专线"
    bad = client.get(reverse("search:selection-export"), {"page": "0"})
    assert bad.status_code == 400 and "page" in bad.json()["errors"]


def test_english_page(client, catalogue):
    response = client.get("/en/select/")
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


def test_a_reliability_floor_keeps_the_price_order_and_the_column_shows_each_figure(client, catalogue):
    """Sort by price among resources above a floor: the floor filters, price still orders; unknown never passes."""
    from django.utils import timezone

    from monitoring.models import ResourceReliability

    cheap, second, third, *_rest = catalogue["intelligent"]
    for resource, score in ((cheap, "95.00"), (second, "99.80"), (third, "99.20")):
        ResourceReliability.objects.create(resource=resource, score_percent=Decimal(score), computed_at=timezone.now())
    reset_backends()

    response = client.get(reverse("search:selection"), {"min_reliability": "99"})
    assert response.status_code == 200
    assert rows(response) == [second.pk, third.pk]  # by price; the 95% one and the unknown ones are out
    html = response.content.decode()
    assert 'id="f-min_reliability"' in html and 'value="99"' in html
    assert "99.80%" in html and 'class="sel-num sel-col-reliability"' in html

    by_reliability = client.get(reverse("search:selection"), {"sort": "reliability"})
    assert rows(by_reliability)[:3] == [second.pk, third.pk, cheap.pk]
    assert 'aria-sort="descending"' in by_reliability.content.decode()

    bad = client.get(reverse("search:selection"), {"min_reliability": "120"})
    assert bad.status_code == 400 and 'id="f-min_reliability-error"' in bad.content.decode()
    assert len(rows(bad)) == 6  # the bad floor is dropped, the page still answers

    api = client.get("/api/v1/search/resources/", {"min_reliability": "99"})
    assert api.status_code == 200
    assert [(hit["id"], hit["reliability_percent"]) for hit in api.json()["results"]] == [
        (second.pk, "99.80"),
        (third.pk, "99.20"),
    ]
    assert client.get("/api/v1/search/resources/", {"min_reliability": "x"}).json() == {
        "min_reliability": ["请填写 0 到 100 之间的可靠性百分比。"]
    }
