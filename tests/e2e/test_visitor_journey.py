"""A visitor reads the portal in both languages and a demo user signs in and out."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from organizations.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_visitor_reads_home_switches_language_and_signs_in(live_server, page, axe_violations):
    call_command("seed_demo", quiet=True)

    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert "算力互联互通节点平台" in page.title()
    assert axe_violations(page) == []

    # keyboard users reach the skip link first
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"

    page.get_by_role("button", name="English").click()
    page.wait_for_url(re.compile(r"/en/$"))
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="中文").click()
    page.wait_for_url(live_server.url + "/")

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill("reviewer_chengdu")
    page.get_by_label("密码").fill("wrong-password")
    page.locator("form.form button[type=submit]").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/me/$"))
    expect(page.get_by_text("成都市经济和信息化局").first).to_be_visible()
    expect(page.get_by_text("市级初审人员")).to_be_visible()

    page.locator(".account-menu button[type=submit]").click()
    page.wait_for_url(live_server.url + "/")
    expect(page.get_by_role("link", name="登录", exact=True)).to_be_visible()
    assert page.console_errors == []
