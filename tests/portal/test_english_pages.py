"""Public pages under /en/ read in English.

Chinese may appear only inside an element marked lang="zh…", inside aria-hidden decoration, or where it is
data held in the database (notice titles and bodies, organisation, site and resource names, campaign names):
every run of Chinese characters on a page must occur in some stored text value (administrative division
names excepted: they have English names). Full-width punctuation next to a Latin letter ("Date of issue：",
"Certified（2026-03-02）") is always a fault of the page, not of the data.
"""

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
WIDE_PUNCTUATION_BY_LATIN = re.compile(r"[A-Za-z][\u3000-\u303f\uff00-\uffef]|[\u3000-\u303f\uff00-\uffef][A-Za-z]")
SKIPPED = ("/en/cms/", "/en/django-admin/", "/en/api/", "/en/documents/", "/en/search/?")
ATTRIBUTES = ("title", "alt", "aria-label", "placeholder")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
MAX_PAGES = 80
PER_PREFIX = 3  # of pages that share a template (records, sites, providers, notices), a few are enough


class ChineseOutsideZh(HTMLParser):
    """Collects Chinese text and attributes that are not inside an element marked lang="zh…"."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, inside Chinese or script)
        self.found: list[str] = []
        self.links: list[str] = []

    def _exempt(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        exempt = (
            self._exempt()
            or tag in ("script", "style")
            or (attrs.get("lang") or "").startswith("zh")
            or attrs.get("aria-hidden") == "true"
        )
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if not exempt:
            for name in ATTRIBUTES:
                if CJK.search(attrs.get(name) or ""):
                    self.found.append(f"<{tag} {name}={attrs[name]!r}>")
            if tag == "meta" and attrs.get("property", "").startswith("og:") and CJK.search(attrs.get("content", "")):
                self.found.append(f"<meta {attrs['property']}={attrs['content']!r}>")
        if tag not in VOID:
            self.stack.append((tag, exempt))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if not self._exempt() and CJK.search(data):
            self.found.append(" ".join(data.split())[:120])


def _stored_text() -> str:
    """Every text value in the database but the administrative divisions' names, as one string."""
    from django.apps import apps
    from django.db import models
    from wagtail.fields import StreamField

    values = []
    for model in apps.get_models():
        if model._meta.label == "organizations.Division":
            continue
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, (models.CharField, models.TextField, models.JSONField, StreamField))
        ]
        if fields:
            for row in model._base_manager.values_list(*fields):
                values += [str(value) for value in row if value]
    return "\n".join(values)


def _chinese_only_values() -> set[str]:
    """Data held only in Chinese that a page under /en/ must mark "Chinese only" (inside lang="zh…", with the
    label): campaign names, the notes of a campaign's materials list and documents' titles (issue 15 item 7),
    when shown on their own. Other stored Chinese (organisation, site and resource names, opinions, page titles
    and introductions that quote a campaign's name) is allowed as it is."""
    from wagtail.documents.models import Document

    from workflows.node_application.models import Campaign, CampaignMaterial

    values = {*Campaign.objects.values_list("name", flat=True)}
    values |= {*CampaignMaterial.objects.values_list("note", flat=True)}
    values |= {*Document.objects.values_list("title", flat=True)}
    # as the parser reports a text node: whitespace collapsed, at most 120 characters
    return {" ".join(value.split())[:120] for value in values if HAN.search(value or "")}


def _faults(found: list[str], stored: str, chinese_only: set[str] = frozenset()) -> list[str]:
    return [
        text
        for text in found
        if any(pair not in stored for pair in WIDE_PUNCTUATION_BY_LATIN.findall(text))
        or any(run not in stored for run in HAN.findall(text))
        or text in chinese_only  # such a value shown on its own, outside lang="zh…"
    ]


def _next_pages(links: list[str]) -> set[str]:
    pages = set()
    for raw in links:
        url = urldefrag(raw)[0]
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not url.startswith("/en/") or url.startswith(SKIPPED):
            continue
        pages.add(url)
    return pages


def _prefix(url: str) -> str:
    parts = [part for part in urlsplit(url).path.split("/") if part]
    return "/".join(parts[:3]) if len(parts) > 3 else url


def test_public_english_pages_have_no_chinese_outside_marked_content(client, media_on_disk):
    call_command("seed_demo", quiet=True)
    stored, chinese_only = _stored_text(), _chinese_only_values()
    queue = deque(["/en/"])
    seen = {"/en/"}
    per_prefix: dict[str, int] = {}
    chinese: dict[str, list[str]] = {}
    pages = 0
    while queue and pages < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        pages += 1
        parser = ChineseOutsideZh()
        parser.feed(response.content.decode())
        if faults := _faults(parser.found, stored, chinese_only):
            chinese[url] = sorted(set(faults))
        for link in sorted(_next_pages(parser.links) - seen):
            seen.add(link)
            prefix = _prefix(link)
            per_prefix[prefix] = per_prefix.get(prefix, 0) + 1
            if per_prefix[prefix] <= PER_PREFIX:
                queue.append(link)
    assert pages > 15
    assert chinese == {}


def test_a_guide_page_marks_its_campaign_name_and_material_notes_chinese_only_under_english(client, media_on_disk):
    call_command("seed_demo", quiet=True)
    from portal.models import GuidePage

    guide = GuidePage.objects.live().exclude(campaign=None).select_related("campaign").first()
    campaign = guide.campaign
    english = client.get("/en" + guide.url).content.decode()
    assert f'<span lang="zh-Hans">{campaign.name}</span> <span class="zh-only">(Chinese only)</span>' in english
    note = campaign.material_rules.exclude(note="").values_list("note", flat=True).first()
    if note:
        assert f'<span lang="zh-Hans">{note}</span> <span class="zh-only">(Chinese only)</span>' in english
    chinese = client.get(guide.url).content.decode()
    assert campaign.name in chinese and "zh-only" not in chinese and "（仅中文）" not in chinese
