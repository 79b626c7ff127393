"""Demo of the front door (idempotent): what a newcomer to the node finds waiting.

- ``newcomer`` signed up and registered 四川新来算力科技有限公司（示例） as a provider and node applicant:
  the registration waits in the operator's certification queue (``operator``: /certification/);
- ``joiner`` asked to join 四川天府算力 (the ``provider`` account's organisation), whose administrator
  ``provider`` approves or declines it on /me/organization/people/.
"""

import io

from django.core.files.base import ContentFile
from django.db import transaction

from organizations.demo import DEMO_PASSWORD
from organizations.models import Division, User
from organizations.uscc import make_uscc

from .models import JoinRequest, OrganizationAdministrator, OrganizationRegistration, RegistrationEvent
from .verification import verification_backend

NEWCOMER_USCC = make_uscc(division="510100", body="MA6XL001")


def licence_scan_pdf(name: str, uscc: str) -> bytes:
    """A one-page stand-in for a business-licence scan (marked as a demo)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont("STSong-Light", 20)
    page.drawString(72, 760, "营业执照（演示样本，非真实证照）")
    page.setFont("STSong-Light", 12)
    page.drawString(72, 720, f"名称：{name}")
    page.drawString(72, 700, f"统一社会信用代码：{uscc}")
    page.drawString(72, 680, "法定代表人：赵新")
    page.showPage()
    page.save()
    return buffer.getvalue()


def _user(username: str, full_name: str) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"full_name": full_name, "email": f"{username}@example.cn"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


@transaction.atomic
def seed() -> list[str]:
    newcomer = _user("newcomer", "赵新（示例）")
    if newcomer.organization_id is None and not OrganizationRegistration.objects.filter(uscc=NEWCOMER_USCC).exists():
        name = "四川新来算力科技有限公司（示例）"
        result = verification_backend().verify(name=name, uscc=NEWCOMER_USCC, legal_representative="赵新")
        registration = OrganizationRegistration(
            submitted_by=newcomer,
            name=name,
            uscc=NEWCOMER_USCC,
            kind="enterprise",
            registered_capital=30_000_000,
            legal_representative="赵新",
            address="成都市高新区天府五街 200 号",
            province=Division.objects.get(code="510000"),
            city=Division.objects.get(code="510100"),
            requested_roles=["provider", "applicant"],
            verification_backend=result.backend,
            verification_detail=result.detail,
        )
        registration.licence_scan.save(
            "demo-licence.pdf", ContentFile(licence_scan_pdf(name, NEWCOMER_USCC)), save=False
        )
        registration.save()
        RegistrationEvent.objects.create(registration=registration, action="提交注册认证申请", actor=newcomer)

    provider = User.objects.filter(username="provider", organization__isnull=False).first()
    if provider is not None:
        OrganizationAdministrator.objects.get_or_create(user=provider, defaults={"organization": provider.organization})
        joiner = _user("joiner", "钱加入（示例）")
        if joiner.organization_id is None and not JoinRequest.objects.filter(user=joiner).exists():
            JoinRequest.objects.create(
                user=joiner, organization=provider.organization, requested_roles=["provider"], note="运维部"
            )
    return [
        "Front door: `newcomer` waits for certification (operator: /certification/); "
        "`joiner` waits to join (provider: /me/organization/people/); sign up at /accounts/signup/"
    ]
