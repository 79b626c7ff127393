"""How the selection page shows a hit: its columns (chosen in the URL), click-to-sort headers, and the
display values of one row (accelerator without a repeated vendor, prices with their units).

The search contract is untouched: sorting uses the query's own ``sort`` values, and the column choice is
a separate ``cols`` parameter the query ignores.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    sorts: tuple[str, ...] = ()  # the query's sort values this header toggles between (first = on click)


# The result table's optional columns, in table order (the resource's name is always shown).
COLUMNS = (
    Column("provider", _("服务商")),
    Column("location", _("位置")),
    Column("accelerator", _("加速卡与规模")),
    Column("price", _("单价"), ("price", "-price")),
    Column("available", _("可用数量"), ("available",)),
    Column("state", _("状态")),
    Column("reliability", _("可靠性"), ("reliability",)),
    Column("price_performance", _("性价比")),
    Column("line", _("最佳专线"), ("latency",)),
)
COLUMN_KEYS = tuple(column.key for column in COLUMNS)


def visible_columns(params) -> tuple[str, ...]:
    """The columns the URL asks for (``cols`` repeated or comma-separated); every column by default.
    Unknown names are ignored; asking for none shows them all rather than an empty table."""
    raw = params.getlist("cols") if hasattr(params, "getlist") else params.get("cols", [])
    if isinstance(raw, str):
        raw = [raw]
    wanted = {name.strip() for value in raw for name in str(value).split(",")}
    chosen = tuple(key for key in COLUMN_KEYS if key in wanted)
    return chosen or COLUMN_KEYS


def cols_param(visible: tuple[str, ...]) -> dict[str, str]:
    """The ``cols`` parameter for links that keep the column choice (nothing when every column shows)."""
    return {} if visible == COLUMN_KEYS else {"cols": ",".join(visible)}


def sort_headers(query, href) -> dict[str, dict]:
    """For each sortable column: the link that sorts by it (or reverses it) and its aria-sort state.
    ``href(**changes)`` builds a link to the page with the query changed."""
    headers = {}
    for column in COLUMNS:
        sorts = column.sorts
        if column.key == "price_performance":
            sorts = (f"price_performance_{query.precision}",)
        if not sorts or (column.key == "line" and not query.user_city):
            continue
        active = query.sort in sorts
        # a second click on the active header reverses it (where the search has both directions)
        target = sorts[(sorts.index(query.sort) + 1) % len(sorts)] if active and len(sorts) > 1 else sorts[0]
        direction = "none"
        if active:
            direction = "descending" if query.sort in ("-price", "available", "reliability") else "ascending"
        headers[column.key] = {"href": href(sort=target, page=1), "active": active, "aria_sort": direction}
    return headers


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def money(value, places: int = 2) -> str:
    """12345.5 -> "12,345.50" (thousands separators, fixed decimals); "" for no value."""
    number = _decimal(value)
    if number is None:
        return ""
    return f"{number:,.{places}f}"


def accelerator_label(vendor: str, model: str) -> str:
    """The card's name once: "NVIDIA A800 80GB" rather than "NVIDIA NVIDIA A800 80GB"."""
    vendor, model = (vendor or "").strip(), (model or "").strip()
    if not model:
        return vendor
    # "Cambricon (寒武纪)" is named "Cambricon" in its model "Cambricon MLU370-X8"
    short = vendor.split("(")[0].split("（")[0].strip()
    if not short or model.casefold().startswith(short.casefold()):
        return model
    return f"{vendor} {model}"


def per_unit(billing_unit_label: str) -> str:
    """ "元/卡·时" -> "/卡·时": the unit after the price's currency sign."""
    label = billing_unit_label or ""
    return "/" + label.split("/", 1)[1] if "/" in label else label


def decorate(row: dict) -> dict:
    """The row with the values the page shows (the hit's own fields stay as they are for live updates)."""
    line = row.get("best_line") or {}
    return {
        **row,
        "accelerator_label": accelerator_label(row.get("accelerator_vendor", ""), row.get("accelerator_model", "")),
        "price_text": money(row.get("price_yuan")),
        "price_unit": per_unit(row.get("billing_unit_label", "")),
        "price_performance_text": money(row.get("price_performance")),
        "available_text": f"{row['available_units']:,}" if isinstance(row.get("available_units"), int) else "",
        "line_price_text": money(line.get("price_yuan_per_month"), 0) if line else "",
        # the row's key on ws/live/: a record synced from a node below (negative id, search/synced.py) has its own
        "live_key": f"synced:{-row['id']}" if row.get("id", 0) < 0 else f"resource:{row.get('id')}",
    }
