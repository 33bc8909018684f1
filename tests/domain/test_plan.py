"""The recovery plan's rules: text limits, review times in the member's zone, weeks, scores."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.plan import (
    SECTION_MAX_LENGTH,
    Measure,
    Outcome,
    PlanError,
    ReviewTime,
    clean_text,
    count_in_week,
    days_since,
    last_review,
    next_review,
    parse_review_time,
    parse_weekday,
    review_day,
    week_score,
    weekly_target,
)

SUNDAY_7PM_MADRID = ReviewTime(6, time(19, 0), "Europe/Madrid")


def test_text_is_kept_trimmed_and_refused_kindly_when_unusable() -> None:
    assert clean_text("  call my sister \r\n", 200) == "call my sister"
    for bad in ("", "   ", None):
        with pytest.raises(PlanError, match="empty"):
            clean_text(bad, 200)
    with pytest.raises(PlanError) as too_long:
        clean_text("x" * 5000, SECTION_MAX_LENGTH)
    assert too_long.value.params == {"limit": SECTION_MAX_LENGTH, "length": 5000}
    with pytest.raises(PlanError):
        clean_text("bell\x07", 200)
    assert clean_text("<b>html</b> & co", 200) == "<b>html</b> & co"  # kept as typed; escaped when shown


def test_weekly_targets_are_small_whole_numbers() -> None:
    assert weekly_target(" 2 ") == 2
    for bad in ("0", "15", "two", "-1", "2.5", "٣"):
        with pytest.raises(PlanError):
            weekly_target(bad)


def test_review_times_read_in_english_and_spanish() -> None:
    assert parse_review_time("Sunday 18:00") == (6, time(18, 0), None)
    assert parse_review_time("miércoles 8:30 Europe/Madrid") == (2, time(8, 30), "Europe/Madrid")
    assert parse_review_time("sun 7") == (6, time(7, 0), None)
    assert parse_weekday("s") is None and parse_weekday("sa") == 5 and parse_weekday("do") == 6
    for bad in ("someday soon", "Sunday 25:00", "Sunday", "Sunday 18:00 Madrid extra", "18:00 Sunday"):
        with pytest.raises(PlanError):
            parse_review_time(bad)


def test_the_review_comes_at_the_members_wall_clock_time() -> None:
    monday = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    due = next_review(monday, SUNDAY_7PM_MADRID)
    assert due == datetime(2026, 11, 29, 18, 0, tzinfo=UTC)  # 19:00 in Madrid (UTC+1)
    assert next_review(due, SUNDAY_7PM_MADRID) == due + timedelta(days=7)
    assert last_review(due, SUNDAY_7PM_MADRID) == due
    assert last_review(due - timedelta(seconds=1), SUNDAY_7PM_MADRID) == due - timedelta(days=7)
    assert review_day(due, "Europe/Madrid") == date(2026, 11, 29)


def test_a_clock_change_keeps_the_wall_clock_time() -> None:
    review = ReviewTime(6, time(19, 0), "Europe/Madrid")
    before = next_review(datetime(2026, 10, 20, tzinfo=UTC), review)  # 25 Oct: summer time ends that day
    assert before == datetime(2026, 10, 25, 18, 0, tzinfo=UTC)
    assert next_review(before, review) == datetime(2026, 11, 1, 18, 0, tzinfo=UTC)


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)),
    st.integers(0, 6),
    st.times(),
    st.sampled_from(["UTC", "Europe/Madrid", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]),
)
def test_last_and_next_review_bracket_now(now: datetime, weekday: int, at: time, zone: str) -> None:
    review = ReviewTime(weekday, at.replace(second=0, microsecond=0), zone)
    before, after = last_review(now, review), next_review(now, review)
    assert before <= now < after
    assert timedelta(days=6) < after - before < timedelta(days=8)


def test_weeks_counts_and_scores() -> None:
    sunday = date(2026, 11, 29)
    days = [date(2026, 11, 22), date(2026, 11, 23), date(2026, 11, 29), date(2026, 11, 30)]
    assert count_in_week(days, sunday) == 2  # Monday 23 to Sunday 29
    assert week_score(Measure.MEETINGS, 2, 1, None) == 0.5
    assert week_score(Measure.MEETINGS, 2, 5, None) == 1.0
    assert week_score(Measure.SELF, None, None, Outcome.PARTLY) == 0.5
    assert week_score(Measure.SELF, None, None, Outcome.NOT) == 0.0
    assert math.isnan(week_score(Measure.SELF, None, None, None))
    assert days_since(date(2026, 11, 1), sunday) == 28 and days_since(None, sunday) is None
