"""A large web import goes to the worker after confirmation (CATALOG_IMPORT_QUEUE_ROWS): the request
writes nothing, the real database-backed worker imports the file, and the page shows the outcome to the
provider who queued it only."""

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from catalog.models import ComputeResource, ListingState
from tests.catalog.factories import ComputeResourceFactory, ProviderFactory, SiteFactory
from tests.catalog.test_imports import GOOD, HEADERS, csv_bytes
from tests.catalog.test_imports_pages import URL, upload

# the worker closes stale connections between tasks as in production: a test wrapped in a
# transaction would lose its connection on PostgreSQL, so these tests are transactional
pytestmark = pytest.mark.django_db(transaction=True)
QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def provider():
    provider = ProviderFactory()
    SiteFactory(provider=provider, code="CD-01", name="成都一号数据中心", city_id="510100")
    return provider


@pytest.fixture
def queued(settings):
    settings.TASKS = QUEUE  # as under make run and in production
    settings.CATALOG_IMPORT_QUEUE_ROWS = 3


def test_a_large_confirmed_import_runs_on_the_worker(client, make_user, provider, queued):
    client.force_login(make_user("provider", organization=provider.organization))
    token = upload(client, csv_bytes(HEADERS, GOOD)).context["token"]
    response = client.post(URL + "confirm/", {"token": token}, follow=True)
    page = response.content.decode()
    assert "已交给后台导入" in page and "后台导入" in page and "排队中" in page
    assert ComputeResource.objects.count() == 0
    assert DBTaskResult.objects.get().task_path == "catalog.tasks.provider_import_run"

    call_command("run_worker", "--batch")

    assert ComputeResource.objects.filter(provider=provider, listing_state=ListingState.PENDING).count() == 3
    page = client.get(URL).content.decode()
    assert "已完成：新增 3 条（待审核），更新 0 条，未变 0 条" in page
    # another provider's staff never see this run
    client.force_login(make_user("provider", organization=ProviderFactory().organization))
    assert "后台导入" not in client.get(URL).content.decode()


def test_a_queued_import_whose_data_changed_writes_nothing_and_says_why(client, make_user, provider, queued):
    client.force_login(make_user("provider", organization=provider.organization))
    token = upload(client, csv_bytes(HEADERS, GOOD)).context["token"]
    client.post(URL + "confirm/", {"token": token})
    provider.sites.update(code="RENAMED")  # the file's site code is no longer valid when the worker runs
    call_command("run_worker", "--batch")
    assert ComputeResource.objects.count() == 0
    page = client.get(URL).content.decode()
    assert "未写入任何数据" in page and "数据中心站点编号" in page


def test_small_imports_still_run_in_the_request(client, make_user, provider, queued):
    ComputeResourceFactory(provider=provider, site=provider.sites.get(), external_id="OLD-1")
    client.force_login(make_user("provider", organization=provider.organization))
    token = upload(client, csv_bytes(HEADERS, GOOD[:2])).context["token"]
    done = client.post(URL + "confirm/", {"token": token}, follow=True)
    assert "新增 2 条" in done.content.decode()
    assert not DBTaskResult.objects.exists()
