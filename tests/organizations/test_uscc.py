import pytest
from django import forms
from django.core.exceptions import ValidationError

from organizations.models import Organization
from organizations.uscc import (
    ALPHABET,
    make_uscc,
    normalize_uscc,
    org_code_check_character,
    uscc_check_character,
    uscc_warnings,
    validate_uscc,
)

REAL_CODES = ["91440300192317458F", "91350900587527783P", "914403001922038216", "91520000214434146R"]
FABRICATED = ["91110108717809965C", "91110000800088421P", "9133010057462616XH", "91110108MA01712M9L"]


def single_character_changes(code: str):
    """Every code that differs from ``code`` in exactly one position (any printable replacement)."""
    replacements = ALPHABET + "IOSVZ" + "-*"
    for position, original in enumerate(code):
        for char in replacements:
            if char != original:
                yield code[:position] + char + code[position + 1 :]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_accepted(code):
    validate_uscc(code)
    assert uscc_warnings(code) == []


def test_byd_worked_example_check_character():
    assert uscc_check_character("91440300192317458") == "F"
    assert org_code_check_character("19231745") == "8"


@pytest.mark.parametrize("code", REAL_CODES)
def test_every_single_character_change_is_rejected(code):
    changed = list(single_character_changes(code))
    assert len(changed) == 18 * (len(ALPHABET) + 5 + 2 - 1)
    accepted = []
    for candidate in changed:
        try:
            validate_uscc(candidate)
        except ValidationError:
            continue
        accepted.append(candidate)
    assert accepted == []


@pytest.mark.parametrize("code", FABRICATED)
def test_fabricated_codes_from_mock_data_are_rejected(code):
    with pytest.raises(ValidationError) as error:
        validate_uscc(code)
    assert error.value.code == "uscc_checksum"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("9144030019231745", "uscc_length"),
        ("91440300192317458F0", "uscc_length"),
        ("91440300192317O58F", "uscc_characters"),
        ("B1440300192317458F", "uscc_authority"),
        ("94440300192317458F", "uscc_authority"),
        ("9144A300192317458F", "uscc_division"),
        ("91440300192317458E", "uscc_checksum"),
    ],
)
def test_reasons_are_specific(value, code):
    with pytest.raises(ValidationError) as error:
        validate_uscc(value)
    assert error.value.code == code
    assert "统一社会信用代码" in error.value.messages[0]


def test_lower_case_and_spaces_are_normalised():
    assert normalize_uscc(" 9144 0300 1923 1745 8f ") == "91440300192317458F"
    validate_uscc("91440300192317458f")


def test_make_uscc_builds_valid_codes_and_refuses_bad_bodies():
    code = make_uscc(division="510100", body="MA61TF01")
    validate_uscc(code)
    assert code.startswith("91510100MA61TF01")
    with pytest.raises(ValueError):
        make_uscc(division="510100", body="MA6SZ001")


@pytest.mark.django_db
def test_model_field_stores_normalised_code_and_reports_field_error():
    organization = Organization(
        name="比亚迪股份有限公司", uscc="91440300192317458f", kind="enterprise", province_id="440000"
    )
    organization.full_clean()
    organization.save()
    assert Organization.objects.get().uscc == "91440300192317458F"

    bad = Organization(name="错误代码单位", uscc="91440300192317458E", kind="enterprise", province_id="440000")
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert list(error.value.message_dict) == ["uscc"]
    assert Organization.objects.count() == 1


@pytest.mark.django_db
def test_model_form_accepts_spaced_lower_case_and_shows_field_error():
    class OrganizationForm(forms.ModelForm):
        class Meta:
            model = Organization
            fields = ["name", "uscc", "kind", "province"]

    form = OrganizationForm(
        data={"name": "华为", "uscc": "9144 0300 1922 0382 16", "kind": "enterprise", "province": "440000"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["uscc"] == "914403001922038216"

    form = OrganizationForm(
        data={"name": "华为", "uscc": "914403001922038217", "kind": "enterprise", "province": "440000"}
    )
    assert not form.is_valid()
    assert list(form.errors) == ["uscc"]
    assert "校验码" in form.errors["uscc"][0]


@pytest.mark.django_db
def test_uscc_check_api(client):
    response = client.post("/api/v1/uscc/check/", {"code": "91520000214434146r"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"code": "91520000214434146R", "valid": True, "errors": [], "warnings": []}

    response = client.post("/api/v1/uscc/check/", {"code": "91520000214434146X"}, content_type="application/json")
    body = response.json()
    assert body["valid"] is False
    assert "校验码" in body["errors"][0]

    response = client.post("/api/v1/uscc/check/", {}, content_type="application/json")
    assert response.status_code == 400
    assert "code" in response.json()
