"""Daily prompt times, storage granularity and retention cut-offs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.checkins import (
    CheckInError,
    at_local_noon,
    iso_week_label,
    local_day,
    next_prompt_time,
    parse_prompt_time,
)

MADRID = ZoneInfo("Europe/Madrid")


@pytest.mark.parametrize(("text", "expected"), [("20:00", time(20)), ("8:30", time(8, 30)), (" 7 ", time(7))])
def test_prompt_times_parse(text: str, expected: time) -> None:
    assert parse_prompt_time(text) == expected


@given(st.text(max_size=8))
def test_prompt_time_parser_accepts_only_valid_clock_times(text: str) -> None:
    try:
        parsed = parse_prompt_time(text)
    except CheckInError:
        return
    assert parsed.strftime("%H:%M") == text.strip().zfill(5) or ":" not in text.strip()


@pytest.mark.parametrize("text", ["24:00", "12:60", "noon", "1:2", "٣:00", "-1", ""])
def test_bad_prompt_times_are_refused(text: str) -> None:
    with pytest.raises(CheckInError):
        parse_prompt_time(text)


def test_next_prompt_is_the_next_wall_clock_occurrence_across_dst() -> None:
    before = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)  # 21:00 in Madrid, the day before spring forward
    nxt = next_prompt_time(before, time(20), MADRID)
    assert nxt.astimezone(MADRID).replace(tzinfo=None) == datetime(2026, 3, 29, 20, 0)
    assert nxt == datetime(2026, 3, 29, 18, 0, tzinfo=UTC)  # summer time: UTC+2
    exactly = datetime(2026, 3, 29, 18, 0, tzinfo=UTC)
    assert next_prompt_time(exactly, time(20), MADRID) > exactly  # strictly after


def test_days_and_weeks() -> None:
    late = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # already Monday in Madrid
    assert local_day(late, MADRID) == date(2026, 11, 30)
    assert iso_week_label(late, MADRID) == "2026-W49" and iso_week_label(late, ZoneInfo("UTC")) == "2026-W48"
    assert local_day(at_local_noon(date(2026, 11, 30), MADRID), MADRID) == date(2026, 11, 30)
