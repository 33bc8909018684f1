"""Recovery milestones: which days are celebrated, how days are counted, and when to say so.

A member records the local date their recovery started.  Days are counted on the member's own
calendar (their IANA time zone): the start date is day 0, the next local day is day 1.  The
celebrated milestones are days 1, 7, 30, 60, 90, then 6 and 9 calendar months, then every year.
Months and years are calendar arithmetic (``dateutil.relativedelta``), so 31 August + 6 months
is 28 (or 29) February, and 29 February + 1 year is 28 February: never an impossible date.

Congratulations go out at :data:`SEND_AT` local time on the milestone's day.  A milestone whose
send time passed while the bot was down is still sent later the same local day, and skipped once
that day is over.  Milestones on or before the day the member set the date are not congratulated:
the confirmation they just read already said how far they have come.

Pure functions of an injected ``now``; no Telegram, no storage.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot.domain.i18n import N_, Translator
from bot.domain.recurrence import to_utc

SEND_AT = time(10, 0)  # local time of the congratulation: morning, not the middle of the night
DAY_MILESTONES = (1, 7, 30, 60, 90)
MONTH_MILESTONES = (6, 9)
MAX_YEARS_AGO = 100  # a start date further back is a typo, not a recovery date


class Unit(StrEnum):
    DAYS = "d"
    MONTHS = "m"
    YEARS = "y"


@dataclass(frozen=True)
class Milestone:
    """One celebrated anniversary, e.g. ``Milestone(Unit.MONTHS, 6)``; ``label`` is its stable key."""

    unit: Unit
    amount: int

    @property
    def label(self) -> str:
        """Short and stable (``d30``, ``m6``, ``y2``): part of the outbox key, so never reworded."""
        return f"{self.unit.value}{self.amount}"

    def date_from(self, start: date) -> date:
        if self.unit is Unit.DAYS:
            return start + timedelta(days=self.amount)
        if self.unit is Unit.MONTHS:
            return start + relativedelta(months=self.amount)
        return start + relativedelta(years=self.amount)


def all_milestones() -> Iterator[Milestone]:
    """Every milestone in date order (for any start date), without end: years go on."""
    yield from (Milestone(Unit.DAYS, n) for n in DAY_MILESTONES)
    yield from (Milestone(Unit.MONTHS, n) for n in MONTH_MILESTONES)
    year = 1
    while True:
        yield Milestone(Unit.YEARS, year)
        year += 1


def next_milestone(start: date, after: date) -> tuple[Milestone, date]:
    """The first milestone falling strictly after the local date *after*, and its date."""
    for milestone in all_milestones():
        day = milestone.date_from(start)
        if day > after:
            return milestone, day
    raise AssertionError("unreachable: years never run out")  # pragma: no cover


def milestone_on(start: date, day: date) -> Milestone | None:
    """The milestone falling on *day*, if any (at most one: their dates strictly increase)."""
    milestone, when = next_milestone(start, day - timedelta(days=1))
    return milestone if when == day else None


def local_today(now: datetime, zone: str) -> date:
    """The member's calendar date at the instant *now*."""
    return now.astimezone(ZoneInfo(zone)).date()


def days_count(start: date, today: date) -> int:
    """Whole days since the start (0 on the start date itself, and never negative: after a
    time-zone change "today" can briefly be the day before the start)."""
    return max(0, (today - start).days)


def send_instant(day: date, zone: str) -> datetime:
    """When a milestone falling on *day* is congratulated: :data:`SEND_AT` local, as a UTC instant."""
    return to_utc(datetime.combine(day, SEND_AT), ZoneInfo(zone))


@dataclass(frozen=True)
class Plan:
    """The next congratulation to schedule for one member."""

    milestone: Milestone
    day: date  # local date it falls on
    when: datetime  # UTC instant to send at (may be in the past: then it is due now)


def plan(start: date, set_on: date, zone: str, now: datetime, handled: date | None = None) -> Plan:
    """The next milestone to congratulate: not before today, after *set_on* and *handled*.

    *handled* is the local date whose milestone was just dealt with (sent or skipped), so the
    job that sends today's congratulation plans the next one instead of today's again.
    """
    today = local_today(now, zone)
    after = max(set_on, today - timedelta(days=1), handled or date.min)
    milestone, day = next_milestone(start, after)
    return Plan(milestone, day, send_instant(day, zone))


def due(start: date, set_on: date, zone: str, now: datetime) -> Milestone | None:
    """The milestone to congratulate right now: today's, once its send time has come."""
    today = local_today(now, zone)
    if today <= set_on or now < send_instant(today, zone):
        return None
    return milestone_on(start, today)


# -- the start date a member types --


class DateErrorCode(StrEnum):
    FORMAT = "format"
    FUTURE = "future"
    TOO_OLD = "too_old"


DATE_ERRORS = {
    DateErrorCode.FORMAT: N_(
        "I couldn't read that date. Please write it like 2026-03-15 (year-month-day), "
        "or choose Today or Yesterday."
    ),
    DateErrorCode.FUTURE: N_(
        "That date is still ahead of us. Please send the day your recovery started, today or earlier."
    ),
    DateErrorCode.TOO_OLD: N_(
        "That date is more than {years} years ago; maybe a typo? Please check the year and send it again."
    ),
}


class DateError(ValueError):
    """A start date that cannot be used; ``message`` is an N_-marked template."""

    def __init__(self, code: DateErrorCode) -> None:
        self.code = code
        self.message = DATE_ERRORS[code]
        super().__init__(code.value)

    def render(self, tr: Translator) -> str:
        return tr._(self.message).format(years=MAX_YEARS_AGO)


_DATE = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*$")
TODAY_WORDS = frozenset({"today", "hoy"})
YESTERDAY_WORDS = frozenset({"yesterday", "ayer"})


def parse_start_date(text: str, today: date) -> date:
    """A start date from typed text: ``2026-03-15`` (also ``/`` or ``.``), today or yesterday.

    Raises only :class:`DateError`: unreadable, in the future, or absurdly long ago.
    """
    word = text.strip().lower()
    if word in TODAY_WORDS:
        return today
    if word in YESTERDAY_WORDS:
        return today - timedelta(days=1)
    match = _DATE.match(text)
    if match is None:
        raise DateError(DateErrorCode.FORMAT)
    try:
        start = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError as error:
        raise DateError(DateErrorCode.FORMAT) from error
    return check_start_date(start, today)


def check_start_date(start: date, today: date) -> date:
    if start > today:
        raise DateError(DateErrorCode.FUTURE)
    if start < today - relativedelta(years=MAX_YEARS_AGO):
        raise DateError(DateErrorCode.TOO_OLD)
    return start
