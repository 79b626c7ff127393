"""Bills (账单): usage statements per month (a buyer's purchases or a provider's sales) and per order.

A statement line is one resource of one order in the period: card-hours and amount summed from the
usage records whose end falls in the period (local time), at the order line's agreed price. Exports
(CSV / XLSX / PDF) take the same table; text cells pass the one formula escape (catalog.spreadsheets).
"""

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.spreadsheets import SpreadsheetCSVWriter, spreadsheet_cell

from .models import Order, UsageRecord


@dataclass(frozen=True)
class StatementLine:
    period: str
    order_id: int
    order_number: str
    provider: str
    buyer: str
    resource: str
    cards: int
    unit_price_yuan: Decimal
    card_hours: Decimal
    amount_yuan: Decimal
    records: int


@dataclass
class Statement:
    title: str
    period: str
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def card_hours(self) -> Decimal:
        return sum((line.card_hours for line in self.lines), Decimal(0))

    @property
    def amount_yuan(self) -> Decimal:
        return sum((line.amount_yuan for line in self.lines), Decimal(0))


def month_range(month: str) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of a month given as YYYY-MM, in local time; ValidationError on anything else."""
    try:
        first = datetime.datetime.strptime(month or "", "%Y-%m")
    except ValueError:
        raise ValidationError({"month": _("月份格式应为 YYYY-MM，例如 2026-12。")}) from None
    if not 2000 <= first.year <= 2100:
        raise ValidationError({"month": _("月份格式应为 YYYY-MM，例如 2026-12。")})
    nxt = first.replace(year=first.year + 1, month=1) if first.month == 12 else first.replace(month=first.month + 1)
    zone = timezone.get_current_timezone()
    return timezone.make_aware(first, zone), timezone.make_aware(nxt, zone)


def current_month() -> str:
    return timezone.localtime().strftime("%Y-%m")


def _lines(records: QuerySet[UsageRecord], *, by_month: bool) -> list[StatementLine]:
    keys = ["order_id", "resource_id"] + (["month"] if by_month else [])
    if by_month:
        records = records.annotate(month=TruncMonth("ended_at", tzinfo=timezone.get_current_timezone()))
    rows = list(
        records.values(*keys).annotate(hours=Sum("card_hours"), amount=Sum("amount_yuan"), n=Count("pk")).order_by()
    )
    orders = {
        order.pk: order
        for order in Order.objects.filter(pk__in={row["order_id"] for row in rows})
        .select_related("provider__organization", "buyer", "buyer_user")
        .prefetch_related("lines__resource")
    }
    lines = []
    for row in rows:
        order = orders[row["order_id"]]
        line = next(line for line in order.lines.all() if line.resource_id == row["resource_id"])
        lines.append(
            StatementLine(
                period=timezone.localtime(row["month"]).strftime("%Y-%m") if by_month else "",
                order_id=order.pk,
                order_number=order.number,
                provider=order.provider.organization.name,
                buyer=order.buyer.name if order.buyer_id else str(order.buyer_user),
                resource=line.resource.name,
                cards=line.cards,
                unit_price_yuan=line.unit_price_yuan,
                card_hours=row["hours"] or Decimal(0),
                amount_yuan=row["amount"] or Decimal(0),
                records=row["n"],
            )
        )
    return sorted(lines, key=lambda line: (line.period, line.order_id, line.resource))


def statement_for_month(*, orders: QuerySet[Order], month: str, title: str) -> Statement:
    """Every order of ``orders`` (already scoped to what the viewer may see) with usage ending in the month."""
    start, end = month_range(month)
    records = UsageRecord.objects.filter(order__in=orders.values("pk"), ended_at__gte=start, ended_at__lt=end)
    return Statement(title=title, period=month, lines=_lines(records, by_month=False))


def statement_for_order(*, order: Order) -> Statement:
    """One order's usage, a line per month and resource."""
    lines = _lines(UsageRecord.objects.filter(order=order), by_month=True)
    return Statement(title=_("订单 %(number)s 用量账单") % {"number": order.number}, period="", lines=lines)


def statement_table(statement: Statement) -> tuple[list[str], list[list]]:
    columns = [
        _("账期"),
        _("订单号"),
        _("服务商"),
        _("需求方"),
        _("资源"),
        _("卡数"),
        _("单价（元/计费单位·时）"),
        _("卡时"),
        _("费用（元）"),
        _("用量记录数"),
    ]
    rows = [
        [
            line.period or statement.period,
            line.order_number,
            line.provider,
            line.buyer,
            line.resource,
            line.cards,
            line.unit_price_yuan,
            line.card_hours,
            line.amount_yuan,
            line.records,
        ]
        for line in statement.lines
    ]
    rows.append([_("合计"), "", "", "", "", "", "", statement.card_hours, statement.amount_yuan, ""])
    return columns, rows


def statement_csv(statement: Statement) -> bytes:
    columns, rows = statement_table(statement)
    buffer = io.StringIO()
    writer = SpreadsheetCSVWriter(buffer)
    writer.writerow(columns)
    writer.writerows([[str(v) if isinstance(v, Decimal) else v for v in row] for row in rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def statement_xlsx(statement: Statement) -> bytes:
    from openpyxl import Workbook

    columns, rows = statement_table(statement)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("账单"))
    sheet.append(columns)
    for row in rows:
        sheet.append([float(v) if isinstance(v, Decimal) else spreadsheet_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
