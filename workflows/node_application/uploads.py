"""Upload checks for application materials: by content (magic bytes), never by file name."""

import hashlib
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from infra.archives import archive_check
from infra.pdfs import upload_pdf_check

from .models import MaterialFormat

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
OLE_HEADER = bytes.fromhex("D0CF11E0A1B11AE1")
_OOXML_MAIN = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
# What a material is served as, by the type its content was found to be (``Material.detected_type``).
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ALLOWED = {MaterialFormat.PDF: {"pdf"}, MaterialFormat.EDITABLE: {"doc", "docx", "xlsx"}}


def max_upload_bytes() -> int:
    return getattr(settings, "NODE_APPLICATION_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES)


def _ooxml_type(upload: UploadedFile) -> str | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            content_types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError):
        return None
    for kind, main in _OOXML_MAIN.items():
        if main in content_types:
            return kind
    return None


def detect_type(upload: UploadedFile) -> str | None:
    """'pdf', 'doc', 'docx', 'xlsx' or None, from the file's bytes."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head == OLE_HEADER:
        return "doc"
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_type(upload)
    return None


def check_upload(upload: UploadedFile | None, *, fmt: str, max_bytes: int | None = None) -> tuple[str, str]:
    """Validate one upload for a material format; returns (detected type, sha256). Raises ValidationError.
    ``max_bytes``: the campaign's limit for this material (never above the site's limit)."""
    if upload is None:
        raise ValidationError(_("请选择要上传的文件。"), code="required")
    if upload.size == 0:
        raise ValidationError(_("文件为空，请重新选择。"), code="empty")
    limit = min(max_upload_bytes(), max_bytes) if max_bytes else max_upload_bytes()
    if upload.size > limit:
        raise ValidationError(
            _("文件过大：不能超过 %(mb)s MB。") % {"mb": round(limit / 1024 / 1024, 1)}, code="too_large"
        )
    upload.seek(0)
    if upload.read(4) == b"PK\x03\x04":
        archive_check(upload, purpose="document")  # before the archive is opened to find its type
    detected = detect_type(upload)
    if detected not in ALLOWED[fmt]:
        if fmt == MaterialFormat.PDF:
            message = _("文件内容不是 PDF（按文件内容识别，与文件名无关）。")
        else:
            message = _("文件内容不是 DOC、DOCX 或 XLSX 可编辑文档（按文件内容识别，与文件名无关）。")
        raise ValidationError(message, code="bad_type")
    if detected == "pdf":
        upload_pdf_check(upload)  # active content (scripts, automatic actions, attachments) or HTML
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return detected, digest.hexdigest()


EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def check_evidence(upload: UploadedFile | None) -> tuple[str, str]:
    """An evidence file (a public objection's attachment, a false-materials finding's evidence): a PDF or an
    editable document, by content, with the same checks as application materials; at most 10 MB."""
    fmt = MaterialFormat.PDF
    if upload is not None and upload.size and detect_type(upload) in ALLOWED[MaterialFormat.EDITABLE]:
        fmt = MaterialFormat.EDITABLE
    try:
        return check_upload(upload, fmt=fmt, max_bytes=EVIDENCE_MAX_BYTES)
    except ValidationError as error:
        if getattr(error, "code", None) == "bad_type":
            raise ValidationError(
                _("文件须为 PDF、DOC、DOCX 或 XLSX（按文件内容识别，与文件名无关）。"), code="bad_type"
            ) from None
        raise
