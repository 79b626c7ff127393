"""Schema fuzzing of the read APIs (content and catalogue): schemathesis generates requests from the published
OpenAPI schema (/api/schema/) and every answer must be no server error and match the schema (status code,
content type, body)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from catalog import services
from tests.catalog.factories import ComputeResourceFactory, NetworkLineFactory
from tests.factories import AuthorityFactory
from tests.portal.factories import notice_create, policy_create, sections

READ_APIS = r"^/api/v1/(content|catalog)/"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def read_api_schema(db, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute", "provider": "100000/minute"},
    }
    notice_index, policy_index = sections()
    authority = AuthorityFactory(
        name="河北省通信管理局", level="province", department="communications_administration", division_id="130000"
    )
    notice_create(notice_index, title="申报通知", document_number="冀通信联〔2026〕4号", authorities=[authority],
                  attachment="附件1")  # fmt: skip
    policy_create(policy_index, title="建设方案")
    for record in (ComputeResourceFactory(), NetworkLineFactory()):
        services.identifier_issue(record=record, actor=None)
    document = Client().get("/api/schema/", {"format": "json"}).json()
    schema = schemathesis.openapi.from_dict(document)
    schema.app = get_wsgi_application()
    # as Django's test client does: the WSGI handler must not close the test transaction's connection
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schema.include(path_regex=READ_APIS)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_read_apis_conform_to_their_schema(read_api_schema, mode):
    """Every operation of /api/v1/content/ and /api/v1/catalog/, with valid and with invalid input.

    (schemathesis' own pytest integration, ``schema.parametrize()``, does not run under pytest 9; the loop does
    the same per operation.)"""
    operations = [result.ok() for result in read_api_schema.get_all_operations()]
    assert len(operations) >= 16  # 3 content endpoints × 3 actions + 10 catalogue endpoints, GET only
    untestable = []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(
            max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
        )
        def conforms(case):
            case.call_and_validate(checks=CHECKS)

        try:
            conforms()
        except Unsatisfiable:
            untestable.append(operation.label)  # no invalid input exists (e.g. only free-text parameters)
    assert len(untestable) <= len(operations) // 2, untestable
