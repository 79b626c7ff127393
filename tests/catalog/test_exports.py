"""Exports: the public catalogue as CSV / XLSX / JSON (approved records only, formulas escaped),
the catalog_export command, and round trips of a provider's own records."""

import csv
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command

from catalog import imports
from catalog.exports import provider_records_export_response, public_resource_export_response
from catalog.models import ComputeResource, ListingState
from tests.catalog.factories import ComputeResourceFactory, ProviderFactory, SiteFactory

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def records():
    site = SiteFactory(code="CD-01")
    public = ComputeResourceFactory(
        site=site,
        provider=site.provider,
        name='=HYPERLINK("http://evil")',
        interconnect="+1 RoCE",
        price_yuan=Decimal("12.50"),
        certifications=["等保三级"],
    )
    other = ComputeResourceFactory(
        site=site, provider=site.provider, name="@SUM(A1)", resource_class="general", accelerators_per_node=0
    )
    hidden = ComputeResourceFactory(
        site=site, provider=site.provider, name="未上架资源", listing_state=ListingState.PENDING
    )
    return public, other, hidden


def test_csv_export_escapes_formulas_and_lists_only_public_records(records):
    public, other, hidden = records
    response = public_resource_export_response(queryset=ComputeResource.objects.all(), fmt="csv")
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert rows[0][:3] == ["算力标识", "名称", "服务商"]
    names = {row[1] for row in rows[1:]}
    assert names == {'\'=HYPERLINK("http://evil")', "'@SUM(A1)"}  # escaped; the pending record is absent
    first = next(row for row in rows[1:] if row[1].startswith("'="))
    header = rows[0]
    assert first[header.index("互联方式")] == "'+1 RoCE"
    assert first[header.index("单价（元/计费单位）")] == "12.50"
    assert first[header.index("算力类型")] == "智能算力" and first[header.index("认证")] == "等保三级"


def test_xlsx_export_keeps_numbers_and_escapes_text(records):
    response = public_resource_export_response(
        queryset=ComputeResource.objects.filter(resource_class="intelligent"), fmt="xlsx"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(body(response)), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert len(rows) == 2  # the filter is respected: one intelligent public record
    assert rows[1][header.index("名称")] == '\'=HYPERLINK("http://evil")'
    assert rows[1][header.index("节点数（台）")] == 4 and float(rows[1][header.index("单价（元/计费单位）")]) == 12.5


def test_json_export_is_machine_readable(records):
    public, _other, _hidden = records
    response = public_resource_export_response(queryset=ComputeResource.objects.all(), fmt="json")
    data = json.loads(body(response))
    assert {item["name"] for item in data} == {public.name, "@SUM(A1)"}  # JSON carries the raw value
    item = next(item for item in data if item["name"] == public.name)
    assert item["price_yuan"] == "12.5" and item["node_count"] == 4 and item["certifications"] == ["等保三级"]
    assert item["provider_uscc"] == public.provider.organization.uscc


def test_catalog_export_command_writes_the_public_catalogue(records, tmp_path):
    out = tmp_path / "catalogue.json"
    call_command("catalog_export", "--format", "json", "--output", str(out))
    assert len(json.loads(out.read_text(encoding="utf-8"))) == 2
    out_csv = tmp_path / "catalogue.csv"
    call_command("catalog_export", "--format", "csv", "--output", str(out_csv))
    assert "'=HYPERLINK" in out_csv.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_providers_own_export_imports_back_unchanged(fmt):
    provider = ProviderFactory()
    site = SiteFactory(provider=provider, code="CD-01")
    ComputeResourceFactory(
        site=site,
        provider=provider,
        name="=1+1",
        certifications=["等保三级", "可信云"],
        listing_state=ListingState.PENDING,
    )
    ComputeResourceFactory(
        site=site, provider=provider, resource_class="general", accelerators_per_node=0, accelerator_model=""
    )
    response = provider_records_export_response(model=ComputeResource, provider=provider, fmt=fmt)
    report = imports.file_import(model=ComputeResource, provider=provider, stream=io.BytesIO(body(response)), fmt=fmt)
    assert report.ok, report.errors
    # Factories skip the reference figures and versions; the first import fills them (an update),
    # a second import of a fresh export changes nothing.
    response = provider_records_export_response(model=ComputeResource, provider=provider, fmt=fmt)
    again = imports.file_import(model=ComputeResource, provider=provider, stream=io.BytesIO(body(response)), fmt=fmt)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert ComputeResource.objects.get(name="=1+1").certifications == ["等保三级", "可信云"]
