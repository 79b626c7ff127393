"""Reads for the page editor: short notice slugs and the draft an autosave already created."""

import datetime
import re

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from wagtail.models import Page

# Notices are addressed like government sites address them: by date and number (/notices/20261207-01/),
# not by a 300-character percent-encoded Chinese title.
SHORT_SLUG = re.compile(r"(?P<day>\d{8})-(?P<number>\d{2,})")
# An autosaved draft older than this is not taken for the page being created now.
AUTOSAVE_WINDOW = datetime.timedelta(hours=12)


def short_slug_next(*, parent: Page, day: datetime.date) -> str:
    """The next free `YYYYMMDD-NN` slug among the parent's children (drafts included)."""
    prefix = day.strftime("%Y%m%d")
    taken = parent.get_children().filter(slug__startswith=prefix + "-").values_list("slug", flat=True)
    numbers = [int(match["number"]) for slug in taken if (match := SHORT_SLUG.fullmatch(slug))]
    return f"{prefix}-{max(numbers, default=0) + 1:02d}"


def autosaved_draft(*, parent: Page, page_class: type[Page], slug: str, user) -> Page | None:
    """The never-published draft this user's autosave created under `parent` with this slug, if any.

    Wagtail's autosave creates the page in the background on the create view; when the editor's
    browser still posts to the create view afterwards (the form was not switched over to the edit
    view), the post is the same page, not a second one with a clashing slug.
    """
    if not slug or not user.is_authenticated:
        return None
    draft = (
        parent.get_children()
        .filter(
            slug=slug,
            content_type=ContentType.objects.get_for_model(page_class),
            live=False,
            first_published_at__isnull=True,
            owner=user,
            latest_revision__user=user,
            latest_revision_created_at__gte=timezone.now() - AUTOSAVE_WINDOW,
        )
        .first()
    )
    if draft is None or draft.workflow_in_progress:
        return None  # already submitted for moderation: not a draft being written
    return draft
