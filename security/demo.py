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
        "treatment": "每日自动运行依赖安全扫描；发现问题在 7 日内升级或评估接受。",
        "review_on": date(2026, 6, 30),
    },
]


def seed() -> list[str]:
    return _seed_risks()


def _seed_risks() -> list[str]:
    owner = User.objects.filter(username="operator").first()
    if owner is None:
        return ["security: no demo operator (run organizations.demo first); risk register not seeded"]
    existing = set(RiskAssessment.objects.values_list("title", flat=True))
    created = 0
    for risk in RISKS:
        if risk["title"] not in existing:
            risk_assessment_create(owner=owner, **risk)
            created += 1
    return [f"Risk register: {len(RISKS)} entries ({created} new); security dashboard at /security/ (operator)"]
