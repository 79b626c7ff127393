"""PDFs of an order (订单) and of a usage statement (账单), for the buyer and the provider alike.

Rendered like the node application form (workflows/node_application/services/pdf.py): reportlab with
its built-in CID font ``STSong-Light`` for Chinese and the embedded Vera for Latin letters and digits
(``infra.pdf_fonts``). Access details are never printed.
"""

import io

from django.utils import timezone

from infra import pdf_fonts

from .models import Order
from .statements import Statement, statement_table

_font = pdf_fonts.register
_text = pdf_fonts.markup


def _render(*, title: str, heading_rows: list[tuple[str, str]], table: list[list], widths, generated_at=None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    label = ParagraphStyle("label", parent=body, textColor=colors.HexColor("#333333"))
    title_style = ParagraphStyle("title", parent=body, fontSize=16, leading=22, alignment=1, spaceAfter=4 * mm)
    facts = Table(
        [[Paragraph(_text(k), label), Paragraph(_text(v), body)] for k, v in heading_rows],
        colWidths=[40 * mm, 130 * mm],
    )
    grid = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    facts.setStyle(TableStyle([*grid, ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2"))]))
    lines = Table([[Paragraph(_text(cell), body) for cell in row] for row in table], colWidths=widths, repeatRows=1)
    lines.setStyle(TableStyle([*grid, ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2"))]))
    when = timezone.localtime(generated_at or timezone.now())
    story = [
        Paragraph(_text(title), title_style),
        facts,
        Spacer(1, 5 * mm),
        lines,
        Spacer(1, 5 * mm),
        Paragraph(_text(f"生成时间：{when:%Y-%m-%d %H:%M}（北京时间）"), label),
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer, pagesize=A4, title=title, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm, invariant=True
    ).build(story)
    return buffer.getvalue()


def order_pdf(order: Order, *, generated_at=None) -> bytes:
    """The order as both sides agreed it: parties, period, lines, price, total, state."""
    from reportlab.lib.units import mm

    heading = [
        ("订单号", order.number),
        ("状态", order.get_state_display()),
        ("服务商", order.provider.organization.name),
        ("需求方", order.buyer.name if order.buyer_id else str(order.buyer_user)),
        ("来源", order.reference),
        ("使用时长", f"{order.hours} 小时"),
        ("确认时间", f"{timezone.localtime(order.created_at):%Y-%m-%d %H:%M}"),
        ("开通时间", f"{timezone.localtime(order.activated_at):%Y-%m-%d %H:%M}" if order.activated_at else "—"),
        ("结束时间", f"{timezone.localtime(order.ended_at):%Y-%m-%d %H:%M}" if order.ended_at else "—"),
        ("算力费用（元）", order.compute_yuan),
        ("专线费用（元）", order.line_yuan),
        ("合计（元）", order.total_yuan),
    ]
    if order.cancel_reason:
        heading.append(("取消原因", order.cancel_reason))
    table = [["资源", "卡数", "计费数量", "单价（元/计费单位·时）", "算力费用（元）", "专线"]]
    for line in order.lines.all():
        table.append(
            [
                line.resource.name,
                line.cards,
                line.units,
                line.unit_price_yuan,
                line.amount_yuan,
                line.line.name if line.line_id else "无专线",
            ]
        )
    widths = [50 * mm, 14 * mm, 18 * mm, 30 * mm, 28 * mm, 30 * mm]
    return _render(
        title=f"订单 {order.number}", heading_rows=heading, table=table, widths=widths, generated_at=generated_at
    )


def statement_pdf(statement: Statement, *, generated_at=None) -> bytes:
    from reportlab.lib.units import mm

    columns, rows = statement_table(statement)
    heading = [("账单", statement.title), ("账期", statement.period or "全部"), ("合计（元）", statement.amount_yuan)]
    widths = [15 * mm, 24 * mm, 20 * mm, 20 * mm, 24 * mm, 10 * mm, 16 * mm, 14 * mm, 16 * mm, 11 * mm]
    return _render(
        title=statement.title, heading_rows=heading, table=[columns, *rows], widths=widths, generated_at=generated_at
    )
