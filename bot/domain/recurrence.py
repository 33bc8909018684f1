"""When meetings happen: recurrence rules, schedules and their occurrences.

A meeting is planned in *wall-clock* time: "Tuesdays at 19:00 in Europe/London" must stay 19:00
local when the clocks change, so its UTC instant moves by an hour twice a year.  That is why the
rule is expanded by ``dateutil.rrule`` on NAIVE local datetimes and each result is only then
localised with ``zoneinfo``; expanding on aware or UTC datetimes would keep the UTC instant fixed
and drift the local time instead.

Local times that do not exist or exist twice follow RFC 5545 (section 3.3.5), which is also what
``zoneinfo`` does with ``fold=0`` and what calendar apps reading our ``.ics`` export do:

* **Gap** (spring forward, e.g. 02:30 on the night 02:00 jumps to 03:00): the time is read with
  the UTC offset *before* the gap, so the meeting starts at 03:30 local, one gap-length later.
* **Overlap** (fall back, e.g. 01:30 happens twice): the *first* 01:30 (daylight time) is meant.

Nothing here knows about Telegram or storage; errors carry a code and an ``N_``-marked message
that the handler translates and renders.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule

from bot.domain.i18n import N_

if TYPE_CHECKING:
    from bot.domain.i18n import Translator

MIN_DURATION = timedelta(minutes=5)
MAX_DURATION = timedelta(hours=8)
MAX_INTERVAL = 12
ORDINALS = (1, 2, 3, 4, -1)
#: Schedules are kept within these years: far enough for any real group, near enough that adding
#: a duration or converting to UTC can never overflow ``datetime``.
FIRST_YEAR = 2000
LAST_YEAR = 2100

_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # index = date.weekday()


class MeetingErrorCode(StrEnum):
    """Why a meeting's data was refused; stable, so handlers and tests can branch on it."""

    UNKNOWN_TIME_ZONE = "unknown_time_zone"
    IMPOSSIBLE_DATE = "impossible_date"
    START_IN_PAST = "start_in_past"
    START_OUT_OF_RANGE = "start_out_of_range"
    START_NOT_ON_RULE = "start_not_on_rule"
    TITLE_EMPTY = "title_empty"
    TITLE_TOO_LONG = "title_too_long"
    DURATION_OUT_OF_RANGE = "duration_out_of_range"
    INTERVAL_OUT_OF_RANGE = "interval_out_of_range"
    INVALID_RECURRENCE = "invalid_recurrence"
    UNTIL_BEFORE_START = "until_before_start"
    UNTIL_IN_PAST = "until_in_past"


ERROR_MESSAGES: Mapping[MeetingErrorCode, str] = {
    MeetingErrorCode.UNKNOWN_TIME_ZONE: N_(
        "“{zone}” is not a time zone I know. Use a name like Europe/Madrid or America/New_York."
    ),
    MeetingErrorCode.IMPOSSIBLE_DATE: N_("{value} is not a date that exists."),
    MeetingErrorCode.START_IN_PAST: N_("That time has already passed. Choose a time in the future."),
    MeetingErrorCode.START_OUT_OF_RANGE: N_("The date must be between the years {first} and {last}."),
    MeetingErrorCode.START_NOT_ON_RULE: N_("The first date is not one of the dates the meeting repeats on."),
    MeetingErrorCode.TITLE_EMPTY: N_("The meeting needs a title."),
    MeetingErrorCode.TITLE_TOO_LONG: N_("The title is too long: at most {limit} characters, please."),
    MeetingErrorCode.DURATION_OUT_OF_RANGE: N_(
        "A meeting lasts between 5 minutes and 8 hours, written like 90m, 1h30 or 1.5h."
    ),
    MeetingErrorCode.INTERVAL_OUT_OF_RANGE: N_("A meeting can repeat every 1 to {limit} weeks."),
    MeetingErrorCode.INVALID_RECURRENCE: N_("That repeat rule is not one I can use."),
    MeetingErrorCode.UNTIL_BEFORE_START: N_("The end date of the series comes before its first meeting."),
    MeetingErrorCode.UNTIL_IN_PAST: N_("The end date of the series has already passed."),
}


class MeetingError(ValueError):
    """Refused meeting data: a stable ``code`` plus an untranslated message template."""

    def __init__(self, code: MeetingErrorCode, **params: Any) -> None:
        self.code = code
        self.message = ERROR_MESSAGES[code]
        self.params = params
        super().__init__(f"{code}: {self.message.format(**params)}")

    def render(self, tr: Translator) -> str:
        """The translated message, HTML-safe: every parameter is escaped (they may be user text)."""
        return tr._(self.message).format(**escape_params(self.params))


def escape_params(params: Mapping[str, Any]) -> dict[str, str]:
    """HTML-escape message parameters; they can echo what a user typed."""
    return {key: html.escape(str(value)) for key, value in params.items()}


def zone_for(name: str) -> ZoneInfo:
    """The IANA zone called *name*, or ``MeetingError(UNKNOWN_TIME_ZONE)``."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError) as error:
        raise MeetingError(MeetingErrorCode.UNKNOWN_TIME_ZONE, zone=name) from error


def local_datetime(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A naive wall-clock datetime, refusing dates such as 31 February with a clear error."""
    try:
        return datetime(year, month, day, hour, minute)
    except ValueError as error:
        value = f"{year:04d}-{month:02d}-{day:02d}"
        value += f" {hour:02d}:{minute:02d}" if (hour, minute) != (0, 0) else ""
        raise MeetingError(MeetingErrorCode.IMPOSSIBLE_DATE, value=value) from error


class RecurrenceKind(StrEnum):
    ONCE = "once"
    WEEKLY = "weekly"
    MONTHLY_BY_WEEKDAY = "monthly_by_weekday"


@dataclass(frozen=True)
class Recurrence:
    """How a meeting repeats.

    ``weekday`` (0 = Monday, as ``date.weekday()``) and ``ordinal`` (1..4, or -1 for "last") are
    used by ``MONTHLY_BY_WEEKDAY`` only; weekly meetings repeat on their first date's weekday.
    ``interval`` counts weeks (or months).  ``until`` is a *local* date and inclusive.
    Construction refuses inconsistent combinations, so every ``Recurrence`` is usable.
    """

    kind: RecurrenceKind = RecurrenceKind.ONCE
    interval: int = 1
    weekday: int | None = None
    ordinal: int | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.interval <= MAX_INTERVAL:
            raise MeetingError(MeetingErrorCode.INTERVAL_OUT_OF_RANGE, limit=MAX_INTERVAL)
        monthly = self.kind is RecurrenceKind.MONTHLY_BY_WEEKDAY
        has_position = self.weekday is not None or self.ordinal is not None
        if monthly and (self.weekday not in range(7) or self.ordinal not in ORDINALS):
            raise MeetingError(MeetingErrorCode.INVALID_RECURRENCE)
        if not monthly and has_position:
            raise MeetingError(MeetingErrorCode.INVALID_RECURRENCE)
        if self.kind is RecurrenceKind.ONCE and (self.interval != 1 or self.until is not None):
            raise MeetingError(MeetingErrorCode.INVALID_RECURRENCE)

    @property
    def repeats(self) -> bool:
        return self.kind is not RecurrenceKind.ONCE

    def to_rrule_string(self) -> str:
        """RFC 5545 RRULE value, e.g. ``FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20270630``; ``""`` for once.

        ``UNTIL`` is written as a DATE, our inclusive local end date.  (The ``.ics`` export writes
        the UTC form RFC 5545 requires next to a DTSTART with TZID; see ``bot.domain.calendar_export``.)
        """
        if self.kind is RecurrenceKind.ONCE:
            return ""
        parts = ["FREQ=WEEKLY" if self.kind is RecurrenceKind.WEEKLY else "FREQ=MONTHLY"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.kind is RecurrenceKind.MONTHLY_BY_WEEKDAY:
            parts.append(f"BYDAY={self.ordinal}{_RRULE_DAYS[self.weekday or 0]}")
        if self.until is not None:
            parts.append(f"UNTIL={self.until:%Y%m%d}")
        return ";".join(parts)

    @classmethod
    def from_rrule_string(cls, text: str) -> Recurrence:
        """Read what :meth:`to_rrule_string` wrote; anything else is ``INVALID_RECURRENCE``."""
        if not text.strip():
            return cls()
        try:
            parts = dict(part.split("=", 1) for part in text.strip().upper().split(";"))
            return cls._from_parts(parts)
        except MeetingError:
            raise
        except (ValueError, KeyError, IndexError) as error:
            raise MeetingError(MeetingErrorCode.INVALID_RECURRENCE) from error

    @classmethod
    def _from_parts(cls, parts: dict[str, str]) -> Recurrence:
        if not set(parts) <= {"FREQ", "INTERVAL", "BYDAY", "UNTIL"}:
            raise ValueError("unsupported RRULE part")
        interval = int(parts.get("INTERVAL", "1"))
        until = datetime.strptime(parts["UNTIL"], "%Y%m%d").date() if "UNTIL" in parts else None
        if parts["FREQ"] == "WEEKLY" and "BYDAY" not in parts:
            return cls(RecurrenceKind.WEEKLY, interval, until=until)
        if parts["FREQ"] == "MONTHLY":
            byday = parts["BYDAY"]
            weekday = _RRULE_DAYS.index(byday[-2:])
            return cls(RecurrenceKind.MONTHLY_BY_WEEKDAY, interval, weekday, int(byday[:-2]), until)
        raise ValueError("unsupported RRULE")

    def rrule_weekday(self) -> rrule.weekday | None:
        """The dateutil ``weekday(n)`` for a monthly rule, else ``None``."""
        if self.weekday is None or self.ordinal is None:  # set for monthly rules only
            return None
        return rrule.weekdays[self.weekday](self.ordinal)


@dataclass(frozen=True)
class Schedule:
    """A meeting's times: first start (naive, wall clock in ``time_zone``), length and repeats.

    ``skipped`` holds local dates of occurrences that are cancelled (RFC 5545 EXDATE).
    Construction checks everything that does not depend on the current time; see
    :func:`validate_new_schedule` for the rest.
    """

    first_start: datetime
    time_zone: str
    duration: timedelta
    recurrence: Recurrence = field(default_factory=Recurrence)
    skipped: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if self.first_start.tzinfo is not None:
            raise TypeError("Schedule.first_start must be a naive local (wall-clock) datetime")
        zone_for(self.time_zone)
        if not FIRST_YEAR <= self.first_start.year <= LAST_YEAR:
            raise MeetingError(MeetingErrorCode.START_OUT_OF_RANGE, first=FIRST_YEAR, last=LAST_YEAR)
        if not MIN_DURATION <= self.duration <= MAX_DURATION:
            raise MeetingError(MeetingErrorCode.DURATION_OUT_OF_RANGE)
        until = self.recurrence.until
        if until is not None and until < self.first_start.date():
            raise MeetingError(MeetingErrorCode.UNTIL_BEFORE_START)
        if until is not None and until.year > LAST_YEAR:
            raise MeetingError(MeetingErrorCode.START_OUT_OF_RANGE, first=FIRST_YEAR, last=LAST_YEAR)
        if self.recurrence.kind is RecurrenceKind.MONTHLY_BY_WEEKDAY and not self._starts_on_rule():
            raise MeetingError(MeetingErrorCode.START_NOT_ON_RULE)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def _starts_on_rule(self) -> bool:
        first = next(iter(self.rule()), None)
        return first == self.first_start

    def rule(self) -> rrule.rrule:
        """The dateutil rule over NAIVE local datetimes (see the module docstring for why)."""
        recurrence = self.recurrence
        until = datetime.combine(recurrence.until, time.max) if recurrence.until else None
        if recurrence.kind is RecurrenceKind.ONCE:
            return rrule.rrule(rrule.DAILY, dtstart=self.first_start, count=1)
        if recurrence.kind is RecurrenceKind.WEEKLY:
            return rrule.rrule(
                rrule.WEEKLY, dtstart=self.first_start, interval=recurrence.interval, until=until
            )
        return rrule.rrule(
            rrule.MONTHLY,
            dtstart=self.first_start,
            interval=recurrence.interval,
            byweekday=recurrence.rrule_weekday(),
            until=until,
        )


@dataclass(frozen=True)
class Occurrence:
    """One meeting of a series: its scheduled wall time and its real instants in UTC."""

    local_start: datetime  # naive, as scheduled: what people read on the wall clock
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC

    @property
    def local_date(self) -> date:
        return self.local_start.date()


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """Localise a naive wall time (RFC 5545 gap/overlap rules via ``fold=0``) and convert to UTC."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


class WallTime(StrEnum):
    """How often a wall-clock time happens on its day in a zone."""

    EXISTS = "exists"  # once, as usual
    SKIPPED = "skipped"  # never: the clocks jump over it (spring forward)
    REPEATED = "repeated"  # twice: the clocks go back over it (fall back)


def wall_time_kind(local: datetime, zone: ZoneInfo) -> WallTime:
    """Whether the naive wall time *local* exists once, not at all or twice in *zone*.

    People must be told when the time they typed is resolved by the rules of the module
    docstring: a skipped 02:30 really starts at 03:30, and a repeated 02:30 is the first one.
    """
    first, second = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return WallTime.EXISTS
    round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return WallTime.SKIPPED if round_trip != local else WallTime.REPEATED


def occurrences(schedule: Schedule, start: datetime, end: datetime) -> list[Occurrence]:
    """Occurrences whose start instant lies in ``[start, end)``, skipped dates left out.

    *start* and *end* are aware datetimes in any zone.  The window is widened by a day when
    mapped to local time, then filtered exactly in UTC, so DST shifts never lose an occurrence.
    """
    _require_aware(start, end)
    zone = schedule.zone
    margin = timedelta(days=1)
    local_from = _naive_local(start, zone) - margin
    local_to = _naive_local(end, zone) + margin
    found = []
    for local in schedule.rule().between(local_from, local_to, inc=True):
        occurrence = _occurrence(schedule, local, zone)
        if start <= occurrence.start < end and local.date() not in schedule.skipped:
            found.append(occurrence)
    return found


def iter_occurrences(schedule: Schedule, after: datetime) -> Iterator[Occurrence]:
    """Occurrences starting strictly after *after*, in order, lazily (open-ended series never end)."""
    _require_aware(after)
    zone = schedule.zone
    local_from = _naive_local(after, zone) - timedelta(days=1)
    for local in schedule.rule().xafter(local_from, inc=True):
        occurrence = _occurrence(schedule, local, zone)
        if occurrence.start > after and local.date() not in schedule.skipped:
            yield occurrence


def next_occurrence(schedule: Schedule, after: datetime) -> Occurrence | None:
    """The first occurrence starting strictly after *after*, or ``None`` when the series is over."""
    return next(iter_occurrences(schedule, after), None)


def validate_new_schedule(schedule: Schedule, now: datetime) -> None:
    """Checks that depend on the current time, for a meeting being created or edited.

    A one-off meeting must start in the future; a series must not have ended already.
    """
    _require_aware(now)
    zone = schedule.zone
    if not schedule.recurrence.repeats and to_utc(schedule.first_start, zone) <= now:
        raise MeetingError(MeetingErrorCode.START_IN_PAST)
    until = schedule.recurrence.until
    if until is not None and until < _naive_local(now, zone).date():
        raise MeetingError(MeetingErrorCode.UNTIL_IN_PAST)


def monthly_position(day: date) -> tuple[int, int]:
    """``(weekday, ordinal)`` describing *day*, e.g. the first Tuesday -> ``(1, 1)``.

    Days 29-31 are always the last such weekday of their month, so they become ``-1``.
    """
    ordinal = (day.day - 1) // 7 + 1
    return day.weekday(), (ordinal if ordinal <= 4 else -1)


def first_on_rule(first_start: datetime, recurrence: Recurrence) -> datetime:
    """The first datetime on or after *first_start* that *recurrence* produces (same wall time).

    Lets a form accept "monthly last friday" with any nearby date and move it onto the rule,
    instead of refusing it.
    """
    if recurrence.kind is not RecurrenceKind.MONTHLY_BY_WEEKDAY:
        return first_start
    rule = rrule.rrule(rrule.MONTHLY, dtstart=first_start, byweekday=recurrence.rrule_weekday(), count=1)
    return rule[0]


def _occurrence(schedule: Schedule, local: datetime, zone: ZoneInfo) -> Occurrence:
    start = to_utc(local, zone)
    return Occurrence(local_start=local, start=start, end=start + schedule.duration)


def _naive_local(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _require_aware(*instants: datetime) -> None:
    if any(instant.tzinfo is None or instant.utcoffset() is None for instant in instants):
        raise TypeError("expected timezone-aware datetimes (domain time is injected, in UTC)")
