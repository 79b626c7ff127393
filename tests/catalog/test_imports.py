"""Bulk import: all or nothing, per-row errors in Chinese, provider scoping, versions, dry run."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog import imports
from catalog.imports.resources import ComputeResourceResource
from catalog.models import ComputeResource, ListingState, NetworkLine, RecordVersion
from catalog.services.records import _snapshot
from changes.models import Change
from tests.catalog.factories import ComputeResourceFactory, ProviderFactory, SiteFactory

pytestmark = pytest.mark.django_db

HEADERS = [
    "服务商侧编号",
    "名称",
    "数据中心站点编号",
    "算力类型",
    "加速卡型号",
    "每节点加速卡数（张）",
    "节点数（台）",
    "单价（元/计费单位）",
    "当前可用数量",
    "认证",
]
GOOD = [
    [
        "GPU-001",
        "A100 训练集群",
        "CD-01",
        "智能算力",
        "NVIDIA A100 80GB (SXM4)",
        "8",
        "4",
        "12.50",
        "16",
        "等保三级；可信云",
    ],
    ["GPU-002", "通用计算池", "成都一号数据中心", "general", "", "", "20", "0.35", "100", ""],
    [
        "GPU-003",
        '=HYPERLINK("http://x")',
        "CD-01",
        "智能算力",
        "Huawei Ascend 910B (Atlas 800T A2)",
        "8",
        "2",
        "9",
        "",
        "",
    ],
]


def csv_bytes(headers, rows, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(headers, rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def provider():
    provider = ProviderFactory()
    SiteFactory(provider=provider, code="CD-01", name="成都一号数据中心", city_id="510100")
    return provider


def run(provider, data: bytes, fmt="csv", **kwargs):
    return imports.file_import(model=ComputeResource, provider=provider, stream=io.BytesIO(data), fmt=fmt, **kwargs)


def versions_of(model=ComputeResource):
    return RecordVersion.objects.filter(content_type=ContentType.objects.get_for_model(model))


def test_valid_file_creates_pending_versioned_records_filled_from_the_reference(provider):
    report = run(provider, csv_bytes(HEADERS, GOOD))
    assert report.ok and report.created == 3 and report.written
    a100 = ComputeResource.objects.get(provider=provider, external_id="GPU-001")
    assert a100.listing_state == ListingState.PENDING
    assert a100.accelerator is not None and a100.accelerator_vendor == "NVIDIA"
    assert a100.fp64_tflops_per_card == Decimal("9.7") and a100.accelerator_memory_gb == 80
    assert a100.price_yuan == Decimal("12.50") and a100.certifications == ["等保三级", "可信云"]
    assert (a100.province_code, a100.city_code) == ("510000", "510100")
    general = ComputeResource.objects.get(external_id="GPU-002")
    assert general.site.code == "CD-01" and general.accelerators_per_node == 0 and general.accelerator is None
    assert general.fp64_tflops_per_card is None  # unknown stays unknown
    ascend = ComputeResource.objects.get(external_id="GPU-003")
    assert (
        ascend.name.startswith("=HYPERLINK")
        and ascend.fp16_tflops_per_card is None
        and ascend.accelerator_memory_gb == 64
    )
    version = versions_of().get(object_id=a100.pk)
    assert version.version == 1 and version.change == "imported"
    assert version.payload == _snapshot(a100)  # same payload as an API change would store


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_one_bad_row_writes_nothing_and_reports_that_row(provider, fmt):
    # (openpyxl would store GOOD[2]'s "=HYPERLINK" name as a formula without a cached value)
    rows = [*GOOD[:2], ["GPU-004", "坏行", "CD-01", "智能算力", "", "8", "0", "abc", "", ""]]
    data = csv_bytes(HEADERS, rows) if fmt == "csv" else xlsx_bytes(HEADERS, rows)
    report = run(provider, data, fmt=fmt)
    assert not report.ok and not report.written
    assert report.error_rows == {4}  # header is row 1: the third data row
    columns = {error.column: error.message for error in report.errors}
    assert set(columns) == {"节点数（台）", "单价（元/计费单位）"}
    assert columns["单价（元/计费单位）"] == "请填写数字。"
    assert "不能小于 1" in columns["节点数（台）"]
    assert ComputeResource.objects.count() == 0 and versions_of().count() == 0


def test_an_error_after_many_batches_still_writes_nothing(provider, monkeypatch):
    monkeypatch.setattr("catalog.imports.engine.BATCH_SIZE", 2)
    rows = [[f"R-{n}", f"资源{n}", "CD-01", "通用算力", "", "", "1", "1", "", ""] for n in range(9)]
    rows.append(["R-9", "坏", "NO-SUCH-SITE", "通用算力", "", "", "1", "1", "", ""])
    report = run(provider, csv_bytes(HEADERS, rows))
    assert report.error_rows == {11} and report.errors[0].column == "数据中心站点编号"
    assert "NO-SUCH-SITE" in report.errors[0].message
    assert ComputeResource.objects.count() == 0 and versions_of().count() == 0
    assert Change.objects.count() == 0  # no change in the feed either


def test_an_import_appends_one_feed_change_per_changed_record_in_its_transaction(provider):
    report = run(provider, csv_bytes(HEADERS, GOOD))
    ids = set(ComputeResource.objects.values_list("pk", flat=True))
    changes = list(Change.objects.values_list("record_type", "record_id", "kind"))
    assert report.ok and len(ids) == 3
    assert sorted(changes) == sorted(("resource", pk, "imported") for pk in ids)
    run(provider, csv_bytes(HEADERS, GOOD))  # the same file again: nothing changed, nothing appended
    assert Change.objects.count() == 3


def test_a_changed_record_s_feed_row_carries_the_new_values_of_its_changed_fields(provider):
    run(provider, csv_bytes(HEADERS, GOOD))
    assert set(Change.objects.values_list("patch", flat=True)) == {None}  # new records: ids only
    first = Change.objects.order_by("-seq").values_list("seq", flat=True).first()
    changed = [list(row) for row in GOOD]
    changed[0][7], changed[0][9] = "13.75", "等保三级"  # price and certifications of GPU-001
    changed[2][1] = "昇腾训练集群"  # name of GPU-003

    report = run(provider, csv_bytes(HEADERS, changed))

    assert report.ok and (report.updated, report.unchanged) == (2, 1)
    by_external = dict(ComputeResource.objects.values_list("external_id", "pk"))
    latest = dict(Change.objects.filter(seq__gt=first).values_list("record_id", "patch"))
    assert latest == {
        by_external["GPU-001"]: {"price_yuan": "13.75", "certifications": ["等保三级"]},
        by_external["GPU-003"]: {"name": "昇腾训练集群"},
    }


def test_dry_run_writes_nothing_and_previews_the_actions(provider):
    ComputeResourceFactory(provider=provider, site=provider.sites.get(), external_id="GPU-001", name="旧名称")
    before = versions_of().count()
    report = run(provider, csv_bytes(HEADERS, GOOD), dry_run=True)
    assert report.ok and not report.written
    assert (report.created, report.updated, report.unchanged) == (2, 1, 0)
    assert [row.action for row in report.preview] == ["update", "new", "new"]
    assert ComputeResource.objects.count() == 1 and versions_of().count() == before
    assert ComputeResource.objects.get().name == "旧名称"


def test_reimporting_the_same_file_creates_no_new_version(provider):
    data = csv_bytes(HEADERS, GOOD)
    assert run(provider, data).created == 3
    count = versions_of().count()
    again = run(provider, data)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert versions_of().count() == count
    assert set(ComputeResource.objects.values_list("version", flat=True)) == {1}
    changed = [row[:] for row in GOOD]
    changed[1][7] = "0.40"
    third = run(provider, csv_bytes(HEADERS, changed))
    assert (third.updated, third.unchanged) == (1, 2)
    record = ComputeResource.objects.get(external_id="GPU-002")
    assert record.version == 2 and record.price_yuan == Decimal("0.40")
    assert versions_of().filter(object_id=record.pk).count() == 2


def test_provider_scoping_another_providers_records_are_untouchable(provider):
    other = ProviderFactory()
    theirs = ComputeResourceFactory(
        provider=other, site=SiteFactory(provider=other, code="CD-01"), external_id="GPU-001", name="别人的资源"
    )
    headers = ["服务商", *HEADERS]  # a provider column in the file is ignored, never trusted
    rows = [[other.organization.name, *row] for row in GOOD]
    report = run(provider, csv_bytes(headers, rows))
    assert report.ok and report.created == 3 and "服务商" in report.ignored_columns
    theirs.refresh_from_db()
    assert theirs.name == "别人的资源" and theirs.version == 1
    assert ComputeResource.objects.filter(provider=provider).count() == 3
    # Another provider's site cannot be used either.
    SiteFactory(provider=other, code="THEIRS")
    bad = run(provider, csv_bytes(HEADERS, [["X-1", "x", "THEIRS", "通用算力", "", "", "1", "1", "", ""]]))
    assert bad.error_rows == {2} and bad.errors[0].column == "数据中心站点编号"


def test_file_level_problems_are_reported(provider):
    report = run(provider, csv_bytes(["名称"], [["x"]]))
    assert not report.ok and "服务商侧编号" in report.errors[0].message
    broken = run(provider, b"not a zip", fmt="xlsx")
    assert not broken.ok and broken.errors[0].row == 0
    dup = run(provider, csv_bytes(HEADERS, [GOOD[0], GOOD[0]]))
    assert dup.error_rows == {3} and "重复" in dup.errors[0].message


def test_gb18030_csv_from_chinese_excel_is_read(provider):
    report = run(provider, csv_bytes(HEADERS, GOOD[:2], encoding="gb18030"))
    assert report.ok and report.created == 2
    assert ComputeResource.objects.get(external_id="GPU-001").name == "A100 训练集群"


def test_import_export_resource_and_fast_path_produce_identical_records(provider):
    twin = ProviderFactory()
    SiteFactory(provider=twin, code="CD-01", name="成都一号数据中心", city_id="510100")
    rows = [*GOOD, ["GPU-004", "边缘节点", "CD-01", "边缘算力", "", "", "3", "1.2", "3", "ISO 27001"]]
    assert run(provider, csv_bytes(HEADERS, rows)).created == 4
    dataset = tablib.Dataset(*rows, headers=HEADERS)
    result = ComputeResourceResource(provider=twin).import_data(dataset)
    assert not result.has_errors() and not result.has_validation_errors()

    def state(owner):
        out = {}
        for record in ComputeResource.objects.filter(provider=owner).order_by("external_id"):
            snapshot = _snapshot(record)
            snapshot["site"] = record.site.code
            extra = (
                record.accelerator_id,
                record.province_code,
                record.city_code,
                record.listing_state,
                record.version,
            )
            version = versions_of().get(object_id=record.pk)
            payload = dict(version.payload, site=record.site.code)
            out[record.external_id] = (snapshot, extra, payload == snapshot, version.change)
        return out

    assert state(provider) == state(twin)
    # import-export's path is all-or-nothing too (rollback on validation errors)
    bad = tablib.Dataset(["GPU-9", "x", "CD-01", "通用算力", "", "", "0", "1", "", ""], headers=HEADERS)
    result = ComputeResourceResource(provider=twin).import_data(bad)
    assert result.has_validation_errors() and not ComputeResource.objects.filter(external_id="GPU-9").exists()


def test_network_lines_import_with_city_and_site_lookups(provider):
    line_provider = ProviderFactory(is_resource_provider=False, is_line_provider=True)
    site = provider.sites.get()
    headers = [
        "服务商侧编号",
        "名称",
        "线路类型",
        "起点城市代码",
        "终点数据中心站点ID",
        "带宽（Mbps）",
        "月租（元/月）",
    ]
    rows = [
        ["L-1", "绵阳—成都专线", "专线", "510700", str(site.pk), "1000", "12000"],
        ["L-2", "x", "云专网", "999999", "0", "10", "1"],
    ]
    report = imports.file_import(
        model=NetworkLine, provider=line_provider, stream=io.BytesIO(csv_bytes(headers, rows)), fmt="csv"
    )
    assert report.error_rows == {3} and {e.column for e in report.errors} == {"起点城市代码", "终点数据中心站点ID"}
    report = imports.file_import(
        model=NetworkLine, provider=line_provider, stream=io.BytesIO(csv_bytes(headers, rows[:1])), fmt="csv"
    )
    assert report.ok and NetworkLine.objects.get(provider=line_provider).to_site == site


def test_command_prints_row_errors_and_fails(provider, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(HEADERS, [GOOD[0], ["GPU-9", "x", "CD-01", "通用算力", "", "", "0", "1", "", ""]]))
    with pytest.raises(CommandError):
        call_command("catalog_import", str(path), provider=provider.organization.uscc)
    out = capsys.readouterr()
    assert "第 3 行" in out.out + out.err and "节点数（台）" in out.out + out.err
    assert ComputeResource.objects.count() == 0
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx_bytes(HEADERS, GOOD[:2]))
    call_command("catalog_import", str(good), provider=str(provider.pk), dry_run=True)
    assert ComputeResource.objects.count() == 0
    call_command("catalog_import", str(good), provider=str(provider.pk))
    assert ComputeResource.objects.filter(provider=provider).count() == 2


def test_app_services_import_and_keep_their_linked_resources(provider):
    from catalog.models import AppService

    resource = ComputeResourceFactory(provider=provider, site=provider.sites.get())
    headers = ["服务商侧编号", "名称", "服务类型", "价格（元/计价单位）", "计价单位"]
    rows = [["APP-1", "大模型推理", "AI 应用", "0.0125", "千 tokens"], ["APP-2", "云桌面", "cloud_desktop", "", ""]]
    data = csv_bytes(headers, rows)
    report = imports.file_import(model=AppService, provider=provider, stream=io.BytesIO(data), fmt="csv")
    assert report.ok and report.created == 2
    app = AppService.objects.get(external_id="APP-1")
    assert app.price_yuan == Decimal("0.0125") and app.kind == "ai_application" and app.pricing_unit == "千 tokens"
    app.resources.add(resource)
    again = imports.file_import(model=AppService, provider=provider, stream=io.BytesIO(data), fmt="csv")
    assert again.unchanged == 2 and list(app.resources.all()) == [resource]
