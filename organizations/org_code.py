"""Organisation code (组织机构代码), GB 11714-1997, accepted beside the unified social credit code where the notices'
tables ask for "组织机构代码或统一社会信用代码" (附件2 / 附件3: the lead unit and the consortium members).

Structure: an 8-character body (digits and upper-case Latin letters) and a check character, usually written with
a hyphen ("D2143569-X"). Check: C9 = 11 − (Σ value(Ci) × Wi mod 11) over weights 3, 7, 9, 10, 5, 8, 4, 2, where a
letter's value is 10 for A … 35 for Z; 10 is written "X" and 11 is written "0". The same nine characters sit in
positions 9–17 of a USCC issued to an organisation that had a code.

Stored form: the USCC as ``organizations.uscc`` normalises it (18 characters), or the organisation code with its
hyphen (``XXXXXXXX-X``, 10 characters).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .uscc import normalize_uscc, org_code_check_character, validate_uscc

_ORG_CODE = re.compile(r"^([0-9A-Z]{8})-?([0-9A-Z])$")


def normalize_unit_code(value: str) -> str:
    """White space removed and upper case (as a USCC); a 9-character organisation code gets its hyphen."""
    code = normalize_uscc(value).replace("－", "-")
    match = _ORG_CODE.match(code)
    return f"{match.group(1)}-{match.group(2)}" if match else code


def is_org_code(value: str) -> bool:
    return bool(_ORG_CODE.match(normalize_unit_code(value)))


def validate_org_code(value: str) -> None:
    """Raise a ValidationError with one clear reason when ``value`` is not a valid GB 11714 organisation code."""
    code = normalize_unit_code(value).replace("-", "")
    if len(code) != 9:
        raise ValidationError(
            _("组织机构代码应为9位（8位本体代码和1位校验码，如 D2143569-X），当前为%(length)d位。"),
            code="org_code_length",
            params={"length": len(code)},
        )
    bad = sorted({char for char in code[:8] if not ("0" <= char <= "9" or "A" <= char <= "Z")})
    if bad or not (code[8].isdigit() or code[8] == "X"):
        raise ValidationError(
            _("组织机构代码只能由数字和大写字母组成，校验码为数字或 X。"),
            code="org_code_characters",
        )
    if org_code_check_character(code[:8]) != code[8]:
        raise ValidationError(
            _("组织机构代码校验码不正确，请核对是否有输错的字符。"),
            code="org_code_checksum",
        )


def validate_unit_code(value: str) -> None:
    """A valid 18-character USCC (GB 32100) or a valid 9-character organisation code (GB 11714)."""
    code = normalize_unit_code(value)
    if len(code.replace("-", "")) == 9:
        validate_org_code(code)
        return
    if len(code) == 18:
        validate_uscc(code)
        return
    raise ValidationError(
        _("请填写18位统一社会信用代码或9位组织机构代码（如 D2143569-X），当前为%(length)d位。"),
        code="unit_code_length",
        params={"length": len(code.replace("-", ""))},
    )


def org_code_of(value: str) -> str:
    """The organisation code a code stands for (``XXXXXXXX-X``): itself, or positions 9–17 of a USCC; "" if neither."""
    code = normalize_unit_code(value)
    if is_org_code(code):
        return code
    if len(code) == 18:
        return f"{code[8:16]}-{code[16]}"
    return ""
