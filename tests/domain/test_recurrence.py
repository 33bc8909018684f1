"""Recurrence rules, occurrences across daylight-saving changes, and schedule validation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.i18n import translator
from bot.domain.recurrence import (
    MAX_INTERVAL,
    MeetingError,
    MeetingErrorCode,
    Recurrence,
    RecurrenceKind,
    Schedule,
    WallTime,
    local_datetime,
    monthly_position,
    next_occurrence,
    occurrences,
    validate_new_schedule,
    wall_time_kind,
    zone_for,
)

WEEKLY = Recurrence(RecurrenceKind.WEEKLY)
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
HOUR_AND_HALF = timedelta(minutes=90)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def starts(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    return [occurrence.start for occurrence in occurrences(schedule, start, end)]


# --- RRULE text ------------------------------------------------------------------------------

RULES = [
    (Recurrence(), ""),
    (WEEKLY, "FREQ=WEEKLY"),
    (Recurrence(RecurrenceKind.WEEKLY, 2), "FREQ=WEEKLY;INTERVAL=2"),
    (Recurrence(RecurrenceKind.MONTHLY_BY_WEEKDAY, 1, 0, 1), "FREQ=MONTHLY;BYDAY=1MO"),
    (
        Recurrence(RecurrenceKind.MONTHLY_BY_WEEKDAY, 1, 4, -1, date(2027, 6, 30)),
        "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20270630",
    ),
    (Recurrence(RecurrenceKind.WEEKLY, 3, until=date(2027, 1, 5)), "FREQ=WEEKLY;INTERVAL=3;UNTIL=20270105"),
]


@pytest.mark.parametrize(("recurrence", "text"), RULES)
def test_rrule_string_is_rfc5545_text_and_round_trips(recurrence: Recurrence, text: str) -> None:
    assert recurrence.to_rrule_string() == text
    assert Recurrence.from_rrule_string(text) == recurrence


recurrences = st.one_of(
    st.just(Recurrence()),
    st.builds(
        Recurrence,
        kind=st.just(RecurrenceKind.WEEKLY),
        interval=st.integers(1, MAX_INTERVAL),
        until=st.none() | st.dates(date(2000, 1, 1), date(2100, 12, 31)),
    ),
    st.builds(
        Recurrence,
        kind=st.just(RecurrenceKind.MONTHLY_BY_WEEKDAY),
        interval=st.integers(1, MAX_INTERVAL),
        weekday=st.integers(0, 6),
        ordinal=st.sampled_from((1, 2, 3, 4, -1)),
        until=st.none() | st.dates(date(2000, 1, 1), date(2100, 12, 31)),
    ),
)


@given(recurrences)
def test_every_recurrence_round_trips_through_rrule_text(recurrence: Recurrence) -> None:
    assert Recurrence.from_rrule_string(recurrence.to_rrule_string()) == recurrence


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=DAILY",
        "FREQ=WEEKLY;BYDAY=MO",
        "FREQ=MONTHLY",
        "FREQ=MONTHLY;BYDAY=5MO",
        "FREQ=MONTHLY;BYDAY=1XX",
        "FREQ=WEEKLY;COUNT=3",
        "FREQ=WEEKLY;INTERVAL=0",
        "FREQ=WEEKLY;UNTIL=20270231",
        "nonsense",
        "INTERVAL=2",
    ],
)
def test_unsupported_rrule_text_is_refused_with_a_code(text: str) -> None:
    with pytest.raises(MeetingError) as raised:
        Recurrence.from_rrule_string(text)
    assert raised.value.code in {MeetingErrorCode.INVALID_RECURRENCE, MeetingErrorCode.INTERVAL_OUT_OF_RANGE}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": RecurrenceKind.MONTHLY_BY_WEEKDAY},
        {"kind": RecurrenceKind.MONTHLY_BY_WEEKDAY, "weekday": 7, "ordinal": 1},
        {"kind": RecurrenceKind.MONTHLY_BY_WEEKDAY, "weekday": 0, "ordinal": 5},
        {"kind": RecurrenceKind.WEEKLY, "weekday": 0, "ordinal": 1},
        {"kind": RecurrenceKind.ONCE, "until": date(2027, 1, 1)},
        {"kind": RecurrenceKind.ONCE, "interval": 2},
    ],
)
def test_inconsistent_recurrences_cannot_be_built(kwargs: dict) -> None:
    with pytest.raises(MeetingError) as raised:
        Recurrence(**kwargs)
    assert raised.value.code is MeetingErrorCode.INVALID_RECURRENCE


@pytest.mark.parametrize("interval", [0, MAX_INTERVAL + 1, -1])
def test_interval_out_of_range(interval: int) -> None:
    with pytest.raises(MeetingError) as raised:
        Recurrence(RecurrenceKind.WEEKLY, interval)
    assert raised.value.code is MeetingErrorCode.INTERVAL_OUT_OF_RANGE


# --- daylight saving -------------------------------------------------------------------------


def test_weekly_new_york_meeting_keeps_19h_local_across_both_changes() -> None:
    schedule = Schedule(datetime(2026, 10, 20, 19, 0), "America/New_York", HOUR_AND_HALF, WEEKLY)
    found = occurrences(schedule, utc(2026, 10, 20), utc(2027, 3, 24))
    zone = ZoneInfo("America/New_York")
    assert {o.start.astimezone(zone).time() for o in found} == {time(19, 0)}
    assert {o.local_start.time() for o in found} == {time(19, 0)}
    by_date = {o.local_date: o.start for o in found}
    assert by_date[date(2026, 10, 27)] == utc(2026, 10, 27, 23, 0)  # EDT, UTC-4
    assert by_date[date(2026, 11, 3)] == utc(2026, 11, 4, 0, 0)  # EST, UTC-5: one hour later in UTC
    assert by_date[date(2027, 3, 9)] == utc(2027, 3, 10, 0, 0)  # still EST
    assert by_date[date(2027, 3, 16)] == utc(2027, 3, 16, 23, 0)  # EDT again
    assert len(found) == 23  # 2026-10-20 .. 2027-03-23, every 7 days


def test_weekly_london_meeting_keeps_19h_local_across_both_changes() -> None:
    schedule = Schedule(datetime(2026, 10, 22, 19, 0), "Europe/London", HOUR_AND_HALF, WEEKLY)
    by_date = {o.local_date: o.start for o in occurrences(schedule, utc(2026, 10, 1), utc(2027, 4, 5))}
    assert by_date[date(2026, 10, 22)] == utc(2026, 10, 22, 18, 0)  # BST
    assert by_date[date(2026, 10, 29)] == utc(2026, 10, 29, 19, 0)  # GMT
    assert by_date[date(2027, 3, 25)] == utc(2027, 3, 25, 19, 0)  # GMT
    assert by_date[date(2027, 4, 1)] == utc(2027, 4, 1, 18, 0)  # BST again


def test_zone_without_dst_keeps_the_same_utc_time() -> None:
    schedule = Schedule(datetime(2026, 10, 20, 19, 0), "Asia/Kolkata", HOUR_AND_HALF, WEEKLY)
    found = occurrences(schedule, utc(2026, 10, 1), utc(2027, 10, 1))
    assert {o.start.time() for o in found} == {time(13, 30)}
    assert len(found) == 50


def test_nonexistent_local_time_shifts_forward_by_the_gap() -> None:
    # 2027-03-14: New York clocks jump from 02:00 to 03:00, so 02:30 does not exist that night.
    schedule = Schedule(datetime(2027, 3, 7, 2, 30), "America/New_York", HOUR_AND_HALF, WEEKLY)
    found = {o.local_date: o for o in occurrences(schedule, utc(2027, 3, 1), utc(2027, 3, 25))}
    gap = found[date(2027, 3, 14)]
    assert gap.local_start == datetime(2027, 3, 14, 2, 30)  # as scheduled
    assert gap.start == utc(2027, 3, 14, 7, 30)  # read with the offset before the gap (EST)
    assert gap.start.astimezone(ZoneInfo("America/New_York")).time() == time(3, 30)
    assert found[date(2027, 3, 7)].start == utc(2027, 3, 7, 7, 30)
    assert found[date(2027, 3, 21)].start == utc(2027, 3, 21, 6, 30)


def test_ambiguous_local_time_means_the_first_one() -> None:
    # 2026-11-01: New York clocks go back from 02:00 to 01:00, so 01:30 happens twice.
    schedule = Schedule(datetime(2026, 10, 25, 1, 30), "America/New_York", HOUR_AND_HALF, WEEKLY)
    found = {o.local_date: o.start for o in occurrences(schedule, utc(2026, 10, 20), utc(2026, 11, 10))}
    assert found[date(2026, 11, 1)] == utc(2026, 11, 1, 5, 30)  # 01:30 EDT, the first
    assert found[date(2026, 10, 25)] == utc(2026, 10, 25, 5, 30)
    assert found[date(2026, 11, 8)] == utc(2026, 11, 8, 6, 30)


zones = st.sampled_from(
    ["America/New_York", "Europe/London", "Europe/Madrid", "Australia/Sydney", "Asia/Kolkata", "UTC"]
)


@settings(max_examples=60, deadline=None)
@given(
    zone=zones,
    first=st.datetimes(datetime(2025, 1, 1), datetime(2030, 1, 1)).map(
        lambda d: d.replace(second=0, microsecond=0)
    ),
    interval=st.integers(1, 4),
)
def test_weekly_occurrences_keep_wall_time_and_weekday(zone: str, first: datetime, interval: int) -> None:
    schedule = Schedule(first, zone, HOUR_AND_HALF, Recurrence(RecurrenceKind.WEEKLY, interval))
    window_start = first.replace(tzinfo=UTC) - timedelta(days=2)
    found = occurrences(schedule, window_start, window_start + timedelta(days=400))
    assert found, "a weekly series has occurrences within 400 days of its start"
    for occurrence in found:
        assert occurrence.local_start.time() == first.time()
        assert occurrence.local_start.weekday() == first.weekday()
        assert (occurrence.local_start.date() - first.date()).days % (7 * interval) == 0
        assert occurrence.end - occurrence.start == HOUR_AND_HALF
        shown = occurrence.start.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        # Equal to the wall time unless it fell in a DST gap, where it moves forward by under a day.
        assert timedelta(0) <= shown - occurrence.local_start < timedelta(hours=3)


# --- rules -----------------------------------------------------------------------------------


def test_monthly_first_monday_and_last_friday() -> None:
    first_monday = Recurrence(RecurrenceKind.MONTHLY_BY_WEEKDAY, 1, 0, 1)
    last_friday = Recurrence(RecurrenceKind.MONTHLY_BY_WEEKDAY, 1, 4, -1)
    mondays = Schedule(datetime(2026, 12, 7, 18, 0), "Europe/Madrid", HOUR_AND_HALF, first_monday)
    fridays = Schedule(datetime(2026, 11, 27, 18, 0), "Europe/Madrid", HOUR_AND_HALF, last_friday)
    window = (utc(2026, 11, 1), utc(2027, 4, 1))
    assert [o.local_date for o in occurrences(mondays, *window)] == [
        date(2026, 12, 7),
        date(2027, 1, 4),
        date(2027, 2, 1),
        date(2027, 3, 1),
    ]
    assert [o.local_date for o in occurrences(fridays, *window)] == [
        date(2026, 11, 27),
        date(2026, 12, 25),
        date(2027, 1, 29),
        date(2027, 2, 26),
        date(2027, 3, 26),
    ]


def test_every_two_weeks_until_is_inclusive_and_skipped_dates_are_left_out() -> None:
    recurrence = Recurrence(RecurrenceKind.WEEKLY, 2, until=date(2027, 1, 26))
    schedule = Schedule(
        datetime(2026, 12, 1, 19, 0),
        "Europe/Madrid",
        HOUR_AND_HALF,
        recurrence,
        frozenset({date(2026, 12, 29)}),
    )
    dates = [o.local_date for o in occurrences(schedule, utc(2026, 1, 1), utc(2028, 1, 1))]
    assert dates == [date(2026, 12, 1), date(2026, 12, 15), date(2027, 1, 12), date(2027, 1, 26)]


def test_window_is_half_open_on_start_instants() -> None:
    schedule = Schedule(datetime(2026, 12, 1, 19, 0), "UTC", HOUR_AND_HALF, WEEKLY)
    assert starts(schedule, utc(2026, 12, 1, 19), utc(2026, 12, 8, 19)) == [utc(2026, 12, 1, 19)]
    assert starts(schedule, utc(2026, 12, 1, 19, 1), utc(2026, 12, 8, 19, 1)) == [utc(2026, 12, 8, 19)]


def test_window_accepts_any_aware_zone_and_refuses_naive() -> None:
    schedule = Schedule(datetime(2026, 12, 1, 19, 0), "Europe/Madrid", HOUR_AND_HALF, WEEKLY)
    tokyo = ZoneInfo("Asia/Tokyo")
    assert starts(schedule, datetime(2026, 12, 2, 0, 0, tzinfo=tokyo), utc(2026, 12, 2)) == [
        utc(2026, 12, 1, 18)
    ]
    with pytest.raises(TypeError):
        occurrences(schedule, datetime(2026, 12, 1), utc(2026, 12, 2))


def test_next_occurrence() -> None:
    schedule = Schedule(
        datetime(2026, 12, 1, 19, 0),
        "Europe/Madrid",
        HOUR_AND_HALF,
        Recurrence(RecurrenceKind.WEEKLY, until=date(2026, 12, 22)),
        frozenset({date(2026, 12, 8)}),
    )
    first = next_occurrence(schedule, NOW)
    assert first is not None and first.start == utc(2026, 12, 1, 18)
    after_first = next_occurrence(schedule, first.start)  # strictly after; the 8th is skipped
    assert after_first is not None and after_first.local_date == date(2026, 12, 15)
    assert next_occurrence(schedule, utc(2026, 12, 22, 18)) is None


def test_next_occurrence_of_an_open_series_far_ahead() -> None:
    schedule = Schedule(datetime(2026, 12, 1, 19, 0), "Europe/Madrid", HOUR_AND_HALF, WEEKLY)
    found = next_occurrence(schedule, utc(2040, 6, 1))
    assert found is not None and found.local_start == datetime(2040, 6, 5, 19, 0)


def test_one_off_has_a_single_occurrence() -> None:
    schedule = Schedule(datetime(2026, 12, 1, 19, 0), "Europe/Madrid", HOUR_AND_HALF)
    assert starts(schedule, utc(2026, 1, 1), utc(2030, 1, 1)) == [utc(2026, 12, 1, 18)]
    assert next_occurrence(schedule, utc(2026, 12, 1, 18)) is None


def test_monthly_position() -> None:
    assert monthly_position(date(2026, 12, 1)) == (1, 1)
    assert monthly_position(date(2026, 12, 24)) == (3, 4)
    assert monthly_position(date(2026, 12, 29)) == (1, -1)


# --- validation ------------------------------------------------------------------------------


def code_of(call) -> MeetingErrorCode:
    with pytest.raises(MeetingError) as raised:
        call()
    return raised.value.code


def test_unknown_time_zones() -> None:
    for name in ["Mars/Olympus", "", "../etc/passwd", "Europe/Madrid "]:
        assert code_of(lambda name=name: zone_for(name)) is MeetingErrorCode.UNKNOWN_TIME_ZONE
    assert code_of(lambda: Schedule(datetime(2026, 12, 1, 19), "Nowhere/City", HOUR_AND_HALF)) is (
        MeetingErrorCode.UNKNOWN_TIME_ZONE
    )


def test_impossible_dates() -> None:
    assert code_of(lambda: local_datetime(2027, 2, 31, 19, 0)) is MeetingErrorCode.IMPOSSIBLE_DATE
    assert code_of(lambda: local_datetime(2027, 2, 29)) is MeetingErrorCode.IMPOSSIBLE_DATE
    assert local_datetime(2028, 2, 29, 19, 0) == datetime(2028, 2, 29, 19, 0)


@pytest.mark.parametrize(
    ("minutes", "ok"), [(4, False), (5, True), (90, True), (480, True), (481, False), (0, False)]
)
def test_duration_range(minutes: int, ok: bool) -> None:
    def build() -> Schedule:
        return Schedule(datetime(2026, 12, 1, 19), "UTC", timedelta(minutes=minutes))

    if ok:
        assert build().duration == timedelta(minutes=minutes)
    else:
        assert code_of(build) is MeetingErrorCode.DURATION_OUT_OF_RANGE


def test_until_before_start_and_start_not_on_rule() -> None:
    before = Recurrence(RecurrenceKind.WEEKLY, until=date(2026, 11, 30))
    assert code_of(lambda: Schedule(datetime(2026, 12, 1, 19), "UTC", HOUR_AND_HALF, before)) is (
        MeetingErrorCode.UNTIL_BEFORE_START
    )
    first_monday = Recurrence(RecurrenceKind.MONTHLY_BY_WEEKDAY, 1, 0, 1)
    assert code_of(lambda: Schedule(datetime(2026, 12, 1, 19), "UTC", HOUR_AND_HALF, first_monday)) is (
        MeetingErrorCode.START_NOT_ON_RULE
    )


def test_start_must_be_naive_and_in_range() -> None:
    with pytest.raises(TypeError):
        Schedule(utc(2026, 12, 1, 19), "UTC", HOUR_AND_HALF)
    assert code_of(lambda: Schedule(datetime(1999, 12, 1, 19), "UTC", HOUR_AND_HALF)) is (
        MeetingErrorCode.START_OUT_OF_RANGE
    )


def test_one_off_in_the_past_is_refused_but_a_past_weekly_start_is_not() -> None:
    past = datetime(2026, 11, 23, 2, 0)  # 03:00 in Madrid is still ahead; 02:00 is not
    one_off = Schedule(past, "Europe/Madrid", HOUR_AND_HALF)
    assert code_of(lambda: validate_new_schedule(one_off, NOW)) is MeetingErrorCode.START_IN_PAST
    validate_new_schedule(Schedule(past, "Europe/Madrid", HOUR_AND_HALF, WEEKLY), NOW)
    validate_new_schedule(Schedule(datetime(2026, 11, 23, 3, 1), "Europe/Madrid", HOUR_AND_HALF), NOW)
    ended = Recurrence(RecurrenceKind.WEEKLY, until=date(2026, 11, 22))
    ended_schedule = Schedule(datetime(2026, 11, 1, 19), "Europe/Madrid", HOUR_AND_HALF, ended)
    assert code_of(lambda: validate_new_schedule(ended_schedule, NOW)) is MeetingErrorCode.UNTIL_IN_PAST


def test_errors_render_translated_and_escaped() -> None:
    with pytest.raises(MeetingError) as raised:
        zone_for("<b>Evil</b>")
    english = raised.value.render(translator("en"))
    spanish = raised.value.render(translator("es"))
    assert "&lt;b&gt;Evil&lt;/b&gt;" in english and "<b>" not in english
    assert "&lt;b&gt;Evil&lt;/b&gt;" in spanish and spanish != english


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (datetime(2026, 3, 29, 2, 30), WallTime.SKIPPED),  # Madrid springs forward 02:00 -> 03:00
        (datetime(2026, 10, 25, 2, 30), WallTime.REPEATED),  # and falls back 03:00 -> 02:00
        (datetime(2026, 3, 29, 3, 30), WallTime.EXISTS),
        (datetime(2026, 10, 25, 3, 0), WallTime.EXISTS),
        (datetime(2026, 12, 1, 19, 0), WallTime.EXISTS),
    ],
)
def test_times_that_do_not_exist_or_happen_twice_are_recognised(local: datetime, expected: WallTime) -> None:
    assert wall_time_kind(local, ZoneInfo("Europe/Madrid")) is expected
