"""The .ics export, checked against an independent expander (``recurring_ical_events``).

If our occurrences and what a calendar app would compute from the file ever disagree, members
would see a meeting at a different time in their calendar than in the bot's reminders.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import recurring_ical_events
from icalendar import Calendar, vRecur

from bot.domain.calendar_export import meeting_uid, meetings_to_ics
from bot.domain.meetings import MeetingSeries
from bot.domain.recurrence import Recurrence, RecurrenceKind, Schedule, occurrences, to_utc

NOW = datetime(2026, 10, 1, tzinfo=UTC)
YEAR_LATER = NOW + timedelta(days=365)
WEEKLY = Recurrence(RecurrenceKind.WEEKLY)
HOUR_AND_HALF = timedelta(minutes=90)


def monthly(weekday: int, ordinal: int, until: date | None = None) -> Recurrence:
    return Recurrence(RecurrenceKind.MONTHLY_BY_WEEKDAY, 1, weekday, ordinal, until)


SCHEDULES = {
    "weekly New York across both DST changes": Schedule(
        datetime(2026, 10, 20, 19, 0), "America/New_York", HOUR_AND_HALF, WEEKLY
    ),
    "every 2 weeks London": Schedule(
        datetime(2026, 10, 15, 19, 0),
        "Europe/London",
        timedelta(hours=2),
        Recurrence(RecurrenceKind.WEEKLY, 2),
    ),
    "monthly first Monday New York": Schedule(
        datetime(2026, 10, 5, 18, 30), "America/New_York", HOUR_AND_HALF, monthly(0, 1)
    ),
    "monthly last Friday London until": Schedule(
        datetime(2026, 10, 30, 20, 0), "Europe/London", timedelta(hours=1), monthly(4, -1, date(2027, 5, 28))
    ),
    "weekly Kolkata until, no DST": Schedule(
        datetime(2026, 10, 6, 19, 0),
        "Asia/Kolkata",
        timedelta(minutes=45),
        Recurrence(RecurrenceKind.WEEKLY, until=date(2027, 3, 30)),
    ),
    "weekly New York with skipped dates on both sides of a change": Schedule(
        datetime(2026, 10, 20, 19, 0),
        "America/New_York",
        HOUR_AND_HALF,
        WEEKLY,
        frozenset({date(2026, 10, 27), date(2026, 11, 3), date(2027, 3, 16)}),
    ),
    "every 3 weeks London with until and skips": Schedule(
        datetime(2026, 10, 8, 7, 0),
        "Europe/London",
        timedelta(minutes=30),
        Recurrence(RecurrenceKind.WEEKLY, 3, until=date(2027, 6, 10)),
        frozenset({date(2026, 12, 31)}),
    ),
    "monthly last Friday Kolkata": Schedule(
        datetime(2026, 10, 30, 7, 0), "Asia/Kolkata", timedelta(hours=8), monthly(4, -1)
    ),
    "DST gap: weekly 02:30 New York": Schedule(
        datetime(2027, 3, 7, 2, 30), "America/New_York", HOUR_AND_HALF, WEEKLY
    ),
    "DST overlap: weekly 01:30 New York": Schedule(
        datetime(2026, 10, 25, 1, 30), "America/New_York", HOUR_AND_HALF, WEEKLY
    ),
    "one-off London": Schedule(datetime(2026, 12, 1, 19, 0), "Europe/London", HOUR_AND_HALF),
}


#: Occurrences during which the clocks change, in the 12 months from NOW: the gap case meets at
#: 02:30 on 2027-03-14; the overlap case at 01:30 on 2026-11-01 and, lasting past 02:00, 2027-03-14.
CHANGE_NIGHTS = {"DST gap: weekly 02:30 New York": 1, "DST overlap: weekly 01:30 New York": 2}


def series(meeting_id: int, schedule: Schedule, **text: str) -> MeetingSeries:
    return MeetingSeries(id=meeting_id, title=f"Meeting {meeting_id}", schedule=schedule, **text)


def expanded_by_ical(
    ics: bytes, start: datetime, end: datetime
) -> dict[str, list[tuple[datetime, datetime]]]:
    """Occurrences per UID as an independent iCalendar expander computes them from our file."""
    found: dict[str, list[tuple[datetime, datetime]]] = {}
    for event in recurring_ical_events.of(Calendar.from_ical(ics)).between(start, end):
        event_start = event.decoded("DTSTART").astimezone(UTC)
        if start <= event_start < end:  # ours counts by start; theirs also returns overlapping ones
            found.setdefault(str(event["UID"]), []).append(
                (event_start, event.decoded("DTEND").astimezone(UTC))
            )
    return {uid: sorted(times) for uid, times in found.items()}


def assert_same_occurrences(schedule: Schedule, theirs: list[tuple[datetime, datetime]]) -> int:
    """Same start instants and, apart from clock-change nights, the same ends.

    RFC 5545 (3.3.6) makes hours and minutes in DURATION exact: a 90-minute meeting starting at
    01:30 on fall-back night lasts 90 real minutes, and so do ours.  ``recurring_ical_events``
    adds the duration to the scheduled wall time instead, so on nights when the clocks change
    during a meeting (or the start falls in the gap) its end differs from ours.  Both readings are
    checked exactly; returns how many occurrences are such nights.
    """
    ours = occurrences(schedule, NOW, YEAR_LATER)
    assert ours, "every case has occurrences in the window"
    assert [start for start, _ in theirs] == [o.start for o in ours]
    differing = 0
    for occurrence, (_, their_end) in zip(ours, theirs, strict=True):
        assert occurrence.end - occurrence.start == schedule.duration
        nominal_end = to_utc(occurrence.local_start + schedule.duration, schedule.zone)
        assert their_end == nominal_end
        differing += nominal_end != occurrence.end
    return differing


@pytest.mark.parametrize("name", SCHEDULES)
def test_exported_series_expands_to_our_occurrences(name: str) -> None:
    schedule = SCHEDULES[name]
    ics = meetings_to_ics([series(7, schedule)], "Group", NOW)
    differing = assert_same_occurrences(
        schedule, expanded_by_ical(ics, NOW, YEAR_LATER).get(meeting_uid(7), [])
    )
    assert differing == CHANGE_NIGHTS.get(name, 0)


def test_many_series_in_one_calendar_keep_their_own_occurrences() -> None:
    meetings = [series(number, schedule) for number, schedule in enumerate(SCHEDULES.values(), start=1)]
    expanded = expanded_by_ical(meetings_to_ics(meetings, "Group", NOW), NOW, YEAR_LATER)
    for meeting in meetings:
        assert_same_occurrences(meeting.schedule, expanded[meeting_uid(meeting.id)])


def test_calendar_structure() -> None:
    meetings = [
        series(1, SCHEDULES["weekly New York across both DST changes"], place="Room 2; upstairs, left"),
        series(
            2,
            SCHEDULES["every 2 weeks London"],
            link="https://meet.example.org/circle?a=1&b=2",
            notes="Bring a friend,\nand tea; <b>",
        ),
        series(3, SCHEDULES["weekly Kolkata until, no DST"]),
    ]
    calendar = Calendar.from_ical(meetings_to_ics(meetings, "Tuesday <Group> & co", NOW))
    assert str(calendar["X-WR-CALNAME"]) == "Tuesday <Group> & co"
    assert {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")} == {
        "America/New_York",
        "Europe/London",
        "Asia/Kolkata",
    }
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {"meeting-1@kindred", "meeting-2@kindred", "meeting-3@kindred"}
    first, second, third = (events[meeting_uid(n)] for n in (1, 2, 3))
    assert first["DTSTART"].params["TZID"] == "America/New_York"
    assert first.decoded("DTSTART") == datetime(2026, 10, 20, 19, 0, tzinfo=first.decoded("DTSTART").tzinfo)
    assert first.decoded("DURATION") == HOUR_AND_HALF
    assert str(first["LOCATION"]) == "Room 2; upstairs, left"
    assert "URL" not in first
    assert str(second["LOCATION"]) == str(second["URL"]) == "https://meet.example.org/circle?a=1&b=2"
    assert str(second["DESCRIPTION"]) == "Bring a friend,\nand tea; <b>"
    second_rule, third_rule = second["RRULE"], third["RRULE"]
    assert isinstance(second_rule, vRecur) and isinstance(third_rule, vRecur)
    assert second_rule["INTERVAL"] == [2]
    until = third_rule["UNTIL"][0]
    assert isinstance(until, datetime)
    assert until.tzinfo is not None and until.utcoffset() == timedelta(0)  # RFC 5545: UTC with TZID
    assert until == datetime(2027, 3, 30, 18, 29, 59, tzinfo=UTC)  # 23:59:59 in Kolkata


def test_skipped_dates_become_exdates_at_the_meeting_time() -> None:
    schedule = SCHEDULES["weekly New York with skipped dates on both sides of a change"]
    event = next(iter(Calendar.from_ical(meetings_to_ics([series(1, schedule)], "G", NOW)).walk("VEVENT")))
    exdates = [d.dt for exdate in _as_list(event["EXDATE"]) for d in exdate.dts]
    assert sorted(d.replace(tzinfo=None) for d in exdates) == [
        datetime(2026, 10, 27, 19, 0),
        datetime(2026, 11, 3, 19, 0),
        datetime(2027, 3, 16, 19, 0),
    ]
    assert all(str(d.tzinfo) == "America/New_York" for d in exdates)


def test_empty_calendar_is_still_valid() -> None:
    calendar = Calendar.from_ical(meetings_to_ics([], "Group", NOW))
    assert calendar.walk("VEVENT") == []
    assert str(calendar["VERSION"]) == "2.0"


def test_uid_is_stable_across_exports() -> None:
    meeting = series(42, SCHEDULES["one-off London"])
    later = NOW + timedelta(days=3)
    uids = [
        str(next(iter(Calendar.from_ical(meetings_to_ics([meeting], "G", now)).walk("VEVENT")))["UID"])
        for now in (NOW, later)
    ]
    assert uids == ["meeting-42@kindred", "meeting-42@kindred"]


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]
