"""Template helpers of the public catalogue pages: spec rows with units, the selection link, live.js."""

from decimal import Decimal

from django import template
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.urls import Resolver404, resolve
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from catalog import offers
from catalog.models import BillingUnit, ComputeResource, NetworkLine
from catalog.snapshots import live_key as record_live_key
from infra.paths import localize_path

register = template.Library()

LIVE_SCRIPT = "js/live.js"
SELECTION_PATH = "/select/"

RESOURCE_SPECS = [
    "accelerator_vendor",
    "accelerator_model",
    "accelerators_per_node",
    "node_count",
    "cpu_architecture",
    "vcpus_per_node",
    "memory_gb_per_node",
    "accelerator_memory_gb",
    "storage_tb",
    "fp64_tflops_per_card",
    "fp32_tflops_per_card",
    "fp16_tflops_per_card",
    "int8_tops_per_card",
    "interconnect",
    "sla_availability_percent",
]
LINE_SPECS = ["bandwidth_mbps", "latency_ms", "jitter_ms"]


def _shown(value) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


@register.filter
def price_unit(billing_unit_label) -> str:
    """ "元/卡·时" -> "/卡·时": the unit shown after a price written with its currency sign (¥4.50/卡·时)."""
    label = str(billing_unit_label or "")
    return "/" + label.split("/", 1)[1] if "/" in label else label


@register.filter
def or_unpublished(value) -> str:
    """The value, or 「未公布」 when the provider has not stated it (never a guess)."""
    if value is None or value == "" or value == []:
        return _("未公布")
    return _shown(value)


@register.simple_tag
def record_specs(record) -> list[tuple[str, str]]:
    """(label with unit, value or 「未公布」) for the record's technical figures."""
    names = (
        RESOURCE_SPECS if isinstance(record, ComputeResource) else LINE_SPECS if isinstance(record, NetworkLine) else []
    )
    rows = []
    for name in names:
        field = record._meta.get_field(name)
        value = getattr(record, name)
        if field.choices and value:
            value = getattr(record, f"get_{name}_display")()
        if name == "accelerators_per_node" and not value and not record.accelerator_model:
            continue  # a CPU-only pool: no cards, nothing to show
        if name.startswith(("accelerator_", "fp", "int8")) and not record.accelerators_per_node and value in (None, ""):
            continue
        rows.append((str(field.verbose_name), or_unpublished(value)))
    if isinstance(record, ComputeResource) and record.accelerators_per_node:
        rows.insert(4, (_("加速卡总数（张）"), str(record.total_cards)))
    if isinstance(record, ComputeResource) and record.certifications:
        rows.append((_("认证"), pgettext("punctuation", "、").join(str(item) for item in record.certifications)))
    return rows


def _selection_available() -> bool:
    try:
        match = resolve(SELECTION_PATH)
    except Resolver404:
        return False
    return not match.func.__module__.startswith("wagtail")


@register.simple_tag
def selection_href(record) -> str:
    """A link into compute selection with this resource's model, vendor and class ("" until it exists)."""
    if not isinstance(record, ComputeResource) or not _selection_available():
        return ""
    params = {"class": record.resource_class}
    if record.accelerator_model:
        params["model"] = record.accelerator_model
    if record.accelerator_vendor:
        params["vendor"] = record.accelerator_vendor
    return localize_path(SELECTION_PATH) + "?" + urlencode(params)


def _live_script_exists() -> bool:
    return bool(finders.find(LIVE_SCRIPT)) or staticfiles_storage.exists(LIVE_SCRIPT)


@register.simple_tag(takes_context=True)
def live_script(context) -> str:
    """The live-updates script (websocket: price, availability, state), once it is installed."""
    if not _live_script_exists():
        return ""
    request = context.get("request")
    nonce = getattr(request, "csp_nonce", "") if request is not None else ""
    return format_html('<script src="{}" defer nonce="{}"></script>', static(LIVE_SCRIPT), nonce)


@register.simple_tag
def live_key(record) -> str:
    """The record's key in the live-updates contract: ``resource:<pk>``, ``line:<pk>``, ``app_service:<pk>``."""
    return record_live_key(record)


@register.simple_tag
def record_href(record) -> str:
    """The public page of a record, by its identifier ("" when it has none)."""
    from catalog.resolution import PUBLISHED_STATES

    identifier = getattr(record, "identifier", None)
    if identifier is None or identifier.state not in PUBLISHED_STATES:
        return ""
    return localize_path(f"/catalog/r/{identifier.code}/")


@register.filter
def price_text(value) -> str:
    """A price with two to four decimals: 13.8 -> "13.80", 13.8125 -> "13.8125" ("" for no value)."""
    return offers.price_text(value)


@register.inclusion_tag("components/offer_summary.html")
def offer_summary(summary, billing_unit: str = ""):
    """「转售报价 2 个 · 最低 ¥13.8/卡·时」 linking to those offers (``summary``: catalog.offers.OfferSummary,
    or nothing: no live offer). The lowest price shown is in the resource's own unit where an offer has it."""
    if not summary:
        return {"summary": None}
    unit, price = summary.lowest_for(billing_unit) or ("", None)
    label = BillingUnit(unit).label if unit in BillingUnit.values else unit
    return {"summary": summary, "price": price, "unit": price_unit(label)}
