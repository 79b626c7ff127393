"""The matching function on plain rows: coverage, ranking, lines, latency, budget, determinism."""

from decimal import Decimal

from workflows.demand.matching import DemandSpec, best_lines, match_demand


def resource(id, *, provider=1, site=None, province="510000", model="A100", cards=8, price="10", **extra):
    return {
        "id": id,
        "provider_id": provider,
        "site_id": site or id,
        "province_code": province,
        "city_code": province[:2] + "0100",
        "resource_class": "intelligent",
        "accelerator_model": model,
        "accelerators_per_node": 8,
        "billing_unit": "card_hour",
        "price_yuan": Decimal(price),
        "available_units": cards,
        "listing_state": "approved",
        "state": "online",
        "fp16_tflops_per_card": Decimal("312"),
        "provider_certified": True,
        **extra,
    }


def line(id, site, latency, *, city="510100", price="7200", bandwidth=1000, **extra):
    return {
        "id": id,
        "from_city_id": city,
        "to_site_id": site,
        "latency_ms": None if latency is None else Decimal(latency),
        "bandwidth_mbps": bandwidth,
        "price_yuan_per_month": Decimal(price),
        "listing_state": "approved",
        "state": "online",
        **extra,
    }


def spec(**overrides):
    values = {"resource_class": "intelligent", "card_count": 8, "duration_hours": 10, "city_code": "510100"}
    values.update(overrides)
    values.setdefault("accelerator_model", "A100" if "min_fp16_tflops_total" not in overrides else "")
    return DemandSpec(**values)


def test_single_resource_covering_the_demand_is_priced_for_the_duration():
    result = match_demand(spec=spec(card_count=4), resources=[resource(1, price="12")], lines=[line(10, 1, "1")])
    [proposal] = result.proposals
    [allotment] = proposal.allotments
    assert (allotment.resource_id, allotment.cards, allotment.units) == (1, 4, 4)
    assert proposal.compute_price_yuan == Decimal("480.00")  # 4 cards × ¥12 × 10 h
    assert proposal.line_price_yuan == Decimal("100.00")  # ¥7,200/month × 10/720
    assert proposal.total_price_yuan == Decimal("580.00")


def test_combinations_cover_the_card_count_and_use_every_member():
    resources = [resource(1, cards=6, price="9"), resource(2, cards=6, price="10"), resource(3, cards=3, price="11")]
    lines = [line(10, 1, "1"), line(11, 2, "1"), line(12, 3, "1")]
    result = match_demand(spec=spec(card_count=10), resources=resources, lines=lines, limit=10)
    assert result.proposals, result.summary
    for proposal in result.proposals:
        assert sum(a.cards for a in proposal.allotments) == 10
        assert all(a.cards > 0 for a in proposal.allotments)
        assert 2 <= len(proposal.allotments) <= 3
    combos = {proposal.resource_ids for proposal in result.proposals}
    assert (1, 2) in {tuple(sorted(c)) for c in combos}
    # {1, 2, 3}: 1 and 2 already cover 10 cards, so 3 would get nothing — never offered
    assert all(len(c) < 3 for c in combos)


def test_never_more_than_three_resources():
    resources = [resource(i, cards=2) for i in range(1, 7)]
    result = match_demand(spec=spec(card_count=8), resources=resources, lines=[])
    assert result.proposals == []
    assert result.funnel["capacity"] == 6


def test_ranking_prefers_cheaper_then_closer_and_is_deterministic():
    resources = [
        resource(1, price="12", province="510000"),
        resource(2, price="8", province="510000"),
        resource(3, price="8", province="130000"),
    ]
    lines = [line(10, 1, "1"), line(11, 2, "2"), line(12, 3, "28")]
    first = match_demand(spec=spec(), resources=resources, lines=lines)
    again = match_demand(spec=spec(), resources=list(reversed(resources)), lines=list(reversed(lines)))
    # 2: ¥740, 2 ms → 84; 1: ¥1,060, 1 ms → 72.42; 3: ¥740 but 28 ms → 71 (no reliability data: 0 of 15;
    # the province scores nothing unless the user prefers it)
    assert [p.resource_ids for p in first.proposals] == [(2,), (1,), (3,)]
    assert [p.score for p in first.proposals] == [Decimal("84.00"), Decimal("72.42"), Decimal("71.00")]
    assert [p.resource_ids for p in first.proposals] == [p.resource_ids for p in again.proposals]
    assert [p.rank for p in first.proposals] == list(range(1, len(first.proposals) + 1))
    scores = [p.score for p in first.proposals]
    assert scores == sorted(scores, reverse=True)


def test_explanation_states_each_component_of_the_score():
    result = match_demand(spec=spec(budget_yuan=Decimal("2000")), resources=[resource(1)], lines=[line(10, 1, "5")])
    [proposal] = result.proposals
    keys = [c["key"] for c in proposal.components]
    assert keys == ["price", "latency", "reliability", "province", "certification", "consolidation"]
    assert sum(c["max"] for c in proposal.components) == 100
    assert sum(Decimal(c["points"]) for c in proposal.components) == proposal.score
    assert "得分" in proposal.text and "时延" in proposal.text and "预算" in proposal.text
    assert proposal.explanation["components"][1]["detail"].startswith("专线时延 5")


def test_best_line_is_the_lowest_latency_approved_online_one():
    lines = [
        line(1, 7, "4"),
        line(2, 7, "2"),
        line(3, 7, "1", state="offline"),
        line(4, 7, "0.5", listing_state="pending"),
        line(5, 7, "0.1", city="510700"),
    ]
    assert best_lines(city_code="510100", lines=lines)[7]["id"] == 2


def test_resource_without_a_line_is_offered_with_no_latency_points():
    result = match_demand(spec=spec(), resources=[resource(1)], lines=[])
    [proposal] = result.proposals
    assert proposal.latency_ms is None
    latency = proposal.components[1]
    assert latency["points"] == "0.00" and "无专线" in latency["detail"]


def test_max_latency_excludes_resources_without_a_good_enough_line():
    resources = [resource(1), resource(2), resource(3)]
    lines = [line(10, 1, "3"), line(11, 2, "12")]  # resource 3 has no line at all
    result = match_demand(spec=spec(max_latency_ms=Decimal("5")), resources=resources, lines=lines)
    assert [p.resource_ids for p in result.proposals] == [(1,)]
    assert result.funnel["latency"] == 1


def test_no_line_and_a_latency_limit_means_no_match():
    result = match_demand(spec=spec(max_latency_ms=Decimal("5")), resources=[resource(1)], lines=[])
    assert result.proposals == []
    assert "时延" in result.summary


def test_budget_caps_the_offers():
    resources = [resource(1, price="10"), resource(2, price="30")]
    lines = [line(10, 1, "1", price="0"), line(11, 2, "1", price="0")]
    result = match_demand(spec=spec(budget_yuan=Decimal("1000")), resources=resources, lines=lines)
    # 8 cards × 10 h: ¥800 fits, ¥2,400 does not
    assert [p.resource_ids for p in result.proposals] == [(1,)]
    assert result.funnel == {"class": 2, "capacity": 2, "feasible": 2, "budget": 1}
    assert match_demand(spec=spec(budget_yuan=Decimal("700")), resources=resources, lines=lines).proposals == []


def test_model_class_state_and_capacity_filters():
    resources = [
        resource(1, model="H100"),
        resource(2, resource_class="general"),
        resource(3, state="maintenance"),
        resource(4, listing_state="pending"),
        resource(5, cards=0),
        resource(6, model="a100"),  # model names compare case-insensitively
    ]
    result = match_demand(spec=spec(), resources=resources, lines=[])
    assert [p.resource_ids for p in result.proposals] == [(6,)]


def test_fp16_total_instead_of_a_model():
    resources = [
        resource(1, model="H100", fp16_tflops_per_card=Decimal("989"), price="28"),
        resource(2, model="L20", fp16_tflops_per_card=Decimal("119"), price="5"),
        resource(3, model="X", fp16_tflops_per_card=None, price="1"),
    ]
    result = match_demand(spec=spec(min_fp16_tflops_total=Decimal("4000")), resources=resources, lines=[])
    # 8 × 119 = 952 TFLOPS is not enough; 8 × 989 is; the card without a published figure is skipped
    assert [p.resource_ids for p in result.proposals] == [(1,)]


def test_node_billed_resources_are_allotted_whole_nodes():
    node_pool = resource(1, billing_unit="node_hour", accelerators_per_node=4, cards=3, price="40")  # 3 nodes
    result = match_demand(spec=spec(card_count=6), resources=[node_pool], lines=[])
    [proposal] = result.proposals
    [allotment] = proposal.allotments
    assert (allotment.cards, allotment.units) == (6, 2)
    assert proposal.compute_price_yuan == Decimal("800.00")  # 2 nodes × ¥40 × 10 h


def test_the_same_province_scores_only_when_the_user_prefers_it_and_the_explanation_says_so():
    resources = [resource(1, price="10", province="130000"), resource(2, price="10", province="510000")]
    lines = [line(10, 1, "2"), line(11, 2, "2")]
    neutral = match_demand(spec=spec(), resources=resources, lines=lines)
    # equal on everything that counts by default: the tie breaks on ids, the other province first
    assert [p.resource_ids for p in neutral.proposals] == [(1,), (2,)]
    assert neutral.proposals[0].score == neutral.proposals[1].score
    province = neutral.proposals[0].components[3]
    assert (province["key"], province["max"], province["points"]) == ("province", 0, "0.00")
    assert "未选择“优先本省”" in province["detail"] and "同省不加分" in neutral.proposals[0].text

    preferred = match_demand(spec=spec(prefer_my_province=True), resources=resources, lines=lines)
    assert [p.resource_ids for p in preferred.proposals] == [(2,), (1,)]
    home, away = (p.components[3] for p in preferred.proposals)
    assert (home["max"], home["points"], away["points"]) == (15, "15.00", "0.00")
    assert home["detail"] == "已选择“优先本省”：8/8 张卡在用户所在省份"
    assert all(sum(c["max"] for c in p.components) == 100 for p in preferred.proposals)


def test_reliability_ranks_equal_offers_and_a_floor_drops_the_unreliable_and_unknown():
    resources = [
        resource(1, price="10", reliability=Decimal("92.00")),
        resource(2, price="10", reliability=Decimal("99.50")),
        resource(3, price="10"),  # no figure
    ]
    lines = [line(10, 1, "2"), line(11, 2, "2"), line(12, 3, "2")]
    ranked = match_demand(spec=spec(), resources=resources, lines=lines)
    assert [p.resource_ids for p in ranked.proposals] == [(2,), (1,), (3,)]
    points = [p.components[2]["points"] for p in ranked.proposals]
    assert points == ["14.25", "3.00", "0.00"]  # 15 × (99.5 − 90) / 10, 15 × (92 − 90) / 10, unknown
    assert "按卡加权可靠性 99.50%" in ranked.proposals[0].components[2]["detail"]
    assert "暂无可靠性数据" in ranked.proposals[2].components[2]["detail"]

    floored = match_demand(spec=spec(min_reliability=Decimal("95")), resources=resources, lines=lines)
    assert [p.resource_ids for p in floored.proposals] == [(2,)]
    assert floored.funnel["reliability"] == 1 and "可靠性达标 1 个" in floored.summary
