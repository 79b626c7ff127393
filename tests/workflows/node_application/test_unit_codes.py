"""组织机构代码或统一社会信用代码: the notices' tables (附件2 / 附件3) let the lead unit and the consortium members be
named by the old 9-character organisation code (GB 11714) as well as by the USCC; on the form, in the check and in
the PDF."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from organizations.org_code import org_code_of
from workflows.node_application import eligibility, services
from workflows.node_application.models import FalseMaterialFinding

from .factories import at, fill, pdf

pytestmark = pytest.mark.django_db


def _draft(campaign, user):
    application = services.application_create(campaign=campaign, node_type="industry", actor=user, now=at(3, 20))
    campaign.materials_deadline = timezone.now() + datetime.timedelta(days=1)  # the edit page reads the real clock
    campaign.save()
    return application


def _codes(application):
    findings = eligibility.check_usccs(application)
    return {(f.code, f.field) for f in findings}


def test_the_form_takes_an_organisation_code_and_refuses_a_wrong_check_digit_on_its_field(client, sichuan, people):
    application = _draft(sichuan, people["applicant"])
    client.force_login(people["applicant"])
    url = reverse("node_application:edit_step", args=[application.reference, "units"])
    base = {"lead_name": application.lead_name, "lead_uscc": application.lead_uscc, "joint1_name": "联合单位甲"}

    response = client.post(url, {**base, "joint1_uscc": "D2143569-1", "joint1_address": "成都市"})
    assert response.status_code == 200
    assert response.context["form"].errors["joint1_uscc"] == ["组织机构代码校验码不正确，请核对是否有输错的字符。"]
    application.refresh_from_db()
    assert application.joint1_address == "" and application.joint1_uscc == ""  # nothing saved

    response = client.post(url, {**base, "joint1_uscc": "d2143569x", "joint1_address": "成都市"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.joint1_uscc == "D2143569-X" and application.joint1_address == "成都市"
    assert ("uscc_invalid", "joint1_uscc") not in _codes(application)

    # the lead unit too; a code of the wrong length says what is expected
    response = client.post(url, {**base, "lead_uscc": "D214356-X"})
    assert "请填写18位统一社会信用代码或9位组织机构代码" in response.context["form"].errors["lead_uscc"][0]


def test_the_check_and_the_pdf_read_either_code(sichuan, people):
    user = people["applicant"]
    application = _draft(sichuan, user)
    application = fill(application, user, now=at(3, 20), joint1_name="联合单位甲", joint1_uscc="71526726-X")
    assert not eligibility.check_usccs(application)
    content = services.application_form_pdf(application)
    printed = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "71526726-X" in printed

    # the same unit twice, once by its USCC and once by its old organisation code, is a duplicate
    application.joint1_uscc = org_code_of(application.lead_uscc)
    application.save(update_fields=["joint1_uscc"])
    assert ("uscc_duplicate", None) in _codes(application)


def test_a_false_materials_bar_on_a_uscc_also_bars_its_old_organisation_code(client, campaigns, people):
    p = people
    barred = services.application_create(
        campaign=campaigns["sc-2026"], node_type="industry", actor=p["applicant"], now=at(3, 20)
    )
    barred = fill(barred, p["applicant"], now=at(3, 20))
    barred = services.application_submit(application=barred, actor=p["applicant"], now=at(3, 20))
    client.force_login(p["sc_comms"])
    client.post(
        reverse("node_application:findings", args=[barred.reference]),
        {"scope": "province", "facts": "营业执照扫描件系伪造。", "evidence": pdf("核查函.pdf")},
    )
    assert FalseMaterialFinding.objects.get().uscc == p["tianfu_org"].uscc

    # another organisation names the barred unit as a consortium member by its old code
    now = timezone.now()
    other = services.application_create(
        campaign=campaigns["sc-open"], node_type="industry", actor=p["applicant_mianyang"], now=now
    )
    other = fill(
        other,
        p["applicant_mianyang"],
        now=now,
        industry="392",
        joint1_name="天府（旧代码）",
        joint1_uscc=org_code_of(p["tianfu_org"].uscc),
    )
    findings = eligibility.check_false_materials(other)
    assert len(findings) == 1 and p["tianfu_org"].uscc in findings[0].message
