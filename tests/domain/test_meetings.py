"""Meeting titles and reminder timing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.meetings import (
    TITLE_MAX_LENGTH,
    ReminderAction,
    late_reminder_action,
    over_capacity,
    reminder_times,
    validate_title,
)
from bot.domain.recurrence import MeetingError, MeetingErrorCode

START = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


def test_title_is_trimmed_and_html_is_left_for_the_renderer() -> None:
    assert validate_title("  Tuesday <Circle> & friends \n") == "Tuesday <Circle> & friends"
    assert validate_title("x" * TITLE_MAX_LENGTH) == "x" * TITLE_MAX_LENGTH


@pytest.mark.parametrize(
    ("title", "code"),
    [
        ("", MeetingErrorCode.TITLE_EMPTY),
        (" \t\n ", MeetingErrorCode.TITLE_EMPTY),
        ("x" * (TITLE_MAX_LENGTH + 1), MeetingErrorCode.TITLE_TOO_LONG),
    ],
)
def test_bad_titles(title: str, code: MeetingErrorCode) -> None:
    with pytest.raises(MeetingError) as raised:
        validate_title(title)
    assert raised.value.code is code


def test_reminder_times_are_sorted_earliest_first_without_duplicates() -> None:
    assert reminder_times(START, [HOUR, DAY, HOUR, timedelta(0)]) == [
        (DAY, START - DAY),
        (HOUR, START - HOUR),
        (timedelta(0), START),
    ]
    assert reminder_times(START, []) == []


def test_reminder_times_refuse_negative_offsets_and_naive_starts() -> None:
    with pytest.raises(ValueError, match="negative"):
        reminder_times(START, [-HOUR])
    with pytest.raises(TypeError):
        reminder_times(START.replace(tzinfo=None), [HOUR])


@pytest.mark.parametrize(
    ("now", "action"),
    [
        (START - DAY - HOUR, ReminderAction.SCHEDULE),  # not due yet
        (START - DAY, ReminderAction.SEND),  # exactly due
        (START - HOUR, ReminderAction.SEND),  # late, but the meeting has not started
        (START - timedelta(seconds=1), ReminderAction.SEND),
        (START, ReminderAction.SKIP),  # the meeting has started
        (START + 2 * HOUR, ReminderAction.SKIP),
    ],
)
def test_late_reminder_action(now: datetime, action: ReminderAction) -> None:
    assert late_reminder_action(START - DAY, START, now) is action


def test_over_capacity_names_occurrences_with_more_seated_than_seats_earliest_first() -> None:
    first, second, third = (datetime(2026, 12, day, 19, 0, tzinfo=UTC) for day in (1, 8, 15))
    going = {third: 4, first: 2, second: 1}
    assert over_capacity(1, going) == [(first, 2), (third, 4)]
    assert over_capacity(4, going) == []  # exactly full is not over
    assert over_capacity(None, going) == []  # no limit: nobody is over it
