"""English is complete: every message of the project's own code has an English translation in locale/en.

The catalogue is made with (the same ignore list as ``IGNORED`` below):

    DJANGO_SETTINGS_MODULE=portal.settings.dev .venv/bin/python manage.py makemessages -l en --no-obsolete \\
        -i '.venv/*' -i 'var/*' -i 'tests/*' -i 'bench/*' -i node_modules
    DJANGO_SETTINGS_MODULE=portal.settings.dev .venv/bin/python manage.py compilemessages -l en
"""

import gettext
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
IGNORED = {".venv", "var", "tests", "bench", "node_modules", ".git", ".ruff_cache", "__pycache__"}
# Chinese characters, CJK punctuation and full-width forms (full-width colon, parentheses, comma)
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w*\}")
# English messages that quote Chinese on purpose: search words of Chinese content, the form of a Chinese
# document number (the number itself is Chinese)
CHINESE_QUOTED = {
    "请输入关键词，例如“节点申报”或“算力标识”。",
    "如：冀通信联〔2026〕4号；没有文号时留空。",
    "文号格式应为“机关代字〔年份〕序号号”，如：冀通信联〔2026〕4号。",
}


def _entries(catalogue: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in catalogue if not entry.obsolete]


def _translations(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def _keys(catalogue: polib.POFile) -> set[tuple[str | None, str]]:
    return {(entry.msgctxt, entry.msgid) for entry in _entries(catalogue)}


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(PO))


def test_every_message_has_an_english_translation(catalogue):
    untranslated = [entry.msgid for entry in _entries(catalogue) if not all(_translations(entry))]
    fuzzy = [entry.msgid for entry in _entries(catalogue) if "fuzzy" in entry.flags]
    obsolete = [entry.msgid for entry in catalogue if entry.obsolete]
    assert len(_entries(catalogue)) > 1000
    assert untranslated == []
    assert fuzzy == []
    assert obsolete == []


def test_no_chinese_in_english_translations(catalogue):
    chinese = [
        (entry.msgid, text)
        for entry in _entries(catalogue)
        if entry.msgid not in CHINESE_QUOTED
        for text in _translations(entry)
        if CJK.search(text)
    ]
    assert chinese == []


def test_translations_keep_their_placeholders(catalogue):
    broken = [
        (entry.msgid, text)
        for entry in _entries(catalogue)
        for text in _translations(entry)
        if set(PLACEHOLDER.findall(entry.msgid)) != set(PLACEHOLDER.findall(text))
        and not entry.msgid_plural  # a plural's singular may say "one" instead of its count
    ]
    assert broken == []


def test_compiled_catalogue_matches_the_po_file(catalogue):
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in _entries(catalogue):
        if entry.msgid_plural:
            got = compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 2) if entry.msgctxt else None
            got = got or compiled.ngettext(entry.msgid, entry.msgid_plural, 2)
            want = entry.msgstr_plural[1]
        else:
            got = compiled.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt else compiled.gettext(entry.msgid)
            want = entry.msgstr
        if got != want:
            stale.append(entry.msgid)
    assert stale == [], "run compilemessages -l en"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext, msgmerge) is not installed")
def test_po_file_holds_every_message_of_the_source(tmp_path, monkeypatch, settings, catalogue):
    """makemessages on a copy of the source finds no message the committed catalogue lacks, and none it
    holds that the source no longer has."""
    copy = tmp_path / "src"
    shutil.copytree(settings.BASE_DIR, copy, ignore=lambda _dir, names: [n for n in names if n in IGNORED])
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["en"], no_obsolete=True, verbosity=0)
    fresh = polib.pofile(str(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    assert sorted(_keys(fresh) - _keys(catalogue), key=str) == [], "messages missing from locale/en: makemessages"
    assert sorted(_keys(catalogue) - _keys(fresh), key=str) == [], "messages no longer in the source"
    assert [entry.msgid for entry in _entries(fresh) if "fuzzy" in entry.flags] == []


def test_application_titles_read_as_one_phrase_in_each_language():
    from organizations.models import Division
    from workflows.node_application.models import NodeApplication, NodeType

    sichuan = Division(code="510000", name_zh="四川省", name_en="Sichuan", level="province")
    application = NodeApplication(node_type=NodeType.REGIONAL, region=sichuan)
    with translation.override("en"):
        assert application.title == "Sichuan regional node"
    with translation.override("zh-hans"):
        assert application.title == "四川省区域节点"


@pytest.mark.django_db
def test_node_name_reads_in_english_under_en(client):
    english = client.get("/en/accounts/login/").content.decode()
    chinese = client.get("/accounts/login/").content.decode()
    assert "Compute Interconnection Node Platform</span>" in english
    assert "算力互联互通节点平台</span>" in chinese
