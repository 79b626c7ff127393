"""RSS 2.0 and Atom feeds of the 通知公告 section (served by NoticeIndexPage's routes)."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext as _

from portal import selectors
from portal.models import NoticeIndexPage, NoticePage

FEED_SIZE = 20


class NoticeRssFeed(Feed):
    feed_type = Rss201rev2Feed

    def get_object(self, request, *, index: NoticeIndexPage):
        self.request = request
        return index

    def title(self, index: NoticeIndexPage) -> str:
        return f"{index.title} · {settings.NODE_NAME}"

    def link(self, index: NoticeIndexPage) -> str:
        return index.get_url(self.request)

    def description(self, index: NoticeIndexPage) -> str:
        return _("%(node)s发布的通知公告") % {"node": settings.NODE_NAME}

    def items(self, index: NoticeIndexPage):
        return selectors.notice_list(index=index)[:FEED_SIZE]

    def item_title(self, notice: NoticePage) -> str:
        return notice.title

    def item_description(self, notice: NoticePage) -> str:
        parts = [notice.document_number, notice.issuer_names(), notice.summary]
        return " · ".join(part for part in parts if part)

    def item_link(self, notice: NoticePage) -> str:
        return notice.get_url(self.request)

    def item_guid(self, notice: NoticePage) -> str:
        return notice.full_url

    def item_pubdate(self, notice: NoticePage) -> datetime.datetime:
        return datetime.datetime.combine(notice.issued_on, datetime.time(9), tzinfo=ZoneInfo(settings.TIME_ZONE))

    def item_updateddate(self, notice: NoticePage) -> datetime.datetime:
        return notice.last_published_at or self.item_pubdate(notice)

    def item_author_name(self, notice: NoticePage) -> str:
        return notice.issuer_names()

    def item_categories(self, notice: NoticePage) -> list[str]:
        return [authority.name for authority in notice.issuing_authorities.all()]


class NoticeAtomFeed(NoticeRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, index: NoticeIndexPage) -> str:
        return self.description(index)
