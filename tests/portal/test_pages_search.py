"""Site search over published pages with Wagtail search, in Chinese."""

import datetime

import pytest

from portal.search_text import segment_for_index, segment_query
from tests.portal.factories import notice_create, policy_create, sections

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages():
    notice_index, policy_index = sections()
    notice_create(
        notice_index,
        title="关于组织开展国家算力互联互通节点建设工作的通知",
        document_number="工信厅信管函〔2026〕35号",
        summary="区域节点每省1个，行业节点每个行业原则上1个。",
        body=[("paragraph", "<p>运营主体应持有电信业务经营许可，近三年无重大失信记录。</p>")],
    )
    notice_create(notice_index, title="关于公布数据中心能效评价结果的通知", issued_on=datetime.date(2025, 9, 1))
    notice_create(notice_index, title="尚未发布的算力标识通知", publish=False)
    policy_create(policy_index, title="算力标识管理办法解读", category="interpretation", summary="GPU 资源的唯一标识。")


def titles(client, query: str, prefix: str = "") -> list[str]:
    response = client.get(f"{prefix}/site-search/", {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    found = []
    for chunk in html.split('<h3><a href="')[1:]:
        found.append(chunk.split(">", 1)[1].split("</a>", 1)[0])
    return found


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("节点建设", ["关于组织开展国家算力互联互通节点建设工作的通知", "通知公告"]),  # title; the section's intro
        ("电信业务经营许可", ["关于组织开展国家算力互联互通节点建设工作的通知"]),  # in the body
        ("失信 区域节点", ["关于组织开展国家算力互联互通节点建设工作的通知"]),  # every word must match
        ("工信厅信管函", ["关于组织开展国家算力互联互通节点建设工作的通知"]),  # the document number
        ("能效", ["关于公布数据中心能效评价结果的通知"]),
        ("算力标识", ["算力标识管理办法解读"]),  # drafts are never found
        ("gpu", ["算力标识管理办法解读"]),
        ("区块链", []),
        ("节点 区块链", []),
    ],
)
def test_chinese_queries_find_published_pages(client, pages, query, expected):
    assert sorted(titles(client, query)) == sorted(expected)


def test_search_in_english_interface_and_empty_query(client, pages):
    assert titles(client, "能效", prefix="/en") == ["关于公布数据中心能效评价结果的通知"]
    response = client.get("/site-search/")
    assert response.status_code == 200 and "请输入关键词" in response.content.decode()
    too_long = client.get("/site-search/", {"q": "节" * 101})
    assert too_long.status_code == 200 and 'class="error"' in too_long.content.decode()


def test_segmentation_matches_query_parts():
    indexed = set(segment_for_index("算力互联互通节点 GPU-A100").split())
    for query in ("节点", "互联互通", "算", "GPU-A100"):
        assert set(segment_query(query).split()) <= indexed, query
    assert not set(segment_query("节能").split()) <= indexed
