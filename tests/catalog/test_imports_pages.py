"""The providers' import page and the operators' admin import: preview, confirm, scoping."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import ComputeResource, ListingState, RecordVersion
from tests.catalog.factories import ComputeResourceFactory, ProviderFactory, SiteFactory
from tests.catalog.test_imports import GOOD, HEADERS, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db
URL = "/catalog/provider/import/"


@pytest.fixture
def provider():
    provider = ProviderFactory()
    SiteFactory(provider=provider, code="CD-01", name="成都一号数据中心", city_id="510100")
    return provider


def upload(client, data: bytes, name="resources.csv", kind="resource"):
    return client.post(URL, {"kind": kind, "file": SimpleUploadedFile(name, data)})


def test_preview_shows_row_errors_in_chinese_and_writes_nothing(client, make_user, provider):
    client.force_login(make_user("provider", organization=provider.organization))
    bad = [
        *GOOD[:2],
        ["GPU-8", "坏行", "CD-01", "通用算力", "", "", "2", "-1", "", ""],
        ["GPU-9", "缺卡数", "CD-01", "智能算力", "", "", "2", "3", "", ""],
    ]
    response = upload(client, xlsx_bytes(HEADERS, bad), name="r.xlsx")
    assert response.status_code == 200
    page = response.content.decode()
    assert "第 4 行" in page and "单价（元/计费单位）" in page and "不能小于 0" in page
    assert "第 5 行" in page and "每节点加速卡数（张）" in page and "智能算力资源请填写每节点加速卡数" in page
    assert response.context["token"] is None and "确认导入" not in page
    assert ComputeResource.objects.count() == 0


def test_upload_preview_then_confirm_imports_pending_records(client, make_user, provider):
    user = make_user("provider", organization=provider.organization)
    client.force_login(user)
    response = upload(client, csv_bytes(HEADERS, GOOD))
    assert response.status_code == 200 and response.context["token"]
    assert "确认导入" in response.content.decode() and ComputeResource.objects.count() == 0
    token = response.context["token"]
    done = client.post(URL + "confirm/", {"token": token}, follow=True)
    assert done.status_code == 200 and "新增 3 条" in done.content.decode()
    assert ComputeResource.objects.filter(provider=provider, listing_state=ListingState.PENDING).count() == 3
    assert RecordVersion.objects.filter(actor=user, change="imported").count() == 3
    # the token is single-use
    again = client.post(URL + "confirm/", {"token": token}, follow=True)
    assert "预览已失效" in again.content.decode()


def test_confirm_revalidates_instead_of_trusting_the_preview(client, make_user, provider):
    client.force_login(make_user("provider", organization=provider.organization))
    token = upload(client, csv_bytes(HEADERS, GOOD)).context["token"]
    provider.sites.update(code="RENAMED")  # the file's site code is no longer valid
    response = client.post(URL + "confirm/", {"token": token})
    assert response.status_code == 200 and "数据中心站点编号" in response.content.decode()
    assert ComputeResource.objects.count() == 0


def test_only_the_providers_own_staff_and_only_their_records(client, make_user, provider):
    assert client.get(URL).status_code == 302  # anonymous: login
    client.force_login(make_user("applicant"))
    assert client.get(URL).status_code == 403
    other = ProviderFactory()
    theirs = ComputeResourceFactory(
        provider=other, site=SiteFactory(provider=other, code="CD-01"), external_id="GPU-001"
    )
    client.force_login(make_user("provider", organization=provider.organization))
    token = upload(client, csv_bytes(["服务商", *HEADERS], [[other.organization.name, *GOOD[0]]])).context["token"]
    client.post(URL + "confirm/", {"token": token})
    theirs.refresh_from_db()
    assert theirs.version == 1 and theirs.name != GOOD[0][1]
    assert ComputeResource.objects.get(provider=provider).external_id == "GPU-001"
    # another user's preview token cannot be confirmed by someone else
    client.force_login(make_user("provider", organization=other.organization))
    token = upload(client, csv_bytes(HEADERS, [["GPU-001", "改名", *GOOD[0][2:]]])).context["token"]
    assert token
    client.force_login(make_user("provider", organization=provider.organization))
    assert "预览已失效" in client.post(URL + "confirm/", {"token": token}, follow=True).content.decode()
    theirs.refresh_from_db()
    assert theirs.name != "改名" and theirs.version == 1


def test_template_download_and_bad_uploads(client, make_user, provider):
    client.force_login(make_user("provider", organization=provider.organization))
    template = client.get(URL + "template/resource.csv")
    text = b"".join(template.streaming_content).decode("utf-8-sig")
    assert text.startswith("服务商侧编号,名称")
    assert client.get(URL + "template/nope.csv").status_code == 404
    response = upload(client, b"hello", name="data.txt")
    assert "只支持 CSV 或 XLSX" in response.content.decode()
    response = upload(client, b"not really", name="data.xlsx")
    assert "不是有效的 XLSX" in response.content.decode()


def test_operator_admin_import_previews_then_confirms(client, make_user, provider):
    operator = make_user("node_operator", is_staff=True, is_superuser=True)
    client.force_login(operator)
    url = "/django-admin/catalog/computeresource/import/"
    page = client.get(url)
    assert page.status_code == 200
    bad = [*GOOD[:2], ["GPU-9", "x", "CD-01", "通用算力", "", "", "0", "1", "", ""]]
    response = client.post(
        url,
        {"provider": provider.pk, "format": "0", "import_file": SimpleUploadedFile("r.csv", csv_bytes(HEADERS, bad))},
    )
    assert response.status_code == 200 and response.context["result"].has_validation_errors()
    assert response.context["result"].invalid_rows[0].number == 4 and ComputeResource.objects.count() == 0
    response = client.post(
        url,
        {"provider": provider.pk, "format": "0", "import_file": SimpleUploadedFile("r.csv", csv_bytes(HEADERS, GOOD))},
    )
    result = response.context["result"]
    assert not result.has_validation_errors() and result.totals["new"] == 3 and ComputeResource.objects.count() == 0
    confirm = response.context["confirm_form"]
    data = {name: confirm.initial.get(name, "") for name in confirm.fields}
    done = client.post("/django-admin/catalog/computeresource/process_import/", data)
    assert done.status_code == 302
    assert ComputeResource.objects.filter(provider=provider).count() == 3
    assert RecordVersion.objects.filter(actor=operator, change="imported").count() == 3


def test_admin_export_resource_escapes_formulas(provider, settings):
    from import_export.formats.base_formats import CSV

    from catalog.imports.resources import FastComputeResourceResource

    ComputeResourceFactory(provider=provider, site=provider.sites.get(), name="=cmd|' /C calc'!A0", interconnect="@x")
    dataset = FastComputeResourceResource().export(queryset=ComputeResource.objects.all())
    assert settings.IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT is True
    text = CSV().export_data(dataset)
    assert "'=cmd" in text and "'@x" in text and ",=cmd" not in text
    assert dataset.headers[:3] == ["服务商侧编号", "名称", "说明"] and "算力标识" in dataset.headers
