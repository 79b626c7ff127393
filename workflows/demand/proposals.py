"""What demand matching works on and gives: the demand's specification, the offers (``Proposal``: its
resources' allotments, prices, score and the score's components) and the result with its funnel."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class DemandSpec:
    resource_class: str
    card_count: int
    duration_hours: int
    city_code: str
    accelerator_model: str = ""
    min_fp16_tflops_total: Decimal | None = None
    max_latency_ms: Decimal | None = None
    budget_yuan: Decimal | None = None
    prefer_my_province: bool = False  # the same province scores only when the user asks for it
    min_reliability: Decimal | None = None  # percent: resources below it (or unknown) are not offered

    @property
    def province_prefix(self) -> str:
        return self.city_code[:2]


@dataclass(frozen=True)
class Allotment:
    resource_id: int
    provider_id: int
    cards: int
    units: int
    unit_price_yuan: Decimal
    price_yuan: Decimal
    line_id: int | None
    latency_ms: Decimal | None
    province_code: str


@dataclass(frozen=True)
class Proposal:
    rank: int
    score: Decimal
    allotments: tuple[Allotment, ...]
    compute_price_yuan: Decimal
    line_price_yuan: Decimal
    total_price_yuan: Decimal
    cards: int
    latency_ms: Decimal | None
    components: tuple[dict, ...]
    text: str

    @property
    def resource_ids(self) -> tuple[int, ...]:
        return tuple(a.resource_id for a in self.allotments)

    @property
    def explanation(self) -> dict:
        return {
            "score": str(self.score),
            "components": list(self.components),
            "total_price_yuan": str(self.total_price_yuan),
            "compute_price_yuan": str(self.compute_price_yuan),
            "line_price_yuan": str(self.line_price_yuan),
            "latency_ms": None if self.latency_ms is None else str(self.latency_ms),
        }


@dataclass
class MatchResult:
    proposals: list[Proposal]
    # How many resources survived each filter, for the "why nothing matched" message.
    funnel: dict[str, int] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        f = self.funnel
        parts = [
            f"同类型已上架、在线且有余量的资源 {f.get('class', 0)} 个",
            f"型号/FP16 符合且有可用容量 {f.get('capacity', 0)} 个",
        ]
        if "reliability" in f:
            parts.append(f"可靠性达标 {f['reliability']} 个")
        if "latency" in f:
            parts.append(f"有时延达标专线 {f['latency']} 个")
        parts.append(f"可组合方案 {f.get('feasible', 0)} 个")
        if "budget" in f:
            parts.append(f"预算内 {f['budget']} 个")
        return "；".join(parts) + "。"


def to_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
