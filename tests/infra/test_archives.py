"""Decompression bombs: every ZIP-based file the node opens passes portal.archives.archive_check first;
the catalogue import (upload + dry run, the admin import, the command's reader) refuses with a Chinese
field error and stores nothing."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.imports import FileError, open_table
from catalog.models import ComputeResource
from infra.archives import archive_check
from tests.archive_bombs import inflated, many_members
from tests.catalog.factories import ProviderFactory, SiteFactory
from tests.catalog.test_imports import GOOD, HEADERS, xlsx_bytes
from tests.workflows.node_application.test_rules import stored_files

SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A valid workbook whose sheet inflates to 24 MB of whitespace (about 25 kB on disk)."""
    return inflated(xlsx_bytes(HEADERS, GOOD), SHEET, spaces=24 * 1024 * 1024, before=b"</worksheet>")


def test_the_checker_refuses_ratio_size_and_member_count(bomb, settings):
    assert len(bomb) < 200_000
    with pytest.raises(ValidationError, match="压缩比异常") as refused:
        archive_check(io.BytesIO(bomb), purpose="spreadsheet")
    assert refused.value.code == "archive_ratio"
    settings.ARCHIVE_LIMITS = {"spreadsheet": {"max_ratio": 10**6, "max_member_bytes": 8 * 1024 * 1024}}
    with pytest.raises(ValidationError, match="解压后达 24 MB，超过上限 8 MB"):
        archive_check(io.BytesIO(bomb), purpose="spreadsheet")
    settings.ARCHIVE_LIMITS = {"spreadsheet": {"max_ratio": 10**6, "max_total_bytes": 8 * 1024 * 1024}}
    with pytest.raises(ValidationError, match="解压后共 24 MB"):
        archive_check(io.BytesIO(bomb), purpose="spreadsheet")
    with pytest.raises(ValidationError, match="包含 2001 个成员"):
        archive_check(io.BytesIO(many_members(2001)), purpose="spreadsheet")
    # an ordinary workbook passes, and the stream is left at its start
    stream = io.BytesIO(xlsx_bytes(HEADERS, GOOD))
    archive_check(stream, purpose="spreadsheet")
    assert stream.tell() == 0


def test_the_readers_refuse_a_bomb_before_openpyxl_inflates_it(bomb):
    with pytest.raises(FileError, match="疑似解压炸弹"):
        open_table(io.BytesIO(bomb), "xlsx")


@pytest.mark.django_db
def test_the_providers_import_page_refuses_a_bomb_with_a_field_error_and_stores_nothing(client, make_user, bomb):
    provider = ProviderFactory()
    SiteFactory(provider=provider, code="CD-01", city_id="510100")
    client.force_login(make_user("provider", organization=provider.organization))
    before = stored_files()
    response = client.post(
        "/catalog/provider/import/", {"kind": "resource", "file": SimpleUploadedFile("r.xlsx", bomb)}
    )
    assert response.status_code == 200
    assert "疑似解压炸弹" in " ".join(response.context["form"].errors["file"])
    assert response.context["token"] is None
    assert stored_files() == before
    assert ComputeResource.objects.count() == 0


@pytest.mark.django_db
def test_the_admin_import_refuses_a_bomb(client, make_user, bomb):
    provider = ProviderFactory()
    client.force_login(make_user("node_operator", is_staff=True, is_superuser=True))
    response = client.post(
        "/django-admin/catalog/computeresource/import/",
        {"provider": provider.pk, "format": "1", "import_file": SimpleUploadedFile("r.xlsx", bomb)},
    )
    assert response.status_code == 200
    assert "疑似解压炸弹" in " ".join(response.context["form"].errors["import_file"])
    assert ComputeResource.objects.count() == 0
