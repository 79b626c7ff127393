"""Good web citizenship: sitemap.xml, robots.txt, meta tags, navigation, English interface, language switch."""

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest

from tests.portal.factories import notice_create, policy_create, sections

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice():
    notice_index, policy_index = sections()
    policy_create(policy_index, title="算力互联互通行动计划")
    return notice_create(
        notice_index,
        title="关于组织开展节点建设工作的通知",
        slug="node-call",
        document_number="工信厅信管函〔2026〕35号",
        summary="部署区域节点和行业节点的申报。",
        issuer_display="工业和信息化部办公厅",
    )


def test_sitemap_lists_public_pages(client, notice):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = {urlsplit(loc.text).path for loc in ET.fromstring(response.content).findall("s:url/s:loc", ns)}
    assert {"/", "/notices/", "/notices/node-call/", "/policies/"} <= locations


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_back_offices(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /cms/" in text and "Disallow: /django-admin/" in text
    assert "Disallow: /notices/" not in text


def test_notice_has_description_open_graph_and_canonical(client, notice):
    html = client.get("/notices/node-call/?utm_source=x").content.decode()
    assert '<meta name="description" content="部署区域节点和行业节点的申报。">' in html
    assert '<link rel="canonical" href="http://testserver/notices/node-call/">' in html
    assert '<link rel="alternate" hreflang="en" href="http://testserver/en/notices/node-call/">' in html
    assert '<meta property="og:title" content="关于组织开展节点建设工作的通知">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:description" content="部署区域节点和行业节点的申报。">' in html
    assert 'type="application/rss+xml"' in html


def test_layout_has_skip_link_one_h1_labelled_nav_and_no_inline_script_or_style(client, notice):
    for url in ("/", "/notices/", "/notices/node-call/", "/policies/", "/site-search/?q=节点"):
        html = client.get(url).content.decode()
        assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html, url
        assert len(re.findall(r"<h1[ >]", html)) == 1, url
        assert '<nav class="site-nav" id="site-nav" aria-label="主导航">' in html, url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url  # CSP: scripts only from files
        assert "<style" not in html and " style=" not in html, url
    assert 'aria-current="page">通知公告</a>' in client.get("/notices/node-call/").content.decode()


def test_selection_is_linked_from_the_navigation_and_the_home_page(client, notice):
    html = client.get("/").content.decode()
    nav = html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    assert '<a href="/select/">算力选择</a>' in nav
    main = html.split('<main id="main"', 1)[1]
    assert 'href="/select/"' in main  # the home page itself offers selection, not only the menu
    assert 'href="/select/" aria-current="page">算力选择</a>' in client.get("/select/").content.decode()
    english = client.get("/en/").content.decode()
    assert '<a href="/en/select/">Compute selection</a>' in english


def test_english_interface_shows_english_navigation(client, notice):
    html = client.get("/en/").content.decode()
    for text in ("Home", "Notices", "Policies", "Standard API", "Skip to main content", "Latest notices", "Search"):
        assert text in html, text
    assert 'href="/en/notices/"' in html and 'href="/en/notices/node-call/"' in html
    page = client.get("/en/notices/node-call/").content.decode()
    assert "Document number" in page and "Issuing authority" in page
    assert "工信厅信管函〔2026〕35号" in page  # the content itself stays as the editors wrote it
    listing = client.get("/en/notices/").content.decode()
    assert "Year" in listing and "Filter" in listing


def test_language_switch_keeps_the_notice_page(client, notice):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/notices/node-call/"})
    assert response["Location"] == "/en/notices/node-call/"
    response = client.post("/en/i18n/setlang/", {"language": "zh-hans", "next": "/en/notices/node-call/"})
    assert response["Location"] == "/notices/node-call/"
    assert 'name="next" value="/en/notices/node-call/"' in client.get("/en/notices/node-call/").content.decode()
