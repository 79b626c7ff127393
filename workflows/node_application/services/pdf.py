"""The application form (附件2 / 附件3) rendered as a PDF: for the applicant to print, stamp and sign, and for the
ministry submission package.

The table follows the notice row by row, in its words, with the seals it asks for beside each row; then the
construction and operating entities the notice's conditions name, the operating-conditions declaration, and a
block for the seal and signature. Every page's footer carries the checksum of the form's content
(``form_content.checksum``), in a standard font so that it stays machine-readable in the PDF's text.

Chinese text is set in reportlab's CID font ``STSong-Light`` (every PDF reader substitutes a Chinese font for it),
Latin letters and digits in Bitstream Vera, embedded (``infra.pdf_fonts``: Ghostscript's substitute for the CID
font draws them blank).
"""

import io

from django.utils import timezone

from infra import pdf_fonts

from .. import form_content
from ..models import NodeApplication, NodeType

CODE_FONT = "Courier"
_text = pdf_fonts.markup


def _styles():
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm

    font = pdf_fonts.register()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK")
    return {
        "body": body,
        "label": ParagraphStyle("label", parent=body, textColor=colors.HexColor("#333333")),
        "seal": ParagraphStyle("seal", parent=body, fontSize=8.5, leading=12, textColor=colors.HexColor("#8a1c1c")),
        "title": ParagraphStyle("title", parent=body, fontSize=16, leading=22, alignment=1, spaceAfter=4 * mm),
        "heading": ParagraphStyle(
            "heading", parent=body, fontSize=12, leading=18, spaceBefore=4 * mm, spaceAfter=2 * mm
        ),
    }


def _table(rows: list, spans: list, *, widths):
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    table = Table(rows, colWidths=widths, repeatRows=0)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
                *spans,
            ]
        )
    )
    return table


def _form_table(application: NodeApplication, s: dict):
    """The notice's table: [section | label | value (+ the seal asked for)], one row per field."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph

    rows, spans = [], []
    for section, fields in form_content.layout(application.node_type):
        first = len(rows)
        for row in fields:
            value = [Paragraph(_text(form_content.display(application, row.field) or "—"), s["body"])]
            if row.seal:
                value.append(Paragraph(_text(f"（{row.seal}）"), s["seal"]))
            rows.append([Paragraph(_text(section), s["label"]), Paragraph(_text(row.label), s["label"]), value])
        if section:
            spans.append(("SPAN", (0, first), (0, len(rows) - 1)))
        else:
            for index in range(first, len(rows)):
                spans.append(("SPAN", (0, index), (1, index)))
                rows[index][0] = rows[index][1]
    spans.append(("BACKGROUND", (1, 0), (1, -1), colors.HexColor("#f2f2f2")))
    return _table(rows, spans, widths=[34 * mm, 50 * mm, 86 * mm])


def _pairs_table(application: NodeApplication, names: list[str], s: dict):
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph

    meta = application._meta
    rows = [
        [
            Paragraph(_text(meta.get_field(name).verbose_name), s["label"]),
            Paragraph(_text(form_content.display(application, name) or "—"), s["body"]),
        ]
        for name in names
    ]
    return _table(rows, [], widths=[60 * mm, 110 * mm])


def application_form_pdf(application: NodeApplication, *, generated_at=None) -> bytes:
    """Every field of the form, in the order and words of the notice's table, as a PDF (A4) whose every page
    prints the form's checksum."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    s = _styles()
    regional = application.node_type == NodeType.REGIONAL
    annex = "附件2" if regional else "附件3"
    name = "国家算力互联互通区域节点申报表" if regional else "国家算力互联互通行业节点申报表"
    when = timezone.localtime(generated_at or timezone.now())
    digest = form_content.checksum(application)
    code = form_content.short_code(digest)

    story = [
        Paragraph(_text(annex), s["label"]),
        Paragraph(_text(name), s["title"]),
        Paragraph(_text(f"申报编号：{application.reference}　申报批次：{application.campaign.name}"), s["label"]),
        Spacer(1, 2 * mm),
        _form_table(application, s),
        Paragraph("申报说明", s["heading"]),
    ]
    for field, label in form_content.narrative_labels(application.node_type).items():
        story.append(Paragraph(_text(label), s["heading"]))
        story.append(Paragraph(_text(getattr(application, field) or "—"), s["body"]))
    story += [
        Paragraph("附：建设主体和运营主体（申报应注明建设主体和运营主体）", s["heading"]),
        _pairs_table(application, ["construction_entity", "operating_entity"], s),
        Paragraph("附：运营条件声明（运营主体具有运营必要的场地、设备和人员等条件）", s["heading"]),
        _pairs_table(application, form_content.FACILITY_FIELDS, s),
        Spacer(1, 8 * mm),
        Paragraph("本单位承诺以上填报内容真实、准确、完整。", s["body"]),
        Spacer(1, 6 * mm),
        Paragraph("申报单位（公章）：　　　　　　　　　　法定代表人或授权代表（签字）：", s["body"]),
        Spacer(1, 10 * mm),
        Paragraph("日期：　　　　年　　月　　日", s["body"]),
        Spacer(1, 6 * mm),
        Paragraph(_text(f"申报表校验值（SHA-256）：{digest}"), s["label"]),
        Paragraph(_text(f"生成时间：{when:%Y-%m-%d %H:%M}（北京时间）"), s["label"]),
    ]

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFillColor(colors.HexColor("#333333"))
        pdf_fonts.draw_string(
            canvas, 20 * mm, 10 * mm, f"{application.reference}　申报表校验码（SHA-256 前16位）：", size=8.5
        )
        canvas.setFont(CODE_FONT, 9)
        canvas.drawString(96 * mm, 10 * mm, code)
        pdf_fonts.draw_string(canvas, 190 * mm, 10 * mm, f"第 {document.page} 页", size=8.5, right=True)
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"{application.reference} {annex} {name}",
        author=application.lead_name,
        subject=f"form-checksum {code}",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        invariant=True,
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
