"""The score of one offer (0–100) and its components; the rules are in matching.py's docstring."""

from __future__ import annotations

from decimal import Decimal

from .proposals import DemandSpec, money

DEFAULT_LATENCY_REFERENCE_MS = Decimal(50)
# The same province scores only when the user asks for it ("prefer my province" on the demand): by default
# resources in every region compete on equal terms (cross-region flow is the construction goal).
WEIGHTS = {"price": 40, "latency": 25, "reliability": 15, "province": 0, "certification": 10, "consolidation": 10}
WEIGHTS_PREFER_PROVINCE = {
    "price": 35,
    "latency": 20,
    "reliability": 10,
    "province": 15,
    "certification": 10,
    "consolidation": 10,
}
CONSOLIDATION_POINTS = {1: Decimal(10), 2: Decimal(6), 3: Decimal(3)}
# Reliability (percent, monitoring.reliability) scores linearly from this floor (0 points) to 100 (full points).
RELIABILITY_FLOOR = Decimal(90)
LABELS = {
    "price": "价格",
    "latency": "时延",
    "reliability": "可靠性",
    "province": "同省",
    "certification": "认证",
    "consolidation": "集中度",
}


def weights_for(spec: DemandSpec) -> dict[str, int]:
    return WEIGHTS_PREFER_PROVINCE if spec.prefer_my_province else WEIGHTS


def _reliability_share(value) -> Decimal:
    """0 at or below RELIABILITY_FLOOR, 1 at 100; unknown is 0."""
    if value is None:
        return Decimal(0)
    share = (Decimal(value) - RELIABILITY_FLOOR) / (Decimal(100) - RELIABILITY_FLOOR)
    return min(Decimal(1), max(Decimal(0), share))


def offer_score(spec: DemandSpec, offer: dict, cheapest: Decimal, *, explain: bool = True):
    plan = offer["plan"]
    cards = spec.card_count
    total = offer["total"]
    weights = weights_for(spec)
    price_points = Decimal(weights["price"]) * (cheapest / total if total > 0 else Decimal(1))
    reference = spec.max_latency_ms or DEFAULT_LATENCY_REFERENCE_MS
    latency = offer["latency"]
    if latency is None:
        latency_points = Decimal(0)
        has_line = [c for c, _ in plan if c.line is not None]
        latency_detail = "部分资源无专线" if has_line else "无专线，经公网访问"
    else:
        latency_points = Decimal(weights["latency"]) * max(Decimal(0), 1 - latency / reference)
        latency_detail = f"专线时延 {latency} ms（参考 {reference} ms）"
    reliability_share = sum((_reliability_share(c.row.get("reliability")) * n for c, n in plan), Decimal(0)) / cards
    reliability_points = Decimal(weights["reliability"]) * reliability_share
    same_province = sum(n for c, n in plan if (c.row.get("province_code") or "")[:2] == spec.province_prefix)
    province_points = Decimal(weights["province"]) * same_province / cards
    certified = sum(n for c, n in plan if c.row.get("provider_certified"))
    certification_points = Decimal(weights["certification"]) * certified / cards
    consolidation_points = CONSOLIDATION_POINTS[len(plan)]
    score = money(
        price_points
        + latency_points
        + reliability_points
        + province_points
        + certification_points
        + consolidation_points
    )
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
            "max": weights["price"],
            "detail": f"总价 ¥{total}（算力 ¥{offer['compute']} + 专线 ¥{offer['line']}）{budget_note}；"
            f"最低方案 ¥{cheapest}",
        },
        {
            "key": "latency",
            "label": LABELS["latency"],
            "points": str(money(latency_points)),
            "max": weights["latency"],
            "detail": latency_detail,
        },
        {
            "key": "reliability",
            "label": LABELS["reliability"],
            "points": str(money(reliability_points)),
            "max": weights["reliability"],
            "detail": _reliability_detail(plan, cards),
        },
        {
            "key": "province",
            "label": LABELS["province"],
            "points": str(money(province_points)),
            "max": weights["province"],
            "detail": f"已选择“优先本省”：{same_province}/{cards} 张卡在用户所在省份"
            if spec.prefer_my_province
            else "未选择“优先本省”，同省不加分，各地区资源同等比较",
        },
        {
            "key": "certification",
            "label": LABELS["certification"],
            "points": str(money(certification_points)),
            "max": weights["certification"],
            "detail": f"{certified}/{cards} 张卡来自已认证服务商",
        },
        {
            "key": "consolidation",
            "label": LABELS["consolidation"],
            "points": str(money(consolidation_points)),
            "max": weights["consolidation"],
            "detail": f"由 {len(plan)} 个资源组成",
        },
    )
    text = f"得分 {score} = " + " + ".join(
        f"{c['label']} {c['points']}/{c['max']}（{c['detail']}）" for c in components
    )
    return score, components, text


def _reliability_detail(plan, cards: int) -> str:
    known = [(c.row.get("reliability"), n) for c, n in plan if c.row.get("reliability") is not None]
    unknown = cards - sum(n for _value, n in known)
    if not known:
        return "资源暂无可靠性数据（本节点监测不足且未填报 SLA），不得分"
    weighted = sum((Decimal(value) * n for value, n in known), Decimal(0)) / sum(n for _value, n in known)
    text = f"按卡加权可靠性 {money(weighted)}%（{RELIABILITY_FLOOR}% 及以下不得分，100% 得满分）"
    if unknown:
        text += f"；{unknown}/{cards} 张卡暂无可靠性数据，不得分"
    return text
