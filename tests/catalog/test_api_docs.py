"""API documentation: Chinese, sensible examples, and a provider quick start whose curl steps work."""

import html
import json
import re

import pytest
from rest_framework.test import APIClient

from catalog import services
from catalog.models import ComputeResource
from organizations.roles import Role
from tests.catalog.factories import ProviderFactory, SiteFactory

pytestmark = pytest.mark.django_db
ENGLISH_PROSE = re.compile(r"[A-Za-z][A-Za-z'’,.()]*(?:\s+[A-Za-z][A-Za-z'’,.()]*){3,}")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/", {"format": "json"}).json()


def test_no_english_developer_docstrings_in_the_published_document(schema):
    leaks = []
    for path, operations in schema["paths"].items():
        leaks += [(path, op.get("description")) for op in operations.values() if isinstance(op, dict)]
    for name, component in schema["components"]["schemas"].items():
        leaks.append((name, component.get("description")))
        properties = component.get("properties", {}).items()
        leaks += [(f"{name}.{field}", prop.get("description")) for field, prop in properties]
    leaks = [(where, text) for where, text in leaks if text and not CHINESE.search(text) and ENGLISH_PROSE.search(text)]
    assert leaks == []
    put = schema["paths"]["/api/v1/provider/resources/{external_id}/"]["put"]
    assert "404" in put["description"] and CHINESE.search(put["description"])


def test_examples_are_plausible_values_not_the_bounds(schema):
    resource = schema["components"]["schemas"]["ComputeResourceRequest"]["properties"]
    assert resource["accelerators_per_node"]["example"] == 8
    assert resource["price_yuan"]["example"] == "12.00"
    status = schema["components"]["schemas"]["PatchedComputeResourceStatusRequest"]["properties"]
    assert status["available_units"]["example"] == 96


def test_quick_start_steps_run_against_the_real_endpoints(client, make_user):
    provider = ProviderFactory()
    SiteFactory(provider=provider, code="TF-CD-01")
    page = client.get("/catalog/provider/api-quickstart/")
    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    paths = re.findall(r"\$NODE(/api/v1/[^\s<]+)", text)
    assert "/api/v1/provider/resources/cd-a100-01/status/" in paths

    user = make_user(Role.PROVIDER, organization=provider.organization)
    _, raw_key = services.api_key_create(provider=provider, name="quick start", actor=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    bodies = [json.loads(body) for body in re.findall(r"-d '(.*?)'", text, re.S)]
    put_path, patch_path = [p for p in paths if p.startswith("/api/v1/provider/resources/cd-a100-01/")][:2]
    assert api.put(put_path, bodies[0], format="json").status_code == 201  # step 3 creates the record
    response = api.patch(patch_path, bodies[1], format="json")  # step 4 pushes the status
    assert response.status_code == 200 and response.json()["available_units"] == 40
    assert ComputeResource.objects.get(external_id="cd-a100-01").price_yuan == 11.5
    for path in paths:  # every address the guide names exists
        if "{" not in path:
            assert api.get(path).status_code in (200, 405), path


def test_quick_start_is_linked_from_the_docs_and_the_providers_pages(client, make_user, schema):
    assert "/catalog/provider/api-quickstart/" in schema["info"]["description"]
    provider = ProviderFactory()
    client.force_login(make_user(Role.PROVIDER, organization=provider.organization))
    assert "/catalog/provider/api-quickstart/" in client.get("/catalog/provider/api-keys/").content.decode()
    assert "/catalog/provider/api-quickstart/" in client.get("/me/").content.decode()
    english = client.get("/en/catalog/provider/api-quickstart/").content.decode()
    main = english.split("<main")[1].split("</main>")[0]
    prose = re.sub(r"<pre.*?</pre>|<code>.*?</code>", "", main, flags=re.S)  # examples carry Chinese data
    assert "quick start" in prose.lower() and not CHINESE.search(prose)
