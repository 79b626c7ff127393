"""对于提供虚假材料的，一经发现不得重新申报: a reviewer's finding with evidence bars the organisation and its USCC
from the campaigns the finding covers, until the ministry withdraws it with a reason."""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from workflows.node_application import eligibility, services
from workflows.node_application.models import ApplicationEvent, FalseMaterialFinding, Notification

from .factories import at, fill, pdf

pytestmark = pytest.mark.django_db


def _submitted(campaign, people):
    p = people
    application = services.application_create(
        campaign=campaign, node_type="industry", actor=p["applicant"], now=at(3, 20)
    )
    application = fill(application, p["applicant"], now=at(3, 20))
    return services.application_submit(application=application, actor=p["applicant"], now=at(3, 20))


def _record(client, user, application, scope="province"):
    client.force_login(user)
    return client.post(
        reverse("node_application:findings", args=[application.reference]),
        {"scope": scope, "facts": "营业执照扫描件系伪造，发证机关核查无此登记。", "evidence": pdf("核查函.pdf")},
    )


def _codes(application):
    return {f.code for f in eligibility.blocking(eligibility.check_application(application, on=timezone.localdate()))}


def test_a_provincial_finding_bars_new_applications_of_the_province_until_withdrawn(client, campaigns, people):
    p = people
    application = _submitted(campaigns["sc-2026"], p)
    response = _record(client, p["sc_comms"], application)
    assert response.status_code == 302
    finding = FalseMaterialFinding.objects.get()
    assert finding.organization == p["tianfu_org"] and finding.uscc == p["tianfu_org"].uscc
    assert (finding.scope, finding.province_code, finding.recorded_unit) == ("province", "510000", "四川省通信管理局")
    assert finding.evidence_type == "pdf" and len(finding.evidence_sha256) == 64
    assert ApplicationEvent.objects.filter(application=application, action="false_materials").count() == 1
    assert LogEntry.objects.get_for_object(finding).count() == 1
    assert Notification.objects.filter(user=p["applicant"], message__contains="虚假材料").exists()
    page = client.get(reverse("node_application:findings", args=[application.reference])).content.decode()
    assert "营业执照扫描件系伪造" in page and "核查函.pdf" in page
    assert client.get(reverse("node_application:finding_evidence", args=[finding.pk])).status_code == 200

    # A new application of the same organisation in another Sichuan campaign fails the check, saying why and when.
    now = timezone.now()
    again = services.application_create(
        campaign=campaigns["sc-open"], node_type="industry", actor=p["applicant"], now=now
    )
    again = fill(again, p["applicant"], now=now, industry="392")
    findings = eligibility.check_application(again, on=timezone.localdate())
    barred = [f for f in findings if f.code == "false_materials"]
    assert len(barred) == 1 and barred[0].blocks
    recorded_on = timezone.localtime(finding.recorded_at).strftime("%Y-%m-%d")
    assert f"于 {recorded_on} 被认定提供虚假材料" in barred[0].message and "四川省的全部批次" in barred[0].message
    with pytest.raises(ValidationError):
        services.application_submit(application=again, actor=p["applicant"], now=now)
    again.refresh_from_db()
    assert again.submitted_at is None
    client.force_login(p["applicant"])
    assert "被认定提供虚假材料" in client.get(reverse("node_application:edit", args=[again.reference])).content.decode()

    # Hebei's campaigns are outside a "province" finding; a joint unit naming the barred USCC in Hebei is not barred.
    hebei = services.application_create(
        campaign=campaigns["hb-2026"], node_type="regional", actor=p["applicant_hebei"], now=at(3, 1)
    )
    hebei.joint1_name, hebei.joint1_uscc = p["tianfu_org"].name, p["tianfu_org"].uscc
    assert "false_materials" not in _codes(hebei)

    # Only the ministry withdraws, and only with a reason; then the bar ends.
    withdraw = reverse("node_application:finding_withdraw", args=[finding.pk])
    client.force_login(p["sc_comms"])
    assert client.post(withdraw, {"reason": "误认定"}).status_code == 404
    client.force_login(p["ministry"])
    client.post(withdraw, {"reason": ""})
    finding.refresh_from_db()
    assert finding.in_force
    assert client.post(withdraw, {"reason": "经复核，执照系登记机关系统迁移所致，并非伪造。"}).status_code == 302
    finding.refresh_from_db()
    assert not finding.in_force and finding.withdrawn_by == p["ministry"]
    assert LogEntry.objects.get_for_object(finding).count() == 2
    assert "false_materials" not in _codes(again)
    services.application_submit(application=again, actor=p["applicant"], now=now)


def test_scopes_campaign_and_all_and_the_usccs_an_application_names(campaigns, people):
    p = people
    application = _submitted(campaigns["sc-2026"], p)
    finding = services.finding_record(
        application=application, actor=p["sc_industry"], scope="campaign", facts="业绩证明系伪造。", evidence=pdf()
    )
    now = timezone.now()
    other = services.application_create(
        campaign=campaigns["sc-open"], node_type="industry", actor=p["applicant"], now=now
    )
    assert "false_materials" not in _codes(other)  # another campaign: not covered
    assert "false_materials" in _codes(application)  # its own campaign: covered (the reviewers' checklist shows it)

    services.finding_withdraw(finding=finding, actor=p["ministry"], reason="范围有误，重新认定。")
    services.finding_record(
        application=application, actor=p["sc_industry"], scope="all", facts="业绩证明系伪造。", evidence=pdf()
    )
    assert "false_materials" in _codes(other)
    # Another organisation's application that names the barred USCC as a joint unit, in Hebei, is barred too.
    hebei = services.application_create(
        campaign=campaigns["hb-2026"], node_type="regional", actor=p["applicant_hebei"], now=at(3, 1)
    )
    assert "false_materials" not in _codes(hebei)
    hebei.joint1_name, hebei.joint1_uscc = p["tianfu_org"].name, p["tianfu_org"].uscc
    assert "false_materials" in _codes(hebei)


def test_findings_are_denied_to_cities_other_provinces_and_applicants(client, campaigns, people):
    p = people
    application = _submitted(campaigns["sc-2026"], p)
    page = reverse("node_application:findings", args=[application.reference])
    for user in (p["chengdu"], p["hb_comms"], p["applicant"]):
        response = _record(client, user, application)
        assert response.status_code == 404, user
        assert client.get(page).status_code == 404
    assert not FalseMaterialFinding.objects.exists()
    with pytest.raises(PermissionDenied):  # the service refuses too
        services.finding_record(application=application, actor=p["chengdu"], scope="all", facts="x", evidence=pdf())

    assert _record(client, p["sc_industry"], application, scope="all").status_code == 302
    finding = FalseMaterialFinding.objects.get()
    evidence = reverse("node_application:finding_evidence", args=[finding.pk])
    listing = reverse("node_application:finding_list")
    for user in (p["chengdu"], p["hb_comms"], p["applicant"]):
        client.force_login(user)
        assert client.get(evidence).status_code == 404
        assert client.get(page).status_code == 404
        listed = client.get(listing)
        if user is p["hb_comms"]:  # a province has a list: its own findings only
            assert listed.status_code == 200 and finding.facts not in listed.content.decode()
        else:
            assert listed.status_code == 404
    client.force_login(p["sc_comms"])
    assert finding.facts in client.get(listing).content.decode()
    # A finding needs the facts, a scope and a real evidence file: errors under the fields.
    response = client.post(page, {"scope": "", "facts": "", "evidence": pdf(content=b"not a pdf")})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"scope", "facts", "evidence"}
    assert FalseMaterialFinding.objects.count() == 1


def test_a_finding_on_a_draft_is_refused(campaigns, people):
    p = people
    draft = services.application_create(
        campaign=campaigns["sc-2026"], node_type="industry", actor=p["applicant"], now=at(3, 20)
    )
    draft = fill(draft, p["applicant"], now=at(3, 20))
    with pytest.raises(ValidationError):
        services.finding_record(application=draft, actor=p["ministry"], scope="all", facts="伪造。", evidence=pdf())
    assert not FalseMaterialFinding.objects.exists()
