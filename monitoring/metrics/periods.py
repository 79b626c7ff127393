"""Period boundaries of the roll-ups: hours and days in Asia/Shanghai (settings.TIME_ZONE)."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def hour_start(moment: datetime.datetime) -> datetime.datetime:
    """The start of the local hour containing ``moment`` (aware, in the local zone)."""
    local = moment.astimezone(local_zone())
    return local.replace(minute=0, second=0, microsecond=0)


def day_start(moment: datetime.datetime | datetime.date) -> datetime.datetime:
    """Local midnight starting the day of ``moment`` (a date is taken as a local date)."""
    if isinstance(moment, datetime.datetime):
        moment = moment.astimezone(local_zone()).date()
    return datetime.datetime.combine(moment, datetime.time.min, tzinfo=local_zone())


def period_start(moment: datetime.datetime, granularity: str) -> datetime.datetime:
    return hour_start(moment) if granularity == "hour" else day_start(moment)


def period_end(start: datetime.datetime, granularity: str) -> datetime.datetime:
    if granularity == "hour":
        return start + datetime.timedelta(hours=1)
    # a calendar day in the local zone (wall-clock arithmetic, correct across any offset change)
    local = start.astimezone(local_zone())
    return datetime.datetime.combine(local.date() + datetime.timedelta(days=1), datetime.time.min, tzinfo=local_zone())


def hours_between(start: datetime.datetime, end: datetime.datetime) -> list[datetime.datetime]:
    """Every local hour start in [start, end)."""
    current, hours = hour_start(start), []
    while current < end:
        hours.append(current)
        current = current + datetime.timedelta(hours=1)
    return hours
