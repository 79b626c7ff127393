import pytest
from django.urls import reverse

from catalog.models import ComputeResource, Identifier
from tests.catalog.factories import ComputeResourceFactory, NetworkLineFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MODELS = [
    "acceleratormodel",
    "provider",
    "site",
    "computeresource",
    "networkline",
    "appservice",
    "identifier",
    "identifiercounter",
    "providerapikey",
    "recordversion",
]


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_every_catalogue_admin_page_renders(admin_client):
    resource = ComputeResourceFactory()
    NetworkLineFactory()
    for model in MODELS:
        assert admin_client.get(reverse(f"admin:catalog_{model}_changelist")).status_code == 200, model
    assert admin_client.get(reverse("admin:catalog_computeresource_change", args=[resource.pk])).status_code == 200


def test_operators_approve_in_the_admin_which_issues_identifiers_and_export_them(admin_client):
    resources = [ComputeResourceFactory(listing_state="pending") for _ in range(3)]
    url = reverse("admin:catalog_computeresource_changelist")
    admin_client.post(url, {"action": "approve_records", "_selected_action": [r.pk for r in resources]})
    assert ComputeResource.objects.filter(listing_state="approved").count() == 3
    assert Identifier.objects.count() == 3
    export = admin_client.post(
        reverse("admin:catalog_identifier_changelist"),
        {"action": "export_identifiers_csv", "_selected_action": list(Identifier.objects.values_list("pk", flat=True))},
    )
    text = export.content.decode("utf-8-sig")
    assert all(code in text for code in Identifier.objects.values_list("code", flat=True))
