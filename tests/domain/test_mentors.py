"""Mentoring's typed answers, the draft's step order, and time-to-match statistics."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.matching import Focus, GenderWish
from bot.domain.mentors import (
    MAX_MONTHS,
    MENTOR_STEPS,
    Draft,
    MentorRecord,
    MentorSummary,
    clean_text,
    gender_code,
    months_ago,
    months_between,
    parse_language_codes,
    parse_recovery_start,
    time_to_match,
)

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18", date(2025, 5, 1)),
        (" 0 ", date(2026, 11, 1)),
        ("2024-03-01", date(2024, 3, 1)),
        ("2024-3", date(2024, 3, 1)),
        ("2026-11-23", TODAY),
    ],
)
def test_recovery_is_months_or_a_start_date(text: str, expected: date) -> None:
    assert parse_recovery_start(text, TODAY) == expected


@pytest.mark.parametrize("text", ["", "soon", "2026-11-24", "2024-02-30", "-3", "18 months", "99999"])
def test_recovery_refuses_what_it_cannot_read_or_the_future(text: str) -> None:
    assert parse_recovery_start(text, TODAY) is None


@given(st.text(max_size=40))
def test_recovery_parser_never_raises_and_never_returns_the_future(text: str) -> None:
    start = parse_recovery_start(text, TODAY)
    assert start is None or (start <= TODAY and months_between(start, TODAY) <= MAX_MONTHS)


@given(st.integers(min_value=0, max_value=MAX_MONTHS))
def test_months_typed_come_back_as_months(months: int) -> None:
    assert months_between(months_ago(months, TODAY), TODAY) == months


def test_language_codes() -> None:
    assert parse_language_codes("ca, EU;pt") == frozenset({"ca", "eu", "pt"})
    assert parse_language_codes("spanish") is None
    assert parse_language_codes("") is None


@given(st.text(max_size=60))
def test_language_codes_are_short_lower_letters_or_refused(text: str) -> None:
    codes = parse_language_codes(text)
    assert codes is None or all(2 <= len(c) <= 3 and c.isascii() and c.islower() for c in codes)


def test_free_text_is_trimmed_and_limited() -> None:
    assert clean_text("  hello   there ", 20) == "hello there"
    assert clean_text("   ", 20) is None
    assert clean_text("x" * 21, 20) is None


def test_a_request_skips_the_gender_question_without_a_wish() -> None:
    draft = Draft(kind="request", step="gender_wish")
    assert draft.advance() == "confirm"
    wishing = Draft(kind="request", step="gender_wish", gender_wish=GenderWish.REQUIRE)
    assert wishing.advance() == "gender"
    mentor = Draft(kind="mentor")
    visited = [mentor.step]
    while mentor.step != "confirm":
        visited.append(mentor.advance())
    assert tuple(visited) == MENTOR_STEPS


def test_time_to_match() -> None:
    assert time_to_match([]).count == 0
    stats = time_to_match([timedelta(hours=h) for h in (5, 1, 30)])
    assert (stats.count, stats.median, stats.longest) == (3, timedelta(hours=5), timedelta(hours=30))


@pytest.mark.parametrize(
    ("typed", "code"),
    [("Mujer", "woman"), ("woman", "woman"), ("No binario", "nonbinary"), ("Agender", "agender")],
)
def test_a_typed_gender_in_any_language_matches_the_buttons(typed: str, code: str) -> None:
    assert gender_code(typed) == code


def test_the_summary_a_member_sees_names_nobody() -> None:
    """Before both accept, the member sees areas, languages and experience: nothing identifying."""
    record = MentorRecord(
        focus=frozenset({Focus.ALCOHOL}),
        recovery_since=date(2023, 5, 20),
        languages=frozenset({"es", "en"}),
        timezone="Europe/Madrid",
        availability=frozenset(),
        capacity=2,
        gender="woman",
        preferences="text first",
        intro="I'm Ana from Triana; call me any evening.",
        user_id=42,
        status="active",
    )
    summary = record.summary(datetime(2026, 11, 23, 12, tzinfo=UTC))
    assert summary == MentorSummary(frozenset({Focus.ALCOHOL}), frozenset({"es", "en"}), 42)
    assert {f.name for f in fields(summary)} == {"focus", "languages", "months_in_recovery"}
