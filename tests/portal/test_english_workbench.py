"""Workbench pages under /en/ read in English for every signed-in role (the public crawl is in
test_english_pages): a role's start page, its entry points and the pages they link to one step on.

Chinese is allowed where test_english_pages allows it: inside lang="zh…" elements (documents marked
"Chinese only"), and where it is data held in the database (names, titles, opinions).
"""

from collections import deque

import pytest
from django.core.management import call_command

from tests.portal.test_english_pages import (
    ChineseOutsideZh,
    _chinese_only_values,
    _faults,
    _next_pages,
    _prefix,
    _stored_text,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ROLES = ["applicant", "reviewer_chengdu", "reviewer_sc_industry", "expert1", "provider", "operator"]
# Leaving or changing things is no page to read (sign-out, language switch, exports, downloads).
NOT_PAGES = ("/en/accounts/logout/", "/en/i18n/", "/export", ".csv", ".xlsx", ".json", "/download", "/feed/")
PER_ROLE = 25
PER_PREFIX = 2


def test_workbench_pages_in_english_for_every_role(client, media_on_disk):
    call_command("seed_demo", quiet=True)
    from django.contrib.auth import get_user_model

    stored, chinese_only = _stored_text(), _chinese_only_values()
    chinese: dict[str, list[str]] = {}
    visited = 0
    for username in ROLES:
        client.force_login(get_user_model().objects.get(username=username))
        queue, seen, per_prefix, pages = deque(["/en/me/"]), {"/en/me/"}, {}, 0
        while queue and pages < PER_ROLE:
            url = queue.popleft()
            response = client.get(url)
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                continue
            pages += 1
            parser = ChineseOutsideZh()
            parser.feed(response.content.decode())
            if _faults(parser.found, stored, chinese_only):
                stored = _stored_text()  # the pages visited so far may have written (audit entries, processes)
                if faults := _faults(parser.found, stored, chinese_only):
                    chinese[f"{username} {url}"] = sorted(set(faults))
            for link in sorted(_next_pages(parser.links) - seen):
                seen.add(link)
                if any(part in link for part in NOT_PAGES):
                    continue
                prefix = _prefix(link)
                per_prefix[prefix] = per_prefix.get(prefix, 0) + 1
                if per_prefix[prefix] <= PER_PREFIX:
                    queue.append(link)
        visited += pages
    assert visited > 40
    assert chinese == {}
