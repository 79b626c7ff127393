"""The audit viewer shows one trail over django-auditlog and catalogue record versions, readable:
field labels, names for foreign keys, local time, the source of every change, and a CSV of both."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from catalog import imports
from catalog.models import ComputeResource, RecordVersion
from catalog.services import resource_upsert
from organizations.models import Organization
from tests.catalog.factories import ProviderFactory, SiteFactory
from tests.factories import OrganizationFactory, UserFactory
from workflows.onboarding.models import ProviderApplication

pytestmark = pytest.mark.django_db

HEADERS = ["服务商侧编号", "名称", "数据中心站点编号", "算力类型", "节点数（台）", "单价（元/计费单位）"]


def rows_of(response) -> int:
    return response.content.decode().count('class="entry"')


def import_two(provider, actor, *, first_name="导入资源甲"):
    buffer = io.StringIO()
    table = csv.writer(buffer)
    table.writerow(HEADERS)
    table.writerow(["IMP-1", first_name, "CD-01", "通用算力", "2", "3.50"])
    table.writerow(["IMP-2", "导入资源乙", "CD-01", "通用算力", "4", "5.00"])
    stream = io.BytesIO(buffer.getvalue().encode("utf-8-sig"))
    report = imports.file_import(model=ComputeResource, provider=provider, stream=stream, fmt="csv", actor=actor)
    assert report.ok, report.errors
    return report


@pytest.fixture
def provider():
    provider = ProviderFactory()
    SiteFactory(provider=provider, code="CD-01", name="成都一号数据中心", city_id="510100")
    return provider


def test_a_bulk_import_shows_up_with_its_source_labels_and_site_name(operator_client, provider):
    importer = UserFactory(username="importer", full_name="王导入")
    import_two(provider, importer)
    resource_type = ContentType.objects.get_for_model(ComputeResource)
    assert not LogEntry.objects.filter(content_type=resource_type).exists()  # the raw path bypasses auditlog
    assert RecordVersion.objects.filter(source=RecordVersion.Source.IMPORT).count() == 2

    response = operator_client.get("/security/audit/", {"source": "import"})
    html = response.content.decode()
    assert response.status_code == 200
    assert rows_of(response) == 2
    assert "导入资源甲" in html and "导入资源乙" in html
    assert "批量导入" in html and "王导入" in html
    assert "算力资源" in html  # the record type's label, not "computeresource"
    assert "成都一号数据中心" in html  # the site by name, not its id
    assert "节点数" in html and "node_count" not in html

    type_filtered = operator_client.get("/security/audit/", {"model": resource_type.pk})
    assert rows_of(type_filtered) == 2
    assert rows_of(operator_client.get("/security/audit/", {"source": "log", "model": resource_type.pk})) == 0
    assert rows_of(operator_client.get("/security/audit/", {"actor": "王导入"})) == 2
    assert rows_of(operator_client.get("/security/audit/", {"actor": "nobody-at-all"})) == 0


def test_a_reimport_shows_before_and_after(operator_client, provider):
    import_two(provider, None)
    import_two(provider, None, first_name="导入资源甲（扩容）")
    html = operator_client.get("/security/audit/", {"source": "import"}).content.decode()
    assert "导入资源甲</del> → <ins>导入资源甲（扩容）" in html


def test_a_decision_shows_the_labelled_field_and_the_deciders_name(operator_client, provider):
    decider = UserFactory(username="zhangsan", full_name="张三")
    application = ProviderApplication.objects.create(
        organization=OrganizationFactory(),
        submitted_by=UserFactory(),
        provider=provider,
        contact_name="李四",
        contact_phone="028-12345678",
    )
    with set_actor(decider):
        application.decided_by = decider
        application.decision = "approve"
        application.decided_at = datetime(2026, 12, 1, 16, 0, 0, 123456, tzinfo=UTC)
        application.save()

    html = operator_client.get("/security/audit/", {"actor": "zhangsan"}).content.decode()
    assert "审核人" in html and "decided_by" not in html
    assert "<del>空</del> → <ins>张三</ins>" in html
    assert "审核结论" in html and "<ins>通过</ins>" in html and "approve" not in html
    assert "<ins>2026-12-02 00:00:00</ins>" in html  # a changed date-time: local, to the second
    assert "None" not in html
    assert "入网入市申请" in html


def test_an_api_change_is_listed_once_with_its_source_and_names(operator_client, provider):
    other_site = SiteFactory(provider=provider, code="BJ-02", name="北京二号数据中心", city_id="510100")
    first_site = provider.sites.get(code="CD-01")
    data = {"name": "接口资源", "site": first_site, "resource_class": "general", "node_count": 2}
    data["price_yuan"] = Decimal("3.00")
    resource_upsert(provider=provider, external_id="API-1", data=dict(data))
    resource_upsert(provider=provider, external_id="API-1", data={**data, "site": other_site})
    resource = ComputeResource.objects.get(external_id="API-1")
    assert LogEntry.objects.get_for_object(resource).count() == 2  # auditlog saw the saves too

    response = operator_client.get("/security/audit/", {"model": ContentType.objects.get_for_model(resource).pk})
    html = response.content.decode()
    assert rows_of(response) == 2  # the same change is not listed twice
    assert html.count("标准接口") >= 2
    assert "<del>成都一号数据中心</del> → <ins>北京二号数据中心</ins>" in html


def test_times_are_local_without_microseconds(operator_client):
    with set_actor(UserFactory()):
        organization = OrganizationFactory(name="时间测试单位")
    LogEntry.objects.get_for_object(organization).update(timestamp=datetime(2026, 12, 1, 16, 0, 0, 123456, tzinfo=UTC))
    html = operator_client.get("/security/audit/", {"model": ContentType.objects.get_for_model(Organization).pk})
    assert "2026-12-02 00:00:00<" in html.content.decode()


def test_csv_export_has_both_trails_and_escapes_formulas(operator_client, provider):
    import_two(provider, None, first_name='=HYPERLINK("http://x.invalid")')
    with set_actor(UserFactory(username="bob")):
        OrganizationFactory(name="乙算力有限公司")

    response = operator_client.get("/security/audit/", {"format": "csv"})
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header, body = table[0], table[1:]
    source, object_type, name = header.index("source"), header.index("object_type"), header.index("object")
    assert {row[source] for row in body} >= {"批量导入", "站内操作"}
    assert {"算力资源", "单位"} <= {row[object_type] for row in body}
    assert any(row[name] == '\'=HYPERLINK("http://x.invalid")' for row in body)
    assert not any(row[name].startswith("=") for row in body)


def test_the_trail_stays_404_for_everyone_but_operators(client, make_user, provider):
    import_two(provider, None)
    for role in (None, "applicant", "provincial_reviewer", "editor", "provider"):
        if role:
            client.force_login(make_user(role))
        for params in ({}, {"source": "import"}, {"source": "import", "format": "csv"}):
            response = client.get("/security/audit/", params)
            assert response.status_code == 404
            assert "导入资源甲" not in response.content.decode()
