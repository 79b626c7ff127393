"""The CMS is Chinese for editors whatever their browser asks for, and Wagtail's own strings an editor
meets on a notice are in Chinese (Wagtail's catalogue, completed in locale/zh_Hans). Every message of the
installed Wagtail has Chinese, so an upgrade that brings new strings fails here until they are translated."""

import json
import re
from pathlib import Path

import polib
import pytest
import wagtail
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from organizations.roles import Role
from tests.portal.factories import sections

pytestmark = pytest.mark.django_db

WAGTAIL = Path(wagtail.__file__).resolve().parent
OURS = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sd]|\{\w*\}")
TAG = re.compile(r"<[^>]+>")
# Wagtail messages whose Chinese is the English (Wagtail's zh_Hans catalogue translates them so)
SAME_IN_CHINESE = {"URL", "ID", "%(range_start)s - %(range_end)s", "Wagtail API v2"}


def _translated(path: Path) -> set[str]:
    """The msgids a catalogue gives a translation (fuzzy ones are not compiled, so they do not count)."""
    if not path.exists():
        return set()
    return {
        entry.msgid
        for entry in polib.pofile(str(path))
        if (entry.msgstr or entry.msgstr_plural.get(0)) and "fuzzy" not in entry.flags and not entry.obsolete
    }


def _english_catalogues(domain: str) -> list[Path]:
    return sorted(WAGTAIL.glob(f"**/locale/en/LC_MESSAGES/{domain}.po"))


def _english(package_path: str | Path, domain: str) -> list[polib.POEntry]:
    path = Path(package_path) / "locale" / "en" / "LC_MESSAGES" / f"{domain}.po"
    return list(polib.pofile(str(path))) if path.exists() else []


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
        ("Disabled", "已禁用"),
        ("Oldest", "最早"),
        ("Last used", "上次使用"),
        ("Display the first row as a header", "首行作为表头"),
        ("account", "帐号设置"),
        (
            'JavaScript is required to use Wagtail, but it is currently disabled.<br /> Here are the <a href="https:'
            '//www.enable-javascript.com/" target="_blank" rel="noreferrer">instructions how to enable JavaScript in '
            "your web browser</a>.",
            '使用 Wagtail 需要 JavaScript，但它目前已被禁用。<br /> 请参阅<a href="https://www.enable-javascript.com/" '
            'target="_blank" rel="noreferrer">在浏览器中启用 JavaScript 的说明</a>。',
        ),
    ],
)
def test_wagtail_strings_editors_meet_are_translated(english, chinese):
    with translation.override("zh-hans"):
        assert translation.gettext(english) == chinese


def test_wagtail_plural_strings_are_translated():
    with translation.override("zh-hans"):
        assert (
            translation.ngettext(
                "This will also unpublish one translation of the page.",
                "This will also unpublish all %(translation_count)s translations of the page.",
                3,
            )
            % {"translation_count": 3}
            == "此页面的 3 个翻译版本也将一并取消发布。"
        )


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_wagtail_message_has_chinese(domain):
    """Every msgid of the installed Wagtail's English catalogues has Chinese, in Wagtail's zh_Hans catalogue
    or in ours, so a Wagtail upgrade that brings new strings fails here until they are translated."""
    ours = _translated(OURS / f"{domain}.po")
    catalogues = _english_catalogues(domain)
    assert catalogues, f"no {domain}.po in {WAGTAIL}"
    missing = set()
    for english in catalogues:
        theirs = _translated(english.parents[2] / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po")
        missing |= {entry.msgid for entry in polib.pofile(str(english)) if entry.msgid not in theirs | ours}
    assert sorted(missing) == [], f"add Chinese for these to locale/zh_Hans/LC_MESSAGES/{domain}.po"


def test_wagtail_messages_of_installed_apps_show_in_chinese():
    """What gettext returns at run time: catches a catalogue not compiled or not loaded."""
    english, checked = [], 0
    with translation.override("zh-hans"):
        for app in apps.get_app_configs():
            if not app.name.startswith("wagtail"):
                continue
            for entry in _english(app.path, "django"):
                checked += 1
                if entry.msgid_plural:
                    shown = translation.ngettext(entry.msgid, entry.msgid_plural, 2)
                else:
                    shown = translation.gettext(entry.msgid)
                if shown == entry.msgid and entry.msgid not in SAME_IN_CHINESE:
                    english.append((app.name, entry.msgid))
    assert checked > 1000
    assert english == [], "run compilemessages -l zh_Hans"


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_our_chinese_keeps_placeholders_and_html(domain):
    broken = []
    for entry in polib.pofile(str(OURS / f"{domain}.po")):
        source = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        wanted = set().union(*(PLACEHOLDER.findall(text) for text in source))
        tags = set().union(*(TAG.findall(text) for text in source))
        for text in entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]:
            placeholders = set(PLACEHOLDER.findall(text))
            # a plural's one Chinese form may use the count its English singular spells out, and may leave
            # out what only the English plural mentions
            kept = placeholders <= wanted if entry.msgid_plural else placeholders == wanted
            if not kept or set(TAG.findall(text)) != tags:
                broken.append((entry.msgid, text))
    assert broken == []


def test_cms_image_listing_sorts_in_chinese(client, make_user):
    client.force_login(make_user(username="webmaster", is_superuser=True))  # images are the webmaster's
    html = client.get(reverse("wagtailimages:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "最早" in html and "Oldest" not in html
    assert "使用 Wagtail 需要 JavaScript" in html  # the <noscript> notice of every admin page


def test_wagtail_javascript_strings_are_translated(client, make_user):
    client.force_login(make_user(Role.EDITOR, username="editor"))
    catalog = client.get(reverse("wagtailadmin_javascript_catalog"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for chinese in ("插入内容块", "修改已自动保存。"):
        assert json.dumps(chinese)[1:-1] in catalog  # the catalogue is JSON with \\u escapes
    served = re.search(r"const newcatalog = (.*?);\s*for \(const key in newcatalog\)", catalog, re.S)
    translated = json.loads(served.group(1))
    messages = _english(WAGTAIL / "admin", "djangojs")
    assert len(messages) > 50
    assert [entry.msgid for entry in messages if entry.msgid not in translated] == []
