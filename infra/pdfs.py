"""The check every uploaded PDF passes: no active content, no HTML riding along.

Refused: a file that does not start with ``%PDF-``; the action and attachment names ``/JavaScript``,
``/JS``, ``/OpenAction``, ``/AA``, ``/Launch``, ``/EmbeddedFile(s)``, ``/RichMedia``, ``/XFA``,
``/SubmitForm``, ``/ImportData`` anywhere in the file, including names spelled with ``#xx`` escapes
and names inside Flate-compressed object streams (inflated here with a bound: a stream that would
inflate past ``MAX_INFLATED_BYTES`` in total is refused too); and HTML markup in the file's bytes
outside its stream bodies (a ``%PDF-`` polyglot that a browser would render as a page). A PDF whose
compressed streams use other filters is checked on its raw bytes only.
"""

import re
import zlib

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_INFLATED_BYTES = 200 * 1024 * 1024
ACTIVE_NAMES = re.compile(
    rb"/(JavaScript|JS|OpenAction|AA|Launch|EmbeddedFiles?|RichMedia|XFA|SubmitForm|ImportData)(?![A-Za-z0-9#_.\-])"
)
NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
HTML_MARKUP = re.compile(rb"<\s*(!doctype\s+html|html|head|body|script|iframe|svg|object|embed|meta)\b", re.IGNORECASE)
STREAM_BODY = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
FLATE_STREAM = re.compile(rb"/FlateDecode.{0,400}?stream\r?\n", re.DOTALL)


def _unescaped(data: bytes) -> bytes:
    return NAME_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), data) if b"#" in data else data


def _inflated_streams(data: bytes):
    budget = MAX_INFLATED_BYTES
    for match in FLATE_STREAM.finditer(data):
        end = data.find(b"endstream", match.end())
        if end < 0:
            continue
        inflater = zlib.decompressobj()
        try:
            chunk = inflater.decompress(data[match.end() : end], budget + 1)
        except zlib.error:
            continue
        budget -= len(chunk)
        if budget < 0:
            raise ValidationError(_("PDF 中的压缩内容解压后过大，疑似解压炸弹，已拒收。"), code="pdf_bomb")
        yield chunk


def pdf_check(data: bytes) -> None:
    """Raise ValidationError (Chinese) unless ``data`` is a PDF without active content or HTML."""
    if not data.startswith(b"%PDF-"):
        raise ValidationError(_("文件内容不是 PDF（按文件内容识别，与文件名无关）。"), code="bad_type")
    if HTML_MARKUP.search(STREAM_BODY.sub(b"", data)):  # markup outside the (binary) stream bodies
        raise ValidationError(_("PDF 文件中夹带了网页（HTML）内容，已拒收。"), code="pdf_html")
    for part in (data, *_inflated_streams(data)):
        found = ACTIVE_NAMES.search(_unescaped(part))
        if found:
            raise ValidationError(
                _("PDF 含有脚本、自动动作或内嵌文件（%(name)s），已拒收；请另存为不含这些内容的 PDF 后上传。")
                % {"name": found.group(0).decode("ascii")},
                code="pdf_active",
            )


def upload_pdf_check(upload) -> None:
    """``pdf_check`` on an uploaded file (at most the upload limit, read once); the file is left at its start."""
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    pdf_check(data)
