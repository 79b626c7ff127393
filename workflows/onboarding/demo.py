"""Demo processes (idempotent): what the node operator finds waiting, and one finished qualification.

- ``provider`` (四川天府算力) applies to become an application service provider too → the operator
  (``operator``) has a certification task;
- ``line_provider`` (四川蜀网线路) applies to open a new line → the operator has an approval task;
- ``reseller`` (成都算力调度) holds a granted resale / scheduling qualification (2026-03-02 — 2029-03-01).
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.db import transaction
from viewflow.workflow.models import Task

from catalog.models import NetworkLine, Site
from organizations.models import Division, User

from . import line_services, services
from .flows import LineProviderOnboardingFlow, ProviderOnboardingFlow, ResellerQualificationFlow
from .models import Decision, LineApplication, ProviderApplication, ResellerApplication


def _start(flow_class, user: User, submit) -> None:
    """Run a flow's start node as its view would: create the process, submit, execute."""
    node = flow_class.register
    activation = node.activation_class.create(node, None, None)
    activation.start(SimpleNamespace(user=user))
    activation.process.save()
    submit(activation.process)
    activation.execute()


def _complete(task: Task, user: User, act) -> None:
    """Complete one human task as the task page would."""
    node = task.flow_task
    with task.process.flow_class.lock(task.process_id):
        activation = node.activation_class(task)
        activation.assign(user)
        activation.start(SimpleNamespace(user=user))
        act(activation.process)
        activation.execute()


def _users(*names: str) -> dict[str, User] | None:
    users = {user.username: user for user in User.objects.filter(username__in=names).select_related("organization")}
    return users if len(users) == len(names) else None


@transaction.atomic
def seed() -> list[str]:
    users = _users("operator", "provider", "line_provider", "reseller")
    if users is None:
        return ["onboarding: demo users missing (organizations.demo not run?), skipped"]
    lines = []

    provider = users["provider"]
    if not ProviderApplication.objects.filter(organization=provider.organization).exists():

        def submit_provider(process):
            services.provider_application_submit(
                process=process,
                organization=provider.organization,
                actor=provider,
                kinds={"is_resource_provider": True, "is_app_service_provider": True},
                licences="增值电信业务经营许可证 B1-20240001\n网络安全等级保护三级备案",
                contact_name=provider.full_name,
                contact_phone="028-86000001",
                sites=[
                    {
                        "name": "天府新区智算中心二期（示例）",
                        "city": Division.objects.get(code="510100"),
                        "address": "成都市天府新区示例路 2 号",
                    }
                ],
            )

        _start(ProviderOnboardingFlow, provider, submit_provider)
        lines.append("created provider onboarding application (四川天府算力) waiting for certification")

    line_user = users["line_provider"]
    if not LineApplication.objects.filter(organization=line_user.organization).exists():
        site = Site.objects.filter(city_id="510100").exclude(provider__organization=line_user.organization).first()
        if site is not None and not NetworkLine.objects.filter(external_id="SW-NEW-01").exists():

            def submit_line(process):
                line_services.line_application_submit(
                    process=process,
                    provider=line_user.organization.provider,
                    actor=line_user,
                    external_id="SW-NEW-01",
                    data={
                        "name": "德阳—成都 智算专线（示例）",
                        "kind": "dedicated_line",
                        "from_city": Division.objects.get(code="510600"),
                        "to_site": site,
                        "bandwidth_mbps": 10_000,
                        "latency_ms": Decimal("1.80"),
                        "jitter_ms": Decimal("0.10"),
                        "price_yuan_per_month": Decimal("36000"),
                        "description": "",
                    },
                )

            _start(LineProviderOnboardingFlow, line_user, submit_line)
            lines.append("created line opening application SW-NEW-01 waiting for approval")

    reseller = users["reseller"]
    operator = users["operator"]
    if not ResellerApplication.objects.filter(organization=reseller.organization).exists():

        def submit_reseller(process):
            services.reseller_application_submit(
                process=process,
                organization=reseller.organization,
                actor=reseller,
                business_scope="面向川渝企业的算力转售与跨区域调度服务（示例）",
                requested_years=3,
            )

        _start(ResellerQualificationFlow, reseller, submit_reseller)
        application = ResellerApplication.objects.get(organization=reseller.organization)
        task = Task.objects.get(process=application.process, flow_task=ResellerQualificationFlow.certify)

        def approve(process):
            services.reseller_application_decide(
                application=process.request,
                decision=Decision.APPROVE,
                opinion="材料齐全，同意授予转售调度资格。",
                actor=operator,
                valid_from=datetime.date(2026, 3, 2),
                valid_until=datetime.date(2029, 3, 1),
            )

        _complete(task, operator, approve)
        lines.append("created reseller qualification (成都算力调度) valid 2026-03-02 — 2029-03-01")
    return lines or ["onboarding: demo processes already there"]
