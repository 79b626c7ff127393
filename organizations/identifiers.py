"""The identifier scheme (算力标识): ``<node prefix>/<class><serial><check>``.

- node prefix: dot-separated segments from the root, e.g. ``CN`` (national node), ``CN.510000``
  (the Sichuan regional node, GB/T 2260 province code), ``CN.510000.C39`` (an industry node under
  it, GB/T 4754 industry code). Configured by ``settings.NODE_IDENTIFIER_PREFIX``. The grammar is
  fixed (2 letters, 6 digits ending 0000, a letter and 2-3 digits) so that changing, adding or
  removing a separator always breaks the format.
- class: one character (see ``CLASS_CODES``).
- serial: ``SERIAL_LENGTH`` decimal digits, issued from a per-(prefix, class) counter.
- check: one character computed like GB 32100 (the USCC): values of the 31-symbol alphabet,
  weights 3^(i-1) mod 31 over every prefix and suffix character (separators skipped), check value
  (31 - S mod 31) mod 31. 31 is prime and no weight is 0 mod 31, so every single-character
  substitution is detected; separators are fixed by the structure, so changing one is a format error.

See docs/identifiers.md. Everything here is pure (no database). It sits beside the USCC (same
alphabet and check scheme) below the catalogue, which issues identifiers, and the node network
(federation), which routes and files them by prefix without knowing the catalogue.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .uscc import ALPHABET, VALUES

SEPARATOR = "/"
SEGMENT_SEPARATOR = "."
SERIAL_LENGTH = 8
MAX_PREFIX_LENGTH = 40

# class code -> (record kind, resource class or None)
CLASS_CODES: dict[str, str] = {
    "G": "general",  # 通用算力
    "A": "intelligent",  # 智能算力
    "H": "supercomputing",  # 超算算力
    "E": "edge",  # 边缘算力
    "L": "network_line",  # 网络线路
    "P": "app_service",  # 应用服务
}
RECORD_KIND = {
    code: kind if kind in ("network_line", "app_service") else "compute_resource" for code, kind in CLASS_CODES.items()
}
CLASS_FOR_RESOURCE_CLASS = {value: code for code, value in CLASS_CODES.items()}

_LETTERS = "".join(char for char in ALPHABET if char.isalpha())
ALLOWED_PREFIX_CHARS = frozenset(ALPHABET + SEGMENT_SEPARATOR)
# root (2-letter country code) [. GB/T 2260 province code [. GB/T 4754 industry code]]
PREFIX_PATTERN = re.compile(rf"[{_LETTERS}]{{2}}(\.[0-9]{{2}}0000(\.[{_LETTERS}][0-9]{{2,3}})?)?")


class MalformedIdentifier(ValueError):
    """The text is not an identifier; ``reason`` is a translatable, user-facing explanation."""

    def __init__(self, reason, code: str):
        super().__init__(str(reason))
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class ParsedIdentifier:
    prefix: str
    class_code: str
    serial: int

    @property
    def kind(self) -> str:
        return CLASS_CODES[self.class_code]

    def __str__(self) -> str:
        return format_identifier(prefix=self.prefix, class_code=self.class_code, serial=self.serial)


def _weight(position: int) -> int:
    return pow(3, position, 31)


def check_character(body: str) -> str:
    """The check character for ``body`` (prefix + '/' + class + serial); separators are skipped."""
    chars = [char for char in body if char not in (SEPARATOR, SEGMENT_SEPARATOR)]
    total = sum(VALUES[char] * _weight(i) for i, char in enumerate(chars))
    return ALPHABET[(31 - total % 31) % 31]


def validate_prefix(prefix: str) -> None:
    """The prefix grammar is rigid, so that a changed or moved separator is always a format error."""
    if not prefix or len(prefix) > MAX_PREFIX_LENGTH or any(char not in ALLOWED_PREFIX_CHARS for char in prefix):
        raise MalformedIdentifier(
            _("节点前缀含有不允许的字符（只用数字、“.”和除 I、O、S、V、Z 以外的大写字母）。"),
            "prefix_characters",
        )
    if not PREFIX_PATTERN.fullmatch(prefix):
        raise MalformedIdentifier(
            _(
                "节点前缀格式不正确：应为国家代码（如 CN），其后可接“.省级行政区划代码”和“.行业代码”"
                "（如 CN.510000.C39）。"
            ),
            "prefix",
        )


def format_identifier(*, prefix: str, class_code: str, serial: int) -> str:
    validate_prefix(prefix)
    if class_code not in CLASS_CODES:
        raise ValueError(f"unknown class code {class_code!r}")
    if not 0 < serial < 10**SERIAL_LENGTH:
        raise ValueError(f"serial {serial} out of range")
    body = f"{prefix}{SEPARATOR}{class_code}{serial:0{SERIAL_LENGTH}d}"
    return body + check_character(body)


def normalize(value: str) -> str:
    return "".join(str(value).split()).upper()


def parse_identifier(value: str) -> ParsedIdentifier:
    """Parse and verify an identifier; raise MalformedIdentifier with the reason otherwise."""
    text = normalize(value)
    prefix, separator, suffix = text.rpartition(SEPARATOR)
    if not separator or SEPARATOR in prefix:
        raise MalformedIdentifier(_("算力标识应为“节点前缀/类别+序号+校验码”，缺少或多出“/”。"), "structure")
    validate_prefix(prefix)
    if len(suffix) != SERIAL_LENGTH + 2:
        raise MalformedIdentifier(
            _("算力标识后缀应为%(length)d位（1位类别、%(serial)d位序号、1位校验码）。")
            % {"length": SERIAL_LENGTH + 2, "serial": SERIAL_LENGTH},
            "suffix_length",
        )
    bad = sorted({char for char in suffix if char not in VALUES})
    if bad:
        raise MalformedIdentifier(
            _("算力标识后缀含有不允许的字符：%(chars)s。") % {"chars": "、".join(bad)},
            "suffix_characters",
        )
    if check_character(text[:-1]) != text[-1]:
        raise MalformedIdentifier(_("算力标识校验码不正确，请核对是否有输错的字符。"), "checksum")
    class_code, serial = suffix[0], suffix[1:-1]
    if class_code not in CLASS_CODES:
        raise MalformedIdentifier(_("未知的算力标识类别“%(code)s”。") % {"code": class_code}, "class")
    if not serial.isdigit() or int(serial) == 0:
        raise MalformedIdentifier(_("算力标识序号应为非零的数字。"), "serial")
    return ParsedIdentifier(prefix=prefix, class_code=class_code, serial=int(serial))
