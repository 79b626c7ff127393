"""Every internal link on every public page of the seeded site answers 200 for an anonymous visitor."""

import re
from collections import deque
from html import unescape
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

LINK = re.compile(r"""(?:href|src)=["']([^"']+)["']""")
SITEMAP_LOC = re.compile(r"<loc>([^<]+)</loc>")
# Places a visitor is sent to sign in or that only render for signed-in users are checked for a 200 too,
# but not followed: their links are not public pages.
NOT_FOLLOWED = ("/cms/", "/django-admin/", "/api/", "/documents/", "/static/", "/sitemap.xml", "/robots.txt")
MAX_PAGES = 1500  # the demo catalogue has 100+ record pages, in two languages


def internal_links(html: str) -> set[str]:
    links = set()
    for raw in LINK.findall(html):
        url = urldefrag(unescape(raw))[0]
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not url.startswith("/"):
            continue  # other sites, tel:, mailto:, fragments
        links.add(url)
    return links


def test_every_internal_link_answers_200(client, media_on_disk):
    call_command("seed_demo", quiet=True)
    queue = deque(["/", "/en/", "/sitemap.xml", "/robots.txt"])
    seen = set(queue)
    broken = []
    pages = 0
    while queue:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200:
            broken.append((url, response.status_code))
            continue
        if url == "/sitemap.xml":  # every page the sitemap lists, by its path on this server
            for location in SITEMAP_LOC.findall(response.content.decode()):
                path = urlsplit(unescape(location)).path
                if path not in seen:
                    seen.add(path)
                    queue.append(path)
        if url.startswith(NOT_FOLLOWED) or not response["Content-Type"].startswith("text/html"):
            continue
        pages += 1
        assert pages <= MAX_PAGES, "the crawl does not end: a page links to ever new URLs"
        for link in internal_links(response.content.decode()) - seen:
            seen.add(link)
            queue.append(link)
    assert broken == []
    # the crawl saw the seeded content in both languages
    assert "/notices/hebei-2026-4-forwarding/" in seen and "/en/notices/hebei-2026-4-forwarding/" in seen
    assert "/policies/node-system-explained/" in seen
    # the public catalogue, the provider directory, record pages by identifier and the application guide
    assert {"/catalog/", "/en/catalog/", "/catalog/providers/", "/sichuan-2026-node-guide/"} <= seen
    record_pages = {url for url in seen if url.startswith("/catalog/r/")}
    assert len(record_pages) > 100
    assert any(url.startswith("/catalog/sites/") for url in seen)
    assert any(url.startswith("/catalog/providers/") and url != "/catalog/providers/" for url in seen)
    assert pages > 15
