"""The one query object of compute selection, built from request parameters in one place.

``ComputeQuery`` is frozen and backend-neutral: the database backend (search/backends/database/) and
the Elasticsearch backend (search/backends/elasticsearch.py) read the same fields with the same
semantics, which the contract tests (tests/search/test_contract.py) hold them to.

Units: ``min_fp16`` / ``min_fp32`` / ``min_fp64`` are peak dense TFLOPS **per card**;
``min_memory_gb`` is accelerator memory **per card** (显存); ``min_cards`` is the resource's total
accelerator count (cards per node × nodes); ``max_price`` is yuan per billing unit;
``max_latency_ms`` / ``min_bandwidth_mbps`` apply to the best dedicated line from ``user_city``;
``min_reliability`` is the node's reliability figure in percent (monitoring/reliability.py): resources
without a figure do not pass it. "Sort by price above a reliability floor" is ``min_reliability`` with
the ``price`` sort; the ``reliability`` sort puts the most reliable first (unknown last).
"""

from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from catalog.models import CpuArchitecture, ResourceClass
from organizations.identifiers import MalformedIdentifier, validate_prefix

PRECISIONS = ("fp16", "fp32", "fp64")
SORTS = (
    "price",
    "-price",
    "price_performance_fp16",
    "price_performance_fp32",
    "price_performance_fp64",
    "available",
    "reliability",
    "latency",
)
DEFAULT_SORT = "price"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 500
MAX_TEXT_LENGTH = 100
# the keys of search.documents.PRICE_BANDS (yuan per billing unit; tests/search check they agree)
PRICE_BAND_KEYS = ("0-5", "5-10", "10-20", "20-50", "50-")

TRUE_VALUES = {"1", "true", "on", "yes"}
FALSE_VALUES = {"", "0", "false", "off", "no"}


class QueryError(ValueError):
    """Bad request parameters: ``errors`` maps each parameter to its (Chinese) messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class ComputeQuery:
    q: str = ""
    resource_class: str = ""
    vendor: str = ""
    model: str = ""
    cpu_architecture: str = ""
    province: str = ""  # GB/T 2260 code of the site's province, e.g. 510000
    source: str = ""  # 来源节点: "local" (this node's own) or the prefix of the node a record was synced from
    city: str = ""  # GB/T 2260 code of the site's city, e.g. 510100
    min_cards: int | None = None  # total accelerator cards of the resource
    min_fp16: Decimal | None = None  # TFLOPS per card (dense peak)
    min_fp32: Decimal | None = None  # TFLOPS per card
    min_fp64: Decimal | None = None  # TFLOPS per card
    min_memory_gb: int | None = None  # accelerator memory per card (GB)
    max_price: Decimal | None = None  # yuan per billing unit
    min_reliability: Decimal | None = None  # percent, 0–100 (monitoring.ResourceReliability)
    price_band: str = ""  # one of PRICE_BAND_KEYS: the price facet's value as a filter
    available_now: bool = False  # online and at least one unit available
    certified_only: bool = False  # the resource states at least one certification
    resale: bool = False  # 含转售报价: the resource has a live resale offer now (catalog.offers)
    user_city: str = ""  # where the user is: dedicated lines from this city
    max_latency_ms: Decimal | None = None
    min_bandwidth_mbps: int | None = None
    sort: str = DEFAULT_SORT
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    # --- derived -------------------------------------------------------------------------
    @property
    def precision(self) -> str:
        """The precision price-performance is reported at: the sort's, or FP16 by default."""
        if self.sort.startswith("price_performance_"):
            return self.sort.rsplit("_", 1)[1]
        return "fp16"

    @property
    def terms(self) -> tuple[str, ...]:
        """Free-text terms (every one must match)."""
        return tuple(self.q.split())

    @property
    def needs_lines(self) -> bool:
        return bool(self.user_city)

    @property
    def line_filtered(self) -> bool:
        return self.max_latency_ms is not None or self.min_bandwidth_mbps is not None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    # --- parameters ----------------------------------------------------------------------
    @classmethod
    def from_params(cls, params) -> "ComputeQuery":
        """Build from request parameters (a QueryDict or a plain mapping); raise QueryError."""
        errors: dict[str, list[str]] = {}
        values: dict = {}

        def raw(name: str) -> str:
            value = params.get(name)
            return "" if value is None else str(value).strip()

        def add(name: str, message: str) -> None:
            errors.setdefault(name, []).append(message)

        text = raw("q")
        if len(text) > MAX_TEXT_LENGTH:
            add("q", _("搜索词不能超过 %(n)d 个字符。") % {"n": MAX_TEXT_LENGTH})
        values["q"] = " ".join(text.split())

        for name, choices in (("resource_class", ResourceClass.values), ("cpu_architecture", CpuArchitecture.values)):
            value = raw(name)
            if value and value not in choices:
                add(name, _("不支持的取值“%(value)s”。") % {"value": value[:32]})
            values[name] = value
        band = raw("price_band")
        if band and band not in PRICE_BAND_KEYS:
            add("price_band", _("不支持的价格区间“%(value)s”。") % {"value": band[:32]})
        values["price_band"] = band
        for name in ("vendor", "model"):
            value = raw(name)
            if len(value) > 128:
                add(name, _("不能超过 128 个字符。"))
            values[name] = value
        for name in ("province", "city", "user_city"):
            value = raw(name)
            if value and not (len(value) == 6 and value.isdigit()):
                add(name, _("请填写 6 位行政区划代码，如 510100。"))
            elif value and name == "province" and not value.endswith("0000"):
                add(name, _("省级行政区划代码以 0000 结尾，如 510000。"))
            values[name] = value

        source = raw("source")
        if source and source != "local":
            try:
                validate_prefix(source)
            except MalformedIdentifier:
                add("source", _("来源节点应为 local（本节点）或节点前缀，如 CN.510000.C15。"))
        values["source"] = source

        for name in ("min_cards", "min_memory_gb", "min_bandwidth_mbps"):
            value = raw(name)
            if not value:
                continue
            try:
                number = int(value)
            except ValueError:
                add(name, _("请填写整数。"))
                continue
            if number < 0 or number > 10**9:
                add(name, _("请填写 0 到 1000000000 之间的整数。"))
                continue
            values[name] = number
        for name in ("min_fp16", "min_fp32", "min_fp64", "max_price", "max_latency_ms"):
            value = raw(name)
            if not value:
                continue
            try:
                number = Decimal(value)
            except InvalidOperation:
                add(name, _("请填写数字。"))
                continue
            if not number.is_finite() or number < 0 or number > 10**9:
                add(name, _("请填写不小于 0 的数字。"))
                continue
            values[name] = number
        reliability = raw("min_reliability")
        if reliability:
            try:
                number = Decimal(reliability)
            except InvalidOperation:
                number = None
            if number is None or not number.is_finite() or not 0 <= number <= 100:
                add("min_reliability", _("请填写 0 到 100 之间的可靠性百分比。"))
            else:
                values["min_reliability"] = number

        for name in ("available_now", "certified_only", "resale"):
            value = raw(name).lower()
            if value in TRUE_VALUES:
                values[name] = True
            elif value in FALSE_VALUES:
                values[name] = False
            else:
                add(name, _("请填写 1 或 0。"))

        sort = raw("sort") or DEFAULT_SORT
        if sort not in SORTS:
            add("sort", _("不支持的排序方式“%(value)s”。") % {"value": sort[:32]})
        values["sort"] = sort
        if not values.get("user_city"):
            if sort == "latency":
                add("user_city", _("按时延排序时请选择您所在的城市。"))
            for name in ("max_latency_ms", "min_bandwidth_mbps"):
                if name in values:
                    add("user_city", _("按专线时延或带宽筛选时请选择您所在的城市。"))
                    break

        for name, default, upper in (("page", 1, MAX_PAGE), ("page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)):
            value = raw(name)
            if not value:
                values[name] = default
                continue
            try:
                number = int(value)
            except ValueError:
                add(name, _("请填写整数。"))
                continue
            if not 1 <= number <= upper:
                add(name, _("请填写 1 到 %(n)d 之间的整数。") % {"n": upper})
                continue
            values[name] = number

        if errors:
            raise QueryError(errors)
        return cls(**values)

    def to_params(self) -> dict[str, str]:
        """The non-default values as strings: the query string of a shareable URL."""
        params: dict[str, str] = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value == spec.default:
                continue
            if isinstance(value, bool):
                params[spec.name] = "1" if value else "0"
            elif isinstance(value, Decimal):
                params[spec.name] = format(value.normalize(), "f")
            else:
                params[spec.name] = str(value)
        return params

    def replace(self, **changes) -> "ComputeQuery":
        from dataclasses import replace

        return replace(self, **changes)
