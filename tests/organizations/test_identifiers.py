import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from catalog import services
from catalog.models import Identifier, IdentifierCounter, IdentifierEvent, IdentifierState
from catalog.selectors import identifier_for_record
from organizations.identifiers import (
    CLASS_CODES,
    SEPARATOR,
    MalformedIdentifier,
    check_character,
    format_identifier,
    parse_identifier,
)
from organizations.uscc import ALPHABET
from tests.catalog.factories import ComputeResourceFactory, NetworkLineFactory, SiteFactory, ensure_reference_data

SAMPLES = [
    format_identifier(prefix="CN.510000", class_code="A", serial=1),
    format_identifier(prefix="CN.130000.C39", class_code="L", serial=12345678),
    format_identifier(prefix="CN", class_code="G", serial=20260001),
]


def test_format_and_parse_round_trip():
    code = format_identifier(prefix="CN.510000", class_code="A", serial=127)
    assert code.startswith("CN.510000/A00000127")
    assert len(code) == len("CN.510000/") + 10
    parsed = parse_identifier(code.lower())  # case and spaces are normalised
    assert (parsed.prefix, parsed.class_code, parsed.serial, parsed.kind) == ("CN.510000", "A", 127, "intelligent")
    assert str(parsed) == code


@pytest.mark.parametrize("code", SAMPLES)
def test_every_single_character_change_is_detected(code):
    """Substituting any one character by any other allowed or separator character is rejected."""
    candidates = ALPHABET + SEPARATOR + "."
    changed = 0
    for position, original in enumerate(code):
        for replacement in candidates:
            if replacement == original:
                continue
            typo = code[:position] + replacement + code[position + 1 :]
            with pytest.raises(MalformedIdentifier):
                parse_identifier(typo)
            changed += 1
    assert changed == len(code) * (len(candidates) - 1)


@pytest.mark.parametrize("code", SAMPLES)
def test_every_adjacent_transposition_is_detected(code):
    for position in range(len(code) - 1):
        a, b = code[position], code[position + 1]
        if a == b:
            continue
        swapped = code[:position] + b + a + code[position + 2 :]
        with pytest.raises(MalformedIdentifier):
            parse_identifier(swapped)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("CN.510000A000000011", "structure"),
        ("CN.510000/A0001", "suffix_length"),
        ("CN..510000/A00000001X", "prefix"),
        ("CN.51O000/A00000001X", "prefix_characters"),
        ("CN.5100/A00000001X", "prefix"),
        ("CHN/A00000001X", "prefix"),
        ("CN.510000/A0000000IX", "suffix_characters"),
    ],
)
def test_malformed_identifiers_give_a_reason(text, reason):
    with pytest.raises(MalformedIdentifier) as caught:
        parse_identifier(text)
    assert caught.value.code == reason
    assert str(caught.value.reason)


def test_unknown_class_with_a_valid_check_character_is_reported_as_such():
    assert "Q" not in CLASS_CODES
    body = "CN.510000/Q00000001"
    with pytest.raises(MalformedIdentifier) as caught:
        parse_identifier(body + check_character(body))
    assert caught.value.code == "class"


@pytest.mark.django_db
def test_approval_issues_one_identifier_for_life_with_history(make_user, settings):
    settings.NODE_IDENTIFIER_PREFIX = "CN.510000"
    settings.UPSTREAM_NODE_URL = "http://national.invalid"  # a node in the network: issued until acknowledged
    operator = make_user("node_operator")
    resource = ComputeResourceFactory(listing_state="pending")
    services.record_approve(record=resource, actor=operator)
    services.record_approve(record=resource, actor=operator)  # twice: still one identifier
    identifier = Identifier.objects.get()
    assert identifier.resource == resource
    assert identifier.code == format_identifier(prefix="CN.510000", class_code="A", serial=1)
    assert identifier.state == IdentifierState.ISSUED
    line = NetworkLineFactory(listing_state="pending")
    services.record_approve(record=line, actor=operator)
    assert identifier_for_record(record=line).code.startswith("CN.510000/L00000001")
    event = IdentifierEvent.objects.get(identifier=identifier)
    assert (event.from_state, event.to_state, event.actor) == ("", "issued", operator)


@pytest.mark.django_db
def test_lifecycle_transitions_record_who_and_why_and_refuse_illegal_moves(make_user, settings):
    settings.UPSTREAM_NODE_URL = "http://national.invalid"
    operator = make_user("node_operator")
    identifier = services.identifier_issue(record=ComputeResourceFactory(), actor=operator)
    for state in ("filed", "active", "suspended", "active", "revoked"):
        identifier = services.identifier_transition(
            identifier=identifier, to_state=state, actor=operator, reason=f"测试：{state}"
        )
    assert identifier.filed_at is not None
    history = list(identifier.events.values_list("from_state", "to_state", "reason"))
    assert history[-1] == ("active", "revoked", "测试：revoked")
    assert len(history) == 6
    with pytest.raises(ValidationError):
        services.identifier_transition(identifier=identifier, to_state="active", actor=operator, reason="复活")
    with pytest.raises(ValidationError):
        services.identifier_transition(
            identifier=services.identifier_issue(record=ComputeResourceFactory(), actor=operator),
            to_state="filed",
            actor=operator,
            reason="  ",
        )
    identifier.refresh_from_db()
    assert identifier.state == "revoked" and identifier.events.count() == 6


@pytest.mark.django_db
def test_a_node_without_upstream_acknowledges_locally_and_lists_at_once(settings):
    settings.UPSTREAM_NODE_URL = ""  # make run alone, or the national node itself
    resource = ComputeResourceFactory(listing_state="pending")
    services.record_approve(record=resource, actor=None)
    identifier = Identifier.objects.get(resource=resource)
    assert identifier.state == IdentifierState.ACTIVE and identifier.filed_at is not None
    history = list(identifier.events.order_by("pk").values_list("to_state", flat=True))
    assert history == ["issued", "filed", "active"]


@pytest.mark.django_db
def test_serials_are_unique_and_consecutive_per_class():
    site = SiteFactory()
    codes = [services.identifier_issue(record=ComputeResourceFactory(site=site), actor=None).code for _ in range(5)]
    general = services.identifier_issue(record=ComputeResourceFactory(site=site, resource_class="general"), actor=None)
    assert len(set(codes)) == 5
    assert [parse_identifier(code).serial for code in codes] == [1, 2, 3, 4, 5]
    assert parse_identifier(general.code).serial == 1 and general.class_code == "G"
    assert IdentifierCounter.objects.get(class_code="A").last_serial == 5


# A skip marker, not the on_postgres fixture: the marker skips before the transactional database
# fixture is set up, so a skipped run does not flush the reference data other tests rely on.
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL); CI runs it there")
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuance_never_duplicates():
    """Threads with their own connections issue at once; the counter row lock serialises them."""
    ensure_reference_data()
    site = SiteFactory()
    resources = [ComputeResourceFactory(site=site) for _ in range(16)]
    barrier = threading.Barrier(8)
    errors = []

    def work(chunk):
        try:
            barrier.wait()
            for resource in chunk:
                services.identifier_issue(record=resource, actor=None)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(resources[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    serials = sorted(Identifier.objects.values_list("serial", flat=True))
    assert serials == list(range(1, 17))
