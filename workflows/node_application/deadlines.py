"""Deadlines of a campaign, enforced in Asia/Shanghai: an action at or after its deadline is refused."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Campaign, format_deadline

LATE = "late"
NOT_OPEN = "not_open"


def _shown(value: datetime.datetime) -> str:
    return format_deadline(value)


def ensure_before(deadline: datetime.datetime | None, *, now: datetime.datetime, what: str) -> None:
    """Refuse with 逾期不再受理 when ``now`` is at or after ``deadline`` (no deadline: no limit)."""
    if deadline is not None and now >= deadline:
        raise ValidationError(
            _("%(what)s已于 %(deadline)s（北京时间）截止，逾期不再受理。")
            % {"what": what, "deadline": _shown(deadline)},
            code=LATE,
        )


def ensure_open(starts_at: datetime.datetime | None, *, now: datetime.datetime, what: str) -> None:
    if starts_at is not None and now < starts_at:
        raise ValidationError(
            _("%(what)s自 %(start)s（北京时间）开始，尚未开始。")
            % {
                "what": what,
                "start": f"{timezone.localtime(starts_at):%Y-%m-%d %H:%M}",
            },  # a start is 00:00, never 24:00
            code=NOT_OPEN,
        )


def ensure_in_window(
    starts_at: datetime.datetime | None, ends_at: datetime.datetime | None, *, now: datetime.datetime, what: str
) -> None:
    ensure_open(starts_at, now=now, what=what)
    ensure_before(ends_at, now=now, what=what)


def shanghai_end_of_day(year: int, month: int, day: int) -> datetime.datetime:
    """The instant a date-only deadline ("3月17日前") ends: 24:00 of that day in Asia/Shanghai."""
    tz = timezone.get_default_timezone()
    start = datetime.datetime(year, month, day, tzinfo=tz)
    return start + datetime.timedelta(days=1)


def shanghai_start_of_day(year: int, month: int, day: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, tzinfo=timezone.get_default_timezone())


def campaign_deadlines(campaign: Campaign) -> list[tuple[str, datetime.datetime | None]]:
    """(label, instant) of every date of a campaign, for the applicant's status page."""
    return [
        (_("申报开始"), campaign.opens_at),
        (_("行业名称初核截止"), campaign.industry_name_prereview_deadline),
        (_("申报材料截止"), campaign.materials_deadline),
        (_("市级初审截止"), campaign.municipal_review_ends_at),
        (_("省级联合复审截止"), campaign.provincial_review_ends_at),
        (_("报送工业和信息化部截止"), campaign.ministry_deadline),
    ]
