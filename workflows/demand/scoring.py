"""The score of one offer (0–100) and its components; the rules are in matching.py's docstring."""

from __future__ import annotations

from decimal import Decimal

from .proposals import DemandSpec, money

DEFAULT_LATENCY_REFERENCE_MS = Decimal(50)
WEIGHTS = {"price": 40, "latency": 25, "province": 15, "certification": 10, "consolidation": 10}
CONSOLIDATION_POINTS = {1: Decimal(10), 2: Decimal(6), 3: Decimal(3)}
LABELS = {
    "price": "价格",
    "latency": "时延",
    "province": "同省",
    "certification": "认证",
    "consolidation": "集中度",
}


def offer_score(spec: DemandSpec, offer: dict, cheapest: Decimal, *, explain: bool = True):
    plan = offer["plan"]
    cards = spec.card_count
    total = offer["total"]
    price_points = Decimal(WEIGHTS["price"]) * (cheapest / total if total > 0 else Decimal(1))
    reference = spec.max_latency_ms or DEFAULT_LATENCY_REFERENCE_MS
    latency = offer["latency"]
    if latency is None:
        latency_points = Decimal(0)
        has_line = [c for c, _ in plan if c.line is not None]
        latency_detail = "部分资源无专线" if has_line else "无专线，经公网访问"
    else:
        latency_points = Decimal(WEIGHTS["latency"]) * max(Decimal(0), 1 - latency / reference)
        latency_detail = f"专线时延 {latency} ms（参考 {reference} ms）"
    same_province = sum(n for c, n in plan if (c.row.get("province_code") or "")[:2] == spec.province_prefix)
    province_points = Decimal(WEIGHTS["province"]) * same_province / cards
    certified = sum(n for c, n in plan if c.row.get("provider_certified"))
    certification_points = Decimal(WEIGHTS["certification"]) * certified / cards
    consolidation_points = CONSOLIDATION_POINTS[len(plan)]
    score = money(price_points + latency_points + province_points + certification_points + consolidation_points)
    if not explain:
        return score
    budget_note = ""
    if spec.budget_yuan:
        budget_note = f"，为预算 ¥{spec.budget_yuan} 的 {(total / spec.budget_yuan * 100).quantize(Decimal('1'))}%"
    components = (
        {
            "key": "price",
            "label": LABELS["price"],
            "points": str(money(price_points)),
            "max": WEIGHTS["price"],
            "detail": f"总价 ¥{total}（算力 ¥{offer['compute']} + 专线 ¥{offer['line']}）{budget_note}；"
            f"最低方案 ¥{cheapest}",
        },
        {
            "key": "latency",
            "label": LABELS["latency"],
            "points": str(money(latency_points)),
            "max": WEIGHTS["latency"],
            "detail": latency_detail,
        },
        {
            "key": "province",
            "label": LABELS["province"],
            "points": str(money(province_points)),
            "max": WEIGHTS["province"],
            "detail": f"{same_province}/{cards} 张卡在用户所在省份",
        },
        {
            "key": "certification",
            "label": LABELS["certification"],
            "points": str(money(certification_points)),
            "max": WEIGHTS["certification"],
            "detail": f"{certified}/{cards} 张卡来自已认证服务商",
        },
        {
            "key": "consolidation",
            "label": LABELS["consolidation"],
            "points": str(money(consolidation_points)),
            "max": WEIGHTS["consolidation"],
            "detail": f"由 {len(plan)} 个资源组成",
        },
    )
    text = f"得分 {score} = " + " + ".join(
        f"{c['label']} {c['points']}/{c['max']}（{c['detail']}）" for c in components
    )
    return score, components, text
