"""组织机构代码 (GB 11714-1997) beside the USCC: check-digit vectors, the stored form, and the field-level errors."""

import pytest
from django.core.exceptions import ValidationError

from organizations.org_code import normalize_unit_code, org_code_of, validate_org_code, validate_unit_code
from organizations.uscc import make_uscc

# The standard's own example, and codes carried in positions 9-17 of published USCCs
# (914403001922038216 → 19220382-1, 9144030071526726XG → 71526726-X).
VALID = ["D2143569-X", "19220382-1", "71526726-X", "D2143569X", "d2143569-x", " 1922 0382 1 "]


@pytest.mark.parametrize("code", VALID)
def test_valid_organisation_codes(code):
    validate_org_code(code)
    validate_unit_code(code)


def test_stored_with_its_hyphen_and_a_uscc_is_left_as_it_is():
    assert normalize_unit_code("d2143569x") == "D2143569-X"
    assert normalize_unit_code("71526726－X") == "71526726-X"  # full-width hyphen typed by an IME
    assert normalize_unit_code("91440300715267 26XG") == "9144030071526726XG"


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        ("D2143569-1", "org_code_checksum"),  # one character changed: the check digit catches it
        ("D2143568-X", "org_code_checksum"),
        ("19220382-X", "org_code_checksum"),
        ("D214356#-X", "org_code_characters"),
        ("D2143569-Y", "org_code_characters"),
        ("D214356-X", "unit_code_length"),  # neither 9 nor 18 characters
        ("123", "unit_code_length"),
    ],
)
def test_invalid_codes_name_their_reason_in_chinese(code, error_code):
    with pytest.raises(ValidationError) as raised:
        validate_unit_code(code)
    assert raised.value.error_list[0].code == error_code
    assert any("\u4e00" <= char <= "\u9fff" for char in raised.value.messages[0])


def test_an_18_character_code_is_still_checked_as_a_uscc():
    validate_unit_code("914403001922038216")
    with pytest.raises(ValidationError) as raised:
        validate_unit_code("914403001922038217")
    assert raised.value.error_list[0].code == "uscc_checksum"


def test_the_organisation_code_a_uscc_carries():
    assert org_code_of("914403001922038216") == "19220382-1"
    assert org_code_of("19220382 1") == "19220382-1"
    assert org_code_of(make_uscc(division="510100", body="D2143569")) == "D2143569-X"
    assert org_code_of("123") == ""
