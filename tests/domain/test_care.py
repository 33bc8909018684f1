"""Care for the carers, the pure rules: weekly time and time-off input, when things are due,
aggregates across workers with small-cell suppression, and the over-load rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.domain.care import (
    AwayPeriod,
    CareError,
    CheckRow,
    SelfCheck,
    WeekHidden,
    WeeklyTime,
    WeekShown,
    WorkerLoad,
    follow_up_time,
    next_prompt,
    parse_away,
    parse_weekly_time,
    proposal_slots,
    weekly_aggregates,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday


def test_weekly_time_is_a_day_and_a_time_in_english_or_spanish() -> None:
    assert parse_weekly_time(["fri", "17:00"]) == WeeklyTime(4, time(17, 0))
    assert parse_weekly_time(["Viernes", "7"]) == WeeklyTime(4, time(7, 0))
    assert parse_weekly_time(["off"]) is None
    for bad in ([], ["fri"], ["someday", "17:00"], ["fri", "25:00"], ["fri", "17:00", "x"]):
        with pytest.raises(CareError):
            parse_weekly_time(bad)


def test_the_weekly_prompt_keeps_its_wall_time_across_a_clock_change() -> None:
    friday = WeeklyTime(4, time(17, 0))
    assert next_prompt(friday, "UTC", NOW) == datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    monday_noon = WeeklyTime(0, time(12, 0))
    assert next_prompt(monday_noon, "UTC", NOW) == datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # strictly after
    # Madrid leaves summer time on 25 Oct 2026: 17:00 local is 15:00 UTC before, 16:00 UTC after.
    before = datetime(2026, 10, 20, 0, 0, tzinfo=UTC)
    assert next_prompt(friday, "Europe/Madrid", before) == datetime(2026, 10, 23, 15, 0, tzinfo=UTC)
    after = datetime(2026, 10, 24, 0, 0, tzinfo=UTC)
    assert next_prompt(friday, "Europe/Madrid", after) == datetime(2026, 10, 30, 16, 0, tzinfo=UTC)


def test_the_next_day_check_is_the_next_local_morning() -> None:
    late = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # already the 24th in Madrid
    assert follow_up_time(late, "UTC") == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert follow_up_time(late, "Europe/Madrid") == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_proposal_slots_start_tomorrow() -> None:
    slots = proposal_slots(NOW, "UTC")
    assert slots[0] == datetime(2026, 11, 24, 10, 0) and len(slots) == 9
    assert all(slot.tzinfo is None for slot in slots)


def test_time_off_input() -> None:
    today = date(2026, 11, 23)
    assert parse_away(["until", "2026-11-30"], today) == AwayPeriod(today, date(2026, 11, 30))
    assert parse_away(["2026-12-20", "2027-01-03"], today) == AwayPeriod(date(2026, 12, 20), date(2027, 1, 3))
    assert parse_away(["2026-11-01", "2026-11-25"], today) == AwayPeriod(today, date(2026, 11, 25))
    assert parse_away(["off"], today) is None
    for bad in (["until"], ["2026-12-03", "2026-12-01"], ["2026-11-01", "2026-11-02"], ["x", "y"]):
        with pytest.raises(CareError):
            parse_away(bad, today)
    with pytest.raises(CareError):
        parse_away(["until", "2027-06-01"], today)  # over 120 days
    start, end = AwayPeriod(date(2026, 12, 1), date(2026, 12, 2)).bounds("Europe/Madrid")
    assert (start, end) == (datetime(2026, 11, 30, 23, tzinfo=UTC), datetime(2026, 12, 2, 23, tzinfo=UTC))


def test_self_check_scales_are_checked() -> None:
    SelfCheck(1, 5, 3, 0, False)
    for bad in ((0, 3, 3, 2), (3, 6, 3, 2), (3, 3, 3, -1), (3, 3, 3, 169)):
        with pytest.raises(ValueError):
            SelfCheck(*bad, wants_talk=False)


def row(user: int, day: int, energy: int, hours: int = 4) -> CheckRow:
    return CheckRow(user, datetime(2026, 11, day, 12, tzinfo=UTC), energy, 3, 3, hours)


def test_aggregates_count_workers_not_answers_and_hide_small_weeks() -> None:
    rows = [
        row(1, 16, 1),
        row(1, 17, 1),
        row(1, 18, 1),
        row(2, 16, 5),  # week of 16 Nov: 2 workers
        row(1, 23, 2),
        row(1, 24, 4),
        row(2, 23, 3),
        row(3, 25, 3),  # week of 23 Nov: 3 workers
    ]
    cells = weekly_aggregates(rows, min_contributors=3)
    assert cells[0] == WeekHidden(date(2026, 11, 16))
    shown = cells[1]
    assert isinstance(shown, WeekShown) and shown.week == date(2026, 11, 23) and shown.contributors == 3
    assert shown.energy == pytest.approx(
        3.0
    )  # worker 1's two answers average to 3 first: nobody weighs double
    assert not hasattr(cells[0], "energy")
    with pytest.raises(ValueError):
        weekly_aggregates(rows, min_contributors=2)  # below the floor: a programming error


def load(mentees: int = 0, capacity: int | None = None) -> WorkerLoad:
    return WorkerLoad(7, "Sam", 1, 4, 3, mentees, capacity, 2, 1, None)


def test_the_over_load_rule() -> None:
    assert load().points == 1 + 4 + 3 + 0 + 3 * 2
    assert load().over(13) and not load().over(14)
    assert load(mentees=3, capacity=2).over(100)  # more mentees than their own capacity
    assert not load(mentees=2, capacity=2).over(100)
