"""The minimal content `make deploy-check` serves: one published notice and one listed compute resource.

Production refuses ``seed_demo`` (its accounts have published passwords), so the check creates what
an editor and a provider would, through the same code paths they use and nothing else: the portal
sections (``portal_setup``), a notice added under 通知公告 and published as a Wagtail revision, a
certified provider organisation with one data-centre site, one compute resource through the
catalogue's upsert service and its approval (which issues the identifier its record page is
reached by). No user account is created. Idempotent; prints ``NOTICE <url>`` and ``RESOURCE <code>``.

Run under the deployment's own settings: ``python deploy/content.py`` (DJANGO_SETTINGS_MODULE set).
"""

import datetime
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()

from django.db import transaction  # noqa: E402

from catalog.models import ComputeResource, Provider, Site  # noqa: E402
from catalog.services.records import record_approve, resource_upsert  # noqa: E402
from organizations.models import Organization  # noqa: E402
from organizations.uscc import make_uscc  # noqa: E402
from portal.models import NoticeIndexPage, NoticePage  # noqa: E402
from portal.services import portal_setup  # noqa: E402

NOTICE_SLUG = "deploy-check-notice"
USCC = make_uscc(division="510100", body="DEPL2026")


@transaction.atomic
def notice_ensure() -> NoticePage:
    index = NoticeIndexPage.objects.live().first()
    notice = NoticePage.objects.child_of(index).filter(slug=NOTICE_SLUG).first()
    if notice is None:
        notice = NoticePage(
            slug=NOTICE_SLUG,
            title="关于节点上线运行的通知",
            summary="节点平台已完成部署检查。",
            issued_on=datetime.date(2026, 1, 5),
        )
        index.add_child(instance=notice)
        notice.save_revision().publish()
    return notice.specific


@transaction.atomic
def resource_ensure() -> ComputeResource:
    organization, _ = Organization.objects.get_or_create(
        uscc=USCC,
        defaults={
            "name": "部署检查算力服务有限公司",
            "kind": "enterprise",
            "province_id": "510000",
            "city_id": "510100",
            "registered_capital": 100_000_000,
        },
    )
    provider, _ = Provider.objects.get_or_create(
        organization=organization, defaults={"onboarding_state": "certified", "is_resource_provider": True}
    )
    site, _ = Site.objects.get_or_create(
        provider=provider,
        code="DC-01",
        defaults={"name": "部署检查数据中心", "province_id": "510000", "city_id": "510100", "pue": Decimal("1.25")},
    )
    change = resource_upsert(
        provider=provider,
        external_id="R-0001",
        data={
            "site": site,
            "name": "部署检查智算资源",
            "resource_class": "intelligent",
            "accelerator_model": "NVIDIA A100 80GB (SXM4)",
            "accelerator_vendor": "NVIDIA",
            "accelerators_per_node": 8,
            "node_count": 4,
            "price_yuan": Decimal("12.00"),
            "available_units": 16,
        },
    )
    return record_approve(record=change.record, actor=None, reason="deploy check")


if __name__ == "__main__":
    portal_setup()
    notice = notice_ensure()
    resource = resource_ensure()
    print("NOTICE", notice.url)
    print("RESOURCE", resource.identifier.code)
