"""The form as the notice lays it out (附件2 / 附件3, every field, in the PDF too), the operating-conditions
declaration, the relevant telecom licence categories, and the stamped scan checked by the form's checksum."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from organizations.models import OrganizationKind
from tests.factories import OrganizationFactory, TelecomLicenceFactory
from workflows.node_application import eligibility, form_content, services
from workflows.node_application.models import Campaign, Material, TaskKind

from .factories import FORM, applicant, at, fill, form_code, open_task, pdf

pytestmark = pytest.mark.django_db


def _text(content: bytes) -> str:
    return "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


def test_industry_form_keeps_its_applicant_unit_and_the_pdf_prints_every_field_of_annex_3(client, sichuan, people):
    user = people["applicant"]
    application = services.application_create(campaign=sichuan, node_type="industry", actor=user, now=at(3, 20))
    # 附件3's 申报单位 is the applying organisation: filled in, and offered on the form
    assert application.applicant_unit == people["tianfu_org"].name
    client.force_login(user)
    page = client.get(reverse("node_application:edit", args=[application.reference])).content.decode()
    assert 'name="applicant_unit"' in page and 'name="recommending_unit"' in page
    narratives = reverse("node_application:edit_step", args=[application.reference, "narratives"])
    assert "二、行业基础" in client.get(narratives).content.decode()
    application = fill(application, user, now=at(3, 20), joint1_name="联合单位甲", joint1_address="成都市示例路2号")

    response = client.get(reverse("node_application:form_pdf", args=[application.reference]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    assert "附件3国家算力互联互通行业节点申报表" in text
    for label, value in (
        ("申报行业", str(application.industry)),
        ("推荐单位", FORM["recommending_unit"]),
        ("申报单位", people["tianfu_org"].name),
        ("牵头单位名称", application.lead_name),
        ("牵头单位通讯地址", application.lead_address),
        ("牵头单位组织机构代码或统一社会信用代码", application.lead_uscc),
        ("联合申报单位1名称", "联合单位甲"),
        ("联合申报单位1通讯地址", "成都市示例路2号"),
        ("联系人信息", "王申报"),
        ("性别", "男"),
        ("二、行业基础", FORM["basis"]),
        ("五、保障措施", FORM["safeguard_measures"]),
        ("运营场地面积（平方米）", "1200"),
        ("其中网络和数据安全人员（人）", "6"),
        ("场地权属", "租赁"),
    ):
        assert label in text, label
        assert "".join(value.split()) in text, value
    # the seals the notice asks for, beside their rows, and the block for seal and signature
    # the 申报单位 row holds the applying organisation, with its seal (the row was blank before)
    assert "申报单位" + "".join(people["tianfu_org"].name.split()) + "（需加盖申报单位公章）" in text
    for seal in ("需加盖省政府公章", "需加盖地方工业和信息化主管部门、通信管理局公章", "需加盖申报单位公章"):
        assert seal in text, seal
    assert "申报单位（公章）" in text and "法定代表人或授权代表（签字）" in text
    # every page prints the content's checksum; generating again gives the same code
    digest = form_content.checksum(application)
    assert text.count(form_content.short_code(digest)) == len(PdfReader(io.BytesIO(response.content)).pages)
    assert digest in text
    again = client.get(reverse("node_application:form_pdf", args=[application.reference])).content
    assert form_content.short_code(digest) in _text(again)

    # another organisation's applicant gets 404
    stranger = applicant(OrganizationFactory(city_id="510100", province_id="510000"))
    client.force_login(stranger)
    assert client.get(reverse("node_application:form_pdf", args=[application.reference])).status_code == 404


def test_the_operating_conditions_declaration_is_validated_on_its_fields(client, sichuan, people):
    user = people["applicant"]
    application = services.application_create(campaign=sichuan, node_type="industry", actor=user, now=at(3, 20))
    # figures that contradict each other are refused on the field, even in a draft, and nothing is saved
    with pytest.raises(ValidationError) as refused:
        services.application_save_draft(
            application=application,
            actor=user,
            data={"facility_staff_total": 5, "facility_staff_technical": 9},
            now=at(3, 20),
        )
    assert "不能多于运营人员总数" in refused.value.message_dict["facility_staff_technical"][0]
    application.refresh_from_db()
    assert application.facility_staff_total is None

    client.force_login(user)
    url = reverse("node_application:edit_step", args=[application.reference, "units"])
    response = client.post(url, {"facility_staff_total": "5", "facility_staff_security": "7"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_facility_staff_security_error"' in page and "不能多于运营人员总数（5 人）" in page

    # on submit: every figure is asked for on its own field; a site of 0 m² is not a site
    application = fill(application, user, now=at(3, 20), facility_site_area_m2=0, facility_power_kw=None)
    errors, _missing, findings = services.submit_problems(application, on=at(3, 20).date())
    assert errors["facility_site_area_m2"] == ["须大于 0。"]
    assert errors["facility_power_kw"] == ["提交前请填写此项。"]
    assert "facilities_undeclared" in {f.code for f in findings}
    with pytest.raises(ValidationError):
        services.application_submit(application=application, actor=user, now=at(3, 20))


def test_licence_of_a_relevant_category_is_named_found_or_missing_and_institutions_are_exempt(sichuan, people):
    assert Campaign._meta.get_field("licence_categories").default == "B11,B12,B14"
    sichuan.licence_categories = "B11,B12,B14"
    sichuan.save()
    user = people["applicant"]
    org = people["tianfu_org"]
    org.telecom_licences.all().delete()
    TelecomLicenceFactory(organization=org, categories=["B21", "B25"], number="B2-2026-0001")
    application = services.application_create(campaign=sichuan, node_type="industry", actor=user, now=at(3, 20))
    findings = eligibility.check_telecom_licence(application, on=at(3, 20).date())
    assert [f.code for f in findings] == ["no_telecom_licence"]
    message = findings[0].message
    assert "B11 互联网数据中心业务、B12 内容分发网络业务、B14 互联网接入服务业务" in message
    assert "B21 在线数据处理与交易处理业务、B25 信息服务业务" in message

    TelecomLicenceFactory(organization=org, categories=["B14"], number="B1-2026-0099")
    licence = next(c for c in eligibility.itemised(application, on=at(3, 20).date()) if "电信业务经营许可" in c.label)
    assert licence.passed and "B1-2026-0099" in licence.note and "B14 互联网接入服务业务" in licence.note

    # a public institution (事业单位) needs no licence, and the finding says so
    org.telecom_licences.all().delete()
    org.kind = OrganizationKind.PUBLIC_INSTITUTION
    org.save()
    application.refresh_from_db()
    licence = next(c for c in eligibility.itemised(application, on=at(3, 20).date()) if "电信业务经营许可" in c.label)
    assert licence.passed and "事业单位" in licence.note


def test_stamped_scan_states_the_generated_forms_code_and_the_reviewer_sees_it_matches(client, sichuan, people):
    user = people["applicant"]
    application = services.application_create(campaign=sichuan, node_type="industry", actor=user, now=at(3, 20))
    application = fill(application, user, now=at(3, 20))
    code = form_code(application)
    # a scan without a readable code and none typed in is refused on the code field; so is a malformed code
    for typed, message in (("", "请填写扫描件上打印的申报表校验码"), ("12-34", "16 位十六进制")):
        with pytest.raises(ValidationError) as refused:
            services.material_upload(
                application=application,
                actor=user,
                kind="stamped_form",
                fmt="pdf",
                upload=pdf(),
                form_code=typed,
                now=at(3, 20),
            )
        assert message in refused.value.message_dict["form_code"][0]
    # the generated PDF itself (a PDF with text): the code is read from it, whatever was typed
    generated = services.application_form_pdf(application)
    scan = services.material_upload(
        application=application,
        actor=user,
        kind="stamped_form",
        fmt="pdf",
        upload=SimpleUploadedFile("盖章.pdf", generated),
        form_code="",
        now=at(3, 20),
    )
    assert (scan.stated_code, scan.code_source) == (code, "pdf_text")

    # the form changes after printing: the scan no longer fits, and submit says so
    services.application_save_draft(
        application=application, actor=user, data={"basis": "更新后的基础。"}, now=at(3, 21)
    )
    with pytest.raises(ValidationError) as refused:
        services.application_submit(application=application, actor=user, now=at(3, 21))
    assert code in " ".join(refused.value.message_dict["__all__"])
    application.refresh_from_db()
    assert application.stage == "draft" and application.form_checksum == ""

    # a scan of the new print, its code typed in (lower case, spaces): accepted, then submitted
    new_code = form_code(application)
    scan = services.material_upload(
        application=application,
        actor=user,
        kind="stamped_form",
        fmt="pdf",
        upload=pdf(),
        form_code=new_code.lower().replace("-", " "),
        now=at(3, 21),
    )
    assert (scan.stated_code, scan.code_source) == (new_code, "entered")
    assert Material.objects.filter(application=application, kind="stamped_form").count() == 1
    application = services.application_submit(application=application, actor=user, now=at(3, 21))
    assert form_content.short_code(application.form_checksum) == new_code

    # the municipal reviewer's task page: the declaration's figures, the licence found, the scan's match
    task = open_task(application, TaskKind.MUNICIPAL_REVIEW)
    client.force_login(people["chengdu"])
    page = client.get(reverse("node_application:task", args=[task.pk])).content.decode()
    assert 'data-seal="match"' in page and new_code in page and "申报单位填写" in page
    assert "1200 平方米" in page and "运营人员 35 人，其中技术 25 人、网络和数据安全 6 人" in page
    assert "B11 互联网数据中心业务" in page
    assert client.get(reverse("node_application:form_pdf", args=[application.reference])).status_code == 200
