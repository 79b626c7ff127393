"""Users read field labels and their own language, never code names or English appended to Chinese:
"申报单位：提交前请填写此项。" (not "applicant_unit: …"), "文件：文件内容不是 PDF…" (not "file: …"),
decisions as "推荐" (not "recommend"), validator messages without "(The check character does not match.)"."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from organizations.uscc import validate_uscc
from workflows.node_application import demo, services
from workflows.node_application.demo import OPEN_CAMPAIGN_SLUG
from workflows.node_application.models import Campaign, TaskKind

from .factories import at, fill, open_task

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]
RAW = re.compile(r"\b(applicant_unit|recommending_unit|contact_name|file|industry|lead_uscc)\s*:")


@pytest.fixture
def open_campaign(db):
    demo.seed()
    return Campaign.objects.get(slug=OPEN_CAMPAIGN_SLUG)


def messages_of(html: str) -> list[str]:
    return re.findall(r'<p class="message message-error">(.*?)</p>', html)


def test_submitting_an_incomplete_form_names_fields_by_their_labels(client, people, open_campaign):
    client.force_login(people["applicant"])
    application = services.application_create(campaign=open_campaign, node_type="regional", actor=people["applicant"])
    response = client.post(
        reverse("node_application:submit", args=[application.reference]), {"declaration": "on"}, follow=True
    )
    html = response.content.decode()
    errors = messages_of(html)
    assert "申报单位：提交前请填写此项。" in errors
    assert not any(RAW.search(message) for message in errors), errors
    # The form's last step, where a refused submit leads, lists what is missing by label too
    assert response.redirect_chain[-1][0].endswith("/edit/submit/")
    assert re.search(r"尚未填写完整的项目：[^<]*申报单位", html)


def test_a_refused_upload_names_the_file_field_by_its_label(client, people, open_campaign):
    client.force_login(people["applicant"])
    application = services.application_create(campaign=open_campaign, node_type="regional", actor=people["applicant"])
    exe = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/pdf")
    response = client.post(
        reverse("node_application:upload", args=[application.reference]),
        {"kind": "construction_plan", "format": "pdf", "file": exe},
        follow=True,
    )
    errors = messages_of(response.content.decode())
    assert errors and all(message.startswith("材料未上传：文件：") for message in errors), errors
    assert not any(RAW.search(message) for message in errors), errors


def test_review_decisions_are_shown_as_labels(client, sichuan, people):
    application = services.application_create(
        campaign=sichuan, node_type="industry", actor=people["applicant"], now=at(3, 20)
    )
    application = fill(application, people["applicant"], now=at(3, 20))
    application = services.application_submit(application=application, actor=people["applicant"], now=at(3, 20))
    task = open_task(application, TaskKind.MUNICIPAL_REVIEW)
    services.task_act(task=task, actor=people["chengdu"], decision="recommend", opinion="同意推荐。", now=at(3, 22))
    client.force_login(people["sc_comms"])
    html = client.get(reverse("node_application:detail", args=[application.reference])).content.decode()
    assert "<td>推荐</td>" in html
    assert not re.search(r"<td>(recommend|approve|submit|return)</td>", html)


def test_validator_messages_carry_no_english_in_chinese_and_no_chinese_in_english(client):
    code = "91510100MA6CB1234X"  # wrong check character
    with pytest.raises(ValidationError) as caught:
        validate_uscc(code)
    chinese = caught.value.messages[0]
    assert "校验码不正确" in chinese and not re.search(r"[A-Za-z]{3,}", chinese)
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            validate_uscc(code)
        english = str(caught.value.messages[0])  # lazy: read in English
    assert "check character" in english and not re.search(r"[\u4e00-\u9fff]", english)

    html = client.get("/catalog/lookup/", {"code": "CN.510000/A12"}).content.decode()
    assert "算力标识后缀应为" in html and "Wrong suffix length" not in html
    english = client.get("/en/catalog/lookup/", {"code": "CN.510000/A12"}).content.decode()
    assert "suffix" in english and "算力标识后缀应为" not in english


def test_no_message_appends_english_to_chinese_in_the_source():
    """The old style "中文。(English.)" in a translatable string: English belongs in locale/en."""
    pattern = re.compile(r'[\u4e00-\u9fff][^"\n]*[。）]\s?\((?:[A-Z][a-z]+)(?: [^")]*)?\.?\)"')
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)]
        offenders += [
            f"{path.relative_to(ROOT)}: {line.strip()}"
            for line in text.splitlines()
            if re.fullmatch(r'\s*"\([A-Z][^"]*\)"', line)
        ]
    assert offenders == []
