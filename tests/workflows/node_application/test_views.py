"""Pages, downloads and the API: what each person sees, and 404 for everyone else."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from workflows.node_application import services
from workflows.node_application.models import Material, NodeApplication, ReviewTask, Stage, TaskKind

from .factories import at, fill, ooxml, open_task, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(sichuan, people):
    """A Chengdu industry node application in municipal review."""
    application = services.application_create(
        campaign=sichuan, node_type="industry", actor=people["applicant"], now=at(3, 20)
    )
    application = fill(application, people["applicant"], now=at(3, 20))
    return services.application_submit(application=application, actor=people["applicant"], now=at(3, 20))


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_other_city_and_province_get_404_on_application_materials_and_tasks(client, submitted, people):
    detail = reverse("node_application:detail", args=[submitted.reference])
    material = submitted.materials.filter(format="pdf").first()
    download = reverse("node_application:material", args=[submitted.reference, material.pk])
    task = open_task(submitted, TaskKind.MUNICIPAL_REVIEW)
    task_url = reverse("node_application:task", args=[task.pk])
    for outsider in (people["mianyang"], people["hb_comms"], people["applicant_mianyang"], people["ministry"]):
        assert get(client, outsider, detail).status_code == 404
        assert get(client, outsider, download).status_code == 404
        assert get(client, outsider, task_url).status_code == 404
        assert get(client, outsider, reverse("node_application:trail", args=[submitted.reference])).status_code == 404
    response = get(client, people["mianyang"], reverse("node_application:inbox"))
    assert submitted.reference not in response.content.decode()
    # A Mianyang reviewer posting a decision changes nothing.
    client.force_login(people["mianyang"])
    assert client.post(task_url, {"decision": "recommend", "opinion": "x"}).status_code == 404
    task.refresh_from_db()
    assert task.status == "open"

    for insider in (people["chengdu"], people["chengdu_comms"], people["sc_comms"], people["applicant"]):
        assert get(client, insider, detail).status_code == 200
        response = get(client, insider, download)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert submitted.reference in get(client, people["chengdu"], reverse("node_application:inbox")).content.decode()


def test_materials_are_never_under_a_public_url(client, submitted):
    from django.core.files.storage import storages

    material = submitted.materials.filter(format="pdf").first()
    assert material.file.storage is not storages["default"]
    # Nothing serves the private files by path: not /media/, not the name itself.
    assert client.get(f"/media/{material.file.name}").status_code == 404
    assert client.get(f"/{material.file.name}").status_code == 404


def test_reviewer_decides_through_the_task_page(client, submitted, people):
    task = open_task(submitted, TaskKind.MUNICIPAL_REVIEW)
    client.force_login(people["chengdu"])
    url = reverse("node_application:task", args=[task.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"decision": "return", "opinion": ""})
    assert response.status_code == 200 and "请填写意见" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.stage == Stage.MUNICIPAL_REVIEW
    # Outside the municipal window the decision is refused and nothing changes (now is after 25 March 2026).
    response = client.post(url, {"decision": "recommend", "opinion": "推荐", "confirmed": "yes"})
    assert "逾期不再受理" in response.content.decode()
    task.refresh_from_db()
    assert task.status == "open"


def test_applicant_status_page_shows_applicant_names_and_visible_opinions(client, submitted, people):
    services.task_act(
        task=open_task(submitted, TaskKind.MUNICIPAL_REVIEW),
        actor=people["chengdu"],
        decision="return",
        opinion="请补充资金证明。",
        now=at(3, 22),
    )
    response = get(client, people["applicant"], reverse("node_application:detail", args=[submitted.reference]))
    body = response.content.decode()
    assert "需要修改后重新提交" in body and "请补充资金证明。" in body and "请按退回意见修改" in body


def test_api_lists_only_my_applications(client, submitted, people, sichuan):
    other = services.application_create(
        campaign=sichuan, node_type="industry", actor=people["applicant_mianyang"], now=at(3, 20)
    )
    client.force_login(people["applicant"])
    response = client.get("/api/v1/applications/")
    assert response.status_code == 200
    assert [row["reference"] for row in response.json()["results"]] == [submitted.reference]
    detail = client.get(f"/api/v1/applications/{submitted.reference}/").json()
    assert detail["stage"] == "municipal_review" and detail["current_step"] == "市级初审推荐中"
    assert [e["stage"] for e in detail["timeline"] if e["stage"]] == ["draft", "municipal_review"]
    assert client.get(f"/api/v1/applications/{other.reference}/").status_code == 404
    client.force_login(people["chengdu"])
    assert client.get("/api/v1/applications/").json()["results"] == []
    client.logout()
    assert client.get("/api/v1/applications/").status_code == 403


def test_upload_through_the_page_refuses_a_renamed_executable(client, sichuan, people):
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    application = services.application_create(
        campaign=sichuan, node_type="industry", actor=people["applicant"], now=at(3, 20)
    )
    sichuan.materials_deadline = timezone.now() + datetime.timedelta(days=1)
    sichuan.save()
    client.force_login(people["applicant"])
    exe = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/pdf")
    response = client.post(
        reverse("node_application:upload", args=[application.reference]),
        {"kind": "construction_plan", "format": "pdf", "file": exe},
        follow=True,
    )
    assert "不是 PDF" in response.content.decode()
    assert not Material.objects.exists()


def test_other_applicant_cannot_edit_or_upload(client, submitted, people):
    client.force_login(people["applicant_mianyang"])
    assert client.get(reverse("node_application:edit", args=[submitted.reference])).status_code == 404
    response = client.post(
        reverse("node_application:upload", args=[submitted.reference]),
        {"kind": "track_record", "format": "pdf", "file": pdf()},
    )
    assert response.status_code == 404
    assert client.post(reverse("node_application:submit", args=[submitted.reference])).status_code == 404


def test_edit_page_shows_findings_and_saves_with_field_errors(client, sichuan, people, settings):
    import datetime

    from django.utils import timezone

    application = services.application_create(
        campaign=sichuan, node_type="industry", actor=people["applicant"], now=at(3, 20)
    )
    # Move the campaign's deadline into the future for this page test.
    sichuan.materials_deadline = timezone.now() + datetime.timedelta(days=1)
    sichuan.save()
    client.force_login(people["applicant"])
    step = lambda name: reverse("node_application:edit_step", args=[application.reference, name])  # noqa: E731
    response = client.get(step("materials"))
    assert response.status_code == 200 and "缺少申报材料" in response.content.decode()
    response = client.post(step("contacts"), {"contact_email": "not-an-email", "contact_name": "新联系人"})
    page = response.content.decode()
    assert response.status_code == 200
    field = re.search(r'<input[^>]*name="contact_email"[^>]*>', page).group(0)
    assert "is-invalid" in field and 'aria-invalid="true"' in field  # the error beside its field
    application.refresh_from_db()
    assert application.contact_name != "新联系人"  # nothing saved with a bad field
    response = client.post(step("narratives"), {"basis": "新内容", "go": "next"})
    assert response.status_code == 302 and response["Location"] == step("materials")
    application.refresh_from_db()
    assert application.basis == "新内容"
    upload = client.post(
        reverse("node_application:upload", args=[application.reference]),
        {"kind": "construction_plan", "format": "editable", "file": ooxml()},
    )
    assert upload.status_code == 302 and Material.objects.filter(application=application).count() == 1


def test_pages_have_a_bounded_number_of_queries(client, sichuan, people):
    apps = []
    for n in range(4):
        a = services.application_create(
            campaign=sichuan, node_type="industry", actor=people["applicant"], now=at(3, 20)
        )
        a = fill(a, people["applicant"], now=at(3, 20), industry=str(391 + n))
        apps.append(services.application_submit(application=a, actor=people["applicant"], now=at(3, 20)))
    counts = {}
    for label, user, url in (
        ("inbox", people["chengdu"], reverse("node_application:inbox")),
        ("detail", people["chengdu"], reverse("node_application:detail", args=[apps[0].reference])),
        ("status", people["applicant"], reverse("node_application:detail", args=[apps[0].reference])),
        ("list", people["applicant"], reverse("node_application:list")),
    ):
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts[label] = len(ctx.captured_queries)
    assert max(counts.values()) <= 25, counts
    # Adding applications does not add queries to the inbox (no N+1).
    a = services.application_create(campaign=sichuan, node_type="industry", actor=people["applicant"], now=at(3, 20))
    a = fill(a, people["applicant"], now=at(3, 20), industry="399")
    services.application_submit(application=a, actor=people["applicant"], now=at(3, 20))
    client.force_login(people["chengdu"])
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("node_application:inbox"))
    assert len(ctx.captured_queries) == counts["inbox"]


def test_batch_recommend_page_only_takes_my_tasks(client, submitted, people):
    task = open_task(submitted, TaskKind.MUNICIPAL_REVIEW)
    client.force_login(people["mianyang"])
    assert (
        client.post(reverse("node_application:batch_recommend"), {"task": [task.pk], "opinion": "推荐"}).status_code
        == 404
    )
    assert ReviewTask.objects.get(pk=task.pk).status == "open"
    assert NodeApplication.objects.get(pk=submitted.pk).stage == Stage.MUNICIPAL_REVIEW


def test_hebei_city_bureau_is_not_on_the_route_and_gets_404(client, hebei, people):
    from .factories import authority, reviewer

    shijiazhuang = reviewer(
        "municipal_reviewer", authority("石家庄市工业和信息化局", "city", "municipal_economy_it", "130100")
    )
    application = services.application_create(
        campaign=hebei, node_type="industry", actor=people["applicant_hebei"], now=at(3, 1)
    )
    application = fill(application, people["applicant_hebei"], now=at(3, 1))
    services.application_request_name_prereview(application=application, actor=people["applicant_hebei"], now=at(3, 2))
    services.task_act(
        task=open_task(application, TaskKind.NAME_PREREVIEW),
        actor=people["hb_industry"],
        decision="approve",
        opinion="同意",
        now=at(3, 3),
    )
    services.application_submit(application=application, actor=people["applicant_hebei"], now=at(3, 4))
    detail = reverse("node_application:detail", args=[application.reference])
    assert get(client, shijiazhuang, detail).status_code == 404
    assert get(client, people["hb_industry"], detail).status_code == 200


def test_reviewer_sees_the_one_industry_node_warning_and_applicant_sees_notifications(client, sichuan, people):
    first = services.application_create(
        campaign=sichuan, node_type="industry", actor=people["applicant"], now=at(3, 20)
    )
    first = services.application_submit(
        application=fill(first, people["applicant"], now=at(3, 20)), actor=people["applicant"], now=at(3, 20)
    )
    second = services.application_create(
        campaign=sichuan, node_type="industry", actor=people["applicant_mianyang"], now=at(3, 20)
    )
    second = services.application_submit(
        application=fill(second, people["applicant_mianyang"], now=at(3, 20)),
        actor=people["applicant_mianyang"],
        now=at(3, 20),
    )
    body = get(client, people["mianyang"], reverse("node_application:detail", args=[second.reference])).content.decode()
    assert "原则上可申报1个行业节点" in body
    body = get(client, people["applicant"], reverse("node_application:list")).content.decode()
    assert first.reference in body and "市级初审推荐中" in body and second.reference not in body


def test_trail_export_package_download_and_withdraw(client, hebei, people):
    p = people
    application = services.application_create(
        campaign=hebei, node_type="regional", actor=p["applicant_hebei"], now=at(3, 1)
    )
    application = fill(application, p["applicant_hebei"], now=at(3, 1))
    services.application_submit(application=application, actor=p["applicant_hebei"], now=at(3, 2))
    for user, dept in ((p["hb_comms"], "communications_administration"), (p["hb_industry"], "industry_it")):
        services.task_act(
            task=open_task(application, TaskKind.PROVINCIAL_REVIEW, dept),
            actor=user,
            decision="approve",
            opinion=f"{dept} 同意",
            now=at(3, 20),
        )
    services.task_act(
        task=open_task(application, TaskKind.MINISTRY_SUBMISSION),
        actor=p["hb_comms"],
        decision="submit",
        opinion="联合复审意见",
        now=at(3, 30),
    )
    package = reverse("node_application:package", args=[application.reference])
    response = get(client, p["ministry"], package)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"PK")
    assert get(client, p["sc_comms"], package).status_code == 404
    csv_body = get(client, p["hb_comms"], reverse("node_application:trail", args=[application.reference]))
    text = csv_body.content.decode("utf-8-sig")
    assert "communications_administration 同意" in text and "联合复审意见" in text
    # The applicant cannot withdraw once the ministry has it.
    client.force_login(p["applicant_hebei"])
    client.post(reverse("node_application:withdraw", args=[application.reference]), {"reason": "不再申报"})
    application.refresh_from_db()
    assert application.stage == Stage.EXPERT_REVIEW


def test_applicant_withdraws_a_draft(client, sichuan, people):
    application = services.application_create(
        campaign=sichuan, node_type="industry", actor=people["applicant"], now=at(3, 20)
    )
    url = reverse("node_application:withdraw", args=[application.reference])
    client.force_login(people["applicant_mianyang"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x"}).status_code == 404
    client.force_login(people["applicant"])
    # The confirmation step says what will happen; without a reason nothing changes.
    page = client.get(url).content.decode()
    assert "撤回后不能恢复" in page and 'name="reason"' in page
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200 and "请填写撤回原因" in response.content.decode()
    application.refresh_from_db()
    assert application.stage == Stage.DRAFT
    assert client.post(url, {"reason": "项目调整，本年度不再申报。"}).status_code == 302
    application.refresh_from_db()
    assert application.stage == Stage.WITHDRAWN
    # The reason is kept in the trail and shown on the status page.
    assert application.events.get(action="withdraw").opinion == "项目调整，本年度不再申报。"
    detail = client.get(reverse("node_application:detail", args=[application.reference])).content.decode()
    assert "项目调整，本年度不再申报。" in detail
