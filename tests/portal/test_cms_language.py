"""The CMS is Chinese for editors whatever their browser asks for, and Wagtail's own strings an editor
meets on a notice are in Chinese (Wagtail's catalogue, completed in locale/zh_Hans)."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from organizations.roles import Role
from tests.portal.factories import sections

pytestmark = pytest.mark.django_db


def test_cms_is_chinese_for_an_english_browser_and_after_the_public_site_switched_to_english(client, make_user):
    notice_index, _policies = sections()
    client.force_login(make_user(Role.EDITOR, username="editor"))
    client.cookies["django_language"] = "en"
    url = reverse("wagtailadmin_pages:add", args=("portal", "noticepage", notice_index.pk))
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans"' in html
    for english in ("Autosave is paused", ">Promote<", "Save draft", "Heading"):
        assert english not in html


@pytest.mark.parametrize(
    "english, chinese",
    [
        ("Autosave is paused", "自动保存已暂停"),
        (
            "The slug '%(page_slug)s' is already in use within the parent page.",
            "网址编号“%(page_slug)s”已被同一栏目下的其他页面使用。",
        ),
        ("Locked by workflow", "审核流程锁定"),
        ("More bulk actions", "更多批量操作"),
        ("This %(model_name)s is currently awaiting moderation.", "该%(model_name)s正在等待审核。"),
        ("Are you sure you want to revoke this API token?", "确定要撤销此 API 令牌吗？"),
    ],
)
def test_wagtail_strings_editors_meet_are_translated(english, chinese):
    with translation.override("zh-hans"):
        assert translation.gettext(english) == chinese


def test_wagtail_javascript_strings_are_translated(client, make_user):
    client.force_login(make_user(Role.EDITOR, username="editor"))
    catalog = client.get(reverse("wagtailadmin_javascript_catalog"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for chinese in ("插入内容块", "修改已自动保存。"):
        assert json.dumps(chinese)[1:-1] in catalog  # the catalogue is JSON with \\u escapes
