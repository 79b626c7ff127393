"""The fast import's machinery: batches prepared in a forked worker give exactly what the inline path
gives (records, versions, errors, all-or-nothing), ids are reserved without reading inserts back,
and SQLite's dropped secondary indexes always come back (commit or rollback)."""

import csv
import io
import os

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from catalog import imports
from catalog.imports import batches, engine, report, worker, writer
from catalog.models import ComputeResource, RecordVersion
from catalog.services.records import _snapshot
from tests.catalog.factories import ComputeResourceFactory, ProviderFactory, SiteFactory

pytestmark = pytest.mark.django_db

HEADERS = ["服务商侧编号", "名称", "数据中心站点编号", "算力类型", "加速卡型号", "每节点加速卡数（张）", "节点数（台）"]
HEADERS += ["单价（元/计费单位）", "存储容量（TB）", "认证"]


def rows(count: int, start: int = 0) -> list[list[str]]:
    out = []
    for n in range(start, start + count):
        smart = n % 2 == 0
        out.append(
            [
                f"P-{n:03d}",
                f"资源池{n}",
                "CD-01",
                "智能算力" if smart else "通用算力",
                "NVIDIA A100 80GB (SXM4)" if smart else "",
                "8" if smart else "",
                str(1 + n % 7),
                f"{1 + n % 13}.{n % 100:02d}",
                "12.50" if n % 3 else "",
                "等保三级；可信云" if n % 4 == 0 else "",
            ]
        )
    return out


def csv_bytes(headers, data) -> bytes:
    buffer = io.StringIO()
    writer_ = csv.writer(buffer)
    writer_.writerow(headers)
    writer_.writerows(data)
    return buffer.getvalue().encode("utf-8-sig")


def make_provider():
    provider = ProviderFactory()
    SiteFactory(provider=provider, code="CD-01", name="成都一号数据中心", city_id="510100")
    return provider


def run(provider, data: bytes, **kwargs):
    return imports.file_import(model=ComputeResource, provider=provider, stream=io.BytesIO(data), fmt="csv", **kwargs)


def state(provider) -> dict:
    content_type = ContentType.objects.get_for_model(ComputeResource)
    out = {}
    for record in ComputeResource.objects.filter(provider=provider):
        versions = RecordVersion.objects.filter(content_type=content_type, object_id=record.pk).order_by("version")
        snapshot = _snapshot(record)
        snapshot.pop("site")
        payloads = []
        for version in versions:
            assert version.payload_hash == report.payload_digest(version.payload)
            payload = dict(version.payload)
            payload.pop("site")
            payloads.append((version.version, version.change, version.source, payload))
        extra = (record.listing_state, record.version, record.accelerator_id, record.city_code, record.site.code)
        out[record.external_id] = (snapshot, extra, payloads)
    return out


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(engine, "BATCH_SIZE", 4)


@pytest.fixture
def in_worker(monkeypatch):
    """Prepare every import's batches in a forked worker; returns the pids that prepared them."""
    monkeypatch.setattr(worker, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(worker, "can_fork", lambda: True)  # pytest-xdist workers run an extra thread
    prepare, apply = batches.Preparer.prepare, engine._Importer._apply
    pids = []

    def stamped(self, raw):
        prepared = prepare(self, raw)
        prepared.pid = os.getpid()  # runs in the worker; travels back with the batch
        return prepared

    def recorded(self, prepared):
        pids.append(getattr(prepared, "pid", None))
        return apply(self, prepared)

    monkeypatch.setattr(batches.Preparer, "prepare", stamped)
    monkeypatch.setattr(engine._Importer, "_apply", recorded)
    return pids


def test_worker_and_inline_paths_write_identical_records_and_versions(small_batches, in_worker, monkeypatch):
    data = csv_bytes(HEADERS, rows(23))
    forked, inline = make_provider(), make_provider()
    report = run(forked, data)
    assert report.ok and report.created == 23 and report.written
    assert len(in_worker) == 6 and os.getpid() not in in_worker and None not in in_worker
    monkeypatch.setattr(worker, "PARALLEL_MIN_ROWS", 10**9)
    again = run(inline, data)
    assert again.ok and again.created == 23 and in_worker[6:] == [os.getpid()] * 6
    assert state(forked) == state(inline)
    assert sorted(report.record_ids) == sorted(
        ComputeResource.objects.filter(provider=forked).values_list("pk", flat=True)
    )
    # Ids were reserved, not read back: the ORM's next insert still gets a fresh one.
    later = ComputeResourceFactory(provider=forked, site=forked.sites.get())
    assert later.pk > max(report.record_ids + again.record_ids)


def test_reimport_through_the_worker_changes_only_changed_rows(small_batches, in_worker):
    provider = make_provider()
    data = rows(10)
    assert run(provider, csv_bytes(HEADERS, data)).created == 10
    versions = RecordVersion.objects.count()
    same = run(provider, csv_bytes(HEADERS, data))
    assert same.ok and (same.created, same.updated, same.unchanged) == (0, 0, 10)
    assert RecordVersion.objects.count() == versions and same.record_ids == []
    data[3][1], data[8][7] = "改名的资源池", "99.99"
    changed = run(provider, csv_bytes(HEADERS, [*data, *rows(2, start=10)]))
    assert (changed.created, changed.updated, changed.unchanged) == (2, 2, 8)
    assert [row.action for row in changed.preview if row.action != "skip"] == ["update", "update", "new", "new"]
    renamed = ComputeResource.objects.get(provider=provider, external_id="P-003")
    assert renamed.name == "改名的资源池" and renamed.version == 2
    repriced = ComputeResource.objects.get(provider=provider, external_id="P-008")
    assert str(repriced.price_yuan) == "99.99" and repriced.version == 2
    assert RecordVersion.objects.count() == versions + 4
    latest = RecordVersion.objects.get(object_id=renamed.pk, version=2)
    assert latest.payload == _snapshot(renamed) and latest.change == "imported" and latest.source == "import"
    added = ComputeResource.objects.filter(provider=provider, external_id__in=["P-010", "P-011"])
    assert sorted(changed.record_ids) == sorted([renamed.pk, repriced.pk, *added.values_list("pk", flat=True)])


def test_errors_found_by_the_worker_in_late_batches_write_nothing_and_come_in_row_order(small_batches, in_worker):
    provider = make_provider()
    data = rows(14)
    data[12][2] = "NO-SUCH-SITE"  # row 14
    data[12][6] = "0"
    data[9][0] = data[2][0]  # row 11: duplicate of row 4
    data[5][3], data[5][5] = "智能算力", ""  # row 7: intelligent without cards per node
    report = run(provider, csv_bytes(HEADERS, data))
    assert not report.ok and not report.written and report.created
    assert [(error.row, error.column) for error in report.errors] == [
        (7, "每节点加速卡数（张）"),
        (11, "服务商侧编号"),
        (14, "数据中心站点编号"),
        (14, "节点数（台）"),
    ]
    assert "重复" in report.errors[1].message and "NO-SUCH-SITE" in report.errors[2].message
    assert ComputeResource.objects.count() == 0 and RecordVersion.objects.count() == 0


def test_a_file_error_found_by_the_worker_is_reported_and_writes_nothing(small_batches, in_worker):
    provider = make_provider()
    head = csv_bytes(HEADERS, rows(1200))  # more than the 64 KiB the encoding is guessed from
    assert len(head) > 64 * 1024
    report = run(provider, head + b"P-999,\xff\xfe\xfa,CD-01\r\n")
    assert not report.ok and report.errors[0].row == 0 and "UTF-8" in report.errors[0].message
    assert ComputeResource.objects.count() == 0 and RecordVersion.objects.count() == 0


def test_dry_run_through_the_worker_previews_and_writes_nothing(small_batches, in_worker):
    provider = make_provider()
    report = run(provider, csv_bytes(HEADERS, rows(9)), dry_run=True)
    assert report.ok and not report.written and report.created == 9
    assert [row.external_id for row in report.preview] == [f"P-{n:03d}" for n in range(9)]
    assert ComputeResource.objects.count() == 0 and RecordVersion.objects.count() == 0


def _indexes(model=ComputeResource):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s ORDER BY name",
            [model._meta.db_table],
        )
        return cursor.fetchall()


def _plain(indexes) -> int:
    return len([sql for _name, sql in indexes if sql and sql.startswith("CREATE INDEX")])


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's index rebuild only")
def test_sqlite_indexes_dropped_for_a_bulk_load_are_back_after_commit_and_after_rollback(small_batches, monkeypatch):
    monkeypatch.setattr(writer, "SQLITE_REINDEX_MIN_ROWS", 1)
    restore, rebuilt = writer.SqliteIndexes.restore, {}

    def spy(self):
        rebuilt[self.table] = len(self.dropped)
        return restore(self)

    monkeypatch.setattr(writer.SqliteIndexes, "restore", spy)
    provider, before, versions_before = make_provider(), _indexes(), _indexes(RecordVersion)
    assert len(before) > 10 and _plain(versions_before) >= 1
    bad = rows(13)
    bad[11][6] = "x"  # found in the third batch, after two were written without the indexes
    report = run(provider, csv_bytes(HEADERS, bad))
    assert not report.ok and ComputeResource.objects.count() == 0 and rebuilt == {}
    assert _indexes() == before and _indexes(RecordVersion) == versions_before
    report = run(provider, csv_bytes(HEADERS, rows(13)))
    assert report.ok and report.created == 13
    assert _indexes() == before and _indexes(RecordVersion) == versions_before
    assert rebuilt == {
        ComputeResource._meta.db_table: _plain(before),
        RecordVersion._meta.db_table: _plain(versions_before),
    }
    # Tables already much bigger than what an import adds keep their indexes.
    rebuilt.clear()
    assert run(provider, csv_bytes(HEADERS, rows(3, start=100))).created == 3
    assert set(rebuilt.values()) == {0} and len(rebuilt) == 2
    assert _indexes() == before and _indexes(RecordVersion) == versions_before


def test_a_record_known_when_the_import_started_but_gone_is_created_again(small_batches, in_worker, monkeypatch):
    provider = make_provider()
    assert run(provider, csv_bytes(HEADERS, rows(6))).created == 6
    ComputeResource.objects.filter(provider=provider, external_id="P-004").delete()  # e.g. by an operator
    known = engine.Preparer.__init__

    def stale(self, *args, **kwargs):  # the external ids as loaded before the delete
        known(self, *args, **kwargs)
        self.known = {f"P-{n:03d}" for n in range(6)}

    monkeypatch.setattr(engine.Preparer, "__init__", stale)
    report = run(provider, csv_bytes(HEADERS, rows(6)))
    assert report.ok and (report.created, report.updated, report.unchanged) == (1, 0, 5)
    again = ComputeResource.objects.get(provider=provider, external_id="P-004")
    assert again.version == 1 and report.record_ids == [again.pk]
    assert RecordVersion.objects.get(object_id=again.pk).payload == _snapshot(again)


def test_reimport_merges_column_wise_like_a_payload_comparison(small_batches):
    provider = make_provider()
    assert run(provider, csv_bytes(HEADERS, rows(6))).created == 6
    versions = RecordVersion.objects.count()
    # Fewer columns, the same numbers spelled differently: nothing changes (a missing column keeps
    # the stored value, 12.5 is 12.50, 0001.00 is 1.00).
    short = ["服务商侧编号", "名称", "单价（元/计费单位）", "存储容量（TB）"]
    same = [[row[0], row[1], row[7].zfill(7), row[8].rstrip("0")] for row in rows(6)]
    report = run(provider, csv_bytes(short, same))
    assert report.ok and (report.created, report.updated, report.unchanged) == (0, 0, 6), report.errors
    assert RecordVersion.objects.count() == versions
    # A blank cell over a stored value changes it; a blank required cell is an error for that row
    # only (nothing is written); changes are named per row in the preview.
    changed = [[row[0], row[1], row[7], row[8]] for row in rows(6)]
    changed[1][3] = ""  # storage of P-001: stored -> unknown
    changed[2][1] = "新名称"
    report = run(provider, csv_bytes(short, changed), dry_run=True)
    assert report.ok and (report.updated, report.unchanged) == (2, 4)
    assert [(row.external_id, row.changed) for row in report.preview if row.action == "update"] == [
        ("P-001", ("storage_tb",)),
        ("P-002", ("name",)),
    ]
    changed[4][1] = ""
    report = run(provider, csv_bytes(short, changed))
    assert not report.ok and [(error.row, error.column) for error in report.errors] == [(6, "名称")]
    assert RecordVersion.objects.count() == versions
    del changed[4]
    report = run(provider, csv_bytes(short, changed))
    assert report.ok and (report.updated, report.unchanged) == (2, 3)
    record = ComputeResource.objects.get(provider=provider, external_id="P-001")
    assert record.storage_tb is None and record.version == 2
    assert RecordVersion.objects.get(object_id=record.pk, version=2).payload == _snapshot(record)
    assert ComputeResource.objects.get(provider=provider, external_id="P-002").name == "新名称"
    assert RecordVersion.objects.count() == versions + 2
