"""The portal's demo content: the two notices and the policy pages, created once."""

import pytest
from wagtail.models import Page, Revision

from organizations import demo as organizations_demo
from portal import demo
from portal.models import NoticePage, PolicyPage

pytestmark = pytest.mark.django_db


def test_demo_notices_and_policies_are_seeded_once(client, media_on_disk):
    organizations_demo.seed()
    lines = demo.seed()
    assert len(lines) == 5
    hebei = NoticePage.objects.get(document_number="冀通信联〔2026〕4号")
    ministry = NoticePage.objects.get(document_number="工信厅信管函〔2026〕35号")
    assert hebei.live and ministry.live
    assert [a.name for a in hebei.issuing_authorities.all()] == ["河北省通信管理局", "河北省工业和信息化厅"]
    assert ministry.issuer_names() == "工业和信息化部办公厅"
    assert PolicyPage.objects.live().count() == 3

    html = client.get(hebei.url).content.decode()
    assert f'href="{ministry.url}"' in html  # the forwarded notice links to the ministry's ...
    english = client.get("/en" + hebei.url).content.decode()
    assert f'href="/en{ministry.url}"' in english  # ... in the visitor's language
    assert "2026-03-17" in html and "2026-03-10" in html and "0311-86699228" in html
    ministry_html = client.get(ministry.url).content.decode()
    assert "2026-04-01" in ministry_html and "5000万元" in ministry_html
    attachment = ministry.attachments.get().document
    assert client.get(attachment.url).status_code == 200

    counts = (Page.objects.count(), Revision.objects.count())
    assert demo.seed() == []
    assert (Page.objects.count(), Revision.objects.count()) == counts
