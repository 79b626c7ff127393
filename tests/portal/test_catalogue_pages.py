"""Public catalogue pages: listing with filters and exports, record pages, provider directory, site
pages, home headline figures, the identifier lookup, application guides and the anonymous page cache."""

import datetime
import re
from decimal import Decimal

import pytest
from django.http import HttpResponse
from django.utils import timezone

from catalog import exports
from catalog.models import IdentifierState, ListingState, OnboardingState
from catalog.services import identifier_issue, identifier_transition, record_update_status
from tests.catalog.factories import ComputeResourceFactory, NetworkLineFactory, ProviderFactory, SiteFactory

pytestmark = pytest.mark.django_db


def public(record):
    identifier_issue(record=record, actor=None)
    record.refresh_from_db()
    return record


@pytest.fixture
def catalogue(db):
    tianfu = ProviderFactory(organization__name="天府算力有限公司")
    chengdu = SiteFactory(provider=tianfu, name="天府一号数据中心", city_id="510100")
    hebei = SiteFactory(provider=ProviderFactory(organization__name="冀北算力有限公司"), city_id="130100")
    a100 = public(ComputeResourceFactory(site=chengdu, name="A100 集群", fp16_tflops_per_card=Decimal("312")))
    cpu = public(
        ComputeResourceFactory(
            site=chengdu,
            name="鲲鹏通用算力",
            resource_class="general",
            accelerator_model="",
            accelerator_vendor="",
            accelerators_per_node=0,
            cpu_architecture="arm",
            billing_unit="vcpu_hour",
            state="maintenance",
        )
    )
    hb = public(ComputeResourceFactory(site=hebei, name="冀北智算", fp16_tflops_per_card=None))
    pending = ComputeResourceFactory(site=chengdu, name="待审核资源", listing_state=ListingState.PENDING)
    line = public(NetworkLineFactory(to_site=chengdu, name="绵阳—天府专线"))
    return {"tianfu": tianfu, "site": chengdu, "a100": a100, "cpu": cpu, "hb": hb, "pending": pending, "line": line}


def names(response) -> set[str]:
    html = response.content.decode()
    return {name for name in ("A100 集群", "鲲鹏通用算力", "冀北智算", "待审核资源") if name in html}


def test_listing_shows_only_approved_resources_and_filters(client, catalogue):
    assert names(client.get("/catalog/")) == {"A100 集群", "鲲鹏通用算力", "冀北智算"}
    assert names(client.get("/catalog/?resource_class=general")) == {"鲲鹏通用算力"}
    assert names(client.get("/catalog/?province=130000")) == {"冀北智算"}
    assert names(client.get(f"/catalog/?provider={catalogue['tianfu'].pk}")) == {"A100 集群", "鲲鹏通用算力"}
    assert names(client.get("/catalog/?state=maintenance")) == {"鲲鹏通用算力"}
    lines = client.get("/catalog/?kind=lines").content.decode()
    assert "绵阳—天府专线" in lines and "A100 集群" not in lines


def test_listing_bad_filter_is_a_field_error_and_other_filters_still_apply(client, catalogue):
    response = client.get("/catalog/?resource_class=quantum&province=130000")
    assert response.status_code == 200
    assert response.context["form"].errors["resource_class"]
    assert names(response) == {"冀北智算"}


def test_listing_is_paginated(client, catalogue):
    for n in range(25):
        public(ComputeResourceFactory(site=catalogue["site"], name=f"批量资源{n:02d}"))
    first = client.get("/catalog/")
    assert first.context["page_obj"].paginator.count == 28
    assert len(first.context["records"]) == 20
    assert len(client.get("/catalog/?page=2").context["records"]) == 8
    assert client.get("/catalog/?page=999").context["page_obj"].number == 2


def test_export_links_keep_the_filters_and_the_export_gets_the_filtered_queryset(client, catalogue, monkeypatch):
    seen = {}

    def fake_export(*, queryset, fmt):
        seen["names"], seen["fmt"] = sorted(queryset.values_list("name", flat=True)), fmt
        return HttpResponse("ok", content_type="text/csv")

    monkeypatch.setattr(exports, "public_resource_export_response", fake_export, raising=False)
    html = client.get("/catalog/?resource_class=general").content.decode()
    assert 'href="/catalog/export/xlsx/?resource_class=general"' in html
    assert client.get("/catalog/export/csv/?resource_class=general").status_code == 200
    assert seen == {"names": ["鲲鹏通用算力"], "fmt": "csv"}
    assert client.get("/catalog/export/pdf/").status_code == 404


def test_real_exports_respect_the_filters(client, catalogue):
    import json

    csv_body = b"".join(client.get("/catalog/export/csv/?resource_class=general").streaming_content).decode("utf-8-sig")
    assert "鲲鹏通用算力" in csv_body and "A100 集群" not in csv_body and "待审核资源" not in csv_body
    rows = json.loads(b"".join(client.get("/catalog/export/json/?province=130000").streaming_content))
    rows = rows.get("results", rows) if isinstance(rows, dict) else rows
    assert [row["name"] for row in rows] == ["冀北智算"]
    xlsx = client.get("/catalog/export/xlsx/")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_record_page_shows_specs_with_units_unknowns_and_live_markup(client, catalogue):
    resource = catalogue["hb"]
    response = client.get(f"/catalog/r/{resource.identifier.code}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "每卡 FP16 稠密峰值（TFLOPS）" in html
    assert re.search(r"每卡 FP16 稠密峰值（TFLOPS）</dt><dd>未公布</dd>", html)
    assert f'data-live-record="resource:{resource.pk}"' in html
    assert re.search(r'data-live-field="price_yuan">12.00</span> 元/卡·时', html)
    assert 'data-live-field="available_units">16<' in html
    assert 'data-live-field="state_label">在线<' in html


@pytest.mark.parametrize(
    ("billing_unit", "zh", "en"),
    [("card_hour", "卡", "cards"), ("node_hour", "节点", "nodes"), ("vcpu_hour", "vCPU", "vCPU")],
)
def test_available_units_are_named_in_both_languages(client, catalogue, billing_unit, zh, en):
    resource = catalogue["a100"]
    type(resource).objects.filter(pk=resource.pk).update(billing_unit=billing_unit, available_units=5)
    for prefix, unit in (("", zh), ("/en", en)):
        html = client.get(f"{prefix}/catalog/r/{resource.identifier.code}/").content.decode()
        assert re.search(rf'data-live-field="available_units">5</span> {unit}</dd>', html), prefix


def test_record_pages_of_pending_records_and_suspended_identifiers_are_404(client, catalogue):
    pending = catalogue["pending"]
    identifier = identifier_issue(record=pending, actor=None)
    assert client.get(f"/catalog/r/{identifier.code}/").status_code == 404
    a100 = catalogue["a100"]
    identifier_transition(identifier=a100.identifier, to_state=IdentifierState.SUSPENDED, actor=None, reason="测试")
    assert client.get(f"/catalog/r/{a100.identifier.code}/").status_code == 404
    assert "A100 集群</a>" not in client.get("/catalog/").content.decode()  # no link to a 404


def test_line_page_and_site_page(client, catalogue):
    line = catalogue["line"]
    html = client.get(f"/catalog/r/{line.identifier.code}/").content.decode()
    assert "带宽（Mbps）</dt><dd>1000</dd>" in html
    site = client.get(f"/catalog/sites/{catalogue['site'].pk}/").content.decode()
    assert "A100 集群" in site and "绵阳—天府专线" in site and "待审核资源" not in site


def test_provider_directory_lists_certified_and_suspended_providers_with_status(client, catalogue):
    ProviderFactory(organization__name="暂停的服务商", onboarding_state=OnboardingState.SUSPENDED)
    applied = ProviderFactory(organization__name="申请中的服务商", onboarding_state=OnboardingState.APPLIED)
    html = client.get("/catalog/providers/").content.decode()
    assert "天府算力有限公司" in html and "暂停的服务商" in html and "已暂停" in html
    assert "申请中的服务商" not in html
    assert client.get(f"/catalog/providers/{applied.pk}/").status_code == 404
    page = client.get(f"/catalog/providers/{catalogue['tianfu'].pk}/").content.decode()
    assert "已认证" in page and "A100 集群" in page and "待审核资源" not in page


def test_headline_figures(catalogue):
    from catalog.selectors_public import headline_figures

    figures = headline_figures()
    assert figures.resources == 3
    assert {code: n for code, _label, n in figures.resources_by_class}["intelligent"] == 2
    assert figures.fp16_pflops == Decimal("10.0")  # 312 TFLOPS × 8 cards × 4 nodes; the unknown one is not guessed
    assert figures.fp16_unknown_resources == 1
    assert figures.lines == 1
    assert figures.providers == 3  # the line's provider is certified too


def test_identifier_lookup_redirects_or_explains(client, catalogue):
    code = catalogue["a100"].identifier.code
    response = client.get("/catalog/lookup/", {"code": code.lower()})
    assert response.status_code == 302 and response["Location"] == f"/catalog/r/{code}/"
    assert client.get("/en/catalog/lookup/", {"code": code})["Location"] == f"/en/catalog/r/{code}/"
    malformed = client.get("/catalog/lookup/", {"code": "CN.510000/A12"})
    assert "后缀应为" in malformed.content.decode()
    unknown_code = code[:-2] + ("8" if code[-2] != "8" else "7")
    from organizations.identifiers import check_character

    unknown_code = unknown_code + check_character(unknown_code)
    unknown = client.get("/catalog/lookup/", {"code": unknown_code})
    assert "没有找到这个算力标识" in unknown.content.decode()
    assert "请输入算力标识" in client.get("/catalog/lookup/", {"code": ""}).content.decode()


# --- guides ------------------------------------------------------------------------------------


@pytest.fixture
def sichuan_campaign(db):
    from workflows.node_application.demo import CAMPAIGNS
    from workflows.node_application.models import Campaign

    return Campaign.objects.create(slug="sc-2026", **CAMPAIGNS["sc-2026"])


def test_guide_page_is_rendered_from_the_campaign(client, sichuan_campaign):
    from portal.models import GuidePage, HomePage

    home = HomePage.objects.first()
    guide = GuidePage(title="四川申报指南", slug="sc-guide", campaign=sichuan_campaign)
    home.add_child(instance=guide)
    guide.save_revision().publish()
    html = client.get("/sc-guide/").content.decode()
    assert "5000万元" in html and "联合体不超过3家" in html
    assert "2026-03-25 24:00" in html  # materials deadline (end of day, Beijing time)
    assert "市级初审推荐" in html and "2026-04-01 24:00" in html
    sichuan_campaign.materials_deadline = timezone.make_aware(datetime.datetime(2026, 3, 28, 17, 0))
    sichuan_campaign.save()
    assert "2026-03-28 17:00" in client.get("/sc-guide/").content.decode()  # not retyped: follows the data


def test_notice_links_to_its_campaign_guide(client, sichuan_campaign):
    from portal.models import GuidePage, HomePage
    from tests.portal.factories import notice_create, sections

    home = HomePage.objects.first()
    guide = GuidePage(title="四川申报指南", slug="sc-guide", campaign=sichuan_campaign)
    home.add_child(instance=guide)
    guide.save_revision().publish()
    notice_index, _policies = sections()
    notice = notice_create(notice_index, title="四川申报通知", campaign=sichuan_campaign)
    html = client.get(notice.url).content.decode()
    assert 'href="/sc-guide/"' in html and sichuan_campaign.name in html


# --- the anonymous page cache ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_cached_record_page_never_shows_a_stale_price(client, page_cache):
    from tests.catalog.factories import ensure_reference_data

    ensure_reference_data()
    resource = public(ComputeResourceFactory(price_yuan=Decimal("12.00")))
    url = f"/catalog/r/{resource.identifier.code}/"
    assert client.get(url).get("X-Portal-Cache") is None
    cached = client.get(url)
    assert cached["X-Portal-Cache"] == "hit"
    assert 'data-live-field="price_yuan">12.00<' in cached.content.decode()
    record_update_status(record=resource, changes={"price_yuan": Decimal("9.50")})
    fresh = client.get(url)
    assert fresh.get("X-Portal-Cache") is None
    assert 'data-live-field="price_yuan">9.50<' in fresh.content.decode()


def test_cached_page_gets_each_visitor_a_working_csrf_token_and_nonce(client, page_cache, catalogue):
    from django.test import Client

    client.get("/catalog/")
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.get("/catalog/")
    html = response.content.decode()
    assert response["X-Portal-Cache"] == "hit"
    assert "__portal_csrf_token__" not in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    switched = visitor.post("/i18n/setlang/", {"language": "en", "next": "/catalog/", "csrfmiddlewaretoken": token})
    assert switched.status_code == 302 and switched["Location"] == "/en/catalog/"


def test_signed_in_users_are_not_served_from_the_cache(client, page_cache, catalogue, make_user):
    client.get("/catalog/providers/")
    assert client.get("/catalog/providers/")["X-Portal-Cache"] == "hit"
    client.force_login(make_user(username="someone"))
    assert client.get("/catalog/providers/").get("X-Portal-Cache") is None


def test_publishing_a_notice_refreshes_the_cached_home_page(client, page_cache, django_capture_on_commit_callbacks):
    from tests.portal.factories import notice_create, sections

    notice_index, _policies = sections()
    client.get("/")
    assert client.get("/")["X-Portal-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):  # invalidation runs after commit
        notice_create(notice_index, title="新发布的通知")
    response = client.get("/")
    assert response.get("X-Portal-Cache") is None and "新发布的通知" in response.content.decode()


def test_home_page_shows_figures_and_lookup_box(client, catalogue):
    html = client.get("/").content.decode()
    assert "本节点算力概况" in html and ">10.0</span>" in html
    assert 'action="/catalog/lookup/"' in html
