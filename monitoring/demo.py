"""Demo data for the security records: a small risk register owned by the demo node operator.

Idempotent: an entry that exists (by title) is left alone, so a second run writes nothing.
"""

from datetime import date

from organizations.models import User

from .models import RiskAssessment
from .services import risk_assessment_create

RISKS = [
    {
        "title": "资源提供方接口密钥泄露",
        "description": "提供方将接口密钥写入脚本或代码仓库，被他人用于篡改资源状态。",
        "likelihood": 3,
        "impact": 4,
        "status": RiskAssessment.Status.MITIGATING,
        "treatment": "密钥按提供方隔离、可吊销；接口限流；异常调用记入安全事件并告警。",
        "review_on": date(2026, 12, 31),
    },
    {
        "title": "评审账号口令被暴力破解",
        "description": "评审人员账号遭受在线口令猜测。",
        "likelihood": 2,
        "impact": 5,
        "status": RiskAssessment.Status.MITIGATING,
        "treatment": "强口令策略；连续失败锁定（账号+地址）；锁定与失败登录告警。",
        "review_on": date(2026, 9, 30),
    },
    {
        "title": "第三方依赖组件存在已知漏洞",
        "description": "Python 依赖发布安全公告后未及时升级。",
        "likelihood": 3,
        "impact": 3,
        "status": RiskAssessment.Status.OPEN,
        "treatment": "每日运行 manage.py security_scan；发现问题在 7 日内升级或评估接受。",
        "review_on": date(2026, 6, 30),
    },
]


def seed() -> list[str]:
    lines = _seed_risks()
    lines.append(_seed_metrics())
    return lines


DEMO_DAYS = 7


def _seed_metrics() -> str:
    """A week of hourly samples for every listed demo resource (a deterministic daily load curve) and
    app-service use, rolled up. Skipped when samples exist, so a second run writes nothing."""
    import datetime

    from django.utils import timezone

    from catalog.models import AppService, ComputeResource, ListingState

    from .metrics.ingest import app_samples_ingest, installed_cards, resource_samples_ingest
    from .metrics.jobs import metrics_rollup_run
    from .metrics.periods import hour_start
    from .models import ResourceSample

    if ResourceSample.objects.exists():
        return "Metrics: samples exist, nothing seeded; dashboards at /monitoring/ (operator, reviewer_sc_comms)"
    end = hour_start(timezone.now())
    hours = [end - datetime.timedelta(hours=h) for h in range(DEMO_DAYS * 24, 0, -1)]
    resources = list(ComputeResource.objects.filter(listing_state=ListingState.APPROVED))
    samples = []
    for index, resource in enumerate(resources):
        cards = installed_cards(resource)
        for hour in hours:
            local = hour.astimezone(timezone.get_current_timezone())
            busy = 0.35 + 0.45 * (1 if 9 <= local.hour < 22 else 0) + 0.02 * ((index + local.day) % 5)
            samples.append(
                {
                    "resource": resource.external_id,
                    "sampled_at": hour + datetime.timedelta(minutes=30),
                    "available_cards": max(0, round(cards * (1 - busy))),
                    "utilisation_percent": round(100 * busy, 1) if cards else None,
                    "state": "online" if (index + local.day) % 17 else "maintenance",
                }
            )
        resource_samples_ingest(
            resources={resource.external_id: resource},
            samples=[s for s in samples if s["resource"] == resource.external_id],
        )
        samples = []
    usage = []
    for service in AppService.objects.filter(listing_state=ListingState.APPROVED).select_related(
        "provider__organization"
    ):
        for hour in hours:
            local_hour = hour.astimezone(timezone.get_current_timezone()).hour
            calls = 400 + 60 * local_hour if 8 <= local_hour < 23 else 50
            usage.append({"app_service": service.external_id, "sampled_at": hour, "calls": calls, "users": calls // 40})
        app_samples_ingest(app_services={service.external_id: service}, samples=usage)
        usage = []
    result = metrics_rollup_run(report=False)
    return (
        f"Metrics: {DEMO_DAYS} days of samples for {len(resources)} resources, {result.rollup.hours} hours rolled up;"
        " dashboards at /monitoring/ (operator; reviewer_sc_comms sees the regulatory view)"
    )


def _seed_risks() -> list[str]:
    owner = User.objects.filter(username="operator").first()
    if owner is None:
        return ["monitoring: no demo operator (run organizations.demo first); risk register not seeded"]
    existing = set(RiskAssessment.objects.values_list("title", flat=True))
    created = 0
    for risk in RISKS:
        if risk["title"] not in existing:
            risk_assessment_create(owner=owner, **risk)
            created += 1
    return [f"Risk register: {len(RISKS)} entries ({created} new); security dashboard at /security/ (operator)"]
