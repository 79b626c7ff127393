"""Builders of portal pages for tests (pages go through Wagtail's tree and revisions, as editors' do)."""

import datetime

from django.core.files.base import ContentFile
from wagtail.documents.models import Document

from portal.models import NoticeAttachment, NoticeIndexPage, NoticePage, PolicyIndexPage, PolicyPage
from portal.services import portal_setup


def sections() -> tuple[NoticeIndexPage, PolicyIndexPage]:
    notice_index, policy_index = portal_setup()
    return notice_index.specific, policy_index.specific


def notice_create(
    index: NoticeIndexPage,
    *,
    title: str,
    issued_on: datetime.date = datetime.date(2026, 2, 26),
    authorities=(),
    publish: bool = True,
    body=None,
    attachment: str | None = None,
    **fields,
) -> NoticePage:
    notice = NoticePage(title=title, issued_on=issued_on, body=body or [], **fields)
    index.add_child(instance=notice)
    notice.issuing_authorities.set(authorities)
    if attachment:
        document = Document(title=attachment)
        document.file.save("attachment.txt", ContentFile("附件内容".encode()), save=False)
        document.save()
        notice.attachments.add(NoticeAttachment(document=document))
    notice.save()
    revision = notice.save_revision()
    if publish:
        revision.publish()
    else:
        notice.unpublish() if notice.live else None
    notice.refresh_from_db()
    return notice


def policy_create(index: PolicyIndexPage, *, title: str, issued_on=datetime.date(2025, 5, 1), **fields) -> PolicyPage:
    policy = PolicyPage(title=title, issued_on=issued_on, **fields)
    index.add_child(instance=policy)
    policy.save_revision().publish()
    policy.refresh_from_db()
    return policy
