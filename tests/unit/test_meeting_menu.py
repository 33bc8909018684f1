"""The meeting menu's prefilled ``/editmeeting`` line: sent back unchanged, it keeps the series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.meeting_form import MeetingDraft, parse_meeting_line
from bot.domain.meetings import MeetingSeries
from bot.domain.recurrence import Recurrence, RecurrenceKind, Schedule, next_occurrence, occurrences
from handlers.meetings.views import MeetingMenu, MenuStep, edit_line
from storage.meetings import Meeting
from tests.domain.test_meeting_form import ZONE, drafts

CREATED = datetime(2026, 11, 23, tzinfo=UTC)


def stored(draft: MeetingDraft, meeting_id: int = 7) -> Meeting:
    series = MeetingSeries(meeting_id, draft.title, draft.schedule, draft.place, draft.link, draft.notes)
    return Meeting(series, -100, None, 1, False, CREATED, CREATED)


@settings(max_examples=150, deadline=None)
@given(drafts(), st.integers(0, 3))
def test_the_edit_line_sent_back_unchanged_changes_nothing(draft: MeetingDraft, k: int) -> None:
    """Also once the series' first start has passed, as long as a meeting is still ahead."""
    first = occurrences(draft.schedule, CREATED, CREATED + timedelta(days=3000))
    now = first[min(k, len(first) - 1)].start + timedelta(minutes=1)
    line = edit_line(stored(draft))
    assert line is not None and line.startswith("/editmeeting 7 ")
    if next_occurrence(draft.schedule, now) is None:
        return  # the series is over: /editmeeting rightly refuses a start in the past
    again = parse_meeting_line(line.removeprefix("/editmeeting 7 "), time_zone=ZONE, now=now)
    assert again == draft


def test_a_series_the_form_cannot_write_gets_no_line() -> None:
    every_two_months = Recurrence(RecurrenceKind.MONTHLY_BY_WEEKDAY, 2, 1, 1)
    schedule = Schedule(datetime(2026, 12, 1, 19, 0), ZONE, timedelta(minutes=60), every_two_months)
    assert edit_line(stored(MeetingDraft("Circle", schedule))) is None


def test_menu_buttons_are_typed_and_forged_steps_unpack_to_nothing() -> None:
    packed = MeetingMenu(12, MenuStep.SKIP_CONFIRMED, 29_000_000).pack()
    assert MeetingMenu.unpack(packed) == MeetingMenu(12, MenuStep.SKIP_CONFIRMED, 29_000_000)
    for forged in ("mmenu:12:explode:0", "mmenu:12:ann", "mmenu:x:ann:0", "rsvp:12:ann:0"):
        assert MeetingMenu.unpack(forged) is None
