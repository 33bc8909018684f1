"""Recovery milestones: which days, calendar months, local days, send instants, typed dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.milestones import (
    SEND_AT,
    DateError,
    DateErrorCode,
    Milestone,
    Unit,
    all_milestones,
    days_count,
    due,
    local_today,
    milestone_on,
    next_milestone,
    parse_start_date,
    plan,
    send_instant,
)

TODAY = date(2026, 11, 23)
starts = st.dates(min_value=date(1930, 1, 1), max_value=date(2090, 12, 31))


def test_the_celebrated_milestones_in_order() -> None:
    labels = [m.label for m in islice(all_milestones(), 10)]
    assert labels == ["d1", "d7", "d30", "d60", "d90", "m6", "m9", "y1", "y2", "y3"]


@given(starts)
def test_milestone_dates_strictly_increase(start: date) -> None:
    days = [m.date_from(start) for m in islice(all_milestones(), 12)]
    assert days == sorted(set(days))
    assert days[0] == start + timedelta(days=1)


@pytest.mark.parametrize(
    ("start", "milestone", "expected"),
    [
        (date(2026, 8, 31), Milestone(Unit.MONTHS, 6), date(2027, 2, 28)),  # end of month, not 3 March
        (date(2027, 8, 31), Milestone(Unit.MONTHS, 6), date(2028, 2, 29)),  # leap year
        (date(2026, 5, 31), Milestone(Unit.MONTHS, 9), date(2027, 2, 28)),
        (date(2024, 2, 29), Milestone(Unit.YEARS, 1), date(2025, 2, 28)),
        (date(2024, 2, 29), Milestone(Unit.YEARS, 4), date(2028, 2, 29)),
        (date(2026, 12, 31), Milestone(Unit.DAYS, 1), date(2027, 1, 1)),
    ],
)
def test_calendar_arithmetic_is_end_of_month_safe(start: date, milestone: Milestone, expected: date) -> None:
    assert milestone.date_from(start) == expected


def test_next_milestone_and_milestone_on() -> None:
    start = date(2026, 1, 1)
    assert next_milestone(start, start) == (Milestone(Unit.DAYS, 1), date(2026, 1, 2))
    assert next_milestone(start, date(2026, 1, 2)) == (Milestone(Unit.DAYS, 7), date(2026, 1, 8))
    assert next_milestone(start, date(2026, 7, 1)) == (Milestone(Unit.MONTHS, 9), date(2026, 10, 1))
    assert next_milestone(start, date(2031, 1, 1)) == (Milestone(Unit.YEARS, 6), date(2032, 1, 1))
    assert milestone_on(start, date(2026, 1, 31)) == Milestone(Unit.DAYS, 30)
    assert milestone_on(start, date(2026, 1, 30)) is None


@given(starts, st.integers(min_value=0, max_value=20000))
def test_exactly_the_milestone_dates_have_a_milestone(start: date, offset: int) -> None:
    day = start + timedelta(days=offset)
    found = milestone_on(start, day)
    if found is None:
        assert next_milestone(start, day - timedelta(days=1))[1] != day
    else:
        assert found.date_from(start) == day


def test_days_are_counted_on_the_members_calendar() -> None:
    now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # still the 23rd in New York, the 24th in Madrid
    assert local_today(now, "America/New_York") == date(2026, 11, 23)
    assert local_today(now, "Europe/Madrid") == date(2026, 11, 24)
    assert days_count(date(2026, 11, 1), date(2026, 11, 23)) == 22
    assert days_count(TODAY, TODAY) == 0
    assert days_count(TODAY, TODAY - timedelta(days=1)) == 0


def test_send_instant_is_morning_local_time_across_dst() -> None:
    assert send_instant(date(2026, 7, 1), "America/New_York") == datetime(2026, 7, 1, 14, 0, tzinfo=UTC)
    assert send_instant(date(2026, 12, 1), "America/New_York") == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    local = send_instant(date(2026, 3, 29), "Europe/Madrid").astimezone(ZoneInfo("Europe/Madrid"))
    assert local.time() == SEND_AT and local.date() == date(2026, 3, 29)  # the night clocks change


def test_plan_skips_milestones_up_to_the_day_the_date_was_set() -> None:
    zone = "Europe/Madrid"
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    yesterday = TODAY - timedelta(days=1)
    step = plan(yesterday, TODAY, zone, now)  # today is day 1, but the confirmation said so
    assert step.milestone.label == "d7" and step.day == date(2026, 11, 29)
    step = plan(TODAY, TODAY, zone, now)
    assert (step.milestone.label, step.day) == ("d1", date(2026, 11, 24))
    assert step.when == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_a_missed_milestone_is_sent_late_the_same_day_else_skipped() -> None:
    zone, start, set_on = "UTC", date(2026, 1, 1), date(2026, 1, 1)
    on_day_7 = datetime(2026, 1, 8, 18, 0, tzinfo=UTC)
    assert plan(start, set_on, zone, on_day_7).day == date(2026, 1, 8)  # due now: late, same day
    assert due(start, set_on, zone, on_day_7) == Milestone(Unit.DAYS, 7)
    assert plan(start, set_on, zone, on_day_7, handled=date(2026, 1, 8)).day == date(2026, 1, 31)
    day_after = datetime(2026, 1, 9, 0, 5, tzinfo=UTC)
    assert due(start, set_on, zone, day_after) is None
    assert plan(start, set_on, zone, day_after).day == date(2026, 1, 31)  # day 7 is skipped


def test_nothing_is_due_before_the_morning_or_on_the_day_it_was_set() -> None:
    start = date(2026, 1, 1)
    early = datetime(2026, 1, 8, 9, 59, tzinfo=UTC)
    assert due(start, start, "UTC", early) is None
    assert due(start, start, "UTC", early + timedelta(minutes=1)) == Milestone(Unit.DAYS, 7)
    assert due(start, date(2026, 1, 8), "UTC", early + timedelta(hours=1)) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-15", date(2026, 3, 15)),
        (" 2026/3/5 ", date(2026, 3, 5)),
        ("2026.11.23", TODAY),
        ("today", TODAY),
        ("Ayer", TODAY - timedelta(days=1)),
    ],
)
def test_typed_dates(text: str, expected: date) -> None:
    assert parse_start_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2026-02-30", DateErrorCode.FORMAT),
        ("15/03/2026", DateErrorCode.FORMAT),
        ("soon", DateErrorCode.FORMAT),
        ("2026-11-24", DateErrorCode.FUTURE),
        ("1900-01-01", DateErrorCode.TOO_OLD),
    ],
)
def test_refused_dates_say_why(text: str, code: DateErrorCode) -> None:
    with pytest.raises(DateError) as caught:
        parse_start_date(text, TODAY)
    assert caught.value.code is code


@given(st.text(max_size=40), st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_parsing_never_fails_except_kindly(text: str, today: date) -> None:
    try:
        start = parse_start_date(text, today)
    except DateError:
        return
    assert start <= today
