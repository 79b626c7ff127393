"""The ministry submission package: the form rendered as a PDF, listed in the manifest with its checksum."""

import hashlib
import io
import json
import zipfile

import pytest
from pypdf import PdfReader

from workflows.node_application import services
from workflows.node_application.models import TaskKind

from .factories import at, fill, open_task

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_package_holds_the_form_as_pdf_with_every_field_and_its_checksum(hebei, people):
    p = people
    application = services.application_create(
        campaign=hebei, node_type="regional", actor=p["applicant_hebei"], now=at(3, 1)
    )
    application = fill(
        application, p["applicant_hebei"], now=at(3, 1), applicant_unit="河北省通信管理局、河北省工业和信息化厅"
    )
    services.application_submit(application=application, actor=p["applicant_hebei"], now=at(3, 2))
    for user, dept in ((p["hb_comms"], "communications_administration"), (p["hb_industry"], "industry_it")):
        services.task_act(
            task=open_task(application, TaskKind.PROVINCIAL_REVIEW, dept),
            actor=user,
            decision="approve",
            opinion="同意",
            now=at(3, 20),
        )
    application = services.task_act(
        task=open_task(application, TaskKind.MINISTRY_SUBMISSION),
        actor=p["hb_comms"],
        decision="submit",
        opinion="联合复审同意。",
        now=at(3, 30),
    )
    with application.package.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        pdf = archive.read("application_form.pdf")
    entry = next(e for e in manifest["files"] if e["path"] == "application_form.pdf")
    assert entry["sha256"] == hashlib.sha256(pdf).hexdigest() and entry["size"] == len(pdf)
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    assert "附件2国家算力互联互通区域节点申报表" in text
    assert application.lead_name in text and application.reference in text
    # every field of the form, label and value
    for label, value in (
        ("牵头单位组织机构代码或统一社会信用代码", application.lead_uscc),
        ("申报单位", "河北省通信管理局、河北省工业和信息化厅"),
        ("申报单位联系人信息", "王申报"),
        ("姓名", "王申报"),
        ("性别", "男"),
        ("职务", "项目经理"),
        ("电话", "028-12345678"),
        ("邮箱", "contact@example.invalid"),
        ("一、政策环境", "属于“十五五”发展战略重点行业。"),
        ("二、区位基础", "已建成万卡级智算中心。"),
        ("三、建设方案", "建设服务中心、算力资源汇聚、算力选择、安全保障系统。"),
        ("四、应用推广", "面向电子信息行业推广。"),
        ("五、保障措施", "配套资金、用地、用电保障。"),
        ("建设主体", application.construction_entity.name),
        ("运营主体", application.operating_entity.name),
        ("申报区域", "河北"),
    ):
        assert label in text, label
        assert "".join(value.split()) in text, value
