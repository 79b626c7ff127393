"""Work pages made dense or turned into cards, at 1366 px and 390 px: the selection results (rows at most
~60 px on the desktop, price with its unit), the provider quick start, the review inbox (cards on the
phone) and the security audit log (cards on the phone). Each: no horizontal overflow at 390 px, no console
errors, no serious or critical axe findings; screenshots in tests/e2e/artifacts/design/."""

import re

import pytest
from django.core.management import call_command

from tests.e2e.conftest import WIDTHS
from tests.e2e.test_design_pages import pages_of, visit  # noqa: F401 (pages_of is a fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PASSWORD = "Node-demo-2026!"  # seed_demo's accounts


def sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/?next=/me/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/me/"))


def row_display(page, selector: str) -> str:
    return page.evaluate(f"getComputedStyle(document.querySelector({selector!r})).display")


def test_dense_and_card_pages_at_both_widths(asgi_server, pages_of, axe_violations):  # noqa: F811
    call_command("seed_demo", quiet=True)
    for width, height in WIDTHS:
        page = pages_of(width, height)
        visit(page, f"{asgi_server}/select/", "dense-select", width, axe_violations)
        if width == 1366:
            heights = page.eval_on_selector_all(
                "#sel-table tbody tr", "rows => rows.map(row => row.getBoundingClientRect().height)"
            )
            assert heights and max(heights) <= 62, heights
            unit = page.locator("#sel-table tbody td.sel-col-price .sel-unit").first
            assert unit.is_visible() and unit.inner_text().startswith("/")
        visit(page, f"{asgi_server}/catalog/provider/api-quickstart/", "dense-quickstart", width, axe_violations)

        sign_in(page, asgi_server, "reviewer_chengdu")
        visit(page, f"{asgi_server}/review/", "dense-inbox", width, axe_violations)
        expected = "block" if width == 390 else "table-row"
        assert row_display(page, ".inbox-table tbody tr") == expected

        sign_in(page, asgi_server, "operator")
        visit(page, f"{asgi_server}/security/audit/", "dense-audit", width, axe_violations)
        assert row_display(page, ".audit-table tbody tr") == expected
