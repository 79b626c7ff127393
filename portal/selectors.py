"""Reads of the public portal: listings, filters, latest notices and site search."""

from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import QuerySet
from wagtail.models import Page

from organizations.models import Authority
from portal.models import NoticeIndexPage, NoticePage, PolicyCategory, PolicyIndexPage, PolicyPage
from portal.search_text import segment_query

SECTIONS = {"noticeindexpage": NoticeIndexPage, "policyindexpage": PolicyIndexPage}


def section_index(*, model_name: str) -> Page | None:
    """The live section page of that type (通知公告, 政策文件), if the site has one."""
    return SECTIONS[model_name].objects.live().public().first()


def notice_list(
    *, index: NoticeIndexPage, year: int | None = None, authority: Authority | None = None
) -> QuerySet[NoticePage]:
    """Published notices of a section, newest first, optionally of one year and one issuing authority."""
    notices = NoticePage.objects.live().public().child_of(index)
    if year is not None:
        notices = notices.filter(issued_on__year=year)
    if authority is not None:
        notices = notices.filter(issuing_authorities=authority)
    return notices.order_by("-issued_on", "-first_published_at", "-pk").prefetch_related("issuing_authorities")


def notice_years(*, index: NoticeIndexPage) -> list[int]:
    dates = NoticePage.objects.live().public().child_of(index).dates("issued_on", "year", order="DESC")
    return [day.year for day in dates]


def notice_authorities(*, index: NoticeIndexPage) -> QuerySet[Authority]:
    """Authorities that issued at least one published notice of the section."""
    notice_ids = NoticePage.objects.live().public().child_of(index).values("pk")
    return Authority.objects.filter(
        pk__in=NoticePage.issuing_authorities.through.objects.filter(noticepage_id__in=notice_ids).values(
            "authority_id"
        )
    ).order_by("level", "name")


def notice_latest(*, limit: int = 6) -> list[NoticePage]:
    return list(NoticePage.objects.live().public().order_by("-issued_on", "-first_published_at", "-pk")[:limit])


def policy_groups(*, index: PolicyIndexPage) -> list[tuple[str, list[PolicyPage]]]:
    """The section's published policies by category (in the order of the categories), newest first."""
    policies = PolicyPage.objects.live().public().child_of(index).order_by("-issued_on", "-pk")
    groups = []
    for category in PolicyCategory:
        members = [policy for policy in policies if policy.category == category.value]
        if members:
            groups.append((category.label, members))
    return groups


def paginate(items, *, number, per_page: int) -> PaginatorPage:
    """One page of a listing; a missing, bad or too large page number gives the nearest valid page."""
    return Paginator(items, per_page).get_page(number)


def page_search(*, query: str) -> list[Page]:
    """Published public pages matching every word of the query, best first; Chinese is matched by parts."""
    terms = segment_query(query)
    if not terms:
        return []
    results = Page.objects.live().public().specific().search(terms, operator="and")
    return list(results)


def guide_for_campaign(*, campaign_id: int):
    """The live, public application guide (申报指南) of a campaign, if editors published one."""
    from portal.models import GuidePage

    return GuidePage.objects.live().public().filter(campaign_id=campaign_id).first()


def guide_list() -> list:
    """Live application guides, newest campaign first."""
    from portal.models import GuidePage

    return list(
        GuidePage.objects.live().public().select_related("campaign").order_by("-campaign__year", "-campaign__opens_at")
    )


def notices_for_campaign(*, campaign) -> list[NoticePage]:
    """Published notices that deploy this campaign, newest first."""
    return list(NoticePage.objects.live().public().filter(campaign=campaign).order_by("-issued_on", "-pk"))


def _private_collections_q():
    """Documents or images in a collection with a view restriction (or under one), as a Q on ``collection``."""
    from django.db.models import Q
    from wagtail.models import CollectionViewRestriction

    condition = Q()
    for path in CollectionViewRestriction.objects.values_list("collection__path", flat=True):
        condition |= Q(collection__path__startswith=path)
    return condition


def documents_public() -> QuerySet:
    """Documents a visitor may download: those in collections without view restrictions."""
    from wagtail.documents import get_document_model

    condition = _private_collections_q()
    documents = get_document_model().objects.all()
    return documents.exclude(condition) if condition else documents


def document_ids_private() -> set[int]:
    from wagtail.documents import get_document_model

    condition = _private_collections_q()
    if not condition:
        return set()
    return set(get_document_model().objects.filter(condition).values_list("pk", flat=True))


def images_public() -> QuerySet:
    """Images outside restricted collections (the same rule as documents)."""
    from wagtail.images import get_image_model

    condition = _private_collections_q()
    images = get_image_model().objects.all()
    return images.exclude(condition) if condition else images


def official_document_ids(*, year: int | None = None, authority_id: int | None = None) -> QuerySet:
    """Page ids of notices and policies of that year (成文日期) and/or issuing authority (发文机关)."""
    from django.db.models import Q

    condition = Q()
    if year is not None:
        condition &= Q(issued_on__year=year)
    if authority_id is not None:
        condition &= Q(issuing_authorities=authority_id)
    notices = NoticePage.objects.filter(condition).values("pk")
    policies = PolicyPage.objects.filter(condition).values("pk")
    return Page.objects.filter(Q(pk__in=notices) | Q(pk__in=policies)).values("pk")
