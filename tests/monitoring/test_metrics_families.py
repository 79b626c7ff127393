"""Flows 8–10 from seeded activity, with exact numbers: registrations, onboarding, identifiers, API
traffic; demands and scheduling; application services and their use."""

import datetime
from decimal import Decimal

import pytest

from catalog import services as catalog_services
from catalog.models import AppService, Identifier
from monitoring.metrics import selectors
from monitoring.metrics.collectors import metrics_collect, scheduling_available
from monitoring.metrics.ingest import app_samples_ingest
from monitoring.metrics.requests import request_observe, request_stats_flush
from monitoring.models import ApiRequestStat, Granularity, MetricValue
from monitoring.reports import report_build
from organizations.models import Organization, User
from tests.catalog.factories import ComputeResourceFactory, ProviderFactory
from tests.factories import OrganizationFactory, UserFactory

from .metrics_helpers import sh

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 2)
RESOLVE = "v1:identifier-resolve"


def _day(name: str, **filters) -> tuple[float, int]:
    return selectors.metric_sum(scope=selectors.day_scope(DAY, **filters), name=name)


def _collect():
    metrics_collect(start=sh(2026, 3, 1), end=sh(2026, 3, 4))


@pytest.fixture
def platform_activity():
    sichuan = [OrganizationFactory(city_id="510100"), OrganizationFactory(city_id="510700")]
    hebei = OrganizationFactory(city_id="130100")
    Organization.objects.filter(pk=sichuan[0].pk).update(created_at=sh(2026, 3, 2, 9, 15))
    Organization.objects.filter(pk=sichuan[1].pk).update(created_at=sh(2026, 3, 2, 10, 40))
    Organization.objects.filter(pk=hebei.pk).update(created_at=sh(2026, 3, 2, 9, 30))
    Organization.objects.exclude(pk__in=[o.pk for o in sichuan + [hebei]]).update(created_at=sh(2026, 2, 1))
    user = UserFactory(organization=sichuan[0])
    User.objects.exclude(pk=user.pk).update(date_joined=sh(2026, 2, 1))
    User.objects.filter(pk=user.pk).update(date_joined=sh(2026, 3, 2, 9, 20))
    early, late = ProviderFactory(), ProviderFactory()
    early.__class__.objects.filter(pk=early.pk).update(
        created_at=sh(2026, 3, 1, 10), certified_at=sh(2026, 3, 2, 10)
    )  # 24 h
    late.__class__.objects.filter(pk=late.pk).update(created_at=sh(2026, 3, 2, 8), certified_at=sh(2026, 3, 2, 14))
    Organization.objects.filter(pk__in=[early.organization_id, late.organization_id]).update(created_at=sh(2026, 2, 1))
    records = [ComputeResourceFactory(listing_state="pending") for _ in range(2)]
    for record in records:
        catalog_services.record_approve(record=record, actor=None)
    Identifier.objects.update(issued_at=sh(2026, 3, 2, 11))
    Identifier.objects.filter(resource=records[0]).update(state="filed", filed_at=sh(2026, 3, 2, 12))
    for seconds, status in ((0.01, 200), (0.02, 200), (0.03, 200), (0.04, 404)):
        request_observe(route=RESOLVE, method="GET", status=status, seconds=seconds, now=sh(2026, 3, 2, 10, 5))
    for seconds, status in ((0.1, 200), (0.1, 200), (0.2, 500)):
        request_observe(
            route="v1:provider-resources", method="GET", status=status, seconds=seconds, now=sh(2026, 3, 2, 16, 30)
        )
    request_observe(route=RESOLVE, method="GET", status=200, seconds=0.5, now=sh(2026, 3, 3, 0, 1))  # next day
    request_stats_flush()


def test_platform_business(platform_activity):
    _collect()
    assert _day("organizations_registered") == (3.0, 3)
    assert _day("organizations_registered", province_code="510000") == (2.0, 2)
    assert _day("users_registered") == (1.0, 1)
    assert _day("providers_applied") == (1.0, 1)
    assert _day("providers_certified") == (2.0, 2)
    total, count = _day("certification_seconds")
    assert total / count / 3600 == 15.0  # (24 h + 6 h) / 2
    assert _day("identifiers_issued") == (2.0, 2)
    assert _day("identifiers_filed") == (1.0, 1)
    assert _day("identifier_resolutions") == (4.0, 4)
    assert _day("identifier_resolutions_ok") == (3.0, 3)
    assert _day("api_requests") == (7.0, 7)
    assert _day("api_client_errors") == (1.0, 1)
    assert _day("api_server_errors") == (1.0, 1)
    latency, requests = _day("api_latency_seconds")
    assert round(latency / requests * 1000, 2) == 71.43  # 0.5 s over 7 requests
    # hours in Shanghai: the 16:30 requests are in the 16:00 hour of 2 March, the 00:01 one on 3 March
    hours = MetricValue.objects.filter(name="api_requests", granularity=Granularity.HOUR).order_by("period_start")
    assert [(h.period_start, h.total) for h in hours] == [
        (sh(2026, 3, 2, 10), 4.0),
        (sh(2026, 3, 2, 16), 3.0),
        (sh(2026, 3, 3, 0), 1.0),
    ]


def test_report_contains_the_exact_platform_figures(platform_activity, settings):
    settings.NODE_IDENTIFIER_PREFIX = "CN.510000"
    _collect()
    report = report_build(day=DAY)
    assert report["schema_version"] == 1
    assert report["date"] == "2026-03-02"
    assert report["period"] == {"start": "2026-03-02T00:00:00+08:00", "end": "2026-03-03T00:00:00+08:00"}
    assert report["node"]["prefix"] == "CN.510000"
    platform = report["platform"]
    assert {
        key: platform[key] for key in ("organizations_registered", "providers_certified", "identifiers_issued")
    } == {
        "organizations_registered": 3,
        "providers_certified": 2,
        "identifiers_issued": 2,
    }
    assert platform["certification_hours_avg"] == 15.0
    assert platform["resolution_success_percent"] == 75.0
    assert platform["api_error_percent"] == 14.29
    assert platform["api_latency_ms_avg"] == 71.429
    assert report["resource"]["resources"] == 0


def test_request_middleware_counts_api_calls(client, settings):
    settings.METRICS_REQUEST_FLUSH_EVERY = 1
    client.get("/api/v1/identifiers/CN.510000/A00000001R/")
    client.get("/api/v1/identifiers/not-an-identifier/")
    stats = {(s.route, s.status): s.count for s in ApiRequestStat.objects.all()}
    assert stats == {(RESOLVE, 404): 1, (RESOLVE, 400): 1}


def test_application_business():
    provider = ProviderFactory(is_app_service_provider=True)
    service = AppService.objects.create(
        provider=provider, external_id="LLM-1", name="大模型推理", kind="ai_application", listing_state="approved"
    )
    AppService.objects.filter(pk=service.pk).update(created_at=sh(2026, 3, 2, 9))
    app_samples_ingest(
        app_services={"LLM-1": service},
        samples=[
            {"app_service": "LLM-1", "sampled_at": sh(2026, 3, 2, 10), "calls": 100, "users": 10},
            {"app_service": "LLM-1", "sampled_at": sh(2026, 3, 2, 10, 30), "calls": 50, "users": 5},
            {"app_service": "LLM-1", "sampled_at": sh(2026, 3, 3, 0, 10), "calls": 999, "users": 99},
        ],
    )
    _collect()
    assert _day("app_services_new") == (1.0, 1)
    assert _day("app_calls") == (150.0, 2)
    assert _day("app_users") == (15.0, 2)
    assert _day("app_calls", provider_id=provider.pk) == (150.0, 2)
    report = report_build(day=DAY)
    assert report["application"] == {
        "app_services_new": 1,
        "app_calls": 150,
        "app_users": 15,
        "usage_card_hours": 0,
        "usage_amount_yuan": 0,
        "app_services_listed": 1,
    }


@pytest.fixture
def scheduling_activity(make_user):
    if not scheduling_available():
        pytest.skip("workflows.demand has no scheduling models")
    from workflows.demand.models import Demand, DemandMatch, SchedulingRecord

    user = make_user("applicant")
    provider = ProviderFactory()

    def demand(city, created):
        item = Demand.objects.create(
            user=user, resource_class="intelligent", card_count=8, duration_hours=24, city_id=city
        )
        Demand.objects.filter(pk=item.pk).update(created_at=created)
        return item

    def match(item, offered, accepted=None):
        offer = DemandMatch.objects.create(
            demand=item,
            rank=DemandMatch.objects.filter(demand=item).count() + 1,
            score=Decimal("80"),
            explanation_text="",
            compute_price_yuan=Decimal("1"),
            line_price_yuan=Decimal("0"),
            total_price_yuan=Decimal("1"),
            cards=8,
        )
        DemandMatch.objects.filter(pk=offer.pk).update(offered_at=offered, accepted_at=accepted)
        return offer

    def record(item, offer, accepted, **fields):
        return SchedulingRecord.objects.create(
            demand=item,
            match=offer,
            provider=provider,
            cards=8,
            price_yuan=Decimal("1"),
            accepted_at=accepted,
            **fields,
        )

    one = demand("510100", sh(2026, 3, 2, 9))
    two = demand("510700", sh(2026, 3, 2, 9, 30))
    three = demand("130100", sh(2026, 3, 1, 20))  # the day before
    m1 = match(one, sh(2026, 3, 2, 9, 1), accepted=sh(2026, 3, 2, 10))
    match(one, sh(2026, 3, 2, 9, 1))
    m2 = match(two, sh(2026, 3, 2, 9, 31), accepted=sh(2026, 3, 2, 11))
    m3 = match(three, sh(2026, 3, 1, 20, 1), accepted=sh(2026, 3, 1, 21))
    record(one, m1, sh(2026, 3, 2, 10), status="confirmed", confirmed_at=sh(2026, 3, 2, 10, 30))  # 30 min
    record(two, m2, sh(2026, 3, 2, 11), status="confirmed", confirmed_at=sh(2026, 3, 2, 12), cross_province=True)
    record(three, m3, sh(2026, 3, 1, 21), status="declined", declined_at=sh(2026, 3, 2, 8))
    return provider


def test_scheduling_business(scheduling_activity):
    _collect()
    assert _day("demands") == (2.0, 2)
    assert _day("demands", province_code="510000") == (2.0, 2)
    assert _day("matches_offered") == (3.0, 3)
    assert _day("matches_accepted") == (2.0, 2)
    assert _day("matches_confirmed") == (2.0, 2)
    assert _day("matches_declined") == (1.0, 1)
    assert _day("matches_confirmed_cross_province") == (1.0, 1)
    total, count = _day("confirm_seconds")
    assert total / count / 60 == 45.0  # (30 min + 60 min) / 2
    scheduling = report_build(day=DAY)["scheduling"]
    assert scheduling["cross_province_percent"] == 50.0
    assert scheduling["confirm_minutes_avg"] == 45.0
    assert scheduling["demands"] == 2 and scheduling["matches_declined"] == 1
