"""Demo catalogue: certified providers, Sichuan and Hebei sites, 100+ compute resources built on the
accelerator reference table (figures it leaves blank stay blank), a dozen lines and some app services.

Idempotent: everything is keyed by natural keys and created only when missing; records go through the
same services as the provider API, so a second run finds identical data and writes nothing.
"""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from organizations.demo import DEMO_ORGANIZATIONS
from organizations.models import Division, Organization, User

from . import selectors, services
from .models import (
    AcceleratorModel,
    AppService,
    ComputeResource,
    IdentifierState,
    ListingState,
    NetworkLine,
    OnboardingState,
    Provider,
    RecordVersion,
    Site,
)

DEMO = RecordVersion.Source.DEMO

# key -> provider kinds
PROVIDERS = {
    "tianfu": {"is_resource_provider": True},
    "mianyang": {"is_resource_provider": True},
    "jibei": {"is_resource_provider": True},
    "shuwang": {"is_line_provider": True},
    "reseller": {"is_reseller": True},
    "apps": {"is_app_service_provider": True},
}

# provider key, code, name, city, address, PUE, tier, latitude, longitude
SITES = [
    (
        "tianfu",
        "TF-CD-01",
        "天府智算中心（成都高新）",
        "510100",
        "成都市高新区天府大道南段",
        "1.25",
        "gb_a",
        "30.5430",
        "104.0680",
    ),
    (
        "tianfu",
        "TF-CD-02",
        "天府新区超算数据中心",
        "510100",
        "成都市天府新区兴隆湖",
        "1.28",
        "gb_a",
        "30.4050",
        "104.0820",
    ),
    (
        "tianfu",
        "TF-YA-01",
        "雅安大数据产业园算力中心",
        "511800",
        "雅安市经济开发区",
        "1.18",
        "gb_b",
        "29.9810",
        "103.0130",
    ),
    ("tianfu", "TF-YB-01", "宜宾三江新区智算中心", "511500", "宜宾市三江新区", "1.22", "gb_b", "28.7900", "104.6400"),
    ("mianyang", "MY-01", "绵阳科技城智算中心", "510700", "绵阳市涪城区科技城", "1.30", "gb_b", "31.4670", "104.6790"),
    ("jibei", "JB-SJZ-01", "石家庄正定数据中心", "130100", "石家庄市正定新区", "1.27", "gb_a", "38.1460", "114.5710"),
    (
        "jibei",
        "JB-ZJK-01",
        "张家口怀来云计算中心",
        "130700",
        "张家口市怀来县",
        "1.15",
        "tier_iii",
        "40.4150",
        "115.5170",
    ),
    ("jibei", "JB-LF-01", "廊坊智算中心", "131000", "廊坊市经济技术开发区", "1.24", "gb_b", "39.5380", "116.6830"),
]

# accelerator reference name -> (CPU architecture, indicative price in yuan per card-hour)
ACCELERATOR_OFFERS = {
    "NVIDIA A100 80GB (SXM4)": ("x86", "12.00"),
    "NVIDIA H100 SXM5 80GB": ("x86", "28.00"),
    "NVIDIA H800 SXM5 80GB": ("x86", "25.00"),
    "NVIDIA H20 96GB": ("x86", "9.50"),
    "NVIDIA L20 48GB": ("x86", "5.50"),
    "NVIDIA L40S 48GB": ("x86", "7.80"),
    "NVIDIA A800 80GB (SXM4)": ("x86", "14.00"),
    "NVIDIA GeForce RTX 4090 24GB": ("x86", "2.80"),
    "Huawei Ascend 910B (Atlas 800T A2)": ("arm", "11.00"),
    "Hygon DCU K100 64GB": ("c86", "6.50"),
    "Hygon DCU K100 AI 64GB": ("c86", "8.20"),
    "Hygon DCU Z100": ("c86", "4.20"),
    "Cambricon MLU370-X8": ("x86", "4.50"),
    "Cambricon MLU590": ("x86", "7.50"),
    "Kunlunxin P800": ("x86", "8.80"),
}
CPU_OFFERS = [
    ("x86", "Intel Xeon 通用计算池", "0.18"),
    ("arm", "鲲鹏 920 通用计算池", "0.12"),
    ("c86", "海光 7390 通用计算池", "0.14"),
]
SUPERCOMPUTING_ACCELERATORS = ["Hygon DCU K100 64GB", "Hygon DCU Z100", "NVIDIA A100 80GB (SXM4)"]
EDGE_ACCELERATORS = ["NVIDIA GeForce RTX 4090 24GB", "NVIDIA L20 48GB"]

# from city, to site code, kind, bandwidth Mbps, latency ms, jitter ms, yuan per month
LINES = [
    ("510100", "TF-CD-01", "dedicated_line", 10_000, "0.8", "0.10", "38000"),
    ("510100", "TF-YA-01", "dedicated_line", 10_000, "2.6", "0.20", "45000"),
    ("510100", "TF-YB-01", "dedicated_line", 1_000, "4.2", "0.30", "16000"),
    ("510700", "TF-CD-02", "dedicated_line", 1_000, "2.9", "0.20", "12000"),
    ("510600", "TF-CD-01", "cloud_private_network", 1_000, "1.9", "0.40", "8500"),
    ("511100", "TF-YA-01", "cloud_private_network", 500, "2.4", "0.50", "5200"),
    ("511300", "MY-01", "cloud_private_network", 500, "3.1", "0.50", "5600"),
    ("510100", "MY-01", "dedicated_line", 10_000, "2.8", "0.20", "42000"),
    ("510100", "JB-ZJK-01", "dedicated_line", 1_000, "28.5", "1.20", "65000"),
    ("510100", "JB-SJZ-01", "cloud_private_network", 1_000, "25.7", "1.50", "36000"),
    ("130100", "JB-SJZ-01", "dedicated_line", 10_000, "0.9", "0.10", "36000"),
    ("130600", "JB-LF-01", "cloud_private_network", 1_000, "2.2", "0.30", "9800"),
]

# external id, name, kind, price, unit, resource external ids (tianfu's)
APP_SERVICES = [
    ("APP-LLM-01", "天府大模型推理服务", "ai_application", "0.012", "千 tokens", ["TF-CD-01-001", "TF-CD-01-002"]),
    ("APP-SCI-01", "分子动力学科学计算平台", "scientific_computing", "18.00", "节点·时", ["TF-CD-02-001"]),
    ("APP-CARD-01", "川渝通用算力卡（1000 卡时）", "compute_card", "9800.00", "张", ["TF-YA-01-001"]),
    ("APP-PHONE-01", "云手机（标准版）", "cloud_phone", "39.00", "台·月", []),
    ("APP-DESK-01", "设计师云桌面（GPU 版）", "cloud_desktop", "299.00", "台·月", ["TF-YB-01-001"]),
    ("APP-AIGC-01", "AIGC 图像生成服务", "ai_application", "0.08", "张图", ["TF-CD-01-003"]),
]


def _organizations() -> dict[str, Organization]:
    by_uscc = {demo.uscc: demo.key for demo in DEMO_ORGANIZATIONS}
    return {by_uscc[org.uscc]: org for org in Organization.objects.filter(uscc__in=by_uscc)}


def _providers(organizations: dict[str, Organization]) -> dict[str, Provider]:
    providers = {}
    certified_at = timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 0))
    for key, kinds in PROVIDERS.items():
        if key not in organizations:
            continue
        defaults = {"onboarding_state": OnboardingState.CERTIFIED, "certified_at": certified_at, **kinds}
        if kinds.get("is_reseller"):
            defaults["reseller_qualified_until"] = datetime.date(2029, 3, 1)
        providers[key], _ = Provider.objects.get_or_create(organization=organizations[key], defaults=defaults)
    return providers


def _sites(providers: dict[str, Provider]) -> dict[str, Site]:
    sites = {}
    for key, code, name, city, address, pue, tier, lat, lon in SITES:
        if key not in providers:
            continue
        sites[code], _ = Site.objects.get_or_create(
            provider=providers[key],
            code=code,
            defaults={
                "name": name,
                "province_id": city[:2] + "0000",
                "city_id": city,
                "address": address,
                "pue": Decimal(pue),
                "tier": tier,
                "latitude": Decimal(lat),
                "longitude": Decimal(lon),
            },
        )
    return sites


def _resource_specs(site: Site) -> list[tuple[str, dict]]:
    """Fourteen resource pools per site, drawn deterministically from the site code."""
    rng = random.Random(site.code)
    edge = site.city_id not in ("510100", "130100")
    specs = []
    names = sorted(ACCELERATOR_OFFERS)
    for model_name in rng.sample(names, 9):
        architecture, price = ACCELERATOR_OFFERS[model_name]
        cards = 8 if "4090" not in model_name else 4
        nodes = rng.choice([4, 8, 16, 32, 64])
        specs.append(
            (
                "intelligent",
                {
                    "name": f"{model_name.split(' (')[0]} 智算集群（{site.city.name_zh}）",
                    "resource_class": "intelligent",
                    "accelerator_model": model_name,
                    "accelerators_per_node": cards,
                    "node_count": nodes,
                    "cpu_architecture": architecture,
                    "vcpus_per_node": 128,
                    "memory_gb_per_node": 1024 if cards == 8 else 256,
                    "storage_tb": Decimal(nodes * 4),
                    "billing_unit": "card_hour",
                    "price_yuan": (Decimal(price) * Decimal(rng.choice(["0.9", "1.0", "1.1"]))).quantize(
                        Decimal("0.01")
                    ),
                    "available_units": rng.randrange(0, nodes * cards + 1),
                    "sla_availability_percent": Decimal("99.900"),
                    "certifications": ["等保三级"] if rng.random() < 0.6 else [],
                },
            )
        )
    for architecture, label, price in CPU_OFFERS:
        nodes = rng.choice([20, 40, 80])
        specs.append(
            (
                "general",
                {
                    "name": f"{label}（{site.city.name_zh}）",
                    "resource_class": "general",
                    "accelerator_model": "",
                    "accelerators_per_node": 0,
                    "node_count": nodes,
                    "cpu_architecture": architecture,
                    "vcpus_per_node": 96,
                    "memory_gb_per_node": 384,
                    "storage_tb": Decimal(nodes * 2),
                    "billing_unit": "vcpu_hour",
                    "price_yuan": Decimal(price),
                    "available_units": rng.randrange(0, nodes * 96 + 1),
                    "sla_availability_percent": Decimal("99.950"),
                    "certifications": ["等保三级", "ISO 27001"],
                },
            )
        )
    model_name = rng.choice(SUPERCOMPUTING_ACCELERATORS)
    specs.append(
        (
            "supercomputing",
            {
                "name": f"高性能计算集群 {model_name.split(' (')[0]}（{site.city.name_zh}）",
                "resource_class": "supercomputing",
                "accelerator_model": model_name,
                "accelerators_per_node": 4,
                "node_count": 128,
                "cpu_architecture": ACCELERATOR_OFFERS[model_name][0],
                "vcpus_per_node": 64,
                "memory_gb_per_node": 256,
                "storage_tb": Decimal("2048"),
                "interconnect": "InfiniBand HDR 200 Gb/s",
                "billing_unit": "node_hour",
                "price_yuan": Decimal("36.00"),
                "available_units": rng.randrange(0, 129),
                "sla_availability_percent": Decimal("99.500"),
                "certifications": [],
            },
        )
    )
    model_name = rng.choice(EDGE_ACCELERATORS)
    specs.append(
        (
            "edge",
            {
                "name": f"{'边缘' if edge else ''}推理节点 {model_name.split(' ')[-2]}（{site.city.name_zh}）",
                "resource_class": "edge" if edge else "intelligent",
                "accelerator_model": model_name,
                "accelerators_per_node": 2,
                "node_count": rng.choice([6, 10, 12]),
                "cpu_architecture": "x86",
                "vcpus_per_node": 32,
                "memory_gb_per_node": 128,
                "billing_unit": "card_hour",
                "price_yuan": Decimal(ACCELERATOR_OFFERS[model_name][1]),
                "available_units": rng.randrange(0, 12),
                "certifications": [],
            },
        )
    )
    return [(f"{site.code}-{index:03d}", data) for index, (_, data) in enumerate(specs, start=1)]


def _approve(record, operator: User | None) -> None:
    """List the record and bring its identifier to active (demo: filed with the national node already)."""
    if record.listing_state == ListingState.APPROVED:
        return
    services.record_approve(record=record, actor=operator, reason="演示数据：审核通过。")
    identifier = selectors.identifier_for_record(record=record)
    if identifier.state == IdentifierState.ISSUED:
        identifier = services.identifier_transition(
            identifier=identifier, to_state=IdentifierState.FILED, actor=operator, reason="演示数据：已向国家节点备案。"
        )
        services.identifier_transition(
            identifier=identifier, to_state=IdentifierState.ACTIVE, actor=operator, reason="演示数据：备案完成，启用。"
        )


@transaction.atomic
def seed() -> list[str]:
    organizations = _organizations()
    if not organizations:
        return ["catalog: no demo organisations (run organizations.demo first)"]
    operator = User.objects.filter(username="operator").first()
    providers = _providers(organizations)
    sites = _sites(providers)
    if not AcceleratorModel.objects.exists():
        from .reference_data import load_accelerators

        load_accelerators(AcceleratorModel)

    for site in sites.values():
        if site.provider.is_resource_provider:
            for index, (external_id, data) in enumerate(_resource_specs(site)):
                if ComputeResource.objects.filter(provider=site.provider, external_id=external_id).exists():
                    continue
                change = services.resource_upsert(
                    provider=site.provider, external_id=external_id, data={**data, "site": site}, source=DEMO
                )
                if index != 13:  # the last pool of each site waits for review, like real submissions do
                    _approve(change.record, operator)

    if "shuwang" in providers:
        cities = Division.objects.in_bulk([line[0] for line in LINES])
        for number, (city, site_code, kind, bandwidth, latency, jitter, price) in enumerate(LINES, start=1):
            external_id = f"SW-{number:03d}"
            if (
                site_code not in sites
                or NetworkLine.objects.filter(provider=providers["shuwang"], external_id=external_id).exists()
            ):
                continue
            site = sites[site_code]
            kind_label = "专线" if kind == "dedicated_line" else "云专网"
            change = services.line_upsert(
                provider=providers["shuwang"],
                external_id=external_id,
                data={
                    "name": f"{cities[city].name_zh}—{site.name} {kind_label} {bandwidth // 1000 or bandwidth}"
                    + ("G" if bandwidth >= 1000 else "M"),
                    "kind": kind,
                    "from_city": cities[city],
                    "to_site": site,
                    "bandwidth_mbps": bandwidth,
                    "latency_ms": Decimal(latency),
                    "jitter_ms": Decimal(jitter),
                    "price_yuan_per_month": Decimal(price),
                },
                source=DEMO,
            )
            _approve(change.record, operator)

    if "apps" in providers:
        for external_id, name, kind, price, unit, resource_ids in APP_SERVICES:
            if AppService.objects.filter(provider=providers["apps"], external_id=external_id).exists():
                continue
            resources = list(
                ComputeResource.objects.filter(
                    external_id__in=resource_ids, provider__organization__uscc=organizations["tianfu"].uscc
                )
            )
            change = services.app_service_upsert(
                provider=providers["apps"],
                external_id=external_id,
                data={
                    "name": name,
                    "kind": kind,
                    "price_yuan": Decimal(price),
                    "pricing_unit": unit,
                    "resources": resources,
                },
                source=DEMO,
            )
            _approve(change.record, operator)

    return [
        "Demo catalogue: "
        f"{len(providers)} providers, {len(sites)} sites, {ComputeResource.objects.count()} compute resources, "
        f"{NetworkLine.objects.count()} lines, {AppService.objects.count()} app services "
        "(provider API keys: create them at /catalog/provider/api-keys/ as user 'provider')"
    ]
