"""Unified social credit code (统一社会信用代码), GB 32100-2015.

Structure: authority code (1) + entity type (1) + division code (6) + organisation code body (8)
+ organisation code check (1) + check character (1). The check character is the normative check:
MOD 31 over the 31-symbol alphabet (digits and upper-case letters without I, O, S, V, Z) with
weights 3^(i-1) mod 31, so any single-character substitution is detected.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {char: value for value, char in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
FORBIDDEN = "IOSVZ"

# Position 1 (registering authority) -> allowed position 2 (entity type) codes.
ENTITY_TYPES: dict[str, str] = {
    "1": "1239",
    "2": "19",
    "3": "123459",
    "4": "19",
    "5": "1239",
    "6": "129",
    "7": "129",
    "8": "19",
    "9": "123",
    "A": "19",
    "N": "1239",
    "Y": "1",
}

# GB 11714-1997 organisation code (positions 9-17): weights over the 8-character body.
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def normalize_uscc(value: str) -> str:
    """Strip surrounding and inner white space and upper-case: the form codes are stored in."""
    return "".join(str(value).split()).upper()


def uscc_check_character(first17: str) -> str:
    """The 18th character for a 17-character prefix."""
    total = sum(VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def org_code_check_character(body: str) -> str:
    """GB 11714 check character for the 8-character organisation code body."""
    total = sum(int(char, 36) * weight for char, weight in zip(body, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_uscc(value: str) -> None:
    """Raise a ValidationError with one clear reason when ``value`` is not a valid USCC."""
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位，当前为%(length)d位。"),
            code="uscc_length",
            params={"length": len(code)},
        )
    bad = sorted({char for char in code if char not in VALUES})
    if bad:
        raise ValidationError(
            _("统一社会信用代码含有不允许的字符：%(chars)s（只用数字和除 I、O、S、V、Z 以外的大写字母）。"),
            code="uscc_characters",
            params={"chars": "、".join(bad)},
        )
    if code[1] not in ENTITY_TYPES.get(code[0], ""):
        raise ValidationError(
            _("统一社会信用代码的登记管理部门代码或机构类别代码无效。"),
            code="uscc_authority",
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("统一社会信用代码第3-8位应为行政区划代码（6位数字）。"),
            code="uscc_division",
        )
    if uscc_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("统一社会信用代码校验码不正确，请核对是否有输错的字符。"),
            code="uscc_checksum",
        )


def uscc_warnings(value: str) -> list[str]:
    """Soft findings for a code that passed ``validate_uscc`` (shown, never blocking)."""
    code = normalize_uscc(value)
    body = code[8:16]
    if all(char.isalnum() for char in body) and org_code_check_character(body) != code[16]:
        return [str(_("主体标识码（组织机构代码）校验未通过，请确认代码来源。"))]
    return []


def make_uscc(*, authority: str = "9", entity_type: str = "1", division: str, body: str) -> str:
    """Build a valid code from its parts (used by demo data and factories, never by users)."""
    if len(body) != 8 or any(char not in VALUES for char in body):
        raise ValueError(f"organisation code body must be 8 characters of the USCC alphabet, not {body!r}")
    prefix = f"{authority}{entity_type}{division}{body}{org_code_check_character(body)}"
    return prefix + uscc_check_character(prefix)
