"""The application form (附件2 / 附件3) rendered as a PDF for the ministry submission package.

Uses reportlab's built-in CID font ``STSong-Light`` (Adobe's Chinese font descriptors ship with
reportlab and every PDF reader has the font), so no font file is bundled or downloaded.
"""

import io
from xml.sax.saxutils import escape

from django.utils import timezone

from ..models import NodeApplication, NodeType
from .common import FORM_FIELDS

FONT = "STSong-Light"
NARRATIVE = ["policy_environment", "basis", "construction_plan", "application_promotion", "safeguard_measures"]


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _text(value) -> str:
    return escape(str(value if value is not None else "")).replace("\n", "<br/>")


def application_form_pdf(application: NodeApplication, *, generated_at=None) -> bytes:
    """Every field of the form, in the order of the notice's table, as a PDF (A4)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK")
    label = ParagraphStyle("label", parent=body, textColor=colors.HexColor("#333333"))
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=22, alignment=1, spaceAfter=4 * mm)
    heading = ParagraphStyle("heading", parent=body, fontSize=12, leading=18, spaceBefore=4 * mm, spaceAfter=2 * mm)
    meta = application._meta
    annex = "附件2 区域节点申报表" if application.node_type == NodeType.REGIONAL else "附件3 行业节点申报表"
    when = timezone.localtime(generated_at or timezone.now())

    def row(name: str, value=None) -> list:
        value = getattr(application, name) if value is None else value
        return [Paragraph(_text(meta.get_field(name).verbose_name), label), Paragraph(_text(value or "—"), body)]

    rows = [
        [Paragraph("申报编号", label), Paragraph(_text(application.reference), body)],
        [Paragraph("申报批次", label), Paragraph(_text(application.campaign.name), body)],
        [Paragraph("节点类型", label), Paragraph(_text(application.get_node_type_display()), body)],
    ]
    if application.node_type == NodeType.REGIONAL:
        rows.append(row("region", str(application.region or "")))
    else:
        rows.append(row("industry", str(application.industry or "")))
    for name in FORM_FIELDS:
        if name in NARRATIVE or name == "industry":
            continue
        value = getattr(application, name)
        if name == "contact_gender":
            value = application.get_contact_gender_display()
        rows.append(row(name, str(value) if value is not None else ""))
    table = Table(rows, colWidths=[48 * mm, 122 * mm])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
            ]
        )
    )
    story = [Paragraph(_text(annex), title), Paragraph(_text(application.title), heading), table]
    for name in NARRATIVE:
        story.append(Paragraph(_text(meta.get_field(name).verbose_name), heading))
        story.append(Paragraph(_text(getattr(application, name) or "—"), body))
    story += [Spacer(1, 6 * mm), Paragraph(_text(f"生成时间：{when:%Y-%m-%d %H:%M}（北京时间）"), label)]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"{application.reference} {annex}",
        author=application.lead_name,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        invariant=True,
    )
    document.build(story)
    return buffer.getvalue()
