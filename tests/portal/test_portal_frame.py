"""The government portal's frame on every page: the region in the header; 主办/承办单位, contact, 政府网站标识码,
ICP备案号 and 公安备案号 in the footer — all from settings, the demo defaults in English under /en/."""

import pytest

pytestmark = pytest.mark.django_db

FRAME = {
    "sponsor": "测试市数据局",
    "organizer": "测试市大数据中心",
    "contact_phone": "010-12345678",
    "contact_email": "help@example.cn",
    "address": "测试市人民路 1 号",
    "icp": "京ICP备12345678号",
    "public_security": "京公网安备11010502000001号",
    "site_code": "1100000099",
}


def test_the_footer_and_header_show_the_configured_frame(client, settings):
    settings.PORTAL_FRAME = FRAME
    settings.NODE_REGION_NAME = "北京"
    html = client.get("/catalog/").content.decode()
    assert '<span class="brand-region">北京</span>' in html
    for label, value in (("主办单位", "测试市数据局"), ("承办单位", "测试市大数据中心"), ("地址", "测试市人民路 1 号")):
        assert f"<dt>{label}</dt><dd>{value}</dd>" in html
    assert 'href="tel:010-12345678"' in html and 'href="mailto:help@example.cn"' in html
    assert "政府网站标识码：1100000099" in html
    assert 'href="https://beian.miit.gov.cn/" rel="noopener" lang="zh-Hans">京ICP备12345678号</a>' in html
    assert "code=11010502000001" in html  # the record's query link carries its number


def test_empty_settings_leave_their_line_out(client, settings):
    settings.PORTAL_FRAME = dict.fromkeys(FRAME, "")
    settings.NODE_REGION_NAME = ""
    html = client.get("/catalog/").content.decode()
    assert "brand-region" not in html and "主办单位" not in html and "ICP" not in html


def test_the_demo_defaults_read_in_english(client):
    html = client.get("/en/catalog/").content.decode()
    assert '<span class="brand-region">Sichuan</span>' in html
    assert "<dt>Sponsor</dt><dd>Department of Economy and Information Technology of Sichuan Province</dd>" in html
    assert "Government website code" in html
