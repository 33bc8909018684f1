"""Attendance domain: windows, corrections, report rules, CSV, proof codes, letters and ranges."""

from __future__ import annotations

import csv
import dataclasses
import io
import shutil
import struct
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypedDict, Unpack

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from bot.domain.attendance import (
    CSV_HEADER,
    AttendanceRow,
    AttendedMeeting,
    DateRange,
    MemberCount,
    OccurrenceCount,
    ProofLetter,
    RangeError,
    RollCallState,
    attendance_csv,
    code_matches,
    correctable,
    local_day_range,
    normalize_code,
    parse_date_range,
    proof_code,
    proof_key,
    roll_call_state,
    roll_call_window,
    summarize,
)
from bot.domain.checkins import Trend
from bot.domain.i18n import translator
from bot.domain.proof_pdf import proof_pdf

START = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
END = START + timedelta(hours=1)
KEY = proof_key("a-test-secret-that-is-long-enough-0123456789")


def test_the_window_opens_before_the_start_and_closes_after_the_end() -> None:
    window = roll_call_window(START, END, timedelta(minutes=15))
    assert roll_call_state(window, START - timedelta(minutes=16)) is RollCallState.EARLY
    assert roll_call_state(window, START - timedelta(minutes=15)) is RollCallState.OPEN
    assert roll_call_state(window, END + timedelta(minutes=14)) is RollCallState.OPEN
    assert roll_call_state(window, END + timedelta(minutes=15)) is RollCallState.CLOSED


def test_naive_times_are_refused() -> None:
    with pytest.raises(TypeError):
        roll_call_window(START.replace(tzinfo=None), END)


def test_corrections_reach_back_seven_days() -> None:
    assert correctable(START, START + timedelta(days=7))
    assert not correctable(START, START + timedelta(days=7, seconds=1))
    assert correctable(START, START - timedelta(minutes=15))  # once its roll call is open
    assert not correctable(START, START - timedelta(hours=1))


def occurrence(day: int, present: int, chat_id: int = -1) -> OccurrenceCount:
    start = datetime(2026, 9, 1, 18, tzinfo=UTC) + timedelta(days=day)
    return OccurrenceCount(chat_id, "Circle", 1, "Monday", start, "UTC", present)


PERIOD = DateRange(datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 11, 24, tzinfo=UTC))


def test_summary_counts_average_and_trend() -> None:
    falling = [occurrence(7 * i, 12 - 2 * i) for i in range(6)]
    summary = summarize(falling, [], [], PERIOD)
    assert (summary.meetings_held, summary.total_present) == (6, 42)
    assert summary.average == pytest.approx(7.0)
    assert summary.trend is Trend.FALLING
    steady = summarize([occurrence(7 * i, 5 + i % 2) for i in range(6)], [], [], PERIOD)
    assert steady.trend is Trend.STEADY
    assert summarize(falling[:2], [], [], PERIOD).trend is Trend.UNKNOWN
    assert summarize([], [], [], PERIOD).average is None


def test_dropped_away_needs_two_early_none_late_and_meetings_to_miss() -> None:
    early_only = [occurrence(14 * i, 3) for i in range(6)]  # three before mid, three after
    members = [
        MemberCount(-1, 1, "Ana", early=2, late=0),
        MemberCount(-1, 2, "Bea", early=1, late=0),
        MemberCount(-1, 3, "Cai", early=3, late=1),
        MemberCount(-1, 4, None, early=2, late=0),
    ]
    summary = summarize(early_only, members, [MemberCount(-1, 5, "Dee")], PERIOD, former_member="(gone)")
    assert summary.dropped_away == ("(gone)", "Ana")
    assert summary.newcomers == ("Dee",)
    first_half_only = [o for o in early_only if o.start < PERIOD.mid]
    assert len(first_half_only) == 3
    assert summarize(first_half_only, members, [], PERIOD).dropped_away == ()


def test_csv_has_a_header_local_times_and_defuses_formulas() -> None:
    rows = [
        AttendanceRow("Circle", "=HYPERLINK(1)", START, "Europe/Madrid", 'Ana, "A"', True),
        AttendanceRow("Circle", "Monday", START, "UTC", None, False),
    ]
    parsed = list(csv.reader(io.StringIO(attendance_csv(rows, "former").decode())))
    assert tuple(parsed[0]) == CSV_HEADER
    assert parsed[1] == ["Circle", "'=HYPERLINK(1)", "2026-11-23", "19:00", 'Ana, "A"', "1"]
    assert parsed[2] == ["Circle", "Monday", "2026-11-23", "18:00", "former", "0"]


class LetterChanges(TypedDict, total=False):
    """What a test changes in the sample letter."""

    first_name: str
    last_day: date


def letter(**changes: Unpack[LetterChanges]) -> ProofLetter:
    sample = ProofLetter(
        first_name="Maya",
        first_day=date(2026, 11, 1),
        last_day=date(2026, 11, 30),
        issued_at=datetime(2026, 11, 30, 12, tzinfo=UTC),
        meetings=(AttendedMeeting("Círculo", "Lunes", datetime(2026, 11, 23, 19, 0), 60, "Europe/Madrid"),),
    )
    return dataclasses.replace(sample, **changes)


def test_a_code_confirms_exactly_the_letter_it_was_made_for() -> None:
    original = letter()
    code = proof_code(original, KEY)
    assert code_matches(original, code, KEY)
    assert code_matches(ProofLetter.from_json(original.to_json()), code, KEY)  # survives storage
    assert not code_matches(letter(first_name="Mayo"), code, KEY)
    assert not code_matches(letter(last_day=date(2026, 12, 1)), code, KEY)
    assert not code_matches(original, code, proof_key("another-secret-0123456789-0123456789"))


def test_the_letter_key_is_not_the_secret_nor_the_pseudonym_key() -> None:
    secret = "a-test-secret-that-is-long-enough-0123456789"
    assert proof_key(secret) != secret.encode()
    assert len(proof_key(secret)) == 32
    with pytest.raises(ValueError):
        proof_key("")


@given(st.text(max_size=40))
def test_normalize_code_accepts_only_sixteen_base32_characters(text: str) -> None:
    code = normalize_code(text)
    assert code is None or (len(code) == 19 and code.count("-") == 3)


def test_typed_codes_forgive_case_spaces_and_lookalikes() -> None:
    code = proof_code(letter(), KEY)
    sloppy = code.lower().replace("-", " ").replace("o", "0").replace("i", "1").replace("b", "8")
    assert normalize_code(sloppy) == code
    assert normalize_code(code[:-1]) is None


@given(st.text(max_size=60))
def test_parse_date_range_never_crashes(text: str) -> None:
    try:
        first, last = parse_date_range(text, date(2026, 11, 23))
    except RangeError as error:
        assert error.message
    else:
        assert first <= last


def test_parse_date_range_explains_what_is_wrong() -> None:
    today = date(2026, 11, 23)
    assert parse_date_range("2026-9-1 2026-11-30", today) == (date(2026, 9, 1), date(2026, 11, 30))
    assert parse_date_range("2026-09-01 to 2026-11-30", today)[1] == date(2026, 11, 30)
    for text, words in (
        ("yesterday", "two dates"),
        ("2026-02-30 2026-03-01", "does not exist"),
        ("2026-11-01 2026-10-01", "before the first"),
        ("2027-01-01 2027-02-01", "future"),
        ("2020-01-01 2026-01-01", "three years"),
    ):
        with pytest.raises(RangeError, match=words):
            parse_date_range(text, today)


def test_local_days_become_utc_instants() -> None:
    period = local_day_range(date(2026, 11, 1), date(2026, 11, 30), "Europe/Madrid")
    assert period.start == datetime(2026, 10, 31, 23, tzinfo=UTC)
    assert period.end == datetime(2026, 11, 30, 23, tzinfo=UTC)


def test_the_pdf_letter_parses_and_shows_what_it_should() -> None:
    original = letter(first_name="Zoë")
    code = proof_code(original, KEY)
    data = proof_pdf(original, code, translator("es"), "KindredBot")
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "Zoë" in text and "Círculo" in text and code in text and "/verify" in text
    assert "Justificante de asistencia" in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_the_pdf_letter_renders_with_pdftoppm(tmp_path: Path) -> None:
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(proof_pdf(letter(), proof_code(letter(), KEY), translator("en"), "KindredBot"))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-singlefile", str(pdf), str(tmp_path / "page")], check=True
    )
    png = (tmp_path / "page.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert height > width  # A4 portrait
