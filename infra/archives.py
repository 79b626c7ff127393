"""The one check every ZIP-based file (xlsx, docx, zip) passes before the node reads it.

An archive's central directory says how many members it has and how large each one is once inflated;
Python's ``zipfile`` (and openpyxl on top of it) never inflates a member past its declared size, so
checking the declared figures before anything is read bounds what reading can cost. Refused: more than
``max_members`` members, a member larger than ``max_member_bytes``, a total above ``max_total_bytes``, or
a member of at least 1 MiB that inflates more than ``max_ratio`` times (a decompression bomb: a few
hundred kB of whitespace that would become hundreds of MB in memory). Limits come from the
``ARCHIVE_LIMITS`` setting, per purpose ("spreadsheet" for catalogue imports, "document" for materials).
"""

import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MIB = 1024 * 1024
RATIO_FLOOR = MIB  # below this a member cannot be a bomb however well it compresses


@dataclass(frozen=True)
class ArchiveLimits:
    max_members: int
    max_member_bytes: int
    max_total_bytes: int
    max_ratio: int


DEFAULT_LIMITS = {
    # catalogue imports: uploads up to 50 MB; real sheets inflate 5-20 times
    "spreadsheet": ArchiveLimits(
        max_members=2000, max_member_bytes=400 * MIB, max_total_bytes=500 * MIB, max_ratio=100
    ),
    # application materials: uploads up to 20 MB
    "document": ArchiveLimits(max_members=5000, max_member_bytes=100 * MIB, max_total_bytes=200 * MIB, max_ratio=100),
}


def archive_limits(purpose: str) -> ArchiveLimits:
    overrides = getattr(settings, "ARCHIVE_LIMITS", {}).get(purpose, {})
    base = DEFAULT_LIMITS[purpose]
    return ArchiveLimits(**{**base.__dict__, **overrides})


def _mb(size: int) -> str:
    return f"{size / MIB:.0f}"


def archive_check(stream, *, purpose: str) -> None:
    """Raise ValidationError (a Chinese message) unless the ZIP archive in ``stream`` keeps the limits.
    Reads the central directory only; the stream is left at its start. Not a ZIP: nothing to check."""
    limits = archive_limits(purpose)
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # the reader reports a damaged file in its own words
    finally:
        stream.seek(0)
    if len(members) > limits.max_members:
        raise ValidationError(
            _("压缩文件包含 %(count)d 个成员，超过上限 %(limit)d 个，已拒收。")
            % {"count": len(members), "limit": limits.max_members},
            code="archive_members",
        )
    total = 0
    for member in members:
        if member.file_size > limits.max_member_bytes:
            raise ValidationError(
                _("压缩文件中的“%(name)s”解压后达 %(size)s MB，超过上限 %(limit)s MB，已拒收。")
                % {"name": member.filename[:80], "size": _mb(member.file_size), "limit": _mb(limits.max_member_bytes)},
                code="archive_member_size",
            )
        if member.file_size >= RATIO_FLOOR and member.file_size > limits.max_ratio * max(member.compress_size, 1):
            raise ValidationError(
                _("压缩文件中的“%(name)s”压缩比异常（超过 %(ratio)d 倍），疑似解压炸弹，已拒收。")
                % {"name": member.filename[:80], "ratio": limits.max_ratio},
                code="archive_ratio",
            )
        total += member.file_size
    if total > limits.max_total_bytes:
        raise ValidationError(
            _("压缩文件解压后共 %(size)s MB，超过上限 %(limit)s MB，已拒收。")
            % {"size": _mb(total), "limit": _mb(limits.max_total_bytes)},
            code="archive_total_size",
        )
