"""A small, deliberate catalogue for the selection tests (see the expectations in test_contract.py).

Visible: r1 r2 r3 r4 r5 r6 r11. Hidden: r7 pending, r8 delisted, r9 identifier suspended,
r10 identifier revoked. Lines from Chengdu (510100): S1 1.5 ms, S2 3 ms (two lines, the 10 Gb/s one
is best), S3 25 ms; a delisted 10 ms line to S3 never counts. Reliability (monitoring): r1 and r4 99.9,
r3 99.5, r2 97, r5 92, r6 and r11 unknown.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from catalog.models import Identifier, IdentifierState
from catalog.services import identifier_issue
from monitoring.models import ResourceReliability
from tests.catalog.factories import ComputeResourceFactory, NetworkLineFactory, ProviderFactory, SiteFactory
from tests.factories import OrganizationFactory

A100 = "NVIDIA A100 80GB (SXM4)"
H100 = "NVIDIA H100 SXM5 80GB"
L40S = "NVIDIA L40S 48GB"
ASCEND = "Huawei Ascend 910B (Atlas 800T A2)"


@dataclass
class Catalogue:
    resources: dict
    sites: dict
    lines: dict

    def ids(self, *names) -> list[int]:
        return [self.resources[name].pk for name in names]

    def names(self, ids) -> list[str]:
        by_id = {resource.pk: name for name, resource in self.resources.items()}
        return [by_id.get(pk, f"?{pk}") for pk in ids]


def _gpu(model, vendor, fp16, fp32, fp64, memory):
    return {
        "accelerator_model": model,
        "accelerator_vendor": vendor,
        "fp16_tflops_per_card": fp16,
        "fp32_tflops_per_card": fp32,
        "fp64_tflops_per_card": fp64,
        "accelerator_memory_gb": memory,
    }


A100_SPECS = _gpu(A100, "NVIDIA", Decimal("312"), Decimal("19.5"), Decimal("9.7"), 80)
H100_SPECS = _gpu(H100, "NVIDIA", Decimal("989.4"), Decimal("67"), Decimal("34"), 80)
L40S_SPECS = _gpu(L40S, "NVIDIA", Decimal("362.05"), Decimal("91.6"), None, 48)
ASCEND_SPECS = _gpu(ASCEND, "Huawei", None, None, None, 64)
CPU_ONLY = _gpu("", "", None, None, None, None)


def build_catalogue() -> Catalogue:
    tianfu = ProviderFactory(organization=OrganizationFactory(name="天府算力科技有限公司", city_id="510100"))
    yanzhao = ProviderFactory(organization=OrganizationFactory(name="燕赵智算有限公司", city_id="130100"))
    sites = {
        "S1": SiteFactory(provider=tianfu, name="天府一号数据中心", city_id="510100"),
        "S2": SiteFactory(provider=tianfu, name="绵阳科技城数据中心", city_id="510700"),
        "S3": SiteFactory(provider=yanzhao, name="石家庄正定数据中心", city_id="130100"),
    }

    def resource(site, **fields):
        return ComputeResourceFactory(site=sites[site], provider=sites[site].provider, **fields)

    online = {"state": "online"}
    resources = {
        "r1": resource(
            "S1",
            name="A100 训练集群",
            **A100_SPECS,
            node_count=4,
            price_yuan=Decimal("12.00"),
            available_units=16,
            certifications=["等保三级"],
            **online,
        ),
        "r2": resource(
            "S2",
            name="昇腾训练集群",
            **ASCEND_SPECS,
            node_count=8,
            price_yuan=Decimal("9.50"),
            available_units=0,
            **online,
        ),
        "r3": resource(
            "S3",
            name="H100 大模型集群",
            **H100_SPECS,
            node_count=2,
            price_yuan=Decimal("25.00"),
            available_units=8,
            state="maintenance",
        ),
        "r4": resource(
            "S1",
            name="超算 A100 节点",
            resource_class="supercomputing",
            billing_unit="node_hour",
            **A100_SPECS,
            node_count=10,
            price_yuan=Decimal("80.00"),
            available_units=4,
            **online,
        ),
        "r5": resource(
            "S3",
            name="通用计算 ARM",
            resource_class="general",
            billing_unit="vcpu_hour",
            cpu_architecture="arm",
            accelerators_per_node=0,
            **CPU_ONLY,
            node_count=4,
            vcpus_per_node=64,
            price_yuan=Decimal("0.35"),
            available_units=500,
            **online,
        ),
        "r6": resource(
            "S2",
            name="边缘推理 L40S",
            resource_class="edge",
            **L40S_SPECS,
            accelerators_per_node=2,
            node_count=2,
            price_yuan=Decimal("4.00"),
            available_units=2,
            certifications=["等保三级"],
            **online,
        ),
        "r7": resource("S1", name="待审核 A100", **A100_SPECS, price_yuan=Decimal("1.00"), listing_state="pending"),
        "r8": resource("S1", name="已下架 A100", **A100_SPECS, price_yuan=Decimal("1.00"), listing_state="delisted"),
        "r9": resource("S1", name="标识暂停 A100", **A100_SPECS, price_yuan=Decimal("1.00")),
        "r10": resource("S1", name="标识注销 A100", **A100_SPECS, price_yuan=Decimal("1.00")),
        "r11": resource(
            "S2",
            name="A100 推理集群",
            **A100_SPECS,
            node_count=4,
            price_yuan=Decimal("12.00"),
            available_units=8,
            **online,
        ),
    }
    states = {
        "r1": "active",
        "r2": "filed",
        "r4": "active",
        "r5": "active",
        "r6": "filed",
        "r9": "suspended",
        "r10": "revoked",
        "r11": "active",
    }
    for name, state in states.items():
        identifier = identifier_issue(record=resources[name], actor=None)
        Identifier.objects.filter(pk=identifier.pk).update(state=IdentifierState(state))
    lines = {
        "l1": NetworkLineFactory(
            from_city_id="510100",
            to_site=sites["S1"],
            latency_ms=Decimal("1.5"),
            bandwidth_mbps=10000,
            price_yuan_per_month=Decimal("5000"),
        ),
        "l2": NetworkLineFactory(
            from_city_id="510100",
            to_site=sites["S2"],
            latency_ms=Decimal("3"),
            bandwidth_mbps=1000,
            price_yuan_per_month=Decimal("3000"),
        ),
        "l2b": NetworkLineFactory(
            from_city_id="510100",
            to_site=sites["S2"],
            latency_ms=Decimal("3"),
            bandwidth_mbps=10000,
            price_yuan_per_month=Decimal("9000"),
            kind="cloud_private_network",
        ),
        "l3": NetworkLineFactory(
            from_city_id="510100",
            to_site=sites["S3"],
            latency_ms=Decimal("25"),
            bandwidth_mbps=500,
            price_yuan_per_month=Decimal("20000"),
        ),
        "l4": NetworkLineFactory(
            from_city_id="510100",
            to_site=sites["S3"],
            latency_ms=Decimal("10"),
            bandwidth_mbps=10000,
            price_yuan_per_month=Decimal("1"),
            listing_state="delisted",
        ),
        "l5": NetworkLineFactory(
            from_city_id="130100",
            to_site=sites["S1"],
            latency_ms=Decimal("30"),
            bandwidth_mbps=1000,
            price_yuan_per_month=Decimal("8000"),
        ),
    }
    reliability = {"r1": "99.90", "r4": "99.90", "r3": "99.50", "r2": "97.00", "r5": "92.00", "r6": None}
    ResourceReliability.objects.bulk_create(
        ResourceReliability(
            resource=resources[name],
            score_percent=None if value is None else Decimal(value),
            basis=ResourceReliability.Basis.MONITORING if value else "",
            computed_at=timezone.now(),
        )
        for name, value in reliability.items()
    )
    return Catalogue(resources=resources, sites=sites, lines=lines)
