"""通知公告 and 政策文件 pages: what visitors see, listing filters, pagination, feeds, page-type rules."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError

from portal.models import HomePage, NoticeIndexPage, NoticePage, PolicyIndexPage, PolicyPage
from tests.factories import AuthorityFactory
from tests.portal.factories import notice_create, policy_create, sections

pytestmark = pytest.mark.django_db


@pytest.fixture
def hebei(db):
    return (
        AuthorityFactory(
            name="河北省通信管理局", level="province", department="communications_administration", division_id="130000"
        ),
        AuthorityFactory(name="河北省工业和信息化厅", level="province", department="industry_it", division_id="130000"),
    )


def test_notice_page_shows_the_document_facts_body_and_attachment(client, hebei, media_on_disk):
    notice_index, _policies = sections()
    notice = notice_create(
        notice_index,
        title="关于转发节点建设工作通知的通知",
        document_number="冀通信联〔2026〕4号",
        authorities=hebei,
        summary="部署本省申报工作。",
        body=[
            ("heading", {"text": "申报条件", "level": "h2"}),
            ("paragraph", "<p>建设主体注册资金不低于5000万元。</p>"),
            ("key_dates", [{"date": datetime.date(2026, 3, 17), "label": "申报材料报送截止"}]),
            ("contacts", [{"unit": "河北省通信管理局", "person": "李兆洋", "phone": "0311-86699228", "address": ""}]),
        ],
        attachment="国家算力互联互通节点建设方案",
    )
    response = client.get(notice.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>关于转发节点建设工作通知的通知</h1>" in html
    assert "冀通信联〔2026〕4号" in html
    assert "河北省通信管理局 河北省工业和信息化厅" in html  # the issuing authorities
    assert "主动公开" in html and "2026-02-26" in html
    assert "<h2>申报条件</h2>" in html and "不低于5000万元" in html
    assert '<time datetime="2026-03-17">' in html and "0311-86699228" in html
    document = notice.attachments.get().document
    assert f'href="{document.url}"' in html and "国家算力互联互通节点建设方案" in html
    download = client.get(document.url)
    assert download.status_code == 200 and b"".join(download.streaming_content).decode() == "附件内容"


def test_document_number_is_checked_on_its_field(hebei):
    notice_index, _policies = sections()
    notice = NoticePage(title="t", slug="t", issued_on=datetime.date(2026, 1, 1), document_number="冀通信联2026第4号")
    with pytest.raises(ValidationError) as error:
        notice.full_clean()
    assert "document_number" in error.value.message_dict
    notice.document_number = "冀通信联[2026]4号"
    notice_index.add_child(instance=notice)  # add_child runs full_clean; square brackets are normalised
    assert NoticePage.objects.get(pk=notice.pk).document_number == "冀通信联〔2026〕4号"


def test_listing_filters_by_year_and_authority_and_paginates(client, hebei, ministry):
    notice_index, _policies = sections()
    comms, industry = hebei
    for day in range(1, 13):
        notice_create(
            notice_index, title=f"二〇二六年通知{day}", issued_on=datetime.date(2026, 3, day), authorities=[comms]
        )
    notice_create(notice_index, title="二〇二五年部通知", issued_on=datetime.date(2025, 6, 1), authorities=[ministry])
    notice_create(notice_index, title="未发布的草稿", authorities=[comms], publish=False)

    first = client.get(notice_index.url).content.decode()
    assert first.count('class="doc-meta"') == 10
    assert "二〇二六年通知12" in first and "二〇二五年部通知" not in first and "未发布的草稿" not in first
    assert 'href="?page=2"' in first
    second = client.get(notice_index.url + "?page=2").content.decode()
    assert second.count('class="doc-meta"') == 3 and "二〇二五年部通知" in second
    # the year filter offers the years that have notices, the authority filter the authorities that issued them
    assert '<option value="2025">2025</option>' in first and f'<option value="{comms.pk}">' in first
    assert f'<option value="{industry.pk}">' not in first

    by_year = client.get(notice_index.url, {"year": 2025}).content.decode()
    assert by_year.count('class="doc-meta"') == 1 and "二〇二五年部通知" in by_year
    by_authority = client.get(notice_index.url, {"authority": comms.pk, "page": 2}).content.decode()
    assert by_authority.count('class="doc-meta"') == 2 and "二〇二五年部通知" not in by_authority
    assert f'href="?authority={comms.pk}&amp;page=1"' in by_authority  # paging keeps the filter

    bad = client.get(notice_index.url, {"year": "abc", "authority": 999999})
    assert bad.status_code == 200
    html = bad.content.decode()
    assert html.count('class="error"') == 2  # each bad value reported on its own field ...
    assert html.count('class="doc-meta"') == 10  # ... and not applied
    assert client.get(notice_index.url, {"page": "999"}).status_code == 200


def test_unpublished_notice_is_not_served(client, hebei):
    notice_index, _policies = sections()
    draft = notice_create(notice_index, title="草稿通知", authorities=hebei[:1], publish=False)
    assert client.get(notice_index.url + draft.slug + "/").status_code == 404


def test_rss_and_atom_feeds_list_published_notices(client, hebei):
    notice_index, _policies = sections()
    notice_create(
        notice_index, title="较早的通知", issued_on=datetime.date(2026, 1, 5), authorities=hebei, document_number=""
    )
    latest = notice_create(
        notice_index, title="最新的通知", issued_on=datetime.date(2026, 3, 1), document_number="冀通信联〔2026〕4号"
    )
    notice_create(notice_index, title="未发布的通知", publish=False)

    rss = client.get(notice_index.url + "feed/rss/")
    assert rss.status_code == 200 and rss["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(rss.content).find("channel")
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["最新的通知", "较早的通知"]
    assert items[0].findtext("link") == "http://testserver" + latest.url
    assert "冀通信联〔2026〕4号" in items[0].findtext("description")
    assert [c.text for c in items[1].findall("category")] == ["河北省通信管理局", "河北省工业和信息化厅"]

    atom = client.get(notice_index.url + "feed/atom/")
    assert atom.status_code == 200 and atom["Content-Type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = ET.fromstring(atom.content).findall("a:entry", ns)
    assert [entry.findtext("a:title", namespaces=ns) for entry in entries] == ["最新的通知", "较早的通知"]
    assert entries[0].find("a:link", ns).get("href") == "http://testserver" + latest.url


def test_policy_section_groups_policies_by_category(client):
    _notices, policy_index = sections()
    policy_create(policy_index, title="算力互联互通行动计划", document_number="工信部信管〔2025〕119号")
    policy_create(policy_index, title="节点体系解读", category="interpretation")
    html = client.get(policy_index.url).content.decode()
    positions = [
        html.index(text) for text in ("政策文件</h2>", "算力互联互通行动计划", "政策解读</h2>", "节点体系解读")
    ]
    assert positions == sorted(positions)
    policy = PolicyPage.objects.get(title="节点体系解读")
    assert client.get(policy.url).status_code == 200


def test_page_type_rules():
    notice_index, policy_index = sections()
    home = HomePage.objects.get()
    assert NoticePage.can_create_at(notice_index) and not NoticePage.can_create_at(home)
    assert not NoticePage.can_create_at(policy_index)
    assert PolicyPage.can_create_at(policy_index) and not PolicyPage.can_create_at(notice_index)
    # one section of each kind, directly under the home page
    assert not NoticeIndexPage.can_create_at(home) and not PolicyIndexPage.can_create_at(home)
    assert NoticeIndexPage.allowed_parent_page_models() == [HomePage]
    assert sections() == (notice_index, policy_index)  # setting up twice adds nothing
    assert NoticeIndexPage.objects.count() == 1 and PolicyIndexPage.objects.count() == 1
