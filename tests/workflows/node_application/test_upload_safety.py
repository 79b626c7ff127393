"""Uploads that would harm a reviewer or the server are refused with a field error and stored nowhere:
decompression bombs (docx/xlsx/zip), PDFs with scripts, automatic actions or attachments, %PDF- polyglots
with HTML. Downloads carry the type found by content, as attachments, with nosniff."""

import io
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from reportlab.pdfgen import canvas

from tests.archive_bombs import inflated, many_members
from workflows.node_application import services
from workflows.node_application.models import Material
from workflows.onboarding.forms import DocumentField

from .factories import at, ooxml, pdf
from .test_rules import draft, stored_files  # noqa: F401  (the draft fixture)

pytestmark = pytest.mark.django_db


def real_pdf() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "construction plan")
    page.save()
    return buffer.getvalue()


def upload(draft, people, file, fmt):  # noqa: F811
    return services.material_upload(
        application=draft, actor=people["applicant"], kind="construction_plan", fmt=fmt, upload=file, now=at(3, 20)
    )


def refused(draft, people, file, fmt, message):  # noqa: F811
    before = stored_files()
    with pytest.raises(ValidationError, match=message) as error:
        upload(draft, people, file, fmt)
    assert "file" in error.value.message_dict
    assert not Material.objects.exists()
    assert stored_files() == before


def docx_bomb() -> bytes:
    base = ooxml("docx").read()
    return inflated(base, "word/document.xml", spaces=24 * 1024 * 1024, before=b"<w:document/>")


def test_a_docx_decompression_bomb_is_refused_before_it_is_opened(draft, people):  # noqa: F811
    bomb = docx_bomb()
    assert len(bomb) < 200_000
    refused(draft, people, SimpleUploadedFile("plan.docx", bomb), "editable", "疑似解压炸弹")
    members = many_members(6000, first={"[Content_Types].xml": b"<Types/>"})
    refused(draft, people, SimpleUploadedFile("plan.docx", members), "editable", "超过上限 5000 个")


JS_OBJECT = b"1 0 obj<< /Type /Catalog /OpenAction 2 0 R >>endobj\n"
ACTIVE = {
    "javascript": b"%PDF-1.7\n2 0 obj<< /S /JavaScript /JS (app.alert(1)) >>endobj\n%%EOF\n",
    "open action": b"%PDF-1.7\n" + JS_OBJECT + b"%%EOF\n",
    "additional actions": b"%PDF-1.7\n3 0 obj<< /Type /Page /AA << /O 4 0 R >> >>endobj\n%%EOF\n",
    "launch": b"%PDF-1.7\n4 0 obj<< /S /Launch /F (cmd.exe) >>endobj\n%%EOF\n",
    "embedded file": b"%PDF-1.7\n5 0 obj<< /Type /EmbeddedFile /Length 3 >>stream\nabc\nendstream endobj\n%%EOF\n",
    "escaped name": b"%PDF-1.7\n2 0 obj<< /S /J#61vaScript /J#53 (x) >>endobj\n%%EOF\n",
    "in an object stream": b"%PDF-1.7\n6 0 obj<< /Type /ObjStm /Filter /FlateDecode /Length 40 >>stream\n"
    + zlib.compress(b"<< /S /JavaScript /JS (app.alert(1)) >>")
    + b"\nendstream endobj\n%%EOF\n",
}


@pytest.mark.parametrize("name", ACTIVE)
def test_pdfs_with_active_content_are_refused(draft, people, name):  # noqa: F811
    refused(draft, people, pdf("plan.pdf", ACTIVE[name]), "pdf", "PDF 含有脚本、自动动作或内嵌文件")


def test_a_pdf_html_polyglot_is_refused(draft, people):  # noqa: F811
    polyglot = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"
    refused(draft, people, pdf("plan.pdf", polyglot), "pdf", "夹带了网页")


def test_onboarding_documents_get_the_same_pdf_check():
    field = DocumentField(required=False)
    with pytest.raises(ValidationError, match="PDF 含有脚本"):
        field.clean(SimpleUploadedFile("licence.pdf", ACTIVE["javascript"]))
    assert field.clean(SimpleUploadedFile("licence.pdf", real_pdf())) is not None


def test_ordinary_files_pass_and_downloads_carry_the_type_found_by_content(client, draft, people):  # noqa: F811
    material = upload(draft, people, SimpleUploadedFile("plan.html", real_pdf()), "pdf")
    assert material.detected_type == "pdf"
    client.force_login(people["applicant"])
    response = client.get(f"/applications/{draft.reference}/materials/{material.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"  # not text/html from the name
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    editable = services.material_upload(
        application=draft,
        actor=people["applicant"],
        kind="construction_plan",
        fmt="editable",
        upload=ooxml("docx", name="plan.svg"),
        now=at(3, 20),
    )
    response = client.get(f"/applications/{draft.reference}/materials/{editable.pk}/")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response["Content-Disposition"].startswith("attachment")


def test_cms_documents_are_served_as_attachments(client, settings, tmp_path):
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    settings.MEDIA_ROOT = str(tmp_path)
    document = Document(title="指南")
    document.file.save("guide.pdf", ContentFile(real_pdf()), save=False)
    document.save()
    response = client.get(document.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
