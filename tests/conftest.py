import pytest
from django.db import connection

from tests.db_template import _test_databases_from_template  # noqa: F401  (a fixture)
from tests.factories import AuthorityFactory, OrganizationFactory, UserFactory


@pytest.hookimpl(tryfirst=True)  # before pytest-django's (also tryfirst; a conftest's hook is called first)
def pytest_collection_modifyitems(config, items):
    """Long tests (marked slow or e2e) first, in their own order: pytest-xdist hands tests out in this order,
    and a two-minute test handed out last keeps one worker busy while the other has nothing left to do.

    pytest-django's stable sort runs after this one and keeps Django's order of groups (tests in a rolled-back
    transaction, then transactional ones, which flush the database at the end): long tests come first within
    each group. Putting a transactional test before the others would leave them a flushed database."""
    items.sort(key=lambda item: not (item.get_closest_marker("slow") or item.get_closest_marker("e2e")))


@pytest.fixture(scope="session")
def django_db_setup(_test_databases_from_template, django_db_setup):  # noqa: F811
    """pytest-django's test databases, made from the migrated template (tests/db_template.py)."""
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (zh-hans): a request under /en/ leaves English
    active in the worker thread."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """API rate limits (DRF throttling) count in the cache: no test inherits another's requests."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def fresh_index():
    """A selection index built for this test (and none left for the next)."""
    from search.backends import reset_backends

    reset_backends()
    yield
    reset_backends()


@pytest.fixture
def chengdu_bureau(db):
    return AuthorityFactory(
        name="成都市经济和信息化局", level="city", department="municipal_economy_it", division_id="510100"
    )


@pytest.fixture
def mianyang_bureau(db):
    return AuthorityFactory(
        name="绵阳市经济和信息化局", level="city", department="municipal_economy_it", division_id="510700"
    )


@pytest.fixture
def sichuan_comms(db):
    return AuthorityFactory(
        name="四川省通信管理局", level="province", department="communications_administration", division_id="510000"
    )


@pytest.fixture
def ministry(db):
    return AuthorityFactory(
        name="工业和信息化部信息通信管理局", level="ministry", department="ministry_ict", division_id=None
    )


@pytest.fixture
def chengdu_org(db):
    return OrganizationFactory(name="成都测试算力有限公司", city_id="510100")


@pytest.fixture
def mianyang_org(db):
    return OrganizationFactory(name="绵阳测试算力有限公司", city_id="510700")


@pytest.fixture
def make_user(db):
    def make(*roles, **fields):
        return UserFactory(roles=list(roles), **fields)

    return make


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL); CI runs this on PostgreSQL")


@pytest.fixture(scope="session")
def _baseline_snapshot(django_db_setup, django_db_blocker):
    """The rows the migrations load (reference data, role groups, Wagtail's root, site and home page),
    serialised once per test database."""
    with django_db_blocker.unblock():
        return connection.creation.serialize_db_to_string()


@pytest.fixture(autouse=True)
def _restore_baseline_after_flush(request):
    """A transactional test ends by flushing every table, including what the migrations loaded; the
    next transactional test on the same worker gets that baseline back before it starts."""
    if not ({"transactional_db", "live_server"} & set(request.fixturenames)) and not _is_transactional(request):
        return
    snapshot = request.getfixturevalue("_baseline_snapshot")
    request.getfixturevalue("transactional_db")
    from django.contrib.auth.models import Group

    if not Group.objects.exists():
        from django.core.management import call_command

        # the flush re-created content types and permissions with new keys: clear them too
        call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
        connection.creation.deserialize_db_from_string(snapshot)
        # the flush restarted the sequences; move them past the restored rows (PostgreSQL)
        from django.apps import apps
        from django.core.management.color import no_style

        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
                cursor.execute(statement)


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))


@pytest.fixture(scope="session", autouse=True)
def _no_stray_sessions_at_teardown(django_db_setup, django_db_blocker):
    """Async tests and live servers leave connections open in their own threads; PostgreSQL refuses
    to drop a test database someone still uses. Before pytest-django drops it, end those sessions."""
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
