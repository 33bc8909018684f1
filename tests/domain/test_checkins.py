"""Check-ins: validation, personal stats, k-anonymous cells and digest timing."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.checkins import (
    CellKey,
    CheckIn,
    CheckInError,
    PublishedCell,
    RawCell,
    SuppressedCell,
    Trend,
    aggregate_cells,
    at_local_noon,
    digest_order,
    next_digest_time,
    personal_stats,
    streaks,
    suppress,
    trend,
    validate_craving,
    validate_mood,
    validate_note,
)

MADRID = ZoneInfo("Europe/Madrid")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def checkin(at: datetime, mood: int = 3, craving: int = 2, who: str = "p1", group: int | None = None):
    return CheckIn(pseudonym=who, at=at, mood=mood, craving=craving, shared_group_id=group)


def local(tz: ZoneInfo, *when: int) -> datetime:
    """The instant, in UTC, of a wall-clock time in *tz*: ``year, month, day[, hour[, minute]]``."""
    year, month, day, hour, minute = (*when, 0, 0)[:5]
    return datetime(year, month, day, hour, minute, tzinfo=tz).astimezone(UTC)


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [(1, 1), (5, 5), ("3", 3), (" 4 ", 4)])
def test_valid_moods(value, expected: int) -> None:
    assert validate_mood(value) == expected


@pytest.mark.parametrize("value", [0, 6, -1, "", "three", "3.5", "٣", True, 2.0])
def test_invalid_moods_raise_a_translatable_error(value) -> None:
    with pytest.raises(CheckInError) as raised:
        validate_mood(value)
    assert raised.value.message == "Mood must be a whole number from {low} to {high}."
    assert raised.value.params == {"low": 1, "high": 5}


@pytest.mark.parametrize("value", [0, 10, "7"])
def test_valid_cravings(value) -> None:
    assert 0 <= validate_craving(value) <= 10


@pytest.mark.parametrize("value", [-1, 11, "x"])
def test_invalid_cravings(value) -> None:
    with pytest.raises(CheckInError, match="from 0 to 10"):
        validate_craving(value)


def test_notes_are_stripped_and_empty_notes_dropped() -> None:
    assert validate_note("  a good day \r\n") == "a good day"
    assert validate_note("line one\r\nline two") == "line one\nline two"
    assert validate_note("   ") is None
    assert validate_note(None) is None
    assert validate_note("👨‍👩‍👧 family day") == "👨‍👩‍👧 family day"


def test_long_notes_and_control_characters_are_refused() -> None:
    assert validate_note("x" * 500) == "x" * 500
    with pytest.raises(CheckInError) as raised:
        validate_note("x" * 501)
    assert raised.value.params == {"limit": 500}
    with pytest.raises(CheckInError):
        validate_note("bell\x07")


@given(st.text(max_size=600))
def test_validate_note_accepts_or_refuses_but_never_crashes(text: str) -> None:
    try:
        note = validate_note(text)
    except CheckInError:
        return
    assert note is None or (0 < len(note) <= 500 and note == note.strip())


def test_checkin_validates_and_normalises_to_utc() -> None:
    made = CheckIn("p", datetime(2026, 3, 1, 9, 0, tzinfo=MADRID), 4, 1, "  ok ")
    assert made.at.tzinfo is UTC
    assert made.at.hour == 8
    assert made.note == "ok"
    with pytest.raises(ValueError, match="aware"):
        CheckIn("p", datetime(2026, 3, 1), 4, 1)
    with pytest.raises(CheckInError):
        CheckIn("p", NOW, 9, 1)


# --- streaks and stats -----------------------------------------------------------------------


def days_back(today: date, *offsets: int) -> set[date]:
    return {today - timedelta(days=n) for n in offsets}


def test_streaks_count_today_or_yesterday_as_current() -> None:
    today = date(2026, 11, 23)
    assert streaks(days_back(today, 0, 1, 2), today) == (3, 3)
    assert streaks(days_back(today, 1, 2), today) == (2, 2)
    assert streaks(days_back(today, 2, 3, 4, 5), today) == (0, 4)
    assert streaks(days_back(today, 0, 2, 3, 4, 10, 11), today) == (1, 3)
    assert streaks(set(), today) == (0, 0)


def test_streak_across_a_month_and_year_boundary() -> None:
    today = date(2027, 1, 2)
    days = {date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 2)}
    assert streaks(days, today) == (4, 4)
    leap = {date(2028, 2, 28), date(2028, 2, 29), date(2028, 3, 1)}
    assert streaks(leap, date(2028, 3, 1)) == (3, 3)


def test_streak_across_dst_uses_local_days() -> None:
    # Europe/Madrid springs forward on 2026-03-29: that local day has 23 hours.
    at = [local(MADRID, 2026, 3, day, 23, 30) for day in (27, 28, 29, 30)]
    now = local(MADRID, 2026, 3, 30, 23, 45)
    stats = personal_stats([checkin(a) for a in at], now, MADRID)
    assert (stats.current_streak, stats.best_streak) == (4, 4)
    # Judged in UTC those late-evening check-ins land on other days; the member's zone decides.
    assert (
        personal_stats([checkin(a) for a in at], now, ZoneInfo("Asia/Tokyo")).period(30).days_checked_in == 4
    )


def test_a_late_night_checkin_counts_for_the_local_day() -> None:
    late = local(NEW_YORK, 2026, 11, 22, 23, 30)  # 04:30 UTC on the 23rd
    now = local(NEW_YORK, 2026, 11, 23, 8, 0)
    stats = personal_stats([checkin(late)], now, NEW_YORK)
    assert stats.current_streak == 1  # yesterday, local time
    assert stats.period(30).days_checked_in == 1


def test_a_morning_checkin_counts_at_once() -> None:
    # Stored rows keep the day only and stand at local noon; at 08:00 today's check-in must count.
    now = local(MADRID, 2026, 12, 29, 8, 0)
    today = at_local_noon(date(2026, 12, 29), MADRID)
    stats = personal_stats([checkin(today)], now, MADRID)
    assert stats.period(30).checkins == 1
    assert stats.current_streak == 1
    tomorrow = at_local_noon(date(2026, 12, 30), MADRID)
    assert personal_stats([checkin(tomorrow)], now, MADRID).period(30).checkins == 0


def test_period_averages_and_windows() -> None:
    rows = [
        checkin(NOW - timedelta(days=1), mood=4, craving=2),
        checkin(NOW - timedelta(days=1, hours=2), mood=2, craving=6),
        checkin(NOW - timedelta(days=45), mood=1, craving=9),
        checkin(NOW - timedelta(days=200), mood=5, craving=0),
        checkin(NOW + timedelta(days=1), mood=5, craving=0),  # future: ignored
    ]
    stats = personal_stats(rows, NOW, UTC)
    month, quarter = stats.period(30), stats.period(90)
    assert (month.checkins, month.days_checked_in) == (2, 1)
    assert month.average_mood == pytest.approx(3.0)
    assert month.average_craving == pytest.approx(4.0)
    assert quarter.checkins == 3
    assert quarter.average_mood == pytest.approx(7 / 3)
    assert month.mood_trend is Trend.UNKNOWN


def test_no_checkins_gives_empty_stats() -> None:
    stats = personal_stats([], NOW, UTC)
    assert (stats.current_streak, stats.best_streak) == (0, 0)
    assert stats.period(30).average_mood is None
    assert stats.period(90).mood_trend is Trend.UNKNOWN


@pytest.mark.parametrize(
    ("moods", "expected"),
    [
        ([1, 2, 2, 3, 4, 5], Trend.RISING),
        ([5, 4, 4, 3, 2, 1], Trend.FALLING),
        ([3, 3, 4, 3, 3, 3], Trend.STEADY),
        ([3, 4], Trend.UNKNOWN),
    ],
)
def test_mood_trend(moods: list[int], expected: Trend) -> None:
    rows = [checkin(NOW - timedelta(days=2 * (len(moods) - i)), mood=m) for i, m in enumerate(moods)]
    assert personal_stats(rows, NOW, UTC).period(30).mood_trend is expected


def test_trend_threshold() -> None:
    assert trend(0.05, 10) is Trend.RISING
    assert trend(0.049, 10) is Trend.STEADY
    assert trend(-0.05, 10) is Trend.FALLING
    assert trend(None, 10) is Trend.UNKNOWN


# --- k-anonymity -----------------------------------------------------------------------------


def raw(contributors: int) -> RawCell:
    return RawCell(CellKey(7, 2026, 48), checkins=contributors * 2, contributors=contributors,
                   average_mood=3.5, average_craving=4.0)  # fmt: skip


def test_suppression_exactly_at_the_threshold() -> None:
    assert suppress(raw(4), min_contributors=5) == SuppressedCell(CellKey(7, 2026, 48))
    published = suppress(raw(5), min_contributors=5)
    assert isinstance(published, PublishedCell)
    assert (published.contributors, published.checkins, published.average_mood) == (5, 10, 3.5)


def test_a_suppressed_cell_carries_no_numbers() -> None:
    cell = suppress(raw(1), min_contributors=5)
    assert not hasattr(cell, "average_mood")
    assert not hasattr(cell, "contributors")


def test_threshold_below_three_is_refused() -> None:
    for threshold in (1, 2):
        with pytest.raises(ValueError, match="single person"):
            suppress(raw(3), min_contributors=threshold)


def test_suppression_honours_the_configured_threshold() -> None:
    assert isinstance(suppress(raw(3), min_contributors=3), PublishedCell)
    assert isinstance(suppress(raw(4), min_contributors=3), PublishedCell)
    assert suppress(raw(7), min_contributors=8) == SuppressedCell(CellKey(7, 2026, 48))


def test_aggregate_cells_counts_distinct_people_per_group_and_week() -> None:
    monday = datetime(2026, 11, 23, 10, tzinfo=UTC)  # ISO week 48
    rows = [(1, checkin(monday + timedelta(hours=i), mood=4, craving=2, who=f"p{i % 5}")) for i in range(10)]
    # Group 1 next week: four people, many check-ins each -> still suppressed.
    rows += [(1, checkin(monday + timedelta(days=7, hours=i), who=f"p{i % 4}")) for i in range(12)]
    # Group 2 same week: five people -> published.
    rows += [(2, checkin(monday + timedelta(hours=i), mood=2, craving=8, who=f"q{i}")) for i in range(5)]
    cells = aggregate_cells(rows, UTC, min_contributors=5)
    assert [c.key for c in cells] == [CellKey(1, 2026, 48), CellKey(1, 2026, 49), CellKey(2, 2026, 48)]
    first, second, third = cells
    assert isinstance(first, PublishedCell)
    assert (first.checkins, first.contributors, first.average_mood) == (10, 5, 4.0)
    assert isinstance(second, SuppressedCell)
    assert isinstance(third, PublishedCell)
    assert third.average_craving == 8.0


def test_iso_week_follows_the_group_time_zone_and_year_boundary() -> None:
    # Sunday 2027-01-03 23:30 in New York is already Monday (ISO week 1 of 2027) in UTC.
    at = local(NEW_YORK, 2027, 1, 3, 23, 30)
    rows = [(1, checkin(at, who=f"p{i}")) for i in range(5)]
    assert aggregate_cells(rows, NEW_YORK, min_contributors=5)[0].key == CellKey(1, 2026, 53)
    assert aggregate_cells(rows, UTC, min_contributors=5)[0].key == CellKey(1, 2027, 1)


# --- digest timing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("after_local", "expected_local"),
    [
        ((2026, 11, 23, 7, 0), (2026, 11, 23, 9, 0)),
        ((2026, 11, 23, 8, 29), (2026, 11, 23, 9, 0)),
        ((2026, 11, 23, 8, 31), (2026, 11, 23, 18, 0)),  # under 30 minutes before 09:00
        ((2026, 11, 23, 8, 30), (2026, 11, 23, 9, 0)),  # exactly 30 minutes
        ((2026, 11, 23, 17, 45), (2026, 11, 24, 9, 0)),
        ((2026, 12, 31, 20, 0), (2027, 1, 1, 9, 0)),
    ],
)
def test_next_digest_time(after_local, expected_local) -> None:
    result = next_digest_time(local(MADRID, *after_local), MADRID)
    assert result == local(MADRID, *expected_local)
    assert result.tzinfo is UTC


def test_digest_stays_at_local_nine_across_dst() -> None:
    # New York springs forward on 2026-03-08 and falls back on 2026-11-01.
    spring = next_digest_time(local(NEW_YORK, 2026, 3, 7, 20, 0), NEW_YORK)
    assert spring.astimezone(NEW_YORK).hour == 9
    assert spring == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)  # EDT, UTC-4
    autumn = next_digest_time(local(NEW_YORK, 2026, 10, 31, 20, 0), NEW_YORK)
    assert autumn == datetime(2026, 11, 1, 14, 0, tzinfo=UTC)  # EST, UTC-5


def test_digest_hour_inside_a_dst_gap_or_overlap() -> None:
    # 02:00 does not exist in New York on 2026-03-08; 01:00 happens twice on 2026-11-01.
    gap = next_digest_time(local(NEW_YORK, 2026, 3, 7, 23, 0), NEW_YORK, digest_hours=(2,))
    assert gap == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # the instant the clocks show 03:00
    overlap = next_digest_time(local(NEW_YORK, 2026, 10, 31, 23, 0), NEW_YORK, digest_hours=(1,))
    assert overlap == datetime(2026, 11, 1, 5, 0, tzinfo=UTC)  # first 01:00, still EDT


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)),
    st.sampled_from([UTC, MADRID, NEW_YORK, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Asia/Kathmandu")]),
)
def test_digest_time_properties(after: datetime, tz: ZoneInfo) -> None:
    result = next_digest_time(after, tz)
    assert result - after >= timedelta(minutes=30)
    assert result - after <= timedelta(hours=17)  # 17:31 -> 09:00, plus a fall-back hour
    shown = result.astimezone(tz)
    assert (shown.hour, shown.minute) in {(9, 0), (18, 0)}


def test_bad_digest_arguments() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_digest_time(datetime(2026, 1, 1), UTC)
    with pytest.raises(ValueError, match="hours"):
        next_digest_time(NOW, UTC, digest_hours=(24,))


def test_digest_order_is_a_seeded_permutation() -> None:
    items = list(range(20))
    first = digest_order(items, random.Random(1))
    assert sorted(first) == items
    assert first != items
    assert first == digest_order(items, random.Random(1))
    assert items == list(range(20))
