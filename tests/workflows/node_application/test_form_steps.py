"""The stepped application form: one step per page, each saved as a draft, a step nav that says what is complete
and names what is missing, the submit button on the last step only, the industry picker, the 建设主体/运营主体
choices limited to the applicant and its units, and inline uploads with replace and delete."""

import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from organizations.models import IndustryCategory
from tests.factories import OrganizationFactory
from workflows.node_application import services
from workflows.node_application.models import ApplicationEvent, Material
from workflows.node_application.templatetags.application_format import file_size

from .factories import FORM, at, fill, pdf

pytestmark = pytest.mark.django_db
NOW = at(3, 20, 12)


@pytest.fixture
def draft(sichuan, people):
    with time_machine.travel(NOW, tick=False):
        yield services.application_create(campaign=sichuan, node_type="industry", actor=people["applicant"], now=NOW)


def step(application, name: str) -> str:
    return reverse("node_application:edit_step", args=[application.reference, name])


def test_one_step_per_page_with_a_nav_named_missing_fields_and_submit_on_the_last_step_only(client, draft, people):
    client.force_login(people["applicant"])
    with time_machine.travel(NOW, tick=False):
        first = client.get(reverse("node_application:edit", args=[draft.reference])).content.decode()
        # step 1 of 6: its own fields only, the required ones marked, what is missing named (not counted)
        assert "第 1 步（共 6 步）：基本信息" in first
        assert (
            'name="recommending_unit"' in first and 'name="contact_email"' not in first and 'name="basis"' not in first
        )
        assert re.search(r'class="mb-3 is-required[^"]*"[^>]*>\s*<label[^>]*for="id_industry"', first)
        assert "尚未填写完整的项目：" in first and '<a href="#id_industry">' in first and "推荐单位</a>" in first
        nav = first.split('aria-label="申报表填写步骤"', 1)[1].split("</nav>", 1)[0]
        assert nav.count("<li") == 6 and 'aria-current="step"' in nav and "基本信息" in nav and "声明与提交" in nav
        for name in ("basic", "units", "contacts", "narratives", "materials"):
            assert "确认提交" not in client.get(step(draft, name)).content.decode(), name
        last = client.get(step(draft, "submit")).content.decode()
        assert "确认提交" in last and "本单位承诺" in last and "提交前自查" in last
        assert "尚未填写完整的项目：申报行业（工业行业中类）、推荐单位" in last  # named, step by step
        assert client.get(step(draft, "nonsense")).status_code == 404

        # a step is saved as a draft and leads to the next; the nav then marks it complete
        response = client.post(step(draft, "contacts"), {**_contacts(), "go": "next"})
        assert response.status_code == 302 and response["Location"] == step(draft, "narratives")
        draft.refresh_from_db()
        assert draft.contact_title == "项目经理" and draft.contact_gender == "male"
        assert ApplicationEvent.objects.filter(application=draft, action="save_draft").exists()
        page = client.get(step(draft, "narratives")).content.decode()
        assert re.search(r'form-steps-item is-complete">\s*<a href="[^"]*/edit/contacts/"', page)
        # "previous" saves and goes back; "stay" saves and returns to the form
        back = client.post(step(draft, "narratives"), {"basis": "已建成万卡级智算中心。", "go": "previous"})
        assert back["Location"] == step(draft, "contacts")
        stay = client.post(step(draft, "narratives"), {"basis": "已建成万卡级智算中心。", "go": "stay"})
        assert stay["Location"] == step(draft, "narratives") + "#step-form"


def _contacts() -> dict:
    return {k: FORM[k] for k in ("contact_name", "contact_gender", "contact_title", "contact_phone", "contact_email")}


def test_industry_picker_is_grouped_without_javascript_and_vendored_for_type_to_filter(client, draft, people):
    client.force_login(people["applicant"])
    with time_machine.travel(NOW, tick=False):
        page = client.get(step(draft, "basic")).content.decode()
    select = re.search(r'<select name="industry".*?</select>', page, re.S).group(0)
    assert 'data-picker="industry"' in select
    assert select.count("<option value=") - 1 == IndustryCategory.objects.count() >= 200  # and the blank one
    assert '<optgroup label="39 计算机、通信和其他电子设备制造业">' in select and "391 计算机制造" in select
    assert "vendor/tom-select/tom-select.complete.min.js" in page and "js/industry-picker.js" in page
    vendor = Path(settings.BASE_DIR) / "frontend/static/vendor/tom-select"
    assert (vendor / "LICENSE").exists() and "Apache" in (vendor / "LICENSE").read_text()
    assert "cdn" not in page.lower().split("<body", 1)[0]  # served from the project


def test_entities_are_the_applicant_and_its_units_by_uscc_never_another_company(client, draft, people):
    stranger = OrganizationFactory(name="别家算力股份有限公司")
    partner = OrganizationFactory(name="联合伙伴科技有限公司")
    client.force_login(people["applicant"])
    units = {
        "lead_name": draft.lead_name,
        "lead_address": draft.lead_address,
        "lead_uscc": draft.lead_uscc,
        "construction_entity": people["tianfu_org"].pk,
        "operating_entity": people["tianfu_org"].pk,
    }
    with time_machine.travel(NOW, tick=False):
        page = client.get(step(draft, "units")).content.decode()
        entity = re.search(r'<select name="construction_entity".*?</select>', page, re.S).group(0)
        assert people["tianfu_org"].name in entity
        assert stranger.name not in entity and partner.name not in entity and people["mianyang_org"].name not in entity

        # another company's organisation posted anyway: refused on its field, nothing saved
        response = client.post(step(draft, "units"), {**units, "operating_entity": stranger.pk})
        assert response.status_code == 200
        page = response.content.decode()
        error = page.split('name="operating_entity"', 1)[1].split("</select>", 1)[1][:600]
        assert "只能选择本单位，或本申报表填写的牵头单位、联合申报单位" in error
        draft.refresh_from_db()
        assert draft.operating_entity_id == people["tianfu_org"].pk

        # a joint applicant entered by its USCC on the same page may be chosen
        joint = {"joint1_name": partner.name, "joint1_address": "成都市示例路2号", "joint1_uscc": partner.uscc}
        response = client.post(step(draft, "units"), {**units, **joint, "operating_entity": partner.pk})
        assert response.status_code == 302
        draft.refresh_from_db()
        assert draft.operating_entity_id == partner.pk
        assert partner.name in client.get(step(draft, "units")).content.decode()

        # the service refuses it as well (field by field), whatever page posts it
        with pytest.raises(ValidationError) as refused:
            services.application_save_draft(
                application=draft, actor=people["applicant"], data={"construction_entity": stranger}, now=NOW
            )
        assert "construction_entity" in refused.value.message_dict
        # a unit's USCC changed away: the entity it named is no longer allowed
        with pytest.raises(ValidationError) as refused:
            services.application_save_draft(
                application=draft, actor=people["applicant"], data={"joint1_uscc": stranger.uscc}, now=NOW
            )
        assert "operating_entity" in refused.value.message_dict


def test_inline_upload_replace_and_delete_return_to_the_materials_step(
    client, draft, people, django_capture_on_commit_callbacks
):
    client.force_login(people["applicant"])
    upload = reverse("node_application:upload", args=[draft.reference])
    with time_machine.travel(NOW, tick=False):
        page = client.get(step(draft, "materials")).content.decode()
        assert 'id="m-construction_plan-pdf"' in page and "尚未上传" in page
        response = client.post(upload, {"kind": "construction_plan", "format": "pdf", "file": pdf("方案.pdf")})
        assert response.status_code == 302
        assert response["Location"] == step(draft, "materials") + "#m-construction_plan-pdf"
        first = Material.objects.get(application=draft, kind="construction_plan")
        old_name = first.file.name
        page = client.get(step(draft, "materials")).content.decode()
        assert "方案.pdf" in page and "0.1 KB" in page and "字节" not in page and "替换" in page and "删除…" in page

        # replace: still one material, the new file, the old one removed after commit
        with django_capture_on_commit_callbacks(execute=True):
            client.post(upload, {"kind": "construction_plan", "format": "pdf", "file": pdf("方案-修订.pdf")})
        material = Material.objects.get(application=draft, kind="construction_plan")
        assert material.original_name == "方案-修订.pdf" and material.pk == first.pk
        assert not first.file.storage.exists(old_name) and material.file.storage.exists(material.file.name)

        # a bad file: the error beside that material's file input, on the materials step
        bad = client.post(upload, {"kind": "construction_plan", "format": "pdf", "file": pdf("x.pdf", b"MZ" * 40)})
        page = bad.content.decode()
        assert bad.status_code == 200 and "第 5 步（共 6 步）：申报材料" in page
        slot = page.split('id="m-construction_plan-pdf"', 1)[1].split("</form>", 1)[0]
        assert "is-invalid" in slot and 'id="err-m-construction_plan-pdf"' in slot and "不是 PDF" in slot

        # someone else cannot delete it (404), and it stays
        delete = reverse("node_application:material_delete", args=[draft.reference, material.pk])
        client.force_login(people["applicant_mianyang"])
        assert client.post(delete).status_code == 404
        client.force_login(people["applicant"])
        assert client.get(delete).status_code == 405  # deleting is a POST (the page asks to confirm first)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(delete)
        assert response.status_code == 302 and response["Location"] == step(draft, "materials") + "#materials"
        assert not Material.objects.filter(pk=material.pk).exists()
        assert not material.file.storage.exists(material.file.name)
        event = ApplicationEvent.objects.filter(application=draft, action="delete_material").get()
        assert event.actor == people["applicant"] and "方案-修订.pdf" in event.opinion  # audited


def test_no_delete_after_submission_and_none_of_another_applications_file(client, sichuan, people):
    user = people["applicant"]
    with time_machine.travel(NOW, tick=False):
        application = services.application_create(campaign=sichuan, node_type="industry", actor=user, now=NOW)
        application = fill(application, user, now=NOW)
        services.application_submit(application=application, actor=user, now=NOW)
        other = services.application_create(campaign=sichuan, node_type="regional", actor=user, now=NOW)
        material = application.materials.first()
        client.force_login(user)
        # the submitted application's file through another application's URL: not found
        assert (
            client.post(reverse("node_application:material_delete", args=[other.reference, material.pk])).status_code
            == 404
        )
        response = client.post(
            reverse("node_application:material_delete", args=[application.reference, material.pk]), follow=True
        )
        assert "当前环节不能修改申报" in response.content.decode()
    assert Material.objects.filter(pk=material.pk).exists()
    with pytest.raises(ValidationError):
        services.material_delete(application=application, material=material, actor=user, now=NOW)


def test_file_sizes_read_the_same_everywhere():
    assert [file_size(n) for n in (604, 1331, 1363149, 20 * 1024 * 1024)] == ["0.6 KB", "1.3 KB", "1.3 MB", "20.0 MB"]
