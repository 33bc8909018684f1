"""Reminder settings, which reminders are owed and when the next one is due, and waitlist rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.meetings import (
    DEFAULT_REMINDER_OFFSETS,
    MISSED_LOOKBACK,
    Answer,
    ReminderAction,
    RemindersError,
    format_offset,
    next_reminder_due,
    parse_reminder_offsets,
    reminders_due,
    seats_to_fill,
    settle_due_reminders,
    takes_waitlist,
)
from bot.domain.recurrence import Recurrence, RecurrenceKind, Schedule

DAY, HOUR = timedelta(days=1), timedelta(hours=1)
WEEKLY = Schedule(
    datetime(2026, 11, 24, 19, 0), "Europe/Madrid", timedelta(minutes=90), Recurrence(RecurrenceKind.WEEKLY)
)
FIRST = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)  # 19:00 in Madrid (CET)


def test_offsets_parse_largest_first_and_round_trip() -> None:
    assert parse_reminder_offsets(["1h", "24h"]) == (24 * HOUR, HOUR)
    assert parse_reminder_offsets(["30m", "2d", "30M"]) == (2 * DAY, timedelta(minutes=30))
    assert parse_reminder_offsets(["off"]) == ()
    offsets = parse_reminder_offsets(["90m", "3h"])
    assert parse_reminder_offsets([format_offset(o) for o in offsets]) == offsets


@pytest.mark.parametrize("words", [[], ["8d"], ["0h"], ["soon"], ["1h", "2h", "3h", "4h", "5h"], ["-1h"]])
def test_unusable_offsets_are_refused(words: list[str]) -> None:
    with pytest.raises(RemindersError):
        parse_reminder_offsets(words)


@given(st.lists(st.text(max_size=12), max_size=6))
def test_any_text_parses_or_is_refused_cleanly(words: list[str]) -> None:
    try:
        offsets = parse_reminder_offsets(words)
    except RemindersError:
        return
    assert all(timedelta(0) < offset <= 7 * DAY for offset in offsets)
    assert list(offsets) == sorted(set(offsets), reverse=True)


def test_next_reminder_is_the_earliest_due_after_now() -> None:
    created = FIRST - 3 * DAY
    assert next_reminder_due(WEEKLY, DEFAULT_REMINDER_OFFSETS, created) == FIRST - DAY
    assert next_reminder_due(WEEKLY, DEFAULT_REMINDER_OFFSETS, FIRST - DAY) == FIRST - HOUR
    assert next_reminder_due(WEEKLY, DEFAULT_REMINDER_OFFSETS, FIRST - HOUR) == FIRST + 6 * DAY
    assert next_reminder_due(WEEKLY, (), created) is None


def test_next_reminder_follows_the_wall_clock_across_dst() -> None:
    late_march = Schedule(
        datetime(2027, 3, 23, 19, 0), "Europe/Madrid", HOUR, Recurrence(RecurrenceKind.WEEKLY)
    )
    after_first = datetime(2027, 3, 23, 18, 0, tzinfo=UTC)
    assert next_reminder_due(late_march, (HOUR,), after_first) == datetime(2027, 3, 30, 16, 0, tzinfo=UTC)


def test_due_reminders_are_those_owed_by_now() -> None:
    created = FIRST - 3 * DAY
    assert reminders_due(WEEKLY, DEFAULT_REMINDER_OFFSETS, FIRST - DAY - HOUR, created) == []
    due = reminders_due(WEEKLY, DEFAULT_REMINDER_OFFSETS, FIRST - timedelta(minutes=30), created)
    assert [(r.occurrence.start, r.offset_minutes) for r in due] == [(FIRST, 1440), (FIRST, 60)]
    # Scheduled 2 h before the start: the 24 h reminder was never promised.
    late = reminders_due(WEEKLY, DEFAULT_REMINDER_OFFSETS, FIRST - HOUR, FIRST - 2 * HOUR)
    assert [r.offset_minutes for r in late] == [60]


def test_reminders_of_long_past_meetings_are_not_looked_for() -> None:
    now = FIRST + 30 * DAY
    due = reminders_due(WEEKLY, (HOUR,), now, FIRST - DAY)
    assert due and min(r.occurrence.start for r in due) >= now - MISSED_LOOKBACK


def test_waitlist_rules() -> None:
    assert not takes_waitlist(Answer.GOING, None, 500)
    assert not takes_waitlist(Answer.GOING, 3, 2)
    assert takes_waitlist(Answer.GOING, 3, 3)
    assert not takes_waitlist(Answer.MAYBE, 3, 3)
    assert seats_to_fill(3, 2, 5) == 1
    assert seats_to_fill(3, 3, 5) == 0
    assert seats_to_fill(None, 3, 2) == 2
    assert seats_to_fill(3, 0, 0) == 0


def test_after_downtime_only_the_latest_due_reminder_of_an_occurrence_is_sent() -> None:
    created = FIRST - 3 * DAY
    now = FIRST - HOUR / 2  # down across both the 24 h and the 1 h reminder of the 24 Nov meeting
    due = reminders_due(WEEKLY, DEFAULT_REMINDER_OFFSETS, now, created)
    settled = [(reminder.offset, action) for reminder, action in settle_due_reminders(due, now)]
    assert settled == [(DAY, ReminderAction.SUPERSEDED), (HOUR, ReminderAction.SEND)]
    # Each occurrence keeps its own latest reminder; one that started is still just skipped.
    later = FIRST + 7 * DAY - HOUR / 2
    per_occurrence = [
        (reminder.occurrence.start, reminder.offset, action)
        for reminder, action in settle_due_reminders(
            reminders_due(WEEKLY, DEFAULT_REMINDER_OFFSETS, later, created), later
        )
    ]
    assert per_occurrence == [
        (FIRST, DAY, ReminderAction.SKIP),
        (FIRST, HOUR, ReminderAction.SKIP),
        (FIRST + 7 * DAY, DAY, ReminderAction.SUPERSEDED),
        (FIRST + 7 * DAY, HOUR, ReminderAction.SEND),
    ]
    # On time, nothing is superseded.
    assert [a for _, a in settle_due_reminders(due[:1], FIRST - DAY)] == [ReminderAction.SEND]
