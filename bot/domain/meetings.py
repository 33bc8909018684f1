"""Meetings domain: what a meeting series is, its title rule, and when its reminders are due.

Pure functions of injected time; the scheduler and the handlers build on these.  Times live in
:mod:`bot.domain.recurrence`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.i18n import N_
from bot.domain.recurrence import (
    MeetingError,
    MeetingErrorCode,
    Occurrence,
    Schedule,
    iter_occurrences,
    occurrences,
)

TITLE_MAX_LENGTH = 100


@dataclass(frozen=True)
class MeetingSeries:
    """A meeting (one-off or recurring) as the domain sees it; the input of the ``.ics`` export.

    ``place`` is a physical place in free text, ``link`` an ``https://`` address for online
    meetings; either, both or neither may be set.  All text is raw user text: escape it when
    placing it in HTML.
    """

    id: int
    title: str
    schedule: Schedule
    place: str | None = None
    link: str | None = None
    notes: str | None = None


def validate_title(title: str) -> str:
    """The title with surrounding whitespace removed; refuses empty or over-long titles.

    Titles are shown in HTML messages; this only validates, the renderer escapes.
    """
    cleaned = title.strip()
    if not cleaned:
        raise MeetingError(MeetingErrorCode.TITLE_EMPTY)
    if len(cleaned) > TITLE_MAX_LENGTH:
        raise MeetingError(MeetingErrorCode.TITLE_TOO_LONG, limit=TITLE_MAX_LENGTH)
    return cleaned


def reminder_times(
    occurrence_start: datetime, offsets: Iterable[timedelta]
) -> list[tuple[timedelta, datetime]]:
    """``(offset, due)`` for each reminder *offset* before *occurrence_start*, earliest due first.

    Offsets count backwards from the start (``timedelta(hours=24)`` = a day before); a zero
    offset is due at the start itself.  Duplicates collapse, so a reminder is never sent twice.
    """
    if occurrence_start.tzinfo is None:
        raise TypeError("occurrence_start must be timezone-aware")
    unique = set(offsets)
    if any(offset < timedelta(0) for offset in unique):
        raise ValueError("reminder offsets count backwards from the start and cannot be negative")
    return [(offset, occurrence_start - offset) for offset in sorted(unique, reverse=True)]


class ReminderAction(StrEnum):
    SCHEDULE = "schedule"  # not due yet: put it in the job queue
    SEND = "send"  # due and the meeting has not started: better late than never
    SKIP = "skip"  # the meeting has started (or is over): a reminder now would only confuse
    SUPERSEDED = "superseded"  # a later reminder of the same meeting is sent instead


def late_reminder_action(due: datetime, occurrence_start: datetime, now: datetime) -> ReminderAction:
    """What to do with a pending reminder found at start-up (e.g. after the bot was down).

    A late reminder is still sent while the meeting has not started, and skipped once it has.
    A reminder that is not due yet is simply scheduled (``SCHEDULE``), so callers can pass every
    pending reminder through this one function.
    """
    if now < due:
        return ReminderAction.SCHEDULE
    if now < occurrence_start:
        return ReminderAction.SEND
    return ReminderAction.SKIP


# --- reminder planning -------------------------------------------------------------------------

DEFAULT_REMINDER_OFFSETS = (timedelta(hours=24), timedelta(hours=1))
MAX_REMINDER_OFFSET = timedelta(days=7)
MAX_REMINDER_COUNT = 4
#: How far back start-up looks for reminders that were missed while the bot was down.  Anything
#: older concerns meetings that are long over; those reminders would be skipped anyway.
MISSED_LOOKBACK = timedelta(days=8)
_OFFSET = re.compile(r"^(?P<n>[0-9]{1,3})\s*(?P<unit>m|min|h|d)$")
_UNIT = {
    "m": timedelta(minutes=1),
    "min": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
}


class RemindersError(ValueError):
    """``/reminders`` arguments that cannot be used; ``message`` is an ``N_`` template."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


MSG_REMINDERS_SYNTAX = N_(
    "Write up to {count} times before the meeting, like /reminders 24h 1h (m = minutes, h = hours, "
    "d = days, at most 7 days), or /reminders off for no group reminders."
)


def parse_reminder_offsets(words: Sequence[str]) -> tuple[timedelta, ...]:
    """``["24h", "1h"]`` -> offsets, largest first; ``["off"]`` -> none.  Else ``RemindersError``."""
    folded = [word.strip().casefold() for word in words if word.strip()]
    if folded in (["off"], ["none"], ["no"]):
        return ()
    offsets = set()
    for word in folded:
        match = _OFFSET.match(word)
        offset = int(match["n"]) * _UNIT[match["unit"]] if match else None
        if offset is None or not timedelta(0) < offset <= MAX_REMINDER_OFFSET:
            raise RemindersError(MSG_REMINDERS_SYNTAX)
        offsets.add(offset)
    if not offsets or len(offsets) > MAX_REMINDER_COUNT:
        raise RemindersError(MSG_REMINDERS_SYNTAX)
    return tuple(sorted(offsets, reverse=True))


def format_offset(offset: timedelta) -> str:
    """``timedelta(hours=24)`` -> ``24h``; the form ``parse_reminder_offsets`` reads back."""
    minutes = int(offset.total_seconds() // 60)
    if minutes % 60:
        return f"{minutes}m"
    return f"{minutes // 60}h"


@dataclass(frozen=True)
class DueReminder:
    """One reminder of one occurrence: sent *offset* before the occurrence starts, at *due*."""

    occurrence: Occurrence
    offset: timedelta
    due: datetime

    @property
    def offset_minutes(self) -> int:
        return int(self.offset.total_seconds() // 60)


def reminders_due(
    schedule: Schedule, offsets: Sequence[timedelta], now: datetime, owed_since: datetime
) -> list[DueReminder]:
    """Reminders due by *now* and owed: due no earlier than *owed_since* (when the series was
    created or its reminders last changed, since nobody was promised a reminder before that),
    for occurrences that started at most :data:`MISSED_LOOKBACK` ago.  Earliest due first.

    The caller removes those already handled, then asks :func:`late_reminder_action` about each.
    """
    if not offsets:
        return []
    window_start = max(owed_since, now - MISSED_LOOKBACK)
    window_end = now + max(offsets) + timedelta(minutes=1)
    found = [
        DueReminder(occurrence, offset, due)
        for occurrence in occurrences(schedule, window_start, window_end)
        for offset, due in reminder_times(occurrence.start, offsets)
        if owed_since <= due <= now
    ]
    return sorted(found, key=lambda reminder: (reminder.due, reminder.offset))


def settle_due_reminders(
    due: Sequence[DueReminder], now: datetime
) -> list[tuple[DueReminder, ReminderAction]]:
    """What to do with each reminder in *due* (from :func:`reminders_due`, minus those handled).

    After downtime several reminders of one occurrence can be due at once (down across both the
    24 h and the 1 h reminder).  Sending them all would put identical messages back to back, so
    only the most recent one per occurrence is sent; the earlier ones are ``SUPERSEDED`` (to be
    recorded as skipped, so they are never sent later either).
    """
    actions = [
        (reminder, late_reminder_action(reminder.due, reminder.occurrence.start, now)) for reminder in due
    ]
    latest: dict[datetime, DueReminder] = {}
    for reminder, action in actions:
        current = latest.get(reminder.occurrence.start)
        if action is ReminderAction.SEND and (current is None or reminder.due > current.due):
            latest[reminder.occurrence.start] = reminder
    return [
        (
            reminder,
            ReminderAction.SUPERSEDED
            if action is ReminderAction.SEND and latest[reminder.occurrence.start] is not reminder
            else action,
        )
        for reminder, action in actions
    ]


def next_reminder_due(schedule: Schedule, offsets: Sequence[timedelta], now: datetime) -> datetime | None:
    """The earliest reminder instant strictly after *now*, or ``None`` when the series has none left."""
    if not offsets:
        return None
    largest = max(offsets)
    best: datetime | None = None
    for count, occurrence in enumerate(iter_occurrences(schedule, now)):
        if (best is not None and occurrence.start - largest > best) or count > 1000:
            break
        for _, due in reminder_times(occurrence.start, offsets):
            if due > now and (best is None or due < best):
                best = due
    return best


# --- RSVPs --------------------------------------------------------------------------------------


class Answer(StrEnum):
    GOING = "going"
    MAYBE = "maybe"
    NO = "no"


@dataclass(frozen=True)
class RsvpCounts:
    going: int = 0  # with a seat
    maybe: int = 0
    no: int = 0
    waitlist: int = 0


def takes_waitlist(answer: Answer, capacity: int | None, seated: int) -> bool:
    """Whether a new "going" goes on the waitlist: only when a capacity is set and every seat is taken."""
    return answer is Answer.GOING and capacity is not None and seated >= capacity


def seats_to_fill(capacity: int | None, seated: int, waiting: int) -> int:
    """How many people move up from the waitlist now (a seat freed, or the capacity was raised)."""
    if waiting == 0:
        return 0
    if capacity is None:
        return waiting
    return max(0, min(waiting, capacity - seated))


def over_capacity(capacity: int | None, going: Mapping[datetime, int]) -> list[tuple[datetime, int]]:
    """Occurrences with more people seated than *capacity* (a capacity lowered below those already
    going), earliest first.  Nobody loses a seat: the surplus only keeps newcomers on the waitlist
    until enough people leave, so a facilitator is told rather than surprised."""
    if capacity is None:
        return []
    return sorted((start, seated) for start, seated in going.items() if seated > capacity)
