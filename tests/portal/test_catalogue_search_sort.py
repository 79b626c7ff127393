"""/catalog/: keyword search, click-to-sort headers (kept by the exports), prices on one line with their unit,
and the site under each name so that same-named resources are told apart."""

import re
from decimal import Decimal

import pytest

from tests.catalog.factories import ComputeResourceFactory
from tests.portal.test_catalogue_pages import catalogue, names, public  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def order(response) -> list[str]:
    return [record.name for record in response.context["records"]]


def test_keyword_search_matches_names_identifiers_providers_and_sites(client, catalogue):  # noqa: F811
    assert names(client.get("/catalog/?q=集群")) == {"A100 集群"}
    assert names(client.get("/catalog/?q=A100")) == {"A100 集群", "冀北智算"}  # both carry A100 cards
    assert names(client.get("/catalog/?q=冀北")) == {"冀北智算"}  # the provider's name
    assert names(client.get("/catalog/?q=天府一号")) == {"A100 集群", "鲲鹏通用算力"}  # the site's name
    code = catalogue["a100"].identifier.code
    assert names(client.get("/catalog/", {"q": code})) == {"A100 集群"}
    assert names(client.get("/catalog/", {"q": "天府一号 鲲鹏"})) == {"鲲鹏通用算力"}  # every term must match
    assert names(client.get("/catalog/?q=待审核")) == set()  # never a record that is not public
    too_long = client.get("/catalog/?q=" + "x" * 101 + "&province=130000")
    assert too_long.context["form"].errors["q"] and names(too_long) == {"冀北智算"}


def test_headers_sort_and_reverse_and_the_exports_keep_the_order(client, catalogue):  # noqa: F811
    for key, price in (("a100", "30.00"), ("hb", "20.00"), ("cpu", "0.50")):
        catalogue[key].price_yuan = Decimal(price)
        catalogue[key].save()
    cheap = order(client.get("/catalog/?sort=price"))
    dear = order(client.get("/catalog/?sort=-price"))
    assert cheap == list(reversed(dear)) and cheap[-1] == "A100 集群"
    html = client.get("/catalog/?sort=price").content.decode()
    assert 'aria-sort="ascending"' in html
    price_header = re.search(r'<a href="([^"]*)" class="sel-sort is-active">单价', html)
    assert price_header and "sort=-price" in price_header.group(1)
    assert 'href="/catalog/export/csv/?sort=price"' in html
    assert client.get("/catalog/?sort=cheapest").context["form"].errors["sort"]


def test_prices_keep_their_unit_on_one_line_and_same_named_resources_show_their_site(client, catalogue):  # noqa: F811
    twin = public(ComputeResourceFactory(site=catalogue["site"], name="A100 集群", node_count=16))
    html = client.get("/catalog/?q=A100").content.decode()
    assert '<td class="cat-nowrap" data-label="单价">¥<span data-live-field="price_yuan">12.00</span>' in html
    assert '<span class="sel-unit">/卡·时</span>' in html
    assert "天府一号数据中心 · 16 节点" in html and "天府一号数据中心 · 4 节点" in html
    assert twin.identifier.code in html and catalogue["a100"].identifier.code in html
