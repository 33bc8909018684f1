"""Meetings domain: what a meeting series is, its title rule, and when its reminders are due.

Pure functions of injected time; the scheduler and the handlers build on these.  Times live in
:mod:`bot.recurrence`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.recurrence import MeetingError, MeetingErrorCode, Schedule

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
