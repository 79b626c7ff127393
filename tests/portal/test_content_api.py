"""The content API (/api/v1/content/): notices, policies and guides for other front ends, and nothing more
than a visitor of the site may see."""

import datetime

import pytest
from django.core.files.base import ContentFile
from wagtail.documents.models import Document
from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

from portal.models import NoticeAttachment
from tests.factories import AuthorityFactory
from tests.portal.factories import notice_create, policy_create, sections

pytestmark = pytest.mark.django_db
PAGES = "/api/v1/content/pages/"
DOCUMENTS = "/api/v1/content/documents/"


@pytest.fixture
def hebei(db):
    return AuthorityFactory(
        name="河北省通信管理局", level="province", department="communications_administration", division_id="130000"
    )


def _titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["items"]]


def _private_document(title: str) -> Document:
    root = Collection.get_first_root_node()
    private = root.add_child(name="内部文件")
    CollectionViewRestriction.objects.create(collection=private, restriction_type=CollectionViewRestriction.LOGIN)
    document = Document(title=title, collection=private)
    document.file.save("internal.txt", ContentFile(b"internal"), save=False)
    document.save()
    return document


def test_notices_with_document_number_authorities_dates_and_attachments(client, hebei, media_on_disk):
    notice_index, _policies = sections()
    notice = notice_create(
        notice_index,
        title="关于组织申报2026年算力互联互通节点的通知",
        document_number="冀通信联〔2026〕4号",
        authorities=[hebei],
        summary="部署本省申报工作。",
        attachment="附件2 区域节点申报书",
    )
    fields = "document_number,issued_on,issuing_authorities,disclosure,attachments,summary"
    response = client.get(PAGES, {"type": "portal.NoticePage", "fields": fields})
    [item] = response.json()["items"]
    assert item["title"] == notice.title and item["meta"]["type"] == "portal.NoticePage"
    assert item["meta"]["locale"] == "zh-hans"
    assert item["document_number"] == "冀通信联〔2026〕4号" and item["issued_on"] == "2026-02-26"
    assert item["issuing_authorities"] == [{"id": hebei.pk, "name": "河北省通信管理局", "level": "province",
                                            "division": "130000"}]  # fmt: skip
    assert item["disclosure"]["value"] == "public" and item["disclosure"]["label"]["zh"] == "主动公开"
    assert [a["label"] for a in item["attachments"]] == ["附件2 区域节点申报书"]
    detail = client.get(f"{PAGES}{notice.pk}/").json()
    assert detail["document_number"] == "冀通信联〔2026〕4号" and detail["summary"] == "部署本省申报工作。"
    download = detail["attachments"][0]["document"]["download_url"]
    assert client.get(download).status_code == 200


def test_filters_by_authority_year_type_and_locale(client, hebei, ministry):
    notice_index, policy_index = sections()
    notice_create(notice_index, title="河北通知", authorities=[hebei])
    notice_create(notice_index, title="部通知2025", issued_on=datetime.date(2025, 6, 1), authorities=[ministry])
    policy_create(policy_index, title="政策2025", category="standard")
    by_year = _titles(client.get(PAGES, {"year": 2025, "order": "title"}))
    assert by_year == ["政策2025", "部通知2025"] or sorted(by_year) == sorted(["政策2025", "部通知2025"])
    assert _titles(client.get(PAGES, {"authority": hebei.pk})) == ["河北通知"]
    policies = client.get(PAGES, {"type": "portal.PolicyPage", "fields": "category"}).json()["items"]
    assert [p["category"]["value"] for p in policies] == ["standard"]
    assert "河北通知" in _titles(client.get(PAGES, {"locale": "zh-hans", "limit": 20}))
    assert _titles(client.get(PAGES, {"locale": "en"})) == []  # no English translations published yet
    assert client.get(PAGES, {"year": "二〇二五"}).status_code == 400
    assert client.get(PAGES, {"locale": "fr"}).status_code == 400


def test_draft_private_and_moderated_content_stays_hidden(client, hebei):
    notice_index, _policies = sections()
    draft = notice_create(notice_index, title="未发布的草稿通知", authorities=[hebei], publish=False)
    restricted = notice_create(notice_index, title="仅登录可见的通知", authorities=[hebei])
    PageViewRestriction.objects.create(page=restricted, restriction_type=PageViewRestriction.LOGIN)
    live = notice_create(notice_index, title="已发布的通知", authorities=[hebei])
    live.title = "修改中、待审核的标题"
    live.save_revision()  # a newer draft revision (e.g. in moderation) must not show

    titles = _titles(client.get(PAGES, {"type": "portal.NoticePage", "limit": 20}))
    assert titles == ["已发布的通知"]
    assert client.get(f"{PAGES}{draft.pk}/").status_code == 404
    assert client.get(f"{PAGES}{restricted.pk}/").status_code == 404
    assert client.get(f"{PAGES}find/", {"html_path": draft.url_path[len("/home") :]}).status_code in (404, 400)
    detail = client.get(f"{PAGES}{live.pk}/", {"fields": "*"})
    assert detail.json()["title"] == "已发布的通知"
    body = detail.content.decode()
    assert "修改中" not in body and "workflow" not in body and "has_unpublished_changes" not in body


def test_non_public_document_is_not_reachable(client, hebei):
    notice_index, _policies = sections()
    notice = notice_create(notice_index, title="附件有内部文件的通知", authorities=[hebei], attachment="公开附件")
    private = _private_document("内部文件：不公开")
    notice.attachments.add(NoticeAttachment(document=private, label="内部附件"))
    notice.save_revision().publish()

    listed = client.get(DOCUMENTS, {"limit": 20}).json()["items"]
    assert [item["title"] for item in listed] == ["公开附件"]
    assert client.get(f"{DOCUMENTS}{private.pk}/").status_code == 404
    assert client.get(f"{DOCUMENTS}find/", {"id": private.pk}).status_code == 404
    attachments = client.get(f"{PAGES}{notice.pk}/").json()["attachments"]
    assert [a["label"] for a in attachments] == ["公开附件"]
    assert client.get(private.url).status_code in (302, 403)  # the site itself refuses it too


def test_pages_are_cached_for_anonymous_readers_until_wagtail_publishes(
    client, hebei, page_cache, django_capture_on_commit_callbacks
):
    notice_index, _policies = sections()
    notice_create(notice_index, title="第一份通知", authorities=[hebei])
    first = client.get(PAGES, {"type": "portal.NoticePage"})
    again = client.get(PAGES, {"type": "portal.NoticePage"})
    assert again.headers.get("X-Portal-Cache") == "hit" and again.content == first.content
    with django_capture_on_commit_callbacks(execute=True):
        notice_create(notice_index, title="第二份通知", authorities=[hebei])  # publishing drops the entries
    assert sorted(_titles(client.get(PAGES, {"type": "portal.NoticePage"}))) == ["第一份通知", "第二份通知"]


def test_content_endpoints_are_in_the_one_schema(client):
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    for path in ("/api/v1/content/pages/", "/api/v1/content/pages/{id}/", "/api/v1/content/documents/",
                 "/api/v1/content/images/{id}/", "/api/v1/divisions/"):  # fmt: skip
        assert path in paths
    parameters = {p["name"] for p in paths["/api/v1/content/pages/"]["get"]["parameters"]}
    assert {"type", "year", "authority", "locale", "limit", "offset"} <= parameters


def test_bad_ids_and_unknown_api_paths_are_json_client_errors(client):
    # found by the schema fuzzing (test_api_fuzz.py): Wagtail's find view answered 500 to ?id=abc
    response = client.get(f"{DOCUMENTS}find/", {"id": "abc"})
    assert response.status_code == 400 and "id" in response.json()["message"]
    assert response.json()["detail"].startswith("参数有误")
    assert client.get(f"{PAGES}999999/").json()["detail"] == "没有这个公开的内容。"
    assert client.get(f"{PAGES}find/", {"id": "9" * 30}).status_code == 400
    missing = client.get("/api/v1/content/documents/null/")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
