"""Latin letters and digits of the generated PDFs are drawn, not only extractable: Ghostscript (what prints and
rasterises PDFs on many servers) drew them blank in the unembedded CID font ``STSong-Light``; they are now set in
an embedded Latin font (``infra.pdf_fonts``)."""

import io
import os
import shutil
import subprocess

import pytest
from PIL import Image
from pypdf import PdfReader

from infra import pdf_fonts
from workflows.node_application import services

from .factories import at, fill

GS = shutil.which("gs")
needs_gs = pytest.mark.skipif(GS is None, reason="Ghostscript (gs) is not installed")


def _paragraph_pdf(markup: str) -> bytes:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    buffer = io.BytesIO()
    style = ParagraphStyle("body", fontName=pdf_fonts.register(), fontSize=24, leading=30, wordWrap="CJK")
    SimpleDocTemplate(buffer, pagesize=(400, 120), leftMargin=10, rightMargin=10, topMargin=10, bottomMargin=10).build(
        [Paragraph(markup, style)]
    )
    return buffer.getvalue()


def _ink(pdf: bytes, tmp_path, *, page: int = 1) -> int:
    """Dark pixels of ``page`` as Ghostscript renders it."""
    source, target = tmp_path / "in.pdf", tmp_path / "out.png"
    source.write_bytes(pdf)
    subprocess.run(
        [GS, "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pnggray", "-r72",
         f"-dFirstPage={page}", f"-dLastPage={page}", f"-sOutputFile={target}", str(source)],
        check=True, timeout=60, env={**os.environ, "LC_ALL": "C"},
    )  # fmt: skip
    return sum(Image.open(target).histogram()[:128])


def test_runs_split_ascii_from_chinese_and_markup_escapes():
    assert pdf_fonts.runs("编号：SC-2026 <a>号") == [
        ("STSong-Light", "编号："),
        ("Vera", "SC-2026 <a>"),
        ("STSong-Light", "号"),
    ]
    assert pdf_fonts.runs("属于“十五五” — 1") == [
        ("STSong-Light", "属于"),
        ("Vera", "“"),
        ("STSong-Light", "十五五"),
        ("Vera", "” — 1"),
    ]
    assert pdf_fonts.markup("A&B\n甲") == '<font name="Vera">A&amp;B<br/></font>甲'


@needs_gs
def test_digits_and_latin_letters_are_drawn_by_ghostscript(tmp_path):
    digits = "0123456789 ABCDEFG xyz “—”"
    assert _ink(_paragraph_pdf(pdf_fonts.markup(digits)), tmp_path) > 300
    # the old way (the CID font for everything) is what rendered blank: the check above would catch a return to it
    assert _ink(_paragraph_pdf(digits), tmp_path) < 50


@pytest.mark.django_db
@needs_gs
def test_the_application_form_prints_its_codes_in_an_embedded_latin_font(sichuan, people, tmp_path):
    user = people["applicant"]
    application = services.application_create(campaign=sichuan, node_type="industry", actor=user, now=at(3, 20))
    application = fill(application, user, now=at(3, 20))
    content = services.application_form_pdf(application)
    reader = PdfReader(io.BytesIO(content))
    text = "".join(reader.pages[0].extract_text().split())
    assert application.reference in text and application.lead_uscc in text  # still extractable
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = [font.get_object() for font in fonts.values() if "Vera" in str(font.get_object().get("/BaseFont", ""))]
    assert embedded and "/FontFile2" in embedded[0]["/FontDescriptor"].get_object()
    assert _ink(content, tmp_path) > 2000
