"""Portal page types (Wagtail)."""

from .documents import DisclosureAttribute
from .guides import GuidePage
from .home import HomePage
from .notices import NoticeAttachment, NoticeIndexPage, NoticePage
from .policies import PolicyAttachment, PolicyCategory, PolicyIndexPage, PolicyPage

__all__ = [
    "DisclosureAttribute",
    "GuidePage",
    "HomePage",
    "NoticeAttachment",
    "NoticeIndexPage",
    "NoticePage",
    "PolicyAttachment",
    "PolicyCategory",
    "PolicyIndexPage",
    "PolicyPage",
]
