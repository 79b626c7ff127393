"""The people page (/me/organization/people/) at 1366 px and 390 px: a table on the desktop, one card per
person on the phone, where nothing scrolls sideways — neither the page nor the table's own box — and the
credentials column's button is on screen without scrolling. No console errors, no serious or critical axe
findings; screenshots in tests/e2e/artifacts/design/people-*.png."""

import pytest

from accounts.models import OrganizationAdministrator
from tests.e2e.conftest import WIDTHS
from tests.e2e.test_design_pages import pages_of, visit  # noqa: F401 (pages_of is a fixture)
from tests.factories import OrganizationFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _signed_in(page, server: str, client, user) -> None:
    client.force_login(user)
    host = server.split("//", 1)[1].split(":")[0]
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}]
    )


def test_people_page_is_cards_on_the_phone_with_nothing_scrolling_sideways(
    asgi_server,
    pages_of,  # noqa: F811
    axe_violations,
    client,
):
    organization = OrganizationFactory()
    admin = UserFactory(username="buyeradmin", full_name="王管理", organization=organization)
    OrganizationAdministrator.objects.create(user=admin, organization=organization)
    colleague = UserFactory(
        username="colleague-with-a-long-login-name",
        full_name="李同事",
        email="li.colleague.with.a.rather.long.address@example-organisation.cn",
        organization=organization,
    )
    for width, height in WIDTHS:
        page = pages_of(width, height)
        _signed_in(page, asgi_server, client, admin)
        visit(page, f"{asgi_server}/me/organization/people/", "people", width, axe_violations)
        boxes = page.eval_on_selector_all(
            ".table-responsive", "boxes => boxes.map(box => [box.scrollWidth, box.clientWidth])"
        )
        assert boxes and all(scroll <= client_width for scroll, client_width in boxes), boxes
        row = page.locator("tr", has=page.locator(f"form[action$='/people/{colleague.pk}/credentials/']"))
        display = row.evaluate("row => getComputedStyle(row).display")
        assert display == ("block" if width == 390 else "table-row")
        button = row.get_by_role("button", name="允许查看")
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box
        if width == 390:  # each value carries its column's name on the card
            label = row.locator("td.people-credentials").evaluate("cell => getComputedStyle(cell, '::before').content")
            assert "查看订单接入凭据" in label
