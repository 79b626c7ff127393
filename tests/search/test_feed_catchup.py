"""The selection index of every process follows the change feed: a site or provider renamed in the
back office and a change committed late by an overlapping writer both reach an index that was not
told (``DatabaseBackend()`` stands for another process's index: the writer's hooks never reach it).
Both failed with the freshness stamp the index kept before the feed."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.urls import reverse

from catalog.services import record_update_status
from search.backends import reset_backends
from search.backends.database import DatabaseBackend
from search.query import ComputeQuery
from tests.factories import UserFactory
from tests.search.catalog_data import build_catalogue


def admin_save(client, obj, **changes):
    """Post the object's admin change form with ``changes`` (the operator's back-office edit)."""
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    data = {name: value for name, value in model_to_dict(obj).items() if value is not None}
    data.update(changes)
    data.update({f"{prefix}-{name}": value for prefix in ("telecom_licences", "sites")
                 for name, value in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0))})  # fmt: skip
    meta = obj._meta
    response = client.post(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def found(backend, text: str) -> set[str]:
    return {row["name"] for row in backend.search(ComputeQuery.from_params({"q": text, "page_size": "100"})).results}


def test_a_site_renamed_in_the_back_office_reaches_another_process_index(catalogue, client):
    other_process = DatabaseBackend()
    site = catalogue.resources["r1"].site
    at_site = found(other_process, site.name)
    assert at_site and found(other_process, "雁栖湖") == set()

    admin_save(client, site, name="雁栖湖智算中心")

    assert found(other_process, "雁栖湖") == at_site


def test_a_provider_renamed_in_the_back_office_reaches_another_process_index(catalogue, client):
    other_process = DatabaseBackend()
    resource = catalogue.resources["r1"]
    organization = resource.provider.organization
    assert found(other_process, "星河算力") == set()

    admin_save(client, organization, name="星河算力科技有限公司")

    assert resource.name in found(other_process, "星河算力")


def test_a_division_renamed_reaches_another_process_index(catalogue):
    """The division's name is the place of every site in it (search text); renamed through the
    service the admin uses, it reaches an index that was not told."""
    from organizations.services import division_save

    other_process = DatabaseBackend()
    site = catalogue.resources["r1"].site
    division = site.city or site.province
    assert found(other_process, "天府新城") == set()

    division.name_zh = "天府新城"
    division_save(division=division)

    assert catalogue.resources["r1"].name in found(other_process, "天府新城")


def update_price_and_hold(record, price: str, *, updated: threading.Event, release: threading.Event) -> None:
    """Another connection: a status update whose transaction stays open until released."""
    try:
        with transaction.atomic():
            record_update_status(record=record, changes={"price_yuan": Decimal(price)})
            updated.set()
            release.wait(30)
    finally:
        connection.close()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
@pytest.mark.django_db(transaction=True)
def test_a_change_committed_late_by_an_overlapping_writer_reaches_another_process_index():
    reset_backends()
    catalogue = build_catalogue()
    other_process = DatabaseBackend()
    early, late = catalogue.resources["r1"], catalogue.resources["r2"]
    other_process.search(ComputeQuery())
    updated, release = threading.Event(), threading.Event()
    writer_a = threading.Thread(
        target=update_price_and_hold, args=(early, "1.11"), kwargs={"updated": updated, "release": release}
    )
    writer_a.start()  # A updates first (earlier updated_at, lower feed number) and commits last
    assert updated.wait(30)
    record_update_status(record=late, changes={"price_yuan": Decimal("2.22")})  # B commits first

    def prices():
        rows = other_process.search(ComputeQuery(page_size=100)).results
        return {row["id"]: row["price_yuan"] for row in rows}

    assert prices()[late.pk] == "2.22"
    release.set()
    writer_a.join(30)
    assert prices()[early.pk] == "1.11"


def hold_a_write_transaction(*, holding: threading.Event, release: threading.Event) -> None:
    """Another connection: a writer's transaction (it writes a table search does not read) that
    stays open until released, as an import's transaction stays open for seconds."""
    try:
        with transaction.atomic():
            UserFactory()
            holding.set()
            release.wait(30)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_search_reads_the_changes_committed_before_while_another_writer_holds_its_transaction():
    """On SQLite the index used to re-read rows inside a transaction of its own, i.e. BEGIN
    IMMEDIATE: it took the write lock, so a search waited for any writer's open transaction (an
    import's: seconds; here the lock was refused at once) and writers queued behind searches."""
    reset_backends()
    catalogue = build_catalogue()
    other_process = DatabaseBackend()
    resource = catalogue.resources["r1"]
    other_process.search(ComputeQuery())
    record_update_status(record=resource, changes={"price_yuan": Decimal("3.33")})
    holding, release = threading.Event(), threading.Event()
    writer = threading.Thread(target=hold_a_write_transaction, kwargs={"holding": holding, "release": release})
    writer.start()
    try:
        assert holding.wait(30)
        rows = other_process.search(ComputeQuery(page_size=100)).results
    finally:
        release.set()
        writer.join(30)

    assert {row["id"]: row["price_yuan"] for row in rows}[resource.pk] == "3.33"
